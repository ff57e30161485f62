"""The policy version lifecycle, one place for views, admin, commands and tasks alike.

    draft -> in review -> approved (signed) -> published -> superseded
    in review -> draft (sent back with a comment); a draft or a version in review -> withdrawn (quality
    manager, with a reason); an approved or published version -> withdrawn by top management's signature

Each step checks who is acting (``PermissionDenied``, answered 403), the version's state
(``StepRefused``, answered 409 by the access middleware) and its input (``ValidationError``), changes
nothing when refused, and is recorded in the audit trail with its comment.
"""
import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from policy.access import PolicyCapability
from policy.models import (
    CHECKLIST_ITEMS,
    AudienceKind,
    Campaign,
    PolicyDocument,
    PolicyKind,
    PolicyVersion,
    VersionStatus,
)
from qms_portal.access import require_capability
from qms_portal.accounts import people_who_can
from qms_portal.audit import AuditAction, AuditEntry, audit_context, audit_step
from qms_portal.models import OrgUnit, User
from qms_portal.refusals import StepRefused
from qms_portal.signatures import record_sign
from qms_portal.workflow import StateMachine, Step

MANAGE = PolicyCapability.MANAGE
APPROVE = PolicyCapability.APPROVE
OPEN_STATES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED)
# Versions top management signed: withdrawing one takes their signature too.
SIGNED_STATES = (VersionStatus.APPROVED, VersionStatus.PUBLISHED)
MIN_PASSAGE_WORDS = 4


class ChecklistIncomplete(Exception):
    """Submission refused: ``problems`` maps each 5.2.1 item id to what is missing."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("The 5.2.1 checklist is not complete.")
        self.problems = problems


def version_url(version: PolicyVersion) -> str:
    """The version's page."""
    return reverse("policy:version_detail", kwargs={"reference": version.document.reference, "number": version.number})


# Each step is named by the word that completes "it cannot be ... now".
VERSION_STEPS: StateMachine[PolicyVersion] = StateMachine(
    Step("edited", "edited", (VersionStatus.DRAFT,), MANAGE),
    Step("submitted", "submitted", (VersionStatus.DRAFT,), MANAGE),
    Step("sent back", "sent back", (VersionStatus.IN_REVIEW,), APPROVE),
    Step("approved", "approved", (VersionStatus.IN_REVIEW,), APPROVE),
    Step("published", "published", (VersionStatus.APPROVED,), MANAGE),
    Step("withdrawn", "withdrawn", (VersionStatus.DRAFT, VersionStatus.IN_REVIEW), MANAGE),
    Step("withdrawn by signature", "withdrawn by signature", SIGNED_STATES, APPROVE),
    Step("reviewed", "reviewed", (VersionStatus.PUBLISHED,), APPROVE),
    record="the version",
    message=lambda version, step: (
        f"{version} is {version.get_status_display().lower()}: it cannot be {step} now."
    ),
    back=lambda version: (version_url(version), f"Back to version {version.number}"),
)


def steps_allowed(version: PolicyVersion, user: User | AnonymousUser) -> set[str]:
    """The steps ``user`` may take on ``version`` now: those its state allows and their role holds."""
    return VERSION_STEPS.allowed(version, user)


def step_check(version: PolicyVersion, step: str) -> None:
    """Raise ``StepRefused`` unless ``step`` (a step of ``VERSION_STEPS``) may be taken in the version's state.

    Views call it before showing a step's form, so the form is never offered when the step would fail.
    """
    VERSION_STEPS.check(version, step)


def _locked(version: PolicyVersion) -> PolicyVersion:
    """The version re-read under a row lock, so two people cannot move it at once."""
    return PolicyVersion.objects.select_for_update().select_related("document").get(pk=version.pk)


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def checklist_problems(*, body: str, checklist: dict) -> dict[str, str]:
    """For each 5.2.1 item not met: why. Each needs a confirmation and a passage quoted from the text."""
    problems = {}
    text = _normalised(body)
    for item_id in CHECKLIST_ITEMS:
        entry = checklist.get(item_id) or {}
        passage = _normalised(entry.get("passage", ""))
        if not entry.get("confirmed"):
            problems[item_id] = "Confirm that the policy meets this."
        elif not passage:
            problems[item_id] = "Quote the passage of the policy that meets this."
        elif len(passage.split()) < MIN_PASSAGE_WORDS:
            problems[item_id] = f"Quote the whole passage, at least {MIN_PASSAGE_WORDS} words, not a word or two."
        elif not re.search(rf"(?<!\w){re.escape(passage)}(?!\w)", text):
            problems[item_id] = "The passage quoted is not in the policy text: copy it exactly."
    return problems


