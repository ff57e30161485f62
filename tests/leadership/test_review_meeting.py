"""Holding a review, recording its attendance and its 9.3.3 decisions with their actions, through the pages."""
from __future__ import annotations

import pytest
from django.urls import reverse

from leadership import reviews
from leadership.models import Action, ManagementReview, OutputCategory, ReviewOutput, ReviewStatus
from tests.leadership.review_pages import (
    day,
    fresh,
    held,
    plan,
    shown,
    url,
)

pytestmark = pytest.mark.django_db


# --- Holding, attendance, decisions -------------------------------------------------------------------------------
def test_holding_a_recurring_review_tells_when_the_next_one_is_proposed_with_a_link(portal_users, qm_client):
    review = plan(portal_users, recurrence_months=6)

    form_page = qm_client.get(url("leadership:review_hold", review))
    response = qm_client.post(url("leadership:review_hold", review), {"held_on": day(-1).isoformat()}, follow=True)

    expected = reviews.add_months(day(-1), 6)
    assert f"proposes the next one for <strong>{shown(expected)}</strong>" in form_page.text
    next_review = ManagementReview.objects.get(proposed_from=review)
    assert next_review.planned_on == expected
    link = url("leadership:review_detail", next_review)
    assert f'The next review was proposed for <a href="{link}">{shown(expected)}</a>' in response.text


def test_the_held_date_defaults_to_today_and_cannot_be_to_come(portal_users, qm_client):
    review = plan(portal_users)

    form = qm_client.get(url("leadership:review_hold", review)).context["form"]
    response = qm_client.post(url("leadership:review_hold", review), {"held_on": day(1).isoformat()})

    assert form["held_on"].value() == day()
    assert response.status_code == 200
    assert "A review cannot be marked held on a date still to come." in response.text
    assert fresh(review).status == ReviewStatus.PLANNED


def test_attendance_records_each_invitee_ticked_or_not(portal_users, qm_client):
    review = held(portal_users)

    response = qm_client.post(
        url("leadership:review_attendance", review),
        {"attended": [portal_users.top_management.pk], "reason": "Taken at the meeting."},
    )

    assert response.status_code == 302
    recorded = dict(review.attendance.values_list("person__username", "attended"))
    assert recorded == {"tm": True, "qm": False, "po": False}
    assert "1 of 3 attended" in qm_client.get(url("leadership:review_detail", review)).text


def test_a_decision_whose_action_has_no_owner_records_nothing_and_says_so(portal_users, qm_client):
    review = held(portal_users)

    response = qm_client.post(url("leadership:review_decision_create", review), {
        "category": OutputCategory.RESOURCES, "decision": "A second inspector.",
        "action_title": "Recruit an inspector", "action_due_on": day(60).isoformat(), "reason": "Decided then.",
    })

    assert response.status_code == 200
    assert response.context["form"].errors["action_owner"] == ["Choose an active person to own the action."]
    assert not ReviewOutput.objects.exists() and not Action.objects.exists()


def test_decisions_are_shown_under_their_933_category_with_their_actions(portal_users, client_for):
    review = held(portal_users)
    reviews.review_decision_add(
        review=review, category=OutputCategory.QMS_CHANGE, decision="Set-up checklist on the route card.",
        action_title="Write the set-up checklist", action_owner=portal_users.employee,
        action_due_on=day(-1), by=portal_users.quality_manager,
    )

    page = client_for(portal_users.auditor).get(url("leadership:review_detail", review)).text
    action = Action.objects.get()

    assert "Changes needed to the QMS" in page and "Set-up checklist on the route card." in page
    assert reverse("leadership:action_detail", args=[action.pk]) in page and "Overdue" in page
    assert "Emil Park" in page


def test_a_decision_cannot_be_recorded_on_a_planned_review(portal_users, qm_client):
    review = plan(portal_users)

    response = qm_client.post(url("leadership:review_decision_create", review), {
        "category": OutputCategory.RESOURCES, "decision": "Too early.",
    })

    assert response.status_code == 409
    assert not ReviewOutput.objects.exists()
