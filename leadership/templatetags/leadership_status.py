"""The tone of each leadership status, drawn by the core's one badge: ``{% load leadership_status %}``."""
from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from leadership.commitments import CommitmentStatus
from leadership.models import Action
from leadership.objectives import ObjectiveStatus
from qms_portal.templatetags.portal import badge_html

register = template.Library()

ACTION_TONES = {"open": "neutral", "in_progress": "info", "done": "good", "cancelled": "muted"}
COMMITMENT_TONES = {"current": "good", "due_soon": "warning", "stale": "bad", "never_evidenced": "neutral"}
OBJECTIVE_TONES = {"on_track": "good", "at_risk": "warning", "off_track": "bad"}  # else: not measured yet
# A review's state (``leadership.selectors.review_state``): its words and its tone.
REVIEW_STATES = {
    "planned": ("Planned", "info"),
    "held": ("Held", "warning"),
    "closed": ("Closed · awaiting signature", "neutral"),
    "signed": ("✓ Minutes signed", "good"),
}


@register.simple_tag
def action_status(action: Action) -> SafeString:
    """An action's status: ``{% action_status action %}``."""
    return badge_html(action.get_status_display(), ACTION_TONES.get(action.status, "muted"))


@register.simple_tag
def commitment_status(status: CommitmentStatus) -> SafeString:
    """A commitment's status (also a chip of the list's filter, a status with no dates)."""
    return badge_html(status.label, COMMITMENT_TONES.get(str(status.state), "neutral"))


@register.simple_tag
def objective_status(status: ObjectiveStatus) -> SafeString:
    """An objective's status (an ``ObjectiveStatus``): ``{% objective_status objective.status %}``."""
    return badge_html(status.label, OBJECTIVE_TONES.get(str(status.state), "muted"))


@register.simple_tag
def review_state(state: str) -> SafeString:
    """A management review's state: planned, held, closed (awaiting the chair's signature) or signed."""
    if state not in REVIEW_STATES:
        return SafeString("")
    label, tone = REVIEW_STATES[state]
    return badge_html(label, tone)


VERDICT_TONES = {"met": "good", "at_risk": "warning", "not_met": "bad"}


@register.simple_tag
def readiness_verdict(verdict: str, label: str) -> SafeString:
    """A readiness verdict (``leadership.readiness.Verdict``) with its label:
    ``{% readiness_verdict result.verdict result.verdict.label %}``."""
    return badge_html(label, VERDICT_TONES.get(str(verdict), "neutral"))
