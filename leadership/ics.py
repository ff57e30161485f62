"""A management review as an iCalendar (RFC 5545) file, for people's calendars.

The ``icalendar`` package escapes the text, quotes the parameters and folds the lines.
"""
from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from leadership.models import ManagementReview
from qms_portal.models import User

PRODID = "-//QMS Leadership Portal//Management reviews//EN"
# Control characters have no escape in a calendar file, so they are dropped before icalendar writes it.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def review_ics(review: ManagementReview, *, now: dt.datetime | None = None) -> str:
    """The review as an iCalendar file with one all-day VEVENT.

    Its UID stays the same for the life of the review, so a calendar that imports it again updates the
    event instead of adding a second one; DTSTAMP is when the file was made, in UTC.
    """
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"management-review-{review.uid}@qms-portal")
    event.add("dtstamp", (now or timezone.now()).astimezone(dt.UTC))
    event.add("dtstart", review.planned_on)
    event.add("dtend", review.planned_on + dt.timedelta(days=1))
    event.add("summary", _plain(review.title))
    event.add("description", _plain(_description(review)))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    if review.chair.email:
        event.add("organizer", _address(review.chair))
    for row in review.attendance.select_related("person"):
        if row.person.email:
            role = "CHAIR" if row.person.pk == review.chair_id else "REQ-PARTICIPANT"
            event.add("attendee", _address(row.person, ROLE=role))
    calendar.add_component(event)
    text: bytes = calendar.to_ical()  # icalendar leaves its return type unannotated
    return text.decode("utf-8")


def _description(review: ManagementReview) -> str:
    agenda = "\n".join(f"{row.code}. {row.get_code_display()}" for row in review.inputs.order_by("code"))
    return f"Management review chaired by {review.chair.get_full_name()}.\n\nAgenda (9.3.2 inputs):\n{agenda}"


def _address(person: User, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = _plain(person.get_full_name())
    address.params.update(params)
    return address


def _plain(text: str) -> str:
    """``text`` with line breaks as ``\\n``, tabs as spaces and control characters dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", text)
