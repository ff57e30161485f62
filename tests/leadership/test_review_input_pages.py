"""The notes on a review's 9.3.2 inputs, written in place with htmx or on a page of their own, and the live
figures shown beside the agenda."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from leadership import reviews
from tests.leadership.factories import ActionFactory, MeasurementFactory, QualityObjectiveFactory
from tests.leadership.review_pages import (
    closed,
    day,
    fresh,
    held,
    note_all,
    plan,
    shown,
    signed,
    url,
)
from tests.policy.factories import AcknowledgementFactory, CampaignFactory
from tests.roles.factories import AssignmentFactory, RaciCellFactory

pytestmark = pytest.mark.django_db


# --- Input notes --------------------------------------------------------------------------------------------------
def test_the_notes_editor_opens_in_place_with_htmx_and_as_a_page_without(portal_users, qm_client):
    review = plan(portal_users)
    edit = url("leadership:review_input_edit", review, "c4")

    in_place = qm_client.get(edit, headers={"HX-Request": "true"})
    page = qm_client.get(edit)

    assert in_place.status_code == 200 and "<html" not in in_place.text
    assert 'id="input-c4"' in in_place.text and 'hx-post="' + edit + '"' in in_place.text
    assert page.status_code == 200 and "<html" in page.text and 'name="notes"' in page.text


def test_saving_notes_in_place_answers_the_block_and_the_count(portal_users, qm_client):
    review = plan(portal_users)

    response = qm_client.post(
        url("leadership:review_input_edit", review, "c4"),
        {"notes": "Nine nonconformities, all closed."},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="input-c4"' in response.text and "Nine nonconformities, all closed." in response.text
    assert 'id="inputs-progress"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "1 of 12 addressed" in response.text
    assert review.inputs.get(code="c4").notes == "Nine nonconformities, all closed."


def test_saving_notes_without_javascript_returns_to_the_input_on_the_page(portal_users, qm_client):
    review = plan(portal_users)

    response = qm_client.post(url("leadership:review_input_edit", review, "c1"), {"notes": "Two complaints."})

    assert response.status_code == 302 and response["Location"] == url("leadership:review_detail", review) + "#input-c1"


def test_notes_may_be_emptied_again_before_the_review_closes(portal_users, qm_client):
    review = held(portal_users)
    note_all(review, portal_users.quality_manager)

    response = qm_client.post(
        url("leadership:review_input_edit", review, "e"), {"notes": "", "reason": "Moved to the next review."}
    )

    assert response.status_code == 302
    assert review.inputs.get(code="e").notes == ""


def test_the_notes_of_an_input_start_from_its_live_figures(portal_users, qm_client):
    review = plan(portal_users)
    MeasurementFactory(objective=QualityObjectiveFactory(), value=Decimal("97"))

    form = qm_client.get(url("leadership:review_input_edit", review, "c2")).context["form"]

    assert form.initial["notes"] == f"Quality objectives: 1 on track (1 in all) (as of {shown(day())})."


def test_notes_already_written_are_not_replaced_by_the_figures(portal_users, qm_client):
    review = plan(portal_users)
    reviews.review_input_save(review_input=review.inputs.get(code="c2"), notes="Mine.", by=portal_users.quality_manager)

    form = qm_client.get(url("leadership:review_input_edit", review, "c2")).context["form"]

    assert form.initial["notes"] == "Mine."


def test_the_notes_of_signed_minutes_cannot_be_changed(portal_users, qm_client):
    review = signed(portal_users)

    response = qm_client.post(url("leadership:review_input_edit", review, "c1"), {"notes": "Rewritten afterwards."})

    assert response.status_code == 409
    assert "signed" in response.text
    assert review.inputs.get(code="c1").notes == "Covered c1."
    assert fresh(review).signature_valid


def test_an_in_place_edit_refused_by_the_state_reloads_the_page_with_the_reason(portal_users, qm_client):
    review = signed(portal_users)

    response = qm_client.post(url("leadership:review_input_edit", review, "c1"), {"notes": "Late."},
                              headers={"HX-Request": "true"})

    assert response.status_code == 409 and response["HX-Refresh"] == "true"
    assert review.inputs.get(code="c1").notes == "Covered c1."
    page = qm_client.get(url("leadership:review_detail", review)).text
    assert "they can no longer change" in page



# --- The live figures beside the agenda ---------------------------------------------------------------------------
def test_the_agenda_shows_the_live_figures_with_links_to_their_pages(portal_users, client_for):
    earlier = held(portal_users, title="Earlier review", planned_on=day(-120))
    late = ActionFactory(title="Recovery plans with suppliers", source_review=earlier, due_on=day(-1))
    ActionFactory(title="Calibrate the gauges", source_review=earlier, due_on=day(9))
    MeasurementFactory(objective=QualityObjectiveFactory(), value=Decimal("97"))
    MeasurementFactory(objective=QualityObjectiveFactory(), value=Decimal("60"))
    campaign = CampaignFactory()
    AcknowledgementFactory(version=campaign.version, person=portal_users.employee)
    cell = RaciCellFactory(letter="R")  # an activity without an A, its role held by nobody
    AssignmentFactory(person=portal_users.process_owner)
    review = plan(portal_users, planned_on=day(10))

    response = client_for(portal_users.quality_manager).get(url("leadership:review_detail", review))
    page = response.text
    agenda = {row.code: row.figures for row in response.context["inputs"]}

    assert [figure.label for figure in agenda["a"]] == ["Actions from earlier reviews"]
    assert agenda["a"][0].value == "2 open, 1 overdue"
    assert reverse("leadership:action_detail", args=[late.pk]) in page and "Recovery plans with suppliers" in page
    assert agenda["c2"][0].value == "1 on track, 1 off track" and reverse("leadership:objective_list") in page
    assert agenda["c5"][0].label == "Policy acknowledgement"
    assert re.fullmatch(r"\d+ % \(1 of \d+\)", agenda["c5"][0].value)  # all active staff are asked
    assert reverse("policy:campaign_report", args=[campaign.version.document.reference, 1]) in page
    assert agenda["b"][0].value == "Quality Policy, version 1"
    # Besides the activity and the role, the five 5.3 duties (seeded unassigned) break rules too.
    assert re.fullmatch(r"\d+ rules broken", agenda["c3"][0].value) and reverse("roles:raci_health") in page
    assert cell.activity.name in page
    assert [figure.label for figure in agenda["d"]] == ["5.3 duties on a held role", "Role acknowledgement"]
    assert agenda["d"][0].value == "0 of 5" and reverse("roles:duty_list") in page
    assert "Live in the portal today" in page


def test_a_reader_without_the_acknowledgement_report_is_linked_to_the_policy_version(portal_users, client_for):
    campaign = CampaignFactory()
    review = plan(portal_users)

    page = client_for(portal_users.process_owner).get(url("leadership:review_detail", review)).text

    reference = campaign.version.document.reference
    assert reverse("policy:campaign_report", args=[reference, 1]) not in page
    assert reverse("policy:version_detail", args=[reference, 1]) in page


def test_a_closed_review_shows_its_notes_not_todays_figures(portal_users, client_for):
    review = closed(portal_users)

    response = client_for(portal_users.auditor).get(url("leadership:review_detail", review))

    assert all(row.figures == [] for row in response.context["inputs"])
    assert "Live in the portal today" not in response.text
