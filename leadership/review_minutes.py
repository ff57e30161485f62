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
        + [names, as_of.day.isoformat(), content.context["signature_valid"]],
    ).encode()).hexdigest()
    organisation = Organisation.current()

    def render() -> bytes:
        heading = PackHeading(
            number=f"minutes of review #{review.pk}",
            organisation=organisation,
            period=PackPeriod(start=held_on, end=held_on, zone=organisation.time_zone),
            scope="9.3",
            generated_at=timezone.now(),
            stamp_pages=False,
        )
        html = render_to_string(content.template, {**content.context, "pack": heading, "standalone": True})
        return pdf_render_part(html, metadata={"title": f"Minutes: {review}"}).pdf

    return pdf_kept(name=_kept_name(review, fingerprint), render=render, replaces=f"review-{review.pk}-minutes-")
