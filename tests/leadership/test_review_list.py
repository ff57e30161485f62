"""The list of management reviews: its figures, its filters, its empty state, the queries the review pages cost;
and the calendar file a review page offers."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadership import reviews
from leadership.models import Action, ManagementReview, OutputCategory, ReviewInput, ReviewStatus
from tests.leadership.review_pages import (
    closed,
    day,
    held,
    note_all,
    plan,
    shown,
    signed,
    url,
)

pytestmark = pytest.mark.django_db


# --- The list -----------------------------------------------------------------------------------------------------
def test_the_list_shows_each_review_with_its_figures_and_the_proposed_next_one(portal_users, client_for):
    review = held(portal_users, recurrence_months=3)
    note_all(review, portal_users.quality_manager, skip=("c6", "e", "f"))
    reviews.review_attendance_record(review=review, person=portal_users.process_owner, attended=True,
                                     by=portal_users.quality_manager)
    reviews.review_decision_add(
        review=review, category=OutputCategory.RESOURCES, decision="Inspector.", action_title="Hire",
        action_owner=portal_users.employee, action_due_on=day(-2), by=portal_users.quality_manager,
    )

    page = client_for(portal_users.auditor).get(reverse("leadership:review_list")).text

    assert "9 of 12" in page and "1 of 3 attended" in page
    assert "1 open" in page and "1 overdue" in page
    next_review = ManagementReview.objects.get(proposed_from=review)
    link = f'<a href="{url("leadership:review_detail", next_review)}">{shown(next_review.planned_on)}</a>'
    assert f"next proposed for {link}" in page
    assert "Upcoming" in page and "Held and past" in page


def test_the_list_filters_by_state(portal_users, client_for):
    signed(portal_users)
    plan(portal_users, title="Still planned")

    page = client_for(portal_users.auditor).get(reverse("leadership:review_list"), {"state": "signed"}).text

    assert "Management review H2" in page and "Still planned" not in page


def test_the_empty_list_invites_the_quality_manager_to_plan_the_first_review(portal_users, client_for):
    as_quality = client_for(portal_users.quality_manager).get(reverse("leadership:review_list")).text
    as_director = client_for(portal_users.top_management).get(reverse("leadership:review_list")).text

    assert "Plan the first review" in as_quality and reverse("leadership:review_create") in as_quality
    assert "No management reviews yet" in as_director and "Plan the first review" not in as_director


def _reviews(count: int, portal_users) -> None:
    """``count`` reviews in turn planned, held and closed, with an open action each; created one by one since the
    audited models refuse bulk_create, without their agendas (the list counts them with subqueries)."""
    chair, qm = portal_users.top_management, portal_users.quality_manager
    for number in range(count):
        state = (ReviewStatus.PLANNED, ReviewStatus.HELD, ReviewStatus.CLOSED)[number % 3]
        on = day(-number)
        review = ManagementReview.objects.create(
            title=f"Review {number}", planned_on=on, chair=chair, created_by=qm, status=state,
            held_on=None if state == ReviewStatus.PLANNED else on, recurrence_months=3 if number % 2 else None,
        )
        ReviewInput.objects.create(review=review, code="a", notes="Covered.")
        Action.objects.create(title=f"Action {number}", owner=qm, due_on=on, source_review=review, created_by=qm)


def test_the_list_costs_the_same_number_of_queries_for_5_and_500_reviews(portal_users, client_for):
    client = client_for(portal_users.auditor)
    client.get(reverse("home"))  # the first page of a session loads what later pages find cached
    _reviews(5, portal_users)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("leadership:review_list")).status_code == 200
    _reviews(495, portal_users)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("leadership:review_list"))

    assert page.context["page"].paginator.count == 333 and len(page.context["upcoming"]) == 5
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


def test_the_review_page_costs_the_same_number_of_queries_for_1_and_12_decisions(portal_users, client_for):
    review = held(portal_users)
    client = client_for(portal_users.quality_manager)
    client.get(reverse("home"))

    def decide(count: int) -> None:
        for number in range(count):
            reviews.review_decision_add(
                review=review, category=OutputCategory.values[number % 3], decision=f"Decision {number}",
                action_title=f"Action {number}", action_owner=portal_users.employee, action_due_on=day(),
                by=portal_users.quality_manager,
            )

    decide(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url("leadership:review_detail", review)).status_code == 200
    decide(11)
    note_all(review, portal_users.quality_manager)
    for person in (portal_users.auditor, portal_users.employee):
        reviews.review_attendance_record(review=review, person=person, attended=True, by=portal_users.quality_manager)
    with CaptureQueriesContext(connection) as twelve:
        page = client.get(url("leadership:review_detail", review)).text

    assert page.count("Decision ") >= 12
    assert len(twelve) == len(one)


def test_the_list_points_the_chair_to_minutes_awaiting_their_signature(portal_users, client_for):
    review = closed(portal_users)

    as_chair = client_for(portal_users.top_management).get(reverse("leadership:review_list")).text
    as_quality = client_for(portal_users.quality_manager).get(reverse("leadership:review_list")).text

    assert url("leadership:review_sign", review) in as_chair
    assert url("leadership:review_sign", review) not in as_quality


# --- The calendar file --------------------------------------------------------------------------------------------
def test_the_calendar_file_downloads_with_its_headers_and_the_review_in_it(portal_users, client_for):
    review = plan(portal_users, title="Management review; H2", planned_on=dt.date(2026, 12, 10))

    response = client_for(portal_users.auditor).get(url("leadership:review_ics", review))
    text = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="management-review-2026-12-10.ics"'
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert f"UID:management-review-{review.uid}@qms-portal\r\n" in text
    assert "DTSTART;VALUE=DATE:20261210\r\n" in text and "SUMMARY:Management review\\; H2\r\n" in text
    assert "mailto:" not in text and "Tessa Mann" in text  # an auditor manages no people: names, no e-mails
