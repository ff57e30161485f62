"""What an evidence pack covers: its scope, and its period of whole days (from one date to another inclusive) in the
organisation's zone."""
from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from qms_portal.models import Organisation

# The scopes a pack may be made for: the whole of Clause 5 (with management review, 9.3), or one area.
SCOPE_CHOICES = [
    ("5", "The whole of Clause 5 (5.1, 5.2, 5.3 and management review 9.3)"),
    ("5.1", "5.1 Leadership and commitment"),
    ("5.2", "5.2 Policy"),
    ("5.3", "5.3 Organizational roles, responsibilities and authorities"),
    ("9.3", "9.3 Management review"),
]


@dataclass(frozen=True)
class PackPeriod:
    """From ``start`` to ``end`` (both dates included) in the time zone ``zone``.

    ``start_at`` and ``end_at`` are the aware instants that bound it, ``end_at`` excluded: a record belongs to the
    period when ``start_at <= its time < end_at``; a date field when ``start <= its date <= end``.
    """

    start: dt.date
    end: dt.date
    zone: str = "UTC"

    @classmethod
    def of(cls, start: dt.date, end: dt.date) -> PackPeriod:
        """The period in the organisation's time zone."""
        return cls(start=start, end=end, zone=Organisation.current().time_zone)

    @classmethod
    def default(cls) -> PackPeriod:
        """The last 12 months, today included."""
        zone = Organisation.current().time_zone
        today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
        start = today.replace(year=today.year - 1) + dt.timedelta(days=1) if not (
            today.month == 2 and today.day == 29
        ) else dt.date(today.year - 1, 3, 1)
        return cls(start=start, end=today, zone=zone)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.zone)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=self.tz)

    @property
    def end_at(self) -> dt.datetime:
        """The first instant after the period (midnight starting the day after ``end``)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=self.tz)

    def holds_instant(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.start_at <= moment < self.end_at

    def holds_date(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
