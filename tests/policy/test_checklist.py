"""The 5.2.1 checklist gate: a draft goes to review only once each item is confirmed with a passage quoted from
its text."""

import pytest

from policy import workflow
from policy.models import CHECKLIST_ITEMS, PolicyVersion, VersionStatus
from policy.workflow import ChecklistIncomplete
from qms_portal.audit import AuditAction
from tests.policy.factories import PASSAGES, POLICY_BODY, PolicyVersionFactory, complete_checklist
from tests.policy.lifecycle import (
    entries_since,
    last_entry_id,
    snapshot,
)

pytestmark = pytest.mark.django_db


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
