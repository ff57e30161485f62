"""The policy version lifecycle (policy/workflow.py): who may take each step in which state, what a step
changes and records, publishing and its campaign, new drafts, and the 5.2.1 checklist gate."""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from policy import workflow
from policy.models import CHECKLIST_ITEMS, AudienceKind, Campaign, PolicyDocument, PolicyVersion, VersionStatus
from policy.workflow import ChecklistIncomplete
from qms_portal.audit import AuditAction, AuditEntry
from qms_portal.models import ElectronicSignature, SigningLock
from qms_portal.refusals import StepRefused
from tests.core.factories import PASSWORD, OrgUnitFactory
from tests.policy.factories import PASSAGES, POLICY_BODY, PolicyVersionFactory, complete_checklist, shown_hash

pytestmark = pytest.mark.django_db

ALL_STATES = list(VersionStatus)
# Everyone who might try a step: the five portal roles, someone not signed in, and a deactivated
# quality manager (who keeps the role but must lose what it allows).
ACTORS = ["top_management", "quality_manager", "process_owner", "employee", "auditor", "anonymous", "deactivated"]
EDITED_BODY = POLICY_BODY + "\nWe listen to our interested parties and act on what they tell us.\n"
RETURN_COMMENT = "Objective-setting (5.2.1.b) is too vague: name who sets them and when."
WITHDRAW_REASON = "Replaced by the integrated management system policy."


def actor(portal_users, key: str) -> Any:
    return AnonymousUser() if key == "anonymous" else portal_users.by_key(key)


def due_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)


@dataclass(frozen=True)
class Step:
    """One step of the workflow: how to take it, in which states, by whom, and what it leaves behind."""

    name: str
    take: Callable[[PolicyVersion, Any], PolicyVersion]
    accepts: tuple[str, ...]
    role: str
    becomes: str
    date_field: str | None
    audit_step: str | None  # None: recorded as a change of the record, not as a step
    reason: str = ""

    def __str__(self) -> str:
        return self.name


STEPS = [
    Step(
        "version_edit",
        lambda version, by: workflow.version_edit(
            version=version,
            body=EDITED_BODY,
            change_summary="Adds interested parties.",
            checklist=complete_checklist(),
            by=by,
        ),
        accepts=(VersionStatus.DRAFT,),
        role="quality_manager",
        becomes=VersionStatus.DRAFT,
        date_field=None,
        audit_step=None,
    ),
    Step(
        "version_submit",
        lambda version, by: workflow.version_submit(version=version, by=by),
        accepts=(VersionStatus.DRAFT,),
        role="quality_manager",
        becomes=VersionStatus.IN_REVIEW,
        date_field="submitted_at",
        audit_step="submitted for review",
    ),
    Step(
        "version_return",
        lambda version, by: workflow.version_return(version=version, comment=RETURN_COMMENT, by=by),
        accepts=(VersionStatus.IN_REVIEW,),
        role="top_management",
        becomes=VersionStatus.DRAFT,
        date_field=None,
        audit_step="sent back to draft",
        reason=RETURN_COMMENT,
    ),
    Step(
        "version_approve",
        lambda version, by: workflow.version_approve(
            version=version, password=PASSWORD, expected_sha256=shown_hash(version), by=by
        ),
        accepts=(VersionStatus.IN_REVIEW,),
        role="top_management",
        becomes=VersionStatus.APPROVED,
        date_field="approved_at",
        audit_step="approved",
        reason="Signed by Tessa Mann, meaning Approved",
    ),
    Step(
        "version_publish",
        lambda version, by: workflow.version_publish(version=version, due_on=due_date(), by=by),
        accepts=(VersionStatus.APPROVED,),
        role="quality_manager",
        becomes=VersionStatus.PUBLISHED,
        date_field="published_at",
        audit_step="published",
    ),
    Step(
        "version_withdraw",
        lambda version, by: workflow.version_withdraw(version=version, reason=WITHDRAW_REASON, by=by),
        accepts=(VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED, VersionStatus.PUBLISHED),
        role="quality_manager",
        becomes=VersionStatus.WITHDRAWN,
        date_field="withdrawn_at",
        audit_step="withdrawn",
        reason=WITHDRAW_REASON,
    ),
]


