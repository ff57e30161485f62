"""The org chart page (5.3): the reporting lines of roles with their holders, for a unit and a day."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from qms_portal.access import requires
from qms_portal.forms import date_input
from roles.orgchart import ChartUnit, orgchart_load, orgchart_svg, orgchart_swatch, orgchart_units, unit_dot

VIEW = "roles.view_roles"


class OrgChartFilterForm(forms.Form):
    """Which unit the chart shows (with its sub-units) and on which day; both optional."""

    unit = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Org unit")
    on = forms.DateField(required=False, label="Holders on (today if empty)", widget=date_input())

    def __init__(self, *args: Any, units: list[ChartUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The units are already loaded for the chart: the choices cost no query.
        self.fields["unit"].choices = [("", "All org units")] + [
            (unit.pk, "\u2003" * unit.depth + unit.name) for unit in units
        ]
        self.fields["unit"].error_messages["invalid_choice"] = "No such org unit any more: showing all units."
        self.fields["on"].error_messages["invalid"] = "Write a date as YYYY-MM-DD. Showing today."

    def chosen(self) -> tuple[dt.date, int | None]:
        """The day and the unit asked for; today and every unit for whatever could not be read."""
        data = self.cleaned_data if self.is_bound else {}
        return data.get("on") or timezone.localdate(), data.get("unit")


@requires(VIEW)
@require_safe
def org_chart(request: HttpRequest) -> HttpResponse:
    units = orgchart_units()
    form = OrgChartFilterForm(request.GET or None, units=units)
    if form.is_bound:
        form.is_valid()  # errors are shown next to their field; the chart falls back to what could be read
    on, unit_id = form.chosen()
    chart = orgchart_load(on=on, units=units, unit_id=unit_id)
    mine = [role for role in chart.roles() if any(h.person_id == request.user.pk for h in role.holders)]
    return render(request, "roles/org_chart.html", {
        "form": form,
        "chart": chart,
        "svg": orgchart_svg(chart, viewer_id=request.user.pk),
        "mine": mine,
        "past": on != timezone.localdate(),
        "summaries": [(summary, unit_dot(summary.unit.colour)) for summary in chart.summaries],
        "swatches": {kind: orgchart_swatch(kind) for kind in ("held", "vacant", "deputy", "context", "yours")},
    })
