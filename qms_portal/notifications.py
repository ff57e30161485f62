"""Reminders and notifications: the kinds apps register, the sweep that claims each reminder once, the e-mails it
puts in the outbox (sent by ``qms_portal.outbox``), and the daily digest.

Exactly once: a reminder is claimed by inserting its ``Notification``, whose unique key is (kind, record,
recipient, occasion), in the same transaction as its ``OutboxEmail``. A second sweep, a second beat or a
transaction rolled back leaves one row, or none, and so one e-mail, or none.
"""
from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from qms_portal.access import PortalRole, user_can
from qms_portal.models import (
    Channel,
    Notification,
    NotificationPreference,
    Organisation,
    OutboxEmail,
    User,
)
from qms_portal.reminder_schedule import ScheduleSetting, organisation_pinned

if TYPE_CHECKING:
    from django.db.models import QuerySet

log = logging.getLogger(__name__)

# The daily digest leaves at this hour of the organisation's day.
DIGEST_HOUR = 7
# Without Redis, the development server sweeps this often from a thread of its own.
IN_PROCESS_SWEEP_SECONDS = 15 * 60


@dataclass(frozen=True)
class Reminder:
    """One thing due for one person: what a kind's ``find`` returns. ``occasion`` names the step of the kind's
    schedule ("7-days-before"), so that each step reaches each person once; ``url`` is relative to the portal."""

    kind: str
    recipient_id: int
    record_type: str
    record_id: str
    occasion: str
    title: str
    body: str = ""
    url: str = ""
    # An iCalendar file sent with the e-mail (a meeting invitation); the notification itself does not keep it.
    calendar: str = field(default="", compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        return (self.kind, self.record_type, str(self.record_id), self.recipient_id, self.occasion)


def everyone(person: User) -> bool:
    """A kind that may reach any signed-in person."""
    return True


def _role_names(person: User) -> set[str]:
    # Kept on the instance: the preferences page asks once per kind, the groups are read once.
    cached: set[str] | None = person.__dict__.get("_portal_role_names")
    if cached is None:
        cached = person.__dict__["_portal_role_names"] = set(person.role_names())
    return cached


@dataclass(frozen=True)
class Holders:
    """The people a kind can reach: those holding any of ``capabilities`` (the core's capability check,
    ``user_can``), or any of the portal ``roles`` (for kinds sent by role, such as "the quality managers"), and,
    with ``managers``, anyone some active person reports to (escalations and summaries go to a person's manager)."""

    capabilities: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    managers: bool = False

    def __call__(self, person: User) -> bool:
        if any(user_can(person, capability) for capability in self.capabilities):
            return True
        if self.roles and not _role_names(person).isdisjoint(self.roles):
            return True
        return self.managers and _manages_someone(person)


def _manages_someone(person: User) -> bool:
    # Kept on the instance, as the role names are.
    cached: bool | None = person.__dict__.get("_manages_someone")
    if cached is None:
        cached = person.__dict__["_manages_someone"] = person.reports.filter(is_active=True).exists()
    return cached


# Every portal role but the auditor's: the people asked to acknowledge, to own actions, to hold roles.
STAFF = Holders(roles=tuple(role.value for role in PortalRole if role != PortalRole.AUDITOR))


@dataclass(frozen=True)
class ReminderKind:
    """A kind of reminder an app brings: its name, how people see it (``label``, grouped under ``group`` on the
    preferences page and in the digest), how it goes out unless a person chooses otherwise, and ``find(now)``,
    the reminders due now, read with a fixed number of queries whatever the number of people. ``schedule`` lists
    the settings of days it reads with ``schedule_value``, shown on the organisation's reminder schedule page.
    ``audience`` says whom it can reach (``Holders`` of capabilities or portal roles, or managers): the preferences
    page offers it only to them.

    A ``deadline`` kind (something a person must do by a date) may be moved to the digest, never to the portal
    only: it cannot be switched off.
    """

    name: str
    label: str
    group: str
    find: Callable[[dt.datetime], Iterable[Reminder]]
    deadline: bool = False
    default_channel: str = Channel.NOW
    # The days its schedule counts, which the organisation may change (``qms_portal.reminder_schedule``).
    schedule: tuple[ScheduleSetting[Any], ...] = ()
    audience: Callable[[User], bool] = everyone

    def channels(self) -> list[tuple[str, str]]:
        """The channels a person may choose for this kind."""
        return [(value, label) for value, label in Channel.choices if not (self.deadline and value == Channel.PORTAL)]


REMINDER_KINDS: dict[str, ReminderKind] = {}


def reminder_kind_register(kind: ReminderKind) -> None:
    """Make a kind of reminder known to the core; apps call this from ``ready()``, since the core imports no app.

    Registering the same kind again is harmless; a different kind under a name already taken is an error.
    """
    known = REMINDER_KINDS.get(kind.name)
    if known is not None and known != kind:
        raise ValueError(f"The reminder kind {kind.name!r} is already registered as {known}.")
    if kind.deadline and kind.default_channel == Channel.PORTAL:
        raise ValueError(f"The reminder kind {kind.name!r} carries a deadline: it cannot default to the portal only.")
    for setting in kind.schedule:
        owner = next((k.name for k in REMINDER_KINDS.values() if k.name != kind.name and any(
            other.key == setting.key for other in k.schedule
        )), None)
        if owner is not None:
            raise ValueError(f"The schedule setting {setting.key!r} of {kind.name!r} is already {owner!r}'s.")
    REMINDER_KINDS[kind.name] = kind


def schedule_settings() -> dict[str, ScheduleSetting[Any]]:
    """Every registered kind's schedule settings, by key."""
    return {setting.key: setting for kind in REMINDER_KINDS.values() for setting in kind.schedule}


def schedule_by_group() -> list[tuple[str, list[tuple[ReminderKind, tuple[ScheduleSetting[Any], ...]]]]]:
    """The kinds that have schedule settings, by group and label, each with its settings: the schedule page's
    sections."""
    groups: dict[str, list[tuple[ReminderKind, tuple[ScheduleSetting[Any], ...]]]] = defaultdict(list)
    for kind in sorted(REMINDER_KINDS.values(), key=lambda k: (k.group, k.label)):
        if kind.schedule:
            groups[kind.group].append((kind, kind.schedule))
    return sorted(groups.items())


def reminder_kind_unregister(name: str) -> None:
    """Forget a kind (tests register their own and remove it after)."""
    REMINDER_KINDS.pop(name, None)


def channel_chosen(kind: ReminderKind, chosen: str | None) -> str:
    """The channel a reminder of ``kind`` goes by for a person who chose ``chosen`` (None: the kind's default)."""
    channel = chosen or kind.default_channel
    if kind.deadline and channel == Channel.PORTAL:  # a choice made before the kind carried a deadline
        return Channel.DIGEST
    return channel


# --- Who may be told ----------------------------------------------------------------------------
def _organisation_today(organisation: Organisation, now: dt.datetime) -> dt.date:
    return timezone.localtime(now, zoneinfo.ZoneInfo(organisation.time_zone)).date()


def _reachable(ids: Iterable[int], today: dt.date) -> dict[int, User]:
    """The people among ``ids`` who may still be told anything (active, access not ended); one query."""
    people = User.objects.filter(pk__in=set(ids), is_active=True).exclude(access_expires_on__lt=today)
    return {person.pk: person for person in people}


def _preferences(ids: Iterable[int], kind: str) -> dict[int, str]:
    rows = NotificationPreference.objects.filter(person_id__in=set(ids), kind=kind).values_list("person_id", "channel")
    return dict(rows)


# --- The e-mails ----------------------------------------------------------------------------------
def absolute_url(path: str) -> str:
    """``path`` on the portal as a link that works from an e-mail (``SITE_URL``)."""
    return settings.SITE_URL.rstrip("/") + path


def _message_id() -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<notification-{uuid.uuid4().hex}@{host}>"


def _headers(**extra: str) -> dict[str, str]:
    # Auto-Submitted tells mail servers not to answer with out-of-office replies (RFC 3834).
    return {"Message-ID": _message_id(), "Auto-Submitted": "auto-generated", **extra}


def _email_context(organisation: Organisation, person: User) -> dict[str, object]:
    return {
        "organisation": organisation,
        "logo_url": absolute_url(reverse("organisation_logo")) if organisation.logo else "",
        "person": person,
        "site_url": settings.SITE_URL.rstrip("/"),
        "preferences_url": absolute_url(reverse("notification_preferences")),
    }


def _outbox_for_notification(
    notification: Notification, person: User, organisation: Organisation, calendar: str = ""
) -> OutboxEmail:
    """The e-mail of ``notification``, not saved yet (one is saved, many are written in bulk)."""
    context = {
        **_email_context(organisation, person),
        "notification": notification,
        "link": absolute_url(reverse("notification_open", args=[notification.pk])),
    }
    return OutboxEmail(
        to_address=person.email,
        recipient=person,
        notification=notification,
        subject=" ".join(notification.title.split()),  # one line: a line break in a header is refused
        text=render_to_string("qms_portal/email/notification.txt", context),
        html=render_to_string("qms_portal/email/notification.html", context),
        headers=_headers(),
        calendar=calendar,
    )


# --- Claiming a reminder ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Made:
    """A reminder the sweep made (or, dry, would make): to whom and by which channel."""

    reminder: Reminder
    recipient: User
    channel: str
    emailed: bool

    def __str__(self) -> str:
        to = f"{self.recipient.get_full_name()} <{self.recipient.email or 'no e-mail address'}>"
        how = dict(Channel.choices)[self.channel].lower()
        return f"{self.reminder.kind}: {self.reminder.title} -> {to} ({how})"


def _notification_for(reminder: Reminder, person: User, channel: str) -> Notification:
    return Notification(
        recipient=person, kind=reminder.kind, record_type=reminder.record_type, record_id=str(reminder.record_id),
        occasion=reminder.occasion, title=reminder.title[:200], body=reminder.body, url=reminder.url, channel=channel,
    )


def _claim(reminder: Reminder, person: User, channel: str, organisation: Organisation) -> Made | None:
    """Insert the reminder's notification and, for "now", its e-mail, in one transaction; None when it was claimed
    already (the unique key: another sweep or an earlier one made it)."""
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the refused insert leaves the outer transaction usable
                notification = _notification_for(reminder, person, channel)
                notification.save(force_insert=True)
        except IntegrityError:
            return None
        emailed = channel == Channel.NOW and bool(person.email)
        if emailed:
            _outbox_for_notification(notification, person, organisation, reminder.calendar).save(force_insert=True)
    return Made(reminder, person, channel, emailed)


# Rows written by one INSERT when a sweep claims many reminders (fewer on SQLite, whose statements take fewer values).
CLAIM_BATCH = 500


def _claim_many(fresh: list[Made], organisation: Organisation) -> list[Made]:
    """Claim ``fresh`` (reminders of one kind that no earlier sweep claimed) in one transaction: their notifications
    written in bulk, then the e-mails of those sent now, so that 2,000 people cost a few INSERTs, not 4,000. Should
    another sweep claim some of them meanwhile, the unique key refuses the whole insert: each is then claimed on its
    own, and those taken already are left out.

    They are written in the order of their keys, whatever the order ``find`` gave: two sweeps inserting overlapping
    keys in different orders could each wait for a key the other holds (a deadlock on PostgreSQL); in one order the
    second waits for the first and then finds its keys taken."""
    if not fresh:
        return []
    fresh = sorted(fresh, key=lambda made: made.reminder.key)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the refused insert leaves the outer transaction usable
                notifications = Notification.objects.bulk_create(
                    [_notification_for(m.reminder, m.recipient, m.channel) for m in fresh], batch_size=CLAIM_BATCH
                )
        except IntegrityError:
            claimed = (_claim(m.reminder, m.recipient, m.channel, organisation) for m in fresh)
            return [m for m in claimed if m is not None]
        OutboxEmail.objects.bulk_create(
            [
                _outbox_for_notification(notification, m.recipient, organisation, m.reminder.calendar)
                for notification, m in zip(notifications, fresh, strict=True)
                if m.emailed
            ],
            batch_size=CLAIM_BATCH,
        )
    return fresh


def notify(reminder: Reminder, *, now: dt.datetime | None = None) -> Made | None:
    """Tell one person one thing, once: the notification and its e-mail are written in the caller's transaction,
    and the outbox is sent once it commits (a rollback sends nothing). None when it was claimed before, or the
    person can no longer be told (deactivated, access ended)."""
    kind = REMINDER_KINDS[reminder.kind]
    organisation = Organisation.current()
    person = _reachable([reminder.recipient_id], _organisation_today(organisation, now or timezone.now())).get(
        reminder.recipient_id
    )
    if person is None:
        return None
    channel = channel_chosen(kind, _preferences([person.pk], kind.name).get(person.pk))
    made = _claim(reminder, person, channel, organisation)
    if made is not None and made.emailed:
        transaction.on_commit(outbox_send_soon)
    return made


def reminders_sweep(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[Made]:
    """Find what is due for every registered kind and claim each reminder once; returns what was made (dry: what
    would be, writing nothing). The organisation (its zone, its reminder schedule) is read once for every kind;
    then per kind: its ``find``, the recipients, their preferences and the claims already made, whatever the number
    of people; then one transaction per kind writes what it claims, in bulk."""
    now = now or timezone.now()
    organisation = Organisation.current()
    today = _organisation_today(organisation, now)
    made: list[Made] = []
    for kind in list(REMINDER_KINDS.values()):
        try:
            with organisation_pinned(organisation):  # each kind reads its zone and schedule from this one read
                due = list(kind.find(now))
        except Exception:  # one kind's fault does not hold up the others' reminders
            log.exception("reminder kind %s could not find what is due", kind.name)
            continue
        if not due:
            continue
        people = _reachable((r.recipient_id for r in due), today)
        chosen = _preferences(people, kind.name)
        claimed = set(
            Notification.objects.filter(
                kind=kind.name, recipient_id__in=people, occasion__in={r.occasion for r in due}
            ).values_list("kind", "record_type", "record_id", "recipient_id", "occasion")
        )
        fresh = []
        for reminder in due:
            person = people.get(reminder.recipient_id)
            if person is None or reminder.key in claimed:
                continue
            claimed.add(reminder.key)  # a kind that finds the same reminder twice makes it once
            channel = channel_chosen(kind, chosen.get(person.pk))
            fresh.append(Made(reminder, person, channel, channel == Channel.NOW and bool(person.email)))
        if dry_run:
            made.extend(fresh)
            continue
        try:
            made.extend(_claim_many(fresh, organisation))
        except DatabaseError:  # a deadlock, a lost connection: this kind's claims roll back, the next sweep retries
            log.exception("reminder kind %s could not claim what is due", kind.name)
    if not dry_run and any(m.emailed for m in made):
        transaction.on_commit(outbox_send_soon)
    return made


# --- Handing the outbox to a worker ------------------------------------------------------------------
def outbox_send_soon() -> None:
    """Hand the outbox to a worker now (after a commit); when Redis is down the rows wait for the minutely task."""
    from qms_portal.celery import task_send_promptly

    try:
        task_send_promptly("qms_portal.tasks.send_outbox", [])
    except Exception:  # kombu's OperationalError and the like: the periodic sender takes the rows
        log.warning("task queue unreachable: the outbox waits for the periodic sender", exc_info=True)


# --- The daily digest ----------------------------------------------------------------------------
def _digest_hour_today(organisation: Organisation, now: dt.datetime) -> dt.datetime:
    """The digest's hour on the organisation's day at ``now``."""
    zone = zoneinfo.ZoneInfo(organisation.time_zone)
    return dt.datetime.combine(timezone.localtime(now, zone).date(), dt.time(DIGEST_HOUR), tzinfo=zone)


def digest_due(now: dt.datetime | None = None) -> bool:
    """Whether the day's digest may go: from the digest's hour of the organisation's day to its end. A run missed at
    07:00 (the portal was down, or the demo was seeded at noon) sends it at the next run; ``digest_send`` sends each
    person at most one a day."""
    now = now or timezone.now()
    return now >= _digest_hour_today(Organisation.current(), now)


def _digest_rows(person_id: int) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient_id=person_id, channel=Channel.DIGEST, digested_at=None)
    return rows.select_for_update() if connection.features.has_select_for_update else rows


def digest_send(*, now: dt.datetime | None = None) -> int:
    """One e-mail per person with the digest notifications not yet digested, grouped by their kind's group, each
    marked digested in the same transaction as its e-mail; returns how many e-mails were written. Run twice, the
    second finds nothing. A person who had their digest since today's digest hour gets none until tomorrow's:
    what was made since waits for it (a digest is the outbox row that tells of no one notification)."""
    now = now or timezone.now()
    organisation = Organisation.current()
    today = _organisation_today(organisation, now)
    waiting = set(
        Notification.objects.filter(channel=Channel.DIGEST, digested_at=None).values_list("recipient_id", flat=True)
    )
    had_today = set(
        OutboxEmail.objects.filter(
            recipient_id__in=waiting, notification=None, created_at__gte=_digest_hour_today(organisation, now)
        ).values_list("recipient_id", flat=True)
    ) if waiting else set()
    waiting -= had_today
    people = _reachable(waiting, today)
    written = 0
    for person_id in sorted(waiting):
        with transaction.atomic():
            rows = list(_digest_rows(person_id).order_by("created_at", "id"))  # locked: a second run waits, finds none
            if not rows:
                continue
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(digested_at=now)
            person = people.get(person_id)
            if person is None or not person.email:  # deactivated since, or no address: nothing to send
                continue
            _outbox_for_digest(person, rows, organisation)
            written += 1
    if written:
        transaction.on_commit(outbox_send_soon)
    return written


def _outbox_for_digest(person: User, rows: list[Notification], organisation: Organisation) -> OutboxEmail:
    grouped: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        kind = REMINDER_KINDS.get(row.kind)
        grouped[kind.group if kind else "Other"].append(
            {"notification": row, "link": absolute_url(reverse("notification_open", args=[row.pk]))}
        )
    context = {**_email_context(organisation, person), "groups": sorted(grouped.items()), "count": len(rows)}
    preferences = str(context["preferences_url"])
    return OutboxEmail.objects.create(
        to_address=person.email,
        recipient=person,
        subject=f"{organisation}: {len(rows)} reminder{'s' if len(rows) != 1 else ''} for today",
        text=render_to_string("qms_portal/email/digest.txt", context),
        html=render_to_string("qms_portal/email/digest.html", context),
        headers=_headers(**{"List-Unsubscribe": f"<{preferences}>"}),
    )


# --- Reading them on the portal -------------------------------------------------------------------
def notifications_unread_count(person: User) -> int:
    return Notification.objects.filter(recipient=person, read_at=None).count()


def notification_read(*, notification: Notification) -> None:
    """Mark one notification read (its person opened it)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=notification.read_at)


def notifications_resolve(
    *, kinds: Iterable[str], record_type: str, record_id: object = None, recipient: User | None = None,
    record_ids: Iterable[object] = (), recipients: Iterable[User] | None = None,
) -> int:
    """The thing these notifications asked for is done (the policy acknowledged, the version signed): mark them read,
    and take the ones still waiting for a digest off it (``digested_at``), so that neither the bell nor tomorrow's
    digest says it is pending. Only ``recipient``'s when given (one person's acknowledgement), else everyone's (a
    version signed by one top manager waits for none). Many at once (a bulk write): ``record_ids`` beside or instead
    of ``record_id``, ``recipients`` instead of ``recipient`` (each one's for every record named), in the same two
    UPDATEs. Called by the business function that did it, in its transaction; returns how many were unread."""
    ids = [str(pk) for pk in record_ids] + ([str(record_id)] if record_id is not None else [])
    people = ([recipient] if recipient is not None else []) + list(recipients or [])
    if not ids or (recipients is not None and not people):
        return 0  # no record or no person named: nothing to resolve (not everyone's)
    now = timezone.now()
    rows = Notification.objects.filter(kind__in=list(kinds), record_type=record_type, record_id__in=ids)
    if people:
        rows = rows.filter(recipient__in=people)
    rows.filter(channel=Channel.DIGEST, digested_at=None).update(digested_at=now)
    return rows.filter(read_at=None).update(read_at=now)


def notifications_read_all(*, person: User) -> int:
    """Mark every notification of ``person`` read; returns how many were unread."""
    return Notification.objects.filter(recipient=person, read_at=None).update(read_at=timezone.now())


def reminder_kinds_reaching(person: User) -> list[ReminderKind]:
    """The kinds that can reach ``person``, by group and label: those whose audience holds them, and any kind they
    have been sent already (a kind that found them although their role says otherwise). Two queries at most."""
    received = set(Notification.objects.filter(recipient=person).values_list("kind", flat=True).distinct())
    kinds = [kind for kind in REMINDER_KINDS.values() if kind.name in received or kind.audience(person)]
    return sorted(kinds, key=lambda k: (k.group, k.label))


def notification_preferences_for(person: User) -> list[tuple[ReminderKind, str]]:
    """Each kind that can reach ``person`` with the channel they get it by, by group and label."""
    chosen = dict(NotificationPreference.objects.filter(person=person).values_list("kind", "channel"))
    return [(kind, channel_chosen(kind, chosen.get(kind.name))) for kind in reminder_kinds_reaching(person)]


@transaction.atomic
def notification_preferences_save(*, person: User, channels: dict[str, str]) -> None:
    """Keep ``person``'s channel per kind; a kind that cannot reach them, or a deadline kind set to the portal only,
    is refused (``ValueError``) and nothing is kept."""
    reaching = {kind.name for kind in reminder_kinds_reaching(person)}
    for name, channel in channels.items():
        kind = REMINDER_KINDS.get(name)
        if kind is None or name not in reaching:
            raise ValueError(f"No reminder {name!r} can reach you.")
        if channel not in dict(kind.channels()):
            raise ValueError(f"{kind.label} carries a deadline: choose e-mail now or the daily digest.")
        NotificationPreference.objects.update_or_create(person=person, kind=name, defaults={"channel": channel})


# --- Without Redis: the development server sweeps from a thread ---------------------------------
_timer_started = threading.Event()


def in_process_timer_start(argv: list[str] | None = None) -> bool:
    """With no Redis (tasks in-process) and in the process that serves ``runserver``, start a thread that sweeps
    every 15 minutes and sends the outbox and, at the digest's hour, the digest: reminders go out (to the console)
    while ``make run`` runs. Returns whether it started."""
    import os

    argv = sys.argv if argv is None else argv
    if settings.REDIS_URL or len(argv) < 2 or argv[1] != "runserver" or _timer_started.is_set():
        return False
    # The autoreloader's outer process only watches files; the server runs in its child (RUN_MAIN).
    if os.environ.get("RUN_MAIN") != "true" and "--noreload" not in argv:
        return False
    _timer_started.set()
    threading.Thread(target=_in_process_loop, name="reminders", daemon=True).start()
    return True


def _in_process_loop() -> None:
    from django.db import connections

    from qms_portal.tasks import send_digests, send_reminders

    stop = threading.Event()
    delay = 30.0  # the first sweep soon after start, once the server is up
    while not stop.wait(delay):
        delay = IN_PROCESS_SWEEP_SECONDS
        try:
            send_reminders()
            send_digests()
        except Exception:  # a bad sweep is logged; the next one runs all the same
            log.exception("the in-process reminder sweep failed")
        finally:
            connections.close_all()

