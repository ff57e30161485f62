"""Leadership (5.1) on the home page: a card for those who see leadership (commitments needing evidence, the next
management review, overdue actions), a "My actions" card for people who own actions, and a prompt above
everything for anyone with overdue actions of their own."""
from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone

from leadership.access import LeadershipCapability
from leadership.dashboard import needs_me
from leadership.models import Action, EvidencePack
from leadership.selectors import (
    NEEDS_EVIDENCE,
    action_counts,
    commitments_with_status,
    next_review,
    overdue_actions_count,
    status_counts,
)
from qms_portal.access import PortalRole, user_can
from qms_portal.models import User

# The portal roles whose members are likely to own actions; anyone else gets the card once they own one.
ACTION_OWNING_ROLES = {
    PortalRole.TOP_MANAGEMENT, PortalRole.QUALITY_MANAGER, PortalRole.PROCESS_OWNER, PortalRole.EMPLOYEE,
}


def _person(request: HttpRequest) -> User:
    # The home page answers signed-in people only (``login_only``); a panel is handed the plain HttpRequest.
    return cast(User, request.user)


def evidence_packs_card(request: HttpRequest) -> dict[str, Any] | None:
    """The latest evidence pack, for people who make them (auditors come for this): one query."""
    if not user_can(_person(request), LeadershipCapability.MAKE_EVIDENCE_PACKS):
        return None
    latest = EvidencePack.objects.exclude(sha256="").order_by("-finished_at").first()
    return {"latest": latest}


def leadership_home_card(request: HttpRequest) -> dict[str, Any] | None:
    """Where leadership stands, for people who may see it: five queries whatever the amount of data."""
    user = _person(request)
    if not user_can(user, LeadershipCapability.VIEW):
        return None
    today = timezone.localdate()
    commitments = commitments_with_status(today=today)
    counts = status_counts(commitments)
    mine = [c for c in commitments if c.owner_id == user.pk]
    review = next_review(today=today)
    return {
        "total": len(commitments),
        "needing": sum(counts[state] for state in NEEDS_EVIDENCE),
        "stale": counts["stale"] + counts["never"],
        "mine": len(mine),
        "mine_needing": sum(status_counts(mine)[state] for state in NEEDS_EVIDENCE),
        "next_review": review,
        "invited": review.is_invited(user) if review else False,
        "overdue": action_counts(today=today)["overdue"],
    }


def my_actions_card(request: HttpRequest) -> dict[str, Any] | None:
    """The person's own open actions: how many, how many overdue, and the next one due."""
    today = timezone.localdate()
    user = _person(request)
    counts = action_counts(owners=[user], today=today)
    if not counts["open"] and not ACTION_OWNING_ROLES.intersection(user.role_names()):
        return None
    upcoming = Action.objects.active().filter(owner=user).order_by("due_on", "pk").first()
    return {"open": counts["open"], "overdue": counts["overdue"], "next": upcoming, "today": today}


def overdue_prompt(request: HttpRequest) -> dict[str, Any] | None:
    """A prompt above everything while the person owns overdue actions; None when they own none."""
    today = timezone.localdate()
    user = _person(request)
    overdue = list(Action.objects.overdue(today).filter(owner=user).order_by("due_on", "pk")[:4])
    if not overdue:
        return None
    count = len(overdue) if len(overdue) < 4 else overdue_actions_count(owner=user, today=today)
    return {"count": count, "oldest": overdue[0], "actions": overdue[:3], "today": today}


def dashboard_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The executive dashboard's "What needs you" as the first panel of the home page, for top management and
    the quality manager only; the same read as the dashboard's."""
    user = _person(request)
    if not user_can(user, LeadershipCapability.VIEW_DASHBOARD):
        return None
    return {"needs": needs_me(user, today=timezone.localdate())}


def register_home_panels() -> None:
    """Register the leadership panels of the home page."""
    from qms_portal.home import HomePanel, home_register

    # First of all for top management and the quality manager: what needs them, and the way to the dashboard.
    home_register(HomePanel(
        area="dashboard", template="leadership/_home_dashboard.html", context=dashboard_panel,
        slot="attention", order=5,
    ))
    home_register(HomePanel(
        area="leadership", template="leadership/_home_card.html", context=leadership_home_card, order=10
    ))
    home_register(HomePanel(
        area="actions", template="leadership/_home_actions.html", context=my_actions_card, order=40
    ))
    home_register(HomePanel(
        area="evidence_packs", template="leadership/_home_packs.html", context=evidence_packs_card, order=50
    ))
    # Overdue work of one's own stands above the cards until it is done or moved.
    home_register(HomePanel(
        area="leadership_overdue", template="leadership/_home_overdue.html", context=overdue_prompt,
        slot="attention", order=120,
    ))
