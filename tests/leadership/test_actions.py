"""Actions: overdue at its boundaries, who may move an action to which status, notes, sources and "my actions"."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from leadership.actions import (
    action_create,
    action_edit,
    action_note_add,
    action_update_status,
    actions_for,
    status_moves_allowed,
)
from leadership.models import Action, ActionNote, ActionSource, ActionStatus, Commitment
from leadership.models.actions import overdue_q
from qms_portal.audit import AuditAction, AuditEntry
from qms_portal.refusals import StepRefused
from tests.leadership.factories import ActionFactory, QualityObjectiveFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 20)


# --- Overdue --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "status", "overdue"),
    [
        (TODAY - dt.timedelta(days=1), ActionStatus.OPEN, True),  # due yesterday
        (TODAY - dt.timedelta(days=1), ActionStatus.IN_PROGRESS, True),
        (TODAY, ActionStatus.OPEN, False),  # due today: there is still today
        (TODAY + dt.timedelta(days=1), ActionStatus.OPEN, False),
        (TODAY - dt.timedelta(days=30), ActionStatus.DONE, False),
        (TODAY - dt.timedelta(days=30), ActionStatus.CANCELLED, False),
    ],
)
def test_overdue_at_its_boundaries_in_python_and_in_the_database(due_on, status, overdue):
    action = ActionFactory(due_on=due_on, status=status)

    assert action.overdue_on(TODAY) is overdue
    assert Action.objects.overdue(TODAY).filter(pk=action.pk).exists() is overdue
    assert Action.objects.filter(overdue_q(TODAY), pk=action.pk).exists() is overdue


def test_is_overdue_uses_the_local_date():
    assert ActionFactory(due_on=timezone.localdate() - dt.timedelta(days=1)).is_overdue
    assert not ActionFactory(due_on=timezone.localdate()).is_overdue


# --- Creating -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("creator", ["quality_manager", "top_management"])
def test_managers_create_actions_from_a_commitment_or_an_objective(portal_users, creator):
    by = portal_users.by_key(creator)
    commitment = Commitment.objects.get(code="5.1.1.e")
    objective = QualityObjectiveFactory()

    from_commitment = action_create(
        title="Budget a second CMM", owner=portal_users.process_owner, due_on=TODAY, source=commitment, by=by
    )
    from_objective = action_create(
        title="Weekly OTD huddle", owner=portal_users.employee, due_on=TODAY, source=objective, by=by
    )
    alone = action_create(title="Tidy the quality notice board", owner=portal_users.employee, due_on=TODAY, by=by)

    assert (from_commitment.source, from_commitment.source_kind) == (commitment, ActionSource.COMMITMENT)
    assert (from_objective.source, from_objective.source_kind) == (objective, ActionSource.OBJECTIVE)
    assert (alone.source, alone.source_kind) == (None, ActionSource.NONE)
    assert list(Action.objects.from_source(ActionSource.COMMITMENT)) == [from_commitment]
    assert list(Action.objects.from_source(ActionSource.NONE)) == [alone]
    assert AuditEntry.objects.filter(record_type="leadership.action", action=AuditAction.CREATE, actor=by).count() == 3


@pytest.mark.parametrize("key", ["process_owner", "employee", "auditor"])
def test_other_roles_cannot_create_actions(portal_users, key):
    with pytest.raises(PermissionDenied):
        action_create(title="x", owner=portal_users.employee, due_on=TODAY, by=portal_users.by_key(key))


def test_an_action_needs_a_title_an_active_owner_and_a_due_date(portal_users):
    with pytest.raises(ValidationError) as refused:
        action_create(title=" ", owner=portal_users.deactivated, due_on=None, by=portal_users.quality_manager)
    assert set(refused.value.message_dict) == {"title", "owner", "due_on"}


def test_the_database_refuses_an_action_with_two_sources(portal_users):
    with pytest.raises(IntegrityError):
        ActionFactory(source_commitment=Commitment.objects.first(), source_objective=QualityObjectiveFactory())


def test_managers_edit_an_action_audited(portal_users):
    action = ActionFactory(owner=portal_users.employee)
    action_edit(
        action=action, title="New title", description="More detail", owner=portal_users.process_owner,
        due_on=TODAY, by=portal_users.quality_manager,
    )
    change = AuditEntry.objects.filter(record_type="leadership.action", action=AuditAction.UPDATE).get()
    assert change.changes["title"] == [action.title, "New title"]
    with pytest.raises(PermissionDenied):
        action_edit(
            action=action, title="Mine now", description="", owner=portal_users.employee, due_on=TODAY,
            by=portal_users.employee,
        )


# --- Status ---------------------------------------------------------------------------------------------------


def test_the_owner_works_an_action_to_done_and_each_step_is_audited(portal_users):
    owner = portal_users.employee
    action = ActionFactory(owner=owner)

    action_update_status(action=action, status=ActionStatus.IN_PROGRESS, note="Started the checklist.", by=owner)
    action = action_update_status(action=action, status=ActionStatus.DONE, by=owner)

    assert (action.status, action.completed_on) == (ActionStatus.DONE, timezone.localdate())
    recorded = AuditEntry.objects.filter(
        record_type="leadership.action", object_id=str(action.pk), action=AuditAction.STEP
    ).order_by("id")
    assert [(e.step, e.reason, e.actor_id) for e in recorded] == [
        ("status in progress", "Started the checklist.", owner.pk),
        ("status done", "", owner.pk),
    ]
    assert list(action.notes.values_list("text", flat=True)) == ["Started the checklist."]


def test_the_owner_cannot_cancel_or_reopen_but_a_manager_can(portal_users):
    owner, manager = portal_users.employee, portal_users.quality_manager
    action = ActionFactory(owner=owner)

    assert status_moves_allowed(action, owner) == {ActionStatus.IN_PROGRESS, ActionStatus.DONE}
    with pytest.raises(PermissionDenied, match="cancel or reopen"):
        action_update_status(action=action, status=ActionStatus.CANCELLED, by=owner)

    action_update_status(action=action, status=ActionStatus.CANCELLED, note="Superseded by the new line.", by=manager)
    with pytest.raises(PermissionDenied):
        action_update_status(action=action, status=ActionStatus.OPEN, by=owner)
    reopened = action_update_status(action=action, status=ActionStatus.OPEN, by=manager)
    assert reopened.status == ActionStatus.OPEN


@pytest.mark.parametrize("key", ["process_owner", "auditor"])
def test_someone_else_may_not_change_an_action(portal_users, key):
    action = ActionFactory(owner=portal_users.employee)
    with pytest.raises(PermissionDenied):
        action_update_status(action=action, status=ActionStatus.IN_PROGRESS, by=portal_users.by_key(key))
    assert Action.objects.get(pk=action.pk).status == ActionStatus.OPEN


def test_top_management_may_change_anyones_action(portal_users):
    action = ActionFactory(owner=portal_users.employee)
    action_update_status(action=action, status=ActionStatus.IN_PROGRESS, by=portal_users.top_management)
    assert Action.objects.get(pk=action.pk).status == ActionStatus.IN_PROGRESS


def test_a_deactivated_owner_can_no_longer_change_their_action(portal_users):
    action = ActionFactory(owner=portal_users.deactivated)
    with pytest.raises(PermissionDenied):
        action_update_status(action=action, status=ActionStatus.DONE, by=portal_users.deactivated)


@pytest.mark.parametrize(
    ("start", "target"),
    [(ActionStatus.DONE, ActionStatus.CANCELLED), (ActionStatus.DONE, ActionStatus.IN_PROGRESS),
     (ActionStatus.CANCELLED, ActionStatus.DONE), (ActionStatus.OPEN, ActionStatus.OPEN)],
)
def test_moves_outside_the_state_table_are_refused(portal_users, start, target):
    action = ActionFactory(status=start)
    with pytest.raises(StepRefused):
        action_update_status(action=action, status=target, by=portal_users.quality_manager)
    assert Action.objects.get(pk=action.pk).status == start


# --- Notes and my actions -------------------------------------------------------------------------------------


def test_the_owner_and_managers_add_notes_others_may_not(portal_users):
    action = ActionFactory(owner=portal_users.employee)

    action_note_add(action=action, text="Waiting for the supplier's answer.", by=portal_users.employee)
    action_note_add(action=action, text="Chased the supplier.", by=portal_users.quality_manager)
    with pytest.raises(PermissionDenied):
        action_note_add(action=action, text="Not mine.", by=portal_users.process_owner)
    with pytest.raises(ValidationError):
        action_note_add(action=action, text="  ", by=portal_users.employee)

    assert list(action.notes.values_list("author__username", flat=True)) == ["emp", "qm"]
    assert AuditEntry.objects.filter(record_type="leadership.actionnote", action=AuditAction.CREATE).count() == 2
    assert ActionNote.objects.count() == 2


def test_my_actions_lists_only_the_persons_open_actions_soonest_first(portal_users):
    me = portal_users.employee
    later = ActionFactory(owner=me, due_on=TODAY + dt.timedelta(days=9))
    sooner = ActionFactory(owner=me, due_on=TODAY)
    done = ActionFactory(owner=me, status=ActionStatus.DONE)
    ActionFactory(owner=portal_users.process_owner)

    assert list(actions_for(me)) == [sooner, later]
    assert set(actions_for(me, include_closed=True)) == {sooner, later, done}
