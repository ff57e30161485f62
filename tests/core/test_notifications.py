"""Reminders and notifications (issue 14): each reminder claimed once, the outbox, the digest, the bell and the
preferences. The kinds here are registered by the tests; the apps bring the real ones."""
from __future__ import annotations

import datetime as dt
import smtplib
import time
from collections.abc import Iterator
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qms_portal.models import (
    Channel,
    Notification,
    NotificationPreference,
    Organisation,
    OutboxEmail,
    OutboxStatus,
    User,
)
from qms_portal.notifications import (
    Reminder,
    ReminderKind,
    digest_due,
    digest_send,
    in_process_timer_start,
    notification_preferences_save,
    notify,
    reminder_kind_register,
    reminder_kind_unregister,
    reminders_sweep,
)
from qms_portal.outbox import SENDING_LOST, outbox_send
from qms_portal.tasks import send_outbox
from tests.core.factories import UserFactory
from tests.core.test_invitations_queue_down import queue_down

SITE = "https://qms.example.com"


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = SITE


@pytest.fixture(autouse=True)
def _only_the_tests_kinds() -> Iterator[None]:
    """The apps' kinds (a review not planned, ...) would find things of their own: these tests count only theirs."""
    from qms_portal.notifications import REMINDER_KINDS

    saved = dict(REMINDER_KINDS)
    REMINDER_KINDS.clear()
    yield
    REMINDER_KINDS.clear()
    REMINDER_KINDS.update(saved)


@pytest.fixture
def due(db) -> Iterator[list[Reminder]]:
    """A kind of reminder whose ``find`` returns what the test puts in the list (e-mail now by default)."""
    found: list[Reminder] = []
    reminder_kind_register(ReminderKind(name="test_nudge", label="A nudge", group="Tests", find=lambda now: found))
    yield found
    reminder_kind_unregister("test_nudge")


@pytest.fixture
def deadline_due(db) -> Iterator[list[Reminder]]:
    """A kind of reminder with a deadline, in another group."""
    found: list[Reminder] = []
    reminder_kind_register(ReminderKind(
        name="test_deadline", label="Something due", group="Deadlines", find=lambda now: found, deadline=True,
    ))
    yield found
    reminder_kind_unregister("test_deadline")


def reminder(person: User, *, kind: str = "test_nudge", record: str = "1", occasion: str = "7-days-before",
             title: str = "The review is in 7 days") -> Reminder:
    return Reminder(kind=kind, recipient_id=person.pk, record_type="review", record_id=record, occasion=occasion,
                    title=title, body="Management review of the QMS.", url="/")


# --- Exactly once --------------------------------------------------------------------------------
def test_the_sweep_run_twice_sends_one_email(due, portal_users):
    due.append(reminder(portal_users.employee))

    reminders_sweep()
    outbox_send()
    reminders_sweep()
    outbox_send()

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [portal_users.employee.email]
    assert email.subject == "The review is in 7 days"
    notification = Notification.objects.get()
    assert f"{SITE}/notifications/{notification.pk}/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and f"{SITE}/notifications/preferences/" in html
    assert Organisation.current().name in email.body
    assert email.extra_headers["Message-ID"].startswith("<notification-")
    assert OutboxEmail.objects.get().status == OutboxStatus.SENT


def test_two_claims_of_the_same_reminder_make_one_row_and_one_email(due, portal_users):
    first = notify(reminder(portal_users.employee))
    second = notify(reminder(portal_users.employee))

    assert first is not None and second is None
    assert Notification.objects.count() == 1
    assert OutboxEmail.objects.count() == 1
    # Another step of the same record is another reminder.
    assert notify(reminder(portal_users.employee, occasion="1-day-before")) is not None


