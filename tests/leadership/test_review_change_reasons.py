"""Changing what a held review already recorded (its notes, its attendance) says why, and the trail keeps the reason;
writing the record the first time, or while the review is only planned, asks for none."""
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


def test_first_notes_on_a_held_review_need_no_reason(portal_users, qm_client):
    review = held(portal_users)

    response = qm_client.post(url("leadership:review_input_edit", review, "c1"), {"notes": "Two complaints."})

    assert response.status_code == 302
    assert review.inputs.get(code="c1").notes == "Two complaints."


def test_rewriting_notes_of_a_held_review_without_a_reason_changes_nothing_and_says_why(portal_users, qm_client):
    review = held(portal_users)
    qm_client.post(url("leadership:review_input_edit", review, "c1"), {"notes": "Two complaints."})

    response = qm_client.post(
        url("leadership:review_input_edit", review, "c1"), {"notes": "Rewritten."}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert MISSING in response.text and 'id="reason-c1"' in response.text  # the editor again, in place
    assert review.inputs.get(code="c1").notes == "Two complaints."


def test_rewritten_notes_of_a_held_review_keep_their_reason_in_the_trail(portal_users, qm_client):
    review = held(portal_users)
    qm_client.post(url("leadership:review_input_edit", review, "c1"), {"notes": "Two complaints."})
    since = _last_entry()

    response = qm_client.post(
        url("leadership:review_input_edit", review, "c1"),
        {"notes": "Three complaints.", "reason": "Figures confirmed after the meeting."},
    )

    assert response.status_code == 302
    row = review.inputs.get(code="c1")
    assert row.notes == "Three complaints."
    assert _reasons(ReviewInput, since, pk=row.pk) == ["Figures confirmed after the meeting."]


def test_first_attendance_needs_no_reason(portal_users, qm_client):
    review = held(portal_users)

    page = qm_client.get(url("leadership:review_attendance", review)).text
    response = qm_client.post(
        url("leadership:review_attendance", review), {"attended": [portal_users.top_management.pk]}
    )

    assert "Reason for the change" not in page
    assert response.status_code == 302
    assert dict(review.attendance.values_list("person__username", "attended")) == {"tm": True, "qm": False, "po": False}


def test_changing_recorded_attendance_without_a_reason_changes_nothing(portal_users, qm_client):
    review = held(portal_users)
    qm_client.post(url("leadership:review_attendance", review), {"attended": [portal_users.top_management.pk]})

    response = qm_client.post(url("leadership:review_attendance", review), {
        "attended": [portal_users.top_management.pk, portal_users.quality_manager.pk],
    })

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [MISSING]
    assert "Not done: correct 1 field below" in response.text
    assert dict(review.attendance.values_list("person__username", "attended")) == {"tm": True, "qm": False, "po": False}


def test_changed_attendance_keeps_its_reason_in_the_trail(portal_users, qm_client):
    review = held(portal_users)
    qm_client.post(url("leadership:review_attendance", review), {"attended": [portal_users.top_management.pk]})
    since = _last_entry()

    qm_client.post(url("leadership:review_attendance", review), {
        "attended": [portal_users.top_management.pk, portal_users.quality_manager.pk],
        "reason": "She signed the sheet late.",
    })

    assert review.attendance.get(person=portal_users.quality_manager).attended is True
    assert _reasons(ReviewAttendance, since, review=review) == ["She signed the sheet late."]


def test_decisions_of_a_held_review_are_its_record_and_need_no_reason(portal_users, qm_client):
    review = held(portal_users)

    page = qm_client.get(url("leadership:review_decision_create", review)).text
    response = qm_client.post(url("leadership:review_decision_create", review), {
        "category": "c", "decision": "A second inspector.",
    })

    assert "Reason for the change" not in page
    assert response.status_code == 302
    assert list(ReviewOutput.objects.values_list("decision", flat=True)) == ["A second inspector."]
