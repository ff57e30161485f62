"""The live figures the portal holds for the 9.3.2 inputs of a management review, each with the page it comes from.

    a)  actions started by earlier reviews: still open, and overdue, each linked;
    b)  the quality policy in force, a change the review should know of;
    c2) the quality objectives by status (on track, at risk, off track, no data);
    c3) the RACI matrix's health: the rules its processes break;
    c5) how far staff have acknowledged the quality policy in force;
    d)  whether the 5.3 duties rest on roles someone holds, and how far role holders acknowledged their roles.

Policy and roles are read through their public functions (``policy.selectors``, ``roles.selectors``), never
their models. Each figure costs a fixed number of queries, whatever the number of records behind it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from leadership.models import Action, InputCode, ManagementReview, QualityObjective
from leadership.objectives import ObjectiveState, objective_statuses
from policy import selectors as policy_selectors
from qms_portal.access import user_can
from qms_portal.models import User
from qms_portal.presentation import day as _day
from roles import selectors as roles_selectors

# How many of the open actions of earlier reviews are listed by name; the rest are counted.
ACTIONS_LISTED = 8


@dataclass(frozen=True)
class FigureLink:
    """A record behind a figure, linked: an action, a rule break."""

    text: str
    url: str
    note: str = ""
    tone: str = "neutral"


@dataclass(frozen=True)
class LiveFigure:
    """One figure shown beside an input: what it is, its value now, and the page where it lives."""

    label: str
    value: str
    url: str
    link_text: str
    tone: str = "neutral"  # neutral, good, warning, bad
    detail: str = ""
    items: tuple[FigureLink, ...] = field(default_factory=tuple)
    more: int = 0  # records behind the figure not listed in ``items``

    def as_text(self) -> str:
        """The figure as a line for the input's notes, so the minutes keep the value of the day."""
        text = f"{self.label}: {self.value}"
        return f"{text} ({self.detail})" if self.detail else text


def _earlier_review_actions(review: ManagementReview, today: dt.date) -> LiveFigure:
    earlier = Q(source_review__planned_on__lt=review.planned_on) | Q(
        source_review__planned_on=review.planned_on, source_review__pk__lt=review.pk
    )
    active = list(
        Action.objects.active().filter(earlier).select_related("owner", "source_review").order_by("due_on", "pk")
    )
    overdue = [action for action in active if action.overdue_on(today)]
    items = tuple(
        FigureLink(
            text=action.title,
            url=reverse("leadership:action_detail", args=[action.pk]),
            note=f"{action.owner} · due {_day(action.due_on)}" + (" · overdue" if action.overdue_on(today) else ""),
            tone="bad" if action.overdue_on(today) else "neutral",
        )
        for action in active[:ACTIONS_LISTED]
    )
    if not active:
        value, tone = "none open", "good"
    else:
        value = f"{len(active)} open" + (f", {len(overdue)} overdue" if overdue else "")
        tone = "bad" if overdue else "warning"
    return LiveFigure(
        label="Actions from earlier reviews",
        value=value,
        url=reverse("leadership:action_list") + "?source=review",
        link_text="Actions from reviews",
        tone=tone,
        items=items,
        more=max(0, len(active) - ACTIONS_LISTED),
    )


def _objectives(today: dt.date) -> LiveFigure:
    statuses = objective_statuses(QualityObjective.objects.all(), today=today)
    counts = Counter(status.state for status in statuses.values())
    order = (ObjectiveState.ON_TRACK, ObjectiveState.AT_RISK, ObjectiveState.OFF_TRACK, ObjectiveState.NO_DATA)
    parts = [f"{counts[state]} {state.label.lower()}" for state in order if counts[state]]
    if not statuses:
        value, tone = "no objectives set", "warning"
    else:
        value = ", ".join(parts)
        tone = "bad" if counts[ObjectiveState.OFF_TRACK] else "warning" if counts[ObjectiveState.AT_RISK] else "good"
    return LiveFigure(
        label="Quality objectives",
        value=value,
        detail=f"{len(statuses)} in all" if statuses else "",
        url=reverse("leadership:objective_list"),
        link_text="Objectives",
        tone=tone,
    )