def test_a_reminder_claimed_by_another_sweep_meanwhile_is_left_out_and_the_others_still_claimed(
    due, portal_users, monkeypatch
):
    from qms_portal import notifications

    people = [portal_users.employee, portal_users.process_owner, portal_users.top_management]
    due.extend(reminder(person) for person in people)
    claim_many = notifications._claim_many

    def another_sweep_first(fresh, organisation):
        # Between this sweep's read of the claims and its writes, another sweep claims the owner's reminder.
        Notification.objects.create(recipient=portal_users.process_owner, kind="test_nudge", record_type="review",
                                    record_id="1", occasion="7-days-before", title="By the other", channel="now")
        return claim_many(fresh, organisation)

    monkeypatch.setattr(notifications, "_claim_many", another_sweep_first)
    made = reminders_sweep()
    outbox_send()

    assert {m.recipient for m in made} == {portal_users.employee, portal_users.top_management}
    assert Notification.objects.count() == 3
    assert sorted(email.to[0] for email in mail.outbox) == sorted([portal_users.employee.email,
                                                                  portal_users.top_management.email])


def test_a_sweep_writes_the_reminders_of_a_kind_in_the_order_of_their_keys(due, portal_users):
    """Two sweeps writing overlapping keys in different orders could deadlock: every sweep writes in key order."""
    due.extend(reminder(portal_users.employee, record=record) for record in ["3", "1", "2"])

    reminders_sweep()

    assert list(Notification.objects.order_by("pk").values_list("record_id", flat=True)) == ["1", "2", "3"]
    # The e-mails in the same order, each with its own notification.
    assert list(OutboxEmail.objects.order_by("pk").values_list("notification__record_id", flat=True)) == [
        "1", "2", "3"]


def test_a_kind_whose_claim_fails_on_the_database_does_not_stop_the_other_kinds(due, deadline_due, portal_users,
                                                                                monkeypatch, caplog):
    from django.db import OperationalError

    from qms_portal import notifications

    due.append(reminder(portal_users.employee))
    deadline_due.append(reminder(portal_users.employee, kind="test_deadline"))
    claim_many = notifications._claim_many

    def deadlocked(fresh, organisation):
        if fresh[0].reminder.kind == "test_nudge":  # the first kind registered, so the first claimed
            raise OperationalError("deadlock detected")
        return claim_many(fresh, organisation)

    monkeypatch.setattr(notifications, "_claim_many", deadlocked)
    made = reminders_sweep()

    assert [m.reminder.kind for m in made] == ["test_deadline"]
    assert list(Notification.objects.values_list("kind", flat=True)) == ["test_deadline"]
    assert "reminder kind test_nudge could not claim what is due" in caplog.text
    # The next sweep claims what this one could not.
    monkeypatch.setattr(notifications, "_claim_many", claim_many)
    assert [m.reminder.kind for m in reminders_sweep()] == ["test_nudge"]


