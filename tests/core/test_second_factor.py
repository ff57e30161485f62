"""Signing in with a second factor (issue 11, item 2): a code from an authenticator app after the password for top
management, quality managers and auditors, set up by QR code with ten single-use recovery codes, checked by the
access middleware for every view, asked again when signing, reset only by another quality manager, and never
skipped by a password reset. Codes are computed from the device's secret, as an app computes them."""
from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import resolve, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from policy.models import VersionStatus
from qms_portal.access import access_of
from qms_portal.audit import AuditEntry
from qms_portal.models import Organisation, SigningLock
from tests.core.factories import PASSWORD, UserFactory
from tests.core.otp import RECOVERY_CODES, code_from_secret, enrol, next_code, require_second_factor
from tests.core.test_permission_matrix import TABLE
from tests.policy.factories import PolicyVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_wait_between_tries(settings) -> None:
    """django-otp makes each try after a wrong code wait 1, 2, 4... seconds; these tests retry at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def sign_in(person, password: str = PASSWORD) -> Client:
    """A browser that signed in through the form with the password (the first step only)."""
    client = Client()
    response = client.post(reverse("login"), {"username": person.username, "password": password})
    assert response.status_code == 302, response.content.decode()
    return client


def give_code(client: Client, code: str, next_url: str = "/"):
    return client.post(reverse("second_factor"), {"code": code, "next": next_url})


def signed_in_with_second_factor(person) -> Client:
    """A browser of ``person``, given a second factor, that signed in with the password and a recovery code."""
    enrol(person)
    client = sign_in(person)
    assert give_code(client, RECOVERY_CODES[9]).status_code == 302
    return client


def sent_to(response) -> str:
    """The URL name a redirect points at."""
    assert response.status_code == 302, response.status_code
    return resolve(response["Location"].split("?")[0]).view_name


# --- The organisation setting ----------------------------------------------------------------------------------


@pytest.mark.second_factor_as_shipped
def test_a_new_organisation_requires_a_second_factor_for_the_three_roles(portal_users):
    assert Organisation.current().second_factor_required is True
    assert sent_to(sign_in(portal_users.quality_manager).get("/")) == "second_factor_enrol"


def test_the_quality_manager_turns_the_requirement_off_and_on_in_organisation_settings(portal_users, client_for):
    require_second_factor()
    qm = portal_users.quality_manager
    client = sign_in(qm)
    device = TOTPDevice.objects.create(user=qm, confirmed=True)
    assert sent_to(client.get("/")) == "second_factor"
    assert give_code(client, next_code(device)).status_code == 302
    page = client.get(reverse("organisation")).content.decode()
    assert "Second factor required for top management, quality managers and auditors" in page
    assert "The second factor is not required" not in page

    unexplained = client.post(reverse("organisation"), {"name": "Acme", "time_zone": "UTC"})
    assert "Say why the second-factor rule changes" in unexplained.content.decode()
    assert Organisation.current().second_factor_required is True

    response = client.post(reverse("organisation"), {
        "name": "Acme", "time_zone": "UTC", "reason": "Pilot: the board's phones arrive next month",
    })

    assert response.status_code == 302
    assert Organisation.current().second_factor_required is False
    entry = AuditEntry.objects.filter(record_type="qms_portal.organisation").latest("id")
    assert entry.reason == "Pilot: the board's phones arrive next month"
    assert "The second factor is not required" in client.get(reverse("organisation")).content.decode()
    assert client_for(portal_users.top_management).get("/").status_code == 200


# --- Who is asked for what after the password ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["top_management", "quality_manager", "auditor"])
def test_someone_in_the_three_roles_without_a_second_factor_can_do_nothing_but_set_one_up(role, portal_users):
    require_second_factor()
    client = sign_in(portal_users.by_key(role))

    for path in ("/", reverse("profile"), reverse("people"), reverse("policy:policy_list"), reverse("second_factor")):
        assert sent_to(client.get(path)) == "second_factor_enrol", path
    response = client.post(reverse("profile"), {"email": "changed@example.com"})

    assert sent_to(response) == "second_factor_enrol"
    assert response["Location"] == f"{reverse('second_factor_enrol')}?next=%2Faccounts%2Fprofile%2F"
    assert portal_users.by_key(role).email != "changed@example.com"


def test_every_page_but_the_public_ones_sends_a_person_who_owes_a_second_factor_to_set_it_up(portal_users):
    """The check is the access middleware's, for every view of the project: no page forgets it."""
    require_second_factor()
    client = sign_in(portal_users.quality_manager)
    missed = []
    for url_name, row in TABLE.items():
        url = reverse(url_name, kwargs=row.prepare())
        access = access_of(resolve(url).func)
        if access is None or access.public or access.second_factor_step:
            continue
        response = client.get(url)
        if response.status_code != 302 or not response["Location"].startswith(reverse("second_factor_enrol")):
            missed.append(f"{url_name}: {response.status_code}")
    assert missed == []


