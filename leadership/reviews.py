"""Management reviews (9.3), one place for views, admin, commands and tasks alike.

    planned -> held -> closed -> minutes signed by the chair

Separation of duties: closing says the minutes are complete and the chair's signature approves them, so the
chair never closes the review they chair, even where they hold the quality manager's role and drafted the
minutes themselves: someone else who manages reviews closes it (``close_check``).

Planning puts the 9.3.2 inputs on the agenda. Input notes may be written while the review is planned or
held; attendance, decisions and closing need it held; a review closes only when every input has notes.
The chair alone signs the minutes (``signed_content``) with the electronic signature; from then on
nothing the minutes hold can change. Holding a recurring review proposes the next one,
``recurrence_months`` after this one's planned date (so the cycle does not drift when a review is held
late), exactly once. Each step checks who is acting (``PermissionDenied``) and the state (``StepRefused``,
answered 409 by the access middleware), changes nothing when refused, and is recorded in the audit trail.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from leadership.access import LeadershipCapability
from leadership.actions import create_from_source
from leadership.errors import InputsUnaddressed
from leadership.models import (
    MAX_DURATION_MINUTES,
    InputCode,
    ManagementReview,
    OutputCategory,
    ReviewAttendance,
    ReviewInput,
    ReviewOutput,
    ReviewStatus,
)
from leadership.people import check_top_manager
from leadership.review_invitations import meeting_of, review_invitations_send
from qms_portal.access import require_capability
from qms_portal.accounts import people_who_can
from qms_portal.audit import audit_context, audit_step
from qms_portal.models import User
from qms_portal.signatures import record_sign
from qms_portal.workflow import StateMachine, Step

MANAGE = LeadershipCapability.MANAGE_REVIEWS
SIGN = LeadershipCapability.SIGN_MINUTES
MINUTES_MEANING = ManagementReview.signature_meaning

def review_url(review: ManagementReview) -> str:
    """The review's page."""
    return reverse("leadership:review_detail", args=[review.pk])


def _refused(review: ManagementReview, name: str) -> str:
    step = REVIEW_STEPS[name]
    allowed = " or ".join(ReviewStatus(state).label.lower() for state in step.states)
    return f"{review} is {review.get_status_display().lower()}: {step.label.lower()} needs it {allowed}."


# Each step: what it is called in messages, the states it may be taken in, and the capability it needs.
REVIEW_STEPS = StateMachine(
    Step("reschedule", "Changing the plan", (ReviewStatus.PLANNED,), MANAGE),
    Step("note_input", "Writing input notes", (ReviewStatus.PLANNED, ReviewStatus.HELD), MANAGE),
    Step("hold", "Marking it held", (ReviewStatus.PLANNED,), MANAGE),
    Step("record_attendance", "Recording attendance", (ReviewStatus.HELD,), MANAGE),
    Step("decide", "Recording decisions", (ReviewStatus.HELD,), MANAGE),
    Step("close", "Closing it", (ReviewStatus.HELD,), MANAGE),
    Step("sign", "Signing the minutes", (ReviewStatus.CLOSED,), SIGN),
    record="the review",
    message=_refused,
    back=lambda review: (review_url(review), "Back to the review"),
    closed=lambda review: f"The minutes of {review} are signed: they can no longer change." if review.is_signed else "",
)


def step_check(review: ManagementReview, step: str) -> None:
    """Raise ``StepRefused`` unless ``step`` (a step of ``REVIEW_STEPS``) may be taken in the review's state."""
    REVIEW_STEPS.check(review, step)


def steps_allowed(review: ManagementReview, user: User) -> set[str]:
    """The steps ``user`` may take on ``review`` now: its state allows them and the person may (the chair signs,
    someone else closes)."""
    allowed = REVIEW_STEPS.allowed(review, user)
    if review.chair_id != user.pk:
        allowed.discard("sign")
    else:
        allowed.discard("close")
    return allowed


def close_check(review: ManagementReview, by: User) -> None:
    """Raise ``StepRefused`` when ``by`` chairs ``review``: the chair signs the minutes, so someone else closes
    it; the refusal names who may."""
    if review.chair_id != by.pk:
        return
    others = [person.get_full_name() for person in people_who_can(MANAGE) if person.pk != by.pk]
    who = (
        f"someone else closes it: {', '.join(others)}." if others
        else "someone else closes it, and no one else manages reviews yet: ask for the Quality manager role to be "
        "given to someone who does not chair it."
    )
    raise REVIEW_STEPS.refusal(review, f"{review.chair} chairs {review} and signs its minutes, so {who}")