def snapshot(version: PolicyVersion) -> dict:
    """Everything a refused step must leave as it was: every column of the version and the row counts."""
    fresh = PolicyVersion.objects.get(pk=version.pk)
    return {
        "version": {field.attname: getattr(fresh, field.attname) for field in PolicyVersion._meta.concrete_fields},
        "audit entries": AuditEntry.objects.count(),
        "versions": PolicyVersion.objects.count(),
        "signatures": ElectronicSignature.objects.count(),
        "signing locks": SigningLock.objects.count(),
        "campaigns": Campaign.objects.count(),
    }


def entries_since(version: PolicyVersion, after: int) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(record_type="policy.policyversion", object_id=str(version.pk), pk__gt=after)
    return list(entries.order_by("id"))


def last_entry_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- Every step, every state, every role ---------------------------------------------------------------

WRONG_ROLE = [
    pytest.param(step, state, key, id=f"{step}-{state}-{key}")
    for step in STEPS
    for state in ALL_STATES
    for key in ACTORS
    if key != step.role
]
WRONG_STATE = [
    pytest.param(step, state, id=f"{step}-{state}")
    for step in STEPS
    for state in ALL_STATES
    if state not in step.accepts
]
ALLOWED = [pytest.param(step, state, id=f"{step}-{state}") for step in STEPS for state in step.accepts]


@pytest.mark.parametrize(("step", "state", "key"), WRONG_ROLE)
def test_a_step_by_a_role_without_its_capability_is_refused_and_changes_nothing(portal_users, step, state, key):
    version = PolicyVersionFactory(status=state, author=portal_users.quality_manager)
    before = snapshot(version)

    with pytest.raises(PermissionDenied, match="Your portal role does not allow you"):
        step.take(version, actor(portal_users, key))

    assert snapshot(version) == before


@pytest.mark.parametrize(("step", "state"), WRONG_STATE)
def test_a_step_in_a_state_that_does_not_allow_it_is_refused_and_changes_nothing(portal_users, step, state):
    version = PolicyVersionFactory(status=state, author=portal_users.quality_manager)
    before = snapshot(version)

    with pytest.raises(StepRefused, match="cannot be .* now"):
        step.take(version, actor(portal_users, step.role))

    assert snapshot(version) == before


@pytest.mark.parametrize(("step", "state"), ALLOWED)
def test_a_step_by_its_role_in_its_state_is_taken_and_recorded_with_its_comment(portal_users, step, state):
    by = actor(portal_users, step.role)
    version = PolicyVersionFactory(status=state, author=portal_users.quality_manager)
    after = last_entry_id()

    step.take(version, by)

    version.refresh_from_db()
    assert version.status == step.becomes
    if step.date_field:
        assert getattr(version, step.date_field) is not None
    entries = entries_since(version, after)
    assert entries and all(entry.actor_id == by.pk for entry in entries)
    if step.audit_step is None:
        assert [entry.action for entry in entries] == [AuditAction.UPDATE]
        assert "body" in entries[0].changes
    else:
        steps = [(entry.step, entry.reason) for entry in entries if entry.action == AuditAction.STEP]
        assert steps[-1][0] == step.audit_step
        if step.reason:
            assert steps[-1][1] == step.reason


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


