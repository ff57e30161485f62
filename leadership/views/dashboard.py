"""The executive dashboard (``/dashboard/``) for top management and the quality manager: what needs the person
looking, the leadership engagement scorecard, and the quality objectives with the figures beside them. Every
figure links to the records behind it; the page prints on one A4 landscape sheet for a board pack."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from leadership.access import LeadershipCapability
from leadership.dashboard import dashboard_figures, engagement_scorecard, needs_me, readiness_glance
from qms_portal.access import requires
from qms_portal.http import SignedInRequest
from roles import selectors as roles_selectors


@requires(LeadershipCapability.VIEW_DASHBOARD)
@require_safe
def dashboard(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    # The RACI health panel and readiness's 5.3 rules read the same matrix: it is read and checked once.
    roles, raci = roles_selectors.roles_and_health_on(today)
    return render(request, "leadership/dashboard.html", {
        "needs": needs_me(request.user, today=today),
        "scorecard": engagement_scorecard(today=today),
        "figures": dashboard_figures(today=today, raci=raci),
        "ready": readiness_glance(today=today, roles=roles),
        "today": today,
    })