def submission_problems(version: PolicyVersion) -> dict[str, str]:
    """Everything that stops a draft going to review, at once: the 5.2.1 gaps and a missing change summary."""
    problems = checklist_problems(body=version.body, checklist=version.checklist)
    if not version.change_summary.strip():
        problems["change_summary"] = "Say what changed since the previous version."
    return problems


@transaction.atomic
def document_create(
    *, title: str, reference: str, kind: str = PolicyKind.QUALITY, body: str, change_summary: str, by: User
) -> PolicyVersion:
    """Create a policy document with its first version, as a draft."""
    require_capability(by, MANAGE, doing="create policies")
    with audit_context(actor=by):
        document = PolicyDocument.objects.create(title=title, reference=reference, kind=kind)
        return PolicyVersion.objects.create(
            document=document, number=1, body=body, change_summary=change_summary, author=by
        )


def draft_source(document: PolicyDocument) -> PolicyVersion | None:
    """The version a new draft copies: the one in force, else the newest one not withdrawn, else the newest."""
    versions = document.versions.order_by("-number")
    return (
        versions.filter(status=VersionStatus.PUBLISHED).first()
        or versions.exclude(status=VersionStatus.WITHDRAWN).first()
        or versions.first()
    )


def version_create_draft_check(document: PolicyDocument) -> None:
    """Raise ``StepRefused`` while the document has a version open: one open version at a time."""
    open_version = document.versions.filter(status__in=OPEN_STATES).first()
    if open_version is not None:
        raise StepRefused(
            f"{open_version} is still {open_version.get_status_display().lower()}: finish it first.",
            back_url=reverse("policy:policy_detail", args=[document.reference]),
            back_label="Back to the policy",
            record="the version",
        )


@transaction.atomic
def version_create_draft(*, document: PolicyDocument, by: User) -> PolicyVersion:
    """Start the next version as a draft, one open version at a time.

    Its text and its 5.2.1 checklist (passages and confirmations) are copied from ``draft_source``: the text
    met the checklist then, so the first submit is not refused for gaps the author did not make; every
    passage is checked against the text again when the draft is submitted.
    """
    require_capability(by, MANAGE, doing="draft policy versions")
    document = PolicyDocument.objects.select_for_update().get(pk=document.pk)
    version_create_draft_check(document)
    latest = document.versions.order_by("-number").first()
    source = draft_source(document)
    checklist = {
        item_id: {"confirmed": bool((entry or {}).get("confirmed")), "passage": (entry or {}).get("passage", "")}
        for item_id, entry in (source.checklist if source else {}).items()
    }
    with audit_context(actor=by):
        return PolicyVersion.objects.create(
            document=document,
            number=(latest.number + 1) if latest else 1,
            body=source.body if source else "",
            change_summary="",
            checklist=checklist,
            author=by,
        )


@transaction.atomic
def version_edit(*, version: PolicyVersion, body: str, change_summary: str, checklist: dict, by: User) -> PolicyVersion:
    """Change a draft's text, change summary and 5.2.1 checklist."""
    require_capability(by, MANAGE, doing="edit policy versions")
    version = _locked(version)
    step_check(version, "edited")
    version.body, version.change_summary, version.checklist = body, change_summary, checklist
    with audit_context(actor=by):
        version.save()
    return version


@transaction.atomic
def version_submit(*, version: PolicyVersion, by: User) -> PolicyVersion:
    """Send a draft to top management for review; refused until the 5.2.1 checklist is complete."""
    require_capability(by, MANAGE, doing="submit policy versions")
    version = _locked(version)
    step_check(version, "submitted")
    problems = submission_problems(version)
    if problems:
        raise ChecklistIncomplete(problems)
    version.status, version.submitted_at = VersionStatus.IN_REVIEW, timezone.now()
    with audit_context(actor=by):
        version.save()
        audit_step(version, step="submitted for review")
    return version


@transaction.atomic
def version_return(*, version: PolicyVersion, comment: str, by: User) -> PolicyVersion:
    """Send a version in review back to draft, saying why."""
    require_capability(by, APPROVE, doing="review policy versions")
    if not comment.strip():
        raise ValidationError({"comment": "Say what needs to change: the comment is required."})
    version = _locked(version)
    step_check(version, "sent back")
    version.status, version.submitted_at = VersionStatus.DRAFT, None
    with audit_context(actor=by):
        version.save()
        audit_step(version, step="sent back to draft", reason=comment.strip())
    _signature_reminders_resolve(version)
    return version


