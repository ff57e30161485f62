"""The leadership part of the demo data (issue 5, item 8): the commitments with owners and a year of evidence
(some stale on purpose), five management reviews (three quarterly ones held and signed, one planned next month,
an extraordinary one held lately whose minutes wait for the chair), about 30 actions (some overdue), 8 objectives
with monthly measurements, and nothing written by a second run.

Seeding the whole demo takes seconds, so it is done once for this module, inside a transaction rolled back
at the end; each test runs in a savepoint of its own within it.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from leadership.actions import actions_for
from leadership.commitments import CommitmentState, commitment_statuses
from leadership.demo.data import REVIEW_TITLE
from leadership.models import (
    Action,
    ActionSource,
    ActionStatus,
    Commitment,
    EvidenceAttachment,
    EvidenceEntry,
    InputCode,
    ManagementReview,
    QualityObjective,
    ReviewStatus,
)
from leadership.objectives import ObjectiveState, objective_statuses
from leadership.people import top_managers
from leadership.reviews import MINUTES_MEANING, add_months, next_working_day
from leadership.uploads import PDF, TXT, detect_type
from qms_portal.audit import AuditEntry
from qms_portal.models import User

pytestmark = pytest.mark.django_db
TOP_MANAGERS = {"director", "d.whitaker", "s.hussain"}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory) -> Path:
    """Where the seed stores its evidence files (each test has a media folder of its own besides)."""
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, demo_media) -> Iterator[str]:
    """The demo, seeded once for the module; what ``seed_demo`` printed."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=demo_media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def leadership_line(output: str) -> str:
    (line,) = [line for line in output.splitlines() if "commitments" in line]
    return line


def test_the_seed_prints_one_line_that_counts_what_it_built(seeded, today):
    actions = Action.objects.all()
    assert leadership_line(seeded) == (
        "13 commitments (3 stale, 2 due soon, 1 never evidenced), "
        f"{EvidenceEntry.objects.count()} evidence entries, 5 management reviews (3 signed), "
        f"{actions.count()} actions ({actions.overdue(today).count()} overdue), "
        "8 quality objectives (3 at risk, 2 off track, 3 on track)."
    )


def test_every_commitment_has_a_top_manager_and_an_interval_of_30_to_180_days(seeded):
    commitments = Commitment.objects.select_related("owner")

    assert commitments.count() == 13
    for commitment in commitments:
        assert commitment.owner.username in TOP_MANAGERS, commitment
        assert 30 <= commitment.evidence_every_days <= 180, commitment
    # Every one of the three top managers is accountable for something.
    assert {c.owner.username for c in commitments} == TOP_MANAGERS
    assert set(top_managers().values_list("username", flat=True)) == TOP_MANAGERS


def test_three_commitments_are_stale_one_never_evidenced_two_due_soon(seeded, today):
    commitments = list(Commitment.objects.all())
    statuses = commitment_statuses(commitments, today=today)
    by_state: dict[str, set[str]] = {}
    for commitment in commitments:
        by_state.setdefault(statuses[commitment.pk].state, set()).add(commitment.code)

    assert by_state[CommitmentState.STALE] == {"5.1.1.d", "5.1.2.b", "5.1.2.c"}
    assert by_state[CommitmentState.NEVER_EVIDENCED] == {"5.1.1.j"}
    assert by_state[CommitmentState.DUE_SOON] == {"5.1.1.c", "5.1.1.h"}
    assert len(by_state[CommitmentState.CURRENT]) == 7


def test_a_year_of_evidence_by_the_top_managers_of_every_kind(seeded, today):
    entries = EvidenceEntry.objects.select_related("leader", "recorded_by").prefetch_related("commitments")

    assert 40 <= entries.count() <= 60
    assert {entry.leader.username for entry in entries} == TOP_MANAGERS
    for entry in entries:
        assert today - dt.timedelta(days=366) <= entry.occurred_on <= today, entry
        assert entry.occurred_on.weekday() < 5, f"{entry} falls on a weekend"
        assert entry.commitments.all(), entry
    assert len({entry.kind for entry in entries}) == 6
    # Every month of the past year has some evidence.
    months = {(entry.occurred_on.year, entry.occurred_on.month) for entry in entries}
    assert len(months) >= 12
    assert len({entry.summary for entry in entries}) == entries.count()


