"""The leadership app's reminders: management reviews (invitations, coming up, inputs without notes, minutes to
sign, none planned in the interval), actions (due soon, overdue, escalated) and commitments (evidence due or
stale).

Each kind's schedule is a pure function of dates (``*_step``) naming the occasion due on a day, or None; the
``find_*`` functions read the records with a fixed number of queries, whatever the number of people or records,
and turn each due step into a ``Reminder``. The core's sweep claims each (kind, record, person, occasion) once,
so a schedule only has to say which step is due, never whether it was sent. A step missed (the sweep did not
run that day) is sent late; a step overtaken by a nearer one is not.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from leadership.access import LeadershipCapability
from leadership.commitments import CommitmentState, status_from
from leadership.models import (
    Action,
    Commitment,
    ManagementReview,
    ReviewAttendance,
    ReviewInput,
    ReviewStatus,
)
from leadership.models.actions import ACTIVE_STATUSES
from leadership.people import top_managers
from leadership.readiness import thresholds_load
from leadership.review_invitations import INVITATION, REVIEW_RECORD
from leadership.reviews import add_months
from qms_portal.access import PortalRole
from qms_portal.accounts import manager_to_tell
from qms_portal.models import Notification, User
from qms_portal.notifications import (
    STAFF,
    Holders,
    Reminder,
    ReminderKind,
    notifications_resolve,
    reminder_kind_register,
)
from qms_portal.presentation import day
from qms_portal.reminder_schedule import Days, DaysList, schedule_value
from qms_portal.reminder_steps import organisation_zone

GROUP_REVIEWS = "Management reviews"
GROUP_ACTIONS = "Actions"
GROUP_COMMITMENTS = "Commitments"
ACTION_RECORD = "action"
COMMITMENT_RECORD = "commitment"
CYCLE_RECORD = "review_cycle"

# The days each kind counts, set by the organisation on its reminder schedule page (``qms_portal.reminder_schedule``).
REVIEW_DAYS_BEFORE = DaysList(
    "review_reminder_days", "Reminders before a management review (days before)", default=(14, 7, 1),
    help="The chair and invitees are reminded this many days before a review, such as 14, 7, 1.",
)
INPUTS_DAYS_BEFORE = Days(
    "review_inputs_days_before", "Inputs without notes (days before the review)", default=7,
    help="The quality managers are told of review inputs still without notes from this many days before it.",
)
MINUTES_FIRST_AFTER = Days(
    "review_minutes_first_after_days", "Minutes to sign: first reminder (days after closing)", default=2,
    help="The chair is reminded of minutes waiting for their signature this many days after the review closed.",
)
MINUTES_EVERY = Days(
    "review_minutes_repeat_days", "Minutes to sign: repeated every (days)", default=7,
    help="Then again this often while the minutes wait.",
)
ACTION_DUE_SOON = Days(
    "action_due_soon_days", "Action due soon (days before its due date)", default=7,
    help="An action's owner is reminded once when its due date is this near.",
)
ACTION_OVERDUE_EVERY = Days(
    "action_reminder_repeat_days", "Overdue action reminder repeats (days)", default=7, maximum=90,
    help="An overdue action's owner is reminded again this often.",
)
ACTION_ESCALATION_AFTER = Days(
    "action_escalation_days", "Overdue action escalation (days overdue)", default=14,
    help=(
        "An action overdue this long is escalated to its owner's manager, or to the quality managers when the owner "
        "has no active manager."
    ),
)


def _zone() -> zoneinfo.ZoneInfo:
    return organisation_zone()


def _today(now: dt.datetime, zone: zoneinfo.ZoneInfo | None = None) -> dt.date:
    """The organisation's day at ``now``."""
    return timezone.localtime(now, zone or _zone()).date()


