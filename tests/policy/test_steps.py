"""The policy version lifecycle (policy/workflow.py), step by step: who may take each step in which state, what
a step changes and records, and which steps a version's page offers."""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from policy import workflow
from policy.models import PolicyVersion, VersionStatus
from qms_portal.audit import AuditAction
from qms_portal.refusals import StepRefused
from tests.core.factories import PASSWORD
from tests.policy.factories import PolicyVersionFactory, complete_checklist, shown_hash
from tests.policy.lifecycle import (
    ACTORS,
    ALL_STATES,
    EDITED_BODY,
    RETURN_COMMENT,
    WITHDRAW_REASON,
    actor,
    due_date,
    entries_since,
    last_entry_id,
    snapshot,
)

pytestmark = pytest.mark.django_db


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
        "policy:version_edit",
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
        "policy:version_submit",
        lambda version, by: workflow.version_submit(version=version, by=by),
        accepts=(VersionStatus.DRAFT,),
        role="quality_manager",
        becomes=VersionStatus.IN_REVIEW,
        date_field="submitted_at",
        audit_step="submitted for review",
    ),
    Step(
        "policy:version_return",
        lambda version, by: workflow.version_return(version=version, comment=RETURN_COMMENT, by=by),
        accepts=(VersionStatus.IN_REVIEW,),
        role="top_management",
        becomes=VersionStatus.DRAFT,
        date_field=None,
        audit_step="sent back to draft",
        reason=RETURN_COMMENT,
    ),
    Step(
        "policy:version_approve",
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
        "policy:version_publish",
        lambda version, by: workflow.version_publish(version=version, due_on=due_date(), by=by),
        accepts=(VersionStatus.APPROVED,),
        role="quality_manager",
        becomes=VersionStatus.PUBLISHED,
        date_field="published_at",
        audit_step="published",
    ),
    Step(
        "policy:version_withdraw",
        lambda version, by: workflow.version_withdraw(version=version, reason=WITHDRAW_REASON, by=by),
        accepts=(VersionStatus.DRAFT, VersionStatus.IN_REVIEW),
        role="quality_manager",
        becomes=VersionStatus.WITHDRAWN,
        date_field="withdrawn_at",
        audit_step="withdrawn",
        reason=WITHDRAW_REASON,
    ),
    # A version top management signed is withdrawn by their signature.
    Step(
        "policy:version_withdraw_sign",
        lambda version, by: workflow.version_withdraw_signed(
            version=version, reason=WITHDRAW_REASON, password=PASSWORD, expected_sha256=shown_hash(version), by=by
        ),
        accepts=(VersionStatus.APPROVED, VersionStatus.PUBLISHED),
        role="top_management",
        becomes=VersionStatus.WITHDRAWN,
        date_field="withdrawn_at",
        audit_step="withdrawn",
        reason=WITHDRAW_REASON,
    ),
]



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



@pytest.mark.parametrize(("status", "who", "expected"), [
    (VersionStatus.DRAFT, "quality_manager", {"edited", "submitted", "withdrawn"}),
    (VersionStatus.IN_REVIEW, "quality_manager", {"withdrawn"}),
    (VersionStatus.IN_REVIEW, "top_management", {"sent back", "approved"}),
    (VersionStatus.APPROVED, "quality_manager", {"published"}),
    (VersionStatus.APPROVED, "top_management", {"withdrawn by signature"}),
    (VersionStatus.PUBLISHED, "quality_manager", set()),
    (VersionStatus.PUBLISHED, "top_management", {"withdrawn by signature", "reviewed"}),
    (VersionStatus.SUPERSEDED, "quality_manager", set()),
    (VersionStatus.IN_REVIEW, "auditor", set()),
    (VersionStatus.DRAFT, "employee", set()),
])
def test_the_steps_offered_are_those_the_state_and_role_allow(portal_users, status, who, expected):
    version = PolicyVersionFactory(status=status)

    assert workflow.steps_allowed(version, portal_users.by_key(who)) == expected
