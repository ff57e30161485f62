"""The organisation's readiness thresholds, with the reason the change is kept under."""
from __future__ import annotations

from django import forms

from leadership.models import ReadinessSettings
from qms_portal.forms import ReasonForm


class ReadinessSettingsForm(ReasonForm, forms.ModelForm):
    class Meta:
        model = ReadinessSettings
        fields = [
            "policy_ack_target_percent", "department_floor_percent", "role_ack_target_percent",
            "review_interval_months", "review_warning_days", "measurement_freshness_days",
        ]