def test_a_new_draft_copies_the_version_in_force_with_its_passages_but_not_its_confirmations(portal_users):
    qm = portal_users.quality_manager
    first = PolicyVersionFactory(status=VersionStatus.SUPERSEDED, body="# Old text", change_summary="First issue.")
    current = PolicyVersionFactory(
        document=first.document, number=2, status=VersionStatus.PUBLISHED, change_summary="Second issue."
    )
    PolicyVersionFactory(document=first.document, number=3, status=VersionStatus.WITHDRAWN, body="# Abandoned")

    draft = workflow.version_create_draft(document=first.document, by=qm)

    assert draft.number == 4
    assert draft.body == current.body
    assert draft.checklist == {
        item_id: {"confirmed": False, "passage": entry["passage"]} for item_id, entry in current.checklist.items()
    }
    assert draft.change_summary == ""
    assert draft.signature is None and draft.submitted_at is None and draft.published_at is None
    draft.change_summary = "Revised."
    draft.save()
    with pytest.raises(ChecklistIncomplete) as refused:
        workflow.version_submit(version=draft, by=qm)
    assert set(refused.value.problems) == set(CHECKLIST_ITEMS)


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

    workflow.version_withdraw(version=published, reason=WITHDRAW_REASON, by=portal_users.quality_manager)

    assert not published.document.versions.filter(status=VersionStatus.PUBLISHED).exists()


# --- The 5.2.1 checklist gate -----------------------------------------------------------------------------------

ITEM_IDS = list(CHECKLIST_ITEMS)


def draft_with(**items: dict) -> PolicyVersion:
    """A draft whose checklist is complete except for ``items`` (keyed by letter: ``a={...}``)."""
    checklist = complete_checklist()
    for letter, entry in items.items():
        checklist[f"5.2.1.{letter}"] = entry
    return PolicyVersionFactory(status=VersionStatus.DRAFT, checklist=checklist)


DEFECTS = {
    "unconfirmed": lambda item_id: {"confirmed": False, "passage": PASSAGES[item_id]},
    "missing": lambda item_id: None,
    "no-passage": lambda item_id: {"confirmed": True, "passage": ""},
    "blank-passage": lambda item_id: {"confirmed": True, "passage": "  \n\t "},
    "passage-not-in-text": lambda item_id: {"confirmed": True, "passage": "We aim to delight every customer."},
}


@pytest.mark.parametrize("defect", DEFECTS)
@pytest.mark.parametrize("item_id", ITEM_IDS)
def test_submission_is_refused_naming_the_checklist_item_that_is_not_met(portal_users, item_id, defect):
    checklist = complete_checklist()
    entry = DEFECTS[defect](item_id)
    if entry is None:
        del checklist[item_id]
    else:
        checklist[item_id] = entry
    version = PolicyVersionFactory(status=VersionStatus.DRAFT, checklist=checklist)
    before = snapshot(version)

    with pytest.raises(ChecklistIncomplete) as refused:
        workflow.version_submit(version=version, by=portal_users.quality_manager)

    assert list(refused.value.problems) == [item_id]
    assert refused.value.problems[item_id]
    assert snapshot(version) == before


def test_each_kind_of_checklist_gap_has_its_own_message(portal_users):
    version = draft_with(
        a={"confirmed": False, "passage": PASSAGES["5.2.1.a"]},
        b={"confirmed": True, "passage": ""},
        c={"confirmed": True, "passage": "Not a sentence of this policy."},
    )

    with pytest.raises(ChecklistIncomplete) as refused:
        workflow.version_submit(version=version, by=portal_users.quality_manager)

    assert refused.value.problems == {
        "5.2.1.a": "Confirm that the policy meets this.",
        "5.2.1.b": "Quote the passage of the policy that meets this.",
        "5.2.1.c": "The passage quoted is not in the policy text: copy it exactly.",
    }


def test_an_empty_checklist_blocks_submission_on_all_four_items(portal_users):
    version = PolicyVersionFactory(status=VersionStatus.DRAFT, checklist={})

    with pytest.raises(ChecklistIncomplete) as refused:
        workflow.version_submit(version=version, by=portal_users.quality_manager)

    assert sorted(refused.value.problems) == ITEM_IDS


