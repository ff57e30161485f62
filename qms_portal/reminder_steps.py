"""Schedules of reminders, as days of the organisation's calendar: the kinds of the apps say which steps a record
has (launch, 7 days before, every 3 days while overdue) and these pick the one reached today.

Only the latest step reached is found: a sweep that did not run for a while sends the step due now, not every
step it missed.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.utils import timezone

from qms_portal.reminder_schedule import reminder_organisation


def organisation_zone() -> zoneinfo.ZoneInfo:
    """The organisation's time zone, in which reminders count days: one query, none within a sweep (which reads the
    organisation once for every kind)."""
    return zoneinfo.ZoneInfo(reminder_organisation().time_zone)


def day_in(zone: dt.tzinfo, moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in ``zone``."""
    return timezone.localtime(moment, zone).date()


def step_reached(today: dt.date, steps: Iterable[tuple[dt.date, str]]) -> str | None:
    """The occasion of the latest step whose day has come (on the same day, the first listed wins); None before
    the first."""
    reached: tuple[dt.date, str] | None = None
    for day, occasion in steps:
        if day <= today and (reached is None or day > reached[0]):
            reached = (day, occasion)
    return reached[1] if reached else None


def repeat_reached(first: dt.date, every_days: int, today: dt.date) -> tuple[int, dt.date] | None:
    """For a step on ``first`` and then every ``every_days`` days: the number of the repetition reached today
    (1 for ``first``) and its day; None before ``first``."""
    if today < first:
        return None
    count = (today - first).days // every_days
    return count + 1, first + dt.timedelta(days=count * every_days)
