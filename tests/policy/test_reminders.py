"""Reminders of the quality policy (issue 14): a version waiting for signature, the acknowledgement campaign's
steps and its weekly overdue summary, the periodic review; each step once, and the campaign report lists them."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from policy.models import AudienceKind, VersionStatus
from policy.reminders import (
    ACKNOWLEDGEMENT_DUE,
    OVERDUE_SUMMARY,
    REVIEW_DUE,
    SIGNATURE_WAITING,
    acknowledgement_due_find,
    acknowledgement_occasion,
    overdue_summary_find,
    review_due_find,
    review_occasion,
    signature_waiting_find,
)
from qms_portal.access import PortalRole
from qms_portal.models import Channel, Notification, Organisation, User
from qms_portal.notifications import digest_send, notification_preferences_save, reminders_sweep
from qms_portal.outbox import outbox_send
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.policy.factories import AcknowledgementFactory, CampaignFactory, PolicyVersionFactory

OPENED = dt.date(2026, 12, 1)
DUE = dt.date(2026, 12, 20)
REVIEW_ON = dt.date(2027, 1, 31)


@pytest.fixture(autouse=True)
def _only_policy_kinds(reminder_kinds_only) -> None:
    reminder_kinds_only(SIGNATURE_WAITING, ACKNOWLEDGEMENT_DUE, OVERDUE_SUMMARY, REVIEW_DUE)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    """``hour`` o'clock on ``day`` in the organisation's zone (UTC unless a test sets another)."""
    import zoneinfo

    return dt.datetime.combine(day, dt.time(hour), zoneinfo.ZoneInfo(Organisation.current().time_zone))


def told(kind: str, person: User | None = None) -> list[str]:
    """The occasions of ``kind`` each person was told of, oldest first (``person``'s only when given)."""
    rows = Notification.objects.filter(kind=kind).order_by("created_at", "pk")
    if person is not None:
        rows = rows.filter(recipient=person)
    return list(rows.values_list("occasion", flat=True))


def campaign(people=None, opened: dt.date = OPENED, due: dt.date = DUE, **kwargs):
    """A campaign opened and due on these days; with ``people`` (portal_users), its version written by their
    quality manager and signed by their top manager, so that nobody else is on the staff."""
    if people is not None and "version" not in kwargs:
        kwargs["version"] = PolicyVersionFactory(
            status=VersionStatus.PUBLISHED, author=people.quality_manager, signed_by=people.top_management
        )
    made = CampaignFactory(due_on=due, **kwargs)
    made.opened_at = at(opened, 9)
    made.save()
    return made


def in_review(submitted: dt.date, **kwargs):
    """A version submitted for review on ``submitted``."""
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW, **kwargs)
    version.submitted_at = at(submitted, 16)
    version.save()
    return version


# --- The acknowledgement campaign's steps ------------------------------------------------------------------
@pytest.mark.parametrize(("today", "occasion"), [
    (dt.date(2026, 11, 30), None),  # before the launch
    (dt.date(2026, 12, 1), "launch"),
    (dt.date(2026, 12, 12), "launch"),
    (dt.date(2026, 12, 13), "7-days-before"),
    (dt.date(2026, 12, 18), "7-days-before"),
    (dt.date(2026, 12, 19), "1-day-before"),
    (dt.date(2026, 12, 20), "due-day"),
    (dt.date(2026, 12, 22), "due-day"),
    (dt.date(2026, 12, 23), "overdue-3-days"),
    (dt.date(2026, 12, 25), "overdue-3-days"),
    (dt.date(2026, 12, 26), "overdue-6-days"),
    (dt.date(2027, 1, 19), "overdue-30-days"),
])
def test_the_campaign_step_reached_on_each_day(today, occasion):
    assert acknowledgement_occasion(OPENED, DUE, today) == occasion


def test_a_campaign_launched_within_the_last_week_starts_with_its_launch_not_with_a_missed_step():
    assert acknowledgement_occasion(DUE - dt.timedelta(days=3), DUE, DUE - dt.timedelta(days=3)) == "launch"
    # Launched the day before the due date: the launch is that day's one reminder.
    assert acknowledgement_occasion(DUE - dt.timedelta(days=1), DUE, DUE - dt.timedelta(days=1)) == "launch"
    assert acknowledgement_occasion(DUE - dt.timedelta(days=1), DUE, DUE) == "due-day"


