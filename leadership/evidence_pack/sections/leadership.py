"""The evidence pack's section 5.1: Leadership and commitment.

Two parts, drawn by two workers: the commitments of top management (who top management is, each commitment with
its accountable top manager, its evidence entries dated in the period with their attachments' SHA-256, and its
status at the period's end), and the quality objectives (6.2) with every field, their measurements in the period,
their status at the period's end and the trend chart. Anything dated outside the period is left out; statuses are
judged on what was recorded by the period's end, as the portal would have shown them on that day.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from django.db import models
from django.db.models import Max, Q, QuerySet

from leadership.commitments import CommitmentStatus, status_from
from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import ManifestRecord, PackSection, PartContent, PartPlan, manifest_record
from leadership.models import Commitment, EvidenceAttachment, EvidenceEntry, Measurement, QualityObjective
from leadership.objectives import (
    ObjectiveStatus,
    latest_measurements,
    objective_chart_svg,
    objective_status,
    target_text,
)
from leadership.objectives import status_reason as objective_status_reason
from leadership.people import top_managers
from leadership.selectors import CLAUSES, clause_of, status_reason
from qms_portal.audit import AuditAction, AuditEntry, audit_values_at
from qms_portal.charts import format_number
from qms_portal.models import User

COMMITMENTS = "commitments"
OBJECTIVES = "objectives"
# A commitment's heading in the contents and bookmarks: its code and the start of its summary.
HEADING_CHARS = 60


# --- Records as they stood at the period's end ------------------------------------------------------
def _restore_to_end(records: list[Any], period: PackPeriod) -> dict[int, list[str]]:
    """Put back on ``records`` (of one model) the values their editable fields had at the period's end
    (``audit_values_at``). Returns, by record id, the labels of the fields changed since. One query, and one per
    kind of related record to name (people, policies)."""
    if not records:
        return {}
    model = type(records[0])
    editable = {f.name: f for f in model._meta.concrete_fields if f.editable and not f.primary_key}
    before = audit_values_at(model, [record.pk for record in records], period.end_at, fields=editable)
    related: dict[models.Field, set[Any]] = defaultdict(set)
    changed: dict[int, list[str]] = {}
    for record in records:
        for name, value in before.get(record.pk, {}).items():
            field = editable[name]
            setattr(record, field.attname, value)
            if field.is_relation:
                related[field].add(value)
        if record.pk in before:
            changed[record.pk] = [str(editable[name].verbose_name) for name in before[record.pk]]
    for field, ids in related.items():
        target = cast("type[models.Model]", field.related_model)  # a concrete link names its model
        found = target._default_manager.in_bulk([pk for pk in ids if pk is not None])
        for record in records:
            if field.name in before.get(record.pk, {}):
                setattr(record, field.name, found.get(getattr(record, field.attname)))
    return changed


# --- Commitments of top management ----------------------------------------------------------------
@dataclass
class CommitmentShown:
    """A commitment with its status at the period's end and its evidence entries dated in the period, oldest first."""

    commitment: Commitment
    status: CommitmentStatus
    reason: str
    entries: list[EvidenceEntry]
    changed_since: list[str]

    @property
    def heading(self) -> str:
        text = f"{self.commitment.code} {self.commitment.summary}"
        if len(text) <= HEADING_CHARS:
            return text
        return text[:HEADING_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


@dataclass
class LeaderShown:
    """A member of top management: the commitments they are accountable for and what they led in the period."""

    person: User
    accountable_for: list[str]
    entries: int
    latest_on: dt.date | None


def _entries_in(period: PackPeriod) -> QuerySet[EvidenceEntry]:
    return EvidenceEntry.objects.filter(occurred_on__gte=period.start, occurred_on__lte=period.end)


def _commitments_at_end(period: PackPeriod) -> list[tuple[Commitment, dt.date | None]]:
    """Every commitment that existed at the period's end with its owner, and the date of its newest evidence dated by
    then (None when none was). Two queries: a commitment keeps no creation time, so the trail's create entries
    name those added after the end (one seeded without an entry counts as always there)."""
    added_after = AuditEntry.objects.filter(
        record_type=Commitment._meta.label_lower, action=AuditAction.CREATE, created_at__gte=period.end_at
    ).values_list("object_id", flat=True)
    annotated = Commitment.objects.exclude(pk__in=[int(pk) for pk in added_after]).select_related("owner").annotate(
        latest_by_end=Max("evidence_entries__occurred_on", filter=Q(evidence_entries__occurred_on__lte=period.end))
    )
    # An annotation the model does not declare, so read from the instance's values.
    return [(commitment, commitment.__dict__["latest_by_end"]) for commitment in annotated.order_by("code")]


def _leaders(commitments: list[Commitment], entries: list[EvidenceEntry]) -> list[LeaderShown]:
    """Top management: the holders of the role, and anyone accountable for a commitment or leading evidence in the
    period (someone may have left the role since), by name."""
    people: dict[int, User] = {person.pk: person for person in top_managers()}
    accountable: dict[int, list[str]] = defaultdict(list)
    for commitment in commitments:
        if commitment.owner is not None:
            people.setdefault(commitment.owner.pk, commitment.owner)
            accountable[commitment.owner.pk].append(commitment.code)
    led: dict[int, list[dt.date]] = defaultdict(list)
    for entry in entries:
        people.setdefault(entry.leader.pk, entry.leader)
        led[entry.leader.pk].append(entry.occurred_on)
    shown = [
        LeaderShown(person, accountable[pk], len(led[pk]), max(led[pk], default=None)) for pk, person in people.items()
    ]
    return sorted(
        shown,
        key=lambda leader: (leader.person.full_name or leader.person.username).lower(),
    )


def _commitments_content(period: PackPeriod) -> PartContent:
    """Seven queries: the commitments added after the end, the others with their latest evidence by the end, their
    changes since (and one more for the people named when an owner changed), the entries in the period with their
    commitments and attachments, and top management."""
    latest_by_end = _commitments_at_end(period)
    commitments = [commitment for commitment, _ in latest_by_end]
    changed = _restore_to_end(commitments, period)
    entries = list(
        _entries_in(period).select_related("leader")
        .prefetch_related("commitments", "attachments")
        .order_by("occurred_on", "pk")
    )
    by_commitment: dict[int, list[EvidenceEntry]] = defaultdict(list)
    for entry in entries:
        for linked in entry.commitments.all():
            by_commitment[linked.pk].append(entry)
    shown = []
    for commitment, latest in latest_by_end:
        status = status_from(latest, commitment.evidence_every_days, today=period.end)
        shown.append(CommitmentShown(
            commitment, status, status_reason(status, today=period.end), by_commitment.get(commitment.pk, []),
            changed.get(commitment.pk, []),
        ))
    clauses = [
        (clause, CLAUSES.get(clause, ""), [item for item in shown if clause_of(item.commitment) == clause])
        for clause in dict.fromkeys(clause_of(commitment) for commitment in commitments)
    ]
    records = [manifest_record(commitment) for commitment in commitments]
    for entry in entries:
        records.append(manifest_record(entry))
        records.extend(_attachment_record(attachment) for attachment in entry.attachments.all())
    return PartContent(
        template="leadership/pack/leadership_commitments.html",
        context={
            "commitments": shown,
            "clauses": clauses,
            "leaders": _leaders(commitments, entries),
            "entry_count": len(entries),
            "without_evidence": sum(1 for item in shown if not item.entries),
        },
        records=records,
    )


def _attachment_record(attachment: EvidenceAttachment) -> ManifestRecord:
    """An attachment's manifest entry carries the SHA-256 of its file, checked when it was uploaded."""
    return ManifestRecord(
        type=attachment._meta.label_lower, id=str(attachment.pk), sha256=attachment.sha256,
        label=attachment.original_name,
    )


# --- Quality objectives (6.2) ----------------------------------------------------------------------
@dataclass
class ObjectiveShown:
    """An objective with its status at the period's end, its measurements in the period (oldest first, each with
    ``value_text`` and ``met`` set) and its trend chart over them."""

    objective: QualityObjective
    target_text: str
    status: ObjectiveStatus
    reason: str
    measurements: list[Measurement]
    chart: str
    changed_since: list[str]


def _objectives_in(period: PackPeriod) -> QuerySet[QualityObjective]:
    """The objectives set by the period's end that still had to be met in it, or that were measured in it."""
    measured = Measurement.objects.filter(measured_on__gte=period.start, measured_on__lte=period.end)
    return QualityObjective.objects.filter(created_at__lt=period.end_at).filter(
        Q(due_on__gte=period.start) | Q(pk__in=measured.values("objective_id"))
    )


def _objectives_content(period: PackPeriod) -> PartContent:
    """Four queries: the objectives with their policy, owner and unit; their changes since the end (and one per kind
    of record named when a link changed); the latest two measurements of each by the period's end (for the status);
    the measurements in the period."""
    objectives = list(_objectives_in(period).select_related("policy", "owner", "org_unit").order_by("due_on", "title"))
    changed = _restore_to_end(objectives, period)
    latest = latest_measurements(objectives, on=period.end)
    in_period: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in (
        Measurement.objects.filter(
            objective__in=[o.pk for o in objectives], measured_on__gte=period.start, measured_on__lte=period.end
        ).select_related("recorded_by").order_by("measured_on", "pk")
    ):
        in_period[measurement.objective_id].append(measurement)
    shown, records = [], []
    for objective in objectives:
        status = objective_status(objective, latest.get(objective.pk, []), today=period.end)
        measurements = in_period.get(objective.pk, [])
        for measurement in measurements:
            measurement.value_text = f"{format_number(measurement.value)} {objective.unit}".strip()
            measurement.met = objective.meets_target(measurement.value)
        shown.append(ObjectiveShown(
            objective, target_text(objective), status,
            objective_status_reason(objective, status, today=period.end), measurements,
            objective_chart_svg(objective, measurements, width=640, height=220), changed.get(objective.pk, []),
        ))
        records.append(manifest_record(objective))
        # Labelled here: a measurement's own name would read its objective again, one query per row.
        records.extend(
            manifest_record(measurement, f"{objective}: {measurement.value_text} on {measurement.measured_on:%Y-%m-%d}")
            for measurement in measurements
        )
    return PartContent(
        template="leadership/pack/leadership_objectives.html",
        context={"objectives": shown},
        records=records,
    )


# --- The section ----------------------------------------------------------------------------------
def _plan(period: PackPeriod) -> list[PartPlan]:
    """Commitments first (the section's heading is in that part), then objectives; weights are rough row counts."""
    entries = _entries_in(period).count()
    objectives = _objectives_in(period).count()
    measurements = Measurement.objects.filter(
        objective__in=_objectives_in(period), measured_on__gte=period.start, measured_on__lte=period.end
    ).count()
    return [
        PartPlan(label="Commitments of top management", args={"part": COMMITMENTS},
                 weight=Commitment.objects.count() * 4 + entries),
        # A trend chart takes the room of a dozen rows.
        PartPlan(label="Quality objectives", args={"part": OBJECTIVES}, weight=objectives * 12 + measurements),
    ]


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    if args.get("part") == OBJECTIVES:
        return _objectives_content(period)
    return _commitments_content(period)


SECTION = PackSection(
    key="5.1",
    title="Leadership and commitment",
    scopes=frozenset({"5", "5.1"}),
    content=_content,
    plan=_plan,
    record_types=(
        "leadership.commitment",
        "leadership.evidenceentry",
        "leadership.evidenceattachment",
        "leadership.qualityobjective",
        "leadership.measurement",
    ),
)
