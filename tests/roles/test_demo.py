"""The roles part of the demo data (issue 4, item 8): about 25 held roles under the managing director, 6 processes
with 40 activities and a complete RACI matrix that breaks exactly the two rules the demo shows, the 5.3 a-e duties
on held roles, most holders' acknowledgements, and nothing written by a second run."""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from qms_portal.audit import AuditEntry
from qms_portal.models import User
from roles.acknowledgements import roles_held, roles_to_acknowledge
from roles.models import Activity, Duty, Process, RaciCell, Role, RoleAcknowledgement, RoleAssignment, held_on
from roles.raci import matrix_load, matrix_rule_breaks

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(demo_seeded_once, db) -> str:
    """The demo, seeded once for the module (tests/conftest.py); what the seed printed."""
    return demo_seeded_once


def current_assignments():
    return RoleAssignment.objects.filter(held_on(timezone.localdate()))


def test_the_demo_has_26_roles_6_processes_and_40_activities(seeded):
    assert Role.objects.count() == 26
    assert Process.objects.count() == 6
    assert Activity.objects.count() == 40
    assert "26 roles, 6 processes, 40 activities" in seeded


def test_every_role_reports_up_to_the_managing_director(seeded):
    (top,) = Role.objects.filter(reports_to__isnull=True)
    assert top.title == "Managing Director"
    for role in Role.objects.select_related("reports_to"):
        seen, chain = set(), role
        while chain.reports_to is not None:
            assert chain.pk not in seen, f"the reporting line of {role} loops"
            seen.add(chain.pk)
            chain = chain.reports_to
        assert chain == top, role


def test_roles_have_purpose_responsibilities_and_authorities_and_holders_from_their_unit(seeded):
    for role in Role.objects.all():
        assert role.purpose and role.responsibility_list and role.authority_list, role
    # A holder belongs to the role's department, but for the deputies who stand in from elsewhere.
    for assignment in current_assignments().filter(is_deputy=False).select_related("person", "role"):
        assert assignment.person.org_unit_id == assignment.role.org_unit_id, assignment


def test_some_roles_have_a_deputy_and_the_history_keeps_ended_assignments(seeded):
    assert current_assignments().filter(is_deputy=True).count() >= 3
    ended = RoleAssignment.objects.filter(ends_on__lt=timezone.localdate()).select_related("person", "role")
    assert {(a.person.username, a.role.title) for a in ended} == {
        ("k.brennan", "Toolmaker"),
        ("b.riley", "Assembly and Test Supervisor"),
    }


def test_every_process_is_owned_by_a_held_role_and_its_activities_are_numbered_in_order(seeded):
    held = set(current_assignments().values_list("role_id", flat=True))
    for process in Process.objects.all():
        assert process.owner_role_id in held, process
        assert list(process.activities.values_list("position", flat=True)) == list(
            range(1, process.activities.count() + 1)
        )


def test_the_matrix_breaks_exactly_the_two_rules_the_demo_shows(seeded):
    breaks = matrix_rule_breaks(matrix_load())

    assert [(b.rule, b.message) for b in breaks] == [
        ("one_accountable", "“Purchasing — Evaluate and approve new suppliers” has 2 A's: keep exactly one."),
        ("role_held", "“Toolmaker” has letters in the matrix but nobody holds it now."),
    ]
    assert "2 rule breaks to show" in seeded
    assert "Evaluate and approve new suppliers" in seeded and "Toolmaker" in seeded


def test_every_role_has_a_letter_and_every_activity_an_a_and_an_r(seeded):
    letters = list(RaciCell.objects.values_list("activity_id", "role_id", "letter"))

    assert {role for _, role, _ in letters} == set(Role.objects.values_list("pk", flat=True))
    for activity in Activity.objects.all():
        own = [letter for a, _, letter in letters if a == activity.pk]
        assert own.count("R") >= 1, activity
        assert own.count("A") == (2 if activity.name == "Evaluate and approve new suppliers" else 1), activity
        assert set(own) <= {"R", "A", "C", "I"}


def test_the_duties_are_assigned_to_roles_someone_holds(seeded):
    held = set(current_assignments().values_list("role_id", flat=True))
    duties = dict(Duty.objects.values_list("code", "role__title"))

    assert duties == {
        "5.3.a": "Quality Manager",
        "5.3.b": "Operations Director",
        "5.3.c": "Quality Manager",
        "5.3.d": "Managing Director",
        "5.3.e": "Quality Manager",
    }
    assert set(Duty.objects.values_list("role_id", flat=True)) <= held