def test_an_htmx_request_owing_the_code_is_told_to_load_the_code_page(portal_users):
    require_second_factor()
    qm = portal_users.quality_manager
    enrol(qm)
    client = sign_in(qm)

    response = client.get(reverse("people"), headers={"HX-Request": "true"})

    assert response.status_code == 401
    assert response["HX-Redirect"].startswith(reverse("second_factor"))


def test_an_employee_signs_in_with_the_password_alone(portal_users):
    require_second_factor()
    assert sign_in(portal_users.employee).get("/").status_code == 200


def test_with_the_requirement_off_nobody_is_made_to_set_one_up_but_whoever_has_one_gives_it(portal_users):
    require_second_factor(False)
    assert sign_in(portal_users.top_management).get("/").status_code == 200
    enrol(portal_users.quality_manager)
    assert sent_to(sign_in(portal_users.quality_manager).get("/")) == "second_factor"


# --- Setting it up -------------------------------------------------------------------------------------------


def secret_on(page: str) -> str:
    return re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)


def test_set_up_shows_a_qr_code_drawn_as_svg_and_the_secret_as_text(portal_users):
    require_second_factor()
    client = sign_in(portal_users.quality_manager)

    page = client.get(reverse("second_factor_enrol")).content.decode()

    assert "<svg" in page and "QR code for your authenticator app" in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    device = TOTPDevice.objects.get(user=portal_users.quality_manager)
    assert not device.confirmed
    assert code_from_secret(secret_on(page)) == next_code(device)
    # A reload shows the same secret: the app scanned a moment ago still matches.
    assert secret_on(client.get(reverse("second_factor_enrol")).content.decode()) == secret_on(page)


