"""The main navigation: each person sees the entries they may use, and the page they are on is marked."""
import re

import pytest

pytestmark = pytest.mark.django_db


def current_entries(html: str) -> list[str]:
    return re.findall(r'aria-current="page">([^<]+)</a>', html)


@pytest.mark.parametrize(("url", "entry"), [("/roles/mine/", "My roles"), ("/roles/matrix/", "Roles"),
                                            ("/roles/", "Roles"), ("/", "Home")])
def test_only_the_most_specific_entry_is_marked_as_the_current_page(qm_client, url, entry):
    assert current_entries(qm_client.get(url).content.decode()) == [entry]


def test_people_who_may_not_see_the_people_list_have_no_entry_for_it(portal_users, client_for):
    html = client_for(portal_users.employee).get("/").content.decode()
    assert ">People</a>" not in html
    assert ">My roles</a>" in html


def test_settings_of_the_organisation_are_in_the_quality_managers_own_menu_not_the_top_bar(qm_client):
    html = qm_client.get("/").content.decode()
    top_bar, own_menu = html.split('class="dropdown-menu', 1)
    assert "Organisation settings" not in top_bar
    assert '<a class="dropdown-item" href="/organisation/">Organisation settings</a>' in own_menu