# --- Schedules: pure functions of dates ---------------------------------------------------------------
def review_coming_step(
    planned_on: dt.date, today: dt.date, days_before: Sequence[int] = REVIEW_DAYS_BEFORE.default
) -> str:
    """The "<n>-days-before" step due for a review planned on ``planned_on``: the nearest of ``days_before`` not yet
    passed, from ``max(days_before)`` days before to the day before; "" outside. The date is in the occasion, so a
    review moved to another day is reminded of again."""
    left = (planned_on - today).days
    steps = [n for n in sorted(days_before) if n >= left]
    if left < 1 or not steps:
        return ""
    return f"{planned_on.isoformat()}-{steps[0]}-days-before"


def inputs_missing_step(planned_on: dt.date, today: dt.date, days_before: int = INPUTS_DAYS_BEFORE.default) -> str:
    """From ``days_before`` days before a review to its day: the one reminder that inputs have no notes."""
    left = (planned_on - today).days
    return f"{planned_on.isoformat()}-inputs" if 0 <= left <= days_before else ""


def minutes_step(
    closed_on: dt.date, today: dt.date, first_after: int = MINUTES_FIRST_AFTER.default,
    every: int = MINUTES_EVERY.default,
) -> str:
    """Minutes awaiting the chair's signature: ``first_after`` days after closing, then every ``every`` days; the
    occasion names the round ("week-<n>", as the default repeat is weekly), "" before the first."""
    waited = (today - closed_on).days - first_after
    return f"week-{waited // every + 1}" if waited >= 0 else ""


def action_due_soon_step(due_on: dt.date, today: dt.date, within: int = ACTION_DUE_SOON.default) -> str:
    """Due within ``within`` days (the due day included): once per due date."""
    return f"due-soon-{due_on.isoformat()}" if 0 <= (due_on - today).days <= within else ""


def action_overdue_step(
    due_on: dt.date, today: dt.date, repeat_days: int = ACTION_OVERDUE_EVERY.default
) -> str:
    """Overdue from the day after the due date, again every ``repeat_days`` (the occasion names the round)."""
    late = (today - due_on).days
    return f"overdue-{due_on.isoformat()}-round-{(late - 1) // repeat_days + 1}" if late >= 1 else ""


def action_escalation_step(
    due_on: dt.date, today: dt.date, after_days: int = ACTION_ESCALATION_AFTER.default
) -> str:
    """``after_days`` overdue: escalated once per due date."""
    return f"escalated-{due_on.isoformat()}" if (today - due_on).days >= after_days else ""


def commitment_step(latest_evidence_on: dt.date | None, every_days: int, today: dt.date) -> str:
    """Evidence due soon or stale (``leadership.commitments`` rules), once each per evidence cycle; never
    evidenced, once."""
    status = status_from(latest_evidence_on, every_days, today=today)
    if status.state == CommitmentState.NEVER_EVIDENCED:
        return "never-evidenced"
    if status.state in (CommitmentState.DUE_SOON, CommitmentState.STALE):
        return f"{status.state}-{status.due_on}"
    return ""


def review_cycle_step(
    last_held_on: dt.date | None, planned_on: Iterable[dt.date], today: dt.date, *, interval_months: int,
    warning_days: int,
) -> str:
    """No review planned in time: within ``warning_days`` of the interval's end after the last held review with
    none planned by then ("<due>-warning"), or past it ("<due>-overdue"); with none ever held and none planned,
    "never-held". "" when a review is planned in time."""
    planned = list(planned_on)
    if last_held_on is None:
        return "" if planned else "never-held"
    due = add_months(last_held_on, interval_months)
    if any(day_ <= due for day_ in planned if day_ >= today) or (due - today).days > warning_days:
        return ""
    return f"{due.isoformat()}-{'overdue' if today > due else 'warning'}"


# --- Who ---------------------------------------------------------------------------------------------------
def _quality_managers() -> list[int]:
    """The quality managers' ids: one query (deactivated people are left out by the core's sweep)."""
    return list(User.objects.filter(groups__name=PortalRole.QUALITY_MANAGER).values_list("pk", flat=True).distinct())


