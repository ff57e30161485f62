"""Who sees what (issue 10): staff e-mail addresses only for those who manage people, the audit trail for top
management, and the home page's head naming the person's role and the organisation's scope whole."""
from __future__ import annotations

import pytest
from django.urls import reverse

from qms_portal.access import PortalRole
from qms_portal.models import Organisation
from qms_portal.views.home import roles_to_show
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- E-mail addresses -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["auditor", "top_management", "process_owner"])
def test_a_person_page_hides_the_e_mail_address_from_those_who_do_not_manage_people(who, portal_users, client_for):
    person = UserFactory(full_name="Nadia Ahmed", email="nadia.ahmed@example.com", roles=[PortalRole.EMPLOYEE])
    reader = client_for(portal_users.by_key(who))

    detail = reader.get(reverse("person_detail", args=[person.pk])).text
    listing = reader.get(reverse("people")).text

    assert "Nadia Ahmed" in detail and "Nadia Ahmed" in listing
    assert "nadia.ahmed@example.com" not in detail and "nadia.ahmed@example.com" not in listing
    assert "<dt class=\"col-sm-3\">Email</dt>" not in detail


def test_the_quality_manager_who_manages_people_sees_the_e_mail_address(portal_users, qm_client):
    person = UserFactory(full_name="Nadia Ahmed", email="nadia.ahmed@example.com", roles=[PortalRole.EMPLOYEE])
    assert "nadia.ahmed@example.com" in qm_client.get(reverse("person_detail", args=[person.pk])).text


# --- The audit trail --------------------------------------------------------------------------------------------
def test_top_management_finds_and_reads_the_audit_trail_but_cannot_change_people(portal_users, client_for):
    director = client_for(portal_users.top_management)

    home = director.get(reverse("home")).text
    trail = director.get(reverse("audit_trail"))

    assert f'href="{reverse("audit_trail")}"' in home
    assert trail.status_code == 200 and "<h1>Audit trail</h1>" in trail.text
    assert director.get(reverse("person_create")).status_code == 403


def _person_whose_e_mail_changed(quality_manager):
    from qms_portal.accounts import person_save

    person = UserFactory(full_name="Nadia Ahmed", email="nadia.old@example.com", roles=[PortalRole.EMPLOYEE])
    person.email = "nadia.ahmed@example.com"
    person_save(person=person, by=quality_manager)
    return person


@pytest.mark.parametrize("who", ["auditor", "top_management"])
def test_the_audit_trail_hides_e_mail_addresses_from_readers_who_do_not_manage_people(who, portal_users, client_for):
    _person_whose_e_mail_changed(portal_users.quality_manager)
    reader = client_for(portal_users.by_key(who))

    page = reader.get(reverse("audit_trail"), {"record_type": "qms_portal.user"}).text
    csv = b"".join(reader.get(reverse("audit_trail_csv"), {"record_type": "qms_portal.user"}).streaming_content)

    assert "Nadia Ahmed" in page
    assert "example.com" not in page
    assert "(e-mail address, shown to those who manage people)" in page
    assert b"example.com" not in csv


def test_the_quality_manager_reads_e_mail_changes_in_the_trail(portal_users, qm_client):
    _person_whose_e_mail_changed(portal_users.quality_manager)

    page = qm_client.get(reverse("audit_trail"), {"record_type": "qms_portal.user"}).text
    csv = b"".join(qm_client.get(reverse("audit_trail_csv"), {"record_type": "qms_portal.user"}).streaming_content)

    assert "nadia.old@example.com" in page and "nadia.ahmed@example.com" in page
    assert b"nadia.ahmed@example.com" in csv


# --- The home page's head ---------------------------------------------------------------------------------------
def test_the_managing_director_reads_top_management_not_employee(client_for):
    director = UserFactory(full_name="Helen Marsh", roles=[PortalRole.EMPLOYEE, PortalRole.TOP_MANAGEMENT])

    page = client_for(director).get(reverse("home")).text

    assert '<div class="eyebrow">Top management</div>' in page
    assert "Employee · Top management" not in page.split("<main", 1)[1]


@pytest.mark.parametrize(("held", "shown"), [
    ([PortalRole.EMPLOYEE], ["Employee"]),
    ([PortalRole.EMPLOYEE, PortalRole.PROCESS_OWNER, PortalRole.QUALITY_MANAGER], ["Quality manager", "Process owner"]),
    ([PortalRole.AUDITOR], ["Auditor"]),
    ([], []),
])
def test_the_roles_shown_leave_out_employee_beside_another_role_most_senior_first(held, shown):
    assert roles_to_show([str(role) for role in held]) == shown


def test_the_organisation_scope_is_shown_whole_never_cut_mid_word(portal_users, client_for):
    organisation = Organisation.current()
    organisation.scope_statement = (
        "Design, machining, assembly and pressure testing of industrial valves and actuators for water utilities "
        "and process plants, from our sites in Halifax and Leeds, including repair and refurbishment services."
    )
    organisation.save()

    page = client_for(portal_users.employee).get(reverse("home")).text

    assert organisation.scope_statement + "</span>" in page
    assert "refurbishme…" not in page and "…</p>" not in page