def test_all_but_four_holders_acknowledged_their_roles(seeded):
    holdings = list(current_assignments().values_list("role_id", "person_id", "role__revision"))
    acknowledged = set(RoleAcknowledgement.objects.values_list("role_id", "person_id", "revision"))

    pending = [holding for holding in holdings if holding not in acknowledged]
    assert len(pending) == 4
    assert f"{len(holdings) - 4} of {len(holdings)} role holders acknowledged" in seeded
    # Only holders acknowledge: each acknowledged the role on a day they held it (some have moved on since).
    for acknowledgement in RoleAcknowledgement.objects.all():
        day = timezone.localdate(acknowledgement.acknowledged_at)
        assert RoleAssignment.objects.filter(
            held_on(day), role=acknowledgement.role, person=acknowledgement.person
        ).exists(), acknowledgement


def test_role_holders_changed_during_the_demo_history_on_the_days_the_roles_page_gives(seeded):
    supervisor = Role.objects.get(title="Assembly and Test Supervisor")
    ben, olu = (supervisor.assignments.get(person__username=name) for name in ("b.riley", "o.adeyemi"))
    today = timezone.localdate()

    assert ben.ends_on + dt.timedelta(days=1) == olu.starts_on
    assert 300 < (today - olu.starts_on).days < 700  # within the two years the demo's trail covers
    assert [role.title for role in roles_held(User.objects.get(username="o.adeyemi"))] == [supervisor.title]
    # The trail recorded Olu's appointment on their first day and the end of Ben's on his last.
    appointed = AuditEntry.objects.filter(record_type="roles.roleassignment", object_id=str(olu.pk)).earliest("id")
    ended = AuditEntry.objects.filter(record_type="roles.roleassignment", object_id=str(ben.pk)).latest("id")
    assert timezone.localdate(appointed.created_at) == olu.starts_on
    assert timezone.localdate(ended.created_at) == ben.ends_on
    # Kieran Brennan moved from the toolroom to CNC machining, and his former role keeps its history.
    assert [role.title for role in roles_held(User.objects.get(username="k.brennan"))] == ["CNC Machinist"]


def test_the_employee_log_in_holds_a_role_awaiting_acknowledgement(seeded):
    employee = User.objects.get(username="employee")

    assert [role.title for role in roles_held(employee)] == ["CNC Machinist"]
    assert [role.title for role in roles_to_acknowledge(employee)] == ["CNC Machinist"]
    assert RaciCell.objects.filter(role__title="CNC Machinist", letter="R").exists()


def test_the_process_owner_log_in_holds_the_role_that_owns_production(seeded):
    owner = User.objects.get(username="owner")

    assert Process.objects.get(code="production").owner_role in roles_held(owner)


def test_the_demo_roles_are_written_by_the_quality_manager_and_acknowledged_by_the_holders(seeded):
    entries = AuditEntry.objects.filter(record_type__startswith="roles.")

    writers = set(entries.exclude(record_type="roles.roleacknowledgement").values_list("actor_name", flat=True))
    assert writers == {"Priya Nair"}
    acknowledgers = set(entries.filter(record_type="roles.roleacknowledgement").values_list("actor_name", flat=True))
    assert "Priya Nair" in acknowledgers and "Jamie Clarke" not in acknowledgers


def test_running_the_seed_a_second_time_writes_nothing(seeded):
    entries = AuditEntry.objects.count()

    second = seed()

    assert AuditEntry.objects.count() == entries
    assert [line for line in second.splitlines() if "roles," in line] == [
        line for line in seeded.splitlines() if "roles," in line
    ]


def test_the_seed_restores_demo_letters_and_roles_changed_by_hand(seeded):
    cell = RaciCell.objects.get(activity__name="Evaluate and approve new suppliers", role__title="Quality Manager")
    cell.delete()
    role = Role.objects.get(title="Buyer")
    role.purpose = "Something else"
    role.save()

    seed()

    assert RaciCell.objects.get(activity__name="Evaluate and approve new suppliers", role__title="Quality Manager")
    assert Role.objects.get(title="Buyer").purpose.startswith("Buys materials")
    assert len(matrix_rule_breaks(matrix_load())) == 2