def test_each_person_asked_gets_each_step_once_and_nothing_on_the_days_between(portal_users):
    campaign(portal_users)
    employee = portal_users.employee

    for day in range(35):  # every day from the launch to a fortnight overdue, swept twice a day
        today = OPENED + dt.timedelta(days=day)
        reminders_sweep(now=at(today, 9))
        reminders_sweep(now=at(today, 15))

    assert told(ACKNOWLEDGEMENT_DUE, employee) == [
        "launch", "7-days-before", "1-day-before", "due-day",
        "overdue-3-days", "overdue-6-days", "overdue-9-days", "overdue-12-days", "overdue-15-days",
    ]
    outbox_send()
    assert len([email for email in mail.outbox if email.to == [employee.email]]) == 9


def test_the_sweep_twice_on_the_due_date_sends_one_email(portal_users):
    version = campaign(portal_users).version
    reminders_sweep(now=at(DUE, 9))
    reminders_sweep(now=at(DUE, 9))
    outbox_send()

    emails = [email for email in mail.outbox if email.to == [portal_users.employee.email]]
    assert len(emails) == 1
    assert emails[0].subject == f"Acknowledge {version.signed_title()} today"
    notification = Notification.objects.get(kind=ACKNOWLEDGEMENT_DUE, recipient=portal_users.employee)
    assert notification.url == f"/policies/{version.document.reference}/v1/acknowledge/"


def test_a_person_who_acknowledged_gets_nothing_more(portal_users):
    made = campaign(portal_users)
    reminders_sweep(now=at(OPENED))
    AcknowledgementFactory(version=made.version, person=portal_users.employee)

    for today in (DUE - dt.timedelta(days=7), DUE, DUE + dt.timedelta(days=3)):
        reminders_sweep(now=at(today))

    assert told(ACKNOWLEDGEMENT_DUE, portal_users.employee) == ["launch"]
    assert told(ACKNOWLEDGEMENT_DUE, portal_users.process_owner)[-1] == "overdue-3-days"


def test_auditors_deactivated_people_and_expired_accounts_get_nothing(portal_users):
    expired = UserFactory(roles=[PortalRole.EMPLOYEE], access_expires_on=OPENED - dt.timedelta(days=1))
    campaign(portal_users)

    reminders_sweep(now=at(OPENED))

    told_people = set(Notification.objects.filter(kind=ACKNOWLEDGEMENT_DUE).values_list("recipient_id", flat=True))
    assert portal_users.employee.pk in told_people
    assert told_people.isdisjoint(
        {portal_users.auditor.pk, portal_users.expired_auditor.pk, portal_users.deactivated.pk, expired.pk}
    )


def test_a_campaign_to_chosen_departments_reminds_only_their_people(portal_users):
    production, sales = OrgUnitFactory(name="Production"), OrgUnitFactory(name="Sales")
    inside = UserFactory(roles=[PortalRole.EMPLOYEE], org_unit=production)
    outside = UserFactory(roles=[PortalRole.EMPLOYEE], org_unit=sales)
    made = campaign(portal_users, audience=AudienceKind.DEPARTMENTS)
    made.org_units.set([production])

    reminders_sweep(now=at(OPENED))

    assert set(Notification.objects.filter(kind=ACKNOWLEDGEMENT_DUE).values_list("recipient_id", flat=True)) == {
        inside.pk
    }
    assert outside.pk not in set(Notification.objects.values_list("recipient_id", flat=True))


def test_a_superseded_versions_campaign_reminds_nobody(portal_users):
    campaign(portal_users, version=PolicyVersionFactory(status=VersionStatus.SUPERSEDED))
    reminders_sweep(now=at(DUE))
    assert told(ACKNOWLEDGEMENT_DUE) == []


# --- The weekly overdue summary --------------------------------------------------------------------------------
def test_the_quality_manager_gets_a_weekly_summary_by_department_from_the_day_after_the_due_date(portal_users):
    production = OrgUnitFactory(name="Production")
    UserFactory(roles=[PortalRole.EMPLOYEE], org_unit=production, full_name="Paula Press")
    made = campaign(portal_users)

    for day in range(0, 16):
        reminders_sweep(now=at(DUE + dt.timedelta(days=day)))
        if day == 0:
            assert told(OVERDUE_SUMMARY) == []  # due today is not yet overdue

    assert told(OVERDUE_SUMMARY, portal_users.quality_manager) == ["overdue-week-1", "overdue-week-2", "overdue-week-3"]
    assert told(OVERDUE_SUMMARY, portal_users.employee) == []
    assert told(OVERDUE_SUMMARY, portal_users.top_management) == []
    summary = Notification.objects.filter(kind=OVERDUE_SUMMARY).first()
    assert summary is not None
    assert "Production (1): Paula Press" in summary.body
    assert "No department (4):" in summary.body
    assert summary.url == reverse("policy:campaign_report", args=[made.version.document.reference, 1])


