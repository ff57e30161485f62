"""The leadership app's reminders: management reviews (invitations, coming up, inputs without notes, minutes to
sign, none planned in the interval), actions (due soon, overdue, escalated) and commitments (evidence due or
stale).

Each kind's schedule is a pure function of dates (``*_step``) naming the occasion due on a day, or None; the
``find_*`` functions read the records with a fixed number of queries, whatever the number of people or records,
and turn each due step into a ``Reminder``. The core's sweep claims each (kind, record, person, occasion) once,
so a schedule only has to say which step is due, never whether it was sent. A step missed (the sweep did not
run that day) is sent late; a step overtaken by a nearer one is not.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from leadership.review_invitations import INVITATION
from qms_portal.models import Organisation
from qms_portal.notifications import Reminder, ReminderKind, reminder_kind_register

# TODO(issue 14): organisation settings for these; constants until a settings row carries them.
REVIEW_DAYS_BEFORE: tuple[int, ...] = (14, 7, 1)
INPUTS_DAYS_BEFORE = 7
MINUTES_FIRST_AFTER_DAYS = 2
MINUTES_REPEAT_DAYS = 7
ACTION_DUE_SOON_DAYS = 7
ACTION_OVERDUE_REPEAT_DAYS = 7
ACTION_ESCALATE_AFTER_DAYS = 14

GROUP_REVIEWS = "Management reviews"
GROUP_ACTIONS = "Actions"
GROUP_COMMITMENTS = "Commitments"
ACTION_RECORD = "action"
COMMITMENT_RECORD = "commitment"
CYCLE_RECORD = "review_cycle"


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(Organisation.current().time_zone)


def _today(now: dt.datetime, zone: zoneinfo.ZoneInfo | None = None) -> dt.date:
    """The organisation's day at ``now``."""
    return timezone.localtime(now, zone or _zone()).date()


# --- Schedules: pure functions of dates ---------------------------------------------------------------
# --- Who ---------------------------------------------------------------------------------------------------
# --- Finding what is due -------------------------------------------------------------------------------
def _nothing(now: dt.datetime) -> list[Reminder]:
    """Invitations are sent when a review is planned or changed (``review_invitations``), never by the sweep."""
    return []


KINDS = (
    ReminderKind(INVITATION, "Invitations to management reviews and their changes", GROUP_REVIEWS, _nothing),
)


def register_reminder_kinds() -> None:
    """Make the leadership kinds known to the core's sweep (from ``LeadershipConfig.ready``)."""
    for kind in KINDS:
        reminder_kind_register(kind)


# --- Who was reminded, for a record's page -------------------------------------------------------------
