"""Invitations to a management review: an e-mail with an iCalendar REQUEST to the chair and each invitee when it is
planned, an update (a higher SEQUENCE) when its date, time, place or invitees change, and a CANCEL to people no
longer invited.

Each goes once: its occasion is "planned", "changed-<sequence>" or "cancelled-<sequence>", and the core's
``notify`` claims (kind, review, person, occasion) in the caller's transaction, so that a rolled-back change
sends nothing.
"""
from __future__ import annotations

import zoneinfo
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone

from leadership.ics import review_ics
from leadership.models import ManagementReview
from qms_portal.models import Organisation, User
from qms_portal.notifications import Reminder, notify
from qms_portal.presentation import day

INVITATION = "review_invitation"
REVIEW_RECORD = "management_review"


def meeting_of(review: ManagementReview, invited: Iterable[int]) -> tuple[object, ...]:
    """What an invitation tells: a change to any of it sends an update."""
    return (review.planned_on, review.starts_at, review.duration_minutes, review.place, frozenset(invited))


def _when(review: ManagementReview) -> str:
    if review.starts_at is None:
        return f"{day(review.planned_on)} (all day)"
    return f"{day(review.planned_on)} at {review.starts_at:%H:%M}"


def review_invitations_send(review: ManagementReview, *, removed: Iterable[User] = ()) -> int:
    """Invite the review's chair and invitees (again, after a change: the review's ``calendar_sequence`` is the
    occasion), and send ``removed`` people a cancellation; returns how many were told. A review whose day has
    passed (one recorded after the fact) invites nobody."""
    zone = zoneinfo.ZoneInfo(Organisation.current().time_zone)
    if review.planned_on < timezone.localtime(timezone.now(), zone).date():
        return 0
    sequence = review.calendar_sequence
    occasion = "planned" if sequence == 0 else f"changed-{sequence}"
    url = reverse("leadership:review_detail", args=[review.pk])
    where = f", {review.place}" if review.place else ""
    told = 0
    invited = [row.person for row in review.attendance.select_related("person")]
    for person in invited:
        verb = "Invitation" if sequence == 0 else "Changed"
        made = notify(Reminder(
            kind=INVITATION, recipient_id=person.pk, record_type=REVIEW_RECORD, record_id=str(review.pk),
            occasion=occasion, title=f"{verb}: {review.title}, {_when(review)}",
            body=f"{review.title}, chaired by {review.chair.get_full_name()}: {_when(review)}{where}.",
            url=url, calendar=review_ics(review, with_emails=False, method="REQUEST", invitee=person),
        ))
        told += made is not None
    for person in removed:
        made = notify(Reminder(
            kind=INVITATION, recipient_id=person.pk, record_type=REVIEW_RECORD, record_id=str(review.pk),
            occasion=f"cancelled-{sequence}", title=f"No longer invited: {review.title}",
            body=f"You are no longer invited to {review.title} ({_when(review)}).",
            url=url, calendar=review_ics(review, with_emails=False, method="CANCEL", invitee=person),
        ))
        told += made is not None
    return told
