"""Commitments (5.1): the seeded catalogue, status at each boundary day, and recording evidence."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from leadership.commitments import (
    CommitmentState,
    commitment_status,
    commitment_statuses,
    commitment_update,
    due_soon_window,
    evidence_record,
)
from leadership.models import Commitment, EvidenceEntry, EvidenceKind
from qms_portal.access import PortalRole
from qms_portal.audit import AuditAction, AuditEntry
from tests.leadership.factories import CommitmentFactory, EvidenceEntryFactory

pytestmark = pytest.mark.django_db

D = dt.date(2026, 1, 10)  # the date of the latest evidence in the boundary tests
CODES = [f"5.1.1.{letter}" for letter in "abcdefghij"] + [f"5.1.2.{letter}" for letter in "abc"]


def test_the_migration_seeds_the_thirteen_commitments_unowned_every_90_days():
    commitments = list(Commitment.objects.all())

    assert [c.code for c in commitments] == CODES
    assert all(c.summary and c.owner is None and c.evidence_every_days == 90 for c in commitments)


def test_the_migration_grants_each_portal_role_its_leadership_capabilities():
    def held(role: str) -> set[str]:
        group = Group.objects.get(name=role)
        return set(group.permissions.filter(content_type__app_label="leadership").values_list("codename", flat=True))

    assert held(PortalRole.TOP_MANAGEMENT) == {
        "view_leadership", "record_evidence", "manage_commitments", "sign_minutes", "manage_actions",
        "view_dashboard", "make_evidence_packs",
    }
    assert held(PortalRole.QUALITY_MANAGER) == {
        "view_leadership", "record_evidence", "manage_commitments", "manage_reviews", "manage_actions",
        "manage_objectives", "view_dashboard", "make_evidence_packs",
    }
    assert held(PortalRole.PROCESS_OWNER) == {"view_leadership", "record_measurements"}
    assert held(PortalRole.AUDITOR) == {"view_leadership", "make_evidence_packs"}
    assert held(PortalRole.EMPLOYEE) == set()


# --- Status at each boundary ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_after", "state"),
    [
        (0, CommitmentState.CURRENT),  # evidenced today
        (76, CommitmentState.CURRENT),  # the last current day: 14 days before the due date
        (77, CommitmentState.DUE_SOON),  # the first day of the 14-day window
        (89, CommitmentState.DUE_SOON),
        (90, CommitmentState.DUE_SOON),  # the due date itself is the last day to act, not yet stale
        (91, CommitmentState.STALE),  # the day after the due date
        (400, CommitmentState.STALE),
    ],
)
def test_status_on_each_boundary_day_of_a_90_day_commitment(days_after, state):
    commitment = CommitmentFactory(evidence_every_days=90)
    EvidenceEntryFactory(occurred_on=D, commitments=[commitment])

    status = commitment_status(commitment, today=D + dt.timedelta(days=days_after))

    assert status.state == state
    assert (status.latest_evidence_on, status.due_on) == (D, D + dt.timedelta(days=90))


def test_a_commitment_without_evidence_is_never_evidenced():
    status = commitment_status(CommitmentFactory(), today=D)

    assert (status.state, status.latest_evidence_on, status.due_on) == (CommitmentState.NEVER_EVIDENCED, None, None)
    assert status.label == "Never evidenced"


def test_only_the_newest_evidence_counts():
    commitment = CommitmentFactory(evidence_every_days=90)
    EvidenceEntryFactory(occurred_on=D - dt.timedelta(days=200), commitments=[commitment])
    EvidenceEntryFactory(occurred_on=D, commitments=[commitment])
    EvidenceEntryFactory(occurred_on=D + dt.timedelta(days=5))  # another commitment's

    assert commitment_status(commitment, today=D + dt.timedelta(days=91)).state == CommitmentState.STALE
    assert commitment_status(commitment, today=D + dt.timedelta(days=90)).state == CommitmentState.DUE_SOON


@pytest.mark.parametrize(
    ("every", "window", "current_until"),
    [(90, 14, 76), (28, 14, 14), (20, 10, 10), (7, 3, 4), (1, 0, 1)],
)
def test_a_short_interval_shrinks_the_due_soon_window_to_half_of_it(every, window, current_until):
    commitment = CommitmentFactory(evidence_every_days=every)
    EvidenceEntryFactory(occurred_on=D, commitments=[commitment])

    def state(days: int) -> CommitmentState:
        return commitment_status(commitment, today=D + dt.timedelta(days=days)).state

    assert due_soon_window(every) == window
    assert state(current_until) == CommitmentState.CURRENT
    if window:
        assert state(current_until + 1) == CommitmentState.DUE_SOON
        assert state(every) == CommitmentState.DUE_SOON
    assert state(every + 1) == CommitmentState.STALE


def test_the_bulk_status_reads_every_latest_date_in_one_query(django_assert_num_queries):
    fresh, due, stale, never = (CommitmentFactory() for _ in range(4))
    EvidenceEntryFactory(occurred_on=D, commitments=[fresh])
    EvidenceEntryFactory(occurred_on=D - dt.timedelta(days=80), commitments=[due])
    EvidenceEntryFactory(occurred_on=D - dt.timedelta(days=120), commitments=[stale, due])
    commitments = [fresh, due, stale, never]

    with django_assert_num_queries(1):
        statuses = commitment_statuses(commitments, today=D)

    assert [statuses[c.pk].state for c in commitments] == [
        CommitmentState.CURRENT, CommitmentState.DUE_SOON, CommitmentState.STALE, CommitmentState.NEVER_EVIDENCED,
    ]


def test_an_annotated_queryset_gives_the_status_without_another_query(django_assert_num_queries):
    commitment = CommitmentFactory()
    EvidenceEntryFactory(occurred_on=D, commitments=[commitment])
    annotated = Commitment.objects.with_latest_evidence().get(pk=commitment.pk)

    with django_assert_num_queries(0):
        status = commitment_status(annotated, today=D + dt.timedelta(days=80))

    assert status.state == CommitmentState.DUE_SOON


# --- Recording evidence ---------------------------------------------------------------------------------------


def commitment(code: str) -> Commitment:
    return Commitment.objects.get(code=code)


@pytest.mark.parametrize("recorder", ["top_management", "quality_manager"])
def test_top_management_and_quality_managers_record_evidence_and_it_is_audited(portal_users, recorder):
    by = portal_users.by_key(recorder)
    leader = portal_users.top_management
    today = timezone.localdate()

    entry = evidence_record(
        occurred_on=today, kind=EvidenceKind.COMMUNICATION, summary="  Town hall on the quality results.  ",
        leader=leader, commitments=[commitment("5.1.1.f"), commitment("5.1.1.h")], by=by,
    )

    assert (entry.summary, entry.leader, entry.recorded_by) == ("Town hall on the quality results.", leader, by)
    assert sorted(c.code for c in entry.commitments.all()) == ["5.1.1.f", "5.1.1.h"]
    created = AuditEntry.objects.get(record_type="leadership.evidenceentry", action=AuditAction.CREATE)
    linked = AuditEntry.objects.get(record_type="leadership.evidenceentry", action=AuditAction.UPDATE)
    assert created.actor_id == linked.actor_id == by.pk
    assert len(linked.changes["commitments"][1]) == 2
    assert commitment_status(commitment("5.1.1.f"), today=today).state == CommitmentState.CURRENT


@pytest.mark.parametrize("key", ["process_owner", "employee", "auditor", "deactivated"])
def test_other_roles_cannot_record_evidence(portal_users, key):
    with pytest.raises(PermissionDenied):
        evidence_record(
            occurred_on=D, kind=EvidenceKind.MEETING, summary="x", leader=portal_users.top_management,
            commitments=[commitment("5.1.1.a")], by=portal_users.by_key(key),
        )
    assert not EvidenceEntry.objects.exists()


def test_evidence_needs_a_past_date_a_summary_a_known_kind_and_a_commitment(portal_users):
    with pytest.raises(ValidationError) as refused:
        evidence_record(
            occurred_on=timezone.localdate() + dt.timedelta(days=1), kind="golf", summary=" ",
            leader=portal_users.top_management, commitments=[], by=portal_users.quality_manager,
        )

    assert set(refused.value.message_dict) == {"occurred_on", "kind", "summary", "commitments"}
    assert not EvidenceEntry.objects.exists()


def test_the_leader_must_be_a_top_manager(portal_users):
    with pytest.raises(ValidationError, match="not a member of top management"):
        evidence_record(
            occurred_on=D, kind=EvidenceKind.MEETING, summary="Chaired the kaizen review.",
            leader=portal_users.quality_manager, commitments=[commitment("5.1.1.i")], by=portal_users.quality_manager,
        )
    assert not EvidenceEntry.objects.exists()


def test_a_commitment_gets_an_accountable_top_manager_audited(portal_users):
    updated = commitment_update(
        commitment=commitment("5.1.2.c"), owner=portal_users.top_management, evidence_every_days=60,
        by=portal_users.quality_manager,
    )

    assert (updated.owner, updated.evidence_every_days) == (portal_users.top_management, 60)
    change = AuditEntry.objects.get(record_type="leadership.commitment", object_id=str(updated.pk))
    assert change.changes["evidence_every_days"] == [90, 60]


def test_a_commitment_owner_must_be_a_top_manager_and_the_interval_positive(portal_users):
    with pytest.raises(ValidationError):
        commitment_update(
            commitment=commitment("5.1.2.c"), owner=portal_users.employee, evidence_every_days=60,
            by=portal_users.quality_manager,
        )
    with pytest.raises(ValidationError):
        commitment_update(
            commitment=commitment("5.1.2.c"), owner=None, evidence_every_days=0, by=portal_users.quality_manager,
        )
    with pytest.raises(PermissionDenied):
        commitment_update(
            commitment=commitment("5.1.2.c"), owner=None, evidence_every_days=30, by=portal_users.process_owner,
        )
    assert commitment("5.1.2.c").evidence_every_days == 90
