"""The role pages: the list, a role's page (with who held it on a past date), defining roles and assigning people."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qms_portal.audit import AuditEntry
from roles.models import Duty, Role, RoleAcknowledgement, RoleAssignment
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.roles.factories import ActivityFactory, AssignmentFactory, RaciCellFactory, RoleFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def role_data(role: Role, **changes) -> dict:
    """The role form as posted with ``role``'s current values, and ``changes``."""
    data = {
        "title": role.title,
        "org_unit": role.org_unit_id,
        "purpose": role.purpose,
        "responsibilities": role.responsibilities,
        "authorities": role.authorities,
        "reports_to": role.reports_to_id or "",
    }
    return {**data, **changes}


# --- The list ------------------------------------------------------------------------------------
def test_the_list_shows_unit_reporting_line_holders_and_how_many_acknowledged(portal_users, client_for):
    boss = RoleFactory(title="Production manager")
    role = RoleFactory(title="Shift lead", reports_to=boss, org_unit=OrgUnitFactory(name="Machining"))
    ann = AssignmentFactory(role=role, person=UserFactory(full_name="Ann Lee")).person
    AssignmentFactory(role=role, person=UserFactory(full_name="Bo Chen"), is_deputy=True)
    AssignmentFactory(role=role, person=UserFactory(full_name="Cy Gone"), ends_on=days_ago(10))
    RoleAcknowledgement.objects.create(role=role, person=ann, revision=1)

    page = client_for(portal_users.employee).get(reverse("roles:role_list")).text

    row = page[page.index("Shift lead"):page.index("</tr>", page.index("Shift lead"))]
    assert "Machining" in row and "Production manager" in row
    assert "Ann Lee" in row and "Bo Chen" in row and "deputy" in row
    assert "Cy Gone" not in row  # no longer holds it
    assert "1 of 2 acknowledged" in row


def test_a_role_nobody_holds_says_so(portal_users, client_for):
    RoleFactory(title="Toolmaker")

    page = client_for(portal_users.employee).get(reverse("roles:role_list")).text

    assert "Nobody holds it" in page


def test_the_list_filters_by_unit_with_its_sub_units_and_by_words(portal_users, client_for):
    plant = OrgUnitFactory(name="Plant")
    RoleFactory(title="Welder", org_unit=OrgUnitFactory(name="Welding", parent=plant))
    RoleFactory(title="Buyer", org_unit=OrgUnitFactory(name="Purchasing"))
    AssignmentFactory(role=RoleFactory(title="Planner"), person=UserFactory(full_name="Zora Quist"))
    client = client_for(portal_users.employee)

    by_unit = client.get(reverse("roles:role_list"), {"unit": plant.pk}).text
    by_holder = client.get(reverse("roles:role_list"), {"q": "quist"}).text
    nothing = client.get(reverse("roles:role_list"), {"q": "astronaut"}).text

    assert "Welder" in by_unit and "Buyer" not in by_unit
    assert "Planner" in by_holder and "Welder" not in by_holder
    assert "No role matches" in nothing


def test_only_the_quality_manager_is_offered_a_new_role_and_the_empty_list_says_how_to_start(portal_users, client_for):
    as_qm = client_for(portal_users.quality_manager).get(reverse("roles:role_list")).text
    as_employee = client_for(portal_users.employee).get(reverse("roles:role_list")).text

    assert "No roles yet" in as_qm and "Add the first role" in as_qm
    assert reverse("roles:role_create") in as_qm
    assert "No roles yet" in as_employee
    assert reverse("roles:role_create") not in as_employee


def _roles_with_holders(count: int) -> None:
    for _ in range(count):
        assignment = AssignmentFactory(role=RoleFactory(reports_to=None))
        RoleAcknowledgement.objects.create(role=assignment.role, person=assignment.person, revision=1)
        AssignmentFactory(role=assignment.role, is_deputy=True)


