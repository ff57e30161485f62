"""Commitments and their evidence: how current each commitment is, and recording what a leader did.

A commitment's status comes from the date of its newest evidence entry (``latest``) and how often it
must be evidenced (``every`` = ``evidence_every_days``). New evidence is due on ``latest + every``:

- never evidenced: no evidence entry links to it;
- current: today is on or before ``due_on - window`` (``window`` is ``DUE_SOON_DAYS``, or half the interval
  when that is shorter, so that fresh evidence is never due soon at once);
- due soon: the last ``window`` days up to and including the due date itself, the last day to act;
- stale: from the day after the due date.

With the default 90 days and evidence dated D: current up to D+76, due soon D+77 to D+90, stale from D+91.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from leadership.access import LeadershipCapability
from leadership.models import Commitment, EvidenceEntry, EvidenceKind
from leadership.people import check_top_manager
from leadership.uploads import CheckedUpload, attachment_store, upload_check
from qms_portal.access import require_capability
from qms_portal.audit import audit_context, audited_bulk_create, audited_bulk_m2m_add

if TYPE_CHECKING:
    from django.core.files import File
    from django.db.models.fields.files import FieldFile

    from qms_portal.models import User

DUE_SOON_DAYS = 14
_UNKNOWN = object()


class CommitmentState(models.TextChoices):
    NEVER_EVIDENCED = "never", "Never evidenced"
    CURRENT = "current", "Current"
    DUE_SOON = "due_soon", "Due soon"
    STALE = "stale", "Stale"


@dataclass(frozen=True)
class CommitmentStatus:
    """A commitment's state on a day, with the evidence date it was computed from and when evidence is due."""

    state: CommitmentState
    latest_evidence_on: dt.date | None
    due_on: dt.date | None

    @property
    def label(self) -> str:
        return self.state.label