def test_a_reminder_asked_for_in_a_transaction_rolled_back_sends_nothing(due, portal_users,
                                                                         django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(reminder(portal_users.employee))
        raise RuntimeError("the request failed after asking for the reminder")
    outbox_send()

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_a_reminder_asked_for_in_a_request_goes_out_once_the_request_commits(due, portal_users,
                                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(reminder(portal_users.employee))
        assert mail.outbox == []  # not before the commit

    assert len(mail.outbox) == 1
    assert OutboxEmail.objects.get().status == OutboxStatus.SENT


def test_with_redis_down_the_reminder_commits_in_bounded_time_and_goes_out_with_the_periodic_sender(
    due, portal_users, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with queue_down(), django_capture_on_commit_callbacks(execute=True):
        notify(reminder(portal_users.employee))

    assert time.monotonic() - started < 5
    assert mail.outbox == []
    assert OutboxEmail.objects.get().status == OutboxStatus.QUEUED
    send_outbox.apply()  # the minutely task, once the queue is back
    send_outbox.apply()
    assert len(mail.outbox) == 1


def test_a_title_on_several_lines_makes_a_one_line_subject(due, portal_users):
    notify(reminder(portal_users.employee, title="Minutes of the review\nwait for you"))

    assert outbox_send().sent == 1
    assert mail.outbox[0].subject == "Minutes of the review wait for you"


# --- Who gets what, by which channel --------------------------------------------------------------
def test_each_person_gets_the_reminder_by_the_channel_they_chose(due, portal_users):
    now_person, digest_person, portal_person = (UserFactory() for _ in range(3))
    NotificationPreference.objects.create(person=digest_person, kind="test_nudge", channel=Channel.DIGEST)
    NotificationPreference.objects.create(person=portal_person, kind="test_nudge", channel=Channel.PORTAL)
    due.extend(reminder(person) for person in (now_person, digest_person, portal_person))

    made = reminders_sweep()
    outbox_send()

    assert {m.recipient.pk: m.channel for m in made} == {
        now_person.pk: Channel.NOW, digest_person.pk: Channel.DIGEST, portal_person.pk: Channel.PORTAL,
    }
    assert [email.to for email in mail.outbox] == [[now_person.email]]
    assert Notification.objects.filter(recipient=portal_person).exists()  # under the bell all the same
    assert digest_send() == 1
    outbox_send()
    assert [email.to for email in mail.outbox[1:]] == [[digest_person.email]]


def test_a_deadline_reminder_cannot_be_set_to_the_portal_only(deadline_due, portal_users, client_for):
    employee = portal_users.employee
    client = client_for(employee)

    response = client.post(reverse("notification_preferences"), {"test_deadline": Channel.PORTAL})

    assert response.status_code == 200
    assert "carries a deadline: it cannot be switched off" in response.content.decode()
    assert not NotificationPreference.objects.filter(person=employee).exists()
    with pytest.raises(ValueError, match="deadline"):
        notification_preferences_save(person=employee, channels={"test_deadline": Channel.PORTAL})
    # The digest is allowed.
    response = client.post(reverse("notification_preferences"), {"test_deadline": Channel.DIGEST})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(person=employee).channel == Channel.DIGEST


def test_a_portal_only_choice_left_from_before_sends_a_deadline_reminder_to_the_digest(deadline_due, portal_users):
    NotificationPreference.objects.create(person=portal_users.employee, kind="test_deadline", channel=Channel.PORTAL)
    deadline_due.append(reminder(portal_users.employee, kind="test_deadline"))

    [made] = reminders_sweep()

    assert made.channel == Channel.DIGEST


def test_deactivated_people_and_auditors_whose_access_ended_get_nothing(due, portal_users):
    due.extend(reminder(person) for person in (portal_users.deactivated, portal_users.expired_auditor))

    assert reminders_sweep() == []
    assert notify(reminder(portal_users.deactivated, occasion="other")) is None
    outbox_send()

    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_the_sweep_reads_with_the_same_number_of_queries_for_2_and_for_40_people(due):
    def queries_for(count: int) -> int:
        due.clear()
        due.extend(reminder(UserFactory(), record=str(n)) for n in range(count))
        with CaptureQueriesContext(connection) as queries:
            made = reminders_sweep(dry_run=True)
        assert len(made) == count
        return len(queries)

    queries_for(1)  # the organisation row is made on the first read
    assert queries_for(2) == queries_for(40)


def test_send_reminders_dry_run_prints_what_it_would_send_and_writes_nothing(due, portal_users):
    due.append(reminder(portal_users.employee, title="Minutes wait for your signature"))
    out = StringIO()

    call_command("send_reminders", "--dry-run", stdout=out)

    assert "would send: test_nudge: Minutes wait for your signature -> Emil Park" in out.getvalue()
    assert Notification.objects.count() == 0
    assert OutboxEmail.objects.count() == 0
    assert mail.outbox == []
    call_command("send_reminders", stdout=StringIO())
    assert len(mail.outbox) == 1


# --- The outbox ---------------------------------------------------------------------------------------
class RefusingBackend(BaseEmailBackend):
    """A mail server that raises ``error`` for every message."""

    error: Exception = ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages):
        raise self.error


@pytest.fixture
def refusing(settings) -> type[RefusingBackend]:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    return RefusingBackend


def test_a_permanent_refusal_marks_the_email_failed_with_its_reason(due, portal_users, refusing, monkeypatch):
    monkeypatch.setattr(refusing, "error", smtplib.SMTPRecipientsRefused(
        {portal_users.employee.email: (550, b"5.1.1 No such mailbox")}
    ))
    notify(reminder(portal_users.employee))

    result = outbox_send()

    row = OutboxEmail.objects.get()
    assert (result.failed, row.status, row.attempts) == (1, OutboxStatus.FAILED, 1)
    assert "550 5.1.1 No such mailbox" in row.last_error
    assert outbox_send().sent == 0  # not tried again


def test_the_quality_manager_sees_the_emails_that_failed_on_the_home_page(due, portal_users, refusing, monkeypatch,
                                                                          client_for):
    monkeypatch.setattr(refusing, "error", smtplib.SMTPRecipientsRefused({"emp@example.com": (550, b"No such user")}))
    notify(reminder(portal_users.employee, title="Sign the minutes"))
    outbox_send()

    quality = client_for(portal_users.quality_manager).get(reverse("home")).content.decode()
    employee = client_for(portal_users.employee).get(reverse("home")).content.decode()

    assert "1 e-mail could not be delivered" in quality
    assert "Sign the minutes, to Emil Park" in quality and "550 No such user" in quality
    assert 'data-testid="failed-emails"' not in employee


@pytest.mark.parametrize("error", [
    ConnectionRefusedError(111, "Connection refused"),
    smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
    smtplib.SMTPRecipientsRefused({"emp@example.com": (450, b"Mailbox busy")}),
], ids=["server-down", "4xx-data", "4xx-recipient"])
def test_a_temporary_failure_queues_the_email_again_for_later(due, portal_users, refusing, monkeypatch, error):
    monkeypatch.setattr(refusing, "error", error)
    notify(reminder(portal_users.employee))
    before = timezone.now()

    result = outbox_send()

    row = OutboxEmail.objects.get()
    assert (result.retried, row.status, row.attempts) == (1, OutboxStatus.QUEUED, 1)
    assert row.next_attempt_at > before + dt.timedelta(seconds=50)
    assert row.last_error
    assert outbox_send().retried == 0  # not due yet


def test_an_email_queued_again_goes_out_once_the_server_is_back(due, portal_users, refusing, settings):
    notify(reminder(portal_users.employee))
    outbox_send()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    result = outbox_send(now=timezone.now() + dt.timedelta(minutes=2))

    assert result.sent == 1 and len(mail.outbox) == 1
    assert OutboxEmail.objects.get().status == OutboxStatus.SENT


def test_an_email_left_sending_by_a_stopped_worker_is_never_sent_twice(due, portal_users):
    notify(reminder(portal_users.employee))
    OutboxEmail.objects.update(status=OutboxStatus.SENDING, sending_since=timezone.now() - dt.timedelta(minutes=10))

    outbox_send()

    row = OutboxEmail.objects.get()
    assert row.status == OutboxStatus.FAILED and row.last_error == SENDING_LOST
    assert mail.outbox == []


# --- The digest ---------------------------------------------------------------------------------------
def test_the_digest_groups_a_persons_reminders_into_one_email_with_list_unsubscribe(due, deadline_due, portal_users):
    employee = portal_users.employee
    for kind in ("test_nudge", "test_deadline"):
        NotificationPreference.objects.create(person=employee, kind=kind, channel=Channel.DIGEST)
    due.append(reminder(employee, title="Nudge one"))
    due.append(reminder(employee, record="2", title="Nudge two"))
    deadline_due.append(reminder(employee, kind="test_deadline", title="Acknowledge the policy by Friday"))
    reminders_sweep()
    outbox_send()
    assert mail.outbox == []  # nothing at once

    assert digest_send() == 1
    assert digest_send() == 0  # run twice: nothing more
    outbox_send()

    [email] = mail.outbox
    assert email.to == [employee.email]
    assert email.extra_headers["List-Unsubscribe"] == f"<{SITE}/notifications/preferences/>"
    body = email.body
    assert body.index("Deadlines") < body.index("Acknowledge the policy by Friday") < body.index("Tests")
    assert body.index("Tests") < body.index("Nudge one") and "Nudge two" in body
    assert Notification.objects.filter(digested_at=None).count() == 0


@pytest.mark.parametrize(("argv", "redis", "run_main"), [
    (["manage.py", "migrate"], "", "true"),  # not the development server
    (["manage.py", "runserver"], "", ""),  # the autoreloader's watching process: its child serves
    (["manage.py", "runserver"], "redis://127.0.0.1:6379/0", "true"),  # beat sweeps
], ids=["other-command", "reloader-parent", "with-redis"])
def test_the_in_process_sweep_starts_only_in_the_serving_development_server_without_redis(
    settings, monkeypatch, argv, redis, run_main
):
    settings.REDIS_URL = redis
    monkeypatch.setenv("RUN_MAIN", run_main)

    assert in_process_timer_start(argv) is False


def test_the_digest_is_due_at_seven_in_the_organisations_zone(db):
    organisation = Organisation.current()
    organisation.time_zone = "Europe/Paris"
    organisation.save()

    assert not digest_due(dt.datetime(2026, 12, 7, 5, 59, tzinfo=dt.UTC))  # 06:59 in Paris
    assert digest_due(dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC))  # 07:00 in Paris
    # Later that day still: a run missed at 07:00 (the portal was down) sends it at the next.
    assert digest_due(dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC))
    assert not digest_due(dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC))  # 00:30 the next day in Paris


