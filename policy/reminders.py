"""Reminders of the quality policy (5.2), found by the core's sweep (``qms_portal.notifications``): a version waiting
for top management's signature, the acknowledgement campaign's steps to each person asked and its weekly overdue
summary to the quality managers (and to each manager, of their own reports), and the periodic review coming and
overdue. The days each counts are the organisation's reminder schedule (``schedule_value``).

Days are the organisation's calendar days; each kind sends only the step of its schedule reached today
(``qms_portal.reminder_steps``), and the core sends each step once to each person.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Max, Min
from django.urls import reverse

from policy.access import PolicyCapability
from policy.acknowledgements import NO_UNIT, campaign_pending_people
from policy.models import Campaign, PolicyVersion, VersionStatus
from policy.periodic_review import REVIEW_DAYS_BEFORE
from policy.selectors import policy_review_dates
from policy.workflow import version_url, version_writers
from qms_portal.accounts import manager_to_tell, people_who_can
from qms_portal.models import Notification, User
from qms_portal.notifications import STAFF, Holders, Reminder, ReminderKind, notifications_resolve
from qms_portal.presentation import day
from qms_portal.reminder_schedule import Days, DaysList, schedule_value
from qms_portal.reminder_steps import day_in, organisation_zone, repeat_reached, step_reached

GROUP = "Quality policy"
SIGNATURE_WAITING = "policy_signature_waiting"
ACKNOWLEDGEMENT_DUE = "policy_acknowledgement_due"
OVERDUE_SUMMARY = "policy_acknowledgement_overdue_summary"
REVIEW_DUE = "policy_review_due"

# The days each kind counts, set by the organisation on its reminder schedule page (``qms_portal.reminder_schedule``).
SIGNATURE_FIRST_AFTER = Days(
    "policy_signature_first_after_days", "Version waiting for signature: first reminder (days after submission)",
    default=2, help="Top management is reminded of a version in review this many days after it was submitted.",
)
SIGNATURE_EVERY = Days(
    "policy_signature_repeat_days", "Version waiting for signature: repeated every (days)", default=3,
    help="Then again this often while it waits.",
)
ACK_DAYS_BEFORE = DaysList(
    "policy_ack_days_before", "Acknowledgement reminders (days before the due date)", default=(7, 1),
    help="Besides the request at launch and on the due date, each person not yet done is reminded this many days "
         "before the due date, such as 7, 1.",
)
ACK_OVERDUE_EVERY = Days(
    "policy_ack_overdue_repeat_days", "Overdue acknowledgement repeated every (days)", default=3,
    help="A person past the due date is asked again this often.",
)
SUMMARY_EVERY = Days(
    "policy_ack_summary_repeat_days", "Overdue summary every (days)", default=7,
    help="The quality managers, and each manager for their own reports, get the list of who is overdue this often, "
         "from the day after the due date.",
)
REVIEW_OVERDUE_EVERY = Days(
    "policy_review_overdue_repeat_days", "Periodic review overdue repeated every (days)", default=30,
    help="A periodic review still overdue is brought up again this often.",
)

VERSION = "policy.policyversion"
CAMPAIGN = "policy.campaign"


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


# --- A version waiting for top management's signature ------------------------------------------------------
def signature_waiting_find(now: dt.datetime) -> Iterable[Reminder]:
    """Each version in review, 2 days after it was submitted and then every 3 days (the schedule's defaults), to
    each top manager who may
    sign it (never one of its writers). Four queries (the organisation read once in a sweep), whatever the number of
    people or versions."""
    zone = organisation_zone()
    today = day_in(zone, now)
    first_after, every = schedule_value(SIGNATURE_FIRST_AFTER), schedule_value(SIGNATURE_EVERY)
    in_review = list(
        PolicyVersion.objects.filter(status=VersionStatus.IN_REVIEW, submitted_at__isnull=False)
        .select_related("document")
    )
    if not in_review:
        return []
    writers = version_writers(in_review)
    approvers = list(people_who_can(PolicyCapability.APPROVE).values_list("pk", flat=True))
    reminders = []
    for version in in_review:
        if version.submitted_at is None:  # filtered above; the check tells the type checker
            continue
        submitted = day_in(zone, version.submitted_at)
        reached = repeat_reached(submitted + dt.timedelta(days=first_after), every, today)
        if reached is None:
            continue
        number, on = reached
        for approver in approvers:
            if approver in writers[version.pk]:
                continue
            reminders.append(Reminder(
                kind=SIGNATURE_WAITING, recipient_id=approver, record_type=VERSION, record_id=str(version.pk),
                # The submission's day in the occasion: a version sent back and submitted again starts over.
                occasion=f"submitted-{submitted.isoformat()}-{number}",
                title=f"{version.signed_title()} waits for your signature",
                body=(
                    f"It was submitted for review on {day(submitted, 'long')} and has waited "
                    f"{_days((on - submitted).days)}. Read it, then approve it by signature or send it back."
                ),
                url=version_url(version),
            ))
    return reminders


# --- The acknowledgement campaign: each person asked ------------------------------------------------------------
def _before(days: int) -> str:
    return f"{_days(days).replace(' ', '-')}-before"


def acknowledgement_occasion(
    opened_on: dt.date, due_on: dt.date, today: dt.date, days_before: Sequence[int] = ACK_DAYS_BEFORE.default,
    overdue_every: int = ACK_OVERDUE_EVERY.default,
) -> str | None:
    """The step of a campaign's schedule reached today: at launch, ``days_before`` the due date (7 and 1 by
    default), on it, then every ``overdue_every`` days (3) while overdue; None before the launch."""
    steps = [(opened_on, "launch")]
    steps += [(due_on - dt.timedelta(days=n), _before(n)) for n in sorted(days_before, reverse=True)]
    steps.append((due_on, "due-day"))
    overdue = repeat_reached(due_on + dt.timedelta(days=overdue_every), overdue_every, today)
    if overdue is not None:
        steps.append((overdue[1], f"overdue-{(overdue[1] - due_on).days}-days"))
    return step_reached(today, steps) if opened_on <= today else None


def _acknowledgement_title(version: PolicyVersion, occasion: str, due_on: dt.date) -> str:
    name = version.signed_title()
    if occasion == "1-day-before":
        return f"Acknowledge {name} by tomorrow"
    if occasion.endswith("-days-before"):
        return f"Acknowledge {name} within {occasion.removesuffix('-days-before')} days"
    if occasion == "due-day":
        return f"Acknowledge {name} today"
    if occasion.startswith("overdue-"):
        return f"Overdue: acknowledge {name} (it was due on {day(due_on, 'long')})"
    return f"Please read and acknowledge {name} by {day(due_on, 'long')}"


def _open_campaigns() -> list[Campaign]:
    return list(
        Campaign.objects.filter(version__status=VersionStatus.PUBLISHED).select_related("version__document")
    )


def acknowledgement_due_find(now: dt.datetime) -> Iterable[Reminder]:
    """The step of each open campaign reached today, to each person it asks who has not acknowledged yet. Two
    queries, and one per open campaign (three for one to chosen departments), whatever the number of people."""
    zone = organisation_zone()
    today = day_in(zone, now)
    days_before, overdue_every = schedule_value(ACK_DAYS_BEFORE), schedule_value(ACK_OVERDUE_EVERY)
    reminders = []
    for campaign in _open_campaigns():
        occasion = acknowledgement_occasion(
            day_in(zone, campaign.opened_at), campaign.due_on, today, days_before, overdue_every
        )
        if occasion is None:
            continue
        version = campaign.version
        title = _acknowledgement_title(version, occasion, campaign.due_on)
        body = (
            f"You are asked to read {version.signed_title()} and confirm that you understood it, "
            f"by {day(campaign.due_on, 'long')}."
        )
        url = reverse("policy:version_acknowledge", kwargs={
            "reference": version.document.reference, "number": version.number,
        })
        for person_id in campaign_pending_people(campaign).values_list("pk", flat=True):
            reminders.append(Reminder(
                kind=ACKNOWLEDGEMENT_DUE, recipient_id=person_id, record_type=CAMPAIGN, record_id=str(campaign.pk),
                occasion=occasion, title=title, body=body, url=url,
            ))
    return reminders


# --- The acknowledgement campaign: the weekly summary of who is overdue ---------------------------------------
# Names listed per department in the summary; the rest are counted ("and 12 more").
SUMMARY_NAMES = 20


def _summary_body(campaign: Campaign, rows: Sequence[tuple[str, str, str | None]]) -> str:
    by_unit: dict[str, list[str]] = {}
    for full_name, username, unit in rows:
        by_unit.setdefault(unit or NO_UNIT, []).append(full_name or username)
    lines = [
        f"{len(rows)} {'person has' if len(rows) == 1 else 'people have'} not acknowledged "
        f"{campaign.version.signed_title()}, due on {day(campaign.due_on, 'long')}:",
        "",
    ]
    for unit in sorted(by_unit, key=lambda name: (name == NO_UNIT, name.lower())):
        names = by_unit[unit]
        shown = ", ".join(names[:SUMMARY_NAMES]) + (f" and {len(names) - SUMMARY_NAMES} more" if
                                                   len(names) > SUMMARY_NAMES else "")
        lines.append(f"{unit} ({len(names)}): {shown}")
    return "\n".join(lines)


def overdue_summary_find(now: dt.datetime) -> Iterable[Reminder]:
    """For each open campaign past its due date with people still pending, every week (the schedule) from the day
    after the due date: who is overdue, by department, to each quality manager; and to each manager who can be told
    (active, access not ended), the same list of their own direct reports only. A quality manager who also
    manages people gets the whole list, once. Three queries, and one per overdue campaign (three for one to chosen
    departments), whatever the number of people."""
    zone = organisation_zone()
    today = day_in(zone, now)
    overdue = [campaign for campaign in _open_campaigns() if campaign.due_on < today]
    if not overdue:
        return []
    every = schedule_value(SUMMARY_EVERY)
    quality_managers = list(people_who_can(PolicyCapability.MANAGE).values_list("pk", flat=True))
    reminders = []
    for campaign in overdue:
        reached = repeat_reached(campaign.due_on + dt.timedelta(days=1), every, today)
        if reached is None:  # never: the due date is before today; the check tells the type checker
            continue
        rows = list(
            campaign_pending_people(campaign).order_by("org_unit__name", "full_name", "username")
            .values_list("full_name", "username", "org_unit__name", manager_to_tell(today))
        )
        if not rows:
            continue
        version = campaign.version
        occasion = f"overdue-week-{reached[0]}"
        title = version.signed_title()
        url = reverse("policy:campaign_report", kwargs={"reference": version.document.reference,
                                                        "number": version.number})
        everyone = [(full_name, username, unit) for full_name, username, unit, _ in rows]
        body = _summary_body(campaign, everyone)
        for quality_manager in quality_managers:
            reminders.append(Reminder(
                kind=OVERDUE_SUMMARY, recipient_id=quality_manager, record_type=CAMPAIGN, record_id=str(campaign.pk),
                occasion=occasion, title=f"{len(rows)} still to acknowledge {title} (overdue)", body=body, url=url,
            ))
        told = set(quality_managers)
        by_manager: dict[int, list[tuple[str, str, str | None]]] = {}
        for full_name, username, unit, manager in rows:
            if manager is not None and manager not in told:
                by_manager.setdefault(manager, []).append((full_name, username, unit))
        for manager, reports in by_manager.items():
            reminders.append(Reminder(
                kind=OVERDUE_SUMMARY, recipient_id=manager, record_type=CAMPAIGN, record_id=str(campaign.pk),
                occasion=occasion,
                title=f"{len(reports)} of your reports still to acknowledge {title} (overdue)",
                body=_summary_body(campaign, reports),
                # The campaign report is for those who read acknowledgement reports; the names are in the body.
                url=reverse("policy:policy_detail", args=[version.document.reference]),
            ))
    return reminders


# --- The periodic review ---------------------------------------------------------------------------------------
def review_occasion(
    due_on: dt.date, today: dt.date, days_before: int = REVIEW_DAYS_BEFORE.default,
    overdue_every: int = REVIEW_OVERDUE_EVERY.default,
) -> str | None:
    """The step reached today for a review due on ``due_on``: from ``days_before`` (30) before it, then the day
    after it, then every ``overdue_every`` days (30) while overdue; None before. The date is in the occasion: a
    review that moves the date starts the schedule over."""
    steps = [(due_on - dt.timedelta(days=days_before), f"{due_on.isoformat()}-coming")]
    overdue = repeat_reached(due_on + dt.timedelta(days=1), overdue_every, today)
    if overdue is not None:
        steps.append((overdue[1], f"{due_on.isoformat()}-overdue-{overdue[0]}"))
    return step_reached(today, steps)


def review_due_find(now: dt.datetime) -> Iterable[Reminder]:
    """Each policy in force whose periodic review is near or overdue, to the quality managers and top management.
    Four queries (the organisation read once in a sweep), whatever the number of people."""
    today = day_in(organisation_zone(), now)
    days_before, overdue_every = schedule_value(REVIEW_DAYS_BEFORE), schedule_value(REVIEW_OVERDUE_EVERY)
    due = []
    for row in policy_review_dates():
        if row.next_review_on is not None:
            occasion = review_occasion(row.next_review_on, today, days_before, overdue_every)
            if occasion is not None:
                due.append((row, row.next_review_on, occasion))
    if not due:
        return []
    people = list(dict.fromkeys([
        *people_who_can(PolicyCapability.MANAGE).values_list("pk", flat=True),
        *people_who_can(PolicyCapability.APPROVE).values_list("pk", flat=True),
    ]))
    reminders = []
    for row, due_on, occasion in due:
        days = (due_on - today).days
        name = row.version.signed_title()
        if days < 0:
            title = f"The periodic review of {name} is overdue (due {day(due_on, 'long')})"
        else:
            when = "today" if days == 0 else f"in {_days(days)}"
            title = f"The periodic review of {name} is due {when}"
        for person in people:
            reminders.append(Reminder(
                kind=REVIEW_DUE, recipient_id=person, record_type=VERSION, record_id=str(row.version.pk),
                occasion=occasion, title=title,
                body=f"Review whether {name} is still suitable, by {day(due_on, 'long')}; top management signs it.",
                url=row.url,
            ))
    return reminders


KINDS = (
    ReminderKind(name=SIGNATURE_WAITING, label="A policy version waits for your signature", group=GROUP,
                 find=signature_waiting_find, schedule=(SIGNATURE_FIRST_AFTER, SIGNATURE_EVERY),
                 audience=Holders((PolicyCapability.APPROVE,))),
    ReminderKind(name=ACKNOWLEDGEMENT_DUE, label="A policy to acknowledge by its due date", group=GROUP,
                 find=acknowledgement_due_find, deadline=True, schedule=(ACK_DAYS_BEFORE, ACK_OVERDUE_EVERY),
                 audience=STAFF),
    ReminderKind(name=OVERDUE_SUMMARY, label="Weekly: who has not acknowledged a policy past its due date",
                 group=GROUP, find=overdue_summary_find, schedule=(SUMMARY_EVERY,),
                 audience=Holders((PolicyCapability.MANAGE,), managers=True)),
    ReminderKind(name=REVIEW_DUE, label="A policy's periodic review coming or overdue", group=GROUP,
                 find=review_due_find, deadline=True, schedule=(REVIEW_DAYS_BEFORE, REVIEW_OVERDUE_EVERY),
                 audience=Holders((PolicyCapability.MANAGE, PolicyCapability.APPROVE))),
)


# --- Done: the reminders stop saying it is pending ---------------------------------------------------------------
def acknowledgement_reminders_resolve(*, campaign: Campaign, person: User | None = None,
                                      people: Iterable[User] = ()) -> None:
    """``person`` (or each of ``people``) acknowledged the campaign's version: their reminders of it are read and
    leave the digest."""
    notifications_resolve(kinds=[ACKNOWLEDGEMENT_DUE], record_type=CAMPAIGN, record_id=campaign.pk,
                          recipients=[person] if person is not None else list(people))


def signature_reminders_resolve(version: PolicyVersion) -> None:
    """``version`` left review (signed, or sent back to draft): it waits for nobody's signature any more."""
    notifications_resolve(kinds=[SIGNATURE_WAITING], record_type=VERSION, record_id=version.pk)