def test_the_summary_days_fall_a_week_apart(portal_users):
    campaign(portal_users)
    reminders_sweep(now=at(DUE + dt.timedelta(days=1)))
    reminders_sweep(now=at(DUE + dt.timedelta(days=7)))
    assert told(OVERDUE_SUMMARY) == ["overdue-week-1"]
    reminders_sweep(now=at(DUE + dt.timedelta(days=8)))
    assert told(OVERDUE_SUMMARY) == ["overdue-week-1", "overdue-week-2"]


def test_no_summary_once_everyone_has_acknowledged(portal_users):
    made = campaign(portal_users)
    for person in User.objects.all():
        AcknowledgementFactory(version=made.version, person=person)
    reminders_sweep(now=at(DUE + dt.timedelta(days=1)))
    assert told(OVERDUE_SUMMARY) == []


def test_each_manager_gets_the_summary_of_their_own_overdue_reports_only(portal_users):
    made = campaign(portal_users)
    manager = UserFactory(roles=[PortalRole.EMPLOYEE], full_name="Mona Manager")
    report = UserFactory(roles=[PortalRole.EMPLOYEE], full_name="Rita Report", manager=manager)
    employee = portal_users.employee
    employee.manager = manager
    employee.save()
    UserFactory(roles=[PortalRole.EMPLOYEE], full_name="Olga Orphan", manager=portal_users.deactivated)

    reminders_sweep(now=at(DUE + dt.timedelta(days=1)))
    reminders_sweep(now=at(DUE + dt.timedelta(days=1), 18))  # again the same day: nothing more

    mine = Notification.objects.get(kind=OVERDUE_SUMMARY, recipient=manager)
    assert mine.occasion == "overdue-week-1"
    assert mine.title == f"2 of your reports still to acknowledge {made.version.signed_title()} (overdue)"
    assert "No department (2): Emil Park, Rita Report" in mine.body
    assert "Tessa Mann" not in mine.body and "Mona Manager" not in mine.body and "Olga Orphan" not in mine.body
    assert mine.url == reverse("policy:policy_detail", args=[made.version.document.reference])
    everyone = Notification.objects.get(kind=OVERDUE_SUMMARY, recipient=portal_users.quality_manager)
    assert "Rita Report" in everyone.body and "Olga Orphan" in everyone.body and "Mona Manager" in everyone.body
    # The deactivated manager gets nothing: their report is on the quality manager's list.
    assert told(OVERDUE_SUMMARY, portal_users.deactivated) == []

    # Once the manager's reports have acknowledged, the next week's summary goes only to the quality manager.
    for person in (employee, report):
        AcknowledgementFactory(version=made.version, person=person)
    reminders_sweep(now=at(DUE + dt.timedelta(days=8)))
    assert told(OVERDUE_SUMMARY, manager) == ["overdue-week-1"]
    assert told(OVERDUE_SUMMARY, portal_users.quality_manager) == ["overdue-week-1", "overdue-week-2"]


def test_a_quality_manager_who_is_also_a_manager_gets_the_whole_summary_once(portal_users):
    campaign(portal_users)
    employee = portal_users.employee
    employee.manager = portal_users.quality_manager
    employee.save()

    reminders_sweep(now=at(DUE + dt.timedelta(days=1)))

    [summary] = Notification.objects.filter(kind=OVERDUE_SUMMARY, recipient=portal_users.quality_manager)
    assert summary.title.startswith("4 still to acknowledge") and "Tessa Mann" in summary.body


# --- A version waiting for signature -----------------------------------------------------------------------
def test_top_management_is_reminded_after_2_days_then_every_3_days(portal_users):
    version = in_review(OPENED)
    signer = portal_users.top_management

    expected = {1: [], 2: ["submitted-2026-12-01-1"], 4: ["submitted-2026-12-01-1"],
                5: ["submitted-2026-12-01-1", "submitted-2026-12-01-2"]}
    for days in range(0, 6):
        reminders_sweep(now=at(OPENED + dt.timedelta(days=days), 8))
        if days in expected:
            assert told(SIGNATURE_WAITING, signer) == expected[days], days

    notification = Notification.objects.filter(kind=SIGNATURE_WAITING, recipient=signer).first()
    assert notification is not None
    assert notification.title == f"{version.signed_title()} waits for your signature"
    assert "has waited 5 days" in notification.body
    # Only those who may sign: not the quality manager, nor the employee.
    assert set(Notification.objects.filter(kind=SIGNATURE_WAITING).values_list("recipient_id", flat=True)) == {
        signer.pk
    }


