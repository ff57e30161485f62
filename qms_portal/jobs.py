"""Starting and tracking background jobs.

A job row is written first, the task is sent only after the transaction commits and receives the
job's id. The worker claims the job with a conditional UPDATE, so a task delivered twice runs once,
and any exception marks the job failed with its reason instead of losing it.
"""
import datetime as dt
import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from qms_portal.job_kinds import JOB_KINDS
from qms_portal.models import Job, JobStatus, User

log = logging.getLogger(__name__)


class JobRefused(Exception):
    """Raise from a task body to fail its job with this message as the reason, shown to people as it is:
    for refusals the person can act on, as opposed to errors."""


MAX_ATTEMPTS = 3


def job_start(*, kind: str, by: User | AnonymousUser | None = None) -> Job:
    """Create a queued job and send its task once the current transaction commits."""
    job = Job.objects.create(kind=kind, requested_by=by if isinstance(by, User) else None)
    transaction.on_commit(functools.partial(_send, job.pk, JOB_KINDS[kind].task))
    return job


def _send(job_id: int, task_name: str) -> None:
    from qms_portal.celery import app

    try:
        app.signature(task_name, args=[job_id]).apply_async()
    except Exception as exc:  # the broker is unreachable: say so on the job instead of leaving it queued
        log.exception("could not send job %s to the task queue", job_id)
        reason = f"The task queue could not be reached ({type(exc).__name__}). Start the job again later."
        job_fail(job_id, reason=reason)


def _lost_before() -> dt.datetime:
    """A job still running since before this was lost with its worker: Redis hands its task out again
    only after the visibility timeout, which is longer than any task may run."""
    return timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def job_claim(job_id: int) -> bool:
    """Mark a job running for this delivery of its task; False when another delivery has it or it is done.

    A job left running by a worker that died may be claimed again, up to ``MAX_ATTEMPTS`` in all.
    """
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=_lost_before())
    claimed = Job.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    ) == 1
    if claimed and Job.objects.filter(pk=job_id, attempts__gt=MAX_ATTEMPTS).exists():
        job_fail(job_id, reason=f"Its worker stopped {MAX_ATTEMPTS} times without finishing it.")
        return False
    return claimed


def jobs_fail_lost() -> int:
    """Mark failed the jobs whose worker died and whose task will not come again; returns how many."""
    lost_for_good = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 3)
    lost = Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=lost_for_good)
    never_started = Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=timezone.now() - dt.timedelta(days=1))
    count = lost.update(
        status=JobStatus.FAILED, finished_at=timezone.now(), error="Its worker stopped without finishing it."
    )
    count += never_started.update(
        status=JobStatus.FAILED, finished_at=timezone.now(), error="No worker took it up within a day."
    )
    return count


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
        except JobRefused as refusal:
            log.info("job %s refused: %s", job_id, refusal)
            job_fail(job_id, reason=str(refusal))
            return
        except Exception as exc:
            log.exception("job %s failed", job_id)
            job_fail(job_id, reason=f"{type(exc).__name__}: {exc}")
            raise
        job_succeed(job_id, result=result)

    return run
