"""How a review is named and counted, and the whole SHA-256 wherever leadership shows one: the signed minutes, the
minutes about to be signed, and each evidence file."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leadership import reviews
from leadership.models import Action, OutputCategory
from qms_portal.signatures import content_sha256
from tests.leadership.factories import PDF_BYTES
from tests.leadership.review_pages import closed, day, plan, shown, signed, url
from tests.leadership.test_evidence_pages import record

pytestmark = pytest.mark.django_db


def test_a_review_held_on_another_day_is_named_by_the_day_it_was_held(portal_users, client_for):
    review = plan(portal_users, title="Autumn review", planned_on=day(-4))
    review = reviews.review_hold(review=review, held_on=day(-3), by=portal_users.quality_manager)
    reviews.review_decision_add(
        review=review, category=OutputCategory.RESOURCES, decision="Hire an inspector.", action_title="Hire",
        action_owner=portal_users.employee, action_due_on=day(20), by=portal_users.quality_manager,
    )

    assert str(review) == f"Autumn review ({day(-3).day} {day(-3):%b %Y})"
    action_page = client_for(portal_users.auditor).get(
        reverse("leadership:action_detail", args=[Action.objects.get().pk])
    ).text
    assert "Autumn review" in action_page and shown(day(-3)) in action_page
    assert shown(day(-4)) not in action_page


def test_a_planned_review_is_named_by_its_planned_day(portal_users):
    review = plan(portal_users, title="Winter review", planned_on=day(9))
    assert str(review) == f"Winter review ({day(9).day} {day(9):%b %Y})"


def test_the_count_under_the_held_reviews_says_what_it_counts_beside_all_reviews(portal_users, client_for):
    for offset in (-30, -20, -10):
        closed(portal_users, planned_on=day(offset))
    plan(portal_users, title="Next", planned_on=day(10))
    plan(portal_users, title="After", planned_on=day(40))

    page = client_for(portal_users.auditor).get(reverse("leadership:review_list")).text

    assert "3 held and past · 5 reviews in all" in page
    assert "3 in all" not in page


def test_the_count_reads_in_all_when_the_list_holds_every_review(portal_users, client_for):
    closed(portal_users, planned_on=day(-10))
    closed(portal_users, planned_on=day(-5))

    page = client_for(portal_users.auditor).get(reverse("leadership:review_list")).text

    assert "2 in all" in page


def test_the_signed_minutes_and_the_sign_page_show_the_whole_hash_with_a_copy_button(portal_users, client_for):
    to_sign = closed(portal_users)
    expected = content_sha256(to_sign.signed_content())
    sign_page = client_for(portal_users.top_management).get(url("leadership:review_sign", to_sign)).text
    assert f'<code class="sha256-value">{expected}</code>' in sign_page and f'data-copy="{expected}"' in sign_page

    review = signed(portal_users)
    full = review.minutes_signature.content_sha256
    page = client_for(portal_users.auditor).get(url("leadership:review_detail", review)).text
    assert f'<code class="sha256-value">{full}</code>' in page and f'data-copy="{full}"' in page


def test_each_evidence_file_shows_its_whole_hash_with_a_copy_button(portal_users, client_for):
    entry = record(portal_users, SimpleUploadedFile("Board minutes.pdf", PDF_BYTES))
    full = hashlib.sha256(PDF_BYTES).hexdigest()

    page = client_for(portal_users.auditor).get(reverse("leadership:evidence_detail", args=[entry.pk])).text

    assert f'<code class="sha256-value">{full}</code>' in page
    assert 'aria-label="Copy the SHA-256 of the file as uploaded" hidden>Copy</button>' in page


def test_the_list_names_a_proposed_review_by_the_day_it_was_held_once_it_was(portal_users, client_for):
    first = closed(portal_users, planned_on=day(-100), recurrence_months=3)
    proposed = first.next_review
    reviews.review_hold(review=proposed, held_on=proposed.planned_on + dt.timedelta(days=1),
                        by=portal_users.quality_manager)

    page = client_for(portal_users.auditor).get(reverse("leadership:review_list")).text
    detail = client_for(portal_users.auditor).get(url("leadership:review_detail", first)).text

    held_on = shown(proposed.planned_on + dt.timedelta(days=1))
    link = f'<a href="{url("leadership:review_detail", proposed)}">{held_on}</a>'
    assert f"next held on {link}" in page and f"Next review held on {link}" in detail
    assert shown(proposed.planned_on) not in page
