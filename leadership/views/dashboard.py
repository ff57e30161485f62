"""The executive dashboard (``/dashboard/``) for top management and the quality manager: what needs the person
looking, the leadership engagement scorecard, and the quality objectives with the figures beside them. Every
figure links to the records behind it; the page prints on one A4 landscape sheet for a board pack."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from leadership.access import LeadershipCapability
from leadership.dashboard import needs_me, organisation_figures
from qms_portal.access import requires
from qms_portal.http import SignedInRequest


@requires(LeadershipCapability.VIEW_DASHBOARD)
@require_safe
def dashboard(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    # What needs the person looking is theirs alone; the rest is everyone's, kept until a record changes.
    shared = organisation_figures(today=today)
    return render(request, "leadership/dashboard.html", {
        "needs": needs_me(request.user, today=today),
        "scorecard": shared.scorecard,
        "figures": shared.figures,
        "ready": shared.ready,
        "today": today,
    })
