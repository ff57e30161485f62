"""Signing in and out: one message for every failure, lockout, session rotation and ending, reset, profile."""
import datetime as dt
import re
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qms_portal.access import PortalRole
from qms_portal.accounts import people_deactivate_bulk
from qms_portal.audit import AuditEntry
from qms_portal.models import LoginSession, User
from tests.core.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["top_management", "quality_manager", "process_owner", "employee", "auditor"]


def sign_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def login_error(response) -> list[str]:
    return response.context["form"].non_field_errors()


@pytest.mark.parametrize("who", ROLES)
def test_each_portal_role_signs_in_with_its_password(who, portal_users):
    person = portal_users.by_key(who)
    client = Client()

    response = sign_in(client, person.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(person.pk)
    assert person.full_name in client.get(reverse("home")).text


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(portal_users):
    wrong_password = sign_in(Client(), portal_users.employee.username, "not-the-password")
    unknown_user = sign_in(Client(), "nobody-by-this-name", PASSWORD)

    assert wrong_password.status_code == unknown_user.status_code == 200
    assert login_error(wrong_password) == login_error(unknown_user)
    [message] = login_error(wrong_password)
    assert message in wrong_password.text
    assert message in unknown_user.text


def test_a_deactivated_account_gets_the_same_message_as_a_wrong_password(portal_users):
    deactivated = sign_in(Client(), portal_users.deactivated.username, PASSWORD)
    wrong_password = sign_in(Client(), portal_users.employee.username, "not-the-password")

    assert login_error(deactivated) == login_error(wrong_password)


def test_fewer_failures_than_the_limit_do_not_lock_the_account(portal_users):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, portal_users.employee.username, "not-the-password")

    response = sign_in(client, portal_users.employee.username, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(portal_users.employee.pk)


def test_after_the_failure_limit_even_the_right_password_is_locked_out(portal_users):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, portal_users.employee.username, "not-the-password")

    response = sign_in(client, portal_users.employee.username, PASSWORD)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [template.name for template in response.templates]
    assert "Too many failed sign-in attempts" in response.text
    assert signed_in_user_id(client) is None


def test_a_lockout_of_one_account_leaves_others_alone(portal_users):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, portal_users.employee.username, "not-the-password")

    response = sign_in(client, portal_users.auditor.username, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(portal_users.auditor.pk)


def test_signing_in_gives_a_new_session_key(portal_users):
    client = Client()
    session = client.session
    session["visited"] = True
    session.save()
    key_before = session.session_key

    sign_in(client, portal_users.employee.username, PASSWORD)

    key_after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert key_after != key_before
    assert not Session.objects.filter(session_key=key_before).exists()
    assert Session.objects.filter(session_key=key_after).exists()


def test_a_session_ends_after_the_idle_time_and_each_request_extends_it(portal_users):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    client = Client()
    sign_in(client, portal_users.employee.username, PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))

    client.get(reverse("home"))

    expires = Session.objects.get(session_key=key).expire_date
    idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert timezone.now() + idle - dt.timedelta(minutes=1) < expires <= timezone.now() + idle


def test_a_session_idle_for_longer_than_the_limit_is_signed_out(portal_users):
    client = Client()
    sign_in(client, portal_users.employee.username, PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("login")


def test_deactivating_a_person_ends_their_open_sessions(portal_users, qm_client):
    person = UserFactory(roles=[PortalRole.EMPLOYEE])
    their_browser = Client()
    sign_in(their_browser, person.username, PASSWORD)
    key = their_browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert their_browser.get(reverse("home")).status_code == 200
    assert Session.objects.filter(session_key=key).exists()

    response = qm_client.post(reverse("person_edit", args=[person.pk]), {
        "username": person.username,
        "full_name": person.full_name,
        "email": person.email,
        "job_title": person.job_title,
        "roles": [Group.objects.get(name=PortalRole.EMPLOYEE).pk],
        # "is_active" left out: the box is unticked
    })

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_active is False
    assert not Session.objects.filter(session_key=key).exists()
    assert not LoginSession.objects.filter(user=person).exists()
    next_click = their_browser.get(reverse("home"))
    assert next_click.status_code == 302
    assert urlparse(next_click["Location"]).path == reverse("login")


def test_a_quality_manager_cannot_deactivate_their_own_account(portal_users, qm_client):
    me = portal_users.quality_manager

    response = qm_client.post(reverse("person_edit", args=[me.pk]), {
        "username": me.username, "full_name": me.full_name, "email": me.email, "job_title": me.job_title,
        "roles": [Group.objects.get(name=PortalRole.QUALITY_MANAGER).pk],
    })

    assert response.status_code == 200
    assert response.context["form"].errors["is_active"] == ["You cannot deactivate your own account."]
    me.refresh_from_db()
    assert me.is_active is True


def test_an_auditor_whose_access_has_expired_cannot_sign_in(portal_users):
    client = Client()

    response = sign_in(client, portal_users.expired_auditor.username, PASSWORD)

    assert response.status_code == 200
    assert login_error(response) == login_error(sign_in(Client(), "nobody-by-this-name", PASSWORD))
    assert signed_in_user_id(client) is None


def test_an_auditor_is_signed_out_at_the_first_click_after_their_access_ends(portal_users):
    today = timezone.localdate()
    auditor = UserFactory(roles=[PortalRole.AUDITOR], access_expires_on=today)
    client = Client()
    sign_in(client, auditor.username, PASSWORD)
    assert client.get(reverse("audit_trail")).status_code == 200

    with mock.patch("django.utils.timezone.localdate", return_value=today + dt.timedelta(days=1)):
        response = client.get(reverse("audit_trail"))

    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("login")


def test_a_password_reset_emails_a_link_that_sets_a_new_password(portal_users):
    person = portal_users.employee
    new_password = "Fresh-Start-Password-77"

    response = Client().post(reverse("password_reset"), {"email": person.email})

    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == [person.email]
    link = re.search(r"https?://\S+", email.body).group(0)
    browser = Client()
    form_page = browser.get(urlparse(link).path, follow=True)
    assert form_page.context["validlink"] is True
    done = browser.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert urlparse(done["Location"]).path == reverse("password_reset_complete")
    assert sign_in(Client(), person.username, new_password).status_code == 302
    assert sign_in(Client(), person.username, PASSWORD).status_code == 200


def test_a_password_reset_link_works_only_once(portal_users):
    person = portal_users.employee
    new_password = "Fresh-Start-Password-77"
    Client().post(reverse("password_reset"), {"email": person.email})
    link = urlparse(re.search(r"https?://\S+", mail.outbox[0].body).group(0)).path
    browser = Client()
    form_page = browser.get(link, follow=True)
    browser.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})

    second_use = Client().get(link, follow=True)

    assert second_use.context["validlink"] is False
    assert "This link has already been used or has expired" in second_use.text