def test_the_list_costs_the_same_number_of_queries_for_5_and_50_roles(portal_users, client_for):
    client = client_for(portal_users.employee)
    client.get(reverse("home"))  # the first page of a session loads what later pages find cached
    _roles_with_holders(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("roles:role_list")).status_code == 200
    _roles_with_holders(45)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("roles:role_list")).text

    assert "1 of 2 acknowledged" in page
    assert len(many) == len(few)


# --- Defining roles ------------------------------------------------------------------------------
def test_the_quality_manager_creates_a_role(qm_client):
    unit = OrgUnitFactory(name="Stores")

    response = qm_client.post(reverse("roles:role_create"), {
        "title": "Storekeeper", "org_unit": unit.pk, "purpose": "Keep stock right",
        "responsibilities": "Count stock\nIssue material", "authorities": "Refuse a damaged delivery",
    })

    role = Role.objects.get(title="Storekeeper")
    assert response.status_code == 302 and response["Location"] == reverse("roles:role_detail", args=[role.pk])
    assert role.responsibility_list == ["Count stock", "Issue material"] and role.revision == 1


def test_a_second_role_with_the_same_title_in_the_same_unit_is_refused(qm_client):
    role = RoleFactory(title="Buyer")

    response = qm_client.post(reverse("roles:role_create"), role_data(role))

    assert response.status_code == 200
    assert "already" in response.text
    assert Role.objects.filter(title="Buyer").count() == 1


def test_a_role_cannot_report_to_itself(qm_client):
    role = RoleFactory()

    response = qm_client.post(reverse("roles:role_edit", args=[role.pk]), role_data(role, reports_to=role.pk))

    assert response.status_code == 200
    assert "A role cannot report to itself." in response.text
    role.refresh_from_db()
    assert role.reports_to is None


def test_a_reporting_line_that_would_close_a_loop_is_refused_next_to_the_field(qm_client):
    director = RoleFactory(title="Director")
    manager = RoleFactory(title="Manager", reports_to=director)
    lead = RoleFactory(title="Lead", reports_to=manager)

    response = qm_client.post(reverse("roles:role_edit", args=[director.pk]), role_data(director, reports_to=lead.pk))

    assert response.status_code == 200
    errors = response.context["form"].errors["reports_to"]
    assert "“Lead” → “Manager” → this role" in errors[0]
    director.refresh_from_db()
    assert director.reports_to is None


def test_a_loop_the_form_did_not_see_is_refused_by_the_write_next_to_the_field(qm_client, monkeypatch):
    director = RoleFactory(title="Director")
    lead = RoleFactory(title="Lead", reports_to=director)
    # As if another manager made "Lead" report to "Director" between the form's check and the write.
    monkeypatch.setattr("roles.forms.roles.role_reporting_problem", lambda role: None)

    response = qm_client.post(reverse("roles:role_edit", args=[director.pk]), role_data(director, reports_to=lead.pk))

    assert response.status_code == 200
    assert "“Lead” already reports to this role" in response.context["form"].errors["reports_to"][0]
    director.refresh_from_db()
    assert director.reports_to is None


def test_the_reporting_list_offers_neither_the_role_nor_those_below_it(qm_client):
    director = RoleFactory(title="Director")
    RoleFactory(title="Manager", reports_to=director)
    RoleFactory(title="Auditor of the board")

    form = qm_client.get(reverse("roles:role_edit", args=[director.pk])).context["form"]

    offered = [label for _, label in form.fields["reports_to"].widget.choices]
    assert any("Auditor of the board" in label for label in offered)
    assert not any(label.startswith(("Director", "Manager")) for label in offered)


def test_changing_responsibilities_tells_the_quality_manager_holders_must_acknowledge_again(qm_client):
    role = RoleFactory(title="Buyer")
    AssignmentFactory(role=role)
    AssignmentFactory(role=role)

    response = qm_client.post(
        reverse("roles:role_edit", args=[role.pk]),
        role_data(role, responsibilities="Buy\nNegotiate", reason="Buyers now negotiate the framework contracts"),
        follow=True,
    )

    assert "saved as revision 2" in response.text
    assert "its 2 holders must read and acknowledge it again" in response.text
    assert Role.objects.get(pk=role.pk).revision == 2


