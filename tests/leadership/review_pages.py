"""What the management review page tests share: the dates they use, reviews built through the business functions
in each state, and the pages' URLs."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from leadership import reviews
from leadership.models import ManagementReview
from qms_portal.signatures import content_sha256
from tests.core.factories import PASSWORD

AGENDA = ["a", "b", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "d", "e", "f"]
EDIT_BUTTONS = ("Write notes", "Edit notes", "Record a decision", "Record attendance", "Close the review",
                "Change the plan", "Mark as held")


def day(offset: int = 0) -> dt.date:
    """Today, or ``offset`` days from it."""
    return timezone.localdate() + dt.timedelta(days=offset)


def shown(value: dt.date) -> str:
    """A date as the pages show it: 27 Nov 2026."""
    return date_format(value, "j M Y")


def plan(portal_users, **overrides) -> ManagementReview:
    fields = {
        "title": "Management review H2",
        "planned_on": day(-1),
        "chair": portal_users.top_management,
        "attendees": [portal_users.quality_manager, portal_users.process_owner],
        "by": portal_users.quality_manager,
    } | overrides
    return reviews.review_plan(**fields)


def held(portal_users, **overrides) -> ManagementReview:
    review = plan(portal_users, **overrides)
    return reviews.review_hold(review=review, held_on=review.planned_on, by=portal_users.quality_manager)


def note_all(review: ManagementReview, by, *, skip: tuple[str, ...] = ()) -> None:
    for row in review.inputs.exclude(code__in=skip):
        reviews.review_input_save(review_input=row, notes=f"Covered {row.code}.", by=by)


def closed(portal_users, **overrides) -> ManagementReview:
    review = held(portal_users, **overrides)
    note_all(review, portal_users.quality_manager)
    return reviews.review_close(review=review, by=portal_users.quality_manager)


def signed(portal_users) -> ManagementReview:
    review = closed(portal_users)
    return reviews.review_sign_minutes(
        review=review, password=PASSWORD, expected_sha256=content_sha256(review.signed_content()),
        by=portal_users.top_management,
    )


def url(name: str, review: ManagementReview, *args) -> str:
    return reverse(name, args=[review.pk, *args])


def fresh(review: ManagementReview) -> ManagementReview:
    return ManagementReview.objects.get(pk=review.pk)
