"""The chair's signature on the minutes through the pages, and what the review's page shows in each state."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from qms_portal.access import PortalRole
from qms_portal.models import SigningLock
from qms_portal.signatures import content_sha256
from tests.core.factories import PASSWORD, UserFactory
from tests.leadership.review_pages import (
    EDIT_BUTTONS,
    closed,
    fresh,
    held,
    signed,
    url,
)

pytestmark = pytest.mark.django_db


# --- Signing ------------------------------------------------------------------------------------------------------
def test_a_top_manager_who_does_not_chair_the_review_cannot_sign_it(portal_users, client_for):
    review = closed(portal_users)
    other = UserFactory(roles=[PortalRole.TOP_MANAGEMENT])

    page = client_for(other).get(url("leadership:review_sign", review))
    response = client_for(other).post(url("leadership:review_sign", review), {
        "content_sha256": content_sha256(review.signed_content()), "password": PASSWORD,
    })

    assert page.status_code == 403 and response.status_code == 403
    assert not fresh(review).is_signed


def test_the_sign_page_names_the_people_the_minutes_number(portal_users, client_for):
    review = closed(portal_users)

    page = client_for(portal_users.top_management).get(url("leadership:review_sign", review)).text

    assert f"Chair: person {portal_users.top_management.pk}" in page
    assert f"person {portal_users.process_owner.pk}</dt>" in page and "Pia Olsen" in page


def test_signing_locked_after_wrong_passwords_says_until_when_and_offers_no_password_field(portal_users, client_for):
    review = closed(portal_users)
    SigningLock.objects.create(
        user=portal_users.top_management, failures=0, locked_until=timezone.now() + dt.timedelta(minutes=15)
    )

    page = client_for(portal_users.top_management).get(url("leadership:review_sign", review)).text

    assert "Signing is locked after repeated wrong passwords" in page
    assert 'name="password"' not in page


def test_minutes_changed_after_the_chair_opened_them_are_not_signed(portal_users, client_for):
    review = closed(portal_users)

    response = client_for(portal_users.top_management).post(url("leadership:review_sign", review), {
        "content_sha256": "0" * 64, "password": PASSWORD,
    })

    assert response.status_code == 409 and "changed after you opened them" in response.text
    assert not fresh(review).is_signed


def test_minutes_changed_behind_the_portal_show_the_signature_invalid(portal_users, client_for):
    review = signed(portal_users)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE leadership_reviewinput SET notes = %s WHERE review_id = %s AND code = %s",
                       ["Edited in the database.", review.pk, "a"])

    page = client_for(portal_users.auditor).get(url("leadership:review_detail", review)).text

    assert "Signature INVALID" in page and "✓ Signature valid" not in page


# --- What each state shows ----------------------------------------------------------------------------------------
def test_a_closed_review_asks_its_chair_to_sign_and_tells_others_who_must(portal_users, client_for):
    review = closed(portal_users)

    as_chair = client_for(portal_users.top_management).get(url("leadership:review_detail", review)).text
    as_quality = client_for(portal_users.quality_manager).get(url("leadership:review_detail", review)).text

    assert url("leadership:review_sign", review) in as_chair
    assert url("leadership:review_sign", review) not in as_quality
    assert "Waiting for the chair, Tessa Mann, to sign the minutes." in as_quality
    assert "Write notes" not in as_quality and "Edit notes" not in as_quality


def test_readers_see_no_step_buttons_on_an_open_review(portal_users, client_for):
    review = held(portal_users)

    page = client_for(portal_users.process_owner).get(url("leadership:review_detail", review)).text

    assert not [button for button in EDIT_BUTTONS if button in page]
    assert "Add to calendar" in page
