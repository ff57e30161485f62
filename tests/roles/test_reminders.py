"""Each holder of a role is asked once to acknowledge each revision of it (issue 14)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qms_portal.access import PortalRole
from qms_portal.models import Channel, Notification, Organisation
from qms_portal.notifications import notification_preferences_save, reminders_sweep
from qms_portal.outbox import outbox_send
from roles.acknowledgements import role_acknowledge
from roles.models import RoleAcknowledgement
from roles.reminders import ROLE_TO_ACKNOWLEDGE, role_to_acknowledge_find
from tests.core.factories import UserFactory
from tests.roles.factories import AssignmentFactory, RoleFactory

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


def told(person=None) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(kind=ROLE_TO_ACKNOWLEDGE).order_by("created_at", "pk")
    if person is not None:
        rows = rows.filter(recipient=person)
    return list(rows.values_list("record_id", "occasion"))


@pytest.fixture
def holder(db):
    return UserFactory(roles=[PortalRole.EMPLOYEE])


def test_a_holder_is_asked_once_to_acknowledge_the_role_and_the_sweep_twice_sends_one_email(holder):
    role = RoleFactory(title="Line lead")
    AssignmentFactory(role=role, person=holder)

    reminders_sweep(now=NOW)
    reminders_sweep(now=NOW)
    reminders_sweep(now=NOW + dt.timedelta(days=3))
    outbox_send()

    assert told(holder) == [(str(role.pk), "revision-1")]
    assert [email.subject for email in mail.outbox] == ["Read and acknowledge your role “Line lead”"]
    assert Notification.objects.get().url == f"/roles/mine/#role-{role.pk}"


def test_a_holder_who_acknowledged_gets_nothing_until_the_role_changes(holder):
    role = RoleFactory(title="Line lead")
    AssignmentFactory(role=role, person=holder)
    role_acknowledge(role=role, person=holder)

    reminders_sweep(now=NOW)
    assert told() == []

    role.revision = 2
    role.responsibilities += "\nTrain the new starters"
    role.save()
    reminders_sweep(now=NOW)

    assert told(holder) == [(str(role.pk), "revision-2")]
    assert Notification.objects.get().title == "Your role “Line lead” changed (revision 2): read and acknowledge it"
    RoleAcknowledgement.objects.create(role=role, person=holder, revision=2)
    reminders_sweep(now=NOW + dt.timedelta(days=1))
    assert len(told()) == 1


def test_only_current_holders_are_asked_and_a_future_one_on_their_first_day(holder):
    role = RoleFactory()
    former = UserFactory(roles=[PortalRole.EMPLOYEE])
    AssignmentFactory(role=role, person=former, starts_on=TODAY - dt.timedelta(days=90),
                      ends_on=TODAY - dt.timedelta(days=1))
    AssignmentFactory(role=role, person=holder, starts_on=TODAY + dt.timedelta(days=1))

    reminders_sweep(now=NOW)
    assert told() == []

    reminders_sweep(now=NOW + dt.timedelta(days=1))
    assert told(holder) == [(str(role.pk), "revision-1")]
    assert told(former) == []


def test_a_deactivated_holder_gets_nothing(holder):
    gone = UserFactory(roles=[PortalRole.EMPLOYEE], is_active=False)
    expired = UserFactory(roles=[PortalRole.AUDITOR], access_expires_on=TODAY - dt.timedelta(days=1))
    role = RoleFactory()
    for person in (gone, expired, holder):
        AssignmentFactory(role=role, person=person)

    reminders_sweep(now=NOW)

    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {holder.pk}


def test_a_holder_of_a_role_twice_as_deputy_and_holder_is_asked_once(holder):
    role = RoleFactory()
    AssignmentFactory(role=role, person=holder)
    AssignmentFactory(role=role, person=holder, is_deputy=True)

    reminders_sweep(now=NOW)

    assert len(told(holder)) == 1


def test_the_kind_reads_with_the_same_number_of_queries_for_2_and_for_40_holders(db):
    roles = [RoleFactory() for _ in range(3)]
    Organisation.current()  # made on its first read

    def queries_for(count: int) -> tuple[int, int]:
        for n in range(count):
            AssignmentFactory(role=roles[n % 3])
        with CaptureQueriesContext(connection) as queries:
            found = list(role_to_acknowledge_find(NOW))
        return len(queries), len(found)

    assert queries_for(2) == (2, 2)
    assert queries_for(38) == (2, 40)


def test_a_holder_who_wants_role_reminders_in_the_portal_only_sees_it_under_the_bell_without_email(holder):
    notification_preferences_save(person=holder, channels={ROLE_TO_ACKNOWLEDGE: Channel.PORTAL})
    AssignmentFactory(person=holder)

    reminders_sweep(now=NOW)
    outbox_send()

    assert len(told(holder)) == 1
    assert mail.outbox == []