def test_a_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(portal_users):
    known = Client().post(reverse("password_reset"), {"email": portal_users.employee.email}, follow=True)
    mail.outbox.clear()

    unknown = Client().post(reverse("password_reset"), {"email": "stranger@example.com"}, follow=True)

    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain


def test_the_profile_page_saves_ones_own_email_but_not_name_or_job_title(portal_users, client_for):
    person = portal_users.employee
    title = person.job_title

    response = client_for(person).post(reverse("profile"), {
        "full_name": "Jamie Clarke-Smith", "email": "jamie@example.com", "job_title": "Senior CNC Machinist",
    })

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email == "jamie@example.com"
    assert (person.full_name, person.job_title) == ("Emil Park", title)


def test_the_profile_page_cannot_change_ones_own_roles_or_access(portal_users, client_for):
    person = portal_users.employee
    qm_group = Group.objects.get(name=PortalRole.QUALITY_MANAGER)

    client_for(person).post(reverse("profile"), {
        "full_name": person.full_name, "email": person.email, "job_title": person.job_title,
        "roles": [qm_group.pk], "groups": [qm_group.pk], "is_superuser": "on", "is_staff": "on",
        "access_expires_on": "2099-01-01", "username": "renamed",
    })

    person.refresh_from_db()
    assert person.role_names() == [PortalRole.EMPLOYEE]
    assert person.is_superuser is False
    assert person.is_staff is False
    assert person.access_expires_on is None
    assert person.username == "emp"
    assert client_for(person).get(reverse("organisation")).status_code == 403


def test_the_nightly_clean_up_removes_expired_sessions_and_their_records():
    from qms_portal.tasks import clear_expired_sessions

    person = UserFactory()
    live, stale = Client(), Client()
    for browser in (live, stale):
        browser.post(reverse("login"), {"username": person.username, "password": PASSWORD})
    stale_key = stale.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=stale_key).update(expire_date=timezone.now() - dt.timedelta(minutes=1))

    clear_expired_sessions.apply()

    assert list(LoginSession.objects.filter(user=person).values_list("session_key", flat=True)) == [
        live.cookies[settings.SESSION_COOKIE_NAME].value
    ]
    assert not Session.objects.filter(session_key=stale_key).exists()
    assert live.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("trust_proxy, other_client_locked_out", [(True, False), (False, True)])
def test_behind_the_proxy_the_lockout_counts_failures_per_client_address(
    trust_proxy, other_client_locked_out, settings
):
    """Every request reaches the portal from the proxy (10.0.0.2); the proxy appends the client's address."""
    settings.TRUST_X_FORWARDED_FOR = trust_proxy
    person = UserFactory(username="h.wood")

    def sign_in(client_address: str, password: str) -> int:
        return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{client_address}").post(
            reverse("login"), {"username": person.username, "password": password}
        ).status_code

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("203.0.113.5", "wrong password")

    assert sign_in("203.0.113.5", PASSWORD) == 429
    assert (sign_in("198.51.100.7", PASSWORD) == 429) is other_client_locked_out


def test_leavers_deactivated_in_bulk_are_signed_out_and_each_has_the_change_on_the_trail(portal_users):
    leaving, staying = UserFactory(roles=[PortalRole.EMPLOYEE]), UserFactory(roles=[PortalRole.EMPLOYEE])
    browsers = {}
    for person in (leaving, staying):
        browsers[person.pk] = Client()
        sign_in(browsers[person.pk], person.username, PASSWORD)

    assert people_deactivate_bulk(people=[leaving, portal_users.deactivated], by=portal_users.quality_manager,
                                  reason="Left at the end of March") == 1  # the one inactive already is left alone

    assert not User.objects.get(pk=leaving.pk).is_active and User.objects.get(pk=staying.pk).is_active
    assert browsers[leaving.pk].get(reverse("home")).status_code == 302  # signed out
    assert browsers[staying.pk].get(reverse("home")).status_code == 200
    [entry] = AuditEntry.objects.filter(record_type="qms_portal.user", object_id=str(leaving.pk), action="update",
                                        changes__has_key="is_active")
    assert (entry.actor_username, entry.reason, entry.changes) == ("qm", "Left at the end of March",
                                                                   {"is_active": [True, False]})
