"""A real Celery worker on Redis runs the portal's tasks against PostgreSQL, and refuses pickled messages.

The rest of the suite runs tasks in-process (tests/conftest.py); here a worker subprocess consumes
from a dedicated Redis database and writes to the pytest-django test database, so what it does is
what production does.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from kombu import pools

from qms_portal.audit import AuditEntry
from qms_portal.celery import app
from qms_portal.jobs import job_start
from qms_portal.models import Job, JobStatus, OrgUnit
from tests.services import DEFAULT_REDIS_URL, require_postgres, require_redis

# Rows must be committed for the worker to see them. With serialized rollback the flush after each test
# leaves the tables empty (no post_migrate), so the next transactional test can reload what migrations
# wrote (portal roles) without clashing with re-created content types.
# One test process runs them all (pytest-xdist's group), as they share one worker and one Redis database.
pytestmark = [
    pytest.mark.usefixtures("truncatable_test_database"),
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("celery-worker"),
]

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_TEST_DB = 15  # a database of its own, emptied before use, so no other queue is touched
# Each xdist process has Redis databases of its own, four lower per process: the worker tests of two processes can
# run at the same time (the xdist_group mark does not keep them in one process under pytest 9), and one process's
# worker must never take or empty the other's queue. Up to four processes: 15, 11, 7, 3 here and 14, 10, 6, 2 for
# the lost-worker tests; 12, 9, 8, 5 for the evidence pack's (tests/leadership/test_pack_worker.py); 1 and 4 for the
# notification outbox's (tests/core/test_notifications_worker.py, two processes); 13 is the throttling test's and 0
# the portal's.
REDIS_DBS_PER_PROCESS = 4
READY_TIMEOUT = 60
TASK_TIMEOUT = 60
REFUSAL = "Refusing to deserialize untrusted content of type pickle"  # kombu's ContentDisallowed message


def xdist_process() -> int:
    """This test process's number among (up to) four xdist processes: 0 in the first or only one."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 4


def redis_db_url(db: int) -> str:
    """The URL of the Redis database ``db`` on the portal's Redis server."""
    parts = urlsplit(settings.REDIS_URL or DEFAULT_REDIS_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def _worker_redis_url(db: int = REDIS_TEST_DB) -> str:
    """The Redis database ``db`` of this test process: ``db`` itself in the first (or only) process, and four
    lower for each process after it."""
    return redis_db_url(db - REDIS_DBS_PER_PROCESS * xdist_process())


def _test_database_url() -> str:
    """A DATABASE_URL naming the test database pytest-django created (test_<name>), not the real one."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{'@' if credentials else ''}{host}{port}/{quote(db['NAME'], safe='')}"


@dataclass
class Worker:
    """A running worker: its node name, the broker it consumes from, and its log."""

    process: subprocess.Popen
    nodename: str
    broker_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def assert_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"the Celery worker exited with {self.process.returncode}:\n{self.log()}")


def _wait_until(condition: Callable[[], bool], *, timeout: float, what: str, worker: Worker) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.assert_alive()
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; worker log:\n{worker.log()}")


def _answers_ping(worker: Worker) -> bool:
    return bool(app.control.ping(destination=[worker.nodename], timeout=0.5))


@contextmanager
def sending_through(broker_url: str) -> Iterator[None]:
    """Send tasks to ``broker_url`` instead of running them in-process (as the rest of the suite does)."""
    saved = app.conf.task_always_eager, app.conf.broker_url

    def drop_connection_pools() -> None:
        # The pools are made for the broker URL of their first use; drop them so the next send uses ours.
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        # kombu keeps the (now closed) pool of each broker URL: forget it, so a later send to it opens a new one.
        pools.reset()

    drop_connection_pools()
    app.conf.task_always_eager, app.conf.broker_url = False, broker_url
    try:
        yield
    finally:
        drop_connection_pools()
        app.conf.task_always_eager, app.conf.broker_url = saved


@contextmanager
def running_worker(
    broker_url: str, database_url: str, log_dir: Path, *, env: dict[str, str] | None = None, pool: str = "solo",
    concurrency: int = 1, celery_app: str = "qms_portal",
) -> Iterator[Worker]:
    """A worker subprocess consuming the default and pdf queues of ``broker_url`` (emptied first) and writing to
    ``database_url``; stopped warmly at the end (killed if it will not stop). ``env`` adds to its environment;
    ``concurrency`` is the number of pool processes (with ``pool="prefork"``); ``celery_app`` names the module of
    the app it runs (the portal's, or a test's variant of it).

    While it runs, the portal's Celery app sends to the same broker (tasks, control commands such as ping).
    """
    import redis

    require_redis(broker_url)
    client = redis.Redis.from_url(broker_url)
    client.flushdb()  # leftovers of an earlier, interrupted run would otherwise be delivered now
    client.close()

    nodename = f"qms-test-{uuid.uuid4().hex[:8]}@%h"
    log_path = log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qms_portal.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", celery_app, "worker",
        "-Q", "default,pdf", f"--pool={pool}", f"--concurrency={concurrency}", "-l", "info", "-n", nodename,
        # Nothing to exchange with other workers, and each of these costs a second or more at start.
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=environment, stdout=log_file, stderr=subprocess.STDOUT)
    started = Worker(process, nodename.replace("%h", os.uname().nodename), broker_url, log_path)
    try:
        with sending_through(broker_url):
            _wait_until(lambda: _answers_ping(started), timeout=READY_TIMEOUT, what="the worker to answer a ping",
                        worker=started)
            yield started
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task, then stop
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        # Shown by pytest only when a test of this module failed.
        print(f"--- Celery worker log ({log_path}) ---\n{started.log()}")


def worker_database_url(django_db_blocker) -> str:
    """The test database's URL, for a worker; skips (fails under CI) unless it is PostgreSQL."""
    with django_db_blocker.unblock():
        require_postgres()
        return _test_database_url()


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Worker]:
    """One worker for the module, consuming the default and pdf queues of a freshly emptied Redis database."""
    database_url = worker_database_url(django_db_blocker)
    with running_worker(_worker_redis_url(), database_url, tmp_path_factory.mktemp("celery")) as started:
        yield started


