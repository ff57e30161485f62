"""Publishing a policy version: superseding the one in force, its acknowledgement campaign, its next review, and
one published version at a time."""
import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from policy import workflow
from policy.models import AudienceKind, Campaign, VersionStatus
from qms_portal.audit import AuditAction, AuditEntry
from qms_portal.refusals import StepRefused
from tests.core.factories import PASSWORD, OrgUnitFactory
from tests.policy.factories import POLICY_BODY, PolicyVersionFactory, complete_checklist, shown_hash
from tests.policy.lifecycle import (
    WITHDRAW_REASON,
    due_date,
    entries_since,
    last_entry_id,
    snapshot,
)

pytestmark = pytest.mark.django_db


# --- Publishing ----------------------------------------------------------------------------------------------


def test_publishing_supersedes_the_published_version_with_the_dates_it_was_in_force(portal_users):
    previous = PolicyVersionFactory(status=VersionStatus.PUBLISHED)
    published_before = previous.published_at
    approved = PolicyVersionFactory(document=previous.document, number=2, status=VersionStatus.APPROVED)
    after = last_entry_id()

    workflow.version_publish(version=approved, due_on=due_date(), by=portal_users.quality_manager)

    previous.refresh_from_db()
    approved.refresh_from_db()
    assert previous.status == VersionStatus.SUPERSEDED
    assert previous.published_at == published_before
    assert previous.superseded_at == approved.published_at
    assert approved.status == VersionStatus.PUBLISHED
    superseded = [entry for entry in entries_since(previous, after) if entry.action == AuditAction.STEP]
    assert [(entry.step, entry.reason) for entry in superseded] == [("superseded", "by version 2")]
    assert list(previous.document.versions.filter(status=VersionStatus.PUBLISHED)) == [approved]


def test_publishing_opens_a_campaign_for_the_chosen_departments_with_the_due_date_and_question(portal_users):
    quality, production = OrgUnitFactory(), OrgUnitFactory()
    OrgUnitFactory()  # a department that is not asked
    approved = PolicyVersionFactory(status=VersionStatus.APPROVED)
    due_on = timezone.localdate() + dt.timedelta(days=21)

    workflow.version_publish(
        version=approved,
        due_on=due_on,
        audience=AudienceKind.DEPARTMENTS,
        org_units=[quality, production],
        question="Who sets the quality objectives?",
        choices=["Top management", "The auditor"],
        correct_choice=0,
        by=portal_users.quality_manager,
    )

    campaign = Campaign.objects.get(version=approved)
    assert (campaign.audience, campaign.due_on) == (AudienceKind.DEPARTMENTS, due_on)
    assert set(campaign.org_units.all()) == {quality, production}
    assert (campaign.question, campaign.choices, campaign.correct_choice) == (
        "Who sets the quality objectives?", ["Top management", "The auditor"], 0,
    )
    published = AuditEntry.objects.get(object_id=str(approved.pk), action=AuditAction.STEP, step="published")
    assert published.reason == f"Acknowledgement due {due_on:%d %b %Y}"


def test_publishing_to_all_staff_opens_a_campaign_without_departments_or_question(portal_users):
    approved = PolicyVersionFactory(status=VersionStatus.APPROVED)

    workflow.version_publish(version=approved, due_on=due_date(), by=portal_users.quality_manager)

    campaign = approved.campaign
    assert (campaign.audience, campaign.question, campaign.correct_choice) == (AudienceKind.ALL_STAFF, "", None)
    assert not campaign.org_units.exists()


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"audience": AudienceKind.DEPARTMENTS, "org_units": []}, id="departments-without-any"),
        pytest.param({"question": "Who signs the policy?"}, id="question-without-answers"),
        pytest.param({"question": "Who signs?", "choices": ["TM", "QM"]}, id="question-without-right-answer"),
        pytest.param(
            {"question": "Who signs?", "choices": ["TM", "QM"], "correct_choice": 2}, id="right-answer-out-of-range"
        ),
    ],
)
def test_publishing_with_an_incomplete_audience_or_question_is_refused_and_changes_nothing(portal_users, options):
    previous = PolicyVersionFactory(status=VersionStatus.PUBLISHED)
    approved = PolicyVersionFactory(document=previous.document, number=2, status=VersionStatus.APPROVED)
    before, previous_before = snapshot(approved), snapshot(previous)

    with pytest.raises(ValidationError):
        workflow.version_publish(version=approved, due_on=due_date(), by=portal_users.quality_manager, **options)

    assert snapshot(approved) == before and snapshot(previous) == previous_before


