"""The Clause 5 readiness page: every requirement id's verdict, grouped by clause, as of a day."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from leadership.access import LeadershipCapability
from leadership.forms.readiness import ReadinessSettingsForm
from leadership.readiness import CLAUSES, Verdict, readiness_kept, thresholds_row, thresholds_save
from qms_portal.access import Capability, requires
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest


def _as_of(asked: str, today: dt.date) -> tuple[dt.date, str]:
    """The day asked for (today when none, or when it is not a date or lies ahead) and what went wrong, if anything."""
    if not asked:
        return today, ""
    try:
        day = dt.date.fromisoformat(asked)
    except ValueError:
        return today, f"“{asked}” is not a date: showing today."
    if day > today:
        return today, "Readiness cannot be computed for a day still to come: showing today."
    return day, ""


@requires(LeadershipCapability.VIEW)
@require_safe
def readiness_page(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    as_of, problem = _as_of(request.GET.get("as_of", ""), today)
    verdict = request.GET.get("verdict", "")
    if verdict not in Verdict.values:
        verdict = ""
    found = readiness_kept(as_of)
    counts = found.counts()
    return render(request, "leadership/readiness.html", {
        "readiness": found,
        "groups": found.by_clause(verdict),
        "counts": [(v, counts[v.value]) for v in Verdict],
        "total": len(found.results),
        "verdict": verdict,
        "as_of": as_of,
        "today": today,
        "past": as_of != today,
        "problem": problem,
        "clauses": CLAUSES,
        # The requirement a link (the dashboard's strip) asked to see opened.
        "opened": request.GET.get("open", ""),
    })


@requires(Capability.MANAGE_ORGANISATION)
def readiness_settings(request: SignedInRequest) -> HttpResponse:
    form = ReadinessSettingsForm(posted(request), instance=thresholds_row())
    if request.method == "POST" and form.is_valid():
        thresholds_save(form=form, by=request.user, reason=form.stated_reason)
        messages.success(request, "The readiness thresholds are saved.")
        return redirect("leadership:readiness_settings")
    return render(request, "leadership/readiness_settings.html", {"form": form})
