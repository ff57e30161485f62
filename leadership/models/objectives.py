"""Quality objectives (6.2), framed by a policy, and their measurements over time."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from qms_portal.audit import AuditedModel


class Direction(models.TextChoices):
    AT_LEAST = "at_least", "At least"
    AT_MOST = "at_most", "At most"


class QualityObjective(AuditedModel):
    """A measurable quality objective: what is measured, the target and which side of it is good, who owns it,
    by when, with what resources and how its results are evaluated (6.2.2)."""

    title = models.CharField(max_length=200)
    policy = models.ForeignKey(
        "policy.PolicyDocument",
        on_delete=models.PROTECT,
        related_name="objectives",
        help_text="The policy that frames this objective (5.2.1.b).",
    )
    measure = models.CharField(max_length=200, help_text="What is measured, such as on-time delivery.")
    unit = models.CharField(max_length=30, blank=True, help_text="Such as %, days or complaints.")
    target = models.DecimalField(max_digits=14, decimal_places=4)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.AT_LEAST)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quality_objectives")
    org_unit = models.ForeignKey(
        "qms_portal.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quality_objectives",
        help_text="Leave empty for an objective of the whole organisation.",
    )
    due_on = models.DateField("to be met by")
    plan = models.TextField("what will be done", blank=True)
    planned_resources = models.TextField(blank=True)
    evaluation_method = models.TextField("how results are evaluated", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "title"]
        verbose_name = "quality objective"

    def __str__(self) -> str:
        return self.title

    def meets_target(self, value: Decimal) -> bool:
        """Whether ``value`` is on the good side of the target (the target itself counts as met)."""
        return value >= self.target if self.direction == Direction.AT_LEAST else value <= self.target


class Measurement(AuditedModel):
    """One measured value of an objective on a date; one per objective and date."""

    objective = models.ForeignKey(QualityObjective, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Set by the objective pages for their templates, never stored: the value with its unit, and whether it
    # met the target.
    value_text: str
    met: bool

    class Meta:
        ordering = ["objective", "measured_on"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "measured_on"], name="measurement_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.objective}: {self.value} on {self.measured_on:%Y-%m-%d}"