def due_soon_window(every_days: int) -> int:
    """How many days before the due date (the due date included) a commitment counts as due soon."""
    return min(DUE_SOON_DAYS, every_days // 2)


def status_from(latest_evidence_on: dt.date | None, every_days: int, *, today: dt.date) -> CommitmentStatus:
    """The status of a commitment evidenced last on ``latest_evidence_on`` and needing evidence every ``every_days``."""
    if latest_evidence_on is None:
        return CommitmentStatus(CommitmentState.NEVER_EVIDENCED, None, None)
    due_on = latest_evidence_on + dt.timedelta(days=every_days)
    if today > due_on:
        state = CommitmentState.STALE
    elif today > due_on - dt.timedelta(days=due_soon_window(every_days)):
        state = CommitmentState.DUE_SOON
    else:
        state = CommitmentState.CURRENT
    return CommitmentStatus(state, latest_evidence_on, due_on)


def commitment_status(commitment: Commitment, *, today: dt.date) -> CommitmentStatus:
    """The status of one commitment on ``today``; uses ``latest_evidence_on`` when the queryset annotated it."""
    latest = getattr(commitment, "latest_evidence_on", _UNKNOWN)
    if latest is _UNKNOWN:
        latest = commitment.evidence_entries.aggregate(latest=models.Max("occurred_on"))["latest"]
    # The annotation or the aggregate: the newest evidence date, or None without evidence.
    return status_from(cast("dt.date | None", latest), commitment.evidence_every_days, today=today)


def commitment_statuses(commitments: Iterable[Commitment], *, today: dt.date) -> dict[int, CommitmentStatus]:
    """The status of each commitment by id, reading every latest evidence date in one query."""
    commitments = list(commitments)
    latest = dict(
        Commitment.objects.filter(pk__in=[c.pk for c in commitments])
        .with_latest_evidence()
        .values_list("pk", "latest_evidence_on")
    )
    return {c.pk: status_from(latest.get(c.pk), c.evidence_every_days, today=today) for c in commitments}


@transaction.atomic
def commitment_update(
    *, commitment: Commitment, owner: User | None, evidence_every_days: int, by: User
) -> Commitment:
    """Name the top manager accountable for a commitment and how often it must be evidenced."""
    require_capability(by, LeadershipCapability.MANAGE_COMMITMENTS, doing="change commitments")
    if owner is not None:
        check_top_manager(owner, field="owner")
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    commitment.owner, commitment.evidence_every_days = owner, evidence_every_days
    commitment.full_clean()
    with audit_context(actor=by):
        commitment.save()
    return commitment


def evidence_record_bulk(
    *, entries: Sequence[EvidenceEntry], commitments: Sequence[Commitment], by: User, reason: str
) -> list[EvidenceEntry]:
    """Record many evidence entries at once, each linked to ``commitments``, as ``evidence_record`` records one
    (without attachments: an import, the large demo): dated not in the future, of a known kind, saying what was done,
    led by a top manager; ``by`` is recorded as who entered them. Written through the audited bulk path with
    ``reason``: every entry with its "created" and "commitments" trail entries."""
    require_capability(by, LeadershipCapability.RECORD_EVIDENCE, doing="record leadership evidence")
    if not commitments:
        raise ValidationError({"commitments": "Link the evidence to at least one commitment."})
    today = timezone.localdate()
    for leader in {entry.leader_id: entry.leader for entry in entries}.values():
        check_top_manager(leader, field="leader")
    for entry in entries:
        if entry.occurred_on > today or entry.kind not in EvidenceKind.values or not entry.summary.strip():
            raise ValidationError(f"Evidence of {entry.occurred_on}: a past date, a kind and what was done, please.")
        entry.summary, entry.recorded_by = entry.summary.strip(), by
    with transaction.atomic(), audit_context(actor=by):
        created = audited_bulk_create(EvidenceEntry, list(entries), reason=reason)
        audited_bulk_m2m_add(created, "commitments", commitments, reason=reason)
        # As evidence_record does: the commitments now evidenced stop being reminded (imported here likewise).
        from leadership.reminders import commitment_reminders_resolve

        statuses = commitment_statuses(commitments, today=today)
        commitment_reminders_resolve(c for c in commitments if statuses[c.pk].state == CommitmentState.CURRENT)
    return created


def evidence_record(
    *,
    occurred_on: dt.date,
    kind: str,
    summary: str,
    leader: User,
    commitments: Sequence[Commitment],
    attachments: Sequence[File[bytes]] = (),
    by: User,
) -> EvidenceEntry:
    """Record what a top manager did for the QMS, the commitments it evidences and its attached files.

    Every file is checked before anything is written (``UploadRejected`` names the first bad one);
    the entry, its links and its files are kept together or not at all.
    """
    require_capability(by, LeadershipCapability.RECORD_EVIDENCE, doing="record leadership evidence")
    errors: dict[str, str] = {}
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = "Evidence records what was done: the date cannot be in the future."
    if kind not in EvidenceKind.values:
        errors["kind"] = f"“{kind}” is not a kind of evidence."
    if not summary.strip():
        errors["summary"] = "Say what was done."
    if not commitments:
        errors["commitments"] = "Link the evidence to at least one commitment."
    if errors:
        raise ValidationError(errors)
    check_top_manager(leader, field="leader")
    checked: list[CheckedUpload] = [upload_check(file) for file in attachments]
    stored: list[FieldFile] = []
    try:
        with transaction.atomic(), audit_context(actor=by):
            entry = EvidenceEntry.objects.create(
                occurred_on=occurred_on, kind=kind, summary=summary.strip(), leader=leader, recorded_by=by
            )
            entry.commitments.set(commitments)
            for upload in checked:
                stored.append(attachment_store(entry=entry, upload=upload).file)
    except BaseException:
        for file in stored:
            file.delete(save=False)
        raise
    statuses = commitment_statuses(commitments, today=timezone.localdate())
    # Imported here: the reminders read commitments' statuses through this module.
    from leadership.reminders import commitment_reminders_resolve

    commitment_reminders_resolve(c for c in commitments if statuses[c.pk].state == CommitmentState.CURRENT)
    return entry
