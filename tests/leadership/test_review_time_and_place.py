"""Planning a review for a time, a duration and a place: the form, the day it suggests, the invitees it ticks and
groups by department, the pages that show when and where, and the calendar file as a timed event in the
organisation's time zone, with e-mail addresses only for those who manage people."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from leadership import reviews
from leadership.models import ManagementReview
from qms_portal.access import PortalRole
from qms_portal.models import Organisation
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.leadership.review_pages import day, fresh, held, plan, shown, url

pytestmark = pytest.mark.django_db

NOT_OFFERED = "Select a valid choice. 7 is not one of the available choices."


def _posted(portal_users, **overrides) -> dict:
    return {
        "title": "Management review Q1",
        "planned_on": day(20).isoformat(),
        "starts_at": "09:30",
        "duration_minutes": "90",
        "place": "Board room, 2nd floor",
        "chair": portal_users.top_management.pk,
        "attendees": [portal_users.process_owner.pk],
        "recurrence_months": "",
    } | overrides


# --- The form ----------------------------------------------------------------------------------------------------
def test_a_review_planned_with_time_duration_and_place_shows_them_on_its_page(portal_users, qm_client):
    response = qm_client.post(reverse("leadership:review_create"), _posted(portal_users))

    review = ManagementReview.objects.get()
    assert response.status_code == 302
    assert (review.starts_at, review.duration_minutes, review.place) == (dt.time(9, 30), 90, "Board room, 2nd floor")
    page = qm_client.get(url("leadership:review_detail", review)).text
    assert f"Planned for {shown(day(20))}" in page
    assert "09:30–11:00" in page and "(1 hour 30 minutes)" in page and "Board room, 2nd floor" in page


def test_a_video_link_as_the_place_opens_from_the_review_page(portal_users, client_for):
    review = plan(portal_users, meeting=reviews.Meeting(dt.time(14, 0), 60, "https://meet.example.com/qms-review"))

    page = client_for(portal_users.auditor).get(url("leadership:review_detail", review)).text

    assert 'href="https://meet.example.com/qms-review"' in page
    assert "14:00–15:00" in page and "(1 hour)" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"duration_minutes": ""}, "duration_minutes", "Say how long the review lasts."),
        ({"starts_at": "23:00"}, "duration_minutes", "The review must end on the day it starts."),
        ({"starts_at": "nine"}, "starts_at", "Enter a valid time."),
        ({"duration_minutes": "7"}, "duration_minutes", NOT_OFFERED),
        ({"planned_on": ""}, "planned_on", "This field is required."),
    ],
)
def test_the_plan_form_refuses_a_time_that_does_not_make_a_meeting_and_plans_nothing(
    portal_users, qm_client, change, field, message
):
    response = qm_client.post(reverse("leadership:review_create"), _posted(portal_users, **change))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "Not done: correct 1 field below" in response.text  # the summary at the form's top
    assert not ManagementReview.objects.exists()


def test_the_form_offers_a_timed_meeting_of_two_hours_at_ten(portal_users, qm_client):
    form = qm_client.get(reverse("leadership:review_create")).context["form"]

    assert (form["starts_at"].value(), form["duration_minutes"].value()) == (dt.time(10, 0), 120)


def test_a_duration_without_a_start_time_is_refused_by_the_planning_function(portal_users):
    with pytest.raises(ValidationError) as refused:
        plan(portal_users, meeting=reviews.Meeting(None, 60, ""))

    assert refused.value.message_dict == {
        "starts_at": ["Give the start time, or leave the duration empty for an all-day entry."]
    }
    assert not ManagementReview.objects.exists()


def test_a_review_planned_without_a_time_is_an_all_day_entry_whatever_duration_was_left(portal_users, qm_client):
    no_time = _posted(portal_users, starts_at="", duration_minutes="120", place="")
    qm_client.post(reverse("leadership:review_create"), no_time)

    review = ManagementReview.objects.get()
    assert (review.starts_at, review.duration_minutes, review.place) == (None, None, "")
    page = qm_client.get(url("leadership:review_detail", review)).text
    assert "–" not in page.split("Planned for", 1)[1].split("chaired by", 1)[0]


def test_changing_the_plan_keeps_and_changes_time_and_place(portal_users, qm_client):
    review = plan(portal_users, planned_on=day(10), meeting=reviews.Meeting(dt.time(9, 0), 120, "Room 1"))

    form = qm_client.get(url("leadership:review_edit", review)).context["form"]
    response = qm_client.post(url("leadership:review_edit", review), _posted(
        portal_users, planned_on=day(11).isoformat(), starts_at="13:15", duration_minutes="45", place="Room 2",
    ))

    assert (form["starts_at"].value(), form["duration_minutes"].value(), form["place"].value()) == (
        dt.time(9, 0), 120, "Room 1"
    )
    assert response.status_code == 302
    review = fresh(review)
    assert (review.planned_on, review.starts_at, review.duration_minutes, review.place) == (
        day(11), dt.time(13, 15), 45, "Room 2"
    )


def test_the_next_review_proposed_when_one_is_held_meets_at_the_same_time_and_place(portal_users):
    review = held(portal_users, recurrence_months=3, meeting=reviews.Meeting(dt.time(10, 0), 60, "Room 3"))

    proposed = ManagementReview.objects.get(proposed_from=review)

    assert (proposed.starts_at, proposed.duration_minutes, proposed.place) == (dt.time(10, 0), 60, "Room 3")


# --- The day it suggests -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "working"),
    [
        (dt.date(2027, 3, 5), dt.date(2027, 3, 5)),  # a Friday stays
        (dt.date(2027, 3, 6), dt.date(2027, 3, 8)),  # a Saturday moves to the Monday
        (dt.date(2027, 3, 7), dt.date(2027, 3, 8)),  # and so does a Sunday
    ],
)
def test_the_suggested_day_is_a_working_day(given, working):
    assert reviews.next_working_day(given) == working


def test_the_day_offered_follows_the_review_the_cycle_already_proposed(portal_users, qm_client):
    held(portal_users, planned_on=day(-10), recurrence_months=4)
    proposed = ManagementReview.objects.get(status="planned")
    expected = reviews.next_working_day(reviews.add_months(proposed.planned_on, 4))

    response = qm_client.get(reverse("leadership:review_create"))

    assert response.context["form"]["planned_on"].value() == expected
    hint = f"Suggested: 4 months after the last review, planned for {shown(proposed.planned_on)}, on a working day."
    assert hint in response.text


def test_without_an_interval_of_its_own_the_next_review_is_offered_six_months_after_the_last_held(
    portal_users, qm_client
):
    last = held(portal_users, planned_on=day(-3))

    response = qm_client.get(reverse("leadership:review_create"))

    assert response.context["form"]["planned_on"].value() == reviews.next_working_day(
        reviews.add_months(last.held_on, 6)
    )
    assert f"Suggested: 6 months after the last review, held on {shown(last.held_on)}" in response.text


def test_a_suggestion_is_never_a_day_gone_by(portal_users):
    held(portal_users, planned_on=day(-400))

    suggested = reviews.suggested_review_date(today=day())

    assert suggested.on > day() and suggested.on.weekday() < 5


# --- The invitees ----------------------------------------------------------------------------------------------------
def test_invitees_start_as_top_management_grouped_by_department(portal_users, qm_client):
    quality, sales = OrgUnitFactory(name="Quality"), OrgUnitFactory(name="Sales")
    second_manager = UserFactory(full_name="Zoe Top", roles=[PortalRole.TOP_MANAGEMENT], org_unit=sales)
    UserFactory(full_name="Sam Seller", org_unit=sales)
    portal_users.quality_manager.org_unit = quality
    portal_users.quality_manager.save()

    response = qm_client.get(reverse("leadership:review_create"))
    form = response.context["form"]
    groups = {name: [choice.choice_label for choice in choices] for name, choices in form.attendee_groups()}

    assert sorted(form["attendees"].value()) == sorted([portal_users.top_management.pk, second_manager.pk])
    assert list(groups)[:2] == ["Quality", "Sales"] and list(groups)[-1] == "No department"
    assert groups["Quality"] == ["Quentin Moss (Engineer)"]
    assert groups["Sales"] == ["Sam Seller (Engineer)", "Zoe Top (Engineer)"]
    page = response.text
    assert page.index(">Quality <") < page.index(">Sales <") < page.index(">No department <")
    assert 'data-check-all="invitees-group-2"' in page  # "Select all" for Sales's two people
    assert 'data-check-all="invitees-group-1"' not in page  # but not for Quality's one


def test_changing_the_plan_keeps_the_invitees_chosen_instead_of_top_management(portal_users, qm_client):
    review = plan(portal_users, attendees=[portal_users.process_owner])

    form = qm_client.get(url("leadership:review_edit", review)).context["form"]

    assert form["attendees"].value() == [portal_users.process_owner.pk]


# --- The calendar file -----------------------------------------------------------------------------------------------
def _event(text: str):
    return Calendar.from_ical(text).walk("VEVENT")[0]


def test_the_calendar_file_is_a_timed_event_in_the_organisations_zone_with_its_place(portal_users, client_for):
    organisation = Organisation.current()
    organisation.time_zone = "America/New_York"
    organisation.save()
    review = plan(portal_users, planned_on=dt.date(2027, 7, 1),
                  meeting=reviews.Meeting(dt.time(9, 30), 90, "Room 4; https://meet.example.com/r"))

    response = client_for(portal_users.auditor).get(url("leadership:review_ics", review))
    calendar = Calendar.from_ical(response.content)
    event = calendar.walk("VEVENT")[0]

    zone = zoneinfo.ZoneInfo("America/New_York")
    assert event.decoded("dtstart") == dt.datetime(2027, 7, 1, 9, 30, tzinfo=zone)
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(hours=-4)
    assert event.decoded("dtend") == dt.datetime(2027, 7, 1, 11, 0, tzinfo=zone)
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert str(event["location"]) == "Room 4; https://meet.example.com/r"


def test_a_review_planned_without_a_time_stays_an_all_day_event(portal_users, client_for):
    review = plan(portal_users, planned_on=dt.date(2027, 7, 1))

    event = _event(client_for(portal_users.quality_manager).get(url("leadership:review_ics", review)).text)

    assert event.decoded("dtstart") == dt.date(2027, 7, 1) and event.decoded("dtend") == dt.date(2027, 7, 2)
    assert "location" not in event


def test_only_those_who_manage_people_get_the_invitees_email_addresses(portal_users, client_for):
    review = plan(portal_users, meeting=reviews.Meeting(dt.time(9, 0), 60, "Room 1"))

    for_qm = client_for(portal_users.quality_manager).get(url("leadership:review_ics", review)).text
    for_auditor = client_for(portal_users.auditor).get(url("leadership:review_ics", review)).text
    for_top = client_for(portal_users.top_management).get(url("leadership:review_ics", review)).text

    attendees = _event(for_qm).get("attendee")
    assert sorted(str(address) for address in attendees) == [
        "mailto:po@example.com", "mailto:qm@example.com", "mailto:tm@example.com",
    ]
    assert str(_event(for_qm)["organizer"]) == "mailto:tm@example.com"
    for text in (for_auditor, for_top):
        event = _event(text)
        assert "@example.com" not in text
        assert "attendee" not in event and "organizer" not in event
        assert "Invited: Pia Olsen, Quentin Moss, Tessa Mann." in str(event["description"])