# --- Finding what is due -------------------------------------------------------------------------------
def find_review_coming(now: dt.datetime) -> list[Reminder]:
    """Reviews coming up, to the chair and each invitee: three queries (the organisation's zone and schedule, read once
    in a sweep, and the invitees)."""
    today = _today(now)
    days_before = schedule_value(REVIEW_DAYS_BEFORE)
    horizon = today + dt.timedelta(days=max(days_before))
    rows = ReviewAttendance.objects.filter(
        review__status=ReviewStatus.PLANNED, review__planned_on__gt=today, review__planned_on__lte=horizon
    ).select_related("review")
    found = []
    for row in rows:
        review = row.review
        occasion = review_coming_step(review.planned_on, today, days_before)
        if occasion:
            left = (review.planned_on - today).days
            days = f"{left} day{'s' if left != 1 else ''}"
            found.append(Reminder(
                kind="review_coming", recipient_id=row.person_id, record_type=REVIEW_RECORD, record_id=str(review.pk),
                occasion=occasion, title=f"{review.title} in {days}, {day(review.planned_on)}",
                body=f"{review.title} meets on {day(review.planned_on)}{f', {review.place}' if review.place else ''}.",
                url=reverse("leadership:review_detail", args=[review.pk]),
            ))
    return found


def find_inputs_missing(now: dt.datetime) -> list[Reminder]:
    """Inputs still without notes shortly before a review, to the quality managers: four queries (the
    organisation's zone and schedule, read once in a sweep)."""
    today = _today(now)
    days_before = schedule_value(INPUTS_DAYS_BEFORE)
    rows = ReviewInput.objects.filter(
        review__status=ReviewStatus.PLANNED, review__planned_on__gte=today,
        review__planned_on__lte=today + dt.timedelta(days=days_before), notes="",
    ).select_related("review").order_by("review_id", "code")
    missing: dict[int, tuple[ManagementReview, list[ReviewInput]]] = {}
    for row in rows:
        missing.setdefault(row.review_id, (row.review, []))[1].append(row)
    if not missing:
        return []
    managers = _quality_managers()
    found = []
    for review, inputs in missing.values():
        occasion = inputs_missing_step(review.planned_on, today, days_before)
        codes = ", ".join(f"{row.code})" for row in inputs)
        for person_id in managers:
            found.append(Reminder(
                kind="review_inputs_missing", recipient_id=person_id, record_type=REVIEW_RECORD,
                record_id=str(review.pk), occasion=occasion,
                title=f"{len(inputs)} input{'s' if len(inputs) != 1 else ''} without notes for {review.title}",
                body=f"{review.title} meets on {day(review.planned_on)}; inputs without notes: {codes}.",
                url=reverse("leadership:review_detail", args=[review.pk]),
            ))
    return found


def find_minutes_to_sign(now: dt.datetime) -> list[Reminder]:
    """Closed reviews whose minutes the chair has not signed, to the chair: one query, and the organisation's zone
    and schedule (read once in a sweep)."""
    zone = _zone()
    today = _today(now, zone)
    first_after, every = schedule_value(MINUTES_FIRST_AFTER), schedule_value(MINUTES_EVERY)
    reviews = ManagementReview.objects.filter(status=ReviewStatus.CLOSED, minutes_signature=None).exclude(
        closed_at=None
    )
    found = []
    for review in reviews:
        assert review.closed_at is not None  # noqa: S101 - excluded above; says so to the type checker
        occasion = minutes_step(_today(review.closed_at, zone), today, first_after, every)
        if occasion:
            found.append(Reminder(
                kind="review_minutes_to_sign", recipient_id=review.chair_id, record_type=REVIEW_RECORD,
                record_id=str(review.pk), occasion=occasion, title=f"Minutes of {review} wait for your signature",
                body=f"{review} was closed on {day(review.closed_at)}: its minutes wait for your signature as chair.",
                url=reverse("leadership:review_sign", args=[review.pk]),
            ))
    return found


