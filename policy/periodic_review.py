"""Periodic review of published policies: a version is due for review from ``POLICY_REVIEW_WARNING_DAYS``
before its ``next_review_on`` date, and overdue after it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone


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


def review_flag(next_review_on: dt.date | None, today: dt.date | None = None) -> ReviewFlag | None:
    """The flag to show for a version reviewed next on ``next_review_on``; None while it is not yet near."""
    if next_review_on is None:
        return None
    days = (next_review_on - (today or timezone.localdate())).days
    if days > settings.POLICY_REVIEW_WARNING_DAYS:
        return None
    return ReviewFlag(due_on=next_review_on, days=days)
