"""The evidence pack's section 9.3, Management review: the reviews held in the period, the gaps between them and the
next one planned (a first part), then one part per review held: its minutes as the chair signed them, with the
actions its decisions raised and their status at the period's end.

A review's part is also what the review page offers as its minutes PDF (``leadership/review_minutes.py``): the
same ``review_minutes`` content and template, with the actions' status as of now.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.utils import timezone

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import PackSection, PartContent, PartPlan, manifest_record
from leadership.models import (
    Action,
    ActionStatus,
    ManagementReview,
    OutputCategory,
    ReadinessSettings,
    ReviewAttendance,
    ReviewOutput,
    ReviewStatus,
)
from leadership.models.actions import ACTIVE_STATUSES
from leadership.readiness import thresholds_load
from leadership.review_inputs import live_figures
from leadership.reviews import add_months
from qms_portal.audit import audit_values_at
from qms_portal.models import User
from qms_portal.presentation import day as _day

SUMMARY_TEMPLATE = "leadership/pack/reviews_summary.html"
REVIEW_TEMPLATE = "leadership/pack/reviews_review.html"
# Shown for an action whose status is read at a moment before it existed.
NOT_RAISED = "not_raised"


@dataclass(frozen=True)
class AsOf:
    """The moment the actions' status is read at: the period's end in the pack, now for a review's minutes PDF.
    ``day`` is the last day counted (an action due before it and still open then is overdue)."""

    day: dt.date
    at: dt.datetime
    wording: str  # "at the period's end (4 December 2026)", "on 5 December 2026"


def as_of_period_end(period: PackPeriod) -> AsOf:
    return AsOf(day=period.end, at=period.end_at, wording=f"at the period's end ({_day(period.end)})")


def as_of_now() -> AsOf:
    today = timezone.localdate()
    return AsOf(day=today, at=timezone.now(), wording=f"on {_day(today)}")


def _held_reviews(up_to: dt.date) -> list[ManagementReview]:
    """Every review held on or before ``up_to``, in the order held: one query."""
    return list(
        ManagementReview.objects.exclude(status=ReviewStatus.PLANNED)
        .filter(held_on__lte=up_to)
        .select_related("chair")
        .order_by("held_on", "pk")
    )


def _plan(period: PackPeriod) -> list[PartPlan]:
    held = ManagementReview.objects.exclude(status=ReviewStatus.PLANNED).filter(
        held_on__gte=period.start, held_on__lte=period.end
    )
    rows = held.order_by("held_on", "pk").values_list("pk", "held_on")
    return [PartPlan(label="Management reviews in the period")] + [
        PartPlan(label=f"Management review of {_day(held_on)}", args={"review": pk}, weight=4) for pk, held_on in rows
    ]


# --- The first part: the reviews in the period, their gaps, the next one planned ----------------------------------
@dataclass(frozen=True)
class HeldRow:
    """A review held in the period, with the days since the review held before it (None for the first ever)."""

    review: ManagementReview
    previous: ManagementReview | None
    gap_days: int | None
    beyond_interval: bool


def _summary(period: PackPeriod) -> PartContent:
    interval = thresholds_load().review_interval_months
    held = _held_reviews(period.end)
    rows: list[HeldRow] = []
    previous: ManagementReview | None = None
    for review in held:
        assert review.held_on is not None  # noqa: S101 - held reviews have a date: says so to the type checker
        if review.held_on >= period.start:
            gap = (review.held_on - previous.held_on).days if previous and previous.held_on else None
            beyond = bool(previous and previous.held_on and add_months(previous.held_on, interval) < review.held_on)
            rows.append(HeldRow(review, previous, gap, beyond))
        previous = review
    last = held[-1] if held else None
    since_last = (period.end - last.held_on).days if last and last.held_on else None
    due_after_last = add_months(last.held_on, interval) if last and last.held_on else None
    # What was planned as the period ended: reviews created by then whose day came after it.
    next_planned = (
        ManagementReview.objects.filter(planned_on__gt=period.end, created_at__lt=period.end_at)
        .select_related("chair")
        .order_by("planned_on", "pk")
        .first()
    )
    # Planned for a day in the period and not held in it: a review missed, or held late.
    missed = list(
        ManagementReview.objects.filter(planned_on__gte=period.start, planned_on__lte=period.end)
        .exclude(held_on__gte=period.start, held_on__lte=period.end)
        .select_related("chair")
        .order_by("planned_on", "pk")
    )
    records = [manifest_record(row.review) for row in rows]
    records += [manifest_record(review) for review in missed]
    if next_planned is not None:
        records.append(manifest_record(next_planned))
    setting = ReadinessSettings.objects.first()
    if setting is not None:
        records.append(manifest_record(setting))
    return PartContent(
        template=SUMMARY_TEMPLATE,
        context={
            "rows": rows,
            "interval_months": interval,
            "interval_is_default": setting is None,
            "last": last,
            "since_last": since_last,
            "due_after_last": due_after_last,
            "next_planned": next_planned,
            "missed": missed,
        },
        records=records,
    )


# --- A review's part: its minutes ----------------------------------------------------------------------------------
def _status_values() -> dict[str, str]:
    # The trail keeps a status as its value; older entries may hold its label.
    values = {str(label): value for value, label in ActionStatus.choices}
    values.update({value: value for value in ActionStatus.values})
    return values


@dataclass(frozen=True)
class ActionThen:
    """An action a review raised, with its status at a moment (``AsOf``): ``overdue`` when still open then and due
    before that day."""

    action: Action
    status: str
    label: str
    overdue: bool

    @property
    def done(self) -> bool:
        return self.status == ActionStatus.DONE


def actions_status_at(actions: list[Action], as_of: AsOf) -> list[ActionThen]:
    """Each action with its status at ``as_of``, read from the audit trail (``audit_values_at``: an action keeps no
    date of its changes but ``completed_on``). One query."""
    if not actions:
        return []
    values = _status_values()
    then = audit_values_at(Action, [action.pk for action in actions], as_of.at, fields=["status"])
    recorded = {
        pk: values[str(fields["status"])] for pk, fields in then.items() if str(fields["status"]) in values
    }
    labels = dict(ActionStatus.choices)
    found = []
    for action in actions:
        if action.created_at >= as_of.at:
            status = NOT_RAISED
        elif action.pk in recorded:
            status = recorded[action.pk]
        else:  # no change since (or a trail from before actions were audited): what the action says of itself
            status = action.status
            if status == ActionStatus.DONE and action.completed_on and action.completed_on > as_of.day:
                status = ActionStatus.OPEN
        label = "not yet raised" if status == NOT_RAISED else str(labels[status])
        overdue = status in ACTIVE_STATUSES and action.due_on < as_of.day
        found.append(ActionThen(action, status, label, overdue))
    return found


@dataclass(frozen=True)
class Decision:
    """A 9.3.3 decision with the actions it started."""

    output: ReviewOutput
    actions: list[ActionThen]


@dataclass(frozen=True)
class DecisionGroup:
    """A 9.3.3 output category with the review's decisions under it."""

    code: str
    label: str
    decisions: list[Decision]