def _signature_reminders_resolve(version: PolicyVersion) -> None:
    # Imported here: the reminders read versions through this module.
    from policy.reminders import signature_reminders_resolve

    signature_reminders_resolve(version)


# --- Separation of duties: whoever wrote a version does not approve it ---------------------------------

# The fields whose change makes a person one of a version's writers (a status change does not: sending back).
CONTENT_FIELDS = ("body", "change_summary", "checklist")


def version_writers(versions: Sequence[PolicyVersion]) -> dict[int, set[int]]:
    """For each version (by id), the ids of its author and of everyone who changed its text, change summary or
    checklist, read from the audit trail in one query."""
    writers = {version.pk: {version.author_id} for version in versions}
    changed_content = Q()
    for name in CONTENT_FIELDS:
        changed_content |= Q(changes__has_key=name)
    entries = (
        AuditEntry.objects.of_records(versions)
        .filter(changed_content, action__in=[AuditAction.CREATE, AuditAction.UPDATE], actor__isnull=False)
        .values_list("object_id", "actor_id")
    )
    for object_id, actor_id in entries:
        writers[int(object_id)].add(actor_id)
    return writers


@dataclass(frozen=True)
class Approval:
    """Who may approve a version in review: ``approvers`` (none of its writers), and, for the person asking,
    why they may not (``refusal``, empty when they may)."""

    approvers: list[User]
    refusal: str

    @property
    def approver_names(self) -> str:
        names = [person.get_full_name() for person in self.approvers]
        return " or ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""


def _refusal(version: PolicyVersion, user: User | AnonymousUser, writers: set[int]) -> str:
    if user.pk is None or user.pk not in writers:
        return ""
    if version.author_id == user.pk:
        return "You drafted this version, so you cannot approve it: the approver is someone who did not write it."
    return "You changed its text, so you cannot approve this version: the approver is someone who did not write it."


def approvals(versions: Sequence[PolicyVersion], user: User | AnonymousUser) -> dict[int, Approval]:
    """For each version (by id), who may approve it and why ``user`` may not; two queries whatever the number."""
    writers = version_writers(versions)
    everyone = list(people_who_can(APPROVE)) if versions else []
    return {
        version.pk: Approval(
            [person for person in everyone if person.pk not in writers[version.pk]],
            _refusal(version, user, writers[version.pk]),
        )
        for version in versions
    }


def approval_check(version: PolicyVersion, user: User) -> None:
    """Raise ``StepRefused`` when ``user`` wrote ``version`` (its author or someone who changed its text)."""
    approval = approvals([version], user)[version.pk]
    if approval.refusal:
        who = f" {approval.approver_names} may approve it." if approval.approvers else (
            " No one else may approve policies yet: the quality manager asks for Top management to be given to "
            "someone who did not write it."
        )
        raise VERSION_STEPS.refusal(version, approval.refusal + who)


def version_approve(*, version: PolicyVersion, password: str, expected_sha256: str, by: User) -> PolicyVersion:
    """Approve a version in review by electronic signature (the signer re-enters their password); refused to its
    author and to anyone who changed its text (``approval_check``).

    ``expected_sha256`` is the hash of the content the signer was shown: if the version changed since
    (sent back, edited and resubmitted in the meantime), nothing is signed. A wrong password signs
    nothing but is recorded (``record_sign`` commits it before raising ``SignatureRefused``).
    """
    require_capability(by, APPROVE, doing="approve policy versions")

    def check(locked: PolicyVersion) -> None:
        step_check(locked, "approved")
        approval_check(locked, by)

    def approved(version: PolicyVersion) -> None:
        version.status, version.approved_at = VersionStatus.APPROVED, timezone.now()

    signed = record_sign(
        record=version,
        password=password,
        expected_sha256=expected_sha256,
        meaning=PolicyVersion.signature_meaning,
        by=by,
        check=check,
        changed=lambda locked: VERSION_STEPS.refusal(
            locked, f"{locked} changed after you opened it: read it again before you sign."
        ),
        step="approved",
        reason=f"Signed by {by.get_full_name()}, meaning Approved",
        apply=approved,
    )
    _signature_reminders_resolve(signed)
    return signed


