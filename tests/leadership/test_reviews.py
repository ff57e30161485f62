"""Management reviews (9.3): planning with the 9.3.2 agenda, holding and recurrence, attendance, decisions and
their actions, closing only when every input is addressed, the chair's signature, and minutes frozen once signed."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from leadership import reviews
from leadership.actions import actions_for
from leadership.errors import InputsUnaddressed
from leadership.models import (
    Action,
    InputCode,
    ManagementReview,
    OutputCategory,
    ReviewAttendance,
    ReviewInput,
    ReviewOutput,
    ReviewStatus,
)
from qms_portal.access import PortalRole
from qms_portal.audit import AuditAction, AuditBypassRefused, AuditEntry
from qms_portal.models import ElectronicSignature, SignedRecordImmutable
from qms_portal.refusals import StepRefused
from qms_portal.signatures import SignatureRefused, content_sha256
from tests.core.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

AGENDA = ["a", "b", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "d", "e", "f"]
PLANNED_ON = dt.date(2026, 1, 31)


def plan(portal_users, **overrides) -> ManagementReview:
    fields = {
        "title": "Management review H1",
        "planned_on": PLANNED_ON,
        "chair": portal_users.top_management,
        "attendees": [portal_users.quality_manager, portal_users.process_owner],
        "by": portal_users.quality_manager,
    } | overrides
    return reviews.review_plan(**fields)


def hold(review: ManagementReview, by) -> ManagementReview:
    return reviews.review_hold(review=review, held_on=review.planned_on, by=by)


def note_all(review: ManagementReview, by, *, skip: tuple[str, ...] = ()) -> None:
    for row in review.inputs.exclude(code__in=skip):
        reviews.review_input_save(review_input=row, notes=f"Discussed {row.code}: figures reviewed.", by=by)


def closed(portal_users, **overrides) -> ManagementReview:
    qm = portal_users.quality_manager
    review = hold(plan(portal_users, **overrides), qm)
    note_all(review, qm)
    reviews.review_attendance_record(review=review, person=portal_users.quality_manager, attended=True, by=qm)
    reviews.review_decision_add(
        review=review, category=OutputCategory.RESOURCES, decision="Hire a second metrology technician.", by=qm
    )
    return reviews.review_close(review=review, by=qm)


def shown_hash(review: ManagementReview) -> str:
    return content_sha256(ManagementReview.objects.get(pk=review.pk).signed_content())


def sign(review: ManagementReview, by, password: str = PASSWORD) -> ManagementReview:
    return reviews.review_sign_minutes(review=review, password=password, expected_sha256=shown_hash(review), by=by)


def steps(review: ManagementReview) -> list[str]:
    entries = AuditEntry.objects.filter(
        record_type="leadership.managementreview", object_id=str(review.pk), action=AuditAction.STEP
    )
    return list(entries.order_by("id").values_list("step", flat=True))


# --- Planning -------------------------------------------------------------------------------------------------


def test_planning_puts_every_932_input_on_the_agenda_and_invites_the_chair(portal_users):
    review = plan(portal_users)

    assert review.status == ReviewStatus.PLANNED
    assert list(review.inputs.values_list("code", flat=True)) == AGENDA
    assert all(row.notes == "" for row in review.inputs.all())
    invited = set(review.attendance.values_list("person__username", flat=True))
    assert invited == {"tm", "qm", "po"}
    assert not review.attendance.exclude(attended=None).exists()
    created = AuditEntry.objects.get(record_type="leadership.managementreview", action=AuditAction.CREATE)
    assert created.actor_id == portal_users.quality_manager.pk
    assert AuditEntry.objects.filter(record_type="leadership.reviewinput", action=AuditAction.CREATE).count() == 12


@pytest.mark.parametrize("key", ["top_management", "process_owner", "employee", "auditor", "deactivated"])
def test_only_quality_managers_plan_reviews(portal_users, key):
    with pytest.raises(PermissionDenied):
        plan(portal_users, by=portal_users.by_key(key))
    assert not ManagementReview.objects.exists()


def test_the_chair_must_be_a_top_manager(portal_users):
    with pytest.raises(ValidationError, match="not a member of top management"):
        plan(portal_users, chair=portal_users.quality_manager)
    assert not ManagementReview.objects.exists()


def test_a_planned_review_can_be_rescheduled_and_its_invitees_changed(portal_users):
    review = plan(portal_users)
    newcomer = UserFactory(roles=[PortalRole.EMPLOYEE])

    reviews.review_update(
        review=review, title="Management review H1 2026", planned_on=PLANNED_ON + dt.timedelta(days=7),
        chair=portal_users.top_management, attendees=[newcomer], recurrence_months=6, by=portal_users.quality_manager,
    )

    review.refresh_from_db()
    assert (review.title, review.planned_on, review.recurrence_months) == (
        "Management review H1 2026", dt.date(2026, 2, 7), 6,
    )
    assert set(review.attendance.values_list("person_id", flat=True)) == {portal_users.top_management.pk, newcomer.pk}


# --- Holding and recurrence -----------------------------------------------------------------------------------


def test_holding_a_one_off_review_proposes_nothing(portal_users):
    review = hold(plan(portal_users), portal_users.quality_manager)

    assert (review.status, review.held_on) == (ReviewStatus.HELD, PLANNED_ON)
    assert ManagementReview.objects.count() == 1
    assert steps(review) == ["held"]


def test_holding_a_recurring_review_proposes_exactly_one_next_review(portal_users):
    qm = portal_users.quality_manager
    review = hold(plan(portal_users, recurrence_months=1), qm)

    proposed = ManagementReview.objects.get(proposed_from=review)
    # 31 January + 1 month is the month's last day, Saturday 28 February: proposed for the Monday after.
    assert proposed.planned_on == dt.date(2026, 3, 2)
    assert (proposed.title, proposed.chair, proposed.recurrence_months, proposed.status) == (
        review.title, review.chair, 1, ReviewStatus.PLANNED,
    )
    assert list(proposed.inputs.values_list("code", flat=True)) == AGENDA
    assert set(proposed.attendance.values_list("person_id", flat=True)) == set(
        review.attendance.values_list("person_id", flat=True)
    )
    assert review.next_review == proposed
    assert steps(review) == ["held", "next review proposed"]

    with pytest.raises(StepRefused, match="is held"):
        hold(review, qm)
    assert ManagementReview.objects.filter(proposed_from=review).count() == 1
    assert ManagementReview.objects.count() == 2


def test_the_next_review_counts_from_the_planned_date_not_the_day_it_was_held(portal_users):
    review = plan(portal_users, planned_on=dt.date(2026, 3, 2), recurrence_months=6)
    reviews.review_hold(review=review, held_on=dt.date(2026, 3, 20), by=portal_users.quality_manager)

    assert review.next_review.planned_on == dt.date(2026, 9, 2)


def test_holding_the_proposed_review_proposes_the_one_after(portal_users):
    qm = portal_users.quality_manager
    first = hold(plan(portal_users, planned_on=dt.date(2025, 1, 15), recurrence_months=6), qm)
    second = hold(first.next_review, qm)

    assert second.next_review.planned_on == dt.date(2026, 1, 15)
    assert ManagementReview.objects.count() == 3


def test_a_review_cannot_be_marked_held_on_a_date_to_come(portal_users):
    review = plan(portal_users)
    with pytest.raises(ValidationError, match="still to come"):
        reviews.review_hold(
            review=review, held_on=timezone.localdate() + dt.timedelta(days=1), by=portal_users.quality_manager
        )
    review.refresh_from_db()
    assert review.status == ReviewStatus.PLANNED


# --- Attendance and decisions ---------------------------------------------------------------------------------


def test_attendance_is_recorded_once_held_including_people_not_invited(portal_users):
    qm = portal_users.quality_manager
    review = plan(portal_users)
    with pytest.raises(StepRefused, match="recording attendance needs it held"):
        reviews.review_attendance_record(review=review, person=qm, attended=True, by=qm)

    hold(review, qm)
    reviews.review_attendance_record(review=review, person=portal_users.process_owner, attended=False, by=qm)
    reviews.review_attendance_record(review=review, person=portal_users.employee, attended=True, by=qm)

    rows = {row.person.username: row.attended for row in review.attendance.select_related("person")}
    assert rows == {"tm": None, "qm": None, "po": False, "emp": True}
    assert AuditEntry.objects.filter(record_type="leadership.reviewattendance", action=AuditAction.UPDATE).exists()


def test_a_decision_with_an_action_starts_the_action_from_the_review(portal_users):
    qm = portal_users.quality_manager
    review = hold(plan(portal_users), qm)
    due = timezone.localdate() + dt.timedelta(days=30)

    output = reviews.review_decision_add(
        review=review, category=OutputCategory.IMPROVEMENT, decision="Cut set-up times on line 2.",
        action_title="Run a SMED workshop on line 2", action_owner=portal_users.employee, action_due_on=due, by=qm,
    )

    action = Action.objects.get()
    assert (output.category, output.decision, output.recorded_by) == ("a", "Cut set-up times on line 2.", qm)
    assert (action.source_review, action.decision, action.owner, action.due_on) == (
        review, output, portal_users.employee, due,
    )
    assert list(actions_for(portal_users.employee)) == [action]
    assert AuditEntry.objects.filter(record_type="leadership.action", action=AuditAction.CREATE, actor=qm).exists()


def test_a_decision_whose_action_is_incomplete_records_nothing(portal_users):
    qm = portal_users.quality_manager
    review = hold(plan(portal_users), qm)

    with pytest.raises(ValidationError) as refused:
        reviews.review_decision_add(
            review=review, category=OutputCategory.QMS_CHANGE, decision="Merge the two inspection procedures.",
            action_title="Draft the merged procedure", by=qm,
        )

    assert set(refused.value.message_dict) == {"owner", "due_on"}
    assert not ReviewOutput.objects.exists() and not Action.objects.exists()


def test_decisions_need_a_held_review_and_a_9_3_3_category(portal_users):
    qm = portal_users.quality_manager
    review = plan(portal_users)
    with pytest.raises(StepRefused):
        reviews.review_decision_add(review=review, category="a", decision="x", by=qm)
    hold(review, qm)
    with pytest.raises(ValidationError):
        reviews.review_decision_add(review=review, category="z", decision="x", by=qm)


# --- Closing --------------------------------------------------------------------------------------------------


def test_a_review_cannot_close_while_inputs_have_no_notes_and_the_error_names_them(portal_users):
    qm = portal_users.quality_manager
    review = hold(plan(portal_users), qm)
    note_all(review, qm, skip=("c4", "f"))
    # Notes of only spaces do not address an input either.
    reviews.review_input_save(review_input=review.inputs.get(code="c4"), notes="   ", by=qm)

    with pytest.raises(InputsUnaddressed) as refused:
        reviews.review_close(review=review, by=qm)

    assert refused.value.codes == ["c4", "f"]
    assert f"c4 ({InputCode.C4.label})" in str(refused.value)
    assert f"f ({InputCode.F.label})" in str(refused.value)
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD
    assert "closed" not in steps(review)


def test_a_review_closes_once_every_input_is_addressed(portal_users):
    review = closed(portal_users)

    assert review.status == ReviewStatus.CLOSED and review.closed_at is not None
    assert steps(review)[-1] == "closed"
    with pytest.raises(StepRefused, match="is closed"):
        reviews.review_input_save(review_input=review.inputs.first(), notes="late", by=portal_users.quality_manager)


def test_a_planned_review_cannot_close(portal_users):
    review = plan(portal_users)
    note_all(review, portal_users.quality_manager)
    with pytest.raises(StepRefused, match="closing it needs it held"):
        reviews.review_close(review=review, by=portal_users.quality_manager)


# --- Signing --------------------------------------------------------------------------------------------------


def test_the_chair_signs_the_minutes(portal_users):
    review = closed(portal_users)
    tm = portal_users.top_management

    signed = sign(review, tm)

    signature = signed.minutes_signature
    assert (signature.signer, signature.meaning, signature.record_type) == (
        tm, "Minutes approved", "leadership.managementreview",
    )
    assert signature.content_sha256 == content_sha256(signed.signed_content())
    assert signed.signature_valid
    assert steps(signed)[-1] == "minutes signed"


def test_the_minutes_hold_the_inputs_notes_attendance_and_decisions(portal_users):
    content = closed(portal_users).signed_content()

    assert "Discussed c7: figures reviewed." in content
    assert f"- person {portal_users.quality_manager.pk}: attended" in content
    assert f"- person {portal_users.process_owner.pk}: not recorded" in content
    assert "[c] Resource needs: Hire a second metrology technician." in content
    assert "Held on: 2026-01-31" in content


def test_another_top_manager_cannot_sign_the_minutes(portal_users):
    review = closed(portal_users)
    other = UserFactory(roles=[PortalRole.TOP_MANAGEMENT])

    with pytest.raises(PermissionDenied, match="Only the chair"):
        sign(review, other)
    with pytest.raises(PermissionDenied):
        sign(review, portal_users.quality_manager)
    assert not ElectronicSignature.objects.exists()


def test_a_wrong_password_signs_nothing_and_is_audited(portal_users):
    review = closed(portal_users)

    with pytest.raises(SignatureRefused, match="Nothing was signed"):
        sign(review, portal_users.top_management, password="not-my-password")

    review.refresh_from_db()
    assert review.minutes_signature is None
    assert not ElectronicSignature.objects.exists()
    assert steps(review)[-1] == "signature refused"


def test_minutes_changed_since_the_chair_opened_them_are_not_signed(portal_users):
    review = closed(portal_users)
    with pytest.raises(StepRefused, match="changed after you opened them"):
        reviews.review_sign_minutes(
            review=review, password=PASSWORD, expected_sha256=content_sha256("other"), by=portal_users.top_management
        )
    assert not ElectronicSignature.objects.exists()


def test_only_closed_reviews_are_signed_and_only_once(portal_users):
    qm, tm = portal_users.quality_manager, portal_users.top_management
    review = hold(plan(portal_users), qm)
    with pytest.raises(StepRefused, match="signing the minutes needs it closed"):
        sign(review, tm)

    note_all(review, qm)
    sign(reviews.review_close(review=review, by=qm), tm)
    with pytest.raises(StepRefused, match="are signed"):
        sign(review, tm)
    assert ElectronicSignature.objects.count() == 1


# --- Signed minutes cannot change -----------------------------------------------------------------------------


@pytest.fixture
def signed(portal_users) -> ManagementReview:
    return sign(closed(portal_users), portal_users.top_management)


def test_signed_minutes_cannot_change_through_the_functions(portal_users, signed):
    qm = portal_users.quality_manager
    attempts = [
        lambda: reviews.review_input_save(review_input=signed.inputs.first(), notes="rewritten", by=qm),
        lambda: reviews.review_attendance_record(review=signed, person=qm, attended=False, by=qm),
        lambda: reviews.review_decision_add(review=signed, category="a", decision="afterthought", by=qm),
        lambda: reviews.review_close(review=signed, by=qm),
        lambda: reviews.review_hold(review=signed, held_on=PLANNED_ON, by=qm),
        lambda: reviews.review_update(
            review=signed, title="x", planned_on=PLANNED_ON, chair=signed.chair, attendees=[], recurrence_months=None,
            by=qm,
        ),
    ]
    for attempt in attempts:
        with pytest.raises(StepRefused, match="are signed"):
            attempt()
    assert ManagementReview.objects.get(pk=signed.pk).signature_valid


def test_signed_minutes_cannot_change_through_the_models(portal_users, signed):
    review_input = ReviewInput.objects.filter(review=signed).first()
    review_input.notes = "rewritten"
    output = ReviewOutput.objects.get(review=signed)
    attendance = ReviewAttendance.objects.filter(review=signed).first()
    review = ManagementReview.objects.get(pk=signed.pk)
    review.title = "Another title"
    unsigned = ManagementReview.objects.get(pk=signed.pk)
    unsigned.minutes_signature = None

    attempts = [
        review_input.save,
        output.delete,
        attendance.delete,
        lambda: ReviewOutput.objects.create(review=signed, category="a", decision="x", recorded_by=signed.chair),
        lambda: ReviewAttendance.objects.create(review=signed, person=portal_users.employee),
        review.save,
        unsigned.save,  # removing the signature first would let the rest change next
        ManagementReview.objects.get(pk=signed.pk).delete,
        ReviewInput.objects.filter(review=signed).delete,
        ReviewAttendance.objects.filter(review=signed).delete,
    ]
    for attempt in attempts:
        with pytest.raises(SignedRecordImmutable):
            attempt()
    with pytest.raises(AuditBypassRefused):
        ReviewInput.objects.filter(review=signed).update(notes="bulk rewrite")
    moved = ReviewInput.objects.filter(review=signed).first()
    moved.review = plan(portal_users)
    with pytest.raises(SignedRecordImmutable):
        moved.save()  # taking a row away from signed minutes changes them too

    fresh = ManagementReview.objects.get(pk=signed.pk)
    assert fresh.title == "Management review H1" and fresh.signature_valid
    assert fresh.inputs.count() == 12 and fresh.outputs.count() == 1 and fresh.attendance.count() == 3


def test_saving_signed_minutes_unchanged_is_allowed(signed):
    ManagementReview.objects.get(pk=signed.pk).save()


def test_an_unsigned_review_can_still_be_deleted_with_its_agenda(portal_users):
    review = plan(portal_users)
    review.delete()
    assert not ReviewInput.objects.exists()
