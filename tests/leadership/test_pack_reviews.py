"""The evidence pack's section 9.3 (management review) and a held review's minutes as a PDF of their own."""
from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from leadership import actions, reviews
from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.render import PackHeading, part_html
from leadership.evidence_pack.sections import section_named
from leadership.models import ActionStatus, ManagementReview, OutputCategory
from qms_portal.models import Organisation
from qms_portal.pdf_assembly import pdf_render_part
from qms_portal.signatures import content_sha256
from tests.core.factories import PASSWORD
from tests.leadership.review_pages import day, held, note_all, plan, shown, url

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    """The PDF's text with each run of spaces and line ends as one space (table cells wrap)."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def _signed_review(portal_users, *, held_days_ago: int = 20) -> ManagementReview:
    """A review held in the period: the process owner attended, the quality manager did not; a decision raised an
    action due before the period's end and still open (overdue), another raised one done."""
    qm, po = portal_users.quality_manager, portal_users.process_owner
    review = held(portal_users, title="Spring review", planned_on=day(-held_days_ago))
    reviews.review_attendance_record(review=review, person=po, attended=True, by=qm)
    reviews.review_attendance_record(review=review, person=qm, attended=False, by=qm)
    for row in review.inputs.all():
        notes = "On-time delivery 91 % against 95 %." if row.code == "c2" else f"Covered {row.code}."
        reviews.review_input_save(review_input=row, notes=notes, by=qm)
    reviews.review_decision_add(
        review=review, category=OutputCategory.IMPROVEMENT, decision="Standardise the set-up sheets.",
        action_title="Write set-up sheets for the CNC cells", action_owner=po, action_due_on=day(5), by=qm,
    )
    reviews.review_decision_add(
        review=review, category=OutputCategory.RESOURCES, decision="Hire a metrology technician.",
        action_title="Advertise the technician post", action_owner=qm, action_due_on=day(3), by=qm,
    )
    advert = review.actions.get(title="Advertise the technician post")
    actions.action_update_status(action=advert, status=ActionStatus.DONE, by=qm)
    review = reviews.review_close(review=review, by=qm)
    return reviews.review_sign_minutes(
        review=review, password=PASSWORD, expected_sha256=content_sha256(review.signed_content()),
        by=portal_users.top_management,
    )


def _section_pdf_text(period: PackPeriod) -> str:
    heading = PackHeading(number="EP-TEST", organisation=Organisation.current(), period=period, scope="9.3",
                          generated_at=timezone.now())
    section = section_named("9.3")
    texts = []
    for part in section.plan(period):
        html, _content = part_html(section, heading, part.args)
        texts.append(_text(pdf_render_part(html).pdf))
    return " ".join(texts)


# --- The section in the evidence pack ------------------------------------------------------------------------------
def test_the_section_shows_each_review_held_in_the_period_with_its_minutes_actions_and_signature(portal_users):
    review = _signed_review(portal_users)
    plan(portal_users, title="Winter review", planned_on=day(40))

    text = _section_pdf_text(PackPeriod.of(day(-30), day(10)))
    flat = re.sub(r"\s+", "", text)

    assert "Management review" in text and f"Review of {review.held_on:%-d %B %Y}" in text
    assert shown(review.held_on) in text and "Spring review" in text
    assert "Tessa Mann" in text  # the chair
    assert "Pia Olsen" in text and "attended" in text and "absent" in text and "1 of 3 invited attended" in text
    assert "On-time delivery 91 % against 95 %." in text
    assert "Standardise the set-up sheets." in text and "Hire a metrology technician." in text
    # The open action due before the period's end is overdue then; the done one is not.
    assert "Write set-up sheets for the CNC cells" in text and shown(day(5)) in text
    assert re.search(r"In progress|Open", text) and "overdue" in text
    assert "Advertise the technician post" in text and "Done" in text and "1 overdue" in text
    signature = review.minutes_signature
    assert signature is not None
    assert signature.printed_name in text and "Minutes approved" in text and "Signature valid" in text
    assert signature.content_sha256 in flat
    # The next review planned after the period.
    assert "Winter review, planned for" in text and shown(day(40)) in text


def test_a_review_held_outside_the_period_is_absent(portal_users):
    review = _signed_review(portal_users)
    held(portal_users, title="Autumn review of last year", planned_on=day(-200))
    period = PackPeriod.of(day(-30), day(10))

    text = _section_pdf_text(period)

    assert "Spring review" in text and "Autumn review of last year" not in text
    assert [part.args for part in section_named("9.3").plan(period)] == [{}, {"review": review.pk}]


def test_an_action_is_shown_with_its_status_at_the_period_end(portal_users):
    review = _signed_review(portal_users)
    section = section_named("9.3")

    def statuses(period: PackPeriod) -> dict[str, tuple[str, bool]]:
        content = section.content(period, {"review": review.pk})
        return {
            then.action.title: (then.label, then.overdue)
            for group in content.context["groups"] for decision in group.decisions for then in decision.actions
        }

    after = statuses(PackPeriod.of(day(-30), day(10)))
    before_raised = statuses(PackPeriod.of(day(-30), day(-1)))

    assert after == {
        "Write set-up sheets for the CNC cells": ("Open", True), "Advertise the technician post": ("Done", False),
    }
    # The actions were raised today: at an end before today they did not exist yet.
    assert set(before_raised.values()) == {("not yet raised", False)}