def test_a_wrong_code_confirms_nothing_and_the_right_one_shows_ten_recovery_codes_once(portal_users):
    require_second_factor()
    qm = portal_users.quality_manager
    client = sign_in(qm)
    secret = secret_on(client.get(reverse("second_factor_enrol")).content.decode())

    wrong = client.post(reverse("second_factor_enrol"), {"code": "000000", "next": "/people/"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=qm, confirmed=True).exists()
    assert sent_to(client.get("/")) == "second_factor_enrol"

    done = client.post(reverse("second_factor_enrol"), {"code": code_from_secret(secret), "next": "/people/"})

    page = done.content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "This is the only time they are shown" in page and 'href="/people/"' in page
    assert client.get("/people/").status_code == 200  # the session is verified
    assert AuditEntry.objects.filter(object_id=str(qm.pk), step="second factor set up").exists()
    # Never shown again: the set-up page now sends the person to their profile, which only counts them.
    again = client.get(reverse("second_factor_enrol"), follow=True).content.decode()
    assert "10 recovery codes left" in again and not any(code in again for code in codes)


def test_someone_who_has_a_second_factor_cannot_set_up_another_to_skip_the_code(portal_users):
    qm = portal_users.quality_manager
    enrol(qm)
    client = sign_in(qm)

    assert sent_to(client.get(reverse("second_factor_enrol"))) == "second_factor"
    assert sent_to(client.post(reverse("second_factor_enrol"), {"code": "123456"})) == "second_factor"
    assert TOTPDevice.objects.filter(user=qm).count() == 1
    assert sent_to(client.get("/")) == "second_factor"


# --- The code after the password ------------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password_and_a_wrong_one_lets_nobody_in(portal_users):
    require_second_factor()
    qm = portal_users.quality_manager
    device = enrol(qm)
    client = sign_in(qm)

    assert client.get(reverse("second_factor")).status_code == 200
    wrong = give_code(client, "000000", "/people/")
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert sent_to(client.get("/people/")) == "second_factor"

    right = give_code(client, next_code(device), "/people/")

    assert right["Location"] == "/people/"
    assert client.get("/people/").status_code == 200


def test_the_code_gives_the_session_a_new_id_so_one_known_after_the_password_alone_is_worth_nothing(portal_users):
    require_second_factor()
    qm = portal_users.quality_manager
    device = enrol(qm)
    client = sign_in(qm)
    known = client.cookies["sessionid"].value

    give_code(client, next_code(device))

    assert client.cookies["sessionid"].value != known
    stolen = Client()
    stolen.cookies["sessionid"] = known
    assert stolen.get("/people/").status_code == 302  # back to sign-in: that session is gone


def test_the_health_details_wait_for_the_second_factor_too(portal_users):
    require_second_factor()
    qm = portal_users.quality_manager
    device = enrol(qm)
    client = sign_in(qm)

    owing = client.get(reverse("health")).json()
    give_code(client, next_code(device))
    verified = client.get(reverse("health")).json()

    assert "vendor" not in str(owing) and "vendor" in str(verified)


def test_a_code_is_never_accepted_twice(portal_users):
    qm = portal_users.quality_manager
    device = enrol(qm)
    code = next_code(device)
    assert give_code(sign_in(qm), code).status_code == 302

    assert give_code(sign_in(qm), code).status_code == 200


def test_a_recovery_code_works_in_place_of_a_code_once(portal_users):
    qm = portal_users.quality_manager
    enrol(qm)

    first = sign_in(qm)
    assert give_code(first, RECOVERY_CODES[3].upper()).status_code == 302
    assert first.get("/people/").status_code == 200

    second = sign_in(qm)
    assert give_code(second, RECOVERY_CODES[3]).status_code == 200
    assert sent_to(second.get("/people/")) == "second_factor"
    assert StaticToken.objects.filter(device__user=qm).count() == 9


def test_a_password_reset_does_not_skip_the_second_factor(portal_users):
    qm = portal_users.quality_manager
    device = enrol(qm)
    client = Client()
    client.post(reverse("password_reset"), {"email": qm.email})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link)["Location"]
    new_password = "A-Fresh-Start-2026"  # noqa: S105
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert sent_to(done) == "password_reset_complete"
    assert sent_to(client.get("/")) == "login"  # the reset signs nobody in

    client = sign_in(qm, new_password)

    assert sent_to(client.get("/")) == "second_factor"
    assert give_code(client, next_code(device)).status_code == 302
    assert client.get("/").status_code == 200


# --- Reset by another quality manager ------------------------------------------------------------------------


@pytest.fixture
def second_qm(db):
    return UserFactory(username="qm2", full_name="Rhea Quist", roles=["Quality manager"])


def test_another_quality_manager_resets_it_with_a_reason_and_the_person_sets_up_a_new_one(portal_users, second_qm):
    require_second_factor()
    qm = portal_users.quality_manager
    qm_browser = signed_in_with_second_factor(qm)
    other = signed_in_with_second_factor(second_qm)
    page = other.get(reverse("person_detail", args=[qm.pk])).content.decode()
    assert "Authenticator app set up" in page and reverse("second_factor_reset", args=[qm.pk]) in page

    no_reason = other.post(reverse("second_factor_reset", args=[qm.pk]), {"reason": " "})
    assert no_reason.status_code == 200 and "Say why this changes" in no_reason.content.decode()
    assert TOTPDevice.objects.filter(user=qm).exists()

    done = other.post(reverse("second_factor_reset", args=[qm.pk]), {"reason": "Lost her phone on a site visit."})

    assert sent_to(done) == "person_detail"
    assert not TOTPDevice.objects.filter(user=qm).exists() and not StaticDevice.objects.filter(user=qm).exists()
    entry = AuditEntry.objects.get(object_id=str(qm.pk), step="second factor reset")
    assert (entry.actor_username, entry.reason) == ("qm2", "Lost her phone on a site visit.")
    assert sent_to(qm_browser.get("/")) == "login"  # signed out everywhere
    assert sent_to(sign_in(qm).get("/")) == "second_factor_enrol"


