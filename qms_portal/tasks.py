"""Celery tasks of the shared core. Tasks take ids, never model instances."""
import logging

from celery import shared_task

from qms_portal.audit import audit_last_verified_head, audit_verify
from qms_portal.jobs import job_progress, job_start, job_task

log = logging.getLogger(__name__)


@shared_task(name="qms_portal.tasks.verify_audit_trail")
@job_task
def verify_audit_trail(job_id: int) -> dict:
    """Walk the audit chain for the job ``job_id`` and store what was found, with the head it saw."""
    result = audit_verify(
        known_head=audit_last_verified_head(),
        progress=lambda done, total: job_progress(job_id, done=done, total=total, note=f"{done:,} of {total:,}"),
    )
    return {
        "ok": result.ok,
        "checked": result.checked,
        "bad_entry_id": result.bad_entry_id,
        "problem": result.problem,
        "head_id": result.head.entry_id if result.head else None,
        "head_hash": result.head.hash if result.head else None,
    }


@shared_task(name="qms_portal.tasks.verify_audit_trail_nightly")
def verify_audit_trail_nightly() -> None:
    """The scheduled check: start a verification job so its outcome is kept beside the manual ones."""
    job_start(kind="verify_audit_trail")