def role_entries(role: Role) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(record_type="roles.role", object_id=str(role.pk)).order_by("id"))


def test_changing_authorities_without_a_reason_is_refused_and_nothing_changes(qm_client):
    role = RoleFactory(title="Buyer", authorities="Sign orders up to 5,000 EUR")
    before = role_entries(role)

    response = qm_client.post(
        reverse("roles:role_edit", args=[role.pk]), role_data(role, authorities="Sign orders up to 50,000 EUR")
    )

    assert response.status_code == 200
    assert "Say why the responsibilities or authorities change" in response.text
    role.refresh_from_db()
    assert (role.authorities, role.revision) == ("Sign orders up to 5,000 EUR", 1)
    assert role_entries(role) == before


def test_the_reason_for_new_responsibilities_is_on_the_trail_entry(portal_users, client_for, qm_client):
    role = RoleFactory(title="Buyer", responsibilities="Buy")

    qm_client.post(reverse("roles:role_edit", args=[role.pk]), role_data(
        role, responsibilities="Buy\nQualify suppliers", reason="Supplier qualification moves to purchasing"
    ))

    entry = role_entries(role)[-1]
    trail = client_for(portal_users.top_management).get(reverse("audit_trail"), {"record_type": "roles.role"}).text
    assert entry.reason == "Supplier qualification moves to purchasing"
    assert "Supplier qualification moves to purchasing" in trail


def test_a_new_role_and_a_role_saved_with_crlf_line_ends_need_no_reason(qm_client):
    role = RoleFactory(title="Buyer", responsibilities="Buy\nNegotiate")

    response = qm_client.post(
        reverse("roles:role_edit", args=[role.pk]), role_data(role, responsibilities="Buy\r\nNegotiate\r\n")
    )
    create_page = qm_client.get(reverse("roles:role_create")).text

    assert response.status_code == 302
    assert "Reason for the change" not in create_page


def test_renaming_a_role_keeps_its_revision_and_says_so(qm_client):
    role = RoleFactory(title="Buyer")

    response = qm_client.post(
        reverse("roles:role_edit", args=[role.pk]), role_data(role, title="Senior buyer"), follow=True
    )

    assert "need not acknowledge it again" in response.text
    role.refresh_from_db()
    assert (role.title, role.revision) == ("Senior buyer", 1)


def test_saving_an_untouched_role_from_a_browser_keeps_its_revision_and_records_no_change(qm_client):
    role = RoleFactory(title="Buyer", responsibilities="Buy\nNegotiate", authorities="Choose suppliers\nSign orders")
    AssignmentFactory(role=role)
    # What a browser posts for the untouched form: its text areas send their lines with CRLF endings.
    untouched = role_data(role, responsibilities="Buy\r\nNegotiate\r\n", authorities="Choose suppliers\r\nSign orders")

    response = qm_client.post(reverse("roles:role_edit", args=[role.pk]), untouched, follow=True)

    assert "need not acknowledge it again" in response.text
    role.refresh_from_db()
    assert role.revision == 1
    assert (role.responsibilities, role.authorities) == ("Buy\nNegotiate", "Choose suppliers\nSign orders")
    assert not AuditEntry.objects.filter(record_type="roles.role", object_id=str(role.pk), action="update").exists()


def test_an_employee_cannot_change_a_role(portal_users, client_for):
    role = RoleFactory(title="Buyer")

    response = client_for(portal_users.employee).post(
        reverse("roles:role_edit", args=[role.pk]), role_data(role, title="Chief buyer", responsibilities="Everything")
    )

    assert response.status_code == 403
    role.refresh_from_db()
    assert (role.title, role.revision) == ("Buyer", 1)


