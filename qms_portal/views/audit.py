"""The audit trail: filtered list, CSV export, starting a verification of the chain, and the anchors' export."""
import datetime as dt
import json
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from qms_portal.access import Capability, requires, user_can
from qms_portal.audit import (
    AuditAnchor,
    AuditEntry,
    ChangeLine,
    audit_anchors_export,
    audit_change_lines,
    audit_stored_changes,
)
from qms_portal.exports import csv_response
from qms_portal.forms import AuditFilterForm
from qms_portal.http import PortalRequest
from qms_portal.jobs import job_start
from qms_portal.models import Job
from qms_portal.pagination import paginate, querystring_without_page

_CSV_CHUNK = 500  # entries whose change lines are made together: one lookup per related model per chunk


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
        entries = entries.filter(
            Q(actor_name__icontains=who)
            | Q(actor_username__iexact=who)
            | Q(actor_username="", actor__username__iexact=who)  # entries from before user names were kept
        )
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
    audit_change_lines(page.object_list, show_emails=user_can(request.user, Capability.MANAGE_PEOPLE))
    last_check = Job.objects.filter(kind="verify_audit_trail").order_by("-created_at").first()
    return render(request, "qms_portal/audit_trail.html", {
        "form": form,
        "page": page,
        "querystring": querystring_without_page(request),
        "last_check": last_check,
        "last_anchor": AuditAnchor.objects.order_by("-id").first(),
    })


def _csv_rows(entries: QuerySet[AuditEntry], *, show_emails: bool) -> Iterator[list[Any]]:
    """One row per entry: the changes as the page shows them, then the stored values as JSON for machines;
    e-mail addresses in both only when ``show_emails``.

    Entries are read in chunks and their change lines made a chunk at a time, so related records are looked up
    once per chunk, not once per line.
    """
    zone = timezone.get_current_timezone()
    stream = entries.iterator(chunk_size=_CSV_CHUNK)
    while chunk := list(islice(stream, _CSV_CHUNK)):
        audit_change_lines(chunk, show_emails=show_emails)
        for entry in chunk:
            yield [
                entry.pk,
                entry.created_at.astimezone(dt.UTC).isoformat(),
                entry.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
                entry.actor_name,
                entry.account_username,
                entry.get_action_display(),
                entry.step,
                entry.record_type,
                entry.object_id,
                entry.object_repr,
                "; ".join(_csv_line(line) for line in entry.change_lines),
                entry.reason,
                json.dumps(audit_stored_changes(entry, show_emails=show_emails), ensure_ascii=False, sort_keys=True),
                entry.hash,
            ]


def _csv_line(line: ChangeLine) -> str:
    after = "—" if line.after is None else line.after
    return f"{line.field}: {after}" if line.before is None else f"{line.field}: {line.before} → {after}"


@requires(Capability.VIEW_AUDIT_TRAIL)
@require_safe
def audit_trail_csv(request: HttpRequest) -> StreamingHttpResponse:
    entries = _filtered(AuditFilterForm(request.GET or {}))
    header = ["id", "time (UTC)", "local time", "who", "user name", "action", "step", "record type", "record id",
              "record", "changes", "reason", "changes (stored values, JSON)", "hash"]
    return csv_response(f"audit-trail-{timezone.localdate():%Y-%m-%d}.csv", header, _csv_rows(
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
