"""Periodic review of published policies: a version is due for review from ``REVIEW_DAYS_BEFORE`` (the
organisation's reminder schedule, which also times the reminder of it) before its ``next_review_on`` date, and overdue
after it. Each review is recorded with its outcome
(``PolicyReview``): "still suitable", signed by top management, moves the next review date; "a new version is
needed" leads to drafting."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from policy import workflow
from policy.access import PolicyCapability
from policy.models import PolicyReview, PolicyVersion, ReviewOutcome
from qms_portal.access import require_capability
from qms_portal.audit import audit_context
from qms_portal.models import Organisation, User
from qms_portal.refusals import StepRefused
from qms_portal.reminder_schedule import Days, schedule_value
from qms_portal.signatures import record_sign

# One number for both the pages' flag and the reminder (``policy.reminders``): a policy is flagged on its page from
# the day the quality managers and top management are told its review is coming.
REVIEW_DAYS_BEFORE = Days(
    "policy_review_days_before", "Periodic review coming (days before)", default=30,
    help="The quality managers and top management are told of a policy's periodic review this many days before it, "
         "and the policy pages flag it from then.",
)


@dataclass(frozen=True)
class ReviewFlag:
    """How soon a published version must be reviewed; ``days`` is negative once overdue."""

    due_on: dt.date
    days: int

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def label(self) -> str:
        if self.days < 0:
            late = -self.days
            return f"Review overdue by {late} day{'s' if late != 1 else ''}"
        if self.days == 0:
            return "Review due today"
        return f"Review due in {self.days} day{'s' if self.days != 1 else ''}"


def review_warning_days(organisation: Organisation | None = None) -> int:
    """How many days ahead a review is flagged: from ``organisation`` already read (a page's), else one query."""
    if organisation is None:
        return schedule_value(REVIEW_DAYS_BEFORE)
    return REVIEW_DAYS_BEFORE.read(organisation.reminder_schedule or {})


def review_flag(
    next_review_on: dt.date | None, today: dt.date | None = None, *, warning_days: int | None = None
) -> ReviewFlag | None:
    """The flag to show for a version reviewed next on ``next_review_on``; None while it is not yet near (more than
    ``warning_days``, by default the organisation's ``REVIEW_DAYS_BEFORE``, ahead)."""
    if next_review_on is None:
        return None
    days = (next_review_on - (today or timezone.localdate())).days
    if days > (review_warning_days() if warning_days is None else warning_days):
        return None
    return ReviewFlag(due_on=next_review_on, days=days)


# --- Recording a periodic review and its outcome ---------------------------------------------------------


def review_url(review: PolicyReview) -> str:
    """Where a periodic review is signed (or read, once signed)."""
    version = review.version
    return reverse("policy:review_sign", kwargs={
        "reference": version.document.reference, "number": version.number, "pk": review.pk,
    })


def _refusal(version: PolicyVersion, message: str) -> StepRefused:
    return workflow.VERSION_STEPS.refusal(version, message)


def pending_review(version: PolicyVersion) -> PolicyReview | None:
    """The review of ``version`` recorded as still suitable but not yet signed, if any."""
    return version.reviews.filter(outcome=ReviewOutcome.STILL_SUITABLE, signature__isnull=True).first()


@transaction.atomic
def review_record(
    *, version: PolicyVersion, outcome: str, next_review_on: dt.date | None, comment: str, by: User
) -> PolicyReview:
    """Record the outcome of the periodic review of the version in force.

    "Still suitable" needs the next review date and waits for top management's signature (``review_sign``);
    "a new version is needed" needs a comment saying what must change, and is complete as recorded.
    """
    require_capability(by, PolicyCapability.APPROVE, doing="review policies")
    version = PolicyVersion.objects.select_for_update().select_related("document").get(pk=version.pk)
    workflow.step_check(version, "reviewed")
    pending = pending_review(version)
    if pending is not None:
        raise StepRefused(
            f"A review of {version} found it still suitable and awaits signature: sign it first.",
            back_url=review_url(pending), back_label="Open the review to sign", record="the review",
        )
    comment = comment.strip()
    if outcome == ReviewOutcome.STILL_SUITABLE:
        if next_review_on is None or next_review_on <= timezone.localdate():
            raise ValidationError({"next_review_on": "Give the date of the next review, after today."})
    elif outcome == ReviewOutcome.NEW_VERSION_NEEDED:
        next_review_on = None
        if not comment:
            raise ValidationError({"comment": "Say what the new version must change."})
    else:
        raise ValidationError({"outcome": "Choose the outcome of the review."})
    with audit_context(actor=by, reason=comment):
        return PolicyReview.objects.create(
            version=version, outcome=outcome, next_review_on=next_review_on, comment=comment, recorded_by=by
        )


def review_sign(*, review: PolicyReview, password: str, expected_sha256: str, by: User) -> PolicyReview:
    """Sign a review that found the version in force still suitable; its next review date becomes the
    version's. A wrong password signs nothing and moves nothing, but is recorded (``record_sign``)."""
    require_capability(by, PolicyCapability.APPROVE, doing="sign policy reviews")

    def check(locked: PolicyReview) -> None:
        if locked.is_signed:
            raise _refusal(locked.version, f"{locked} is signed already.")
        if locked.outcome != ReviewOutcome.STILL_SUITABLE:
            raise _refusal(locked.version, f"{locked} found a new version is needed: it is not signed.")
        workflow.step_check(locked.version, "reviewed")

    def apply(locked: PolicyReview) -> None:
        version = PolicyVersion.objects.select_for_update().get(pk=locked.version_id)
        version.next_review_on = locked.next_review_on
        with audit_context(actor=by, reason="Periodic review: still suitable"):
            version.save()

    signed = record_sign(
        record=review,
        password=password,
        expected_sha256=expected_sha256,
        meaning=PolicyReview.signature_meaning,
        by=by,
        check=check,
        changed=lambda locked: _refusal(locked.version, f"{locked} changed after you opened it: read it again."),
        step="signed",
        reason=f"Signed by {by.get_full_name()}, meaning Reviewed, still suitable",
        apply=apply,
    )
    # Imported here: the reminders read the review dates through the selectors, which read this module.
    from policy.reminders import review_reminders_resolve

    review_reminders_resolve(signed.version)
    return signed