def test_submission_without_a_change_summary_names_it_and_every_checklist_gap(portal_users):
    version = PolicyVersionFactory(status=VersionStatus.DRAFT, change_summary="  ", checklist={})

    with pytest.raises(ChecklistIncomplete) as refused:
        workflow.version_submit(version=version, by=portal_users.quality_manager)

    assert sorted(refused.value.problems) == sorted(["change_summary", *ITEM_IDS])
    assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


def test_a_passage_matches_whatever_its_case_and_line_breaks(portal_users):
    body = "# Quality policy\n\nWe  meet customer,\nstatutory and   regulatory\trequirements.\n\n" + POLICY_BODY
    checklist = complete_checklist()
    passage = "  WE MEET customer, statutory\n and regulatory REQUIREMENTS. "
    checklist["5.2.1.c"] = {"confirmed": True, "passage": passage}
    version = PolicyVersionFactory(status=VersionStatus.DRAFT, body=body, checklist=checklist)

    workflow.version_submit(version=version, by=portal_users.quality_manager)

    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW


def test_a_passage_removed_from_the_text_after_it_was_quoted_blocks_submission(portal_users):
    version = PolicyVersionFactory(status=VersionStatus.DRAFT)
    shorter = POLICY_BODY.replace(PASSAGES["5.2.1.d"], "We keep things as they are.")
    workflow.version_edit(
        version=version, body=shorter, change_summary="Edited.", checklist=version.checklist,
        by=portal_users.quality_manager,
    )

    with pytest.raises(ChecklistIncomplete) as refused:
        workflow.version_submit(version=version, by=portal_users.quality_manager)
    assert list(refused.value.problems) == ["5.2.1.d"]


@pytest.mark.parametrize("passage", ["we", "We meet customer", "meet customer, statutory and regulatory require"])
def test_a_passage_of_a_word_or_two_or_cut_mid_word_does_not_count(portal_users, passage):
    version = PolicyVersionFactory(status=VersionStatus.DRAFT)
    checklist = {**version.checklist, "5.2.1.c": {"confirmed": True, "passage": passage}}
    workflow.version_edit(
        version=version, body=version.body, change_summary="Edited.", checklist=checklist,
        by=portal_users.quality_manager,
    )

    with pytest.raises(ChecklistIncomplete) as refused:
        workflow.version_submit(version=version, by=portal_users.quality_manager)
    assert list(refused.value.problems) == ["5.2.1.c"]


def test_a_complete_checklist_lets_the_draft_go_to_review(portal_users):
    version = PolicyVersionFactory(status=VersionStatus.DRAFT)
    after = last_entry_id()

    workflow.version_submit(version=version, by=portal_users.quality_manager)

    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW and version.submitted_at is not None
    assert [entry.step for entry in entries_since(version, after) if entry.action == AuditAction.STEP] == [
        "submitted for review"
    ]


@pytest.mark.parametrize(("status", "who", "expected"), [
    (VersionStatus.DRAFT, "quality_manager", {"edited", "submitted", "withdrawn"}),
    (VersionStatus.IN_REVIEW, "quality_manager", {"withdrawn"}),
    (VersionStatus.IN_REVIEW, "top_management", {"sent back", "approved"}),
    (VersionStatus.APPROVED, "quality_manager", {"published", "withdrawn"}),
    (VersionStatus.PUBLISHED, "quality_manager", {"withdrawn"}),
    (VersionStatus.SUPERSEDED, "quality_manager", set()),
    (VersionStatus.IN_REVIEW, "auditor", set()),
    (VersionStatus.DRAFT, "employee", set()),
])
def test_the_steps_offered_are_those_the_state_and_role_allow(portal_users, status, who, expected):
    version = PolicyVersionFactory(status=status)

    assert workflow.steps_allowed(version, portal_users.by_key(who)) == expected
