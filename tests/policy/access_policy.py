"""The permission-matrix rows of the quality policy's pages (5.2), with what each needs (see tests/permissions.py)."""
from __future__ import annotations

from policy.models import PolicyVersion, ReviewOutcome, VersionStatus
from tests.permissions import (
    AUDITOR,
    EMPLOYEE,
    PROCESS_OWNER,
    QUALITY_MANAGER,
    TOP_MANAGEMENT,
    Redirect,
    Row,
    any_signed_in,
    only,
    public,
)
from tests.policy.factories import (
    AcknowledgementFactory,
    CampaignFactory,
    PolicyReviewFactory,
    PolicyVersionFactory,
)

# policy.view_policy_history and policy.view_acknowledgements: every version, and who acknowledged it.
READERS_OF_POLICY_HISTORY = (TOP_MANAGEMENT, QUALITY_MANAGER, AUDITOR)
# Drafts and versions in review are work in progress: seen by those who write and approve them, not auditors.
READERS_OF_DRAFTS = (TOP_MANAGEMENT, QUALITY_MANAGER)
# Staff are asked to acknowledge a policy; auditors are external and never are.
STAFF = (TOP_MANAGEMENT, QUALITY_MANAGER, PROCESS_OWNER, EMPLOYEE)


def _version(version: PolicyVersion) -> dict:
    return {"reference": version.document.reference, "number": version.number}


def a_draft() -> dict:
    """Version 1 of a new policy, in draft, its 5.2.1 checklist complete: ready to submit."""
    return _version(PolicyVersionFactory(status=VersionStatus.DRAFT))


def a_version_in_review() -> dict:
    return _version(PolicyVersionFactory(status=VersionStatus.IN_REVIEW))


def an_approved_version() -> dict:
    """Signed by a top manager, not yet published."""
    return _version(PolicyVersionFactory(status=VersionStatus.APPROVED))


def _in_force(**document) -> PolicyVersion:
    """Version 1, published and signed, with a campaign for all staff that one employee has acknowledged."""
    version = CampaignFactory(**{f"version__document__{key}": value for key, value in document.items()}).version
    AcknowledgementFactory(version=version)
    return version


def the_version_in_force() -> dict:
    return _version(_in_force())


def a_superseded_version() -> dict:
    """Version 1, superseded by version 2; both had their campaign."""
    superseded = CampaignFactory(version__status=VersionStatus.SUPERSEDED).version
    CampaignFactory(version__document=superseded.document, version__number=2)
    return _version(superseded)


def a_review_awaiting_signature() -> dict:
    """A periodic review of the version in force that found it still suitable, not yet signed."""
    review = PolicyReviewFactory(version=_in_force())
    return {**_version(review.version), "pk": review.pk}


def a_review_that_asked_for_a_new_version() -> dict:
    review = PolicyReviewFactory(version=_in_force(), outcome=ReviewOutcome.NEW_VERSION_NEEDED, next_review_on=None)
    return {**_version(review.version), "pk": review.pk}


def a_policy_in_force() -> dict:
    return {"reference": the_version_in_force()["reference"]}


def a_policy_in_force_with_a_new_draft() -> dict:
    document = _in_force().document
    PolicyVersionFactory(document=document, number=2, change_summary="Objectives made measurable.")
    return {"reference": document.reference}


def a_policy_only_in_draft() -> dict:
    return {"reference": a_draft()["reference"]}


def a_policy_revised_once() -> dict:
    return {"reference": a_superseded_version()["reference"]}


def policies_in_force_and_in_draft() -> dict:
    a_policy_in_force_with_a_new_draft()
    a_policy_only_in_draft()
    return {}


def a_public_policy_in_force() -> dict:
    """A policy the quality manager opted in to show publicly, with a version in force."""
    return {"reference": _in_force(is_public=True).document.reference}


def a_public_policy_only_in_draft() -> dict:
    return {"reference": PolicyVersionFactory(document__is_public=True).document.reference}


