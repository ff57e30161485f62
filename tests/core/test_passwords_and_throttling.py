"""Passwords and throttling (issue 11, item 9): a password like the person's name, user name or e-mail is
refused wherever a password is chosen; sign-in failures are limited per address across user names; password
reset e-mails are limited per address and per e-mail, and the answer never says whether an account exists."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.core.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_earlier_requests():
    cache.clear()


@pytest.fixture
def person():
    return UserFactory(username="q.moss", full_name="Quentin Moss", email="quentin.moss@example.com")


LIKE_THE_PERSON = ["QuentinMoss2026!", "Quentin.Moss.1", "quentin.moss@example", "q.moss-2026"]


def signed_in(person) -> Client:
    browser = Client()
    assert browser.post(reverse("login"), {"username": person.username, "password": PASSWORD}).status_code == 302
    return browser


@pytest.mark.parametrize("new_password", LIKE_THE_PERSON)
def test_changing_ones_password_to_something_like_ones_name_is_refused(person, new_password):
    browser = signed_in(person)

    response = browser.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password,
    })

    assert response.status_code == 200
    assert "too similar" in " ".join(response.context["form"].errors["new_password2"])
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def reset_form_url(person) -> tuple[Client, str]:
    """A browser on the set-a-new-password page of a reset link e-mailed to ``person``."""
    Client().post(reverse("password_reset"), {"email": person.email})
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    browser = Client()
    page = browser.get(urlparse(link).path, follow=True)
    return browser, page.redirect_chain[-1][0]


@pytest.mark.parametrize("new_password", LIKE_THE_PERSON)
def test_a_reset_or_invitation_link_refuses_a_password_like_ones_name(person, new_password):
    browser, url = reset_form_url(person)

    response = browser.post(url, {"new_password1": new_password, "new_password2": new_password})

    assert response.status_code == 200
    assert "too similar" in " ".join(response.context["form"].errors["new_password2"])
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_a_password_unlike_the_person_is_accepted(person):
    browser, url = reset_form_url(person)

    chosen = "Granite-Harbour-Lantern"

    response = browser.post(url, {"new_password1": chosen, "new_password2": chosen})

    assert response.status_code == 302


# --- Sign-in failures per address ----------------------------------------------------------------------------


def sign_in_from(address: str, username: str, password: str) -> int:
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    ).status_code


def test_one_address_trying_many_user_names_is_locked_out(person, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    # One failure per name, so that no name reaches its own limit of 5; the eighth locks the address.
    answers = [sign_in_from("203.0.113.9", f"guess-{attempt}", "Summer2026!") for attempt in range(8)]

    assert answers == [200] * 7 + [429]

    assert sign_in_from("203.0.113.9", person.username, PASSWORD) == 429
    assert sign_in_from("198.51.100.7", person.username, PASSWORD) == 302


def test_a_successful_sign_in_does_not_clear_the_addresss_count(person, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    insider = UserFactory(username="insider")
    for attempt in range(7):
        sign_in_from("203.0.113.9", f"guess-{attempt}", "Summer2026!")
    assert sign_in_from("203.0.113.9", insider.username, PASSWORD) == 302

    sign_in_from("203.0.113.9", "guess-7", "Summer2026!")

    assert sign_in_from("203.0.113.9", person.username, PASSWORD) == 429


def test_fewer_failures_than_the_address_limit_lock_nobody_out(person, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    for attempt in range(7):
        sign_in_from("203.0.113.9", f"guess-{attempt}", "Summer2026!")

    assert sign_in_from("203.0.113.9", person.username, PASSWORD) == 302


# --- Password reset --------------------------------------------------------------------------------------------


def ask_reset(email: str, address: str = "203.0.113.9"):
    return Client(REMOTE_ADDR=address).post(reverse("password_reset"), {"email": email})


def test_one_address_asking_many_resets_gets_only_the_limit_of_emails(person, settings):
    settings.PASSWORD_RESETS_PER_HOUR = 3

    answers = [ask_reset(person.email) for _ in range(6)]

    assert len(mail.outbox) == 3
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {
        (302, reverse("password_reset_done"))
    }


def test_one_email_asked_for_from_many_addresses_gets_only_the_limit_of_emails(person, settings):
    settings.PASSWORD_RESETS_PER_HOUR = 3

    for number in range(6):
        ask_reset(person.email.upper(), address=f"198.51.100.{number}")

    assert len(mail.outbox) == 3


def test_asking_for_unknown_addresses_counts_too_and_answers_the_same(person, settings):
    settings.PASSWORD_RESETS_PER_HOUR = 3
    unknown = [ask_reset(f"stranger{number}@example.com") for number in range(3)]

    known = ask_reset(person.email)

    assert mail.outbox == []  # the address used up its allowance on addresses that have no account
    assert known.status_code == unknown[0].status_code == 302
    assert known["Location"] == unknown[0]["Location"]


def test_another_address_may_still_ask(person, settings):
    settings.PASSWORD_RESETS_PER_HOUR = 3
    for number in range(3):
        ask_reset(f"stranger{number}@example.com")

    ask_reset(person.email, address="198.51.100.77")

    assert len(mail.outbox) == 1


def test_a_reset_email_is_handed_to_the_task_queue_not_sent_while_the_page_waits(person):
    """Sent in the request, an address with an account was answered later than one without (its email took
    time): the e-mail goes through the queue, and the request only hands it over."""
    import json

    import redis

    from tests.core.test_celery_worker import sending_through
    from tests.services import require_redis

    url = "redis://127.0.0.1:6379/13"
    require_redis(url)
    queue = redis.Redis.from_url(url)
    queue.delete("default")
    try:
        with sending_through(url):
            response = ask_reset(person.email)
        [message] = queue.lrange("default", 0, -1)
    finally:
        queue.delete("default")
        queue.close()

    assert response.status_code == 302
    assert mail.outbox == []
    assert json.loads(message)["headers"]["task"] == "qms_portal.tasks.send_password_reset"


def test_with_the_task_queue_down_the_reset_email_is_sent_all_the_same(person):
    from tests.core.test_celery_worker import sending_through
    from tests.core.test_health import closed_port

    with sending_through(f"redis://127.0.0.1:{closed_port()}/0"):
        response = ask_reset(person.email)

    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == [person.email]
    assert "reset the password of your account (q.moss)" in email.body
