"""The evidence pack's last section: the audit trail's entries of the period about the records the pack shows
(7.5.3: who changed what, when and why), and the verification of the whole chain at the time the pack was made.

The extract splits into parts of ``ENTRIES_PER_PART`` entries, so a long trail is drawn by several workers; the
first part holds the verification and attaches the extract as a CSV file.
"""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import ManifestRecord, PackSection, PartContent, PartPlan
from qms_portal.audit import (
    AUDIT_CSV_HEADER,
    AuditAnchor,
    AuditEntry,
    audit_change_lines,
    audit_csv_rows,
    audit_verify,
)
from qms_portal.exports import csv_text

ENTRIES_PER_PART = 150
ANCHORS_SHOWN = 10


def _record_types(scope: str) -> list[str]:
    from leadership.evidence_pack.sections import sections_for  # the list of sections names this module

    return sorted({record_type for section in sections_for(scope) for record_type in section.record_types})


def _entries(period: PackPeriod, scope: str) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        created_at__gte=period.start_at, created_at__lt=period.end_at, record_type__in=_record_types(scope)
    ).order_by("id")


def _plan(period: PackPeriod, scope: str) -> list[PartPlan]:
    """The verification part, then one part per ``ENTRIES_PER_PART`` entries (their first and last ids)."""
    ids = list(_entries(period, scope).values_list("id", flat=True))
    plans = [PartPlan(label="verification", args={"scope": scope, "first": True}, weight=len(ids) // 20 + 1)]
    for start in range(0, len(ids), ENTRIES_PER_PART):
        chunk = ids[start:start + ENTRIES_PER_PART]
        plans.append(PartPlan(
            label=f"entries {start + 1:,}-{start + len(chunk):,} of {len(ids):,}",
            args={"scope": scope, "from_id": chunk[0], "to_id": chunk[-1], "offset": start, "total": len(ids)},
            weight=len(chunk),
        ))
    return plans


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    scope = args["scope"]
    if args.get("first"):
        return _verification(period, scope)
    entries = list(_entries(period, scope).filter(id__gte=args["from_id"], id__lte=args["to_id"]))
    audit_change_lines(entries, show_emails=False)
    return PartContent(
        template="leadership/pack/integrity_entries.html",
        context={"entries": entries, "first": args["offset"] + 1, "last": args["offset"] + len(entries),
                 "total": args["total"]},
    )


def _verification(period: PackPeriod, scope: str) -> PartContent:
    result = audit_verify()
    entries = _entries(period, scope)
    count = entries.count()
    anchors = list(AuditAnchor.objects.order_by("-id")[:ANCHORS_SHOWN])
    extract = csv_text(AUDIT_CSV_HEADER, audit_csv_rows(entries, show_emails=False))
    verification = ManifestRecord(
        type="qms_portal.auditentry", id=str(result.head.entry_id) if result.head else "0",
        sha256=result.head.hash if result.head else "", label="Head of the audit chain when the pack was made",
    )
    return PartContent(
        template="leadership/pack/integrity_verification.html",
        context={"result": result, "count": count, "anchors": anchors, "record_types": _record_types(scope),
                 "per_part": ENTRIES_PER_PART},
        records=[verification],
        attachments={"audit-extract.csv": extract},
    )


SECTION = PackSection(
    key="7.5",
    title="The record of changes and its verification",
    scopes=frozenset({"5", "5.1", "5.2", "5.3", "9.3"}),
    content=_content,
    plan_for_scope=_plan,
)