def find_review_not_planned(now: dt.datetime) -> list[Reminder]:
    """No review planned within the organisation's interval, to the quality managers and top management: five
    queries."""
    today = _today(now)
    thresholds = thresholds_load()
    last_held = ManagementReview.objects.exclude(held_on=None).order_by("-held_on").values_list(
        "held_on", flat=True
    ).first()
    planned = ManagementReview.objects.filter(status=ReviewStatus.PLANNED).values_list("planned_on", flat=True)
    occasion = review_cycle_step(
        last_held, planned, today, interval_months=thresholds.review_interval_months,
        warning_days=thresholds.review_warning_days,
    )
    if not occasion:
        return []
    if last_held is None:
        title = "No management review has been held or planned"
    else:
        due = add_months(last_held, thresholds.review_interval_months)
        title = f"No management review is planned by {day(due)}, when the next is due"
    people = {*_quality_managers(), *top_managers().values_list("pk", flat=True)}
    return [
        Reminder(
            kind="review_not_planned", recipient_id=person_id, record_type=CYCLE_RECORD, record_id="next",
            occasion=occasion, title=title,
            body=f"Management reviews are due every {thresholds.review_interval_months} months (9.3).",
            url=reverse("leadership:review_create"),
        )
        for person_id in sorted(people)
    ]


def _active_due_by(due_by: dt.date) -> QuerySet[Action]:
    return Action.objects.filter(status__in=ACTIVE_STATUSES, due_on__lte=due_by).order_by("due_on", "pk")


def find_action_due_soon(now: dt.datetime) -> list[Reminder]:
    """Actions due soon (the schedule's days), to their owner: one query, and the organisation's zone and schedule
    (read once in a sweep)."""
    today = _today(now)
    within = schedule_value(ACTION_DUE_SOON)
    rows = _active_due_by(due_by=today + dt.timedelta(days=within)).filter(due_on__gte=today)
    return [
        Reminder(
            kind="action_due_soon", recipient_id=action.owner_id, record_type=ACTION_RECORD, record_id=str(action.pk),
            occasion=action_due_soon_step(action.due_on, today, within),
            title=f"Action due {day(action.due_on)}: {action}",
            url=reverse("leadership:action_detail", args=[action.pk]),
        )
        for action in rows
    ]


def find_action_overdue(now: dt.datetime) -> list[Reminder]:
    """Overdue actions, to their owner, again every few days (the schedule): two queries."""
    today = _today(now)
    repeat = schedule_value(ACTION_OVERDUE_EVERY)
    rows = _active_due_by(due_by=today - dt.timedelta(days=1))
    return [
        Reminder(
            kind="action_overdue", recipient_id=action.owner_id, record_type=ACTION_RECORD, record_id=str(action.pk),
            occasion=action_overdue_step(action.due_on, today, repeat),
            title=f"Action overdue since {day(action.due_on)}: {action}",
            url=reverse("leadership:action_detail", args=[action.pk]),
        )
        for action in rows
    ]


def find_action_escalation(now: dt.datetime) -> list[Reminder]:
    """Actions overdue for the schedule's days, escalated to the owner's manager, or to the quality managers when
    the owner has no manager who can be told (none, deactivated, access ended): two queries, and the organisation's
    zone and schedule (read once in a sweep)."""
    today = _today(now)
    after = schedule_value(ACTION_ESCALATION_AFTER)
    rows = list(
        _active_due_by(due_by=today - dt.timedelta(days=after)).select_related("owner")
        .annotate(manager_to_tell=manager_to_tell(today, "owner__"))
    )
    if not rows:
        return []
    quality_managers = _quality_managers()
    found = []
    for action in rows:
        late = (today - action.due_on).days
        if action.manager_to_tell is not None:
            recipients = [action.manager_to_tell]
            why = f"You are told as {action.owner}'s manager."
        else:
            recipients = [person_id for person_id in quality_managers if person_id != action.owner_id]
            why = f"You are told as quality manager: {action.owner} has no active manager on record."
        for person_id in recipients:
            found.append(Reminder(
                kind="action_escalation", recipient_id=person_id, record_type=ACTION_RECORD, record_id=str(action.pk),
                occasion=action_escalation_step(action.due_on, today, after),
                title=f"Escalated: {action.owner}'s action overdue since {day(action.due_on)}: {action}",
                body=f"{action} has been overdue for {late} days. {why}",
                url=reverse("leadership:action_detail", args=[action.pk]),
            ))
    return found


