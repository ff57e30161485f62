"""The filters of the org chart page: which org unit it shows and on which day; roles/orgchart/ draws it."""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from qms_portal.forms import date_input
from roles.orgchart import ChartUnit


class OrgChartFilterForm(forms.Form):
    """Which unit the chart shows (with its sub-units) and on which day; both optional."""

    unit = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Org unit")
    on = forms.DateField(required=False, label="Holders on (today if empty)", widget=date_input())

    def __init__(self, *args: Any, units: list[ChartUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The units are already loaded for the chart: the choices cost no query.
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", "All org units")] + [
            (unit.pk, "\u2003" * unit.depth + unit.name) for unit in units
        ]
        self.fields["unit"].error_messages["invalid_choice"] = "No such org unit any more: showing all units."
        self.fields["on"].error_messages["invalid"] = "Write a date as YYYY-MM-DD. Showing today."

    def chosen(self) -> tuple[dt.date, int | None]:
        """The day and the unit asked for; today and every unit for whatever could not be read."""
        data = self.cleaned_data if self.is_bound else {}
        return data.get("on") or timezone.localdate(), data.get("unit")