def test_two_entries_carry_a_small_file_stored_under_a_generated_name_and_checked_by_content(
    seeded, demo_media, settings
):
    settings.MEDIA_ROOT = demo_media
    attachments = list(EvidenceAttachment.objects.order_by("original_name"))

    assert [a.original_name for a in attachments] == ["apprentice-induction-talk.txt", "cmm-capital-approval.pdf"]
    for attachment, kind in zip(attachments, (TXT, PDF), strict=True):
        assert re.fullmatch(r"evidence/[0-9a-f]{32}\.(txt|pdf)", attachment.file.name)
        assert attachment.content_type == kind.content_type
        with attachment.file.open("rb") as stored:
            assert detect_type(stored) is kind
            assert stored.seek(0, 2) == attachment.size
    pdf = attachments[1].file.open("rb").read()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    # The cross-reference table points at each object.
    offsets = [int(line[:10]) for line in pdf.split(b"xref\n")[1].split(b"trailer")[0].splitlines()[2:]]
    assert [pdf[offset:].split(b" ")[0] for offset in offsets] == [b"1", b"2", b"3", b"4", b"5"]


def quarterly():
    return ManagementReview.objects.filter(title=REVIEW_TITLE)


def test_three_reviews_were_held_quarterly_covered_every_input_and_their_minutes_are_signed_by_the_chair(
    seeded, today
):
    held = list(quarterly().exclude(status=ReviewStatus.PLANNED).order_by("planned_on"))
    director = User.objects.get(username="director")

    assert len(held) == 3
    for review in held:
        assert review.status == ReviewStatus.CLOSED
        assert review.chair == director
        assert review.minutes_signature.signer == director
        assert review.minutes_signature.meaning == MINUTES_MEANING
        assert review.signature_valid
        assert today - dt.timedelta(days=365) <= review.held_on < today
        assert review.held_on.weekday() < 5
        assert sorted(review.inputs.values_list("code", flat=True)) == sorted(InputCode.values)
        assert all(notes.strip() for notes in review.inputs.values_list("notes", flat=True)), review
        attendance = list(review.attendance.values_list("attended", flat=True))
        assert None not in attendance and attendance.count(True) >= 5
        assert 2 <= review.outputs.count() <= 4
        for output in review.outputs.all():
            assert output.actions.count() == 1, output
    # Quarterly: each one planned three months after the one before it proposed it, on a working day.
    for earlier, later in zip(held, held[1:], strict=False):
        assert later.proposed_from == earlier
        assert later.planned_on == next_working_day(add_months(earlier.planned_on, 3))


def test_the_fourth_review_is_planned_next_month_as_the_third_proposed_it(seeded, today):
    (planned,) = ManagementReview.objects.filter(status=ReviewStatus.PLANNED)
    third = quarterly().exclude(status=ReviewStatus.PLANNED).order_by("-planned_on").first()

    assert planned.proposed_from == third
    assert planned.planned_on == next_working_day(add_months(third.planned_on, 3))
    next_month = add_months(today.replace(day=1), 1)
    assert planned.planned_on.replace(day=1) == next_month
    assert planned.planned_on.weekday() < 5
    assert planned.recurrence_months == 3
    assert not planned.is_signed and planned.held_on is None
    assert planned.attendance.count() == third.attendance.count()


def test_an_extraordinary_review_held_lately_is_closed_and_its_minutes_wait_for_the_chair(seeded, today):
    (review,) = ManagementReview.objects.exclude(title=REVIEW_TITLE)

    assert review.status == ReviewStatus.CLOSED and not review.is_signed
    assert review.chair == User.objects.get(username="director")
    assert review.recurrence_months is None
    # Closed at least two days ago: the reminder to sign its minutes is due (issue 14).
    assert 2 <= (today - timezone.localdate(review.closed_at)).days <= 10
    assert all(notes.strip() for notes in review.inputs.values_list("notes", flat=True))
    assert review.outputs.count() == 1 and not Action.objects.filter(source_review=review).exists()


