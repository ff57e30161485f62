"""The portal's Celery app as a worker test runs it to see a task redelivered after the visibility timeout: the same
app, tasks and settings, but Redis hands back a message not acknowledged within ``VISIBILITY_SECONDS`` (production
waits twice the task time limit), and the worker looks for such messages every second (kombu's default is about
every 100 seconds). Start it with ``celery -A tests.core.celery_short_visibility worker``."""
from qms_portal.celery import app

VISIBILITY_SECONDS = 1  # SHORT_VISIBILITY_SECONDS in test_notifications_worker.py, which must not import this module

app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    "visibility_timeout": VISIBILITY_SECONDS,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

__all__ = ["app"]