# --- A role's page -------------------------------------------------------------------------------
def test_the_role_page_shows_what_the_role_is_and_who_acknowledged_it(portal_users, client_for):
    boss = RoleFactory(title="Plant manager")
    role = RoleFactory(title="Shift lead", reports_to=boss, responsibilities="Run the shift\nBrief the team")
    RoleFactory(title="Operator", reports_to=role)
    ann = AssignmentFactory(role=role, person=UserFactory(full_name="Ann Lee")).person
    AssignmentFactory(role=role, person=UserFactory(full_name="Bo Chen"), is_deputy=True)
    RoleAcknowledgement.objects.create(role=role, person=ann, revision=1)
    RaciCellFactory(role=role, letter="A", activity=ActivityFactory(name="Plan the shift"))
    duty = Duty.objects.get(code="5.3.b")
    duty.role = role
    duty.save()

    page = client_for(portal_users.auditor).get(reverse("roles:role_detail", args=[role.pk])).text

    for text in ("Shift lead", "Run the shift", "Brief the team", "Plant manager", "Operator", "Ann Lee", "Bo Chen",
                 "deputy", "Plan the shift", "5.3.b", "1 of 2 holders acknowledged revision 1"):
        assert text in page, text


def test_the_role_page_shows_who_held_it_on_a_past_date(portal_users, client_for):
    role = RoleFactory()
    AssignmentFactory(role=role, person=UserFactory(full_name="Old Holder"),
                      starts_on=days_ago(800), ends_on=days_ago(400))
    AssignmentFactory(role=role, person=UserFactory(full_name="New Holder"), starts_on=days_ago(399))
    client = client_for(portal_users.auditor)

    then = client.get(reverse("roles:role_detail", args=[role.pk]), {"on": days_ago(500).isoformat()})
    now = client.get(reverse("roles:role_detail", args=[role.pk]))

    assert [a.person.full_name for a in then.context["holders"].assignments] == ["Old Holder"]
    assert "Held on" in then.text
    assert [a.person.full_name for a in now.context["holders"].assignments] == ["New Holder"]
    assert "Past and planned holders" in now.text and "Old Holder" in now.text


def test_a_date_that_cannot_be_read_gives_a_message_and_today(portal_users, client_for):
    role = AssignmentFactory(person=UserFactory(full_name="Ann Lee")).role

    response = client_for(portal_users.auditor).get(reverse("roles:role_detail", args=[role.pk]), {"on": "31/02/2024"})

    assert response.status_code == 200
    assert "“31/02/2024” is not a date" in response.text
    assert "Ann Lee" in response.text


def test_a_holder_is_offered_to_acknowledge_from_the_role_page(portal_users, client_for):
    role = AssignmentFactory(person=portal_users.employee).role

    page = client_for(portal_users.employee).get(reverse("roles:role_detail", args=[role.pk])).text

    assert reverse("roles:role_acknowledge", args=[role.pk]) in page


# --- Assigning people ----------------------------------------------------------------------------
def test_the_assignment_form_starts_today_and_offers_only_active_people(qm_client):
    role = RoleFactory()
    UserFactory(full_name="Left Already", is_active=False)

    form = qm_client.get(reverse("roles:assignment_create", args=[role.pk])).context["form"]

    assert form["starts_on"].value() == timezone.localdate()
    assert "Left Already" not in str(form["person"])


def test_the_quality_manager_assigns_a_deputy(qm_client):
    role, person = RoleFactory(title="Buyer"), UserFactory(full_name="Ann Lee")

    response = qm_client.post(reverse("roles:assignment_create", args=[role.pk]), {
        "person": person.pk, "starts_on": TODAY().isoformat(), "is_deputy": "on",
    }, follow=True)

    assignment = RoleAssignment.objects.get(role=role)
    assert (assignment.person, assignment.is_deputy, assignment.ends_on) == (person, True, None)
    assert "Ann Lee holds “Buyer” as deputy" in response.text