def find_commitment_evidence(now: dt.datetime) -> list[Reminder]:
    """Commitments whose evidence is due soon, stale or never given, to the accountable top manager: one query."""
    today = _today(now)
    rows = Commitment.objects.exclude(owner=None).with_latest_evidence()
    found = []
    for commitment in rows:
        latest = commitment.latest_evidence_on  # the annotation (``with_latest_evidence``)
        occasion = commitment_step(latest, commitment.evidence_every_days, today)
        if not occasion:
            continue
        status = status_from(latest, commitment.evidence_every_days, today=today)
        what = {
            CommitmentState.NEVER_EVIDENCED: "has never been evidenced",
            CommitmentState.DUE_SOON: f"needs new evidence by {day(status.due_on)}",
            CommitmentState.STALE: f"has had no evidence since {day(latest)}",
        }[status.state]
        assert commitment.owner_id is not None  # noqa: S101 - excluded above; says so to the type checker
        found.append(Reminder(
            kind="commitment_evidence", recipient_id=commitment.owner_id, record_type=COMMITMENT_RECORD,
            record_id=commitment.code, occasion=occasion, title=f"{commitment.code} {what}",
            url=reverse("leadership:commitment_detail", args=[commitment.code]),
        ))
    return found


def _nothing(now: dt.datetime) -> list[Reminder]:
    """Invitations are sent when a review is planned or changed (``review_invitations``), never by the sweep."""
    return []


# Whom each kind can reach (the preferences page offers a kind to them only).
INVITEES = STAFF  # a review's chair and invitees: staff, never the auditor
QUALITY_MANAGERS = Holders(roles=(PortalRole.QUALITY_MANAGER,))
TOP_MANAGEMENT = Holders(roles=(PortalRole.TOP_MANAGEMENT,))
CYCLE_AUDIENCE = Holders(roles=(PortalRole.QUALITY_MANAGER, PortalRole.TOP_MANAGEMENT))

KINDS = (
    ReminderKind(INVITATION, "Invitations to management reviews and their changes", GROUP_REVIEWS, _nothing,
                 audience=INVITEES),
    ReminderKind("review_coming", "A management review coming up", GROUP_REVIEWS,
                 find_review_coming, schedule=(REVIEW_DAYS_BEFORE,), audience=INVITEES),
    ReminderKind("review_inputs_missing", "Review inputs still without notes before the review", GROUP_REVIEWS,
                 find_inputs_missing, deadline=True, schedule=(INPUTS_DAYS_BEFORE,), audience=QUALITY_MANAGERS),
    ReminderKind("review_minutes_to_sign", "Minutes waiting for the chair's signature", GROUP_REVIEWS,
                 find_minutes_to_sign, deadline=True, schedule=(MINUTES_FIRST_AFTER, MINUTES_EVERY),
                 audience=Holders((LeadershipCapability.SIGN_MINUTES,))),
    ReminderKind("review_not_planned", "No management review planned within the interval", GROUP_REVIEWS,
                 find_review_not_planned, deadline=True, audience=CYCLE_AUDIENCE),
    ReminderKind("action_due_soon", "My actions due soon", GROUP_ACTIONS, find_action_due_soon,
                 deadline=True, schedule=(ACTION_DUE_SOON,), audience=STAFF),
    ReminderKind("action_overdue", "My actions overdue", GROUP_ACTIONS, find_action_overdue, deadline=True,
                 schedule=(ACTION_OVERDUE_EVERY,), audience=STAFF),
    ReminderKind("action_escalation", "Overdue actions escalated", GROUP_ACTIONS,
                 find_action_escalation, deadline=True, schedule=(ACTION_ESCALATION_AFTER,),
                 audience=Holders(roles=(PortalRole.QUALITY_MANAGER,), managers=True)),
    ReminderKind("commitment_evidence", "Commitments whose evidence is due or stale", GROUP_COMMITMENTS,
                 find_commitment_evidence, deadline=True, audience=TOP_MANAGEMENT),
)


