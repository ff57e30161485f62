"""The management review pages (9.3): the quality manager plans a review, writes the notes on its 9.3.2 inputs (in
place with htmx, or on a page of their own), marks it held, records attendance and decisions with their actions,
closes it once every input has notes; the chair signs the minutes; what the pages show in each state, the live
figures beside the agenda, the calendar file, and the queries the pages cost."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from leadership import reviews
from leadership.models import Action, ManagementReview, OutputCategory, ReviewInput, ReviewOutput, ReviewStatus
from qms_portal.access import PortalRole
from qms_portal.models import ElectronicSignature, SigningLock
from qms_portal.signatures import content_sha256
from tests.core.factories import PASSWORD, UserFactory
from tests.leadership.factories import ActionFactory, MeasurementFactory, QualityObjectiveFactory
from tests.policy.factories import AcknowledgementFactory, CampaignFactory
from tests.roles.factories import AssignmentFactory, RaciCellFactory

pytestmark = pytest.mark.django_db

AGENDA = ["a", "b", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "d", "e", "f"]
EDIT_BUTTONS = ("Write notes", "Edit notes", "Record a decision", "Record attendance", "Close the review",
                "Change the plan", "Mark as held")


def day(offset: int = 0) -> dt.date:
    """Today, or ``offset`` days from it."""
    return timezone.localdate() + dt.timedelta(days=offset)


def shown(value: dt.date) -> str:
    """A date as the pages show it: 27 Nov 2026."""
    return date_format(value, "j M Y")


def plan(portal_users, **overrides) -> ManagementReview:
    fields = {
        "title": "Management review H2",
        "planned_on": day(-1),
        "chair": portal_users.top_management,
        "attendees": [portal_users.quality_manager, portal_users.process_owner],
        "by": portal_users.quality_manager,
    } | overrides
    return reviews.review_plan(**fields)


def held(portal_users, **overrides) -> ManagementReview:
    review = plan(portal_users, **overrides)
    return reviews.review_hold(review=review, held_on=review.planned_on, by=portal_users.quality_manager)


def note_all(review: ManagementReview, by, *, skip: tuple[str, ...] = ()) -> None:
    for row in review.inputs.exclude(code__in=skip):
        reviews.review_input_save(review_input=row, notes=f"Covered {row.code}.", by=by)


def closed(portal_users, **overrides) -> ManagementReview:
    review = held(portal_users, **overrides)
    note_all(review, portal_users.quality_manager)
    return reviews.review_close(review=review, by=portal_users.quality_manager)


def signed(portal_users) -> ManagementReview:
    review = closed(portal_users)
    return reviews.review_sign_minutes(
        review=review, password=PASSWORD, expected_sha256=content_sha256(review.signed_content()),
        by=portal_users.top_management,
    )


def url(name: str, review: ManagementReview, *args) -> str:
    return reverse(name, args=[review.pk, *args])


def fresh(review: ManagementReview) -> ManagementReview:
    return ManagementReview.objects.get(pk=review.pk)


# --- The whole way, as the quality manager and the chair use it ---------------------------------------------------
def test_a_review_goes_from_plan_to_signed_minutes_through_the_pages(portal_users, client_for, qm_client):
    tm, po = portal_users.top_management, portal_users.process_owner

    # Plan it.
    response = qm_client.post(reverse("review_create"), {
        "title": "Management review H2", "planned_on": day(-1).isoformat(), "chair": tm.pk,
        "attendees": [po.pk], "recurrence_months": "",
    })
    review = ManagementReview.objects.get(title="Management review H2")
    assert response.status_code == 302 and response["Location"] == url("review_detail", review)
    assert sorted(review.inputs.values_list("code", flat=True)) == sorted(AGENDA)

    # Write the notes of every input but one, as the page's in-place editor posts them.
    for code in AGENDA[:-1]:
        response = qm_client.post(url("review_input_edit", review, code), {"notes": f"Figures for {code} read."},
                                  headers={"HX-Request": "true"})
        assert response.status_code == 200
    page = qm_client.get(url("review_detail", review)).text
    assert "11 of 12 addressed" in page

    # Hold it, record who attended, and a decision that starts an action.
    response = qm_client.post(url("review_hold", review), {"held_on": day(-1).isoformat()})
    assert response.status_code == 302 and fresh(review).status == ReviewStatus.HELD
    qm_client.post(url("review_attendance", review), {"attended": [tm.pk, po.pk]})
    response = qm_client.post(url("review_decision_create", review), {
        "category": OutputCategory.IMPROVEMENT, "decision": "Visit the three late suppliers.",
        "action_title": "Agree recovery plans with three suppliers", "action_owner": po.pk,
        "action_due_on": day(49).isoformat(),
    })
    assert response.status_code == 302
    action = Action.objects.get(title="Agree recovery plans with three suppliers")
    assert action.source_review == review and action.decision.decision == "Visit the three late suppliers."

    # Closing is refused while input f has no notes: the page names it and links to it; nothing changes.
    response = qm_client.post(url("review_close", review))
    assert response.status_code == 409
    assert "Opportunities for improvement" in response.text
    assert url("review_input_edit", review, "f") in response.text
    assert "c6" not in [item.code for item in response.context["items"]]
    assert fresh(review).status == ReviewStatus.HELD and fresh(review).closed_at is None

    qm_client.post(url("review_input_edit", review, "f"), {"notes": "A set-up checklist on the route card."})
    response = qm_client.post(url("review_close", review))
    assert response.status_code == 302 and fresh(review).status == ReviewStatus.CLOSED

    # The chair signs: a wrong password first signs nothing.
    chair = client_for(tm)
    page = chair.get(url("review_sign", review))
    shown = page.context["sha256"]
    assert shown == content_sha256(fresh(review).signed_content())
    assert "Visit the three late suppliers." in page.text and shown in page.text
    response = chair.post(url("review_sign", review), {"content_sha256": shown, "password": "not-my-password"})
    assert response.status_code == 200
    assert "That password is not right. Nothing was signed." in response.text
    assert not fresh(review).is_signed and not ElectronicSignature.objects.exists()

    response = chair.post(url("review_sign", review), {"content_sha256": shown, "password": PASSWORD})
    assert response.status_code == 302 and fresh(review).is_signed

    # The signed page shows a valid signature, and nobody is offered a change any more.
    for client in (qm_client, chair):
        page = client.get(url("review_detail", review)).text
        assert "✓ Signature valid" in page and "Tessa Mann" in page
        assert fresh(review).minutes_signature.content_sha256 in page
        assert not [button for button in EDIT_BUTTONS if button in page]
        assert url("review_sign", review) not in page


# --- Planning -----------------------------------------------------------------------------------------------------
def test_the_chair_must_be_a_top_manager_and_nothing_is_planned_otherwise(portal_users, qm_client):
    response = qm_client.post(reverse("review_create"), {
        "title": "Review", "planned_on": "2026-12-10", "chair": portal_users.process_owner.pk,
    })

    assert response.status_code == 200
    assert response.context["form"].errors["chair"]
    assert not ManagementReview.objects.exists()


def test_the_plan_form_offers_only_top_managers_as_chair_and_today_as_date(portal_users, qm_client):
    form = qm_client.get(reverse("review_create")).context["form"]

    assert list(form.fields["chair"].queryset) == [portal_users.top_management]
    assert form["planned_on"].value() == day()


def test_the_plan_changes_while_planned_with_its_invitees(portal_users, qm_client):
    review = plan(portal_users)

    response = qm_client.post(url("review_edit", review), {
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

    response = qm_client.post(url("review_edit", review), {
        "title": "Renamed", "planned_on": day(6).isoformat(), "chair": portal_users.top_management.pk,
    })

    assert response.status_code == 409
    assert "changing the plan needs it planned" in response.text
    assert fresh(review).title == "Management review H2"


# --- Input notes --------------------------------------------------------------------------------------------------
def test_the_notes_editor_opens_in_place_with_htmx_and_as_a_page_without(portal_users, qm_client):
    review = plan(portal_users)
    edit = url("review_input_edit", review, "c4")

    in_place = qm_client.get(edit, headers={"HX-Request": "true"})
    page = qm_client.get(edit)

    assert in_place.status_code == 200 and "<html" not in in_place.text
    assert 'id="input-c4"' in in_place.text and 'hx-post="' + edit + '"' in in_place.text
    assert page.status_code == 200 and "<html" in page.text and 'name="notes"' in page.text


def test_saving_notes_in_place_answers_the_block_and_the_count(portal_users, qm_client):
    review = plan(portal_users)

    response = qm_client.post(url("review_input_edit", review, "c4"), {"notes": "Nine nonconformities, all closed."},
                              headers={"HX-Request": "true"})

    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="input-c4"' in response.text and "Nine nonconformities, all closed." in response.text
    assert 'id="inputs-progress"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "1 of 12 addressed" in response.text
    assert review.inputs.get(code="c4").notes == "Nine nonconformities, all closed."


def test_saving_notes_without_javascript_returns_to_the_input_on_the_page(portal_users, qm_client):
    review = plan(portal_users)

    response = qm_client.post(url("review_input_edit", review, "c1"), {"notes": "Two complaints."})

    assert response.status_code == 302 and response["Location"] == url("review_detail", review) + "#input-c1"


def test_notes_may_be_emptied_again_before_the_review_closes(portal_users, qm_client):
    review = held(portal_users)
    note_all(review, portal_users.quality_manager)

    response = qm_client.post(url("review_input_edit", review, "e"), {"notes": "   "})

    assert response.status_code == 302
    assert review.inputs.get(code="e").notes == ""


def test_the_notes_of_an_input_start_from_its_live_figures(portal_users, qm_client):
    review = plan(portal_users)
    MeasurementFactory(objective=QualityObjectiveFactory(), value=Decimal("97"))

    form = qm_client.get(url("review_input_edit", review, "c2")).context["form"]

    assert form.initial["notes"] == f"Quality objectives: 1 on track (1 in all) (as of {shown(day())})."


def test_notes_already_written_are_not_replaced_by_the_figures(portal_users, qm_client):
    review = plan(portal_users)
    reviews.review_input_save(review_input=review.inputs.get(code="c2"), notes="Mine.", by=portal_users.quality_manager)

    form = qm_client.get(url("review_input_edit", review, "c2")).context["form"]

    assert form.initial["notes"] == "Mine."


def test_the_notes_of_signed_minutes_cannot_be_changed(portal_users, qm_client):
    review = signed(portal_users)

    response = qm_client.post(url("review_input_edit", review, "c1"), {"notes": "Rewritten afterwards."})

    assert response.status_code == 409
    assert "signed" in response.text
    assert review.inputs.get(code="c1").notes == "Covered c1."
    assert fresh(review).signature_valid


def test_an_in_place_edit_refused_by_the_state_reloads_the_page_with_the_reason(portal_users, qm_client):
    review = signed(portal_users)

    response = qm_client.post(url("review_input_edit", review, "c1"), {"notes": "Late."},
                              headers={"HX-Request": "true"})

    assert response.status_code == 409 and response["HX-Refresh"] == "true"
    assert review.inputs.get(code="c1").notes == "Covered c1."
    page = qm_client.get(url("review_detail", review)).text
    assert "they can no longer change" in page


# --- Holding, attendance, decisions -------------------------------------------------------------------------------
def test_holding_a_recurring_review_tells_when_the_next_one_is_proposed_with_a_link(portal_users, qm_client):
    review = plan(portal_users, recurrence_months=6)

    form_page = qm_client.get(url("review_hold", review))
    response = qm_client.post(url("review_hold", review), {"held_on": day(-1).isoformat()}, follow=True)

    expected = reviews.add_months(day(-1), 6)
    assert f"proposes the next one for <strong>{shown(expected)}</strong>" in form_page.text
    next_review = ManagementReview.objects.get(proposed_from=review)
    assert next_review.planned_on == expected
    assert f'The next review was proposed for <a href="{url("review_detail", next_review)}">{shown(expected)}</a>' in (
        response.text)


def test_the_held_date_defaults_to_today_and_cannot_be_to_come(portal_users, qm_client):
    review = plan(portal_users)

    form = qm_client.get(url("review_hold", review)).context["form"]
    response = qm_client.post(url("review_hold", review), {"held_on": day(1).isoformat()})

    assert form["held_on"].value() == day()
    assert response.status_code == 200
    assert "A review cannot be marked held on a date still to come." in response.text
    assert fresh(review).status == ReviewStatus.PLANNED


def test_attendance_records_each_invitee_ticked_or_not(portal_users, qm_client):
    review = held(portal_users)

    response = qm_client.post(url("review_attendance", review), {"attended": [portal_users.top_management.pk]})

    assert response.status_code == 302
    recorded = dict(review.attendance.values_list("person__username", "attended"))
    assert recorded == {"tm": True, "qm": False, "po": False}
    assert "1 of 3 attended" in qm_client.get(url("review_detail", review)).text


def test_a_decision_whose_action_has_no_owner_records_nothing_and_says_so(portal_users, qm_client):
    review = held(portal_users)

    response = qm_client.post(url("review_decision_create", review), {
        "category": OutputCategory.RESOURCES, "decision": "A second inspector.",
        "action_title": "Recruit an inspector", "action_due_on": day(60).isoformat(),
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

    page = client_for(portal_users.auditor).get(url("review_detail", review)).text
    action = Action.objects.get()

    assert "Changes needed to the QMS" in page and "Set-up checklist on the route card." in page
    assert reverse("action_detail", args=[action.pk]) in page and "Overdue" in page
    assert "Emil Park" in page


def test_a_decision_cannot_be_recorded_on_a_planned_review(portal_users, qm_client):
    review = plan(portal_users)

    response = qm_client.post(url("review_decision_create", review), {
        "category": OutputCategory.RESOURCES, "decision": "Too early.",
    })

    assert response.status_code == 409
    assert not ReviewOutput.objects.exists()


# --- Signing ------------------------------------------------------------------------------------------------------
def test_a_top_manager_who_does_not_chair_the_review_cannot_sign_it(portal_users, client_for):
    review = closed(portal_users)
    other = UserFactory(roles=[PortalRole.TOP_MANAGEMENT])

    page = client_for(other).get(url("review_sign", review))
    response = client_for(other).post(url("review_sign", review), {
        "content_sha256": content_sha256(review.signed_content()), "password": PASSWORD,
    })

    assert page.status_code == 403 and response.status_code == 403
    assert not fresh(review).is_signed


def test_the_sign_page_names_the_people_the_minutes_number(portal_users, client_for):
    review = closed(portal_users)

    page = client_for(portal_users.top_management).get(url("review_sign", review)).text

    assert f"Chair: person {portal_users.top_management.pk}" in page
    assert f"person {portal_users.process_owner.pk}</dt>" in page and "Pia Olsen" in page


def test_signing_locked_after_wrong_passwords_says_until_when_and_offers_no_password_field(portal_users, client_for):
    review = closed(portal_users)
    SigningLock.objects.create(
        user=portal_users.top_management, failures=0, locked_until=timezone.now() + dt.timedelta(minutes=15)
    )

    page = client_for(portal_users.top_management).get(url("review_sign", review)).text

    assert "Signing is locked after repeated wrong passwords" in page
    assert 'name="password"' not in page


def test_minutes_changed_after_the_chair_opened_them_are_not_signed(portal_users, client_for):
    review = closed(portal_users)

    response = client_for(portal_users.top_management).post(url("review_sign", review), {
        "content_sha256": "0" * 64, "password": PASSWORD,
    })

    assert response.status_code == 409 and "changed after you opened them" in response.text
    assert not fresh(review).is_signed


def test_minutes_changed_behind_the_portal_show_the_signature_invalid(portal_users, client_for):
    review = signed(portal_users)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE leadership_reviewinput SET notes = %s WHERE review_id = %s AND code = %s",
                       ["Edited in the database.", review.pk, "a"])

    page = client_for(portal_users.auditor).get(url("review_detail", review)).text

    assert "Signature INVALID" in page and "✓ Signature valid" not in page


# --- What each state shows ----------------------------------------------------------------------------------------
def test_a_closed_review_asks_its_chair_to_sign_and_tells_others_who_must(portal_users, client_for):
    review = closed(portal_users)

    as_chair = client_for(portal_users.top_management).get(url("review_detail", review)).text
    as_quality = client_for(portal_users.quality_manager).get(url("review_detail", review)).text

    assert url("review_sign", review) in as_chair
    assert url("review_sign", review) not in as_quality
    assert "Waiting for the chair, Tessa Mann, to sign the minutes." in as_quality
    assert "Write notes" not in as_quality and "Edit notes" not in as_quality


def test_readers_see_no_step_buttons_on_an_open_review(portal_users, client_for):
    review = held(portal_users)

    page = client_for(portal_users.process_owner).get(url("review_detail", review)).text

    assert not [button for button in EDIT_BUTTONS if button in page]
    assert "Add to calendar" in page


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

    response = client_for(portal_users.quality_manager).get(url("review_detail", review))
    page = response.text
    agenda = {row.code: row.figures for row in response.context["inputs"]}

    assert [figure.label for figure in agenda["a"]] == ["Actions from earlier reviews"]
    assert agenda["a"][0].value == "2 open, 1 overdue"
    assert reverse("action_detail", args=[late.pk]) in page and "Recovery plans with suppliers" in page
    assert agenda["c2"][0].value == "1 on track, 1 off track" and reverse("objective_list") in page
    assert agenda["c5"][0].label == "Policy acknowledgement"
    assert re.fullmatch(r"\d+ % \(1 of \d+\)", agenda["c5"][0].value)  # all active staff are asked
    assert reverse("campaign_report", args=[campaign.version.document.reference, 1]) in page
    assert agenda["b"][0].value == "Quality Policy, version 1"
    # Besides the activity and the role, the five 5.3 duties (seeded unassigned) break rules too.
    assert re.fullmatch(r"\d+ rules broken", agenda["c3"][0].value) and reverse("raci_health") in page
    assert cell.activity.name in page
    assert [figure.label for figure in agenda["d"]] == ["5.3 duties on a held role", "Role acknowledgement"]
    assert agenda["d"][0].value == "0 of 5" and reverse("duty_list") in page
    assert "Live in the portal today" in page


def test_a_reader_without_the_acknowledgement_report_is_linked_to_the_policy_version(portal_users, client_for):
    campaign = CampaignFactory()
    review = plan(portal_users)

    page = client_for(portal_users.process_owner).get(url("review_detail", review)).text

    reference = campaign.version.document.reference
    assert reverse("campaign_report", args=[reference, 1]) not in page
    assert reverse("version_detail", args=[reference, 1]) in page


def test_a_closed_review_shows_its_notes_not_todays_figures(portal_users, client_for):
    review = closed(portal_users)

    response = client_for(portal_users.auditor).get(url("review_detail", review))

    assert all(row.figures == [] for row in response.context["inputs"])
    assert "Live in the portal today" not in response.text


# --- The calendar file --------------------------------------------------------------------------------------------
def test_the_calendar_file_downloads_with_its_headers_and_the_review_in_it(portal_users, client_for):
    review = plan(portal_users, title="Management review; H2", planned_on=dt.date(2026, 12, 10))

    response = client_for(portal_users.auditor).get(url("review_ics", review))
    text = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="management-review-2026-12-10.ics"'
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert f"UID:management-review-{review.uid}@qms-portal\r\n" in text
    assert "DTSTART;VALUE=DATE:20261210\r\n" in text and "SUMMARY:Management review\\; H2\r\n" in text
    assert "mailto:tm@example.com" in text


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

    page = client_for(portal_users.auditor).get(reverse("review_list")).text

    assert "9 of 12" in page and "1 of 3 attended" in page
    assert "1 open" in page and "1 overdue" in page
    next_review = ManagementReview.objects.get(proposed_from=review)
    link = f'<a href="{url("review_detail", next_review)}">{shown(next_review.planned_on)}</a>'
    assert f"next proposed for {link}" in page
    assert "Upcoming" in page and "Held and past" in page


def test_the_list_filters_by_state(portal_users, client_for):
    signed(portal_users)
    plan(portal_users, title="Still planned")

    page = client_for(portal_users.auditor).get(reverse("review_list"), {"state": "signed"}).text

    assert "Management review H2" in page and "Still planned" not in page


def test_the_empty_list_invites_the_quality_manager_to_plan_the_first_review(portal_users, client_for):
    as_quality = client_for(portal_users.quality_manager).get(reverse("review_list")).text
    as_director = client_for(portal_users.top_management).get(reverse("review_list")).text

    assert "Plan the first review" in as_quality and reverse("review_create") in as_quality
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
        assert client.get(reverse("review_list")).status_code == 200
    _reviews(495, portal_users)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("review_list"))

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
        assert client.get(url("review_detail", review)).status_code == 200
    decide(11)
    note_all(review, portal_users.quality_manager)
    for person in (portal_users.auditor, portal_users.employee):
        reviews.review_attendance_record(review=review, person=person, attended=True, by=portal_users.quality_manager)
    with CaptureQueriesContext(connection) as twelve:
        page = client.get(url("review_detail", review)).text

    assert page.count("Decision ") >= 12
    assert len(twelve) == len(one)


def test_the_list_points_the_chair_to_minutes_awaiting_their_signature(portal_users, client_for):
    review = closed(portal_users)

    as_chair = client_for(portal_users.top_management).get(reverse("review_list")).text
    as_quality = client_for(portal_users.quality_manager).get(reverse("review_list")).text

    assert url("review_sign", review) in as_chair
    assert url("review_sign", review) not in as_quality
