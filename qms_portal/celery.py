"""The Celery application. Its configuration is ``settings.CELERY_SETTINGS`` (see settings.py)."""
import os

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
        "clear-expired-sessions-nightly": {
            "task": "qms_portal.tasks.clear_expired_sessions",
            "schedule": crontab(hour=3, minute=5),
            "options": {"expires": 3600},
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
