"""The Celery application. Its configuration is ``settings.CELERY_SETTINGS`` (see settings.py)."""
import os
from typing import Any

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")

app = Celery("qms_portal")


def _configure() -> None:
    from django.conf import settings

    app.conf.update(settings.CELERY_SETTINGS)
    # Each entry expires before its next run is due, so runs missed while workers were down never pile up.
    app.conf.beat_schedule = {
        "verify-audit-trail-nightly": {
            "task": "qms_portal.tasks.verify_audit_trail_nightly",
            "schedule": crontab(hour=2, minute=15),
            "options": {"expires": 3600},
        },
        # Readiness per day for the dashboard's trends; just before midnight, so it is the day's closing state.
        "readiness-snapshot-nightly": {
            "task": "leadership.tasks.readiness_snapshot_nightly",
            "schedule": crontab(hour=23, minute=50),
            "options": {"expires": 3600},
        },
        # The drawn parts of evidence packs that failed, were cancelled or whose workers stopped.
        "evidence-packs-clean-up": {
            "task": "leadership.tasks.evidence_packs_clean_up",
            "schedule": crontab(minute="*/10"),
            "options": {"expires": 540},
        },
        "clear-expired-sessions-nightly": {
            "task": "qms_portal.tasks.clear_expired_sessions",
            "schedule": crontab(hour=3, minute=5),
            "options": {"expires": 3600},
        },
        "send-waiting-invitations": {
            "task": "qms_portal.tasks.send_waiting_invitations",
            "schedule": crontab(minute="*/5"),
            "options": {"expires": 240},
        },
        # Reminders: the sweep claims each one once; the outbox sends (and retries) what it and requests wrote; the
        # digest task runs hourly and sends at 07:00 in the organisation's zone (its zone is not the beat's).
        "send-reminders": {
            "task": "qms_portal.tasks.send_reminders",
            "schedule": crontab(minute="*/15"),
            "options": {"expires": 14 * 60},
        },
        "send-outbox": {
            "task": "qms_portal.tasks.send_outbox",
            "schedule": crontab(minute="*"),
            "options": {"expires": 50},
        },
        "send-digests": {
            "task": "qms_portal.tasks.send_digests",
            "schedule": crontab(minute=0),
            "options": {"expires": 50 * 60},
        },
        # Every minute: a job whose worker died is failed within a few minutes (two leases and this sweep).
        "fail-lost-jobs": {
            "task": "qms_portal.tasks.fail_lost_jobs",
            "schedule": crontab(minute="*"),
            "options": {"expires": 50},
        },
    }


_configure()
app.autodiscover_tasks()


def task_send_promptly(name: str, args: list[Any]) -> None:
    """Send the task ``name`` with ``args``; when the broker cannot be reached, raise kombu's OperationalError
    at once rather than retrying for seconds while a person waits for the page. In-process, run it."""
    signature = app.signature(name, args=args)
    if app.conf.task_always_eager:
        signature.apply_async()
        return
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0)
        signature.apply_async(connection=connection, retry=False)
