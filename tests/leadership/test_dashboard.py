"""The executive dashboard (/dashboard/) as top management and the quality manager see it: what needs the person
looking, the leadership engagement scorecard, the objectives with the policy, RACI and review figures beside
them, the home page's first panel, and the same number of queries whatever the organisation's size."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from leadership import reviews
from leadership.dashboard import acknowledgement_trend
from leadership.models import ReadinessSnapshot, ReviewStatus
from leadership.readiness import readiness
from policy.models import Acknowledgement, VersionStatus
from policy.selectors import acknowledgement_summary
from qms_portal.access import PortalRole
from qms_portal.models import User
from qms_portal.presentation import percent
from roles.selectors import raci_health
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.leadership.factories import (
    ActionFactory,
    CommitmentFactory,
    EvidenceEntryFactory,
    MeasurementFactory,
    QualityObjectiveFactory,
)
from tests.leadership.review_pages import closed, day, held, plan, shown
from tests.policy.factories import AcknowledgementFactory, CampaignFactory, PolicyVersionFactory

DASHBOARD = "/dashboard/"


@pytest.fixture
def tm_client(portal_users, client_for):
    return client_for(portal_users.top_management)


def page_of(client) -> str:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, title_id: str) -> str:
    """The text of one panel: from its heading to the end of its <section>."""
    start = page.index(f'id="{title_id}"')
    return page[start:page.index("</section>", start)]


def test_the_dashboard_is_at_slash_dashboard_and_opens_with_readiness_at_a_glance(tm_client):
    assert reverse("leadership:dashboard") == DASHBOARD
    page = page_of(tm_client)
    glance = section(page, "readiness-title")

    assert "Executive dashboard" in page and "coming" not in page.lower()
    found = readiness(timezone.localdate())
    counts = found.counts()
    assert f"{counts['met']} of {len(found.results)} met" in glance
    assert f"{counts['at_risk']} at risk" in glance and f"{counts['not_met']} not met" in glance
    # One cell per requirement id, each opening its reason on the readiness page.
    for result in found.results:
        assert escape(f"{result.requirement} {result.title}: {result.verdict.label}") in glance
        assert f"?open={result.requirement}#req-{result.requirement}" in glance
    assert "<svg" in glance  # the 12-month trend


def test_the_glance_says_how_the_number_met_moved_since_the_snapshots_30_and_90_days_ago(tm_client):
    today = timezone.localdate()
    met_now = readiness(today).counts()["met"]
    for days, met in ((95, met_now + 3), (35, met_now + 1)):
        ReadinessSnapshot.objects.create(
            day=today - dt.timedelta(days=days), met=met, at_risk=0, not_met=0, verdicts={}
        )

    glance = section(page_of(tm_client), "readiness-title")

    assert "met -1 in 30 days, -3 in 90 days" in " ".join(glance.split())


# --- What needs you ------------------------------------------------------------------------------
def test_a_version_in_review_waits_for_the_top_managers_signature_but_not_one_they_wrote(portal_users, tm_client):
    theirs = PolicyVersionFactory(status=VersionStatus.IN_REVIEW, author=portal_users.quality_manager,
                                  document__title="Supplier Policy")
    PolicyVersionFactory(status=VersionStatus.IN_REVIEW, author=portal_users.top_management,
                         document__title="Customer Charter")
    needs = section(page_of(tm_client), "needs-title")
    assert "Supplier Policy v1" in needs
    assert reverse("policy:version_detail", args=[theirs.document.reference, 1]) in needs
    assert "Customer Charter" not in needs  # they wrote it: another top manager signs (separation of duties)


def test_the_quality_manager_has_no_version_to_sign(portal_users, qm_client):
    PolicyVersionFactory(status=VersionStatus.IN_REVIEW, author=portal_users.top_management,
                         document__title="Supplier Policy")
    assert "Supplier Policy" not in section(page_of(qm_client), "needs-title")


def test_the_chair_sees_the_minutes_to_sign_and_no_one_else_does(portal_users, tm_client, qm_client):
    review = closed(portal_users, title="Spring review")
    needs = section(page_of(tm_client), "needs-title")
    assert "Sign minutes" in needs and "Spring review" in needs
    assert reverse("leadership:review_detail", args=[review.pk]) in needs
    assert "Spring review" not in section(page_of(qm_client), "needs-title")


def test_stale_and_never_evidenced_commitments_of_their_own_wait_for_evidence_current_ones_do_not(
    portal_users, tm_client
):
    tm = portal_users.top_management
    CommitmentFactory(summary="Never evidenced one", owner=tm)
    stale = CommitmentFactory(summary="Stale one", owner=tm, evidence_every_days=30)
    EvidenceEntryFactory(leader=tm, occurred_on=day(-31)).commitments.add(stale)
    current = CommitmentFactory(summary="Current one", owner=tm, evidence_every_days=30)
    EvidenceEntryFactory(leader=tm, occurred_on=day(-30)).commitments.add(current)  # due today: still current
    CommitmentFactory(summary="Someone else's", owner=UserFactory(roles=[PortalRole.TOP_MANAGEMENT]))
    needs = section(page_of(tm_client), "needs-title")
    assert "Never evidenced one" in needs and "never evidenced" in needs
    assert "Stale one" in needs and f"stale since {shown(day(-1))}" in needs
    assert "Current one" not in needs and "Someone else" not in needs


def test_an_action_due_yesterday_is_overdue_one_due_today_is_not(portal_users, tm_client):
    tm = portal_users.top_management
    ActionFactory(owner=tm, title="Late action", due_on=day(-1))
    ActionFactory(owner=tm, title="Today's action", due_on=day(0))
    ActionFactory(title="Another person's late action", due_on=day(-5))
    needs = section(page_of(tm_client), "needs-title")
    assert "Late action" in needs
    assert "Today's action" not in needs and "Another person" not in needs


def test_the_next_review_they_chair_or_are_invited_to(portal_users, tm_client, qm_client, client_for):
    plan(portal_users, title="Autumn review", planned_on=day(20))
    assert "you chair it" in section(page_of(tm_client), "needs-title")
    assert "you are invited" in section(page_of(qm_client), "needs-title")
    other_tm = UserFactory(roles=[PortalRole.TOP_MANAGEMENT])
    assert "none planned for you" in section(page_of(client_for(other_tm)), "needs-title")


def test_nothing_waiting_says_so(tm_client):
    assert "Nothing waits for you" in section(page_of(tm_client), "needs-title")


# --- The scorecard -------------------------------------------------------------------------------
def scorecard_row(page: str, name: str) -> str:
    card = section(page, "scorecard-title")
    start = card.index(name)
    return card[start:card.index("</tr>", start)]


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


def test_the_scorecard_counts_reviews_attended_of_those_held_in_twelve_months(portal_users, qm_client):
    tm, qm = portal_users.top_management, portal_users.quality_manager
    attended = held(portal_users, title="Attended", planned_on=day(-30))
    reviews.review_attendance_record(review=attended, person=tm, attended=True, by=qm)
    missed = held(portal_users, title="Missed", planned_on=day(-60))
    reviews.review_attendance_record(review=missed, person=tm, attended=False, by=qm)
    long_ago = held(portal_users, title="Long ago", planned_on=day(-400))
    reviews.review_attendance_record(review=long_ago, person=tm, attended=True, by=qm)
    assert cells(scorecard_row(page_of(qm_client), "Tessa Mann"))[0] == "1 of 2"


def test_the_scorecard_gives_the_median_days_from_review_to_signature(portal_users, qm_client):
    tm = portal_users.top_management
    now = timezone.now()
    for waited in (2, 5, 30):
        PolicyVersionFactory(
            status=VersionStatus.APPROVED, submitted_at=now - dt.timedelta(days=waited + 1),
            approved_at=now - dt.timedelta(days=1), signed_by=tm,
        )
    other = UserFactory(full_name="Zed Zimmer", roles=[PortalRole.TOP_MANAGEMENT])
    page = page_of(qm_client)
    assert cells(scorecard_row(page, "Tessa Mann"))[1] == "5 days"
    assert cells(scorecard_row(page, other.full_name))[1] == "none signed"


def test_the_scorecard_counts_commitments_in_date_of_those_owned_and_actions_overdue(portal_users, qm_client):
    tm = portal_users.top_management
    CommitmentFactory(owner=tm)  # never evidenced
    current = CommitmentFactory(owner=tm)
    EvidenceEntryFactory(leader=tm).commitments.add(current)
    ActionFactory(owner=tm, due_on=day(-1))
    ActionFactory(owner=tm, due_on=day(1))
    row = scorecard_row(page_of(qm_client), "Tessa Mann")
    assert cells(row)[2:] == ["1 of 2", "1"]
    assert f"?owner={tm.pk}&amp;overdue=yes" in row  # the figure opens the actions behind it


def test_the_scorecard_lists_only_active_top_managers(portal_users, qm_client):
    UserFactory(full_name="Gone Leader", roles=[PortalRole.TOP_MANAGEMENT], is_active=False)
    card = section(page_of(qm_client), "scorecard-title")
    assert "Tessa Mann" in card and "Gone Leader" not in card and "Quentin Moss" not in card


# --- Objectives and the figures beside them ------------------------------------------------------
def test_each_objective_is_a_tile_with_target_latest_value_status_and_sparkline(qm_client):
    objective = QualityObjectiveFactory(title="On-time delivery", target=Decimal("95"))
    MeasurementFactory(objective=objective, measured_on=day(-30), value=Decimal("91"))
    MeasurementFactory(objective=objective, measured_on=day(-1), value=Decimal("96.5"))
    QualityObjectiveFactory(title="Nothing measured yet")
    tiles = section(page_of(qm_client), "objectives-title")
    tile = tiles[tiles.index(reverse("leadership:objective_detail", args=[objective.pk])):]
    tile = tile[:tile.index("</a>")]
    assert "On-time delivery" in tile and "96.5 %" in tile and "target ≥ 95 %" in tile and "On track" in tile
    assert "<svg" in tile
    assert "Nothing measured yet" in tiles and "No data" in tiles


def test_the_acknowledgement_rate_of_the_policy_in_force_links_to_its_report(portal_users, qm_client):
    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED, document__title="Quality Policy")
    CampaignFactory(version=version)
    AcknowledgementFactory(version=version, person=portal_users.employee)
    AcknowledgementFactory(version=version, person=portal_users.process_owner)
    figures = section(page_of(qm_client), "figures-title")
    summary = acknowledgement_summary()
    assert summary is not None and summary.acknowledged == 2
    assert f"{percent(2, summary.asked)} %" in figures and f"2 of {summary.asked}" in figures
    assert reverse("policy:campaign_report", args=[version.document.reference, version.number]) in figures
    assert "Cumulative, week by week" in figures


def test_the_acknowledgement_trend_is_the_rate_reached_by_the_end_of_each_week_since_publication(portal_users):
    today = timezone.localdate()

    def noon(days_ago: int) -> dt.datetime:
        return dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(12), tzinfo=dt.UTC)

    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED, published_at=noon(20))
    CampaignFactory(version=version)
    made = {portal_users.employee: 19, portal_users.process_owner: 13, portal_users.quality_manager: 13,
            portal_users.top_management: 0}
    for person, days_ago in made.items():
        with time_machine.travel(noon(days_ago), tick=False):  # the moment is the record's own (auto_now_add)
            AcknowledgementFactory(version=version, person=person)
    assert Acknowledgement.objects.get(person=portal_users.employee).acknowledged_at == noon(19)

    trend = acknowledgement_trend(today=today)

    assert trend is not None
    asked = trend.summary.asked
    assert trend.summary.acknowledged == 4 and asked > 4
    # Published 20 days ago: a point at publication, at each week's end (a day's acknowledgements count on it), today.
    assert trend.weekly == [
        (today - dt.timedelta(days=20), 0), (today - dt.timedelta(days=13), percent(3, asked)),
        (today - dt.timedelta(days=6), percent(3, asked)), (today, percent(4, asked)),
    ]


def test_raci_health_next_review_and_policy_review_dates(portal_users, qm_client):
    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED, document__title="Quality Policy")
    review = plan(portal_users, title="Autumn review", planned_on=day(20))
    figures = section(page_of(qm_client), "figures-title")
    breaks = len(raci_health().rule_breaks)  # an empty organisation: the 5.3 duties are held by no one
    assert breaks and f"{breaks} rule breaks" in figures and reverse("roles:raci_matrix") in figures
    assert shown(day(20)) in figures and reverse("leadership:review_detail", args=[review.pk]) in figures
    assert f"Quality Policy v1</a>: <span>{shown(version.next_review_on)}" in figures


def test_a_review_date_gone_by_unheld_still_shows_as_the_next_and_in_red(portal_users, qm_client):
    review = plan(portal_users, title="Late review", planned_on=day(-3))
    assert review.status == ReviewStatus.PLANNED
    figures = section(page_of(qm_client), "figures-title")
    assert shown(day(-3)) in figures and "text-danger-emphasis" in figures


# --- The home page -------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["top_management", "quality_manager"])
def test_top_management_and_the_quality_manager_see_what_needs_them_first_on_the_home_page(
    portal_users, client_for, who
):
    ActionFactory(owner=getattr(portal_users, who), title="Late action", due_on=day(-1))
    page = client_for(getattr(portal_users, who)).get("/").content.decode()
    assert "What needs you" in page and "Open the executive dashboard" in page
    assert page.index("What needs you") < page.index("Clause 5.1")


@pytest.mark.parametrize("who", ["process_owner", "employee", "auditor"])
def test_others_have_no_dashboard_panel_nor_menu_entry(portal_users, client_for, who):
    client = client_for(getattr(portal_users, who))
    page = client.get("/").content.decode()
    assert "What needs you" not in page and DASHBOARD not in page
    assert client.get(DASHBOARD).status_code == 403


# --- Queries -------------------------------------------------------------------------------------
def _organisation_of(count: int) -> None:
    """``count`` employees in ten units, a top manager for every hundred of them, each with commitments, actions
    and signatures, so that every panel has rows to count."""
    units = [OrgUnitFactory(name=f"Unit {n}") for n in range(10)]
    people = [
        User.objects.create(username=f"bulk{n}", full_name=f"Bulk Person {n:04d}", org_unit=units[n % 10])
        for n in range(count)
    ]
    Group.objects.get(name=PortalRole.EMPLOYEE).user_set.add(*people)
    leaders = people[: max(1, count // 100)]
    Group.objects.get(name=PortalRole.TOP_MANAGEMENT).user_set.add(*leaders)
    for leader in leaders:
        CommitmentFactory(owner=leader)
        ActionFactory(owner=leader, due_on=day(-2))
        PolicyVersionFactory(status=VersionStatus.APPROVED, signed_by=leader)


def test_the_dashboard_issues_the_same_queries_for_20_and_for_2000_people(portal_users, qm_client):
    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED)
    CampaignFactory(version=version)
    objective = QualityObjectiveFactory()
    MeasurementFactory(objective=objective)
    held(portal_users, planned_on=day(-30))
    plan(portal_users, planned_on=day(30))

    def queries_for(count: int) -> int:
        with transaction.atomic():
            _organisation_of(count)
            AcknowledgementFactory(version=version, person=User.objects.get(username="bulk1"))
            with CaptureQueriesContext(connection) as queries:
                response = qm_client.get(DASHBOARD)
            assert response.status_code == 200
            assert "Bulk Person 0000" in response.content.decode()
            transaction.set_rollback(True)
        return len(queries)

    assert queries_for(20) == queries_for(2000)
