"""The executive dashboard's reads (``/dashboard/``): what needs the person looking, the leadership engagement
scorecard, and the quality objectives with the policy's acknowledgement and the RACI health beside them.

Each read is a fixed number of queries whatever the organisation's size (the dashboard's query-count test holds
them to it); other apps are read through their selectors only.
"""
from __future__ import annotations

import datetime as dt
import statistics
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from leadership.commitments import CommitmentState
from leadership.models import Action, Commitment, ManagementReview, QualityObjective, ReviewAttendance, ReviewStatus
from leadership.objectives import ObjectiveStatus, latest_measurements, objective_status
from leadership.people import top_managers
from leadership.readiness import ClauseGroup, Verdict, readiness_kept, snapshots_since, snapshots_state
from leadership.selectors import commitments_with_status
from policy import selectors as policy_selectors
from qms_portal.charts import DIRECTION_SIGNS, format_number, sparkline_svg, trend_chart_svg
from qms_portal.models import User
from qms_portal.presentation import percent
from qms_portal.records_cache import cached_on_records
from roles import selectors as roles_selectors

SCORECARD_MONTHS_DAYS = 365  # "in the last 12 months"
SPARKLINE_POINTS = 12
# Evidence still in date: a commitment due soon is current until its due date passes.
IN_DATE = (CommitmentState.CURRENT, CommitmentState.DUE_SOON)
NEEDS_EVIDENCE_NOW = (CommitmentState.STALE, CommitmentState.NEVER_EVIDENCED)


# --- What needs me -------------------------------------------------------------------------------
@dataclass(frozen=True)
class NeedsMe:
    """What the person looking must do: sign, evidence, finish, attend."""

    versions: list[Any]  # policy versions in review they may sign (never ones they wrote)
    minutes: list[ManagementReview]  # closed reviews they chaired, minutes unsigned
    stale: list[Commitment]  # commitments they own with evidence out of date or never recorded
    overdue: list[Action]
    next_review: ManagementReview | None  # the next planned review they chair or are invited to

    @property
    def count(self) -> int:
        """How many things wait for them (the next review is a date, not a task)."""
        return len(self.versions) + len(self.minutes) + len(self.stale) + len(self.overdue)


def needs_me(person: User, *, today: dt.date) -> NeedsMe:
    """What waits for ``person`` today, in at most seven queries."""
    minutes = list(
        ManagementReview.objects.filter(
            status=ReviewStatus.CLOSED, minutes_signature__isnull=True, chair=person
        ).order_by("closed_at", "pk")
    )
    mine = commitments_with_status(Commitment.objects.filter(owner=person), today=today)
    overdue = list(Action.objects.overdue(today).filter(owner=person).order_by("due_on", "pk"))
    invited = ReviewAttendance.objects.filter(person=person).values("review")
    next_review = (
        ManagementReview.objects.filter(Q(chair=person) | Q(pk__in=invited), status=ReviewStatus.PLANNED)
        .select_related("chair")
        .order_by("planned_on", "pk")
        .first()
    )
    return NeedsMe(
        versions=policy_selectors.versions_awaiting_signature(person),
        minutes=minutes,
        stale=[c for c in mine if c.status.state in NEEDS_EVIDENCE_NOW],
        overdue=overdue,
        next_review=next_review,
    )


# --- The leadership engagement scorecard ---------------------------------------------------------
@dataclass(frozen=True)
class ScorecardRow:
    """One top manager's signs of leadership over the last twelve months."""

    person: User
    attended: int
    held: int
    signed: int  # policy versions they signed in the period
    median_days: float | None  # from a version reaching review to their signature; None when they signed none
    current: int  # commitments they own with evidence in date
    owned: int
    overdue: int  # their actions overdue today

    @property
    def attendance_rate(self) -> int:
        return percent(self.attended, self.held)


@dataclass(frozen=True)
class Scorecard:
    rows: list[ScorecardRow]
    since: dt.date