@pytest.mark.parametrize(
    ("published_on", "months", "next_review"),
    [
        (dt.date(2025, 3, 10), 12, dt.date(2026, 3, 10)),
        (dt.date(2025, 11, 15), 3, dt.date(2026, 2, 15)),
        (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),  # no 31 February: the month's last day
        (dt.date(2023, 8, 31), 6, dt.date(2024, 2, 29)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2025, 1, 20), 24, dt.date(2027, 1, 20)),
    ],
)
def test_publishing_sets_the_next_review_the_review_period_after_publication(
    portal_users, settings, published_on, months, next_review
):
    settings.POLICY_REVIEW_MONTHS = months
    approved = PolicyVersionFactory(status=VersionStatus.APPROVED)
    noon = dt.datetime.combine(published_on, dt.time(12), tzinfo=dt.UTC)

    with mock.patch("django.utils.timezone.now", return_value=noon):
        workflow.version_publish(version=approved, due_on=due_date(), by=portal_users.quality_manager)

    approved.refresh_from_db()
    assert approved.published_at == noon
    assert approved.next_review_on == next_review


def test_a_version_whose_text_no_longer_matches_its_signature_cannot_be_published(portal_users):
    approved = PolicyVersionFactory(status=VersionStatus.APPROVED)
    with connection.cursor() as cursor:  # past the model, as someone with database access could
        cursor.execute("UPDATE qms_portal_electronicsignature SET content_sha256 = %s WHERE id = %s",
                       ["0" * 64, approved.signature_id])
    before = snapshot(approved)

    with pytest.raises(StepRefused, match="signature no longer matches"):
        workflow.version_publish(version=approved, due_on=due_date(), by=portal_users.quality_manager)
    assert snapshot(approved) == before


def test_the_whole_lifecycle_keeps_one_published_version_at_a_time(portal_users):
    qm, tm = portal_users.quality_manager, portal_users.top_management
    version = workflow.document_create(
        title="Quality Policy", reference="qp-01", body=POLICY_BODY, change_summary="First issue.", by=qm
    )
    document = version.document
    for number in (1, 2, 3):
        if number > 1:
            version = workflow.version_create_draft(document=document, by=qm)
        workflow.version_edit(
            version=version, body=POLICY_BODY + f"\nRevision {number}.\n", change_summary=f"Revision {number}.",
            checklist=complete_checklist(), by=qm,
        )
        workflow.version_submit(version=version, by=qm)
        workflow.version_approve(
            version=version, password=PASSWORD, expected_sha256=shown_hash(version), by=tm
        )
        assert document.versions.filter(status=VersionStatus.PUBLISHED).count() == (0 if number == 1 else 1)
        workflow.version_publish(version=version, due_on=due_date(), by=qm)
        assert list(document.versions.filter(status=VersionStatus.PUBLISHED)) == [version]

    statuses = dict(document.versions.values_list("number", "status"))
    assert statuses == {1: VersionStatus.SUPERSEDED, 2: VersionStatus.SUPERSEDED, 3: VersionStatus.PUBLISHED}
    assert Campaign.objects.filter(version__document=document).count() == 3
    steps = AuditEntry.objects.filter(record_type="policy.policyversion", action=AuditAction.STEP)
    assert steps.filter(step="published").count() == 3 and steps.filter(step="superseded").count() == 2


def test_withdrawing_the_published_version_leaves_none_in_force(portal_users):
    published = PolicyVersionFactory(status=VersionStatus.PUBLISHED)

    workflow.version_withdraw_signed(
        version=published, reason=WITHDRAW_REASON, password=PASSWORD, expected_sha256=shown_hash(published),
        by=portal_users.top_management,
    )

    assert not published.document.versions.filter(status=VersionStatus.PUBLISHED).exists()