def _locked(review: ManagementReview) -> ManagementReview:
    """The review re-read under a row lock, so two people cannot move it at once."""
    return ManagementReview.objects.select_for_update().get(pk=review.pk)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day where it has no such day (31 Jan + 1 = 28/29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# When a review has no interval of its own, the next one is suggested this long after the last one held.
SUGGESTED_INTERVAL_MONTHS = 6


def next_working_day(day: dt.date) -> dt.date:
    """``day``, or the Monday after it when it falls on a weekend."""
    return day + dt.timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day


def next_in_cycle(review: ManagementReview) -> dt.date | None:
    """The day proposed for the next review of a recurring ``review``: its interval after the planned day, on a
    working day; None when it does not recur."""
    if not review.recurrence_months:
        return None
    return next_working_day(add_months(review.planned_on, review.recurrence_months))


@dataclass(frozen=True)
class SuggestedDate:
    """The day offered for a new review: ``months`` after the day of the review it follows, on a working day."""

    on: dt.date
    after: ManagementReview
    months: int


def suggested_review_date(*, today: dt.date) -> SuggestedDate | None:
    """The day to offer for a new review: a review interval (the last review's own, else
    ``SUGGESTED_INTERVAL_MONTHS``) after the latest review, held or already planned (so that a review is not
    offered beside the one the cycle proposed), on a working day and never before tomorrow. None before any review:
    there is nothing to count from."""
    last_held = ManagementReview.objects.exclude(held_on=None).order_by("-held_on", "-pk").first()
    last_planned = ManagementReview.objects.filter(status=ReviewStatus.PLANNED).order_by("-planned_on", "-pk").first()
    found = [review for review in (last_held, last_planned) if review is not None]
    if not found:
        return None
    last = max(found, key=lambda review: review.named_on)
    months = last.recurrence_months or SUGGESTED_INTERVAL_MONTHS
    day = add_months(last.named_on, months)
    return SuggestedDate(next_working_day(max(day, today + dt.timedelta(days=1))), last, months)


def changes_need_reason(review: ManagementReview, *, already_recorded: bool) -> bool:
    """Whether a change to ``review`` must say why: once it was held, notes and attendance already recorded are the
    record of a meeting that took place, so changing them keeps a reason in the audit trail. Recording them the
    first time (the minutes being written) needs none."""
    return review.status != ReviewStatus.PLANNED and already_recorded


@dataclass(frozen=True)
class Meeting:
    """When and where a review meets: no start time (and so no duration) plans it for the whole day."""

    starts_at: dt.time | None = None
    duration_minutes: int | None = None
    place: str = ""


ALL_DAY = Meeting()


def _check_plan(*, title: str, chair: User | None, recurrence_months: int | None, meeting: Meeting) -> None:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Give the review a title."
    if recurrence_months is not None and not 1 <= recurrence_months <= 36:
        errors["recurrence_months"] = "Repeat every 1 to 36 months, or leave it empty."
    minutes = meeting.duration_minutes
    if minutes is not None and not 15 <= minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = f"A review lasts from 15 minutes to {MAX_DURATION_MINUTES // 60} hours."
    elif meeting.starts_at is not None and minutes is None:
        errors["duration_minutes"] = "Say how long the review lasts."
    elif meeting.starts_at is None and minutes is not None:
        errors["starts_at"] = "Give the start time, or leave the duration empty for an all-day entry."
    elif meeting.starts_at is not None and minutes is not None:
        start = meeting.starts_at.hour * 60 + meeting.starts_at.minute
        if start + minutes > 24 * 60:
            errors["duration_minutes"] = "The review must end on the day it starts."
    if len(meeting.place.strip()) > 300:
        errors["place"] = "Keep the place to 300 characters."
    if errors:
        raise ValidationError(errors)
    check_top_manager(chair, field="chair")


def _plan(
    *, title: str, planned_on: dt.date, chair: User, attendees: Iterable[User], recurrence_months: int | None,
    meeting: Meeting, proposed_from: ManagementReview | None = None, by: User,
) -> ManagementReview:
    review = ManagementReview.objects.create(
        title=title.strip(),
        planned_on=planned_on,
        starts_at=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        place=meeting.place.strip(),
        chair=chair,
        recurrence_months=recurrence_months,
        proposed_from=proposed_from,
        created_by=by,
    )
    for code in InputCode.values:
        ReviewInput.objects.create(review=review, code=code)
    for person in {chair.pk: chair, **{person.pk: person for person in attendees}}.values():
        ReviewAttendance.objects.create(review=review, person=person)
    review_invitations_send(review)
    return review


@transaction.atomic
def review_plan(
    *,
    title: str,
    planned_on: dt.date,
    chair: User,
    attendees: Sequence[User] = (),
    recurrence_months: int | None = None,
    meeting: Meeting = ALL_DAY,
    by: User,
) -> ManagementReview:
    """Plan a review with its chair (a top manager), invitees, and when and where it meets; every 9.3.2 input is
    put on its agenda."""
    require_capability(by, MANAGE, doing="plan management reviews")
    _check_plan(title=title, chair=chair, recurrence_months=recurrence_months, meeting=meeting)
    with audit_context(actor=by):
        return _plan(
            title=title, planned_on=planned_on, chair=chair, attendees=attendees,
            recurrence_months=recurrence_months, meeting=meeting, by=by,
        )


@transaction.atomic
def review_update(
    *,
    review: ManagementReview,
    title: str,
    planned_on: dt.date,
    chair: User,
    attendees: Sequence[User],
    recurrence_months: int | None,
    meeting: Meeting = ALL_DAY,
    by: User,
) -> ManagementReview:
    """Change a planned review's title, date, time, place, chair, invitees or recurrence."""
    require_capability(by, MANAGE, doing="change management reviews")
    review = _locked(review)
    step_check(review, "reschedule")
    _check_plan(title=title, chair=chair, recurrence_months=recurrence_months, meeting=meeting)
    before = meeting_of(review, review.attendance.values_list("person_id", flat=True))
    review.title, review.planned_on, review.chair = title.strip(), planned_on, chair
    review.starts_at, review.duration_minutes = meeting.starts_at, meeting.duration_minutes
    review.place = meeting.place.strip()
    review.recurrence_months = recurrence_months
    wanted = {chair.pk: chair, **{person.pk: person for person in attendees}}
    changed = meeting_of(review, wanted) != before
    if changed:  # the invitation's SEQUENCE, and the occasion of the update each invitee gets once
        review.calendar_sequence += 1
    with audit_context(actor=by):
        review.save()
        removed = [row.person for row in review.attendance.exclude(person_id__in=wanted).select_related("person")]
        for row in review.attendance.exclude(person_id__in=wanted):
            row.delete()
        invited = set(review.attendance.values_list("person_id", flat=True))
        for pk, person in wanted.items():
            if pk not in invited:
                ReviewAttendance.objects.create(review=review, person=person)
    if changed:
        review_invitations_send(review, removed=removed)
    return review


@transaction.atomic
def review_input_save(*, review_input: ReviewInput, notes: str, by: User, reason: str = "") -> ReviewInput:
    """Write the notes recording how one 9.3.2 input was covered (planned or held reviews); ``reason`` is kept on
    the trail entry (the page asks for it once the review was held: ``changes_need_reason``)."""
    require_capability(by, MANAGE, doing="write management review inputs")
    review = _locked(review_input.review)
    step_check(review, "note_input")
    review_input = ReviewInput.objects.get(pk=review_input.pk)
    review_input.notes = notes.strip()
    with audit_context(actor=by, reason=reason):
        review_input.save()
    return review_input


@transaction.atomic
def review_attendance_record(
    *, review: ManagementReview, person: User, attended: bool, by: User, reason: str = ""
) -> ReviewAttendance:
    """Record whether a person attended a held review; someone not invited is added. ``reason`` is kept on the
    trail entry."""
    require_capability(by, MANAGE, doing="record management review attendance")
    review = _locked(review)
    step_check(review, "record_attendance")
    with audit_context(actor=by, reason=reason):
        row, _ = ReviewAttendance.objects.get_or_create(review=review, person=person)
        row.attended, row.recorded_at = bool(attended), timezone.now()
        row.save()
    return row


@transaction.atomic
def review_hold(*, review: ManagementReview, held_on: dt.date, by: User) -> ManagementReview:
    """Mark a planned review as held on ``held_on``; a recurring one proposes its next review, once."""
    require_capability(by, MANAGE, doing="run management reviews")
    review = _locked(review)
    step_check(review, "hold")
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "A review cannot be marked held on a date still to come."})
    review.status, review.held_on = ReviewStatus.HELD, held_on
    with audit_context(actor=by):
        review.save()
        audit_step(review, step="held", reason=f"Held on {held_on:%d %b %Y}")
        next_on = next_in_cycle(review)
        if next_on is not None and not ManagementReview.objects.filter(proposed_from=review).exists():
            next_review = _plan(
                title=review.title,
                planned_on=next_on,
                chair=review.chair,
                attendees=[row.person for row in review.attendance.select_related("person")],
                recurrence_months=review.recurrence_months,
                meeting=Meeting(review.starts_at, review.duration_minutes, review.place),
                proposed_from=review,
                by=by,
            )
            audit_step(review, step="next review proposed", reason=f"for {next_review.planned_on:%d %b %Y}")
    # Imported here: the reminders read reviews through this module.
    from leadership.reminders import meeting_reminders_resolve

    meeting_reminders_resolve(review)
    return review