def next_review_after(published: dt.date) -> dt.date:
    """``POLICY_REVIEW_MONTHS`` after publication, on the same day of the month where it exists."""
    year, month = divmod(published.month - 1 + settings.POLICY_REVIEW_MONTHS, 12)
    year, month = published.year + year, month + 1
    return dt.date(year, month, min(published.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def version_publish(
    *,
    version: PolicyVersion,
    due_on: dt.date,
    audience: str = AudienceKind.ALL_STAFF,
    org_units: Sequence[OrgUnit] = (),
    question: str = "",
    choices: list[str] | None = None,
    correct_choice: int | None = None,
    reason: str = "",
    by: User,
) -> PolicyVersion:
    """Publish an approved version: the published one before it is superseded, with ``reason`` (the publish
    form asks for it whenever a version is in force) kept on the trail entries of that step; and an
    acknowledgement campaign opens for the audience with its due date."""
    require_capability(by, MANAGE, doing="publish policy versions")
    version = _locked(version)
    step_check(version, "published")
    if not version.signature_valid:
        raise VERSION_STEPS.refusal(
            version, f"{version}'s signature no longer matches its content: it cannot be published."
        )
    if audience == AudienceKind.DEPARTMENTS and not org_units:
        raise ValidationError("Choose at least one department, or send it to all active staff.")
    if question and (not choices or correct_choice is None or not 0 <= correct_choice < len(choices)):
        raise ValidationError("A question needs its answers and which one is right.")
    now = timezone.now()
    with audit_context(actor=by):
        previous = version.document.versions.select_for_update().filter(status=VersionStatus.PUBLISHED).first()
        if previous is not None:
            why = f"by version {version.number}" + (f": {reason.strip()}" if reason.strip() else "")
            with audit_context(reason=why):
                previous.status, previous.superseded_at = VersionStatus.SUPERSEDED, now
                previous.save()
                audit_step(previous, step="superseded", reason=why)
        version.status, version.published_at = VersionStatus.PUBLISHED, now
        version.next_review_on = next_review_after(timezone.localdate(now))
        version.save()
        campaign = Campaign.objects.create(
            version=version,
            audience=audience,
            due_on=due_on,
            question=question,
            choices=choices or [],
            correct_choice=correct_choice if question else None,
        )
        if audience == AudienceKind.DEPARTMENTS:
            campaign.org_units.set(org_units)
        audit_step(version, step="published", reason=f"Acknowledgement due {due_on:%d %b %Y}")
    return version


def withdraw_check(version: PolicyVersion) -> None:
    """Raise ``StepRefused`` unless the quality manager may withdraw ``version`` now: a version top management
    signed is theirs to withdraw, by signature."""
    if version.status in SIGNED_STATES:
        raise VERSION_STEPS.refusal(version, (
            f"{version} is {version.get_status_display().lower()} and signed by top management: it cannot be "
            "withdrawn now except by top management, with their electronic signature."
        ))
    step_check(version, "withdrawn")


@transaction.atomic
def version_withdraw(*, version: PolicyVersion, reason: str, by: User) -> PolicyVersion:
    """Withdraw a draft or a version in review: its lifecycle stops. A version top management signed is
    withdrawn only by their signature (``version_withdraw_signed``)."""
    require_capability(by, MANAGE, doing="withdraw policy versions")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the version is withdrawn."})
    version = _locked(version)
    withdraw_check(version)
    version.status, version.withdrawn_at = VersionStatus.WITHDRAWN, timezone.now()
    with audit_context(actor=by, reason=reason.strip()):
        version.save()
        audit_step(version, step="withdrawn", reason=reason.strip())
    return version


def version_withdraw_signed(
    *, version: PolicyVersion, reason: str, password: str, expected_sha256: str, by: User
) -> PolicyVersion:
    """Withdraw a version top management signed (approved, or published and in force), by a top manager's
    electronic signature meaning "Withdrawn" over the version's content, with a reason.

    As with approval, a wrong password withdraws nothing but is recorded (``record_sign``).
    """
    require_capability(by, APPROVE, doing="withdraw signed policy versions")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the version is withdrawn."})

    def withdrawn(version: PolicyVersion) -> None:
        version.status, version.withdrawn_at = VersionStatus.WITHDRAWN, timezone.now()

    with audit_context(reason=reason.strip()):
        return record_sign(
            record=version,
            password=password,
            expected_sha256=expected_sha256,
            meaning=PolicyVersion.withdrawal_meaning,
            by=by,
            check=lambda locked: step_check(locked, "withdrawn by signature"),
            changed=lambda locked: VERSION_STEPS.refusal(
                locked, f"{locked} changed after you opened it: read it again before you sign."
            ),
            step="withdrawn",
            reason=reason.strip(),
            apply=withdrawn,
            signature_field="withdrawal_signature",
        )