def _at(on: dt.date) -> time_machine.travel:
    """Ten in the morning of ``on`` in the organisation's zone, the clock stopped."""
    return time_machine.travel(dt.datetime.combine(on, dt.time(10), tzinfo=timezone.get_current_timezone()), tick=False)


def _state_row(html: str) -> str:
    cell = re.search(r"<th>State</th><td>(.*?)</td></tr>", html, re.S).group(1)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", cell))).strip()


def test_minutes_closed_and_signed_and_an_action_done_after_the_period_show_as_they_stood_at_its_end(portal_users):
    qm, po = portal_users.quality_manager, portal_users.process_owner
    held_on, end = day(-60), day(-40)
    with _at(held_on):
        review = held(portal_users, title="Spring review", planned_on=held_on)
        note_all(review, qm)
        reviews.review_decision_add(
            review=review, category=OutputCategory.IMPROVEMENT, decision="Standardise the set-up sheets.",
            action_title="Write set-up sheets", action_owner=po, action_due_on=held_on + dt.timedelta(days=10), by=qm,
        )
    # Today, a month and more after the period: the action is done, the minutes closed and signed.
    actions.action_update_status(action=review.actions.get(), status=ActionStatus.DONE, by=qm)
    review = reviews.review_close(review=review, by=qm)
    review = reviews.review_sign_minutes(
        review=review, password=PASSWORD, expected_sha256=content_sha256(review.signed_content()),
        by=portal_users.top_management,
    )
    period = PackPeriod.of(day(-90), end)
    heading = PackHeading(number="EP-TEST", organisation=Organisation.current(), period=period, scope="9.3",
                          generated_at=timezone.now())

    html, content = part_html(section_named("9.3"), heading, {"review": review.pk})

    [then] = [then for group in content.context["groups"] for decision in group.decisions for then in decision.actions]
    assert (then.label, then.overdue) == ("Open", True)
    state = _state_row(html)
    assert state.startswith("Held; the minutes were not closed at the period's end")
    assert f"closed after the period, on {shown(day())}" in state
    assert f"minutes signed after the period, on {shown(day())}" in state
    assert f"The notes as closed on {shown(day())}, after the period" in html
    # The signature is printed, labelled as after the period, never as the period's evidence.
    assert f"Minutes signed after the period, on {shown(day())}" in html
    assert "Signature valid" in html


def _queries(review: ManagementReview) -> int:
    with CaptureQueriesContext(connection) as captured:
        section_named("9.3").content(PackPeriod.of(day(-30), day(10)), {"review": review.pk})
    return len(captured.captured_queries)


def test_a_review_part_lists_every_record_shown_in_a_fixed_number_of_queries(portal_users):
    review = _signed_review(portal_users)
    content = section_named("9.3").content(PackPeriod.of(day(-30), day(10)), {"review": review.pk})
    busy = held(portal_users, title="Busy review", planned_on=day(-10))

    def decide(number: int) -> None:
        reviews.review_decision_add(
            review=busy, category=OutputCategory.QMS_CHANGE, decision=f"Change {number}.",
            action_title=f"Do change {number}", action_owner=portal_users.process_owner, action_due_on=day(9),
            by=portal_users.quality_manager,
        )

    decide(0)
    few = _queries(busy)
    for number in range(1, 7):
        decide(number)

    assert {record.type for record in content.records} == set(section_named("9.3").record_types)
    assert len([record for record in content.records if record.type == "leadership.action"]) == 2
    assert _queries(busy) == few


# --- The minutes PDF ------------------------------------------------------------------------------------------
def test_a_reader_downloads_the_minutes_of_a_held_review_as_a_pdf(portal_users, client_for):
    review = _signed_review(portal_users)

    page = client_for(portal_users.auditor).get(url("leadership:review_detail", review)).text
    response = client_for(portal_users.auditor).get(url("leadership:review_minutes_pdf", review))
    again = client_for(portal_users.top_management).get(url("leadership:review_minutes_pdf", review))
    pdf = b"".join(response.streaming_content)
    text = _text(pdf)

    assert "Minutes (PDF)" in page and url("leadership:review_minutes_pdf", review) in page
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Standardise the set-up sheets." in text and "Minutes approved" in text and "Tessa Mann" in text
    assert b"".join(again.streaming_content) == pdf  # kept: drawn once


def test_the_minutes_pdf_is_refused_to_someone_who_may_not_see_reviews(portal_users, client_for):
    review = _signed_review(portal_users)

    response = client_for(portal_users.employee).get(url("leadership:review_minutes_pdf", review))

    assert response.status_code == 403


def test_a_review_not_held_has_no_minutes_pdf_nor_link(portal_users, client_for):
    review = plan(portal_users, planned_on=day(3))

    page = client_for(portal_users.auditor).get(url("leadership:review_detail", review)).text
    response = client_for(portal_users.auditor).get(url("leadership:review_minutes_pdf", review))

    assert response.status_code == 404 and "Minutes (PDF)" not in page
