"""The home page: the panels apps and the core plug in, and an empty state where a person has none."""
import pytest
from django.urls import reverse

from qms_portal import home as home_registry
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def home(client) -> str:
    return client.get(reverse("home")).text


@pytest.mark.parametrize("key", ["top_management", "quality_manager", "process_owner", "employee", "auditor"])
def test_no_role_sees_a_placeholder_for_an_area_still_to_come(portal_users, client_for, key):
    page = home(client_for(portal_users.by_key(key)))
    assert "coming release" not in page and "Nothing to show yet" not in page
    assert "Nothing here for you yet" not in page and "You have no portal role yet" not in page


def test_the_core_cards_link_only_those_who_may_open_their_pages(portal_users, client_for):
    quality = home(client_for(portal_users.quality_manager))
    assert f'href="{reverse("audit_trail")}"' in quality and f'href="{reverse("organisation")}"' in quality
    auditor = home(client_for(portal_users.auditor))
    assert f'href="{reverse("audit_trail")}"' in auditor and "Open organisation →" not in auditor
    employee = home(client_for(portal_users.employee))
    assert "Open audit trail →" not in employee and "Open organisation →" not in employee


def test_a_role_with_no_panel_reads_an_empty_state(portal_users, client_for, monkeypatch):
    monkeypatch.setattr(home_registry, "_PANELS", [])
    page = home(client_for(portal_users.employee))
    assert "Nothing here for you yet" in page and "area-card" not in page


def test_a_person_without_a_portal_role_and_no_panel_is_told_to_ask_for_one(client_for, monkeypatch):
    monkeypatch.setattr(home_registry, "_PANELS", [])
    page = home(client_for(UserFactory(roles=[])))
    assert "You have no portal role yet" in page and "Nothing here for you yet" not in page
