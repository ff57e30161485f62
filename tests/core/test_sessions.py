"""The session's limits (issue 11, item 8): a new session id after an electronic signature, an absolute
lifetime (``SESSION_MAX_HOURS``) beside the idle timeout, and signed-in pages that no cache keeps."""
from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from policy.models import PolicyVersion, VersionStatus
from qms_portal.middleware import SESSION_STARTED_KEY
from qms_portal.models import LoginSession
from tests.core.factories import PASSWORD
from tests.policy.factories import PolicyVersionFactory, shown_hash

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    """A browser that signed in through the log-in page, as a person does."""
    browser = Client()
    assert browser.post(reverse("login"), {"username": person.username, "password": PASSWORD}).status_code == 302
    return browser


def session_key(browser: Client) -> str:
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def approve_url(version: PolicyVersion) -> str:
    return reverse("policy:version_approve", kwargs={"reference": version.document.reference, "number": version.number})


def test_signing_electronically_gives_the_session_a_new_id(portal_users):
    signer = portal_users.top_management
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW, author=portal_users.quality_manager)
    browser = signed_in(signer)
    before = session_key(browser)

    response = browser.post(approve_url(version), {"content_sha256": shown_hash(version), "password": PASSWORD})

    assert response.status_code == 302
    assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.APPROVED
    after = session_key(browser)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert browser.get(reverse("home")).status_code == 200  # still signed in, with the new id
    # Still ended with the rest when the person is deactivated.
    assert list(LoginSession.objects.filter(user=signer).values_list("session_key", flat=True)) == [after]
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = before
    assert urlpath(stolen.get(reverse("home"))) == reverse("login")


def test_a_refused_signature_keeps_the_session_id(portal_users):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW, author=portal_users.quality_manager)
    browser = signed_in(portal_users.top_management)
    before = session_key(browser)

    browser.post(approve_url(version), {"content_sha256": shown_hash(version), "password": "not-my-password"})

    assert session_key(browser) == before


def urlpath(response) -> str:
    assert response.status_code == 302
    return response["Location"].split("?")[0]


def test_a_session_ends_after_its_absolute_lifetime_however_busy(portal_users, settings):
    settings.SESSION_MAX_HOURS = 12
    browser = signed_in(portal_users.employee)
    assert browser.get(reverse("home")).status_code == 200
    session = browser.session
    session[SESSION_STARTED_KEY] = time.time() - 12 * 3600 - 60  # signed in 12 hours and a minute ago
    session.save()

    response = browser.get(reverse("home"))

    assert urlpath(response) == reverse("login")
    sign_in_page = browser.get(response["Location"]).content.decode()
    assert "You were signed out: a session lasts at most 12 hours. Sign in again to carry on." in sign_in_page
    assert urlpath(browser.get(reverse("home"))) == reverse("login")


def test_a_session_within_its_lifetime_goes_on(portal_users, settings):
    settings.SESSION_MAX_HOURS = 12
    browser = signed_in(portal_users.employee)
    browser.get(reverse("home"))
    session = browser.session
    session[SESSION_STARTED_KEY] = time.time() - 11 * 3600
    session.save()

    assert browser.get(reverse("home")).status_code == 200


def test_pages_shown_to_a_signed_in_person_are_never_stored(portal_users):
    browser = signed_in(portal_users.employee)

    response = browser.get(reverse("home"))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]