def review_reminders_resolve(version: PolicyVersion) -> None:
    """``version``'s periodic review was signed (or it left force): its review reminders are done."""
    notifications_resolve(kinds=[REVIEW_DUE], record_type=VERSION, record_id=version.pk)


# --- On the campaign report: the reminders sent ---------------------------------------------------------------
OCCASION_LABELS = {
    "launch": "First request (at launch, or on joining later)",
    "due-day": "On the due date",
}


def occasion_label(occasion: str) -> str:
    """How a step of the campaign's schedule reads on its report."""
    if occasion in OCCASION_LABELS:
        return OCCASION_LABELS[occasion]
    if occasion.endswith("-before"):
        return f"{occasion.removesuffix('-before').replace('-', ' ')} before the due date"
    if occasion.startswith("overdue-week-"):
        return f"Overdue summary to the quality managers and managers, week {occasion.removeprefix('overdue-week-')}"
    if occasion.startswith("overdue-"):
        return f"Overdue by {occasion.removeprefix('overdue-').replace('-', ' ')}"
    return occasion


@dataclass(frozen=True)
class RemindersSent:
    """One step of a campaign's reminders: how many people it reached, and when."""

    occasion: str
    label: str
    count: int
    first_at: dt.datetime
    last_at: dt.datetime


