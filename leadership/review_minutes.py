"""A held review's minutes as a PDF of their own, offered on the review's page: the same content and template as the
review's part of the evidence pack (section 9.3), with the actions' status as of the day it is drawn.

The PDF is kept (``pdf_kept``) under a name made of a hash of everything it shows, so it is drawn once and drawn
again only when the minutes, their signature, the actions, a name or the day change.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.render import PackHeading
from leadership.evidence_pack.sections.reviews import as_of_now, review_minutes
from leadership.models import ManagementReview
from qms_portal.models import Organisation
from qms_portal.pdf import pdf_kept
from qms_portal.pdf_assembly import pdf_render_part


class _HeldDay(PackPeriod):
    """The day a review was held, as the minutes' running header names it."""

    def __str__(self) -> str:
        return f"held {self.start:%-d %B %Y}"


class _MinutesHeading(PackHeading):
    """The running header and footer of a review's minutes, drawn by the pack's ``part.html``."""

    @property
    def scope_label(self) -> str:
        return "Minutes of a management review (9.3)"

    @property
    def title(self) -> str:
        return f"Minutes of the management review held {self.period.start:%-d %B %Y}"


def _kept_name(review: ManagementReview, fingerprint: str) -> str:
    return f"review-{review.pk}-minutes-{fingerprint[:20]}.pdf"


def minutes_pdf(review: ManagementReview) -> Path:
    """The kept PDF of ``review``'s minutes (a held review), drawn now if what it shows changed since last drawn."""
    held_on = review.held_on
    assert held_on is not None  # noqa: S101 - only held reviews have minutes: the view answers 404 otherwise
    as_of = as_of_now()
    content = review_minutes(review.pk, as_of)
    shown = content.context["review"]
    # The names printed beside the records are not in their hashes (a record holds a person's id).
    names = sorted({str(shown.chair), *(str(row.person) for row in content.context["attendance"])} | {
        str(then.action.owner)
        for group in content.context["groups"] for decision in group.decisions for then in decision.actions
    } | {str(then.action.owner) for then in content.context["other_actions"]})
    fingerprint = hashlib.sha256(json.dumps(
        [[record.type, record.id, record.sha256] for record in content.records]
        + [names, as_of.day.isoformat(), content.context["signature_valid"]]
        # A review still open shows the portal's live figures, which change without any of its records changing.
        + [[figure.as_text() for figure in row.figures] for row in content.context["inputs"]],
    ).encode()).hexdigest()
    organisation = Organisation.current()

    def render() -> bytes:
        heading = _MinutesHeading(
            number=f"minutes of review #{review.pk}",
            organisation=organisation,
            period=_HeldDay(start=held_on, end=held_on, zone=organisation.time_zone),
            scope="9.3",
            generated_at=timezone.now(),
            stamp_pages=False,
        )
        html = render_to_string(content.template, {**content.context, "pack": heading, "standalone": True})
        return pdf_render_part(html, metadata={"title": f"Minutes: {review}"}).pdf

    return pdf_kept(name=_kept_name(review, fingerprint), render=render, replaces=f"review-{review.pk}-minutes-")
