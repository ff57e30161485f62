"""The quality managers are told a week ahead that an external auditor's access ends (issue 14)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qms_portal.access import PortalRole
from qms_portal.account_reminders import ACCESS_ENDING, access_ending_find
from qms_portal.models import Notification, Organisation
from qms_portal.notifications import reminders_sweep
from qms_portal.outbox import outbox_send
from qms_portal.reminder_schedule import organisation_pinned
from tests.core.factories import UserFactory

# Noon in London on a Saturday; the organisation counts days in its own zone.
NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 5)


@pytest.fixture(autouse=True)
def _only_this_kind(reminder_kinds_only) -> None:
    reminder_kinds_only(ACCESS_ENDING)


@pytest.fixture(autouse=True)
def _london(db) -> None:
    organisation = Organisation.current()
    organisation.time_zone = "Europe/London"
    organisation.save()


def auditor(ends_on: dt.date, **kwargs):
    return UserFactory(roles=[PortalRole.AUDITOR], access_expires_on=ends_on, **kwargs)


def told(kind: str = ACCESS_ENDING) -> list[tuple[int, str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", "record_id", "occasion"))


def test_the_quality_managers_are_told_seven_days_before_the_access_ends_and_not_eight(portal_users):
    ada = auditor(TODAY + dt.timedelta(days=8))

    reminders_sweep(now=NOW)
    assert told() == []

    reminders_sweep(now=NOW + dt.timedelta(days=1))
    assert told() == [(portal_users.quality_manager.pk, str(ada.pk), "ends-2026-12-13")]
    notification = Notification.objects.get(kind=ACCESS_ENDING)
    assert notification.title == f"{ada.full_name}'s access to the portal ends in 7 days"
    assert notification.url == f"/people/{ada.pk}/edit/"


def test_the_sweep_run_twice_and_every_day_after_sends_one_email(portal_users):
    auditor(TODAY + dt.timedelta(days=3))

    for day in range(5):
        reminders_sweep(now=NOW + dt.timedelta(days=day))
        reminders_sweep(now=NOW + dt.timedelta(days=day))
    outbox_send()

    assert [email.to for email in mail.outbox] == [[portal_users.quality_manager.email]]


def test_an_access_extended_is_told_again_before_its_new_end(portal_users):
    ada = auditor(TODAY + dt.timedelta(days=2))
    reminders_sweep(now=NOW)
    ada.access_expires_on = TODAY + dt.timedelta(days=30)
    ada.save()

    reminders_sweep(now=NOW + dt.timedelta(days=22))  # 8 days before the new end: not yet
    assert len(told()) == 1
    reminders_sweep(now=NOW + dt.timedelta(days=23))
    assert [occasion for _, _, occasion in told()] == ["ends-2026-12-07", "ends-2027-01-04"]


def test_the_day_counts_in_the_organisations_zone():
    qm = UserFactory(roles=[PortalRole.QUALITY_MANAGER])
    auditor(TODAY + dt.timedelta(days=8))
    # 23:30 UTC on the 5th is already the 6th in Tokyo: 7 days before the 13th.
    late = dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC)
    reminders_sweep(now=late)
    assert told() == []

    organisation = Organisation.current()
    organisation.time_zone = "Asia/Tokyo"
    organisation.save()
    reminders_sweep(now=late)
    assert [recipient for recipient, _, _ in told()] == [qm.pk]


def test_nobody_is_told_of_an_access_ended_or_of_a_deactivated_account_and_no_deactivated_manager_is(portal_users):
    auditor(TODAY - dt.timedelta(days=1))
    auditor(TODAY + dt.timedelta(days=3), is_active=False)
    ada = auditor(TODAY + dt.timedelta(days=3))

    reminders_sweep(now=NOW)

    # portal_users.deactivated is a quality manager too: only the active one is told, and of Ada only.
    assert told() == [(portal_users.quality_manager.pk, str(ada.pk), "ends-2026-12-08")]


def test_the_kind_reads_with_the_same_number_of_queries_for_2_and_for_40_auditors():
    for _ in range(3):
        UserFactory(roles=[PortalRole.QUALITY_MANAGER])

    def queries_for(count: int) -> tuple[int, int]:
        for _ in range(count):
            auditor(TODAY + dt.timedelta(days=4))
        # As the sweep runs it: the organisation (zone, schedule) read once for every kind.
        with organisation_pinned(Organisation.current()), CaptureQueriesContext(connection) as queries:
            found = list(access_ending_find(NOW))
        return len(queries), len(found)

    small, found_small = queries_for(2)
    large, found_large = queries_for(38)
    assert (found_small, found_large) == (2 * 3, 40 * 3)
    assert small == large == 2


def test_the_organisations_schedule_sets_how_early_the_quality_managers_are_told(portal_users):
    organisation = Organisation.current()
    organisation.reminder_schedule = {"account_access_ending_days": 3}
    organisation.save()
    auditor(TODAY + dt.timedelta(days=4))
    assert list(access_ending_find(NOW)) == []
    assert len(list(access_ending_find(NOW + dt.timedelta(days=1)))) == 1