def test_a_person_gets_one_digest_a_day_what_comes_after_it_waits_for_the_next(due, portal_users):
    employee = portal_users.employee
    NotificationPreference.objects.create(person=employee, kind="test_nudge", channel=Channel.DIGEST)
    seven = dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC)  # London, the organisation's zone: 07:00
    due.append(reminder(employee, title="Before the digest"))
    reminders_sweep(now=seven - dt.timedelta(hours=1))
    with time_machine.travel(seven + dt.timedelta(hours=3), tick=False):  # the portal was down at 07:00
        assert digest_send() == 1
    due.append(reminder(employee, record="2", title="After the digest"))
    reminders_sweep(now=seven + dt.timedelta(hours=4))

    with time_machine.travel(seven + dt.timedelta(hours=5), tick=False):
        assert digest_send() == 0  # one a day: the second reminder waits
    with time_machine.travel(seven + dt.timedelta(days=1), tick=False):
        assert digest_send() == 1
    outbox_send(now=seven + dt.timedelta(days=2))

    first, second = mail.outbox
    assert "Before the digest" in first.body and "After the digest" not in first.body
    assert "After the digest" in second.body and "Before the digest" not in second.body


# --- In the portal ----------------------------------------------------------------------------------
def test_the_bell_counts_unread_notifications_and_the_page_lists_and_marks_them(due, portal_users, client_for):
    employee = portal_users.employee
    first = notify(reminder(employee, title="First reminder"))
    notify(reminder(employee, record="2", title="Second reminder"))
    notify(reminder(portal_users.process_owner, title="Someone else's"))
    assert first is not None
    client = client_for(employee)

    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="bell-count">2<' in home
    assert 'aria-label="Notifications, 2 unread"' in home

    page = client.get(reverse("notifications")).content.decode()
    assert page.index("Second reminder") < page.index("First reminder")  # newest first
    assert "Someone else" not in page

    opened = Notification.objects.get(recipient=employee, title="First reminder")
    response = client.get(reverse("notification_open", args=[opened.pk]))
    assert response.status_code == 302 and response["Location"] == "/"
    assert 'data-testid="bell-count">1<' in client.get(reverse("home")).content.decode()
    unread = client.get(reverse("notifications") + "?show=unread").content.decode()
    assert "Second reminder" in unread and "First reminder" not in unread

    client.post(reverse("notifications_read_all"))
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="bell-count"' not in home and 'aria-label="Notifications, none unread"' in home
    assert "Nothing unread" in client.get(reverse("notifications") + "?show=unread").content.decode()


def test_the_bell_costs_one_query_however_many_notifications(due, portal_users, client_for):
    client = client_for(portal_users.employee)

    def bell_queries(count: int) -> list[str]:
        for n in range(count):
            notify(reminder(portal_users.employee, record=f"bell-{count}-{n}"))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("home"))
        return [q["sql"] for q in queries.captured_queries if "qms_portal_notification" in q["sql"]]

    assert len(bell_queries(1)) == 1
    assert len(bell_queries(30)) == 1


def test_the_notifications_page_reads_with_the_same_queries_for_3_and_for_60(due, portal_users, client_for):
    client = client_for(portal_users.employee)

    def page_queries(total: int) -> int:
        Notification.objects.all().delete()
        for n in range(total):
            notify(reminder(portal_users.employee, record=str(n)))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("notifications")).status_code == 200
        return len(queries)

    assert page_queries(3) == page_queries(60)


def test_a_person_without_notifications_sees_the_empty_state(due, portal_users, client_for):
    page = client_for(portal_users.auditor).get(reverse("notifications")).content.decode()

    assert "No notifications yet" in page  # the test's kind reaches everyone
