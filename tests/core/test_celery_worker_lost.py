"""A worker killed with SIGKILL in the middle of a RACI import does not strand the job: a real Celery worker on
Redis and PostgreSQL, with a lease of two seconds so that the test stays short.

- A worker process killed mid-task (a prefork child, as the kernel's OOM killer does): its task is delivered
  again at once, waits for the dead run's lease to run out, and starts the import again, which completes.
- A whole worker killed: nothing delivers the task again within the test, and the job's page says it failed
  because the worker stopped, within two leases; the import can then be confirmed again.
"""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from qms_portal.access import PortalRole
from qms_portal.models import Job, JobStatus
from roles.models import ImportStatus, MatrixImport, RaciCell
from roles.transfer import matrix_import_confirm, matrix_import_create
from roles.transfer.export import role_heading
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.core.test_celery_worker import (
    Worker,
    _wait_until,
    _worker_redis_url,
    running_worker,
    worker_database_url,
)
from tests.roles.factories import ActivityFactory, AssignmentFactory, ProcessFactory, RoleFactory

pytestmark = [
    pytest.mark.usefixtures("truncatable_test_database"),
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("celery-worker"),
]

LEASE_SECONDS = 2
REDIS_TEST_DB = 14  # not the other worker module's, so that neither empties the other's queue
ROLES, ACTIVITIES = 10, 150  # 1,500 letters
SHORT_LEASE = {"JOB_LEASE_SECONDS": str(LEASE_SECONDS)}


@pytest.fixture
def database_url(django_db_blocker) -> str:
    return worker_database_url(django_db_blocker)


def confirmed_import() -> tuple[MatrixImport, Job]:
    """A quality manager's confirmed import of a file giving every activity of a process one A and nine Rs."""
    quality_manager = UserFactory(username="qm", full_name="Quentin Moss", roles=[PortalRole.QUALITY_MANAGER])
    unit = OrgUnitFactory(code="OPS")
    roles = [RoleFactory(title=f"Role {number}", org_unit=unit) for number in range(ROLES)]
    for role in roles:
        AssignmentFactory(role=role)
    process = ProcessFactory(name="Operations", code="operations", owner_role=roles[0])
    activities = [ActivityFactory(process=process, position=n, name=f"Step {n}") for n in range(1, ACTIVITIES + 1)]
    lines = [",".join(["Process code", "Process", "Activity", *(role_heading(r.title, "OPS") for r in roles)])]
    lines += [",".join([process.code, process.name, a.name, "A", *("R" * (ROLES - 1))]) for a in activities]
    matrix_import = matrix_import_create(
        file_name="operations.csv", content="\n".join(lines).encode(), by=quality_manager, reason="Yearly review"
    )
    return matrix_import, matrix_import_confirm(matrix_import=matrix_import, by=quality_manager)


@contextmanager
def letters_held() -> Iterator[None]:
    """Hold every write to the RACI letters (a SHARE lock from a connection of the test's own, readers pass) until
    the block ends: the audited bulk path writes 1,500 letters in milliseconds, so a worker is only surely killed in
    the middle of its transaction while it waits here."""
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        with holder.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {RaciCell._meta.db_table} IN SHARE MODE")
        yield
    finally:
        holder.rollback()
        holder.close()


def running_with_letters_pending(job: Job, worker: Worker) -> None:
    """Wait until the job's worker is in the middle of writing the letters (in one transaction: none show yet)."""
    _wait_until(lambda: Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, progress_note__startswith="Writing")
                .exists(), timeout=30, what=f"job {job.pk} to start writing letters", worker=worker)


def child_of(pid: int) -> int:
    """The one process whose parent is ``pid`` (a prefork worker's pool process)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            return int(stat.parent.name)
    pytest.fail(f"no child process of the worker {pid}")


def test_a_worker_process_killed_mid_import_is_replaced_and_the_import_starts_again(database_url, tmp_path, settings):
    settings.JOB_LEASE_SECONDS = LEASE_SECONDS
    broker = _worker_redis_url(REDIS_TEST_DB)
    with running_worker(broker, database_url, tmp_path, env=SHORT_LEASE, pool="prefork") as worker:
        with letters_held():
            matrix_import, job = confirmed_import()
            running_with_letters_pending(job, worker)

            os.kill(child_of(worker.process.pid), signal.SIGKILL)
            killed_at = time.monotonic()

        _wait_until(lambda: Job.objects.filter(pk=job.pk, status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED])
                    .exists(), timeout=45, what=f"job {job.pk} to finish after the kill", worker=worker)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, f"{job.error}\n{worker.log()}"
        assert job.attempts == 2  # the killed run, then the one that started again once its lease ran out
        assert time.monotonic() - killed_at < 30
        assert RaciCell.objects.count() == ROLES * ACTIVITIES  # all of it, once
        assert MatrixImport.objects.get(pk=matrix_import.pk).status == ImportStatus.APPLIED
        assert "SIGKILL" in worker.log()


def test_a_worker_killed_mid_import_leaves_a_failed_job_that_says_why(database_url, tmp_path, settings):
    settings.JOB_LEASE_SECONDS = LEASE_SECONDS
    broker = _worker_redis_url(REDIS_TEST_DB)
    with running_worker(broker, database_url, tmp_path, env=SHORT_LEASE) as worker, letters_held():
        matrix_import, job = confirmed_import()
        running_with_letters_pending(job, worker)

        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=10)
        killed_at = time.monotonic()

    # Someone following the job reads its page: within two leases it says the worker stopped.
    browser = Client()
    browser.force_login(job.requested_by)
    deadline = killed_at + 2 * LEASE_SECONDS + 5
    while time.monotonic() < deadline:
        page = browser.get(reverse("job_detail", args=[job.pk]))
        if "The job failed" in page.text:
            break
        time.sleep(0.5)
    assert "The job failed" in page.text, page.text
    assert "The worker stopped while running it" in page.text
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not RaciCell.objects.exists()  # all or nothing: the killed transaction wrote none
    assert MatrixImport.objects.get(pk=matrix_import.pk).status == ImportStatus.PENDING

    # The import stays pending: confirmed again, it applies in full (here in-process, the worker being gone).
    again = matrix_import_confirm(matrix_import=matrix_import, by=job.requested_by)
    again.refresh_from_db()
    assert again.pk != job.pk and again.status == JobStatus.SUCCEEDED, again.error
    assert RaciCell.objects.count() == ROLES * ACTIVITIES