def test_a_top_manager_who_wrote_the_version_is_not_asked_to_sign_it(portal_users):
    in_review(OPENED, author=portal_users.top_management)
    other = UserFactory(roles=[PortalRole.TOP_MANAGEMENT])
    reminders_sweep(now=at(OPENED + dt.timedelta(days=2)))
    assert set(Notification.objects.filter(kind=SIGNATURE_WAITING).values_list("recipient_id", flat=True)) == {
        other.pk
    }


def test_a_version_submitted_again_starts_its_schedule_over(portal_users):
    version = in_review(OPENED)
    reminders_sweep(now=at(OPENED + dt.timedelta(days=2)))
    version.submitted_at = at(OPENED + dt.timedelta(days=3), 10)
    version.save()

    reminders_sweep(now=at(OPENED + dt.timedelta(days=4)))
    assert told(SIGNATURE_WAITING, portal_users.top_management) == ["submitted-2026-12-01-1"]
    reminders_sweep(now=at(OPENED + dt.timedelta(days=5)))
    assert told(SIGNATURE_WAITING, portal_users.top_management) == ["submitted-2026-12-01-1", "submitted-2026-12-04-1"]


def test_a_version_signed_is_no_longer_brought_up(portal_users):
    version = in_review(OPENED)
    version.status = VersionStatus.APPROVED
    version.save()
    reminders_sweep(now=at(OPENED + dt.timedelta(days=2)))
    assert told(SIGNATURE_WAITING) == []


# --- The periodic review -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("today", "occasion"), [
    (dt.date(2027, 1, 1), "2027-01-31-coming"),  # 30 days before
    (dt.date(2026, 12, 31), None),  # 31 days before
    (dt.date(2027, 1, 31), "2027-01-31-coming"),  # due today
    (dt.date(2027, 2, 1), "2027-01-31-overdue-1"),
    (dt.date(2027, 3, 2), "2027-01-31-overdue-1"),
    (dt.date(2027, 3, 3), "2027-01-31-overdue-2"),
])
def test_the_review_step_reached_on_each_day(today, occasion):
    assert review_occasion(REVIEW_ON, today) == occasion


def test_the_quality_manager_and_top_management_hear_of_the_review_coming_and_overdue(portal_users):
    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED, next_review_on=REVIEW_ON)

    reminders_sweep(now=at(dt.date(2026, 12, 31)))
    assert told(REVIEW_DUE) == []
    reminders_sweep(now=at(dt.date(2027, 1, 1)))
    reminders_sweep(now=at(dt.date(2027, 1, 2)))
    reminders_sweep(now=at(dt.date(2027, 2, 1)))

    for person in (portal_users.quality_manager, portal_users.top_management):
        assert told(REVIEW_DUE, person) == ["2027-01-31-coming", "2027-01-31-overdue-1"]
    assert told(REVIEW_DUE, portal_users.employee) == []
    titles = list(Notification.objects.filter(kind=REVIEW_DUE, recipient=portal_users.quality_manager)
                  .order_by("created_at").values_list("title", flat=True))
    assert titles == [
        f"The periodic review of {version.signed_title()} is due in 30 days",
        f"The periodic review of {version.signed_title()} is overdue (due 31 January 2027)",
    ]


def test_a_review_that_moves_the_date_starts_the_schedule_over(portal_users):
    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED, next_review_on=REVIEW_ON)
    reminders_sweep(now=at(dt.date(2027, 1, 1)))
    version.next_review_on = dt.date(2028, 1, 31)
    version.save()

    reminders_sweep(now=at(dt.date(2027, 2, 1)))  # the old date passed, but the review moved it
    assert told(REVIEW_DUE, portal_users.quality_manager) == ["2027-01-31-coming"]
    reminders_sweep(now=at(dt.date(2028, 1, 1)))
    assert told(REVIEW_DUE, portal_users.quality_manager) == ["2027-01-31-coming", "2028-01-31-coming"]


