"""Changing a review once it was held (its notes, attendance and decisions) says why, and the trail keeps the reason;
while the review is only planned, nothing asks for one."""
from __future__ import annotations

import pytest

from leadership.models import ReviewAttendance, ReviewInput, ReviewOutput
from qms_portal.models import AuditEntry
from tests.leadership.review_pages import held, plan, url

pytestmark = pytest.mark.django_db

MISSING = "The review was held: say why its record changes. The reason is kept in the audit trail."


def _last_entry() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _reasons(model, since: int, **lookup) -> list[str]:
    """The reasons on the trail entries written after entry ``since`` for the ``model`` rows ``lookup`` finds."""
    ids = [str(pk) for pk in model.objects.filter(**lookup).values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(pk__gt=since, record_type=model._meta.label_lower, object_id__in=ids)
    return sorted(entry.reason for entry in entries)


def test_notes_on_a_planned_review_need_no_reason(portal_users, qm_client):
    review = plan(portal_users)

    page = qm_client.get(url("leadership:review_input_edit", review, "c1")).text
    response = qm_client.post(url("leadership:review_input_edit", review, "c1"), {"notes": "Two complaints."})

    assert "Reason for the change" not in page
    assert response.status_code == 302
    assert review.inputs.get(code="c1").notes == "Two complaints."


def test_notes_on_a_held_review_without_a_reason_change_nothing_and_say_why(portal_users, qm_client):
    review = held(portal_users)

    response = qm_client.post(
        url("leadership:review_input_edit", review, "c1"), {"notes": "Rewritten."}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert MISSING in response.text and 'id="reason-c1"' in response.text  # the editor again, in place
    assert review.inputs.get(code="c1").notes == ""


def test_notes_on_a_held_review_keep_their_reason_in_the_trail(portal_users, qm_client):
    review = held(portal_users)
    since = _last_entry()

    response = qm_client.post(
        url("leadership:review_input_edit", review, "c1"),
        {"notes": "Two complaints.", "reason": "Figures confirmed after the meeting."},
    )

    assert response.status_code == 302
    row = review.inputs.get(code="c1")
    assert row.notes == "Two complaints."
    assert _reasons(ReviewInput, since, pk=row.pk) == ["Figures confirmed after the meeting."]


def test_attendance_without_a_reason_records_nothing(portal_users, qm_client):
    review = held(portal_users)

    response = qm_client.post(
        url("leadership:review_attendance", review), {"attended": [portal_users.top_management.pk]}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [MISSING]
    assert "Not done: correct 1 field below" in response.text
    assert not review.attendance.exclude(attended=None).exists()


def test_attendance_keeps_its_reason_on_each_trail_entry(portal_users, qm_client):
    review = held(portal_users)
    since = _last_entry()

    qm_client.post(url("leadership:review_attendance", review), {
        "attended": [portal_users.top_management.pk], "reason": "From the sign-in sheet.",
    })

    assert dict(review.attendance.values_list("person__username", "attended")) == {"tm": True, "qm": False, "po": False}
    assert _reasons(ReviewAttendance, since, review=review) == ["From the sign-in sheet."] * 3


def test_a_decision_without_a_reason_records_nothing(portal_users, qm_client):
    review = held(portal_users)

    page = qm_client.get(url("leadership:review_decision_create", review)).text
    response = qm_client.post(url("leadership:review_decision_create", review), {
        "category": "c", "decision": "A second inspector.", "reason": "  ",
    })

    assert "Reason for the change" in page
    assert response.status_code == 200 and response.context["form"].errors["reason"] == [MISSING]
    assert not ReviewOutput.objects.exists()


def test_a_decision_keeps_its_reason_in_the_trail(portal_users, qm_client):
    review = held(portal_users)
    since = _last_entry()

    qm_client.post(url("leadership:review_decision_create", review), {
        "category": "c", "decision": "A second inspector.", "reason": "Agreed at the meeting.",
    })

    assert _reasons(ReviewOutput, since, review=review) == ["Agreed at the meeting."]


def test_record_it_and_add_another_brings_the_reason_to_the_next_decision(portal_users, qm_client):
    review = held(portal_users)

    response = qm_client.post(url("leadership:review_decision_create", review), {
        "category": "c", "decision": "A second inspector.", "reason": "Agreed at the meeting.", "another": "1",
    }, follow=True)

    assert response.context["form"]["reason"].value() == "Agreed at the meeting."
    assert response.context["form"]["decision"].value() in (None, "")
