"""The management review pages (9.3), the whole way from plan to signed minutes as the quality manager and the
chair use them, and planning."""
from __future__ import annotations

import pytest
from django.urls import reverse

from leadership.models import Action, ManagementReview, OutputCategory, ReviewStatus
from qms_portal.models import ElectronicSignature
from qms_portal.signatures import content_sha256
from tests.core.factories import PASSWORD
from tests.leadership.review_pages import (
    AGENDA,
    EDIT_BUTTONS,
    day,
    fresh,
    held,
    plan,
    url,
)

pytestmark = pytest.mark.django_db


# --- The whole way, as the quality manager and the chair use it ---------------------------------------------------
def test_a_review_goes_from_plan_to_signed_minutes_through_the_pages(portal_users, client_for, qm_client):
    tm, po = portal_users.top_management, portal_users.process_owner

    # Plan it.
    response = qm_client.post(reverse("leadership:review_create"), {
        "title": "Management review H2", "planned_on": day(-1).isoformat(), "chair": tm.pk,
        "attendees": [po.pk], "recurrence_months": "",
    })
    review = ManagementReview.objects.get(title="Management review H2")
    assert response.status_code == 302 and response["Location"] == url("leadership:review_detail", review)
    assert sorted(review.inputs.values_list("code", flat=True)) == sorted(AGENDA)

    # Write the notes of every input but one, as the page's in-place editor posts them.
    for code in AGENDA[:-1]:
        response = qm_client.post(
            url("leadership:review_input_edit", review, code),
            {"notes": f"Figures for {code} read."},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
    page = qm_client.get(url("leadership:review_detail", review)).text
    assert "11 of 12 addressed" in page

    # Hold it, record who attended, and a decision that starts an action.
    response = qm_client.post(url("leadership:review_hold", review), {"held_on": day(-1).isoformat()})
    assert response.status_code == 302 and fresh(review).status == ReviewStatus.HELD
    qm_client.post(
        url("leadership:review_attendance", review), {"attended": [tm.pk, po.pk], "reason": "Taken at the meeting."}
    )
    response = qm_client.post(url("leadership:review_decision_create", review), {
        "category": OutputCategory.IMPROVEMENT, "decision": "Visit the three late suppliers.",
        "action_title": "Agree recovery plans with three suppliers", "action_owner": po.pk,
        "action_due_on": day(49).isoformat(), "reason": "Decided at the meeting.",
    })
    assert response.status_code == 302
    action = Action.objects.get(title="Agree recovery plans with three suppliers")
    assert action.source_review == review and action.decision.decision == "Visit the three late suppliers."

    # Closing is refused while input f has no notes: the page names it and links to it; nothing changes.
    response = qm_client.post(url("leadership:review_close", review))
    assert response.status_code == 409
    assert "Opportunities for improvement" in response.text
    assert url("leadership:review_input_edit", review, "f") in response.text
    assert "c6" not in [item.code for item in response.context["items"]]
    assert fresh(review).status == ReviewStatus.HELD and fresh(review).closed_at is None

    qm_client.post(
        url("leadership:review_input_edit", review, "f"),
        {"notes": "A set-up checklist on the route card.", "reason": "Raised at the meeting."},
    )
    response = qm_client.post(url("leadership:review_close", review))
    assert response.status_code == 302 and fresh(review).status == ReviewStatus.CLOSED

    # The chair signs: a wrong password first signs nothing.
    chair = client_for(tm)
    page = chair.get(url("leadership:review_sign", review))
    shown = page.context["sha256"]
    assert shown == content_sha256(fresh(review).signed_content())
    assert "Visit the three late suppliers." in page.text and shown in page.text
    response = chair.post(
        url("leadership:review_sign", review), {"content_sha256": shown, "password": "not-my-password"}
    )
    assert response.status_code == 200
    assert "That password is not right. Nothing was signed." in response.text
    assert not fresh(review).is_signed and not ElectronicSignature.objects.exists()

    response = chair.post(url("leadership:review_sign", review), {"content_sha256": shown, "password": PASSWORD})
    assert response.status_code == 302 and fresh(review).is_signed

    # The signed page shows a valid signature, and nobody is offered a change any more.
    for client in (qm_client, chair):
        page = client.get(url("leadership:review_detail", review)).text
        assert "✓ Signature valid" in page and "Tessa Mann" in page
        assert fresh(review).minutes_signature.content_sha256 in page
        assert not [button for button in EDIT_BUTTONS if button in page]
        assert url("leadership:review_sign", review) not in page


# --- Planning -----------------------------------------------------------------------------------------------------
def test_the_chair_must_be_a_top_manager_and_nothing_is_planned_otherwise(portal_users, qm_client):
    response = qm_client.post(reverse("leadership:review_create"), {
        "title": "Review", "planned_on": "2026-12-10", "chair": portal_users.process_owner.pk,
    })

    assert response.status_code == 200
    assert response.context["form"].errors["chair"]
    assert not ManagementReview.objects.exists()


def test_the_plan_form_offers_only_top_managers_as_chair_and_no_day_before_any_review_was_held(
    portal_users, qm_client
):
    response = qm_client.get(reverse("leadership:review_create"))
    form = response.context["form"]

    assert list(form.fields["chair"].queryset) == [portal_users.top_management]
    assert form["planned_on"].value() is None
    assert "No review has been held yet: choose the day of the meeting." in response.text


def test_the_plan_changes_while_planned_with_its_invitees(portal_users, qm_client):
    review = plan(portal_users)

    response = qm_client.post(url("leadership:review_edit", review), {
        "title": "Management review H2 (moved)", "planned_on": day(6).isoformat(),
        "chair": portal_users.top_management.pk, "attendees": [portal_users.auditor.pk], "recurrence_months": "6",
    })

    review = fresh(review)
    assert response.status_code == 302
    assert (review.title, review.planned_on, review.recurrence_months) == (
        "Management review H2 (moved)", day(6), 6)
    assert set(review.attendance.values_list("person__username", flat=True)) == {"tm", "aud"}


def test_the_plan_of_a_held_review_cannot_change(portal_users, qm_client):
    review = held(portal_users)

    response = qm_client.post(url("leadership:review_edit", review), {
        "title": "Renamed", "planned_on": day(6).isoformat(), "chair": portal_users.top_management.pk,
    })

    assert response.status_code == 409
    assert "changing the plan needs it planned" in response.text
    assert fresh(review).title == "Management review H2"
