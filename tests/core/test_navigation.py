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


def test_the_user_menu_names_the_persons_portal_roles_not_every_group_of_the_account(portal_users, client_for):
    from django.contrib.auth.models import Group

    from qms_portal.access import PortalRole

    person = portal_users.top_management
    person.groups.add(Group.objects.get(name=PortalRole.EMPLOYEE), Group.objects.create(name="newsletter-2026"))
    html = client_for(person).get("/").content.decode()

    header = re.search(r'<h6 class="dropdown-header user-roles">([^<]*)</h6>', html)
    assert header is not None and header.group(1) == "Top management"
    assert "newsletter-2026" not in html


def test_the_user_menu_says_so_when_the_account_holds_no_portal_role(portal_users, client_for):
    person = portal_users.employee
    person.groups.clear()
    html = client_for(person).get("/").content.decode()
    assert '<h6 class="dropdown-header user-roles">No portal role</h6>' in html