def test_about_thirty_actions_from_every_source_in_every_status_some_overdue(seeded, today):
    actions = list(Action.objects.prefetch_related("notes"))
    overdue = [action for action in actions if action.overdue_on(today)]

    assert 28 <= len(actions) <= 34
    assert set(Counter(action.status for action in actions)) == set(ActionStatus.values)
    assert set(Counter(action.source_kind for action in actions)) == set(ActionSource.values)
    assert 4 <= len(overdue) <= 10
    assert sum(1 for action in actions if action.notes.all()) >= 15
    for action in actions:
        if action.status == ActionStatus.DONE:
            assert action.completed_on is not None and action.completed_on <= today, action


def test_the_employee_and_the_process_owner_have_actions_of_their_own_one_overdue(seeded, today):
    employee, owner = User.objects.get(username="employee"), User.objects.get(username="owner")

    mine = list(actions_for(employee))
    assert len(mine) >= 2
    assert any(action.overdue_on(today) for action in mine)
    assert any(action.notes.filter(author=employee).exists() for action in mine)
    assert len(actions_for(owner)) >= 2
    assert any(action.overdue_on(today) for action in actions_for(owner))


def test_eight_objectives_framed_by_the_quality_policy_with_a_year_of_monthly_measurements(seeded, today):
    objectives = list(QualityObjective.objects.select_related("policy", "owner").prefetch_related("measurements"))
    statuses = objective_statuses(objectives, today=today)

    assert len(objectives) == 8
    assert {objective.policy.reference for objective in objectives} == {"QP-01"}
    assert "owner" in {objective.owner.username for objective in objectives}
    assert Counter(status.state for status in statuses.values()) == {
        ObjectiveState.ON_TRACK: 3,
        ObjectiveState.AT_RISK: 3,
        ObjectiveState.OFF_TRACK: 2,
    }
    for objective in objectives:
        days = [m.measured_on for m in objective.measurements.all()]
        assert len(days) == 12, objective
        assert len({(day.year, day.month) for day in days}) == 12
        assert max(days) < today and min(days) >= today - dt.timedelta(days=366)
        assert objective.due_on > today
        # A process owner records their own objective's figures.
        recorders = {m.recorded_by.username for m in objective.measurements.all()}
        assert recorders == {objective.owner.username}, objective


def test_seeding_again_writes_nothing(seeded):
    entries = AuditEntry.objects.count()
    counts = (Commitment.objects.count(), EvidenceEntry.objects.count(), ManagementReview.objects.count(),
              Action.objects.count(), QualityObjective.objects.count())

    again = seed()

    assert AuditEntry.objects.count() == entries
    assert (Commitment.objects.count(), EvidenceEntry.objects.count(), ManagementReview.objects.count(),
            Action.objects.count(), QualityObjective.objects.count()) == counts
    assert leadership_line(again) == leadership_line(seeded)


def test_the_audit_trail_verifies_and_tells_who_did_each_step(seeded):
    out = io.StringIO()

    call_command("verify_audit_trail", stdout=out)

    assert f"Audit trail intact: {AuditEntry.objects.count()} entries verified." in out.getvalue()
    signed = AuditEntry.objects.filter(record_type="leadership.managementreview", step="minutes signed")
    assert set(signed.values_list("actor_name", flat=True)) == {"Helen Marsh"}
    assert signed.count() == 3
    held = AuditEntry.objects.filter(record_type="leadership.managementreview", step="held")
    assert set(held.values_list("actor_name", flat=True)) == {"Priya Nair"}
    evidence_actors = set(
        AuditEntry.objects.filter(record_type="leadership.evidenceentry").values_list("actor_name", flat=True)
    )
    assert evidence_actors == {"Helen Marsh", "David Whitaker", "Sana Hussain", "Priya Nair"}
