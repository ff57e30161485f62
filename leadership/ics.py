"""A management review as an iCalendar (RFC 5545) file, for people's calendars.

The ``icalendar`` package escapes the text, quotes the parameters and folds the lines, and writes the VTIMEZONE
of the organisation's zone that a timed event's TZID names.
"""
from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from leadership.models import ManagementReview
from qms_portal.models import Organisation, User

PRODID = "-//QMS Leadership Portal//Management reviews//EN"
# Control characters have no escape in a calendar file, so they are dropped before icalendar writes it.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def review_ics(
    review: ManagementReview, *, with_emails: bool, now: dt.datetime | None = None, method: str = "PUBLISH",
    invitee: User | None = None,
) -> str:
    """The review as an iCalendar file with one VEVENT: from its start time for its duration in the organisation's
    time zone, or all day for a review planned without a time; LOCATION is its place.

    Its UID stays the same for the life of the review, so a calendar that imports it again updates the
    event instead of adding a second one; DTSTAMP is when the file was made, in UTC. E-mail addresses show only to
    those who manage people: ``with_emails`` lists the chair as ORGANIZER and the invitees as ATTENDEEs by
    address; without it the invitees are named in the description only.

    ``method`` REQUEST makes it an invitation (RFC 5546) and CANCEL its cancellation, both with the review's
    ``calendar_sequence`` as SEQUENCE so that calendars apply a later change over an earlier one. An invitation is
    made for one ``invitee``: the chair as ORGANIZER and that person as the one ATTENDEE by address (what a
    calendar needs to offer accept and decline), the other invitees named in the description only.
    """
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"management-review-{review.uid}@qms-portal")
    event.add("dtstamp", (now or timezone.now()).astimezone(dt.UTC))
    event.add("sequence", review.calendar_sequence)
    if review.starts_at is not None and review.duration_minutes is not None:
        zone = zoneinfo.ZoneInfo(Organisation.current().time_zone)
        start = dt.datetime.combine(review.planned_on, review.starts_at, tzinfo=zone)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=review.duration_minutes))
    else:
        event.add("dtstart", review.planned_on)
        event.add("dtend", review.planned_on + dt.timedelta(days=1))
    event.add("summary", _plain(review.title))
    if review.place:
        event.add("location", _plain(review.place))
    invited = [row.person for row in review.attendance.select_related("person").order_by("person__full_name")]
    event.add("description", _plain(_description(review, [] if with_emails else invited)))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if with_emails:
        if review.chair.email:
            event.add("organizer", _address(review.chair))
        for person in invited:
            if person.email:
                role = "CHAIR" if person.pk == review.chair_id else "REQ-PARTICIPANT"
                event.add("attendee", _address(person, ROLE=role))
    elif invitee is not None:
        if review.chair.email:
            event.add("organizer", _address(review.chair))
        if invitee.email:
            role = "CHAIR" if invitee.pk == review.chair_id else "REQ-PARTICIPANT"
            event.add("attendee", _address(invitee, ROLE=role, RSVP="FALSE"))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    text: bytes = calendar.to_ical()  # icalendar leaves its return type unannotated
    return text.decode("utf-8")


def _description(review: ManagementReview, named: list[User]) -> str:
    agenda = "\n".join(f"{row.code}. {row.get_code_display()}" for row in review.inputs.order_by("code"))
    text = f"Management review chaired by {review.chair.get_full_name()}.\n\n"
    if named:
        text += "Invited: " + ", ".join(person.get_full_name() for person in named) + ".\n\n"
    return text + f"Agenda (9.3.2 inputs):\n{agenda}"


def _address(person: User, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = _plain(person.get_full_name())
    address.params.update(params)
    return address


def _plain(text: str) -> str:
    """``text`` with line breaks as ``\\n``, tabs as spaces and control characters dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", text)