def campaign_reminders_sent(campaign: Campaign) -> list[RemindersSent]:
    """The reminders of ``campaign`` sent so far, per step of its schedule, oldest first: one query."""
    rows = (
        Notification.objects.filter(
            kind__in=[ACKNOWLEDGEMENT_DUE, OVERDUE_SUMMARY], record_type=CAMPAIGN, record_id=str(campaign.pk)
        )
        .order_by()
        .values("occasion")
        .annotate(count=Count("pk"), first_at=Min("created_at"), last_at=Max("created_at"))
    )
    sent = [
        RemindersSent(row["occasion"], occasion_label(row["occasion"]), row["count"], row["first_at"], row["last_at"])
        for row in rows
    ]
    return sorted(sent, key=lambda step: (step.first_at, step.occasion))


@dataclass(frozen=True)
class PersonReminded:
    """How often one person was reminded of a campaign, and when last."""

    count: int
    last_at: dt.datetime


def campaign_people_reminded(campaign: Campaign, person_ids: Iterable[int]) -> dict[int, PersonReminded]:
    """For each of ``person_ids`` reminded of ``campaign``, how often and when last: one query."""
    rows = (
        Notification.objects.filter(
            kind=ACKNOWLEDGEMENT_DUE, record_type=CAMPAIGN, record_id=str(campaign.pk), recipient_id__in=person_ids
        )
        .order_by()
        .values("recipient_id")
        .annotate(count=Count("pk"), last_at=Max("created_at"))
    )
    return {row["recipient_id"]: PersonReminded(row["count"], row["last_at"]) for row in rows}
