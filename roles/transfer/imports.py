"""The import's life: keep a checked file waiting for confirmation, preview it, confirm it (a job applies
it, all or nothing), or discard it."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from qms_portal.access import require_capability
from qms_portal.audit import audit_context
from qms_portal.jobs import job_start
from qms_portal.models import Job, JobStatus
from roles.access import RolesCapability
from roles.models import Activity, ImportStatus, MatrixImport, Role
from roles.raci import raci_letters_set
from roles.transfer.check import matrix_import_check, stored_fingerprint
from roles.transfer.export import role_heading

if TYPE_CHECKING:
    from qms_portal.models import User

MANAGE = RolesCapability.MANAGE
RACI_IMPORT_JOB = "raci_import"
STALE = "The matrix changed since you uploaded the file; upload it again."


class ImportRefused(Exception):
    """A confirmed import cannot be applied (any more): the message says why and what to do."""


@transaction.atomic
def matrix_import_create(*, file_name: str, content: bytes, by: User, reason: str = "") -> MatrixImport:
    """Check an uploaded file whole and keep it, with why it is imported, waiting for confirmation; raises
    ImportRejected with every problem found, and then keeps nothing."""
    require_capability(by, MANAGE, doing="import the RACI matrix")
    checked = matrix_import_check(file_name=file_name, content=content)
    with audit_context(actor=by, reason=reason):
        return MatrixImport.objects.create(
            uploaded_by=by,
            reason=reason,
            file_name=file_name[:255],
            file_format=checked.file_format,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            change_set={
                "cells": [list(cell) for cell in checked.cells],
                "activity_ids": checked.activity_ids,
                "role_ids": checked.role_ids,
                "rows": {str(a): row for a, row in checked.rows.items()},
                "warnings": checked.warnings,
            },
            fingerprint=checked.fingerprint,
        )


@dataclass(frozen=True)
class CellChange:
    """One letter the import adds, changes or clears."""

    role_id: int
    role: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        return "added" if self.before is None else "cleared" if self.after is None else "changed"


@dataclass
class ActivityChanges:
    """The changes of one activity, with the row of the file it comes from."""

    activity_id: int
    process: str
    process_code: str
    activity: str
    row: int
    changes: list[CellChange] = field(default_factory=list)


@dataclass
class ImportPreview:
    """What confirming the import would change, grouped by activity, with counts; ``stale`` when the matrix
    changed since the file was checked."""

    groups: list[ActivityChanges]
    added: int
    changed: int
    cleared: int
    warnings: list[str]
    stale: bool

    @property
    def total(self) -> int:
        return self.added + self.changed + self.cleared


def _is_stale(matrix_import: MatrixImport) -> bool:
    change_set = matrix_import.change_set
    return stored_fingerprint(change_set["activity_ids"], change_set["role_ids"]) != matrix_import.fingerprint


def matrix_import_preview(*, matrix_import: MatrixImport) -> ImportPreview:
    """The change set of ``matrix_import`` as people read it: activities in file order, role names, counts."""
    change_set = matrix_import.change_set
    cells = change_set.get("cells", [])
    activity_ids = {a for a, _, _, _ in cells}
    role_ids = {r for _, r, _, _ in cells}
    activities = {
        pk: (process, code, name)
        for pk, process, code, name in Activity.objects.filter(pk__in=activity_ids).values_list(
            "pk", "process__name", "process__code", "name"
        )
    }
    roles = {
        pk: role_heading(title, code)
        for pk, title, code in Role.objects.filter(pk__in=role_ids).values_list("pk", "title", "org_unit__code")
    }
    groups: dict[int, ActivityChanges] = {}
    for activity_id, role_id, before, after in cells:
        if activity_id not in groups:
            process, code, name = activities.get(activity_id, ("(deleted process)", "", "(deleted activity)"))
            row = change_set.get("rows", {}).get(str(activity_id), 0)
            groups[activity_id] = ActivityChanges(activity_id, process, code, name, row)
        groups[activity_id].changes.append(CellChange(role_id, roles.get(role_id, "(deleted role)"), before, after))
    kinds = [change.kind for group in groups.values() for change in group.changes]
    stale = matrix_import.status == ImportStatus.PENDING and _is_stale(matrix_import)
    return ImportPreview(
        sorted(groups.values(), key=lambda g: g.row),
        kinds.count("added"),
        kinds.count("changed"),
        kinds.count("cleared"),
        list(change_set.get("warnings", [])),
        stale,
    )


def _decide(matrix_import: MatrixImport, *, status: str, by: User | None, reason: str = "") -> None:
    matrix_import.status = status
    matrix_import.status_reason = reason
    matrix_import.decided_at = timezone.now()
    if getattr(by, "is_authenticated", False):
        matrix_import.decided_by = by
    with audit_context(actor=by):
        matrix_import.save()


def _pending_check(matrix_import: MatrixImport) -> None:
    if matrix_import.status != ImportStatus.PENDING:
        raise ImportRefused(
            f"This import is {matrix_import.get_status_display().lower()} already: upload the file again to "
            "start over."
        )


def matrix_import_confirm(*, matrix_import: MatrixImport, by: User) -> Job:
    """Start the job that applies a pending import, after checking the matrix has not changed since the file
    was checked (then the import is refused for good). Confirming twice gives the job already running."""
    require_capability(by, MANAGE, doing="import the RACI matrix")
    with transaction.atomic():
        locked = MatrixImport.objects.select_for_update(of=("self",)).select_related("job").get(pk=matrix_import.pk)
        _pending_check(locked)
        if locked.job is not None and locked.job.status != JobStatus.FAILED:
            return locked.job
        if not _is_stale(locked):
            job = locked.job = job_start(kind=RACI_IMPORT_JOB, by=by)
            with audit_context(actor=by):
                locked.save()
            return job
        _decide(locked, status=ImportStatus.REJECTED, by=by, reason=STALE)
    # Raised once the refusal is committed, so that it is kept on the import.
    raise ImportRefused(STALE)


@transaction.atomic
def matrix_import_discard(*, matrix_import: MatrixImport, by: User) -> None:
    """Drop a pending import without changing the matrix."""
    require_capability(by, MANAGE, doing="import the RACI matrix")
    locked = MatrixImport.objects.select_for_update(of=("self",)).select_related("job").get(pk=matrix_import.pk)
    _pending_check(locked)
    if locked.job is not None and locked.job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise ImportRefused("This import is being applied now: it can no longer be discarded.")
    _decide(locked, status=ImportStatus.DISCARDED, by=by)


def matrix_import_apply(
    *, job_id: int, progress: Callable[[int, int, str], None] | None = None
) -> dict[str, int | str]:
    """Write the letters of the import that job ``job_id`` applies, in bulk and all or nothing (each letter with its
    own audit entry), after checking once more that the matrix has not changed; raises ImportRefused (and writes
    nothing) if it has."""
    matrix_import = MatrixImport.objects.select_related("job__requested_by").defer("content").get(job_id=job_id)
    by = cast(Job, matrix_import.job).requested_by  # found by its job, so it has one
    if by is None:
        # Whoever confirmed it was deleted since (SET_NULL): no one to write the letters in the name of. The job
        # fails and the import stays pending, to be confirmed again.
        raise PermissionDenied("The person who confirmed this import no longer exists: confirm it again.")
    cells = matrix_import.change_set.get("cells", [])
    if progress:
        progress(0, len(cells), f"Writing {len(cells)} letter change(s) in one go: all or nothing")
    try:
        with transaction.atomic():
            # Its status, locked; the change set and fingerprint never change once the file is checked, so they are
            # not read again (a large import's change set is megabytes of JSON).
            locked = MatrixImport.objects.select_for_update().defer("content", "change_set").get(pk=matrix_import.pk)
            _pending_check(locked)
            if _is_stale(matrix_import):
                raise ImportRefused(STALE)
            activities = Activity.objects.select_related("process").in_bulk({a for a, _, _, _ in cells})
            roles = Role.objects.in_bulk({r for _, r, _, _ in cells})
            # The letters' audit entries say why the file was imported, and which file they came from.
            source = f"RACI import #{locked.pk} ({locked.file_name})"
            raci_letters_set(
                letters=[(activities[activity_id], roles[role_id], after) for activity_id, role_id, _, after in cells],
                by=by,
                reason=f"{locked.reason} — {source}" if locked.reason else source,
            )
            _decide(locked, status=ImportStatus.APPLIED, by=by)
    except ImportRefused as refusal:
        # Outside the rolled-back transaction, so that the refusal is kept on the import.
        refused = MatrixImport.objects.get(pk=matrix_import.pk)
        if refused.status == ImportStatus.PENDING:
            _decide(refused, status=ImportStatus.REJECTED, by=by, reason=str(refusal))
        raise
    kinds = [CellChange(r, "", before, after).kind for _, r, before, after in cells]
    counts = {kind: kinds.count(kind) for kind in ("added", "changed", "cleared")}
    summary = f"{counts['added']} letter(s) added, {counts['changed']} changed, {counts['cleared']} cleared."
    return {"import_id": matrix_import.pk, **counts, "summary": summary}
