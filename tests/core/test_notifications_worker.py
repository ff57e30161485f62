"""The outbox with a real Celery worker on Redis and PostgreSQL (issue 14): a send task delivered twice sends each
e-mail once, a worker killed with SIGKILL while speaking to the mail server never leads to a second e-mail, a task
redelivered by Redis after the visibility timeout while its first delivery still runs sends one e-mail, and a
reminder asked for in a transaction rolled back sends none.

The worker prints e-mails to its log (Django's console backend), so each e-mail is counted there.
"""
from __future__ import annotations

import datetime as dt
import re
import signal
import socket
import uuid
from collections.abc import Iterator

import psycopg2
import pytest
import redis
from django.db import transaction
from django.utils import timezone

from qms_portal import notifications
from qms_portal.celery import app
from qms_portal.models import Notification, OutboxEmail, OutboxStatus, User
from qms_portal.notifications import Reminder, ReminderKind, notify, reminder_kind_register, reminder_kind_unregister
from qms_portal.outbox import SENDING_LOST, outbox_send
from tests.core.factories import UserFactory
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
# tests/core/celery_short_visibility.py's visibility timeout. Not imported from there: importing it changes the
# portal's Celery app in this process too (its broker options), which other tests read.
SHORT_VISIBILITY_SECONDS = 1


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


@pytest.fixture
def nudge() -> Iterator[str]:
    """A kind of reminder of the test's own (e-mail now), so that ``notify`` can be asked for one."""
    reminder_kind_register(ReminderKind(name="worker_test_nudge", label="A nudge", group="Tests", find=lambda now: []))
    yield "worker_test_nudge"
    reminder_kind_unregister("worker_test_nudge")


def reminder_for(person: User, kind: str) -> Reminder:
    return Reminder(kind=kind, recipient_id=person.pk, record_type="review", record_id="1", occasion="7-days-before",
                    title="The management review is in 7 days", url="/")


def emails_sent(log: str) -> list[str]:
    """The address of each e-mail in a worker's ``log`` (printed by the console backend), in order."""
    return re.findall(r"^To: (.+)$", log, flags=re.MULTILINE)


def send_tasks(log: str, state: str) -> int:
    """How many deliveries of the outbox's send task a worker's ``log`` says were ``state`` (received, succeeded)."""
    return len(re.findall(rf"Task qms_portal\.tasks\.send_outbox\[[-0-9a-f]+\] {state}", log))


@pytest.fixture(scope="class")
def plain_worker(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Worker]:
    """One worker, as production runs it, for the tests of a class: each start costs seconds."""
    database_url = worker_database_url(django_db_blocker)
    with running_worker(_broker(), database_url, tmp_path_factory.mktemp("outbox")) as started:
        yield started


