"""Sending an invitation while the task queue is down (issue 11, item 10): it was a 500; now the invitation is
kept, the person's page says it goes once the queue is back, and the sweep sends it then, once."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from qms_portal.models import Invitation, User
from qms_portal.tasks import send_waiting_invitations
from tests.core.factories import UserFactory
from tests.core.test_celery_worker import sending_through
from tests.core.test_health import closed_port
from tests.core.test_people import new_person

pytestmark = pytest.mark.django_db

WAITING = "the mail queue could not be reached. It goes out by itself once the queue is back"


def queue_down():
    """The portal sends its tasks to a Redis address where nothing listens."""
    return sending_through(f"redis://127.0.0.1:{closed_port()}/0")


def test_sending_an_invitation_with_the_queue_down_keeps_it_and_says_so(
    portal_users, qm_client, django_capture_on_commit_callbacks
):
    person = UserFactory(username="w.jagger", email="w.jagger@example.com", password=None)  # never signed in

    with queue_down(), django_capture_on_commit_callbacks(execute=True):
        response = qm_client.post(reverse("person_invite", args=[person.pk]))

    assert response.status_code == 302
    assert mail.outbox == []
    page = qm_client.get(reverse("person_detail", args=[person.pk]))
    assert WAITING in page.text
    assert "Waiting for the mail queue since" in page.text
    [invitation] = Invitation.objects.filter(person=person)
    assert (invitation.queued_at, invitation.sent_at) == (None, None)


def test_once_the_queue_is_back_the_sweep_sends_the_waiting_invitation_once(
    portal_users, qm_client, django_capture_on_commit_callbacks
):
    person = UserFactory(username="w.jagger", email="w.jagger@example.com", password=None)  # never signed in
    with queue_down(), django_capture_on_commit_callbacks(execute=True):
        qm_client.post(reverse("person_invite", args=[person.pk]))

    send_waiting_invitations.apply()
    send_waiting_invitations.apply()

    [email] = mail.outbox
    assert email.to == ["w.jagger@example.com"]
    link = urlparse(re.search(r"https?://\S+", email.body).group(0)).path
    assert Client().get(link, follow=True).context["validlink"] is True
    page = qm_client.get(reverse("person_detail", args=[person.pk]))
    assert WAITING not in page.text
    assert "Sent " in page.text


def test_a_new_person_added_with_the_queue_down_is_saved_and_their_invitation_waits(
    portal_users, qm_client, django_capture_on_commit_callbacks
):
    with queue_down(), django_capture_on_commit_callbacks(execute=True):
        response = qm_client.post(reverse("person_create"), new_person())

    person = User.objects.get(username="n.ahmed")
    assert response.status_code == 302
    assert WAITING in qm_client.get(reverse("person_detail", args=[person.pk])).text
    send_waiting_invitations.apply()
    assert [email.to for email in mail.outbox] == [["n.ahmed@example.com"]]


def test_with_the_queue_up_the_invitation_goes_at_once_and_is_not_sent_again(
    portal_users, qm_client, django_capture_on_commit_callbacks
):
    person = UserFactory(username="w.jagger", email="w.jagger@example.com", password=None)  # never signed in
    with django_capture_on_commit_callbacks(execute=True):
        qm_client.post(reverse("person_invite", args=[person.pk]))

    send_waiting_invitations.apply()

    assert len(mail.outbox) == 1
    assert Invitation.objects.get(person=person).sent_at is not None
