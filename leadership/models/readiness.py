"""The thresholds the Clause 5 readiness rules use, and the readiness kept per day for trends."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from qms_portal.audit import AuditedModel


# Kept for migration 0009, which validated the review reminders' days here before they moved to the organisation's
# reminder schedule (``qms_portal.reminder_schedule``).
def days_list(text: str) -> list[int]:
    """"14, 7, 1" as [14, 7, 1]; ``ValidationError`` unless each is a whole number of days from 1 to 365."""
    try:
        days = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise ValidationError("Give whole numbers of days separated by commas, such as 14, 7, 1.") from None
    if not days or any(not 1 <= n <= 365 for n in days):
        raise ValidationError("Give one to several numbers of days, each from 1 to 365, such as 14, 7, 1.")
    return sorted(set(days), reverse=True)


def _check_days_list(text: str) -> None:
    days_list(text)


class ReadinessSettings(AuditedModel):
    """The organisation's readiness thresholds: one row, created with the defaults when first edited."""

    policy_ack_target_percent = models.PositiveSmallIntegerField(
        "policy acknowledgement target (%)", default=90, validators=[MaxValueValidator(100)],
        help_text="5.2.2.b is met when at least this share of staff acknowledged the quality policy in force.",
    )
    department_floor_percent = models.PositiveSmallIntegerField(
        "department floor (%)", default=75, validators=[MaxValueValidator(100)],
        help_text="Below this, overall or in any department, 5.2.2.b is at risk; overall below it, not met.",
    )
    role_ack_target_percent = models.PositiveSmallIntegerField(
        "role acknowledgement target (%)", default=90, validators=[MaxValueValidator(100)],
        help_text="5.3 is at risk when fewer role holders than this have acknowledged their role.",
    )
    review_interval_months = models.PositiveSmallIntegerField(
        "management review interval (months)", default=12, validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="9.3 is not met when the last management review was held longer ago than this.",
    )
    review_warning_days = models.PositiveSmallIntegerField(
        "review warning (days)", default=30, validators=[MaxValueValidator(365)],
        help_text="9.3 is at risk this many days before the interval runs out with no review planned in it.",
    )
    measurement_freshness_days = models.PositiveSmallIntegerField(
        "measurement freshness (days)", default=100, validators=[MinValueValidator(1)],
        help_text="6.2 is at risk when an objective has no measurement this recent.",
    )
    class Meta:
        verbose_name = "readiness settings"
        verbose_name_plural = "readiness settings"

    def __str__(self) -> str:
        return "Readiness thresholds"


class ReadinessSnapshot(models.Model):
    """Readiness as computed for one day: the counts and each requirement id's verdict, for cheap trends."""

    day = models.DateField(unique=True)
    met = models.PositiveSmallIntegerField()
    at_risk = models.PositiveSmallIntegerField()
    not_met = models.PositiveSmallIntegerField()
    verdicts = models.JSONField(help_text="Requirement id to verdict: met, at_risk or not_met.")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Readiness on {self.day}: {self.met} met, {self.at_risk} at risk, {self.not_met} not met"
