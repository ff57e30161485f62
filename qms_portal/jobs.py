"""Starting and tracking background jobs.

A job row is written first, the task is sent only after the transaction commits and receives the
job's id. The worker claims the job with a conditional UPDATE, so a task delivered twice runs once,
and any exception marks the job failed with its reason instead of losing it.
"""
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from qms_portal.models import Job, JobStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobKind:
    """What a kind of job is called, which task runs it, and who may start and follow it."""

    label: str
    task: str
    capability: str


JOB_KINDS: dict[str, JobKind] = {
    "verify_audit_trail": JobKind(
        "Audit trail verification", "qms_portal.tasks.verify_audit_trail", "qms_portal.view_audit_trail"
    ),
}


def job_start(*, kind: str, by: Any = None) -> Job:
    """Create a queued job and send its task once the current transaction commits."""
    from qms_portal.celery import app

    job = Job.objects.create(kind=kind, requested_by=by if getattr(by, "is_authenticated", False) else None)
    signature = app.signature(JOB_KINDS[kind].task, args=[job.pk])
    transaction.on_commit(signature.apply_async)
    return job


def job_claim(job_id: int) -> bool:
    """Mark a queued job running; False when another delivery of the task already took it."""
    return Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    ) == 1


def job_progress(job_id: int, *, done: int, total: int, note: str = "") -> None:
    """Record how far a running job has got."""
    percent = 100 if total == 0 else min(99, int(done * 100 / total))
    Job.objects.filter(pk=job_id).update(progress=percent, progress_note=note[:200])


def job_succeed(job_id: int, *, result: dict) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED, progress=100, result=result, finished_at=timezone.now()
    )


def job_fail(job_id: int, *, reason: str) -> None:
    Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=reason[:2000], finished_at=timezone.now())


def job_task(func: Callable[[int], dict]) -> Callable[[int], None]:
    """Wrap a task body that takes a job id and returns its result: claim first, record any failure."""

    @functools.wraps(func)
    def run(job_id: int) -> None:
        if not job_claim(job_id):
            log.info("job %s already claimed or gone; nothing to do", job_id)
            return
        try:
            result = func(job_id)
        except Exception as exc:
            log.exception("job %s failed", job_id)
            job_fail(job_id, reason=f"{type(exc).__name__}: {exc}")
            raise
        job_succeed(job_id, result=result)

    return run
