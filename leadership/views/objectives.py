"""Quality objective pages (6.2): the list with each objective's status, an objective's page with its trend
chart, measurements and actions, saving objectives and recording measurements. Writes go through
``leadership.objectives``; refusals come back as 403 (who) or the form again with its errors."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_safe

from leadership.access import LeadershipCapability
from leadership.forms.objectives import MeasurementForm, ObjectiveForm
from leadership.models import QualityObjective
from leadership.objectives import (
    amount_text,
    latest_measurements,
    may_record_measurements,
    measurement_record,
    objective_chart_svg,
    objective_save,
    objective_status,
    status_reason,
    target_text,
)
from qms_portal.access import requires
from qms_portal.charts import sparkline_svg
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest
from qms_portal.pagination import paginate

VIEW = LeadershipCapability.VIEW
MANAGE = LeadershipCapability.MANAGE_OBJECTIVES
SPARKLINE_POINTS = 12


# --- The list ------------------------------------------------------------------------------------
@requires(VIEW)
@require_safe
def objective_list(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    objectives = QualityObjective.objects.select_related("policy", "owner", "org_unit").order_by("due_on", "title")
    page = paginate(request, objectives)
    # One query for every objective on the page: enough points for the sparkline, the latest two for the status.
    recent = latest_measurements(page.object_list, per_objective=SPARKLINE_POINTS)
    for objective in page.object_list:
        measurements = recent.get(objective.pk, [])
        objective.status = objective_status(objective, measurements, today=today)
        objective.target_text = target_text(objective)
        latest = objective.status.latest
        objective.latest_text = amount_text(latest.value, objective) if latest else ""
        objective.sparkline = sparkline_svg(
            [(m.measured_on, m.value) for m in measurements],
            target=objective.target, direction=objective.direction, unit=objective.unit,
        )
    return render(request, "leadership/objective_list.html", {"page": page, "today": today})


# --- An objective's page -------------------------------------------------------------------------
@requires(VIEW)
@require_safe
def objective_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    objective = get_object_or_404(QualityObjective.objects.select_related("policy", "owner", "org_unit"), pk=pk)
    measurements = list(objective.measurements.select_related("recorded_by").order_by("measured_on"))
    status = objective_status(objective, measurements, today=today)
    for measurement in measurements:
        measurement.value_text = amount_text(measurement.value, objective)
        measurement.met = objective.meets_target(measurement.value)
    return render(request, "leadership/objective_detail.html", {
        "objective": objective,
        "target_text": target_text(objective),
        "status": status,
        "reason": status_reason(objective, status, today=today),
        "chart": objective_chart_svg(objective, measurements),
        "measurements": list(reversed(measurements)),
        "actions": list(objective.actions.select_related("owner").order_by("due_on", "pk")),
        "may_record": may_record_measurements(objective, request.user),
        "today": today,
    })


# --- Saving objectives ---------------------------------------------------------------------------
def _save(request: SignedInRequest, form: ObjectiveForm, objective: QualityObjective | None) -> QualityObjective | None:
    try:
        return objective_save(fields=form.fields_to_save(), objective=objective, by=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return None


@requires(MANAGE)
def objective_create(request: SignedInRequest) -> HttpResponse:
    form = ObjectiveForm(posted(request))
    if request.method == "POST" and form.is_valid():
        objective = _save(request, form, None)
        if objective is not None:
            messages.success(request, f"The objective “{objective}” is created. {objective.owner} records its "
                             "measurements.")
            return redirect("leadership:objective_detail", pk=objective.pk)
    return render(request, "leadership/objective_form.html", {"form": form, "objective": None})


@requires(MANAGE)
def objective_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    objective = get_object_or_404(QualityObjective, pk=pk)
    form = ObjectiveForm(posted(request), instance=objective)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, objective)
        if saved is not None:
            messages.success(request, f"“{saved}” is saved.")
            return redirect("leadership:objective_detail", pk=saved.pk)
    if request.method == "POST":
        objective.refresh_from_db()  # the form's cleaning wrote its values onto the instance; show the stored ones
    return render(request, "leadership/objective_form.html", {"form": form, "objective": objective})


# --- Recording measurements ----------------------------------------------------------------------
@requires(VIEW)
def measurement_create(request: SignedInRequest, pk: int) -> HttpResponse:
    objective = get_object_or_404(QualityObjective.objects.select_related("owner"), pk=pk)
    if not may_record_measurements(objective, request.user):
        raise PermissionDenied("Only the objective's owner or the quality manager may record its measurements.")
    form = MeasurementForm(posted(request), objective=objective)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            measurement = measurement_record(
                objective=objective, measured_on=data["measured_on"], value=data["value"], note=data["note"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{amount_text(measurement.value, objective)} on {date_format(measurement.measured_on, 'j M Y')} "
                "is recorded.",
            )
            return redirect("leadership:objective_detail", pk=objective.pk)
    recent = list(objective.measurements.order_by("-measured_on")[:5])
    for measurement in recent:
        measurement.value_text = amount_text(measurement.value, objective)
    return render(request, "leadership/measurement_form.html", {
        "objective": objective, "form": form, "recent": recent, "target_text": target_text(objective),
    })