def engagement_scorecard(*, today: dt.date) -> Scorecard:
    """One row per active top manager, by name; seven queries whatever the number of people or records."""
    since = today - dt.timedelta(days=SCORECARD_MONTHS_DAYS)
    leaders = list(top_managers().order_by("full_name", "username"))
    held = ManagementReview.objects.exclude(status=ReviewStatus.PLANNED).filter(held_on__gt=since, held_on__lte=today)
    held_count = held.count()
    attended = dict(
        ReviewAttendance.objects.filter(review__in=held, attended=True, person__in=leaders)
        .values_list("person")
        .annotate(n=Count("review", distinct=True))
    )
    start = dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC)
    days = policy_selectors.signing_days(leaders, since=start)
    commitments = commitments_with_status(Commitment.objects.filter(owner__in=leaders), today=today)
    owned: Counter[int] = Counter()
    current: Counter[int] = Counter()
    for commitment in commitments:
        assert commitment.owner_id is not None  # noqa: S101 - filtered on owner above
        owned[commitment.owner_id] += 1
        current[commitment.owner_id] += commitment.status.state in IN_DATE
    overdue = dict(
        Action.objects.overdue(today).filter(owner__in=leaders).values_list("owner").annotate(n=Count("pk"))
    )
    rows = [
        ScorecardRow(
            person=person,
            attended=attended.get(person.pk, 0),
            held=held_count,
            signed=len(days.get(person.pk, [])),
            median_days=statistics.median(days[person.pk]) if days.get(person.pk) else None,
            current=current[person.pk],
            owned=owned[person.pk],
            overdue=overdue.get(person.pk, 0),
        )
        for person in leaders
    ]
    return Scorecard(rows, since)


# --- Quality objectives and the figures beside them ----------------------------------------------
@dataclass
class ObjectiveTile:
    """An objective as the dashboard shows it."""

    objective: QualityObjective
    status: ObjectiveStatus
    target_text: str
    latest_text: str
    sparkline: str


def _amount(value: Decimal, unit: str) -> str:
    return f"{format_number(value)} {unit}".strip()


def objective_tiles(*, today: dt.date) -> list[ObjectiveTile]:
    """Every quality objective, soonest due first, with its status and sparkline: two queries."""
    objectives = list(QualityObjective.objects.order_by("due_on", "title"))
    recent = latest_measurements(objectives, per_objective=SPARKLINE_POINTS)
    tiles = []
    for objective in objectives:
        measurements = recent.get(objective.pk, [])
        status = objective_status(objective, measurements, today=today)
        tiles.append(ObjectiveTile(
            objective=objective,
            status=status,
            target_text=f"{DIRECTION_SIGNS[objective.direction]} {_amount(objective.target, objective.unit)}",
            latest_text=_amount(status.latest.value, objective.unit) if status.latest else "",
            sparkline=sparkline_svg(
                [(m.measured_on, m.value) for m in measurements],
                target=objective.target, direction=objective.direction, unit=objective.unit,
            ),
        ))
    return tiles


@dataclass(frozen=True)
class AcknowledgementTrend:
    """The quality policy in force, its acknowledgement rate, and the rate week by week since it was published."""

    summary: policy_selectors.AcknowledgementSummary
    weekly: list[tuple[dt.date, int]] = field(default_factory=list)
    sparkline: str = ""
    report_url: str = ""


def acknowledgement_trend(*, today: dt.date) -> AcknowledgementTrend | None:
    """The acknowledgement rate of the policy in force and its cumulative weekly trend (against everyone asked
    today); None when no quality policy has a campaign. The queries of ``acknowledgement_summary`` plus one."""
    summary = policy_selectors.acknowledgement_summary()
    if summary is None:
        return None
    version = summary.version
    started = (version.published_at.date() if version.published_at else today)
    by_day = policy_selectors.acknowledgements_by_day(version)
    days = [day for day, _ in by_day]
    so_far = list(accumulate(n for _, n in by_day))  # acknowledgements made by the end of each of ``days``
    weekly = []
    week_end = started
    while True:
        week_end = min(week_end, today)
        made = bisect_right(days, week_end)  # how many of ``days`` fall on or before the week's end
        done = so_far[made - 1] if made else 0
        weekly.append((week_end, percent(done, summary.asked)))
        if week_end >= today:
            break
        week_end += dt.timedelta(days=7)
    line = sparkline_svg(
        [(day, Decimal(rate)) for day, rate in weekly], target=Decimal(100), direction="at_least", unit="%"
    )
    return AcknowledgementTrend(summary, weekly, line, policy_selectors.acknowledgement_report_url(version))


