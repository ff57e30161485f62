"""The leadership reminders (issue 14): each kind's schedule at its boundaries, invitations with their calendar
file sent once per change, the sweep sending each once, reads with a fixed number of queries, and who was reminded
shown on the review and the action."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadership import reminders, reviews
from leadership.models import ManagementReview, ReviewAttendance, ReviewInput, ReviewStatus
from leadership.reminders import (
    action_due_soon_step,
    action_escalation_step,
    action_overdue_step,
    commitment_step,
    inputs_missing_step,
    minutes_step,
    review_coming_step,
    review_cycle_step,
)
from leadership.reviews import Meeting
from qms_portal.access import PortalRole
from qms_portal.models import Notification, Organisation
from qms_portal.notifications import reminders_sweep
from qms_portal.outbox import outbox_send
from tests.core.factories import UserFactory
from tests.leadership.factories import ActionFactory, CommitmentFactory, EvidenceEntryFactory
from tests.leadership.review_pages import plan, url

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 2)


def days(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


# --- Schedules at their boundaries ------------------------------------------------------------------------
def test_a_review_is_reminded_of_14_7_and_1_days_before_and_never_on_or_after_its_day():
    steps = {left: review_coming_step(days(left), D) for left in (15, 14, 8, 7, 2, 1, 0, -1)}
    assert steps == {
        15: "", 14: f"{days(14)}-14-days-before", 8: f"{days(8)}-14-days-before", 7: f"{days(7)}-7-days-before",
        2: f"{days(2)}-7-days-before", 1: f"{days(1)}-1-days-before", 0: "", -1: "",
    }


def test_a_review_moved_to_another_day_is_reminded_of_again():
    assert review_coming_step(days(7), D) != review_coming_step(days(6), D)


def test_inputs_without_notes_are_reminded_of_from_7_days_before_to_the_day():
    assert [bool(inputs_missing_step(days(left), D)) for left in (8, 7, 0, -1)] == [False, True, True, False]


def test_minutes_wait_2_days_after_closing_then_a_reminder_each_week():
    assert [minutes_step(D, days(n)) for n in (1, 2, 8, 9, 16)] == ["", "week-1", "week-1", "week-2", "week-3"]


def test_an_action_is_due_soon_within_7_days_then_overdue_weekly_and_escalated_after_14_days():
    assert [bool(action_due_soon_step(D, days(-n))) for n in (8, 7, 0)] == [False, True, True]
    assert action_due_soon_step(D, days(1)) == ""
    assert [action_overdue_step(D, days(n)) for n in (0, 1, 7, 8)] == [
        "", f"overdue-{D}-round-1", f"overdue-{D}-round-1", f"overdue-{D}-round-2"
    ]
    assert [action_escalation_step(D, days(n)) for n in (13, 14, 30)] == ["", f"escalated-{D}", f"escalated-{D}"]


def test_commitment_evidence_is_reminded_of_when_due_soon_and_when_stale_once_each():
    # Every 90 days, evidence on D: current to D+76, due soon D+77 to D+90, stale from D+91.
    assert commitment_step(D, 90, days(76)) == ""
    assert commitment_step(D, 90, days(77)) == commitment_step(D, 90, days(90)) == f"due_soon-{days(90)}"
    assert commitment_step(D, 90, days(91)) == f"stale-{days(90)}"
    assert commitment_step(None, 90, D) == "never-evidenced"


def test_no_review_planned_within_the_interval_warns_then_says_overdue():
    held = dt.date(2025, 3, 2)  # due 2 Mar 2026 with a 12-month interval
    step = lambda today, planned=(): review_cycle_step(  # noqa: E731
        held, planned, today, interval_months=12, warning_days=30
    )
    assert step(dt.date(2026, 1, 30)) == ""
    assert step(dt.date(2026, 1, 31)) == "2026-03-02-warning"
    assert step(dt.date(2026, 3, 3)) == "2026-03-02-overdue"
    assert step(dt.date(2026, 2, 10), [dt.date(2026, 3, 2)]) == ""  # planned in time
    assert step(dt.date(2026, 2, 10), [dt.date(2026, 3, 3)]) == "2026-03-02-warning"  # planned too late
    assert review_cycle_step(None, [], D, interval_months=12, warning_days=30) == "never-held"


def test_the_organisations_schedule_sets_the_review_reminders_and_the_action_steps(portal_users):
    organisation = Organisation.current()
    organisation.reminder_schedule = {"review_reminder_days": [10, 3], "action_reminder_repeat_days": 3,
                                      "action_escalation_days": 5, "action_due_soon_days": 2}
    organisation.save()
    now = timezone.now()
    today = reminders._today(now)
    review = plan(portal_users, planned_on=today + dt.timedelta(days=10))
    ActionFactory(owner=portal_users.employee, due_on=today - dt.timedelta(days=5))
    ActionFactory(owner=portal_users.process_owner, due_on=today + dt.timedelta(days=2))
    ActionFactory(owner=portal_users.process_owner, due_on=today + dt.timedelta(days=3))

    made = {(m.reminder.kind, m.reminder.occasion) for m in reminders_sweep(now=now)}

    assert ("review_coming", f"{review.planned_on}-10-days-before") in made
    assert ("action_escalation", f"escalated-{today - dt.timedelta(days=5)}") in made
    assert ("action_overdue", f"overdue-{today - dt.timedelta(days=5)}-round-2") in made  # every 3 days: day 4-6
    assert [occasion for kind, occasion in made if kind == "action_due_soon"] == [
        f"due-soon-{today + dt.timedelta(days=2)}"
    ]
    assert review_coming_step(days(11), D, (10, 3)) == ""


# --- Invitations ----------------------------------------------------------------------------------------
def _calendars(email) -> list[str]:
    return [part.get_payload(decode=True).decode() for part in email.attachments]


def _unfolded(text: str) -> str:
    return text.replace("\r\n ", "")


def test_a_planned_review_invites_each_invitee_once_and_a_change_once_more_with_a_higher_sequence(portal_users):
    tm, qm, po = portal_users.top_management, portal_users.quality_manager, portal_users.process_owner
    review = plan(portal_users, planned_on=timezone.localdate() + dt.timedelta(days=30),
                  meeting=Meeting(dt.time(9, 30), 90, "Board room"))
    outbox_send()
    assert sorted(email.to[0] for email in mail.outbox) == sorted([tm.email, qm.email, po.email])
    invitation = next(email for email in mail.outbox if email.to == [po.email])
    [ics] = _calendars(invitation)
    assert "METHOD:REQUEST" in ics and "SEQUENCE:0" in ics and "LOCATION:Board room" in ics
    assert f"mailto:{po.email}" in _unfolded(ics) and f"mailto:{tm.email}" in _unfolded(ics)  # attendee, organizer
    assert f"mailto:{qm.email}" not in _unfolded(ics)  # the other invitees by name only
    assert invitation.attachments[0].get_content_type() == "text/calendar"
    assert invitation.attachments[0].get_param("method") == "REQUEST"

    # The same plan saved again tells nobody anything.
    mail.outbox.clear()
    reviews.review_update(review=review, title="Renamed", planned_on=review.planned_on, chair=tm, attendees=[qm, po],
                          recurrence_months=None, meeting=Meeting(dt.time(9, 30), 90, "Board room"), by=qm)
    outbox_send()
    assert mail.outbox == []

    # A new place: each invitee is told once, with SEQUENCE 1; the person no longer invited gets a CANCEL.
    reviews.review_update(review=review, title="Renamed", planned_on=review.planned_on, chair=tm, attendees=[qm],
                          recurrence_months=None, meeting=Meeting(dt.time(9, 30), 90, "Room 2"), by=qm)
    outbox_send()
    by_person = {email.to[0]: _calendars(email)[0] for email in mail.outbox}
    assert sorted(by_person) == sorted([tm.email, qm.email, po.email])
    assert "SEQUENCE:1" in by_person[qm.email] and "LOCATION:Room 2" in by_person[qm.email]
    assert "METHOD:REQUEST" in by_person[qm.email]
    assert "METHOD:CANCEL" in by_person[po.email] and "STATUS:CANCELLED" in by_person[po.email]
    assert Notification.objects.filter(kind="review_invitation", recipient=qm).count() == 2


def test_a_review_recorded_after_its_day_invites_nobody(portal_users):
    plan(portal_users, planned_on=timezone.localdate() - dt.timedelta(days=3))
    outbox_send()
    assert mail.outbox == [] and not Notification.objects.exists()


def test_an_invitation_in_a_plan_rolled_back_sends_nothing(portal_users):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        plan(portal_users, planned_on=timezone.localdate() + dt.timedelta(days=30))
        raise RuntimeError
    outbox_send()
    assert mail.outbox == [] and not Notification.objects.exists()


# --- The sweep ---------------------------------------------------------------------------------------------
def _sweep_kind(kind: str, now: dt.datetime) -> list:
    return [made for made in reminders_sweep(now=now) if made.reminder.kind == kind]


def test_the_sweep_reminds_invitees_7_days_before_once_however_often_it_runs(portal_users):
    now = timezone.now()
    today = reminders._today(now)
    review = plan(portal_users, planned_on=today + dt.timedelta(days=7))
    mail.outbox.clear()
    Notification.objects.filter(kind="review_invitation").delete()

    first = _sweep_kind("review_coming", now)
    second = _sweep_kind("review_coming", now + dt.timedelta(minutes=15))
    outbox_send()

    assert {made.recipient for made in first} == set(review.attendees.all())
    assert second == []
    assert len([e for e in mail.outbox if "in 7 days" in e.subject]) == 3
    assert {n.occasion for n in Notification.objects.filter(kind="review_coming")} == {
        f"{today + dt.timedelta(days=7)}-7-days-before"
    }


def test_the_quality_manager_is_told_of_inputs_without_notes_a_week_before(portal_users):
    now = timezone.now()
    today = reminders._today(now)
    review = plan(portal_users, planned_on=today + dt.timedelta(days=8))
    assert _sweep_kind("review_inputs_missing", now) == []
    review.planned_on = today + dt.timedelta(days=7)
    review.save()
    made = _sweep_kind("review_inputs_missing", now)
    assert [m.recipient for m in made] == [portal_users.quality_manager]  # the deactivated one gets nothing
    assert "12 inputs without notes" in made[0].reminder.title


def test_the_chair_is_reminded_of_minutes_to_sign_after_2_days_then_weekly(portal_users):
    tm = portal_users.top_management
    closed_at = timezone.now() - dt.timedelta(days=2, hours=1)
    review = ManagementReview.objects.create(
        title="Review H1", planned_on=timezone.localdate() - dt.timedelta(days=10), chair=tm,
        status=ReviewStatus.CLOSED, held_on=timezone.localdate() - dt.timedelta(days=10), closed_at=closed_at,
        created_by=portal_users.quality_manager,
    )
    made = _sweep_kind("review_minutes_to_sign", timezone.now())
    assert [(m.recipient, m.reminder.occasion, m.reminder.record_id) for m in made] == [(tm, "week-1", str(review.pk))]
    assert _sweep_kind("review_minutes_to_sign", timezone.now() + dt.timedelta(days=1)) == []
    assert len(_sweep_kind("review_minutes_to_sign", timezone.now() + dt.timedelta(days=7))) == 1


def test_no_review_planned_tells_the_quality_manager_and_top_management(portal_users):
    made = _sweep_kind("review_not_planned", timezone.now())
    assert {m.recipient for m in made} == {portal_users.quality_manager, portal_users.top_management}
    plan(portal_users, planned_on=timezone.localdate() + dt.timedelta(days=30))
    assert _sweep_kind("review_not_planned", timezone.now() + dt.timedelta(days=1)) == []


def test_an_overdue_action_reminds_its_owner_weekly_and_is_escalated_to_the_quality_manager_after_14_days(
    portal_users,
):
    now = timezone.now()
    today = reminders._today(now)
    action = ActionFactory(
        owner=portal_users.employee, due_on=today - dt.timedelta(days=13), created_by=portal_users.quality_manager
    )

    def sweep(at: dt.datetime) -> list[tuple[str, object]]:
        return sorted((m.reminder.kind, m.recipient) for m in reminders_sweep(now=at) if m.reminder.kind in {
            "action_overdue", "action_escalation"
        })

    employee, qm = portal_users.employee, portal_users.quality_manager
    assert sweep(now) == [("action_overdue", employee)]
    later = now + dt.timedelta(days=1)
    assert sweep(later) == [("action_escalation", qm)]  # 14 days overdue; the owner's weekly reminder already went
    assert sweep(later + dt.timedelta(days=1)) == [("action_overdue", employee)]  # the next week; escalated once
    action.status = "done"
    action.save()
    assert sweep(later + dt.timedelta(days=8)) == []


def _escalated(at: dt.datetime) -> list[tuple[object, str]]:
    return sorted(((m.recipient, m.reminder.body) for m in reminders_sweep(now=at)
                   if m.reminder.kind == "action_escalation"), key=lambda pair: str(pair[0]))


def test_an_action_14_days_overdue_is_escalated_to_the_owners_manager_once_not_to_the_quality_manager(portal_users):
    now = timezone.now()
    today = reminders._today(now)
    employee, manager = portal_users.employee, portal_users.process_owner
    employee.manager = manager
    employee.save()
    ActionFactory(owner=employee, due_on=today - dt.timedelta(days=13), created_by=portal_users.quality_manager)

    assert _escalated(now) == []  # 13 days overdue: not yet
    later = now + dt.timedelta(days=1)
    [(told, body)] = _escalated(later)
    assert told == manager and f"You are told as {employee}'s manager." in body
    assert _escalated(later) == [] and _escalated(later + dt.timedelta(days=3)) == []  # escalated once


def test_an_owner_whose_manager_is_deactivated_or_whose_access_ended_is_escalated_to_the_quality_manager(
    portal_users,
):
    now = timezone.now()
    today = reminders._today(now)
    employee, process_owner = portal_users.employee, portal_users.process_owner
    employee.manager = portal_users.deactivated
    employee.save()
    process_owner.manager = portal_users.expired_auditor
    process_owner.save()
    qm = portal_users.quality_manager
    ActionFactory(owner=employee, due_on=today - dt.timedelta(days=14), created_by=qm)
    ActionFactory(owner=process_owner, due_on=today - dt.timedelta(days=20), created_by=qm)

    escalated = _escalated(now)

    assert [told for told, _ in escalated] == [portal_users.quality_manager] * 2
    assert all("has no active manager on record" in body for _, body in escalated)
    assert not Notification.objects.filter(recipient__in=[portal_users.deactivated, portal_users.expired_auditor])


def test_an_action_due_within_a_week_reminds_its_owner_once(portal_users):
    now = timezone.now()
    today = reminders._today(now)
    ActionFactory(owner=portal_users.employee, due_on=today + dt.timedelta(days=8))
    assert _sweep_kind("action_due_soon", now) == []
    made = _sweep_kind("action_due_soon", now + dt.timedelta(days=1))
    assert [m.recipient for m in made] == [portal_users.employee]
    assert _sweep_kind("action_due_soon", now + dt.timedelta(days=2)) == []


def test_stale_commitment_evidence_reminds_the_accountable_top_manager(portal_users):
    tm = portal_users.top_management
    now = timezone.now()
    today = reminders._today(now)
    commitment = CommitmentFactory(owner=tm, evidence_every_days=90)
    EvidenceEntryFactory(occurred_on=today - dt.timedelta(days=91), leader=tm, commitments=[commitment])
    CommitmentFactory(owner=None)  # nobody accountable: nobody to tell
    made = _sweep_kind("commitment_evidence", now)
    assert [(m.recipient, m.reminder.record_id) for m in made] == [(tm, commitment.code)]
    assert "has had no evidence since" in made[0].reminder.title


def test_a_deactivated_owner_gets_no_reminder(portal_users):
    ActionFactory(owner=portal_users.deactivated, due_on=reminders._today(timezone.now()) - dt.timedelta(days=3))
    assert _sweep_kind("action_overdue", timezone.now()) == []


# --- Reads with a fixed number of queries -------------------------------------------------------------
FINDS = [
    reminders.find_review_coming, reminders.find_inputs_missing, reminders.find_minutes_to_sign,
    reminders.find_review_not_planned, reminders.find_action_due_soon, reminders.find_action_overdue,
    reminders.find_action_escalation, reminders.find_commitment_evidence,
]


def _records(count: int, qm, tm) -> None:
    today = timezone.localdate()
    for n in range(count):
        people = [UserFactory(roles=[PortalRole.EMPLOYEE]) for _ in range(3)]
        coming = ManagementReview.objects.create(
            title=f"Review {n}", planned_on=today + dt.timedelta(days=5), chair=tm, created_by=qm
        )
        for person in people:
            ReviewAttendance.objects.create(review=coming, person=person)
        ReviewInput.objects.create(review=coming, code="a")
        ManagementReview.objects.create(
            title=f"Closed {n}", planned_on=today - dt.timedelta(days=20), held_on=today - dt.timedelta(days=20),
            status=ReviewStatus.CLOSED, closed_at=timezone.now() - dt.timedelta(days=9), chair=tm, created_by=qm,
        )
        ActionFactory(owner=people[0], due_on=today + dt.timedelta(days=3), created_by=qm)
        ActionFactory(owner=people[1], due_on=today - dt.timedelta(days=20), created_by=qm)
        CommitmentFactory(owner=tm)


@pytest.mark.parametrize("find", FINDS, ids=lambda find: find.__name__)
def test_each_kind_reads_with_the_same_number_of_queries_for_2_and_for_8_records(portal_users, find):
    qm, tm = portal_users.quality_manager, portal_users.top_management
    Organisation.current()

    def queries_for(count: int) -> tuple[int, int]:
        _records(count, qm, tm)
        with CaptureQueriesContext(connection) as queries:
            found = find(timezone.now())
        return len(queries), len(found)

    small, found_small = queries_for(2)
    large, found_large = queries_for(6)  # 2 + 6 = 8 records of each
    assert small == large
    if find is not reminders.find_review_not_planned:
        assert found_large > found_small > 0


# --- Who was reminded, on the record's page ---------------------------------------------------------------
def test_the_review_page_lists_who_was_invited_and_reminded_and_when(
    portal_users, qm_client, django_assert_num_queries
):
    review = plan(portal_users, planned_on=timezone.localdate() + dt.timedelta(days=7))
    reminders_sweep()
    page = qm_client.get(url("leadership:review_detail", review)).text
    section = page[page.index('id="reminders"'):]
    section = section[:section.index("</section>")]
    # The invitation and the 7-day reminder to the three, and the inputs without notes to the quality manager.
    assert "3 sent" in section
    assert "Invitation: Management review H2" in section and "Management review H2 in 7 days" in section
    assert "12 inputs without notes for Management review H2" in section
    for person in (portal_users.top_management, portal_users.quality_manager, portal_users.process_owner):
        assert section.count(person.full_name) == 2 + (person == portal_users.quality_manager)
    assert "Invitations to management reviews and their changes" in section
    assert "A management review coming up" in section
    assert "Review inputs still without notes before the review" in section

    with django_assert_num_queries(1):
        reminders.reminders_sent("management_review", review.pk)


def test_the_action_page_shows_its_escalation(portal_users, client_for):
    action = ActionFactory(owner=portal_users.employee, due_on=timezone.localdate() - dt.timedelta(days=20))
    page = client_for(portal_users.employee).get(url("leadership:action_detail", action)).text
    assert "Nobody has been reminded of it yet." in page
    reminders_sweep()
    page = client_for(portal_users.employee).get(url("leadership:action_detail", action)).text
    assert "Overdue actions escalated" in page and portal_users.quality_manager.full_name in page
    assert "My actions overdue" in page