ROWS: dict[str, Row] = {
    # Quality policy (5.2): documents
    "policy:policy_list": Row(get=any_signed_in(200), post=any_signed_in(405), prepare=policies_in_force_and_in_draft),
    "policy:policy_create": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
    "policy:policy_detail": Row(
        get=any_signed_in(200), post=any_signed_in(405), prepare=a_policy_in_force_with_a_new_draft
    ),
    "policy:policy_settings": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_policy_in_force),
    # Quality policy: a version's lifecycle, each step on a version in the state that allows it
    "policy:version_create": Row(
        get=only(QUALITY_MANAGER),  # the confirmation
        post=only(QUALITY_MANAGER, answer=Redirect("policy:version_edit")),
        prepare=a_policy_in_force,
    ),
    "policy:version_detail": Row(get=any_signed_in(200), post=any_signed_in(405), prepare=the_version_in_force),
    "policy:version_edit": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_draft),
    "policy:version_submit": Row(
        get=only(QUALITY_MANAGER, answer=405),
        post=only(QUALITY_MANAGER, answer=Redirect("policy:version_detail")),
        prepare=a_draft,
    ),
    "policy:version_return": Row(get=only(TOP_MANAGEMENT), post=only(TOP_MANAGEMENT), prepare=a_version_in_review),
    "policy:version_approve": Row(get=only(TOP_MANAGEMENT), post=only(TOP_MANAGEMENT), prepare=a_version_in_review),
    "policy:version_publish": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=an_approved_version),
    "policy:version_withdraw": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_draft),
    # A version top management signed is withdrawn by their signature only.
    "policy:version_withdraw_sign": Row(
        get=only(TOP_MANAGEMENT), post=only(TOP_MANAGEMENT), prepare=the_version_in_force
    ),
    "policy:version_preview": Row(
        get=only(QUALITY_MANAGER, answer=405), post=only(QUALITY_MANAGER), prepare=a_draft
    ),
    # Quality policy: periodic review of the version in force
    "policy:review_create": Row(get=only(TOP_MANAGEMENT), post=only(TOP_MANAGEMENT), prepare=the_version_in_force),
    "policy:review_sign": Row(
        get=only(TOP_MANAGEMENT), post=only(TOP_MANAGEMENT), prepare=a_review_awaiting_signature
    ),
    "policy:version_diff": Row(
        get=only(*READERS_OF_POLICY_HISTORY),
        post=only(*READERS_OF_POLICY_HISTORY, answer=405),
        prepare=a_policy_revised_once,
    ),
    # Quality policy: acknowledgements (5.2.2.b)
    "policy:version_acknowledge": Row(get=only(*STAFF), post=only(*STAFF), prepare=the_version_in_force),
    "policy:campaign_report": Row(
        get=only(*READERS_OF_POLICY_HISTORY),
        post=only(*READERS_OF_POLICY_HISTORY, answer=405),
        prepare=the_version_in_force,
    ),
    "policy:campaign_report_csv": Row(
        get=only(*READERS_OF_POLICY_HISTORY),
        post=only(*READERS_OF_POLICY_HISTORY, answer=405),
        prepare=the_version_in_force,
    ),
    # Quality policy: for interested parties (5.2.2.c)
    "policy:public_policy": Row(get=public(200), post=public(405), prepare=a_public_policy_in_force),
    "policy:public_policy_pdf": Row(get=public(200), post=public(405), prepare=a_public_policy_in_force),
}

# States other than the one of each row above (see OTHER_STATES in the matrix).
OTHER_STATES: dict[tuple[str, str], Row] = {
    ("policy:policy_detail", "only_in_draft"): Row(
        get=only(*READERS_OF_DRAFTS, others=404), post=any_signed_in(405), prepare=a_policy_only_in_draft
    ),
    ("policy:version_create", "new_draft_open"): Row(
        get=only(QUALITY_MANAGER, answer=409),
        post=only(QUALITY_MANAGER, answer=409),
        prepare=a_policy_in_force_with_a_new_draft,
    ),
    ("policy:version_detail", "draft"): Row(
        get=only(*READERS_OF_DRAFTS, others=404), post=any_signed_in(405), prepare=a_draft
    ),
    ("policy:version_detail", "superseded"): Row(
        get=only(*READERS_OF_POLICY_HISTORY, others=404), post=any_signed_in(405), prepare=a_superseded_version
    ),
    ("policy:version_edit", "in_review"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=a_version_in_review
    ),
    ("policy:version_submit", "in_review"): Row(
        get=only(QUALITY_MANAGER, answer=405), post=only(QUALITY_MANAGER, answer=409), prepare=a_version_in_review
    ),
    ("policy:version_approve", "draft"): Row(
        get=only(TOP_MANAGEMENT, answer=409), post=only(TOP_MANAGEMENT, answer=409), prepare=a_draft
    ),
    ("policy:version_publish", "in_force"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=the_version_in_force
    ),
    # The quality manager cannot withdraw a version top management signed: it is theirs to withdraw.
    ("policy:version_withdraw", "in_force"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=the_version_in_force
    ),
    ("policy:version_withdraw", "approved"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=an_approved_version
    ),
    ("policy:version_withdraw_sign", "draft"): Row(
        get=only(TOP_MANAGEMENT, answer=409), post=only(TOP_MANAGEMENT, answer=409), prepare=a_draft
    ),
    ("policy:review_create", "draft"): Row(
        get=only(TOP_MANAGEMENT, answer=409), post=only(TOP_MANAGEMENT, answer=409), prepare=a_draft
    ),
    ("policy:review_sign", "new_version_needed"): Row(
        get=only(TOP_MANAGEMENT, answer=409),
        post=only(TOP_MANAGEMENT, answer=409),
        prepare=a_review_that_asked_for_a_new_version,
    ),
    ("policy:version_withdraw", "superseded"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=a_superseded_version
    ),
    # A version never published is not revealed to people who may not read drafts; to the others it says why
    # it cannot be acknowledged.
    ("policy:version_acknowledge", "draft"): Row(
        get=only(*READERS_OF_DRAFTS, answer=409, others=404),
        post=only(*READERS_OF_DRAFTS, answer=409, others=404),
        prepare=a_draft,
    ),
    ("policy:version_acknowledge", "superseded"): Row(
        get=any_signed_in(409), post=any_signed_in(409), prepare=a_superseded_version
    ),
    ("policy:public_policy", "not_public"): Row(get=public(404), post=public(405), prepare=a_policy_in_force),
    ("policy:public_policy", "only_in_draft"): Row(
        get=public(404), post=public(405), prepare=a_public_policy_only_in_draft
    ),
    ("policy:public_policy_pdf", "not_public"): Row(get=public(404), post=public(405), prepare=a_policy_in_force),
    ("policy:public_policy_pdf", "only_in_draft"): Row(
        get=public(404), post=public(405), prepare=a_public_policy_only_in_draft
    ),
}
