"""Actions: things someone must do by a date, started by a management review, a commitment or an objective."""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from qms_portal.audit import AuditedModel, AuditedQuerySet


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionSource(models.TextChoices):
    """Where an action came from; ``NONE`` for one raised on its own."""

    REVIEW = "review", "Management review"
    COMMITMENT = "commitment", "Commitment"
    OBJECTIVE = "objective", "Quality objective"
    NONE = "none", "None"


def overdue_q(today: dt.date) -> Q:
    """Actions still open or in progress whose due date is before ``today`` (due today is not yet overdue)."""
    return Q(status__in=ACTIVE_STATUSES, due_on__lt=today)


class ActionQuerySet(AuditedQuerySet):
    def active(self) -> ActionQuerySet:
        """Open or in progress."""
        return self.filter(status__in=ACTIVE_STATUSES)

    def overdue(self, today: dt.date) -> ActionQuerySet:
        return self.filter(overdue_q(today))

    def from_source(self, source: str) -> ActionQuerySet:
        """Actions started by one kind of source (an ``ActionSource`` value)."""
        lookups = {
            ActionSource.REVIEW: Q(source_review__isnull=False),
            ActionSource.COMMITMENT: Q(source_commitment__isnull=False),
            ActionSource.OBJECTIVE: Q(source_objective__isnull=False),
            ActionSource.NONE: Q(source_review=None, source_commitment=None, source_objective=None),
        }
        return self.filter(lookups[ActionSource(source)])


ActionManager = models.Manager.from_queryset(ActionQuerySet)


class Action(AuditedModel):
    """Something one person must do by a date, with its progress; at most one source (review, commitment or
    objective). Whether it is overdue is computed, never stored."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leadership_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    source_review = models.ForeignKey(
        "leadership.ManagementReview", null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    decision = models.ForeignKey(
        "leadership.ReviewOutput",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
        help_text="The review decision that started it, when there is one.",
    )
    source_commitment = models.ForeignKey(
        "leadership.Commitment", null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    source_objective = models.ForeignKey(
        "leadership.QualityObjective", null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ActionManager] = ActionManager()

    # Set by the pages and selectors for their templates, never stored: whether it is overdue today, the days
    # it is overdue (0 when not) and left, and the status buttons the person may press, as (status, label).
    overdue: bool
    days_overdue: int
    days_left: int
    moves: list[tuple[str, str]]

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["owner", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(source_review=None, source_commitment=None)
                    | Q(source_review=None, source_objective=None)
                    | Q(source_commitment=None, source_objective=None)
                ),
                name="action_at_most_one_source",
            ),
            models.CheckConstraint(
                condition=Q(decision=None) | Q(source_review__isnull=False), name="action_decision_has_review"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def overdue_on(self, today: dt.date) -> bool:
        """Still open or in progress, and due before ``today``."""
        return self.status in ACTIVE_STATUSES and self.due_on < today

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())

    @property
    def source(self) -> models.Model | None:
        """The review, commitment or objective that started it, or None."""
        return self.source_review or self.source_commitment or self.source_objective

    @property
    def source_kind(self) -> str:
        if self.source_review_id:
            return ActionSource.REVIEW
        if self.source_commitment_id:
            return ActionSource.COMMITMENT
        if self.source_objective_id:
            return ActionSource.OBJECTIVE
        return ActionSource.NONE


class ActionNote(AuditedModel):
    """A dated note on an action's progress, by its owner or a manager."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Note on {self.action} by {self.author}"