def register_reminder_kinds() -> None:
    """Make the leadership kinds known to the core's sweep (from ``LeadershipConfig.ready``)."""
    for kind in KINDS:
        reminder_kind_register(kind)


# --- Done: the reminders stop saying it is pending ----------------------------------------------------------
def meeting_reminders_resolve(review: ManagementReview) -> None:
    """The review was held: its invitations and the reminders before it (coming up, inputs without notes) are read
    and leave the digest; a meeting past is nothing to do."""
    notifications_resolve(kinds=[INVITATION, "review_coming", "review_inputs_missing"], record_type=REVIEW_RECORD,
                          record_id=review.pk)


def minutes_reminders_resolve(review: ManagementReview) -> None:
    """The chair signed the minutes: the reminders to sign them are read and leave the digest."""
    notifications_resolve(kinds=["review_minutes_to_sign"], record_type=REVIEW_RECORD, record_id=review.pk)


def action_reminders_resolve(*actions: Action) -> None:
    """The actions are done or cancelled: their reminders and escalations are read and leave the digest."""
    notifications_resolve(kinds=["action_due_soon", "action_overdue", "action_escalation"],
                          record_type=ACTION_RECORD, record_ids=[action.pk for action in actions])


def commitment_reminders_resolve(commitments: Iterable[Commitment]) -> None:
    """New evidence for ``commitments``: the reminders that their evidence was due or stale are read."""
    notifications_resolve(kinds=["commitment_evidence"], record_type=COMMITMENT_RECORD,
                          record_ids=[commitment.code for commitment in commitments])


# --- Who was reminded, for a record's page -------------------------------------------------------------
@dataclass(frozen=True)
class SentReminder:
    """One step of one kind sent about a record (an invitation, the 7-day reminder): to whom, when, by which
    channel."""

    kind: str
    label: str
    title: str
    sent_at: dt.datetime
    recipients: list[tuple[User, str]]


def reminders_grouped(rows: Iterable[Notification]) -> list[SentReminder]:
    """``rows`` (newest first) as one entry per kind and occasion, its recipients by name: a pure function."""
    groups: dict[tuple[str, str], list[Notification]] = {}
    for row in rows:
        groups.setdefault((row.kind, row.occasion), []).append(row)
    return [
        SentReminder(
            kind=kind, label=kind_label(kind), title=found[-1].title, sent_at=min(row.created_at for row in found),
            recipients=sorted(
                ((row.recipient, row.get_channel_display()) for row in found), key=lambda pair: str(pair[0])
            ),
        )
        for (kind, _), found in groups.items()
    ]


def reminders_sent(record_type: str, record_id: object) -> list[SentReminder]:
    """The reminders sent about one record, newest first, each step with its recipients: one query."""
    rows = Notification.objects.filter(record_type=record_type, record_id=str(record_id)).select_related("recipient")
    return reminders_grouped(rows.order_by("-created_at", "-id"))


def kind_label(name: str) -> str:
    """How people see a kind, for the pages listing reminders sent."""
    kind = next((k for k in KINDS if k.name == name), None)
    return kind.label if kind else name
