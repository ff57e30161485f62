"""The bulk variants of the leadership business functions (used by the large organisation): the same checks as
one by one, nothing written when one row is refused, and every record with its trail entry."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from leadership.actions import action_update_status, actions_complete_bulk, actions_create_bulk, actions_start_bulk
from leadership.commitments import evidence_record_bulk
from leadership.models import (
    Action,
    ActionNote,
    ActionStatus,
    EvidenceEntry,
    EvidenceKind,
    ManagementReview,
    Measurement,
    OutputCategory,
    ReviewOutput,
    ReviewStatus,
)
from leadership.objectives import measurements_record_bulk
from qms_portal.audit import AuditEntry
from qms_portal.models import Channel, Notification
from qms_portal.refusals import StepRefused
from tests.leadership.factories import CommitmentFactory, QualityObjectiveFactory

pytestmark = pytest.mark.django_db


def created_entries(model) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(record_type=model._meta.label_lower, action="create").order_by("id"))


def test_actions_created_in_bulk_need_an_owner_and_a_due_date_and_are_completed_in_bulk(portal_users):
    qm, employee = portal_users.quality_manager, portal_users.employee
    due = timezone.localdate() + dt.timedelta(days=30)

    with pytest.raises(ValidationError):
        actions_create_bulk(actions=[Action(title="Fix the gauge", owner=employee, due_on=due),
                                     Action(title="No owner", owner=None, due_on=due)], by=qm, reason="Review")
    assert not Action.objects.exists()
    with pytest.raises(PermissionDenied):
        actions_create_bulk(actions=[Action(title="Mine", owner=employee, due_on=due)], by=employee, reason="Mine")

    made = actions_create_bulk(actions=[Action(title=f" Finding {n} ", owner=employee, due_on=due) for n in range(3)],
                               by=qm, reason="The March review's findings")
    assert [action.title for action in made] == ["Finding 0", "Finding 1", "Finding 2"]
    assert {action.created_by_id for action in Action.objects.all()} == {qm.pk}
    assert [(entry.actor_username, entry.reason) for entry in created_entries(Action)] == [
        ("qm", "The March review's findings")] * 3

    assert actions_complete_bulk(actions=made[:2], by=qm, reason="Closed at the June review") == 2
    assert list(Action.objects.order_by("pk").values_list("status", "completed_on")) == [
        (ActionStatus.DONE, timezone.localdate()), (ActionStatus.DONE, timezone.localdate()), (ActionStatus.OPEN, None)]
    with pytest.raises(StepRefused):  # done already: not done again
        actions_complete_bulk(actions=made[:1], by=qm, reason="Twice")


def test_a_months_measurements_are_recorded_together_once(portal_users):
    qm = portal_users.quality_manager
    first, second = QualityObjectiveFactory(), QualityObjectiveFactory()
    month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)

    with pytest.raises(ValidationError):
        measurements_record_bulk(values=[(first, Decimal("90"))], measured_on=timezone.localdate() + dt.timedelta(1),
                                 by=qm, reason="Figures")
    measurements_record_bulk(values=[(first, Decimal("93.5")), (second, Decimal("97"))], measured_on=month_end,
                             by=qm, reason="The month's figures")
    with pytest.raises(ValidationError):  # a second figure for the same day is a correction, made one by one
        measurements_record_bulk(values=[(first, Decimal("94"))], measured_on=month_end, by=qm, reason="Again")

    assert sorted(Measurement.objects.values_list("value", flat=True)) == [Decimal("93.5"), Decimal("97")]
    assert len(created_entries(Measurement)) == 2
    with pytest.raises(PermissionDenied):
        measurements_record_bulk(values=[(first, Decimal("1"))], measured_on=month_end - dt.timedelta(days=1),
                                 by=portal_users.employee, reason="Not mine")


def test_evidence_recorded_in_bulk_is_led_by_top_managers_and_linked_to_its_commitment(portal_users):
    qm, director = portal_users.quality_manager, portal_users.top_management
    commitment = CommitmentFactory()
    today = timezone.localdate()

    def entry(leader) -> EvidenceEntry:
        return EvidenceEntry(occurred_on=today, kind=EvidenceKind.MEETING, summary="Walked the line", leader=leader)

    with pytest.raises(ValidationError):  # an employee does not give evidence of leadership
        evidence_record_bulk(entries=[entry(director), entry(portal_users.employee)], commitments=[commitment], by=qm,
                             reason="The week's evidence")
    assert not EvidenceEntry.objects.exists()

    made = evidence_record_bulk(entries=[entry(director), entry(director)], commitments=[commitment], by=qm,
                                reason="The week's evidence")
    assert [list(item.commitments.all()) for item in made] == [[commitment], [commitment]]
    assert len(created_entries(EvidenceEntry)) == 2
    linked = AuditEntry.objects.filter(record_type="leadership.evidenceentry", action="update")
    assert [entry.changes["commitments"] for entry in linked] == [[[], [str(commitment)]]] * 2


def test_a_bulk_completion_records_the_step_and_resolves_the_reminders_a_single_one_does(portal_users):
    qm, employee = portal_users.quality_manager, portal_users.employee
    due = timezone.localdate() + dt.timedelta(days=3)
    one, other = actions_create_bulk(actions=[Action(title=title, owner=employee, due_on=due) for title in "AB"],
                                     by=qm, reason="Findings")
    for action in (one, other):
        Notification.objects.create(recipient=employee, kind="action_due_soon", record_type="action",
                                    record_id=str(action.pk), occasion="3-days", title="Due soon",
                                    channel=Channel.DIGEST)

    action_update_status(action=one, status=ActionStatus.DONE, by=qm)
    actions_complete_bulk(actions=[other], by=qm, reason="Closed at the review")

    def step_of(action: Action) -> tuple:
        entry = AuditEntry.objects.get(record_type="leadership.action", object_id=str(action.pk), action="step")
        return entry.actor_username, entry.step, entry.changes

    assert step_of(other) == step_of(one) == ("qm", "status done", {"status": ["open", "done"]})
    resolved = [(n.read_at is not None, n.digested_at is not None) for n in Notification.objects.all()]
    assert resolved == [(True, True)] * 2


def test_actions_created_in_bulk_from_decisions_belong_to_a_review_still_deciding_and_start_open(portal_users):
    qm, employee = portal_users.quality_manager, portal_users.employee
    due = timezone.localdate() + dt.timedelta(days=30)

    def review(status: str) -> ManagementReview:
        return ManagementReview.objects.create(
            title=f"Review {status}", planned_on=timezone.localdate(), chair=portal_users.top_management,
            status=status, held_on=timezone.localdate(), created_by=qm)

    held, closed = review(ReviewStatus.HELD), review(ReviewStatus.CLOSED)
    held_decision, closed_decision = (
        ReviewOutput.objects.create(review=source, category=OutputCategory.IMPROVEMENT, decision="Act", recorded_by=qm)
        for source in (held, closed))

    def action(source: ManagementReview, decision: ReviewOutput, **preset) -> Action:
        return Action(title="Finding", owner=employee, due_on=due, source_review=source, decision=decision, **preset)

    with pytest.raises(ValidationError):  # a decision of another review than the action's source
        actions_create_bulk(actions=[action(held, closed_decision)], by=qm, reason="Findings")
    with pytest.raises(StepRefused):  # the closed review takes no more decisions
        actions_create_bulk(actions=[action(closed, closed_decision)], by=qm, reason="Findings")
    assert not Action.objects.exists()

    [made] = actions_create_bulk(actions=[action(held, held_decision, status=ActionStatus.DONE,
                                                 completed_on=timezone.localdate())], by=qm, reason="Findings")
    made.refresh_from_db()
    assert (made.status, made.completed_on) == (ActionStatus.OPEN, None)


def test_measurements_recorded_in_bulk_are_validated_as_one_by_one_and_name_the_row_refused(portal_users):
    qm = portal_users.quality_manager
    fine, too_big = QualityObjectiveFactory(title="Scrap rate"), QualityObjectiveFactory(title="Output")
    month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:  # more digits than a measurement holds (14, 4 after the point)
        measurements_record_bulk(values=[(fine, Decimal("2.5")), (too_big, Decimal("12345678901234"))],
                                 measured_on=month_end, by=qm, reason="The month's figures")
    assert "Output" in " ".join(refused.value.messages)
    assert "Scrap rate" not in " ".join(refused.value.messages)
    assert not Measurement.objects.exists()


def test_actions_started_in_bulk_by_their_owner_get_the_step_and_the_note_a_single_start_does(portal_users):
    qm, employee, owner = portal_users.quality_manager, portal_users.employee, portal_users.process_owner
    due = timezone.localdate() + dt.timedelta(days=30)
    one, other, theirs = actions_create_bulk(actions=[
        Action(title="A", owner=employee, due_on=due), Action(title="B", owner=employee, due_on=due),
        Action(title="C", owner=owner, due_on=due)], by=qm, reason="Findings")

    with pytest.raises(PermissionDenied):  # not the owner of C, and no manager of actions
        actions_start_bulk(actions=[other, theirs], note="Under way", by=employee, reason="Started")
    assert set(Action.objects.values_list("status", flat=True)) == {ActionStatus.OPEN}

    action_update_status(action=one, status=ActionStatus.IN_PROGRESS, note="Under way", by=employee)
    assert actions_start_bulk(actions=[other], note="Under way", by=employee, reason="Started") == 1

    def trail_of(action: Action) -> tuple:
        step = AuditEntry.objects.get(record_type="leadership.action", object_id=str(action.pk), action="step")
        note = action.notes.get()
        return step.actor_username, step.step, step.reason, step.changes, note.author_id, note.text

    assert trail_of(other) == trail_of(one) == ("emp", "status in progress", "Under way",
                                                {"status": ["open", "in_progress"]}, employee.pk, "Under way")
    assert len(created_entries(ActionNote)) == 2
    with pytest.raises(StepRefused):  # started already
        actions_start_bulk(actions=[other], note="Again", by=employee, reason="Started")


def test_an_action_listed_twice_is_started_once_with_one_note_and_completed_once(portal_users):
    qm, employee = portal_users.quality_manager, portal_users.employee
    due = timezone.localdate() + dt.timedelta(days=30)
    one, other = actions_create_bulk(actions=[
        Action(title="A", owner=employee, due_on=due), Action(title="B", owner=employee, due_on=due)],
        by=qm, reason="Findings")
    again = Action.objects.get(pk=one.pk)  # the same action, as a second copy (two rows of one import)

    assert actions_start_bulk(actions=[one, other, again], note="Under way", by=employee, reason="Started") == 2
    assert list(one.notes.values_list("text", flat=True)) == ["Under way"]
    steps = AuditEntry.objects.filter(record_type="leadership.action", object_id=str(one.pk), action="step")
    assert steps.count() == 1

    assert actions_complete_bulk(actions=[one, again], by=qm, reason="Closed at the review") == 1
    assert steps.count() == 2
    assert Action.objects.get(pk=one.pk).status == ActionStatus.DONE


def test_a_bulk_start_or_completion_naming_an_action_no_longer_recorded_is_refused_and_changes_none(portal_users):
    qm, employee = portal_users.quality_manager, portal_users.employee
    due = timezone.localdate() + dt.timedelta(days=30)
    kept, gone = actions_create_bulk(actions=[
        Action(title="A", owner=employee, due_on=due), Action(title="B", owner=employee, due_on=due)],
        by=qm, reason="Findings")
    gone_pk = gone.pk
    Action.objects.filter(pk=gone_pk).delete()

    with pytest.raises(ValidationError) as refused:
        actions_start_bulk(actions=[kept, gone], note="Under way", by=employee, reason="Started")
    assert refused.value.messages == [f"Action #{gone_pk} no longer exists: nothing was changed."]
    with pytest.raises(ValidationError, match=f"#{gone_pk} no longer exists"):
        actions_complete_bulk(actions=[kept, gone], by=qm, reason="Closed at the review")
    assert Action.objects.get(pk=kept.pk).status == ActionStatus.OPEN
    assert not ActionNote.objects.exists()
    assert not AuditEntry.objects.filter(record_type="leadership.action", action__in=["step", "update"]).exists()
