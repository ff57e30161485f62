"""The outbox: e-mails written in the transaction that decided them (``OutboxEmail``), sent by a worker afterwards.

Rows are claimed ("sending", committed) before the mail server is spoken to. A row still "sending" after
``SENDING_STALE`` had its worker die mid-send; it is NOT sent again (it may have gone out) but marked failed, "not
known whether it was sent", for the quality manager to check: never twice rather than at least once. A temporary
failure (server down, 4xx) is tried again with a growing delay; a permanent refusal (5xx) fails the row with its
reason.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from email.mime.text import MIMEText

from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.utils import timezone

from qms_portal.models import OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)

# A row "sending" for longer than this had its worker die while speaking to the mail server.
SENDING_STALE = dt.timedelta(minutes=5)
SENDING_LOST = (
    "The worker stopped while sending it: it is not known whether it went out. It is not sent again, so that "
    "nobody gets it twice; ask the person whether it arrived."
)
# Temporary failures are tried again after 1, 2, 4 ... minutes, at most an hour apart, until the server takes them.
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=1)


def _permanent(error: Exception) -> bool:
    """Whether the mail server refused for good (5xx): sending again would be refused again."""
    if isinstance(error, BadHeaderError):  # the message itself is wrong: it would be refused every time
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {message.decode(errors='replace') if isinstance(message, bytes) else message}"
            for address, (code, message) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return f"{error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"


def _backoff(attempts: int) -> dt.timedelta:
    doublings = min(max(0, attempts - 1), 10)  # past ten the hour's cap holds anyway
    return min(BACKOFF_FIRST * (1 << doublings), BACKOFF_MAX)


def outbox_fail_lost(now: dt.datetime | None = None) -> int:
    """Mark failed the rows left "sending" by a worker that died mid-send (see the module's docstring: never
    twice); returns how many."""
    now = now or timezone.now()
    count = OutboxEmail.objects.filter(status=OutboxStatus.SENDING, sending_since__lt=now - SENDING_STALE).update(
        status=OutboxStatus.FAILED, last_error=SENDING_LOST
    )
    if count:
        log.error("%s e-mail(s) left sending by a stopped worker marked failed", count)
    return count


def _outbox_claim(limit: int, now: dt.datetime) -> list[OutboxEmail]:
    """Take up to ``limit`` due rows for this worker: "sending", committed before anything is sent."""
    with transaction.atomic():
        due = OutboxEmail.objects.filter(status=OutboxStatus.QUEUED, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        # SQLite: the transaction takes the write lock at its start (IMMEDIATE), so one worker claims at a time.
        ids = list(due.values_list("pk", flat=True)[:limit])
        OutboxEmail.objects.filter(pk__in=ids, status=OutboxStatus.QUEUED).update(
            status=OutboxStatus.SENDING, sending_since=now
        )
    return list(OutboxEmail.objects.filter(pk__in=ids, status=OutboxStatus.SENDING).order_by("id"))


@dataclass
class OutboxResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0


def _calendar_part(calendar: str) -> MIMEText:
    """An iCalendar file as the attachment mail clients offer to accept (``method`` as in the file, RFC 6047)."""
    part = MIMEText(calendar, "calendar", "utf-8")
    part.set_param("method", "CANCEL" if "METHOD:CANCEL" in calendar else "REQUEST")
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def outbox_send(*, limit: int = 100, now: dt.datetime | None = None) -> OutboxResult:
    """Send the queued e-mails that are due: sent ones are marked sent, a permanent refusal (5xx) failed with its
    reason, anything else (server down, 4xx) queued again with a later ``next_attempt_at``."""
    now = now or timezone.now()
    outbox_fail_lost(now)
    rows = _outbox_claim(limit, now)
    result = OutboxResult()
    if not rows:
        return result
    mail = get_connection(fail_silently=False)
    for row in rows:
        message = EmailMultiAlternatives(
            subject=row.subject, body=row.text, to=[row.to_address], headers=row.headers, connection=mail
        )
        if row.html:
            message.attach_alternative(row.html, "text/html")
        if row.calendar:
            message.attach(_calendar_part(row.calendar))
        attempts = row.attempts + 1
        try:
            message.send()
        except Exception as error:  # noqa: BLE001 - every failure is kept on its row, and the others still go
            if _permanent(error):
                result.failed += 1
                OutboxEmail.objects.filter(pk=row.pk).update(
                    status=OutboxStatus.FAILED, attempts=attempts, last_error=_reason(error)[:2000]
                )
                log.warning("e-mail %s refused for good: %s", row.pk, _reason(error))
            else:
                result.retried += 1
                OutboxEmail.objects.filter(pk=row.pk).update(
                    status=OutboxStatus.QUEUED, attempts=attempts, last_error=_reason(error)[:2000],
                    next_attempt_at=timezone.now() + _backoff(attempts), sending_since=None,
                )
                log.warning("e-mail %s not sent, tried again later: %s", row.pk, _reason(error))
            continue
        result.sent += 1
        OutboxEmail.objects.filter(pk=row.pk).update(
            status=OutboxStatus.SENT, attempts=attempts, sent_at=timezone.now(), last_error=""
        )
    return result


def outbox_failed_recently(*, days: int = 7, limit: int = 5) -> tuple[int, list[OutboxEmail]]:
    """The e-mails that failed in the last ``days`` (refused for good, or lost with their worker), newest first:
    how many, and the first ``limit``; for the quality manager, who tells the people by other means."""
    rows = OutboxEmail.objects.filter(
        status=OutboxStatus.FAILED, created_at__gte=timezone.now() - dt.timedelta(days=days)
    ).select_related("recipient")
    shown = list(rows[:limit])
    return (len(shown) if len(shown) < limit else rows.count()), shown