def _policy(user: User) -> tuple[LiveFigure, LiveFigure]:
    """The policy in force (b) and its acknowledgement rate (c5), from one read of the policy app."""
    summary = policy_selectors.acknowledgement_summary()
    version = summary.version if summary else policy_selectors.current_version()
    if version is None:
        none = LiveFigure(
            label="Quality policy", value="none published", url=reverse("policy:policy_list"), link_text="Policies",
            tone="bad",
        )
        return none, LiveFigure(
            label="Policy acknowledgement", value="no policy in force", url=reverse("policy:policy_list"),
            link_text="Policies", tone="bad",
        )
    version_url = reverse("policy:version_detail", args=[version.document.reference, version.number])
    published = f"in force since {_day(timezone.localdate(version.published_at))}" if version.published_at else ""
    in_force = LiveFigure(
        label="Quality policy", value=f"{version.document.title}, version {version.number}", detail=published,
        url=version_url, link_text=f"Version {version.number}",
    )
    if summary is None:
        return in_force, LiveFigure(
            label="Policy acknowledgement", value="no campaign", url=version_url,
            link_text=f"Version {version.number}", tone="warning",
        )
    if user_can(user, policy_selectors.ACKNOWLEDGEMENT_REPORT_CAPABILITY):
        url = reverse("policy:campaign_report", args=[version.document.reference, version.number])
        link_text = "Acknowledgement report"
    else:
        url, link_text = version_url, f"Version {version.number}"
    due = f"due {_day(summary.due_on)}" + (", overdue" if summary.overdue else "")
    rate = LiveFigure(
        label="Policy acknowledgement",
        value=f"{summary.rate} % ({summary.acknowledged} of {summary.asked})",
        detail=f"version {version.number}, {due}",
        url=url,
        link_text=link_text,
        tone="good" if summary.rate == 100 else "bad" if summary.overdue else "warning",
    )
    return in_force, rate


def _raci() -> LiveFigure:
    health = roles_selectors.raci_health()
    breaks = len(health.rule_breaks)
    items = tuple(FigureLink(text=rule_break.message, url="", tone="bad") for rule_break in health.rule_breaks[:5])
    return LiveFigure(
        label="RACI matrix",
        value="every rule kept" if health.healthy else f"{breaks} rule{'s' if breaks != 1 else ''} broken",
        detail=f"{health.activities} activities, {health.roles} roles",
        url=reverse("roles:raci_health"),
        link_text="RACI health",
        tone="good" if health.healthy else "bad",
        items=items,
        more=max(0, breaks - len(items)),
    )


def _duties() -> LiveFigure:
    duties = roles_selectors.duties_status()
    held = sum(1 for status in duties if status.held and status.rule_break is None)
    unheld = [status.duty.code for status in duties if not status.held or status.rule_break is not None]
    return LiveFigure(
        label="5.3 duties on a held role",
        value=f"{held} of {len(duties)}",
        detail=f"not held: {', '.join(unheld)}" if unheld else "",
        url=reverse("roles:duty_list"),
        link_text="Duties",
        tone="good" if not unheld else "bad",
    )


def _role_acknowledgements() -> LiveFigure:
    rate = roles_selectors.role_acknowledgement_rate()
    if rate.percent is None:
        return LiveFigure(
            label="Role acknowledgement",
            value="nobody holds a role",
            url=reverse("roles:role_list"),
            link_text="Roles",
            tone="warning",
        )
    return LiveFigure(
        label="Role acknowledgement",
        value=f"{rate.percent} % ({rate.acknowledged} of {rate.expected})",
        detail="holders who acknowledged their role's current revision",
        url=reverse("roles:role_list"),
        link_text="Roles",
        tone="good" if rate.acknowledged == rate.expected else "warning",
    )


def live_figures(review: ManagementReview, *, user: User, today: dt.date | None = None) -> dict[str, list[LiveFigure]]:
    """The figures of the portal for each 9.3.2 input of ``review``, by input code (inputs without any are left
    out). ``user`` decides which page a figure links to where the reader may not open the fullest one."""
    today = today or timezone.localdate()
    policy_in_force, policy_rate = _policy(user)
    return {
        InputCode.A: [_earlier_review_actions(review, today)],
        InputCode.B: [policy_in_force],
        InputCode.C2: [_objectives(today)],
        InputCode.C3: [_raci()],
        InputCode.C5: [policy_rate],
        InputCode.D: [_duties(), _role_acknowledgements()],
    }


def figures_text(figures: list[LiveFigure], *, today: dt.date | None = None) -> str:
    """The figures as lines to start an input's notes with, dated, so that the signed minutes keep them."""
    if not figures:
        return ""
    day = _day(today or timezone.localdate())
    return "\n".join(f"{figure.as_text()} (as of {day})." for figure in figures)
