"""The outbox with a real Celery worker on Redis and PostgreSQL (issue 14): a send task delivered twice sends each
e-mail once, and a worker killed with SIGKILL while speaking to the mail server never leads to a second e-mail.

The worker prints e-mails to its log (Django's console backend), so each e-mail's Message-ID is counted there.
"""
from __future__ import annotations

import datetime as dt
import signal
import socket
import uuid
from collections.abc import Iterator

import pytest
from django.utils import timezone

from qms_portal.celery import app
from qms_portal.models import OutboxEmail, OutboxStatus
from qms_portal.notifications import SENDING_LOST, outbox_send
from tests.core.test_celery_worker import (
    TASK_TIMEOUT,
    Worker,
    _wait_until,
    redis_db_url,
    running_worker,
    worker_database_url,
    xdist_process,
)

pytestmark = [
    pytest.mark.usefixtures("truncatable_test_database"),
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("notifications-worker"),
]

# Redis databases no other worker test uses, one per test process (see tests/core/test_celery_worker.py): the two
# tests of this module may run at once in two processes, and each worker empties its database before use.
NOTIFY_REDIS_DBS = (1, 4)


def _broker() -> str:
    return redis_db_url(NOTIFY_REDIS_DBS[xdist_process() % len(NOTIFY_REDIS_DBS)])


def queued_email(n: int) -> OutboxEmail:
    message_id = f"<worker-test-{uuid.uuid4().hex}@example.com>"
    return OutboxEmail.objects.create(
        to_address=f"person{n}@example.com", subject=f"Reminder {n}", text="Hello", headers={"Message-ID": message_id}
    )


@pytest.fixture
def mail_server_that_never_answers() -> Iterator[int]:
    """A port that takes connections and never greets: a send waits there until the worker is killed."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def worker_db(django_db_blocker) -> str:
    return worker_database_url(django_db_blocker)


def _sent_once_each(rows: list[OutboxEmail], worker: Worker) -> None:
    log = worker.log()
    for row in rows:
        assert log.count(f"Message-ID: {row.headers['Message-ID']}") == 1, row.subject


def test_an_outbox_task_delivered_twice_sends_each_email_once(worker_db, tmp_path, transactional_db):
    with running_worker(_broker(), worker_db, tmp_path) as worker:
        rows = [queued_email(n) for n in range(3)]

        app.send_task("qms_portal.tasks.send_outbox")
        app.send_task("qms_portal.tasks.send_outbox")  # the duplicate: a redelivery, or a second beat

        _wait_until(lambda: worker.log().count("Task qms_portal.tasks.send_outbox[") >= 4,  # received, succeeded x2
                    timeout=TASK_TIMEOUT, what="both deliveries to finish", worker=worker)
        _wait_until(lambda: OutboxEmail.objects.filter(status=OutboxStatus.SENT).count() == 3,
                    timeout=TASK_TIMEOUT, what="the three e-mails to be sent", worker=worker)
        _sent_once_each(rows, worker)


def test_a_worker_killed_while_sending_never_leads_to_a_second_email(
    worker_db, tmp_path, transactional_db, mail_server_that_never_answers
):
    smtp = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(mail_server_that_never_answers), "EMAIL_USE_TLS": "0"}
    with running_worker(_broker(), worker_db, tmp_path, env=smtp) as stuck:
        row = queued_email(1)
        app.send_task("qms_portal.tasks.send_outbox")
        _wait_until(lambda: OutboxEmail.objects.filter(pk=row.pk, status=OutboxStatus.SENDING).exists(),
                    timeout=TASK_TIMEOUT, what="the e-mail to be sending", worker=stuck)
        stuck.process.send_signal(signal.SIGKILL)
        stuck.process.wait(timeout=10)

    # A new worker (printing e-mails) takes the send task up again: the row is the dead worker's, so not sent.
    with running_worker(_broker(), worker_db, tmp_path) as worker:
        app.send_task("qms_portal.tasks.send_outbox")
        _wait_until(lambda: "succeeded" in worker.log(), timeout=TASK_TIMEOUT, what="the send task", worker=worker)
        assert OutboxEmail.objects.get(pk=row.pk).status == OutboxStatus.SENDING
        assert row.headers["Message-ID"] not in worker.log()

    # Minutes later the row is taken for lost: marked failed, saying so, and still never sent again.
    outbox_send(now=timezone.now() + dt.timedelta(minutes=6))
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboxStatus.FAILED, SENDING_LOST)
    outbox_send(now=timezone.now() + dt.timedelta(hours=2))
    assert OutboxEmail.objects.get(pk=row.pk).status == OutboxStatus.FAILED
