"""Reminders on the demo organisation (issue 14): the preferences page offers each demo person only the kinds that
can reach them; after a sweep the home page's prompts and the bell agree, for every person, and stay in agreement
as people do what they were asked; and the demo has, due, the director's digest (the minutes and the version
waiting for her signature) and the employee's acknowledgement reminder.

The demo is seeded once for the module inside a transaction rolled back at the end; each test runs in a savepoint.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from leadership.actions import action_update_status
from leadership.models import Action, ActionStatus, ManagementReview, ReviewStatus
from leadership.reviews import review_sign_minutes
from policy.acknowledgements import acknowledgement_record
from policy.models import PolicyVersion, VersionStatus
from policy.workflow import version_approve
from qms_portal.home import home_panels_for
from qms_portal.management.commands.seed_demo import DEMO_PASSWORD
from qms_portal.models import Channel, Notification, NotificationPreference, User
from qms_portal.notifications import digest_send, reminders_sweep
from qms_portal.outbox import outbox_send
from qms_portal.presentation import day
from qms_portal.signatures import content_sha256
from roles.acknowledgements import role_acknowledge

pytestmark = pytest.mark.django_db

Key = tuple[str, str, str]  # (kind, record type, record id): what a prompt and a notification are about


@pytest.fixture
def seeded(demo_seeded_once, db) -> None:
    """The demo, seeded once for the module (tests/conftest.py); each test in a savepoint of its own."""


@pytest.fixture
def demo(seeded, settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def person(username: str) -> User:
    return User.objects.get(username=username)


# --- 1. The preferences page lists only what can reach the person --------------------------------------------
SIGNATURE = "A policy version waits for your signature"
ACKNOWLEDGE = "A policy to acknowledge by its due date"
MINUTES = "Minutes waiting for the chair&#x27;s signature"
ROLE = "A role you hold to acknowledge"
MY_ACTIONS = "My actions overdue"
ESCALATED = "Overdue actions escalated"
OVERDUE_SUMMARY = "Weekly: who has not acknowledged a policy past its due date"
ACCESS_ENDING = "An auditor&#x27;s access ends soon"
COMMITMENTS = "Commitments whose evidence is due or stale"

REACHING = {
    "employee": {ACKNOWLEDGE, ROLE, MY_ACTIONS},
    # The owner and the director manage people (the employee reports to the owner, everyone up to the director):
    # their reports' escalations and overdue acknowledgements reach them.
    "owner": {ACKNOWLEDGE, ROLE, MY_ACTIONS, ESCALATED, OVERDUE_SUMMARY},
    "director": {SIGNATURE, ACKNOWLEDGE, MINUTES, ROLE, MY_ACTIONS, COMMITMENTS, ESCALATED, OVERDUE_SUMMARY},
    "quality": {ACKNOWLEDGE, ROLE, MY_ACTIONS, ESCALATED, OVERDUE_SUMMARY, ACCESS_ENDING},
    "auditor": set(),
}
ALL_LABELS = set().union(*REACHING.values())


@pytest.mark.parametrize("username", list(REACHING))
def test_the_preferences_page_lists_only_the_kinds_that_can_reach_each_demo_person(demo, username):
    client = Client()
    client.force_login(person(username))

    page = client.get(reverse("notification_preferences")).content.decode()

    shown = {label for label in ALL_LABELS if f">{label}</legend>" in page}
    assert shown == REACHING[username]
    if not REACHING[username]:
        assert "No kind of reminder reaches your portal role" in page


def test_a_kind_that_cannot_reach_the_person_is_not_kept_when_posted(demo):
    employee = person("employee")
    client = Client()
    client.force_login(employee)

    response = client.post(reverse("notification_preferences"), {
        "policy_signature_waiting": Channel.PORTAL, "policy_acknowledgement_due": Channel.DIGEST,
    })

    assert response.status_code == 302
    assert dict(NotificationPreference.objects.filter(person=employee).values_list("kind", "channel")) == {
        "policy_acknowledgement_due": Channel.DIGEST,
    }


# --- 2. The home page's prompts and the bell agree --------------------------------------------------------------
def prompts(someone: User) -> set[Key]:
    """What the home page's attention panels ask ``someone`` to do, as (kind, record) keys: the panels as the home
    page draws them (the core's registry), read back into the records they name."""
    request = RequestFactory().get("/")
    request.user = someone
    keys: set[Key] = set()
    for panel, context in home_panels_for(request, "attention"):
        if panel.area == "policy_ack":
            keys |= {("policy_acknowledgement_due", "policy.campaign", str(v.campaign.pk)) for v in context["versions"]}
        elif panel.area == "roles_ack":
            keys |= {("role_acknowledgement_due", "roles.role", str(role.pk)) for role in context["roles"]}
        elif panel.area == "leadership_overdue":
            # The prompt names the first three and counts the rest: all of them are asked of the person.
            overdue = Action.objects.overdue(timezone.localdate()).filter(owner=someone)
            assert overdue.count() == context["count"]
            keys |= {("action_overdue", "action", str(pk)) for pk in overdue.values_list("pk", flat=True)}
        elif panel.area == "dashboard":
            needs = context["needs"]
            keys |= {("policy_signature_waiting", "policy.policyversion", str(v.pk)) for v in needs.versions}
            keys |= {("review_minutes_to_sign", "management_review", str(r.pk)) for r in needs.minutes}
            keys |= {("commitment_evidence", "commitment", c.code) for c in needs.stale}
    return keys


PROMPTED_KINDS = {
    "policy_acknowledgement_due", "role_acknowledgement_due", "action_overdue", "policy_signature_waiting",
    "review_minutes_to_sign",
}


def bell(someone: User) -> set[Key]:
    """The unread notifications under ``someone``'s bell, as (kind, record) keys."""
    return set(
        Notification.objects.filter(recipient=someone, read_at=None)
        .values_list("kind", "record_type", "record_id")
    )


def disagreements() -> list[str]:
    """For each active person: a prompt without its unread notification, or an unread notification of a prompted
    kind whose thing is no longer asked of them (the commitments' reminder also tells of evidence due soon,
    which the home page does not prompt for, so only the first direction holds for it)."""
    found = []
    for someone in User.objects.filter(is_active=True).order_by("username"):
        asked, told = prompts(someone), bell(someone)
        for key in sorted(asked - told):
            found.append(f"{someone.username}: prompted, no unread notification: {key}")
        for key in sorted(k for k in told - asked if k[0] in PROMPTED_KINDS):
            found.append(f"{someone.username}: unread notification, no prompt: {key}")
    return found


def test_after_a_sweep_every_prompt_has_its_notification_and_doing_the_thing_clears_both(demo):
    reminders_sweep()

    assert disagreements() == []
    director, employee = person("director"), person("employee")
    asked = prompts(director)
    # The demo gives the director a version and minutes to sign; the employee a policy and a role to acknowledge.
    assert {kind for kind, _, _ in asked} >= {"policy_signature_waiting", "review_minutes_to_sign"}
    assert {kind for kind, _, _ in prompts(employee)} >= {"policy_acknowledgement_due", "role_acknowledgement_due"}

    # Each does what they were asked, through the business functions the pages call.
    version = PolicyVersion.objects.get(document__reference="EP-01", status=VersionStatus.IN_REVIEW)
    version_approve(version=version, password=DEMO_PASSWORD, expected_sha256=content_sha256(version.signed_content()),
                    by=director)
    minutes = ManagementReview.objects.get(status=ReviewStatus.CLOSED, minutes_signature=None)
    review_sign_minutes(review=minutes, password=DEMO_PASSWORD, expected_sha256=content_sha256(
        minutes.signed_content()), by=director)
    current = PolicyVersion.objects.get(document__reference="QP-01", status=VersionStatus.PUBLISHED)
    acknowledgement_record(version=current, person=employee, answer=current.campaign.correct_choice)
    from roles.acknowledgements import roles_to_acknowledge

    for role in roles_to_acknowledge(employee):
        role_acknowledge(role=role, person=employee)
    for action in Action.objects.overdue(timezone.localdate()).filter(owner=employee):
        action_update_status(action=action, status=ActionStatus.DONE, note="Done.", by=employee)

    assert disagreements() == []
    assert not {kind for kind, _, _ in bell(employee)} & PROMPTED_KINDS
    assert not {kind for kind, _, _ in bell(director)} & {"policy_signature_waiting", "review_minutes_to_sign"}
    # The version signed waits for no other top manager either.
    assert not Notification.objects.filter(
        kind="policy_signature_waiting", record_id=str(version.pk), read_at=None
    ).exists()
    # A sweep run again does not bring them back.
    reminders_sweep()
    assert disagreements() == []


# --- 3. The demo's reminders due: the director's digest, the employee's reminder -----------------------------------
def test_the_first_sweep_after_seeding_sends_the_employees_reminder_and_from_seven_the_directors_digest(demo):
    reminders_sweep()
    outbox_send()
    to_employee = [m for m in mail.outbox if m.to == ["employee@calder-valve.example"]]
    assert any(m.subject.startswith("Please read and acknowledge QP-01 Quality Policy, version 3") for m in to_employee)
    assert not [m for m in mail.outbox if m.to == ["director@calder-valve.example"]]  # she chose the digest

    local = timezone.localtime()
    seven = local.replace(hour=7, minute=5, second=0, microsecond=0)
    digest_send(now=max(local, seven))
    outbox_send(now=max(local, seven) + dt.timedelta(minutes=1))

    [digest] = [m for m in mail.outbox if m.to == ["director@calder-valve.example"]]
    assert "reminders for today" in digest.subject
    assert "EP-01 Environmental Policy, version 1 waits for your signature" in digest.body
    assert "Minutes of Extraordinary management review: Ryburn Castings deliveries" in digest.body
    assert digest.extra_headers["List-Unsubscribe"]
    # Invitations to the reviews held months ago were done with when they were held: not in it, not unread.
    held = ManagementReview.objects.exclude(held_on=None)
    for review in held:
        assert f"Invitation: {review.title}, {day(review.planned_on)}" not in digest.body
    assert not Notification.objects.filter(
        kind="review_invitation", record_id__in=[str(pk) for pk in held.values_list("pk", flat=True)], read_at=None
    ).exists()


def test_the_auditor_is_told_that_nothing_can_reach_them(demo):
    client = Client()
    client.force_login(person("auditor"))

    page = client.get(reverse("notifications")).content.decode()

    assert "No kind of reminder reaches your portal role" in page


def test_send_reminders_digest_sends_the_directors_digest_whatever_the_hour_once(demo):
    out = io.StringIO()
    call_command("send_reminders", "--digest", stdout=out)
    call_command("send_reminders", "--digest", stdout=io.StringIO())  # again: nothing new waits for her

    assert "1 digest(s)" in out.getvalue()
    [digest] = [m for m in mail.outbox if m.to == ["director@calder-valve.example"]]
    assert "EP-01 Environmental Policy, version 1 waits for your signature" in digest.body