@transaction.atomic
def review_decision_add(
    *,
    review: ManagementReview,
    category: str,
    decision: str,
    action_title: str = "",
    action_owner: User | None = None,
    action_due_on: dt.date | None = None,
    action_description: str = "",
    by: User,
    reason: str = "",
) -> ReviewOutput:
    """Record a decision of a held review under its 9.3.3 category, with the action it starts when one is given;
    ``reason`` is kept on the trail entries."""
    require_capability(by, MANAGE, doing="record management review decisions")
    review = _locked(review)
    step_check(review, "decide")
    if category not in OutputCategory.values:
        raise ValidationError({"category": f"“{category}” is not a 9.3.3 category."})
    if not decision.strip():
        raise ValidationError({"decision": "Write the decision."})
    with audit_context(actor=by, reason=reason):
        output = ReviewOutput.objects.create(
            review=review, category=category, decision=decision.strip(), recorded_by=by
        )
        if action_title.strip() or action_owner is not None or action_due_on is not None:
            create_from_source(
                title=action_title,
                owner=action_owner,
                due_on=action_due_on,
                description=action_description,
                source_review=review,
                decision=output,
                by=by,
            )
    return output


@transaction.atomic
def review_close(*, review: ManagementReview, by: User) -> ManagementReview:
    """Close a held review once every 9.3.2 input has notes (``InputsUnaddressed`` names the ones without); its
    chair does not close it (``close_check``)."""
    require_capability(by, MANAGE, doing="close management reviews")
    review = _locked(review)
    step_check(review, "close")
    close_check(review, by)
    missing = [row for row in review.inputs.order_by("code") if not row.notes.strip()]
    if missing:
        raise InputsUnaddressed(review, missing)
    review.status, review.closed_at = ReviewStatus.CLOSED, timezone.now()
    with audit_context(actor=by):
        review.save()
        audit_step(review, step="closed")
    return review


def review_sign_minutes(*, review: ManagementReview, password: str, expected_sha256: str, by: User) -> ManagementReview:
    """The chair signs the closed review's minutes by electronic signature (re-entering their password).

    ``expected_sha256`` is the hash of the minutes the chair was shown: if they changed since, nothing is
    signed. A wrong password signs nothing but is recorded (``record_sign`` commits it before raising
    ``SignatureRefused``).
    """
    require_capability(by, SIGN, doing="sign management review minutes")

    def check(review: ManagementReview) -> None:
        if review.chair_id != by.pk:
            raise PermissionDenied(f"Only the chair of {review}, {review.chair}, signs its minutes.")
        step_check(review, "sign")

    signed = record_sign(
        record=review,
        password=password,
        expected_sha256=expected_sha256,
        meaning=MINUTES_MEANING,
        by=by,
        check=check,
        changed=lambda review: REVIEW_STEPS.refusal(
            review, f"The minutes of {review} changed after you opened them: read them again before you sign."
        ),
        step="minutes signed",
        reason=f"Signed by {by.get_full_name()}",
    )
    # Imported here: the reminders read reviews through this module.
    from leadership.reminders import minutes_reminders_resolve

    minutes_reminders_resolve(signed)
    return signed

