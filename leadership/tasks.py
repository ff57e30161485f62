"""Celery tasks of leadership (5.1): the nightly readiness snapshot. Tasks take ids or nothing, never instances."""
from __future__ import annotations

from celery import shared_task

from leadership.readiness import snapshot_store


@shared_task(name="leadership.tasks.readiness_snapshot_nightly")
def readiness_snapshot_nightly() -> str:
    """Keep today's Clause 5 readiness (safe to run twice: the day's snapshot is replaced)."""
    return str(snapshot_store())
