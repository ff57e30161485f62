"""The leadership page for top management: their commitments with status, their recent evidence, their open
actions and the next management review. A top manager sees their own page; the quality manager, process owners
and auditors see top management as a whole, or one top manager chosen with ``?leader=<id>``."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from leadership.access import LeadershipCapability
from leadership.models import Commitment
from leadership.people import top_managers
from leadership.selectors import (
    NEEDS_EVIDENCE,
    STATE_ORDER,
    action_counts,
    commitments_with_status,
    last_held_review,
    next_review,
    open_actions,
    recent_evidence,
    status_counts,
)
from qms_portal.access import requires
from qms_portal.http import SignedInRequest

ALL = "all"  # ?leader=all: the whole of top management, for a top manager who wants to see it too
RECENT_EVIDENCE = 6
OPEN_ACTIONS = 8


@requires(LeadershipCapability.VIEW)
@require_safe
def leadership_home(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    leaders = list(top_managers().order_by("full_name", "username"))
    by_pk = {str(person.pk): person for person in leaders}
    i_lead = str(request.user.pk) in by_pk
    asked = request.GET.get("leader", "")
    unknown = bool(asked) and asked != ALL and asked not in by_pk
    # Without a choice a top manager sees their own page; everyone else sees top management as a whole.
    chosen = by_pk.get(asked) or (request.user if i_lead and not asked else None)
    mine = chosen is not None and chosen.pk == request.user.pk

    commitments = commitments_with_status(
        Commitment.objects.filter(owner=chosen) if chosen else None, today=today
    )
    urgency = {state: rank for rank, state in enumerate(STATE_ORDER)}
    commitments.sort(key=lambda c: (urgency[c.status.state], c.status.due_on or today, c.code))
    counts = status_counts(commitments)
    owners = [chosen] if chosen else leaders
    review = next_review(today=today)
    return render(request, "leadership/overview.html", {
        "leaders": leaders,
        "chosen": chosen,
        "mine": mine,
        "i_lead": i_lead,
        "asked": asked,
        "unknown": unknown,
        "all_value": ALL,
        "commitments": commitments,
        "counts": counts,
        "needing_evidence": sum(counts[state] for state in NEEDS_EVIDENCE),
        "current": counts[STATE_ORDER[-1]],
        "unowned": 0 if chosen else sum(1 for c in commitments if c.owner_id is None),
        "evidence": recent_evidence(leader=chosen, limit=RECENT_EVIDENCE),
        "actions": open_actions(owners=owners, today=today, limit=OPEN_ACTIONS),
        "action_counts": action_counts(owners=owners, today=today),
        "next_review": review,
        "invited": review.is_invited(chosen) if review and chosen else None,
        "invited_leaders": [p for p in review.invited if str(p.pk) in by_pk] if review and not chosen else [],
        "last_review": last_held_review(),
        "today": today,
    })

