"""Forms of the quality objective pages: an objective's 6.2 fields and a measurement.

They parse input only; who may save or record, and what a measurement may be, stay in
``leadership.objectives`` and come back to the form as errors.
"""
from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from leadership.forms.common import PersonChoiceField
from leadership.models import Measurement, QualityObjective
from leadership.objectives import OBJECTIVE_FIELDS
from policy.selectors import policy_documents
from qms_portal.charts import format_number
from qms_portal.forms import date_input
from qms_portal.models import OrgUnit


class ObjectiveForm(forms.ModelForm):
    """What an objective measures and aims for, who owns it, by when, and the 6.2.2 plan around it."""

    owner = PersonChoiceField(
        empty_label="(choose a person)",
        help_text="Who answers for it. A process owner records the measurements of the objectives they own.",
    )

    class Meta:
        model = QualityObjective
        fields = list(OBJECTIVE_FIELDS)
        labels = {
            "policy": "Framed by the policy",
            "org_unit": "Org unit",
            "due_on": "To be met by",
            "plan": "What will be done",
            "planned_resources": "Resources",
            "evaluation_method": "How results are evaluated",
        }
        help_texts = {
            "title": "The objective in a few words, such as “On-time delivery”.",
            "target": "The value to reach.",
            "direction": "Which side of the target is good: at least (higher is better) or at most (lower is better).",
            "plan": "The actions planned to meet it (6.2.2 a).",
            "planned_resources": "People, budget, tools (6.2.2 b).",
            "evaluation_method": "How often it is measured, from which data, and who looks at the results (6.2.2 e).",
        }
        widgets = {
            "due_on": date_input(),
            "plan": forms.Textarea(attrs={"rows": 3}),
            "planned_resources": forms.Textarea(attrs={"rows": 2}),
            "evaluation_method": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policy = cast(forms.ModelChoiceField, self.fields["policy"])
        policy.queryset = policy_documents()
        policy.empty_label = "(choose a policy)"
        org_unit = cast(forms.ModelChoiceField, self.fields["org_unit"])
        org_unit.queryset = OrgUnit.objects.order_by("name")
        org_unit.empty_label = "(the whole organisation)"
        if not self.is_bound and not self.instance.pk:
            first = policy.queryset.first()
            if first is not None:
                self.initial.setdefault("policy", first.pk)
        if self.instance.pk:
            # Show 95, not 95.0000.
            self.initial["target"] = format_number(self.instance.target)

    def fields_to_save(self) -> dict[str, Any]:
        """The cleaned values, named as ``objective_save`` takes them."""
        return {name: self.cleaned_data[name] for name in OBJECTIVE_FIELDS}


class MeasurementForm(forms.Form):
    """A value measured on a date; a second value for a date already measured needs ``replace`` ticked."""

    measured_on = forms.DateField(label="Measured on", widget=date_input())
    value = forms.DecimalField(max_digits=14, decimal_places=4)
    note = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: where the figure comes from, or what explains it.",
    )
    replace = forms.BooleanField(
        label="Replace the value already recorded for that date",
        required=False,
        help_text="Only to correct a mistake; the earlier value stays in the audit trail.",
    )

    def __init__(self, *args: Any, objective: QualityObjective, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.objective = objective
        if not self.is_bound:
            self.initial.setdefault("measured_on", timezone.localdate())
        if objective.unit:
            self.fields["value"].label = f"Value ({objective.unit})"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        day = cleaned.get("measured_on")
        if day and not cleaned.get("replace"):
            earlier = Measurement.objects.filter(objective=self.objective, measured_on=day).first()
            if earlier is not None:
                self.add_error("measured_on", (
                    f"{date_format(day, 'j M Y')} already has a value: "
                    f"{format_number(earlier.value)} {self.objective.unit}".rstrip()
                    + ". Choose another date, or tick “Replace” below to correct that value."
                ))
        return cleaned
