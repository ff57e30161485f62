"""The audit trail: filtered list, CSV export and starting a verification of the chain."""
import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from qms_portal.access import Capability, requires
from qms_portal.audit import AuditEntry, audit_change_lines
from qms_portal.exports import csv_response
from qms_portal.forms import AuditFilterForm
from qms_portal.jobs import job_start
from qms_portal.models import Job
from qms_portal.pagination import paginate, querystring_without_page


def _filtered(form: AuditFilterForm) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.order_by("-id")
    if not form.is_valid():
        return entries.none()
    data = form.cleaned_data
    zone = timezone.get_current_timezone()
    if data["date_from"]:
        entries = entries.filter(created_at__gte=dt.datetime.combine(data["date_from"], dt.time.min, zone))
    if data["date_to"]:
        end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, zone)
        entries = entries.filter(created_at__lt=end)
    if data["actor"].strip():
        entries = entries.filter(actor_name__icontains=data["actor"].strip())
    if data["record_type"]:
        entries = entries.filter(record_type=data["record_type"])
    return entries


@requires(Capability.VIEW_AUDIT_TRAIL)
@require_safe
def audit_trail(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    if not request.GET:
        form = AuditFilterForm({})
    entries = _filtered(form)
    page = paginate(request, entries)
    audit_change_lines(page.object_list)
    last_check = Job.objects.filter(kind="verify_audit_trail").order_by("-created_at").first()
    return render(request, "qms_portal/audit_trail.html", {
        "form": form,
        "page": page,
        "querystring": querystring_without_page(request),
        "last_check": last_check,
    })


@requires(Capability.VIEW_AUDIT_TRAIL)
@require_safe
def audit_trail_csv(request: HttpRequest) -> StreamingHttpResponse:
    entries = _filtered(AuditFilterForm(request.GET or {}))
    zone = timezone.get_current_timezone()
    rows = (
        [
            entry.pk,
            entry.created_at.astimezone(dt.UTC).isoformat(),
            entry.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
            entry.actor_name,
            entry.get_action_display(),
            entry.step,
            entry.record_type,
            entry.object_id,
            entry.object_repr,
            "; ".join(f"{name}: {before!r} -> {after!r}" for name, (before, after) in entry.changes.items()),
            entry.reason,
            entry.hash,
        ]
        for entry in entries.iterator(chunk_size=2000)
    )
    header = ["id", "time (UTC)", "local time", "who", "action", "step", "record type", "record id", "record",
              "changes", "reason", "hash"]
    return csv_response(f"audit-trail-{timezone.localdate():%Y-%m-%d}.csv", header, rows)


@require_POST
@requires(Capability.VIEW_AUDIT_TRAIL)
def audit_trail_verify(request: HttpRequest) -> HttpResponse:
    job = job_start(kind="verify_audit_trail", by=request.user)
    return redirect("job_detail", pk=job.pk)
