"""Reads of leadership (5.1) that several pages share: the overview, the home page, and later the readiness score.

Each read is a small, fixed number of queries whatever the amount of data, so that pages calling them keep a
constant query count. Dates come in as ``today`` so that callers (and tests) decide what "today" is.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from leadership.commitments import CommitmentState, CommitmentStatus, commitment_statuses
from leadership.models import (
    Action,
    ActionStatus,
    Commitment,
    EvidenceEntry,
    ManagementReview,
    OutputCategory,
    QualityObjective,
    ReviewAttendance,
    ReviewInput,
    ReviewOutput,
    ReviewStatus,
)
from leadership.models.actions import ACTIVE_STATUSES, overdue_q
from leadership.objectives import latest_measurements, objective_status
from leadership.review_inputs import live_figures
from qms_portal.models import User
from qms_portal.presentation import day as _day

# The clauses the catalogue is grouped by, in our own words (ISO9001-CLAUSE5.md).
CLAUSES = {
    "5.1.1": "General: leadership and commitment to the QMS",
    "5.1.2": "Customer focus",
}
# Most urgent first: what a page lists on top and counts first.
STATE_ORDER = (
    CommitmentState.STALE, CommitmentState.NEVER_EVIDENCED, CommitmentState.DUE_SOON, CommitmentState.CURRENT,
)
NEEDS_EVIDENCE = (CommitmentState.STALE, CommitmentState.NEVER_EVIDENCED, CommitmentState.DUE_SOON)


# --- Commitments ---------------------------------------------------------------------------------
def clause_of(commitment: Commitment) -> str:
    """The clause a commitment belongs to: ``5.1.1`` for ``5.1.1.a``."""
    return commitment.code.rsplit(".", 1)[0]


def commitments_with_status(
    commitments: QuerySet[Commitment] | None = None, *, today: dt.date
) -> list[Commitment]:
    """The commitments (all by default) with their owner loaded and ``status`` set, in two queries."""
    queryset = Commitment.objects.all() if commitments is None else commitments
    found = list(queryset.select_related("owner").order_by("code"))
    statuses = commitment_statuses(found, today=today)
    for commitment in found:
        commitment.status = statuses[commitment.pk]
    return found


def status_counts(commitments: Iterable[Commitment]) -> dict[str, int]:
    """How many commitments (with ``status`` set) are in each state, every state present, most urgent first."""
    counted = Counter(commitment.status.state for commitment in commitments)
    return {state: counted.get(state, 0) for state in STATE_ORDER}


def status_reason(status: CommitmentStatus, *, today: dt.date) -> str:
    """Why a commitment has its status, in a sentence: "Last evidenced 3 Oct 2026; due again by 1 Jan 2027."."""
    due = status.due_on
    if status.state == CommitmentState.NEVER_EVIDENCED or due is None:  # evidenced ones always have a due date
        return "No evidence has been recorded for it yet."
    last = f"Last evidenced {_day(status.latest_evidence_on)}"
    if status.state == CommitmentState.STALE:
        days = (today - due).days
        return f"{last}; new evidence was due by {_day(due)}, {days} day{'s' if days != 1 else ''} ago."
    if status.state == CommitmentState.DUE_SOON:
        days = (due - today).days
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        return f"{last}; due again by {_day(due)}, {when}."
    return f"{last}; due again by {_day(due)}."


# --- Evidence ------------------------------------------------------------------------------------
def evidence_with_counts(entries: QuerySet[EvidenceEntry] | None = None) -> QuerySet[EvidenceEntry]:
    """Evidence entries with their leader, their commitments (one more query) and ``attachment_count``."""
    queryset = EvidenceEntry.objects.all() if entries is None else entries
    return (
        queryset.select_related("leader")
        .prefetch_related("commitments")
        .annotate(attachment_count=Count("attachments", distinct=True))
    )


def recent_evidence(*, leader: User | None = None, limit: int = 5) -> list[EvidenceEntry]:
    """The newest evidence entries (of ``leader``, or of anyone), newest first."""
    entries = EvidenceEntry.objects.all() if leader is None else EvidenceEntry.objects.filter(leader=leader)
    return list(evidence_with_counts(entries).order_by("-occurred_on", "-pk")[:limit])


# --- Management reviews --------------------------------------------------------------------------
@dataclass(frozen=True)
class NextReview:
    """The next management review and what a page says about it."""

    review: ManagementReview
    invited: list[User]
    today: dt.date

    @property
    def days_away(self) -> int:
        return (self.review.planned_on - self.today).days

    @property
    def date_passed(self) -> bool:
        """Planned for a day gone by and not yet marked held."""
        return self.days_away < 0

    def is_invited(self, person: User | None) -> bool:
        return person is not None and any(invitee.pk == person.pk for invitee in self.invited)


def next_review(*, today: dt.date) -> NextReview | None:
    """The planned review due soonest (one whose date has passed without being held comes first: it is still
    to be held), with its chair and the people invited; None when no review is planned. Two queries."""
    review = (
        ManagementReview.objects.filter(status=ReviewStatus.PLANNED)
        .select_related("chair")
        .order_by("planned_on", "pk")
        .first()
    )
    if review is None:
        return None
    invited = [row.person for row in review.attendance.select_related("person").order_by("person__full_name")]
    return NextReview(review=review, invited=invited, today=today)


def last_held_review() -> ManagementReview | None:
    """The review held most recently, or None."""
    return (
        ManagementReview.objects.exclude(status=ReviewStatus.PLANNED)
        .select_related("chair")
        .order_by("-held_on", "-pk")
        .first()
    )


# --- Actions -------------------------------------------------------------------------------------
def open_actions(*, owners: Iterable[User] | None = None, today: dt.date, limit: int | None = None) -> list[Action]:
    """Open and in-progress actions (of ``owners``, or everyone's), soonest due first, with ``overdue`` set."""
    actions = Action.objects.active().select_related("owner").order_by("due_on", "pk")
    if owners is not None:
        actions = actions.filter(owner__in=[person.pk for person in owners])
    found = list(actions[:limit] if limit else actions)
    for action in found:
        action.overdue = action.overdue_on(today)
    return found


def action_counts(*, owners: Iterable[User] | None = None, today: dt.date) -> dict[str, int]:
    """``open`` (open or in progress) and ``overdue`` actions of ``owners`` (everyone's by default), in one query."""
    actions = Action.objects.active()
    if owners is not None:
        actions = actions.filter(owner__in=[person.pk for person in owners])
    return actions.aggregate(open=Count("pk"), overdue=Count("pk", filter=overdue_q(today)))


def overdue_actions_count(*, owner: User | None = None, today: dt.date) -> int:
    """How many actions (of ``owner``, or everyone's) are overdue."""
    actions = Action.objects.filter(overdue_q(today))
    if owner is not None:
        actions = actions.filter(owner=owner)
    return actions.count()


# --- Management reviews -------------------------------------------------------------------------
# The states a person sees: "signed" is a closed review whose minutes the chair signed.
REVIEW_STATES = {
    "planned": ("Planned", Q(status=ReviewStatus.PLANNED)),
    "held": ("Held", Q(status=ReviewStatus.HELD)),
    "closed": ("Closed, awaiting signature", Q(status=ReviewStatus.CLOSED, minutes_signature__isnull=True)),
    "signed": ("Minutes signed", Q(minutes_signature__isnull=False)),
}


def review_state(review: ManagementReview) -> str:
    """The review's state as people see it: its status, or "signed" once the chair signed the minutes."""
    return "signed" if review.is_signed else review.status


def _count_per_review(queryset: QuerySet[ReviewAttendance] | QuerySet[ReviewInput]) -> Coalesce:
    """The number of ``queryset``'s rows that belong to the outer review, as a subquery (no join fan-out)."""
    counted = (
        queryset.filter(review=OuterRef("pk")).order_by().values("review").annotate(n=Count("pk")).values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def reviews_with_figures(reviews: QuerySet[ManagementReview], *, today: dt.date) -> QuerySet[ManagementReview]:
    """Reviews with what a list shows of each: chair, next proposed review, invited and attended, inputs
    addressed, open and overdue actions. One query, whatever the number of reviews."""
    actions = Action.objects.filter(source_review=OuterRef("pk"), status__in=ACTIVE_STATUSES).order_by()
    open_actions = actions.values("source_review").annotate(n=Count("pk")).values("n")[:1]
    overdue_actions = actions.filter(overdue_q(today)).values("source_review").annotate(n=Count("pk")).values("n")[:1]
    return reviews.select_related("chair", "next_review").annotate(
        invited=_count_per_review(ReviewAttendance.objects.all()),
        attended=_count_per_review(ReviewAttendance.objects.filter(attended=True)),
        addressed=_count_per_review(ReviewInput.objects.exclude(notes="")),
        open_actions=Coalesce(Subquery(open_actions, output_field=IntegerField()), 0),
        overdue_actions=Coalesce(Subquery(overdue_actions, output_field=IntegerField()), 0),
    )


def review_agenda(review: ManagementReview, *, user: User) -> list[ReviewInput]:
    """The 9.3.2 inputs in agenda order, each with the portal's live figures (as ``user`` may read them) while
    the review is still open. The figures cost the queries of ``live_figures``; the inputs one."""
    inputs = list(review.inputs.order_by("code"))
    figures = live_figures(review, user=user) if review.status != ReviewStatus.CLOSED else {}
    for review_input in inputs:
        review_input.figures = figures.get(review_input.code, [])
    return inputs


@dataclass(frozen=True)
class DecisionCategory:
    """A 9.3.3 output category with the review's decisions in it; each decision carries ``started``, its actions."""

    code: str
    label: str
    outputs: list[ReviewOutput]


def review_decisions(review: ManagementReview) -> tuple[list[DecisionCategory], list[Action]]:
    """The 9.3.3 categories in order, each with its decisions and the actions each decision started; and the
    actions raised from the review outside any decision. Two queries."""
    actions: dict[int | None, list[Action]] = defaultdict(list)
    for action in Action.objects.filter(source_review=review).select_related("owner").order_by("due_on", "pk"):
        actions[action.decision_id].append(action)
    outputs = list(review.outputs.select_related("recorded_by").order_by("pk"))
    for output in outputs:
        output.started = actions.get(output.pk, [])
    categories = [
        DecisionCategory(code, str(label), [output for output in outputs if output.category == code])
        for code, label in OutputCategory.choices
    ]
    return categories, actions.get(None, [])


# --- Leadership records as they stood on a day (the readiness score) ------------------------------------------
@dataclass(frozen=True)
class CommitmentOnDay:
    """A commitment and its newest evidence dated on or before the day."""

    code: str
    summary: str
    owner: str
    evidence_every_days: int
    latest_evidence_on: dt.date | None


@dataclass(frozen=True)
class ReviewOnDay:
    """A management review: when it was held (None when not by the day) or is planned."""

    pk: int
    title: str
    planned_on: dt.date
    held_on: dt.date | None


@dataclass(frozen=True)
class ObjectiveOnDay:
    """A quality objective existing on the day, with its state judged on the measurements taken by then."""

    pk: int
    title: str
    state: str
    state_label: str
    latest_measured_on: dt.date | None


@dataclass(frozen=True)
class LeadershipOnDay:
    """What the readiness rules read from leadership: commitments, reviews, objectives, overdue actions."""

    commitments: list[CommitmentOnDay]
    reviews: list[ReviewOnDay]
    objectives: list[ObjectiveOnDay]
    overdue_review_actions: int


def leadership_on(day: dt.date) -> LeadershipOnDay:
    """Leadership's records as they stood on ``day``: five queries, whatever their number."""
    commitments = [
        CommitmentOnDay(code, summary, owner or "", every, latest)
        for code, summary, owner, every, latest in Commitment.objects.annotate(
            latest=Max("evidence_entries__occurred_on", filter=Q(evidence_entries__occurred_on__lte=day))
        ).order_by("code").values_list("code", "summary", "owner__full_name", "evidence_every_days", "latest")
    ]
    reviews = [
        ReviewOnDay(pk, title, planned_on, held if held is not None and held <= day else None)
        for pk, title, planned_on, held in ManagementReview.objects.filter(created_at__date__lte=day)
        .order_by("planned_on", "pk").values_list("pk", "title", "planned_on", "held_on")
    ]
    found = list(QualityObjective.objects.filter(created_at__date__lte=day).order_by("title", "pk"))
    measured = latest_measurements(found, on=day)
    objectives = []
    for objective in found:
        status = objective_status(objective, measured.get(objective.pk, []), today=day)
        objectives.append(ObjectiveOnDay(
            objective.pk, objective.title, status.state, str(status.label),
            status.latest.measured_on if status.latest else None,
        ))
    overdue = Action.objects.filter(
        source_review__isnull=False, created_at__date__lte=day, due_on__lt=day,
    ).filter(Q(completed_on__isnull=True) | Q(completed_on__gt=day)).exclude(status=ActionStatus.CANCELLED).count()
    return LeadershipOnDay(commitments, reviews, objectives, overdue)