def test_nobody_resets_their_own_second_factor(portal_users):
    qm = portal_users.quality_manager
    verified = signed_in_with_second_factor(qm)

    page = verified.get(reverse("person_detail", args=[qm.pk])).content.decode()
    assert "Authenticator app set up" in page and reverse("second_factor_reset", args=[qm.pk]) not in page
    assert verified.get(reverse("second_factor_reset", args=[qm.pk])).status_code == 403
    assert verified.post(reverse("second_factor_reset", args=[qm.pk]), {"reason": "Mine."}).status_code == 403
    assert TOTPDevice.objects.filter(user=qm).exists()
    assert not AuditEntry.objects.filter(step="second factor reset").exists()


# --- Signing electronically asks for the code again ----------------------------------------------------------


def approve_url(version) -> str:
    return reverse("policy:version_approve", kwargs={"reference": version.document.reference, "number": version.number})


def sign(client: Client, version, **data):
    shown = client.get(approve_url(version)).context["form"]["content_sha256"].value()
    return client.post(approve_url(version), {"password": PASSWORD, "content_sha256": shown, **data})


@pytest.fixture
def director(portal_users):
    """The top manager, with a second factor, signed in with it."""
    client = signed_in_with_second_factor(portal_users.top_management)
    return client, TOTPDevice.objects.get(user=portal_users.top_management)


def test_the_sign_form_asks_for_the_code_of_someone_who_has_a_second_factor(director, portal_users, client_for):
    client, _ = director
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)

    assert 'name="code"' in client.get(approve_url(version)).content.decode()
    # Someone without one is asked for the password alone.
    tm2 = UserFactory(roles=["Top management"])
    assert 'name="code"' not in client_for(tm2).get(approve_url(version)).content.decode()


@pytest.mark.parametrize("code", ["", "000000"])
def test_signing_with_a_missing_or_wrong_code_signs_nothing_and_counts_as_a_refused_attempt(
    code, director, portal_users
):
    client, _ = director
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)

    response = sign(client, version, code=code)

    assert response.status_code == 200
    version.refresh_from_db()
    assert (version.status, version.signature) == (VersionStatus.IN_REVIEW, None)
    if code:
        assert response.context["form"].errors["code"] == ["That code is not right. Nothing was signed."]
        refused = AuditEntry.objects.get(object_id=str(version.pk), step="signature refused")
        assert refused.reason == "wrong second-factor code"
        assert SigningLock.objects.get(user=portal_users.top_management).failures == 1
    else:
        assert "code" in response.context["form"].errors


def test_a_code_used_already_is_refused_as_such_and_is_no_step_towards_the_lock(portal_users):
    require_second_factor()
    tm = portal_users.top_management
    device = enrol(tm)
    client = sign_in(tm)
    code = next_code(device)
    give_code(client, code)  # signed in with it a moment ago
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)

    response = sign(client, version, code=code)

    assert response.context["form"].errors["code"][0].startswith("That code was used already")
    assert not SigningLock.objects.filter(user=tm).exists()
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW


def test_five_wrong_codes_lock_signing_like_five_wrong_passwords(director, portal_users):
    client, device = director
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)
    for _ in range(5):
        sign(client, version, code="000000")

    response = sign(client, version, code=next_code(device))

    assert "Signing is locked" in response.content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    assert SigningLock.objects.get(user=portal_users.top_management).locked_until is not None


def test_signing_with_the_right_password_and_code_approves(director, portal_users):
    client, device = director
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)

    response = sign(client, version, code=next_code(device))

    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert version.signature.signer == portal_users.top_management


def test_the_operator_resets_the_only_quality_managers_second_factor_from_the_server(portal_users):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from qms_portal.mfa import has_second_factor

    qm = portal_users.quality_manager
    enrol(qm)
    with pytest.raises(CommandError, match="--reason"):
        call_command("second_factor_reset", qm.username)

    call_command("second_factor_reset", qm.username, reason="Phone and recovery codes lost in a fire drill")

    assert not has_second_factor(qm)
    entry = AuditEntry.objects.filter(record_type="qms_portal.user", object_id=str(qm.pk)).latest("id")
    assert (entry.actor_name, entry.reason) == (
        "operator (manage.py second_factor_reset)", "Phone and recovery codes lost in a fire drill"
    )