@dataclass(frozen=True)
class DashboardFigures:
    """Everything the dashboard's lower panels show."""

    objectives: list[ObjectiveTile]
    acknowledgement: AcknowledgementTrend | None
    raci: roles_selectors.RaciHealth
    policy_reviews: list[policy_selectors.PolicyReviewDate]
    next_review: ManagementReview | None
    objective_counts: dict[str, int]


def dashboard_figures(*, today: dt.date, raci: roles_selectors.RaciHealth | None = None) -> DashboardFigures:
    """The objectives, the acknowledgement rate, the RACI health (``raci`` when the caller read it already) and the
    dates ahead, in a fixed number of queries."""
    tiles = objective_tiles(today=today)
    counted = Counter(tile.status.state for tile in tiles)
    next_review = (
        ManagementReview.objects.filter(status=ReviewStatus.PLANNED)
        .select_related("chair")
        .order_by("planned_on", "pk")
        .first()
    )
    return DashboardFigures(
        objectives=tiles,
        acknowledgement=acknowledgement_trend(today=today),
        raci=raci if raci is not None else roles_selectors.raci_health(on=today),
        policy_reviews=policy_selectors.policy_review_dates(),
        next_review=next_review,
        objective_counts={str(state): counted.get(state, 0) for state in counted},
    )


def dashboard_url() -> str:
    return reverse("leadership:dashboard")


# --- Readiness at a glance ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReadinessGlance:
    """Readiness today for the dashboard: the results by clause, the counts, how the number met moved since 30 and
    90 days ago (None without a snapshot that old), and the 12-month trend of the number met as an inline SVG."""

    groups: list[ClauseGroup]
    counts: dict[str, int]
    total: int
    moved_30: int | None
    moved_90: int | None
    trend_svg: str


def readiness_glance(*, today: dt.date, roles: roles_selectors.RolesOnDay | None = None) -> ReadinessGlance:
    """Readiness as of ``today`` (with ``roles``, today's roles, when the caller read them already), the value the
    readiness page keeps too (``readiness_kept``), and its trend from the kept snapshots: a fixed number of
    queries."""
    found = readiness_kept(today, roles=roles)
    counts = found.counts()
    snapshots = snapshots_since(today - dt.timedelta(days=365))

    def moved(days: int) -> int | None:
        before = [snapshot for snapshot in snapshots if snapshot.day <= today - dt.timedelta(days=days)]
        return counts[Verdict.MET] - before[-1].met if before else None

    points = [(snapshot.day, Decimal(snapshot.met)) for snapshot in snapshots if snapshot.day < today]
    points.append((today, Decimal(counts[Verdict.MET])))
    trend = trend_chart_svg(
        points, target=Decimal(len(found.results)), direction="at_least", unit="met",
        title="Requirement ids met, last 12 months", width=560, height=200,
    )
    return ReadinessGlance(
        groups=found.by_clause(), counts=counts, total=len(found.results),
        moved_30=moved(30), moved_90=moved(90), trend_svg=trend,
    )


# --- What every viewer sees, kept until a record changes -----------------------------------------------------------
@dataclass(frozen=True)
class OrganisationFigures:
    """The dashboard's panels that depend only on the records and the day, not on who looks nor the hour."""

    scorecard: Scorecard
    figures: DashboardFigures
    ready: ReadinessGlance


def _organisation_figures(today: dt.date) -> OrganisationFigures:
    # The RACI health panel and readiness's 5.3 rules read the same matrix: it is read and checked once.
    roles, raci = roles_selectors.roles_and_health_on(today)
    figures = dashboard_figures(today=today, raci=raci)
    if figures.acknowledgement is not None:
        figures.acknowledgement.summary.version.document  # noqa: B018 - read now, kept with the value, not per page
    return OrganisationFigures(
        scorecard=engagement_scorecard(today=today),
        figures=figures,
        ready=readiness_glance(today=today, roles=roles),
    )


def organisation_figures(*, today: dt.date) -> OrganisationFigures:
    """The scorecard, the figures and readiness at a glance as of ``today``: computed once for each state of the
    records (``qms_portal.records_cache``) and of the kept readiness snapshots, then two queries."""
    return cached_on_records(
        "leadership.dashboard", lambda: _organisation_figures(today), day=today, extra=snapshots_state()
    )