def review_minutes(review_id: int, as_of: AsOf) -> PartContent:
    """A held review's minutes: the meeting, attendance, each 9.3.2 input with its notes, the 9.3.3 decisions and
    the actions raised (status ``as_of``), and the chair's signature with the core's check of it; the state of the
    minutes is the one ``as_of`` (a closing or signature after it is labelled so). A fixed number
    of queries, whatever the number of rows."""
    review = (
        ManagementReview.objects.exclude(status=ReviewStatus.PLANNED)
        .select_related("chair", "minutes_signature", "proposed_from")
        .prefetch_related(
            Prefetch("attendance", ReviewAttendance.objects.select_related("person").order_by(
                "person__full_name", "person__username")),
            "inputs",
            Prefetch("outputs", ReviewOutput.objects.select_related("recorded_by").order_by("pk")),
            Prefetch("actions", Action.objects.select_related("owner").order_by("due_on", "pk")),
        )
        .get(pk=review_id)
    )
    attendance = list(review.attendance.all())
    inputs = sorted(review.inputs.all(), key=lambda row: row.code)
    outputs = list(review.outputs.all())
    actions = list(review.actions.all())
    started: dict[int | None, list[ActionThen]] = defaultdict(list)
    for then in actions_status_at(actions, as_of):
        started[then.action.decision_id].append(then)
    groups = [
        DecisionGroup(code, str(label), [
            Decision(output, started.get(output.pk, [])) for output in outputs if output.category == code
        ])
        for code, label in OutputCategory.choices
    ]
    # The portal's figures stand beside the inputs until the review closes; the closed minutes' notes carry them.
    figures = {}
    if review.status == ReviewStatus.HELD:
        figures = live_figures(review, user=cast(User, AnonymousUser()))
    for row in inputs:
        row.figures = figures.get(row.code, [])
    signature = review.minutes_signature
    # The minutes as they stood ``as_of``: closed or signed later, they were still open (or unsigned) then. Both are
    # dated, so no trail is read; what came later is still printed, labelled as after.
    closed_after = review.closed_at if review.closed_at and review.closed_at >= as_of.at else None
    signed_after = signature.signed_at if signature is not None and signature.signed_at >= as_of.at else None
    status_then = ReviewStatus.HELD if closed_after else review.status
    records = [manifest_record(review)]
    records += [manifest_record(row, f"{row.person} at {review}") for row in attendance]
    records += [manifest_record(row, f"{row} at {review}") for row in inputs]
    records += [manifest_record(output, f"{output} at {review}") for output in outputs]
    records += [manifest_record(action) for action in actions]
    if signature is not None:
        records.append(manifest_record(signature, f"{signature} on the minutes of {review}"))
    return PartContent(
        template=REVIEW_TEMPLATE,
        context={
            "review": review,
            "attendance": attendance,
            "attended": sum(1 for row in attendance if row.attended),
            "attendance_recorded": any(row.attended is not None for row in attendance),
            "inputs": inputs,
            "groups": groups,
            "decision_count": len(outputs),
            "other_actions": started.get(None, []),
            "actions_count": len(actions),
            "overdue_count": sum(1 for rows in started.values() for then in rows if then.overdue),
            "as_of": as_of,
            "status_then": status_then,
            "closed_after": closed_after,
            "signed_after": signed_after,
            "signature": signature,
            "signature_valid": review.signature_valid if signature is not None else False,
            "figures_day": timezone.localdate(),
            "figures_after": as_of.day < timezone.localdate(),
        },
        records=records,
    )


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    if "review" not in args:
        return _summary(period)
    return review_minutes(int(args["review"]), as_of_period_end(period))


SECTION = PackSection(
    key="9.3",
    title="Management review",
    scopes=frozenset({"5", "9.3"}),
    content=_content,
    plan=_plan,
    record_types=(
        "leadership.managementreview",
        "leadership.reviewattendance",
        "leadership.reviewinput",
        "leadership.reviewoutput",
        "leadership.action",
        "qms_portal.electronicsignature",
    ),
)