def test_an_overlapping_assignment_of_the_same_person_to_the_same_role_is_refused(qm_client):
    existing = AssignmentFactory(person=UserFactory(full_name="Ann Lee"), starts_on=days_ago(30))

    response = qm_client.post(reverse("roles:assignment_create", args=[existing.role.pk]), {
        "person": existing.person.pk, "starts_on": days_ago(60).isoformat(), "ends_on": days_ago(10).isoformat(),
    })

    assert response.status_code == 200
    assert "Ann Lee already holds" in response.text and "with no end date" in response.text
    assert RoleAssignment.objects.filter(role=existing.role).count() == 1


def test_the_same_person_may_hold_the_role_again_after_an_earlier_assignment_ended(qm_client):
    earlier = AssignmentFactory(starts_on=days_ago(300), ends_on=days_ago(100))

    response = qm_client.post(reverse("roles:assignment_create", args=[earlier.role.pk]), {
        "person": earlier.person.pk, "starts_on": days_ago(99).isoformat(),
    })

    assert response.status_code == 302
    assert RoleAssignment.objects.filter(role=earlier.role, person=earlier.person).count() == 2


def test_an_end_before_the_start_is_refused_next_to_the_end_date(qm_client):
    role, person = RoleFactory(), UserFactory()

    response = qm_client.post(reverse("roles:assignment_create", args=[role.pk]), {
        "person": person.pk, "starts_on": TODAY().isoformat(), "ends_on": days_ago(1).isoformat(),
    })

    assert response.context["form"].errors["ends_on"] == ["The end date is before the start date."]
    assert not RoleAssignment.objects.filter(role=role).exists()


def test_ending_an_assignment_keeps_it_on_record_with_its_reason(qm_client):
    assignment = AssignmentFactory(person=UserFactory(full_name="Ann Lee"), starts_on=days_ago(100))

    response = qm_client.post(reverse("roles:assignment_edit", args=[assignment.pk]), {
        "person": assignment.person.pk, "starts_on": assignment.starts_on.isoformat(),
        "ends_on": days_ago(1).isoformat(), "reason": "Moved to the Leeds site",
    }, follow=True)

    assignment.refresh_from_db()
    assert assignment.ends_on == days_ago(1)
    assert "the assignment is ended and stays on record" in response.text
    assert "Nobody holds this role now" in response.text
    entry = AuditEntry.objects.filter(record_type="roles.roleassignment", object_id=str(assignment.pk)).latest("id")
    assert entry.reason == "Moved to the Leeds site"


def test_ending_an_assignment_without_a_reason_changes_nothing(qm_client):
    assignment = AssignmentFactory(starts_on=days_ago(100))

    response = qm_client.post(reverse("roles:assignment_edit", args=[assignment.pk]), {
        "person": assignment.person.pk, "starts_on": assignment.starts_on.isoformat(),
        "ends_on": days_ago(1).isoformat(),
    })

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "Say why the assignment changes: the reason is kept in the audit trail."
    ]
    assignment.refresh_from_db()
    assert assignment.ends_on is None


def test_an_assignment_of_someone_who_has_left_can_still_be_ended(qm_client):
    assignment = AssignmentFactory(person=UserFactory(is_active=False), starts_on=days_ago(100))

    response = qm_client.post(reverse("roles:assignment_edit", args=[assignment.pk]), {
        "person": assignment.person.pk, "starts_on": assignment.starts_on.isoformat(),
        "ends_on": days_ago(1).isoformat(), "reason": "Left the company",
    })

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ends_on == days_ago(1)


def test_a_new_role_can_start_below_an_existing_one(qm_client):
    boss = RoleFactory(title="Plant manager")

    form = qm_client.get(reverse("roles:role_create"), {"reports_to": boss.pk, "org_unit": boss.org_unit_id}).context[
        "form"
    ]

    assert form["reports_to"].value() == str(boss.pk) and form["org_unit"].value() == str(boss.org_unit_id)