class TestOnePlainWorker:
    """What a worker as production runs it does with the outbox; each test reads the log from where it started."""

    def test_an_outbox_task_delivered_twice_sends_each_email_once(self, plain_worker, transactional_db):
        start = len(plain_worker.log())
        rows = [queued_email(n) for n in range(3)]

        app.send_task("qms_portal.tasks.send_outbox")
        app.send_task("qms_portal.tasks.send_outbox")  # the duplicate: a redelivery, or a second beat

        _wait_until(lambda: send_tasks(plain_worker.log()[start:], "succeeded") == 2, timeout=TASK_TIMEOUT,
                    what="both deliveries to finish", worker=plain_worker)
        _wait_until(lambda: OutboxEmail.objects.filter(status=OutboxStatus.SENT).count() == 3,
                    timeout=TASK_TIMEOUT, what="the three e-mails to be sent", worker=plain_worker)
        log = plain_worker.log()[start:]
        for row in rows:
            assert log.count(f"Message-ID: {row.headers['Message-ID']}") == 1, row.subject
        assert sorted(emails_sent(log)) == [row.to_address for row in rows]

    def test_a_reminder_asked_for_in_a_transaction_rolled_back_sends_nothing(
        self, plain_worker, transactional_db, nudge
    ):
        start = len(plain_worker.log())
        forgotten = UserFactory(email="rolled.back@example.com")
        told = UserFactory(email="committed@example.com")

        with pytest.raises(RuntimeError), transaction.atomic():
            notify(reminder_for(forgotten, nudge))
            raise RuntimeError("the request failed after asking for the reminder")
        # Beside it, a reminder committed: its send task reaches the worker, which sends what the outbox holds.
        notify(reminder_for(told, nudge))
        _wait_until(lambda: send_tasks(plain_worker.log()[start:], "succeeded") == 1, timeout=TASK_TIMEOUT,
                    what="the send task of the committed reminder", worker=plain_worker)
        # The minutely sender too finds nothing of the rolled-back reminder.
        app.send_task("qms_portal.tasks.send_outbox")
        _wait_until(lambda: send_tasks(plain_worker.log()[start:], "succeeded") == 2, timeout=TASK_TIMEOUT,
                    what="the periodic send task", worker=plain_worker)

        assert emails_sent(plain_worker.log()[start:]) == ["committed@example.com"]
        assert not Notification.objects.filter(recipient=forgotten).exists()
        assert list(OutboxEmail.objects.values_list("to_address", "status")) == [
            ("committed@example.com", OutboxStatus.SENT)
        ]


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


def _nothing_left_to_deliver(broker_url: str) -> bool:
    """Whether Redis holds no task in the queue and none delivered but not yet acknowledged."""
    client = redis.Redis.from_url(broker_url)
    try:
        return client.llen("default") == 0 and client.hlen("unacked") == 0
    finally:
        client.close()


def test_a_send_task_redelivered_after_the_visibility_timeout_while_its_first_delivery_runs_sends_one_email(
    worker_db, tmp_path, transactional_db, nudge, monkeypatch
):
    person = UserFactory(email="emil.park@example.com")
    enqueued, enqueue = [], notifications.outbox_send_soon
    monkeypatch.setattr(notifications, "outbox_send_soon", lambda: enqueued.append(True))
    notify(reminder_for(person, nudge))  # the rows are committed; their send task is sent below, once the table waits
    assert enqueued == [True]

    # Two pool processes, so that the redelivered task runs while the first delivery is still at work.
    with running_worker(_broker(), worker_db, tmp_path, pool="prefork", concurrency=2,
                        celery_app="tests.core.celery_short_visibility") as worker:
        # The first delivery stalls past the visibility timeout: the outbox's table is locked (a long transaction).
        locker = psycopg2.connect(worker_db)
        try:
            with locker.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {OutboxEmail._meta.db_table} IN ACCESS EXCLUSIVE MODE")
            enqueue()  # what the commit of notify() sends

            _wait_until(lambda: send_tasks(worker.log(), "received") >= 2, timeout=SHORT_VISIBILITY_SECONDS + 20,
                        what="Redis to deliver the send task again after the visibility timeout", worker=worker)
            assert send_tasks(worker.log(), "succeeded") == 0  # both deliveries are at work, waiting for the table
        finally:
            locker.rollback()  # the table is free: both deliveries go on at once
            locker.close()

        _wait_until(lambda: OutboxEmail.objects.filter(status=OutboxStatus.SENT).exists(), timeout=TASK_TIMEOUT,
                    what="the e-mail to be sent", worker=worker)
        _wait_until(lambda: _nothing_left_to_deliver(worker.broker_url)
                    and send_tasks(worker.log(), "succeeded") == send_tasks(worker.log(), "received"),
                    timeout=TASK_TIMEOUT, what="every delivery of the send task to finish", worker=worker)

        assert emails_sent(worker.log()) == ["emil.park@example.com"]
    assert OutboxEmail.objects.get().status == OutboxStatus.SENT
