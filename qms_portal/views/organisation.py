"""The organisation's settings and its tree of departments and sites."""
import mimetypes
from collections.abc import Sequence

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, ProtectedError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from qms_portal.access import Capability, public, requires
from qms_portal.audit import audit_context
from qms_portal.forms import OrganisationForm, OrgUnitForm, ReminderScheduleForm, posted
from qms_portal.http import PortalRequest, SignedInRequest
from qms_portal.models import OrgUnit
from qms_portal.notifications import schedule_by_group
from qms_portal.reminder_schedule import schedule_save


@requires(Capability.MANAGE_ORGANISATION)
def organisation(request: SignedInRequest) -> HttpResponse:
    instance = request.organisation
    old_logo = instance.logo.name
    second_factor_required = instance.second_factor_required  # as saved: a refused form changes the instance
    form = OrganisationForm(posted(request), request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with audit_context(reason=form.stated_reason):
            saved = form.save()
        if old_logo and old_logo != saved.logo.name:
            # A replaced or cleared logo's file would otherwise stay on disk for ever.
            transaction.on_commit(lambda: saved.logo.storage.delete(old_logo))
        messages.success(request, "The organisation's settings are saved.")
        return redirect("organisation")
    return render(request, "qms_portal/organisation.html", {
        "form": form, "second_factor_required": second_factor_required,
    })


@requires(Capability.MANAGE_ORGANISATION)
def reminder_schedule(request: SignedInRequest) -> HttpResponse:
    """The days every kind of reminder counts, grouped as the kinds are, each with its default."""
    form = ReminderScheduleForm(
        posted(request), groups=schedule_by_group(), stored=request.organisation.reminder_schedule or {}
    )
    if request.method == "POST" and form.is_valid():
        schedule_save(settings=form.settings, values=form.values, by=request.user, reason=form.stated_reason)
        messages.success(request, "The reminder schedule is saved.")
        return redirect("reminder_schedule")
    return render(request, "qms_portal/reminder_schedule.html", {"form": form})


@public
@require_safe
def organisation_logo(request: PortalRequest) -> FileResponse:
    """The logo is public: it is shown on the sign-in page."""
    logo = request.organisation.logo
    if not logo:
        raise Http404("No logo has been uploaded.")
    response = FileResponse(logo.open("rb"), content_type=mimetypes.guess_type(logo.name or "")[0] or "image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300"
    return response


def _tree_rows(units: Sequence[OrgUnit]) -> list[tuple[OrgUnit, int]]:
    """Units in tree order with their depth, for an indented list."""
    by_parent: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    rows: list[tuple[OrgUnit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in by_parent.get(parent_id, []):
            rows.append((unit, depth))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return rows


@requires(Capability.VIEW_PEOPLE)
@require_safe
def org_units(request: SignedInRequest) -> HttpResponse:
    units = list(OrgUnit.objects.annotate(member_count=Count("members")).order_by("name"))
    return render(request, "qms_portal/org_units.html", {"rows": _tree_rows(units)})


@requires(Capability.MANAGE_ORGANISATION)
def org_unit_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    unit = get_object_or_404(OrgUnit, pk=pk) if pk else None
    form = OrgUnitForm(posted(request), instance=unit)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"“{saved}” is saved.")
        return redirect("org_units")
    return render(request, "qms_portal/org_unit_form.html", {"form": form, "unit": unit})


@require_POST
@requires(Capability.MANAGE_ORGANISATION)
def org_unit_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(OrgUnit, pk=pk)
    try:
        unit.delete()
    except ProtectedError:
        messages.error(request, f"“{unit}” still has sub-units or people in it: move them first, then delete it.")
    else:
        messages.success(request, f"“{unit}” is deleted.")
    return redirect("org_units")
