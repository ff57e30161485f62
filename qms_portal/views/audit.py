"""The audit trail: filtered list, CSV export, starting a verification of the chain, and the anchors' export."""
import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from qms_portal.access import Capability, requires, user_can
from qms_portal.audit import (
    AUDIT_CSV_HEADER,
    AuditAnchor,
    AuditEntry,
    audit_anchors_export,
    audit_change_lines,
    audit_csv_rows,
    audit_entries_by,
)
from qms_portal.exports import csv_response
from qms_portal.forms import AuditFilterForm
from qms_portal.http import PortalRequest
from qms_portal.jobs import job_start
from qms_portal.models import Job
from qms_portal.pagination import keyset_page, querystring_without_cursor


def _filtered(form: AuditFilterForm) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.select_related("actor").order_by("-id")
    if not form.is_valid():
        return entries.none()
    data = form.cleaned_data
    zone = timezone.get_current_timezone()
    if data["date_from"]:
        entries = entries.filter(created_at__gte=dt.datetime.combine(data["date_from"], dt.time.min, zone))
    if data["date_to"]:
        end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, zone)
        entries = entries.filter(created_at__lt=end)
    who = data["actor"].strip()
    if who:
        entries = entries.filter(audit_entries_by(who))
    if data["record_type"]:
        entries = entries.filter(record_type=data["record_type"])
    return entries


@requires(Capability.VIEW_AUDIT_TRAIL)
@require_safe
def audit_trail(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    if not request.GET:
        form = AuditFilterForm({})
    # Keyset pages (?before=/?after= an entry's id), never counted: a page reads its rows along an index whatever
    # the trail's length, and page links and the export keep the filters.
    # A closed date range (an end date) is read through its own index, (created_at, id): walking the ids down from
    # the newest would cross every entry written since. An open one reaches the newest entries: the walk is short.
    closed_range = form.is_valid() and form.cleaned_data["date_to"] is not None and not form.cleaned_data["actor"]
    page = keyset_page(request, _filtered(form), by_range=closed_range)
    audit_change_lines(page.object_list, show_emails=user_can(request.user, Capability.MANAGE_PEOPLE))
    last_check = Job.objects.filter(kind="verify_audit_trail").order_by("-created_at").first()
    return render(request, "qms_portal/audit_trail.html", {
        "form": form,
        "page": page,
        "querystring": querystring_without_cursor(request),
        "last_check": last_check,
        "last_anchor": AuditAnchor.objects.order_by("-id").first(),
    })


@requires(Capability.VIEW_AUDIT_TRAIL)
@require_safe
def audit_trail_csv(request: HttpRequest) -> StreamingHttpResponse:
    entries = _filtered(AuditFilterForm(request.GET or {}))
    return csv_response(f"audit-trail-{timezone.localdate():%Y-%m-%d}.csv", AUDIT_CSV_HEADER, audit_csv_rows(
        entries, show_emails=user_can(request.user, Capability.MANAGE_PEOPLE)
    ))


@require_POST
@requires(Capability.VIEW_AUDIT_TRAIL)
def audit_trail_verify(request: HttpRequest) -> HttpResponse:
    job = job_start(kind="verify_audit_trail", by=request.user)
    return redirect("job_detail", pk=job.pk)


@requires(Capability.VIEW_AUDIT_TRAIL)
@require_safe
def audit_trail_anchors(request: PortalRequest) -> JsonResponse:
    """Every head the verifications anchored, sealed, as a file to keep away from the portal's database."""
    export = audit_anchors_export(organisation=str(request.organisation))
    response = JsonResponse(export, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="audit-anchors-{timezone.localdate():%Y-%m-%d}.json"'
    return response
