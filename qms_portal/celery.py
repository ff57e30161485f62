"""The Celery application. Its configuration is ``settings.CELERY_SETTINGS`` (see settings.py)."""
import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")

app = Celery("qms_portal")


def _configure() -> None:
    from django.conf import settings

    app.conf.update(settings.CELERY_SETTINGS)
    app.conf.beat_schedule = {
        "verify-audit-trail-nightly": {
            "task": "qms_portal.tasks.verify_audit_trail_nightly",
            "schedule": crontab(hour=2, minute=15),
            # A run that could not start within the hour is dropped, so missed runs never pile up.
            "options": {"expires": 3600},
        },
    }


_configure()
app.autodiscover_tasks()
