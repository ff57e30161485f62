"""Starting and tracking background jobs.

A job row is written first, the task is sent only after the transaction commits and receives the
job's id. The worker claims the job with a conditional UPDATE, so a task delivered twice runs once,
and any exception marks the job failed with its reason instead of losing it.

While a task runs, a heartbeat renews the job's lease (``JOB_LEASE_SECONDS``). A worker that dies stops
renewing it, so:

- a task delivered again while the lease still runs (a worker process killed mid-task: acks late and
  reject on worker lost requeue it at once) checks again once the lease is out, and then starts the job
  again, up to ``MAX_ATTEMPTS`` deliveries in all (every job is all or nothing, so starting again is safe);
- a job out of lease for one more lease period is failed with the reason that its worker stopped, by the
  minutely sweep or when its page is read (``jobs_fail_lost``);
- a job out of lease (or queued and never taken up) can be discarded from its page (``job_discard``).

A job may be shared out: its task hands it over (returns ``JobHandedOver``) after sending tasks of its own that
carry the job's id and attempt. Those keep the job's lease with ``job_heartbeat`` while they work, and the last of
them finishes the job (``job_succeed``/``job_fail`` with the attempt). A job that may be cancelled
(``JobKind.cancellable``) is cancelled with ``job_cancel``; its remaining tasks find it finished and do nothing.
"""
import datetime as dt
import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from qms_portal.job_kinds import JOB_KINDS
from qms_portal.models import Job, JobStatus, User
from qms_portal.refusals import StepRefused

log = logging.getLogger(__name__)


class JobRefused(Exception):
    """Raise from a task body to fail its job with this message as the reason, shown to people as it is:
    for refusals the person can act on, as opposed to errors."""


@dataclass(frozen=True)
class JobHandedOver:
    """What a task body returns when other tasks carry its job on: the job stays running, its lease pushed on by
    ``lease_seconds`` (time for the tasks it sent to be taken up; each of them renews it while it works)."""

    lease_seconds: int


MAX_ATTEMPTS = 3
WORKER_STOPPED = (
    "The worker stopped while running it (it gave no sign of life for {seconds} seconds) and no other worker "
    "took it up: nothing it started was kept. Start it again."
)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)


def job_start(*, kind: str, by: User | AnonymousUser | None = None, send: bool = True) -> Job:
    """Create a queued job and send its task once the current transaction commits; with ``send`` False the caller
    runs it in its own process (a management command), claiming it with ``job_claim``."""
    job = Job.objects.create(kind=kind, requested_by=by if isinstance(by, User) else None)
    known = JOB_KINDS[kind]
    if send:
        transaction.on_commit(functools.partial(_send, job.pk, known.task, known.in_process_thread))
    return job


def _send(job_id: int, task_name: str, in_thread: bool = False) -> None:
    from qms_portal.celery import app

    if in_thread and app.conf.task_always_eager and settings.JOB_THREADS_IN_PROCESS:
        thread = threading.Thread(target=_run_in_thread, args=(job_id, task_name), name=f"job-{job_id}", daemon=True)
        thread.start()
        return
    try:
        app.signature(task_name, args=[job_id]).apply_async()
    except Exception as exc:  # the broker is unreachable: say so on the job instead of leaving it queued
        log.exception("could not send job %s to the task queue", job_id)
        reason = f"The task queue could not be reached ({type(exc).__name__}). Start the job again later."
        job_fail(job_id, reason=reason)


def _run_in_thread(job_id: int, task_name: str) -> None:
    """Run a job's task in this thread (no Redis: the development server's process), with its own connections."""
    from qms_portal.celery import app

    try:
        app.signature(task_name, args=[job_id]).apply()
    finally:
        connections.close_all()


def _out_of_lease(before: dt.datetime) -> Q:
    """Running jobs whose worker gave no sign of life since ``before`` (rows from before leases by their start)."""
    return Q(status=JobStatus.RUNNING) & (
        Q(lease_expires_at__lt=before) | Q(lease_expires_at__isnull=True, started_at__lt=before - _lease())
    )


def job_claim(job_id: int) -> int | None:
    """Mark a job running for this delivery of its task and return the attempt it runs as; None when another
    delivery has it (``job_lease_left`` says for how long) or it is done.

    A job whose lease ran out (its worker died) may be claimed again, up to ``MAX_ATTEMPTS`` in all.
    """
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | _out_of_lease(now)
    claimed = Job.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING, started_at=now, lease_expires_at=now + _lease(), attempts=F("attempts") + 1,
        progress=0, progress_note="",
    ) == 1
    if not claimed:
        return None
    attempt = Job.objects.filter(pk=job_id).values_list("attempts", flat=True).get()
    if attempt > MAX_ATTEMPTS:
        job_fail(job_id, reason=f"Its worker stopped {MAX_ATTEMPTS} times without finishing it.")
        return None
    return attempt


