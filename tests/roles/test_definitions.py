"""Writing roles, assignments, letters and duties; holders acknowledging their roles."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from qms_portal.audit import AuditEntry, audit_context, audited_record_types
from roles.acknowledgements import (
    RoleChangedSinceShown,
    role_acknowledge,
    roles_acknowledge_bulk,
    roles_to_acknowledge,
)
from roles.definitions import assignment_save, assignments_create_bulk, assignments_end_bulk, duty_assign, role_save
from roles.models import Activity, Duty, Process, RaciCell, Role, RoleAcknowledgement, RoleAssignment
from roles.raci import raci_cell_set
from tests.core.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def role(portal_users) -> Role:
    return role_save(
        role=Role(title="Production manager", org_unit=OrgUnitFactory(), responsibilities="Plan the week"),
        by=portal_users.quality_manager,
    )


@pytest.fixture
def activity(role) -> Activity:
    process = Process.objects.create(name="Production", code="prod", owner_role=role)
    return Activity.objects.create(process=process, position=1, name="Plan the week")


def entries_for(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(record_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id"))


def test_changing_responsibilities_starts_a_new_revision_and_a_title_change_does_not(portal_users, role):
    qm = portal_users.quality_manager
    role.title = "Head of production"
    role_save(role=role, by=qm)
    assert role.revision == 1

    role.responsibilities += "\nApprove overtime"
    role_save(role=role, by=qm)

    assert Role.objects.get(pk=role.pk).revision == 2
    assert entries_for(role)[-1].changes["revision"] == [1, 2]


def test_a_reporting_line_that_would_close_a_loop_is_refused_by_the_write_itself(portal_users, role):
    qm = portal_users.quality_manager
    lead = role_save(role=Role(title="Shift lead", org_unit=role.org_unit, reports_to=role), by=qm)

    role.reports_to = lead
    with pytest.raises(ValidationError, match="“Shift lead” already reports to this role") as loop:
        role_save(role=role, by=qm)
    assert list(loop.value.message_dict) == ["reports_to"]
    role.reports_to = role
    with pytest.raises(ValidationError, match="cannot report to itself"):
        role_save(role=role, by=qm)

    assert Role.objects.get(pk=role.pk).reports_to_id is None


def test_only_the_quality_manager_defines_roles(portal_users):
    with pytest.raises(PermissionDenied):
        role_save(role=Role(title="Shadow", org_unit=OrgUnitFactory()), by=portal_users.employee)
    assert not Role.objects.filter(title="Shadow").exists()


def test_a_letter_is_set_changed_and_cleared_and_each_change_is_audited(portal_users, role, activity):
    qm = portal_users.quality_manager

    cell = raci_cell_set(activity=activity, role=role, letter="R", by=qm)
    raci_cell_set(activity=activity, role=role, letter="A", by=qm)
    raci_cell_set(activity=activity, role=role, letter=None, by=qm)

    assert not RaciCell.objects.exists()
    assert [(e.action, e.changes.get("letter")) for e in entries_for(cell)] == [
        ("create", [None, "R"]), ("update", ["R", "A"]), ("delete", ["A", None]),
    ]
    assert {e.actor_id for e in entries_for(cell)} == {qm.pk}
    # How the trail names the kind of record, in its list and its filter.
    assert {e.model_verbose_name for e in entries_for(cell)} == {"RACI letter"}
    assert ("roles.racicell", "RACI letter") in audited_record_types()


@pytest.mark.parametrize(("who", "letter", "error"), [
    ("quality_manager", "X", ValidationError), ("employee", "R", PermissionDenied), ("auditor", "A", PermissionDenied),
])
def test_a_bad_letter_or_a_role_that_may_not_edit_changes_nothing(portal_users, role, activity, who, letter, error):
    with pytest.raises(error):
        raci_cell_set(activity=activity, role=role, letter=letter, by=portal_users.by_key(who))
    assert not RaciCell.objects.exists()


def test_the_database_holds_one_letter_per_activity_and_role(role, activity):
    RaciCell.objects.create(activity=activity, role=role, letter="R")
    with pytest.raises(IntegrityError), transaction.atomic():
        RaciCell.objects.create(activity=activity, role=role, letter="A")


def test_an_assignment_cannot_end_before_it_starts(portal_users, role):
    assignment = RoleAssignment(
        role=role, person=portal_users.employee, starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 4, 1)
    )
    with pytest.raises(ValidationError, match="before the start") as refused:
        assignment_save(assignment=assignment, by=portal_users.quality_manager)
    assert list(refused.value.message_dict) == ["ends_on"]
    with pytest.raises(IntegrityError), transaction.atomic():
        assignment.save()
    assert not RoleAssignment.objects.exists()


def test_a_duty_is_assigned_to_a_role_and_the_change_is_audited(portal_users, role):
    duty = Duty.objects.get(code="5.3.a")

    duty_assign(duty=duty, role=role, by=portal_users.quality_manager)

    assert Duty.objects.get(code="5.3.a").role == role
    assert entries_for(duty)[-1].changes == {"role": [None, role.pk]}


def test_holders_acknowledge_each_revision_once_and_again_after_a_change(portal_users, role):
    holder, qm = portal_users.employee, portal_users.quality_manager
    assignment_save(assignment=RoleAssignment(role=role, person=holder, starts_on=dt.date(2020, 1, 1)), by=qm)
    assert roles_to_acknowledge(holder) == [role]

    role_acknowledge(role=role, person=holder)
    assert roles_to_acknowledge(holder) == []
    with pytest.raises(ValidationError, match="already acknowledged revision 1"):
        role_acknowledge(role=role, person=holder)

    role.authorities = "Stop the line"
    role_save(role=role, by=qm)
    assert roles_to_acknowledge(holder) == [role]


def test_only_current_holders_acknowledge_a_role(portal_users, role):
    qm = portal_users.quality_manager
    assignment_save(
        assignment=RoleAssignment(
            role=role, person=portal_users.process_owner, starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2021, 1, 1)
        ),
        by=qm,
    )
    for outsider in (portal_users.employee, portal_users.process_owner):
        with pytest.raises(PermissionDenied):
            role_acknowledge(role=role, person=outsider)


def test_an_overlapping_assignment_of_the_same_person_is_refused_whoever_writes_it(portal_users, role):
    qm, person = portal_users.quality_manager, portal_users.employee
    assignment_save(assignment=RoleAssignment(role=role, person=person, starts_on=dt.date(2026, 1, 1)), by=qm)

    later = RoleAssignment(role=role, person=person, starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 7, 1))
    with pytest.raises(ValidationError, match="already holds Production manager from 1 January 2026 with no end date"):
        assignment_save(assignment=later, by=qm)

    assert RoleAssignment.objects.filter(role=role, person=person).count() == 1


def test_a_holder_shown_an_older_revision_acknowledges_nothing(portal_users, role):
    holder = portal_users.employee
    assignment_save(assignment=RoleAssignment(role=role, person=holder, starts_on=dt.date(2026, 1, 1)),
                    by=portal_users.quality_manager)
    role.authorities = "Approve overtime"
    role_save(role=role, by=portal_users.quality_manager)

    with pytest.raises(RoleChangedSinceShown, match="now revision 2"):
        role_acknowledge(role=role, person=holder, revision_seen=1)

    assert not RoleAcknowledgement.objects.filter(role=role, person=holder).exists()
    assert roles_to_acknowledge(holder) == [role]


def test_assignments_in_bulk_are_refused_whole_when_one_meets_an_assignment_already_held(portal_users, role):
    today = timezone.localdate()
    qm, employee, owner = portal_users.quality_manager, portal_users.employee, portal_users.process_owner
    assignment_save(assignment=RoleAssignment(role=role, person=employee, starts_on=today), by=qm)

    with pytest.raises(ValidationError):
        assignments_create_bulk(assignments=[
            RoleAssignment(role=role, person=owner, starts_on=today),
            RoleAssignment(role=role, person=employee, starts_on=today + dt.timedelta(days=30)),
        ], by=qm, reason="New starters")
    assert RoleAssignment.objects.count() == 1

    [made] = assignments_create_bulk(assignments=[RoleAssignment(role=role, person=owner, starts_on=today)], by=qm,
                                     reason="New starters")
    assert [(entry.action, entry.actor_username, entry.reason) for entry in entries_for(made)] == [
        ("create", "qm", "New starters")
    ]
    with pytest.raises(PermissionDenied):
        assignments_create_bulk(assignments=[RoleAssignment(role=role, person=qm, starts_on=today)], by=employee,
                                reason="Not mine to give")


def test_role_acknowledgements_in_bulk_are_for_holders_only_and_in_each_holders_name(portal_users, role):
    today = timezone.localdate()
    qm, employee, owner = portal_users.quality_manager, portal_users.employee, portal_users.process_owner
    assignment_save(assignment=RoleAssignment(role=role, person=employee, starts_on=today), by=qm)

    with pytest.raises(PermissionDenied):
        roles_acknowledge_bulk(pairs=[(role, employee), (role, owner)], reason="Signed sheets from the briefing")
    assert not RoleAcknowledgement.objects.exists()

    [acknowledged] = roles_acknowledge_bulk(pairs=[(role, employee)], reason="Signed sheets from the briefing")
    assert roles_acknowledge_bulk(pairs=[(role, employee)], reason="The same sheet again") == []
    assert acknowledged.revision == role.revision
    assert [entry.actor_username for entry in entries_for(acknowledged)] == ["emp"]


def test_assignments_ended_in_bulk_end_on_the_day_given_never_before_their_start(portal_users, role):
    today = timezone.localdate()
    qm, employee, owner = portal_users.quality_manager, portal_users.employee, portal_users.process_owner
    started = assignment_save(assignment=RoleAssignment(role=role, person=employee, starts_on=today), by=qm)
    later = assignment_save(assignment=RoleAssignment(role=role, person=owner, starts_on=today + dt.timedelta(days=9)),
                            by=qm)

    with pytest.raises(ValidationError):  # the second starts after the day it would end
        assignments_end_bulk(assignments=[started, later], ends_on=today + dt.timedelta(days=5), by=qm,
                             reason="Leavers")
    assert not RoleAssignment.objects.exclude(ends_on=None).exists()
    with pytest.raises(PermissionDenied):
        assignments_end_bulk(assignments=[started], ends_on=today, by=employee, reason="Not mine to end")

    assert assignments_end_bulk(assignments=[started], ends_on=today + dt.timedelta(days=5), by=qm,
                                reason="Leavers") == 1
    last = entries_for(started)[-1]
    assert (last.action, last.actor_username, last.reason, last.changes) == (
        "update", "qm", "Leavers", {"ends_on": [None, (today + dt.timedelta(days=5)).isoformat()]})
    # Ending it later than it ends already changes nothing.
    assert assignments_end_bulk(assignments=[started], ends_on=today + dt.timedelta(days=8), by=qm,
                                reason="Leavers") == 0


def test_assignments_ended_in_bulk_are_checked_against_their_recorded_start(portal_users, role):
    today = timezone.localdate()
    qm, employee = portal_users.quality_manager, portal_users.employee
    saved = assignment_save(assignment=RoleAssignment(role=role, person=employee, starts_on=today), by=qm)
    # A copy read before the start was moved on ten days
    stale = RoleAssignment.objects.get(pk=saved.pk)
    saved.starts_on = today + dt.timedelta(days=10)
    assignment_save(assignment=saved, by=qm, reason="Starts later")

    with pytest.raises(ValidationError, match="before the start date"):
        assignments_end_bulk(assignments=[stale], ends_on=today + dt.timedelta(days=5), by=qm, reason="Leavers")
    assert RoleAssignment.objects.get(pk=saved.pk).ends_on is None

    # Ended on a valid day, the stale copy does not carry its old start back into the record
    assert assignments_end_bulk(assignments=[stale], ends_on=today + dt.timedelta(days=12), by=qm,
                                reason="Leavers") == 1
    assert RoleAssignment.objects.filter(pk=saved.pk).values_list("starts_on", "ends_on").get() == (
        today + dt.timedelta(days=10), today + dt.timedelta(days=12))


def test_ending_in_bulk_an_assignment_removed_meanwhile_is_refused_and_ends_none(portal_users, role):
    today = timezone.localdate()
    qm, employee, owner = portal_users.quality_manager, portal_users.employee, portal_users.process_owner
    kept = assignment_save(assignment=RoleAssignment(role=role, person=employee, starts_on=today), by=qm)
    removed = assignment_save(assignment=RoleAssignment(role=role, person=owner, starts_on=today), by=qm)
    removed_pk = removed.pk
    with audit_context(actor="test"):
        RoleAssignment.objects.get(pk=removed_pk).delete()

    with pytest.raises(ValidationError) as refused:
        assignments_end_bulk(assignments=[kept, removed], ends_on=today + dt.timedelta(days=5), by=qm,
                             reason="Leavers")
    assert refused.value.messages == [f"Assignment #{removed_pk} no longer exists: nothing was ended."]
    assert RoleAssignment.objects.get(pk=kept.pk).ends_on is None

    # Listed twice, ended once, with one trail entry
    assert assignments_end_bulk(assignments=[kept, kept], ends_on=today + dt.timedelta(days=5), by=qm,
                                reason="Leavers") == 1
    assert [entry.reason for entry in entries_for(kept) if entry.action == "update"] == ["Leavers"]
