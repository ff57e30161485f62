"""Reminders of the quality policy (issue 14): a version waiting for signature, the acknowledgement campaign's
steps and its weekly overdue summary, the periodic review; each step once, and the campaign report lists them."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policy.models import AudienceKind, VersionStatus
from policy.reminders import (
    SIGNATURE_WAITING,
    signature_waiting_find,
)
from qms_portal.access import PortalRole
from qms_portal.models import Notification, Organisation, User
from qms_portal.notifications import reminders_sweep
from tests.core.factories import OrgUnitFactory, UserFactory
from tests.policy.factories import CampaignFactory, PolicyVersionFactory

OPENED = dt.date(2026, 12, 1)
DUE = dt.date(2026, 12, 20)
REVIEW_ON = dt.date(2027, 1, 31)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    """``hour`` o'clock on ``day`` in the organisation's zone (UTC unless a test sets another)."""
    import zoneinfo

    return dt.datetime.combine(day, dt.time(hour), zoneinfo.ZoneInfo(Organisation.current().time_zone))


def told(kind: str, person: User | None = None) -> list[str]:
    """The occasions of ``kind`` each person was told of, oldest first (``person``'s only when given)."""
    rows = Notification.objects.filter(kind=kind).order_by("created_at", "pk")
    if person is not None:
        rows = rows.filter(recipient=person)
    return list(rows.values_list("occasion", flat=True))


def campaign(people=None, opened: dt.date = OPENED, due: dt.date = DUE, **kwargs):
    """A campaign opened and due on these days; with ``people`` (portal_users), its version written by their
    quality manager and signed by their top manager, so that nobody else is on the staff."""
    if people is not None and "version" not in kwargs:
        kwargs["version"] = PolicyVersionFactory(
            status=VersionStatus.PUBLISHED, author=people.quality_manager, signed_by=people.top_management
        )
    made = CampaignFactory(due_on=due, **kwargs)
    made.opened_at = at(opened, 9)
    made.save()
    return made


def in_review(submitted: dt.date, **kwargs):
    """A version submitted for review on ``submitted``."""
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW, **kwargs)
    version.submitted_at = at(submitted, 16)
    version.save()
    return version


# --- A version waiting for signature -----------------------------------------------------------------------
def test_top_management_is_reminded_after_2_days_then_every_3_days(portal_users):
    version = in_review(OPENED)
    signer = portal_users.top_management

    expected = {1: [], 2: ["submitted-2026-12-01-1"], 4: ["submitted-2026-12-01-1"],
                5: ["submitted-2026-12-01-1", "submitted-2026-12-01-2"]}
    for days in range(0, 6):
        reminders_sweep(now=at(OPENED + dt.timedelta(days=days), 8))
        if days in expected:
            assert told(SIGNATURE_WAITING, signer) == expected[days], days

    notification = Notification.objects.filter(kind=SIGNATURE_WAITING, recipient=signer).first()
    assert notification is not None
    assert notification.title == f"{version.signed_title()} waits for your signature"
    assert "has waited 5 days" in notification.body
    # Only those who may sign: not the quality manager, nor the employee.
    assert set(Notification.objects.filter(kind=SIGNATURE_WAITING).values_list("recipient_id", flat=True)) == {
        signer.pk
    }


def test_a_top_manager_who_wrote_the_version_is_not_asked_to_sign_it(portal_users):
    in_review(OPENED, author=portal_users.top_management)
    other = UserFactory(roles=[PortalRole.TOP_MANAGEMENT])
    reminders_sweep(now=at(OPENED + dt.timedelta(days=2)))
    assert set(Notification.objects.filter(kind=SIGNATURE_WAITING).values_list("recipient_id", flat=True)) == {
        other.pk
    }


def test_a_version_submitted_again_starts_its_schedule_over(portal_users):
    version = in_review(OPENED)
    reminders_sweep(now=at(OPENED + dt.timedelta(days=2)))
    version.submitted_at = at(OPENED + dt.timedelta(days=3), 10)
    version.save()

    reminders_sweep(now=at(OPENED + dt.timedelta(days=4)))
    assert told(SIGNATURE_WAITING, portal_users.top_management) == ["submitted-2026-12-01-1"]
    reminders_sweep(now=at(OPENED + dt.timedelta(days=5)))
    assert told(SIGNATURE_WAITING, portal_users.top_management) == ["submitted-2026-12-01-1", "submitted-2026-12-04-1"]


def test_a_version_signed_is_no_longer_brought_up(portal_users):
    version = in_review(OPENED)
    version.status = VersionStatus.APPROVED
    version.save()
    reminders_sweep(now=at(OPENED + dt.timedelta(days=2)))
    assert told(SIGNATURE_WAITING) == []


# --- A fixed number of queries, whatever the number of people ---------------------------------------------
@pytest.mark.parametrize(("find", "now"), [
    pytest.param(signature_waiting_find, lambda: at(OPENED + dt.timedelta(days=2)), id="signature"),
])
@pytest.mark.parametrize("audience", [AudienceKind.ALL_STAFF, AudienceKind.DEPARTMENTS])
def test_each_kind_reads_with_the_same_number_of_queries_for_2_and_for_40_people(db, find, now, audience):
    unit = OrgUnitFactory()
    made = campaign(audience=audience)
    made.org_units.set([unit])
    in_review(OPENED)
    PolicyVersionFactory(status=VersionStatus.PUBLISHED, next_review_on=REVIEW_ON)
    roles = [PortalRole.EMPLOYEE, PortalRole.QUALITY_MANAGER, PortalRole.TOP_MANAGEMENT]

    def queries_for(count: int) -> tuple[int, int]:
        for n in range(count):
            UserFactory(roles=[roles[n % 3]], org_unit=unit)
        with CaptureQueriesContext(connection) as queries:
            found = list(find(now()))
        return len(queries), len(found)

    queries_small, found_small = queries_for(2)
    queries_large, found_large = queries_for(38)
    assert found_large > found_small > 0
    assert queries_small == queries_large