def job_lease_left(job_id: int) -> float | None:
    """Seconds until the lease of a running job runs out (0 when it has); None when the job is not running."""
    lease_end = (
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).values_list("lease_expires_at", flat=True).first()
    )
    if lease_end is None:
        return None
    return max(0.0, (lease_end - timezone.now()).total_seconds())


def job_renew_lease(job_id: int, attempt: int, *, seconds: int | None = None) -> bool:
    """Push the lease of the job on (by a lease, or ``seconds``); False once the job is no longer this attempt's
    (finished, cancelled, discarded)."""
    length = _lease() if seconds is None else dt.timedelta(seconds=seconds)
    return Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt).update(
        lease_expires_at=timezone.now() + length
    ) == 1


@contextmanager
def job_heartbeat(
    job_id: int, attempt: int, *, seconds: int | None = None, until: int | None = None
) -> Iterator[None]:
    """Renew the job's lease (by a lease, or ``seconds``) every third of a lease from a thread of its own (with its
    own database connection), while the task body runs, often inside one long transaction. With ``until``, stop
    renewing after that many seconds: work that has run that long (with no worker's time limit to stop it, as
    in-process) is taken for stuck, and the job's lease runs out."""
    stop = threading.Event()
    deadline = None if until is None else time.monotonic() + until

    def beat() -> None:
        try:
            while not stop.wait(settings.JOB_LEASE_SECONDS / 3):
                if deadline is not None and time.monotonic() > deadline:
                    log.warning("job %s: its work passed %s seconds; its lease is no longer renewed", job_id, until)
                    return
                try:
                    if not job_renew_lease(job_id, attempt, seconds=seconds):
                        return
                except DatabaseError:  # a missed beat; the next one may get through
                    log.warning("could not renew the lease of job %s", job_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def jobs_fail_lost(*, job_id: int | None = None) -> int:
    """Mark failed the jobs whose worker stopped (out of lease for a lease period more, time enough for a task
    delivered again to take them up) and those no worker took up within a day; returns how many.

    With ``job_id``, only that job: its page checks it on each read.
    """
    now = timezone.now()
    jobs = Job.objects.all() if job_id is None else Job.objects.filter(pk=job_id)
    count = jobs.filter(_out_of_lease(now - _lease())).update(
        status=JobStatus.FAILED, finished_at=now,
        error=WORKER_STOPPED.format(seconds=2 * settings.JOB_LEASE_SECONDS),
    )
    count += jobs.filter(status=JobStatus.QUEUED, created_at__lt=now - dt.timedelta(days=1)).update(
        status=JobStatus.FAILED, finished_at=now, error="No worker took it up within a day."
    )
    return count


def job_discard_check(job: Job) -> None:
    """Raise ``StepRefused`` unless ``job`` is stuck: running with no sign of life from its worker for a lease,
    or queued for longer than a lease with no worker taking it up."""
    now = timezone.now()
    back = (reverse("job_detail", args=[job.pk]), "Back to the job")
    if job.finished:
        raise StepRefused(f"{job} has {job.get_status_display().lower()}: there is nothing to discard.",
                          back_url=back[0], back_label=back[1], record="the job")
    if job.status == JobStatus.QUEUED and job.created_at >= now - _lease():
        raise StepRefused(f"{job} was queued moments ago: give a worker time to take it up.",
                          back_url=back[0], back_label=back[1], record="the job")
    if job.status == JobStatus.RUNNING and job.lease_expires_at is not None and job.lease_expires_at >= now:
        raise StepRefused(f"{job}'s worker is still at it: wait for the job to finish.",
                          back_url=back[0], back_label=back[1], record="the job")


def job_stuck(job: Job) -> bool:
    """Whether ``job`` may be discarded now (``job_discard_check``)."""
    try:
        job_discard_check(job)
    except StepRefused:
        return False
    return True


@transaction.atomic
def job_discard(*, job: Job, by: User) -> Job:
    """Fail a stuck job (``job_discard_check``), saying who discarded it; a task of it still to come then does
    nothing, and whatever the job was for (a RACI import) may be started again or dropped."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    job_discard_check(job)
    waiting = "no worker took it up" if job.status == JobStatus.QUEUED else "its worker stopped giving signs of life"
    job.status, job.finished_at = JobStatus.FAILED, timezone.now()
    job.error = f"Discarded by {by.get_full_name() or by.get_username()}: {waiting}."
    job.save(update_fields=["status", "finished_at", "error"])
    log.warning("job %s discarded by %s (%s)", job.pk, by.get_username(), waiting)
    return job


def job_progress(job_id: int, *, done: int, total: int, note: str = "") -> None:
    """Record how far a running job has got."""
    percent = 100 if total == 0 else min(99, int(done * 100 / total))
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(progress=percent, progress_note=note[:200])


def job_running(job_id: int, attempt: int) -> bool:
    """Whether the job is still running as ``attempt`` (not finished, cancelled, discarded or taken up again)."""
    return Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt).exists()


def job_cancel(*, job: Job, by: User) -> bool:
    """Cancel a job that is queued or running, saying who did; False when it had already finished. Its tasks still
    to come find it finished and do nothing, and one at work stops at its next check (``job_running``)."""
    if not JOB_KINDS[job.kind].cancellable:
        raise StepRefused(f"{job} cannot be cancelled.", record="the job")
    cancelled = Job.objects.filter(pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now(),
        error=f"Cancelled by {by.get_full_name() or by.get_username()}.",
    ) == 1
    if cancelled:
        log.info("job %s cancelled by %s", job.pk, by.get_username())
    return cancelled


def _unfinished(job_id: int, attempt: int | None) -> Q:
    """The job while it is not finished and, with ``attempt``, still that attempt's (not discarded or retaken)."""
    running = Q(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    return running if attempt is None else running & Q(attempts=attempt)


def job_succeed(job_id: int, *, result: dict, attempt: int | None = None) -> None:
    Job.objects.filter(_unfinished(job_id, attempt)).update(
        status=JobStatus.SUCCEEDED, progress=100, result=result, finished_at=timezone.now()
    )


def job_fail(job_id: int, *, reason: str, attempt: int | None = None) -> None:
    Job.objects.filter(_unfinished(job_id, attempt)).update(
        status=JobStatus.FAILED, error=reason[:2000], finished_at=timezone.now()
    )


def _check_again_later(job_id: int, seconds_left: float) -> None:
    """This delivery found its job running under another's lease: maybe a duplicate of a live run, maybe a
    redelivery after its worker died. Send the task again for just after the lease runs out; by then either
    the job is done (nothing to do) or its worker is gone (the job starts again)."""
    from celery import current_task

    request = current_task.request if current_task is not None else None
    if request is None or request.called_directly or request.is_eager:  # in-process: no worker to lose
        log.info("job %s is running under another delivery; nothing to do", job_id)
        return
    log.info("job %s is running under another delivery; checking again in %.0f s", job_id, seconds_left)
    # A live run ends within the time limit, so this many checks are always enough.
    checks = math.ceil(settings.CELERY_TASK_TIME_LIMIT / settings.JOB_LEASE_SECONDS) + 2
    raise current_task.retry(countdown=math.ceil(seconds_left) + 1, max_retries=checks)


def job_task(func: Callable[[int], dict | JobHandedOver]) -> Callable[[int], None]:
    """Wrap a task body that takes a job id and returns its result (or ``JobHandedOver``): claim first, keep the
    lease while it runs, record any failure."""

    @functools.wraps(func)
    def run(job_id: int) -> None:
        attempt = job_claim(job_id)
        if attempt is None:
            seconds_left = job_lease_left(job_id)
            if seconds_left is None:
                log.info("job %s finished or gone; nothing to do", job_id)
                return
            _check_again_later(job_id, seconds_left)
            return
        if attempt > 1:
            log.warning("job %s started again (attempt %s): its worker stopped", job_id, attempt)
        try:
            with job_heartbeat(job_id, attempt):
                result = func(job_id)
        except JobRefused as refusal:
            log.info("job %s refused: %s", job_id, refusal)
            job_fail(job_id, reason=str(refusal), attempt=attempt)
            return
        except Exception as exc:
            log.exception("job %s failed", job_id)
            job_fail(job_id, reason=f"{type(exc).__name__}: {exc}", attempt=attempt)
            raise
        if isinstance(result, JobHandedOver):
            job_renew_lease(job_id, attempt, seconds=result.lease_seconds)
            return
        job_succeed(job_id, result=result, attempt=attempt)

    return run