def _wait_for_job(job_id: int, status: str, worker: Worker) -> Job:
    _wait_until(
        lambda: Job.objects.filter(pk=job_id, status__in=[status, JobStatus.FAILED]).exists(),
        timeout=TASK_TIMEOUT, what=f"job {job_id} to be {status}", worker=worker,
    )
    job = Job.objects.get(pk=job_id)
    assert job.status == status, f"job {job_id} is {job.status}: {job.error}\nworker log:\n{worker.log()}"
    return job


def test_worker_runs_a_job_started_by_the_portal_and_writes_its_outcome(worker, transactional_db):
    OrgUnit.objects.create(name="Quality assurance", code="QA")
    OrgUnit.objects.create(name="Machining", code="MACH")
    entries = AuditEntry.objects.count()
    assert entries >= 2

    # The production path: the job row is committed, then its task goes to the broker with the id.
    job = job_start(kind="verify_audit_trail")

    job = _wait_for_job(job.pk, JobStatus.SUCCEEDED, worker)
    head = AuditEntry.objects.order_by("-id").first()
    assert job.result == {
        "ok": True, "checked": entries, "bad_entry_id": None, "problem": "", "head_id": head.pk, "head_hash": head.hash
    }
    assert job.progress == 100
    assert job.started_at is not None and job.finished_at is not None
    assert "qms_portal.tasks.verify_audit_trail[" in worker.log()


def test_worker_refuses_a_pickled_message_and_goes_on_with_the_next(worker, transactional_db):
    pickled_job = Job.objects.create(kind="verify_audit_trail")
    json_job = Job.objects.create(kind="verify_audit_trail")
    log_before = len(worker.log())

    # Pickle would let whoever can write to Redis run code in the worker: accept_content is json only.
    app.send_task("qms_portal.tasks.verify_audit_trail", args=[pickled_job.pk], serializer="pickle")
    app.send_task("qms_portal.tasks.verify_audit_trail", args=[json_job.pk])

    _wait_for_job(json_job.pk, JobStatus.SUCCEEDED, worker)
    _wait_until(lambda: REFUSAL in worker.log()[log_before:], timeout=10, what="the refusal in the log",
                worker=worker)
    pickled_job.refresh_from_db()
    assert pickled_job.status == JobStatus.QUEUED
    assert pickled_job.started_at is None
