"""Reminders about accounts: an external auditor's access ending soon (``ACCESS_ENDING_DAYS``, 7 days by default),
told to the quality managers (those who manage people) so they extend it or let it end on purpose."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse

from qms_portal.access import Capability
from qms_portal.accounts import people_who_can
from qms_portal.models import User
from qms_portal.notifications import Holders, Reminder, ReminderKind
from qms_portal.reminder_schedule import Days, schedule_value
from qms_portal.reminder_steps import day_in, organisation_zone

ACCESS_ENDING = "account_access_ending"
# The quality managers are told this many days before the last day an account can sign in.
ACCESS_ENDING_DAYS = Days(
    "account_access_ending_days", "Auditor's access ending (days before)", default=7,
    help="Those who manage people are told this many days before an account's access ends (its last day included).",
)


def access_ending_find(now: dt.datetime) -> Iterable[Reminder]:
    """An active account whose access ends within the schedule's days (7; today included), once per end date,
    to each person who manages people. Two queries whatever the number of people, besides the organisation's zone
    and schedule (read once by the sweep for every kind)."""
    today = day_in(organisation_zone(), now)
    within = schedule_value(ACCESS_ENDING_DAYS)
    ending = list(
        User.objects.filter(
            is_active=True,
            access_expires_on__gte=today,
            access_expires_on__lte=today + dt.timedelta(days=within),
        ).values_list("pk", "full_name", "username", "access_expires_on")
    )
    if not ending:
        return []
    managers = list(people_who_can(Capability.MANAGE_PEOPLE).values_list("pk", flat=True))
    reminders = []
    for pk, full_name, username, ends_on in ending:
        if ends_on is None:  # filtered above; the check tells the type checker
            continue
        days = (ends_on - today).days
        when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
        name = full_name or username
        for manager in managers:
            if manager == pk:  # one's own account is not a reminder to oneself
                continue
            reminders.append(Reminder(
                kind=ACCESS_ENDING, recipient_id=manager, record_type="qms_portal.user", record_id=str(pk),
                # The end date in the occasion: access extended to a new date is told again before that one.
                occasion=f"ends-{ends_on.isoformat()}",
                title=f"{name}'s access to the portal ends {when}",
                body=(
                    f"{name} can sign in until {ends_on:%d %B %Y}. Extend the access on their page if the audit "
                    "goes on; otherwise nothing is needed: the account stops working by itself."
                ),
                url=reverse("person_edit", args=[pk]),
            ))
    return reminders


ACCESS_ENDING_KIND = ReminderKind(
    name=ACCESS_ENDING,
    label="An auditor's access ends soon",
    group="People",
    find=access_ending_find,
    schedule=(ACCESS_ENDING_DAYS,),
    audience=Holders((Capability.MANAGE_PEOPLE,)),
)
