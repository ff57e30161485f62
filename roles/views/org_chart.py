"""The org chart page (5.3): the reporting lines of roles with their holders, for a unit and a day."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from qms_portal.access import requires
from qms_portal.http import SignedInRequest
from roles.access import RolesCapability
from roles.forms.org_chart import OrgChartFilterForm
from roles.orgchart import orgchart_load, orgchart_svg, orgchart_swatch, orgchart_units, unit_dot


@requires(RolesCapability.VIEW)
@require_safe
def org_chart(request: SignedInRequest) -> HttpResponse:
    units = orgchart_units()
    form = OrgChartFilterForm(request.GET or None, units=units)
    if form.is_bound:
        form.is_valid()  # errors are shown next to their field; the chart falls back to what could be read
    on, unit_id = form.chosen()
    chart = orgchart_load(on=on, units=units, unit_id=unit_id, viewer_id=request.user.pk)
    mine = [role for role in chart.roles() if role.yours]
    return render(request, "roles/org_chart.html", {
        "form": form,
        "chart": chart,
        "svg": orgchart_svg(chart),
        "mine": mine,
        "past": on != timezone.localdate(),
        "summaries": [(summary, unit_dot(summary.unit.colour)) for summary in chart.summaries],
        "swatches": {kind: orgchart_swatch(kind) for kind in ("held", "vacant", "deputy", "context", "yours")},
    })
