"""Leadership on the home page: the card for those who see leadership, the "My actions" card, and the prompt
above everything for a person whose own actions are overdue (and the shared reads of leadership/selectors.py)."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from leadership.commitments import CommitmentState, CommitmentStatus
from leadership.models import ActionStatus, Commitment
from leadership.reviews import review_plan
from leadership.selectors import (
    action_counts,
    commitments_with_status,
    next_review,
    overdue_actions_count,
    status_counts,
    status_reason,
)
from qms_portal.records_cache import records_cache_clear
from tests.leadership.factories import ActionFactory, EvidenceEntryFactory

pytestmark = pytest.mark.django_db


def days_from_now(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def home(client) -> str:
    return client.get(reverse("home")).text


CARDS = {"Leadership and commitment": "leadership-home", "My actions": "actions-home"}


def card(page: str, title: str) -> str:
    """The card of ``title`` on the home page (the test fails when it is not there)."""
    start = page.index(f'area-card {CARDS[title]}"')
    end = page.find('<div class="col">', start)
    return page[start:end if end != -1 else len(page)]


def evidence(code: str, *, days_ago: int) -> None:
    EvidenceEntryFactory(occurred_on=days_from_now(-days_ago), commitments=[Commitment.objects.get(code=code)])


# --- The leadership card -------------------------------------------------------------------------
def test_the_card_counts_commitments_needing_evidence_the_next_review_and_overdue_actions(portal_users, client_for):
    for code in ("5.1.1.a", "5.1.1.b", "5.1.1.c", "5.1.1.d", "5.1.1.e", "5.1.1.f", "5.1.1.g", "5.1.1.h", "5.1.1.i"):
        evidence(code, days_ago=5)
    evidence("5.1.1.j", days_ago=200)  # stale; 5.1.2.a-c never evidenced
    review_plan(title="Quarterly review", planned_on=days_from_now(12), chair=portal_users.top_management,
                by=portal_users.quality_manager)
    ActionFactory(due_on=days_from_now(-1))
    ActionFactory(due_on=days_from_now(-9))
    ActionFactory(due_on=days_from_now(-9), status=ActionStatus.DONE)
    ActionFactory(due_on=timezone.localdate())  # due today is not yet overdue

    page = card(home(client_for(portal_users.auditor)), "Leadership and commitment")

    assert "4 of 13" in page
    assert date_format(days_from_now(12), "j M Y") in page and "invited" not in page
    assert f'{reverse("leadership:action_list")}?overdue=yes' in page
    overdue = page[page.index("Overdue actions"):]
    assert ">2</span>" in overdue
    assert "arrives in a coming release" not in page


def test_a_top_manager_reads_how_their_own_commitments_stand_and_that_they_are_invited(portal_users, client_for):
    tessa = portal_users.top_management
    for code in ("5.1.1.a", "5.1.1.b"):
        commitment = Commitment.objects.get(code=code)
        commitment.owner = tessa
        commitment.save()
    evidence("5.1.1.a", days_ago=3)
    review_plan(title="Quarterly review", planned_on=days_from_now(12), chair=tessa, by=portal_users.quality_manager)

    page = card(home(client_for(tessa)), "Leadership and commitment")

    assert "1 of the 2 commitments you are accountable for needs evidence." in page
    assert "· invited" in page


def test_when_everything_is_current_and_nothing_is_planned_the_card_says_so(portal_users, client_for):
    for commitment in Commitment.objects.all():
        EvidenceEntryFactory(commitments=[commitment])

    page = card(home(client_for(portal_users.quality_manager)), "Leadership and commitment")

    assert "✓ all current" in page and "none planned" in page


def test_an_employee_gets_no_leadership_card(portal_users, client_for):
    page = home(client_for(portal_users.employee))

    assert "Leadership and commitment" not in page
    assert reverse("leadership:commitment_list") not in page


def test_the_card_costs_the_same_number_of_queries_for_few_and_many_records(portal_users, client_for):
    client = client_for(portal_users.quality_manager)
    home(client)
    records_cache_clear()  # both loads compute the kept figures (as the first after a change does)
    with CaptureQueriesContext(connection) as few:
        home(client)
    for _ in range(40):
        evidence("5.1.1.a", days_ago=3)
        ActionFactory(due_on=days_from_now(-2))
    records_cache_clear()
    with CaptureQueriesContext(connection) as many:
        page = home(client)

    assert ">40</span>" in card(page, "Leadership and commitment")
    assert len(many) == len(few)


# --- My actions and the overdue prompt -----------------------------------------------------------
def test_an_employee_with_overdue_actions_is_told_above_everything(portal_users, client_for):
    employee = portal_users.employee
    ActionFactory(owner=employee, title="Calibrate the torque wrenches", due_on=days_from_now(-3))
    ActionFactory(owner=employee, title="Update the work instruction", due_on=days_from_now(-1))
    ActionFactory(owner=employee, title="Not yet due", due_on=days_from_now(4))
    ActionFactory(title="Someone else's", due_on=days_from_now(-5))

    page = home(client_for(employee))

    prompt = page[page.index("Your overdue actions"):page.index("</section>", page.index("Your overdue actions"))]
    assert "2 of your actions are overdue" in prompt
    assert "Calibrate the torque wrenches" in prompt and "Update the work instruction" in prompt
    assert "Not yet due" not in prompt and "Someone else" not in prompt
    assert reverse("leadership:my_actions") in prompt
    assert page.index("Your overdue actions") < page.index("area-card actions-home")


def test_one_overdue_action_is_said_in_the_singular_and_more_than_three_are_summed_up(portal_users, client_for):
    one = client_for(portal_users.process_owner)
    ActionFactory(owner=portal_users.process_owner, due_on=days_from_now(-1))
    for number in range(5):
        ActionFactory(owner=portal_users.employee, title=f"Late {number}", due_on=days_from_now(-10 + number))

    assert "1 of your actions is overdue" in home(one)
    many = home(client_for(portal_users.employee))
    assert "5 of your actions are overdue" in many and "and 2 more" in many


def test_nobody_is_prompted_for_actions_due_today_or_finished(portal_users, client_for):
    ActionFactory(owner=portal_users.employee, due_on=timezone.localdate())
    ActionFactory(owner=portal_users.employee, due_on=days_from_now(-4), status=ActionStatus.DONE)
    ActionFactory(owner=portal_users.employee, due_on=days_from_now(-4), status=ActionStatus.CANCELLED)

    assert "of your actions" not in home(client_for(portal_users.employee))


def test_the_my_actions_card_counts_open_and_overdue_and_names_the_next_due(portal_users, client_for):
    ActionFactory(owner=portal_users.employee, title="Next one", due_on=days_from_now(-2))
    ActionFactory(owner=portal_users.employee, title="Later one", due_on=days_from_now(9))

    page = card(home(client_for(portal_users.employee)), "My actions")

    assert "You own 2 open actions" in page and "1 overdue" in page
    assert "Next one" in page and "Later one" not in page
    assert reverse("leadership:my_actions") in page


def test_the_my_actions_card_without_actions_says_so_and_auditors_do_not_get_it(portal_users, client_for):
    assert "You own no open action." in card(home(client_for(portal_users.employee)), "My actions")
    assert "actions-home" not in home(client_for(portal_users.auditor))


# --- The shared reads ----------------------------------------------------------------------------
def test_next_review_is_the_soonest_planned_one_and_a_passed_date_still_counts(portal_users):
    assert next_review(today=timezone.localdate()) is None
    later = review_plan(title="Later", planned_on=days_from_now(40), chair=portal_users.top_management,
                        by=portal_users.quality_manager)
    missed = review_plan(title="Missed", planned_on=days_from_now(-2), chair=portal_users.top_management,
                         attendees=[portal_users.quality_manager], by=portal_users.quality_manager)

    found = next_review(today=timezone.localdate())

    assert found.review == missed and found.date_passed and found.days_away == -2
    assert found.is_invited(portal_users.quality_manager) and not found.is_invited(portal_users.auditor)
    assert later.pk != found.review.pk


def test_status_and_action_counts(portal_users):
    today = timezone.localdate()
    evidence("5.1.1.a", days_ago=5)
    evidence("5.1.1.b", days_ago=300)
    ActionFactory(owner=portal_users.employee, due_on=days_from_now(-1))
    ActionFactory(owner=portal_users.employee, due_on=days_from_now(1))

    counts = status_counts(commitments_with_status(today=today))

    assert counts == {"stale": 1, "never": 11, "due_soon": 0, "current": 1}
    assert action_counts(owners=[portal_users.employee], today=today) == {"open": 2, "overdue": 1}
    assert overdue_actions_count(today=today) == 1
    assert overdue_actions_count(owner=portal_users.auditor, today=today) == 0


def test_status_reason_says_when_evidence_is_due_in_each_state():
    today = dt.date(2026, 11, 27)

    def reason(state, latest, due):
        return status_reason(CommitmentStatus(state, latest, due), today=today)

    assert reason(CommitmentState.CURRENT, dt.date(2026, 10, 3), dt.date(2027, 1, 1)) == (
        "Last evidenced 3 Oct 2026; due again by 1 Jan 2027."
    )
    assert reason(CommitmentState.DUE_SOON, dt.date(2026, 9, 1), dt.date(2026, 11, 30)) == (
        "Last evidenced 1 Sep 2026; due again by 30 Nov 2026, in 3 days."
    )
    assert reason(CommitmentState.DUE_SOON, dt.date(2026, 8, 29), dt.date(2026, 11, 27)).endswith("27 Nov 2026, today.")
    assert reason(CommitmentState.STALE, dt.date(2026, 8, 1), dt.date(2026, 11, 26)) == (
        "Last evidenced 1 Aug 2026; new evidence was due by 26 Nov 2026, 1 day ago."
    )
    assert reason(CommitmentState.NEVER_EVIDENCED, None, None) == "No evidence has been recorded for it yet."


def test_the_evidence_packs_card_shows_the_latest_pack_to_those_who_make_packs(portal_users, client_for):
    from tests.leadership.access_packs import a_ready_pack

    assert "No pack yet" in client_for(portal_users.auditor).get(reverse("home")).content.decode()
    a_ready_pack()
    page = client_for(portal_users.auditor).get(reverse("home")).content.decode()
    assert "Evidence packs" in page and "EP-TEST" in page
    assert "Evidence packs" not in client_for(portal_users.employee).get(reverse("home")).content.decode()