# --- A fixed number of queries, whatever the number of people ---------------------------------------------
@pytest.mark.parametrize(("find", "now"), [
    pytest.param(signature_waiting_find, lambda: at(OPENED + dt.timedelta(days=2)), id="signature"),
    pytest.param(acknowledgement_due_find, lambda: at(DUE), id="acknowledgement"),
    pytest.param(overdue_summary_find, lambda: at(DUE + dt.timedelta(days=1)), id="summary"),
    pytest.param(review_due_find, lambda: at(dt.date(2027, 1, 1)), id="review"),
])
@pytest.mark.parametrize("audience", [AudienceKind.ALL_STAFF, AudienceKind.DEPARTMENTS])
def test_each_kind_reads_with_the_same_number_of_queries_for_2_and_for_40_people(db, find, now, audience):
    unit = OrgUnitFactory()
    made = campaign(audience=audience)
    made.org_units.set([unit])
    in_review(OPENED)
    PolicyVersionFactory(status=VersionStatus.PUBLISHED, next_review_on=REVIEW_ON)
    roles = [PortalRole.EMPLOYEE, PortalRole.QUALITY_MANAGER, PortalRole.TOP_MANAGEMENT]
    managers = [UserFactory(roles=[PortalRole.EMPLOYEE]) for _ in range(2)]

    def queries_for(count: int) -> tuple[int, int]:
        for n in range(count):
            # Reports of two managers, one of them each third time: the managers' summaries are read by the same query.
            UserFactory(roles=[roles[n % 3]], org_unit=unit, manager=managers[n % 2] if n % 3 == 0 else None)
        with CaptureQueriesContext(connection) as queries:
            found = list(find(now()))
        return len(queries), len(found)

    queries_small, found_small = queries_for(2)
    queries_large, found_large = queries_for(38)
    assert found_large > found_small > 0
    assert queries_small == queries_large


# --- The campaign report -----------------------------------------------------------------------------------
def test_the_campaign_report_shows_the_reminders_sent(portal_users, qm_client):
    made = campaign(portal_users)
    reminders_sweep(now=at(OPENED))
    reminders_sweep(now=at(DUE - dt.timedelta(days=7)))
    AcknowledgementFactory(version=made.version, person=portal_users.process_owner)
    reminders_sweep(now=at(DUE - dt.timedelta(days=1)))
    asked = 3  # the top manager, the quality manager and the employee are still pending

    response = qm_client.get(reverse("policy:campaign_report", args=[made.version.document.reference, 1]))

    assert response.status_code == 200
    sent = response.context["reminders"]
    assert [(step.label, step.count) for step in sent] == [
        ("First request (at launch, or on joining later)", asked + 1),
        ("7 days before the due date", asked + 1),
        ("1 day before the due date", asked),
    ]
    html = response.content.decode()
    assert "Reminders sent" in html and "1 day before the due date" in html
    row = next(person for person in response.context["page"].object_list if person["pk"] == portal_users.employee.pk)
    assert row["reminded"].count == 3


def test_the_campaign_report_reads_the_reminders_with_the_same_queries_for_2_and_for_40_pending(db, qm_client):
    made = campaign()
    url = reverse("policy:campaign_report", args=[made.version.document.reference, 1])

    def queries_for(count: int) -> int:
        for _ in range(count):
            UserFactory(roles=[PortalRole.EMPLOYEE])
        reminders_sweep(now=at(OPENED))
        with CaptureQueriesContext(connection) as queries:
            assert qm_client.get(url).status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(38)


# --- How each person chose to get them -----------------------------------------------------------------------
def test_the_acknowledgement_reminder_cannot_be_switched_off_only_moved_to_the_digest(portal_users):
    employee = portal_users.employee
    with pytest.raises(ValueError, match="carries a deadline"):
        notification_preferences_save(person=employee, channels={ACKNOWLEDGEMENT_DUE: Channel.PORTAL})
    notification_preferences_save(person=employee, channels={ACKNOWLEDGEMENT_DUE: Channel.DIGEST})
    campaign(portal_users)

    reminders_sweep(now=at(OPENED))
    outbox_send()
    assert [email.to for email in mail.outbox if email.to == [employee.email]] == []
    assert digest_send(now=at(OPENED, 7)) >= 1
    outbox_send()
    digest = next(email for email in mail.outbox if email.to == [employee.email])
    assert "Quality policy" in digest.body and "Please read and acknowledge" in digest.body


def test_a_top_manager_who_wants_signature_reminders_in_the_portal_only_gets_no_email(portal_users):
    notification_preferences_save(person=portal_users.top_management, channels={SIGNATURE_WAITING: Channel.PORTAL})
    in_review(OPENED)

    reminders_sweep(now=at(OPENED + dt.timedelta(days=2)))
    outbox_send()

    assert told(SIGNATURE_WAITING, portal_users.top_management) == ["submitted-2026-12-01-1"]
    assert [email for email in mail.outbox if email.to == [portal_users.top_management.email]] == []
