"""New policy documents and drafts, and the comments that sending back and withdrawing require."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from policy import workflow
from policy.models import PolicyDocument, PolicyVersion, VersionStatus
from policy.workflow import ChecklistIncomplete
from qms_portal.audit import AuditAction, AuditEntry
from qms_portal.refusals import StepRefused
from tests.policy.factories import PASSAGES, POLICY_BODY, PolicyVersionFactory
from tests.policy.lifecycle import (
    ACTORS,
    ALL_STATES,
    EDITED_BODY,
    RETURN_COMMENT,
    actor,
    snapshot,
)

pytestmark = pytest.mark.django_db


# --- Creating documents and drafts ------------------------------------------------------------------------


@pytest.mark.parametrize("key", ACTORS)
def test_only_the_quality_manager_creates_a_policy_document(portal_users, key):
    by = actor(portal_users, key)
    entries = AuditEntry.objects.count()

    def create() -> PolicyVersion:
        return workflow.document_create(
            title="Environmental Policy", reference="ep-01", body=POLICY_BODY, change_summary="First issue.", by=by
        )

    if key != "quality_manager":
        with pytest.raises(PermissionDenied):
            create()
        assert not PolicyDocument.objects.exists() and not PolicyVersion.objects.exists()
        assert AuditEntry.objects.count() == entries
        return
    version = create()
    assert (version.number, version.status, version.author) == (1, VersionStatus.DRAFT, by)
    assert version.document.reference == "ep-01"
    created = AuditEntry.objects.filter(action=AuditAction.CREATE, actor=by).values_list("record_type", flat=True)
    assert set(created) == {"policy.policydocument", "policy.policyversion"}


NEW_DRAFT_ALLOWED_AFTER = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED, VersionStatus.WITHDRAWN)


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("key", ACTORS)
def test_a_new_draft_needs_the_quality_manager_and_no_open_version(portal_users, key, state):
    by = actor(portal_users, key)
    latest = PolicyVersionFactory(status=state, author=portal_users.quality_manager)
    before = snapshot(latest)

    if key != "quality_manager":
        with pytest.raises(PermissionDenied):
            workflow.version_create_draft(document=latest.document, by=by)
    elif state not in NEW_DRAFT_ALLOWED_AFTER:
        with pytest.raises(StepRefused, match="finish it first"):
            workflow.version_create_draft(document=latest.document, by=by)
    else:
        draft = workflow.version_create_draft(document=latest.document, by=by)
        assert (draft.number, draft.status, draft.author) == (2, VersionStatus.DRAFT, by)
        return
    assert snapshot(latest) == before


def test_a_new_draft_copies_the_version_in_force_with_its_passages_and_ticks_so_the_first_submit_passes(
    portal_users,
):
    qm = portal_users.quality_manager
    first = PolicyVersionFactory(status=VersionStatus.SUPERSEDED, body="# Old text", change_summary="First issue.")
    current = PolicyVersionFactory(
        document=first.document, number=2, status=VersionStatus.PUBLISHED, change_summary="Second issue."
    )
    PolicyVersionFactory(document=first.document, number=3, status=VersionStatus.WITHDRAWN, body="# Abandoned")

    draft = workflow.version_create_draft(document=first.document, by=qm)

    assert draft.number == 4
    assert draft.body == current.body
    assert draft.checklist == current.checklist
    assert all(entry["confirmed"] for entry in draft.checklist.values())
    assert draft.change_summary == ""
    assert draft.signature is None and draft.submitted_at is None and draft.published_at is None
    draft.change_summary = "Review date only: the text still suits us."
    draft.save()
    submitted = workflow.version_submit(version=draft, by=qm)
    assert submitted.status == VersionStatus.IN_REVIEW


def test_a_carried_over_passage_the_new_text_drops_is_still_refused_at_submit(portal_users):
    qm = portal_users.quality_manager
    current = PolicyVersionFactory(status=VersionStatus.PUBLISHED)
    draft = workflow.version_create_draft(document=current.document, by=qm)
    dropped = PASSAGES["5.2.1.d"]

    workflow.version_edit(
        version=draft, body=draft.body.replace(dropped, "We keep things as they are."),
        change_summary="Rewords the last commitment.", checklist=draft.checklist, by=qm,
    )

    with pytest.raises(ChecklistIncomplete) as refused:
        workflow.version_submit(version=draft, by=qm)
    assert refused.value.problems == {"5.2.1.d": "The passage quoted is not in the policy text: copy it exactly."}


def test_a_second_draft_is_refused_while_the_first_is_open(portal_users):
    qm = portal_users.quality_manager
    published = PolicyVersionFactory(status=VersionStatus.PUBLISHED)
    workflow.version_create_draft(document=published.document, by=qm)

    with pytest.raises(StepRefused, match="v2 is still draft"):
        workflow.version_create_draft(document=published.document, by=qm)
    assert published.document.versions.count() == 2


# --- Comments are required, and a refusal for a missing one changes nothing ----------------------------------


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_sending_back_without_a_comment_is_refused_and_changes_nothing(portal_users, comment):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)
    before = snapshot(version)

    with pytest.raises(ValidationError, match="comment is required"):
        workflow.version_return(version=version, comment=comment, by=portal_users.top_management)
    assert snapshot(version) == before


@pytest.mark.parametrize("reason", ["", "  "])
def test_withdrawing_without_a_reason_is_refused_and_changes_nothing(portal_users, reason):
    version = PolicyVersionFactory(status=VersionStatus.PUBLISHED)
    before = snapshot(version)

    with pytest.raises(ValidationError, match="Say why"):
        workflow.version_withdraw(version=version, reason=reason, by=portal_users.quality_manager)
    assert snapshot(version) == before


def test_a_version_sent_back_is_a_draft_again_that_can_be_edited_and_resubmitted(portal_users):
    version = PolicyVersionFactory(status=VersionStatus.IN_REVIEW)

    workflow.version_return(version=version, comment=RETURN_COMMENT, by=portal_users.top_management)
    version.refresh_from_db()
    assert version.submitted_at is None
    workflow.version_edit(
        version=version, body=EDITED_BODY, change_summary="Clarified 5.2.1.b.", checklist=version.checklist,
        by=portal_users.quality_manager,
    )
    workflow.version_submit(version=version, by=portal_users.quality_manager)

    version.refresh_from_db()
    assert (version.status, version.body) == (VersionStatus.IN_REVIEW, EDITED_BODY)
