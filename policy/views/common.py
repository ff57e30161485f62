"""What the document and version pages share: who may see which version, the timeline."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from policy.access import PolicyCapability
from policy.acknowledgements import pending_for
from policy.models import CHECKLIST_ITEMS, Acknowledgement, PolicyVersion, VersionStatus
from qms_portal.access import user_can
from qms_portal.audit import AuditEntry, audit_history

VIEW_HISTORY = PolicyCapability.VIEW_HISTORY
MANAGE = PolicyCapability.MANAGE
APPROVE = PolicyCapability.APPROVE


def can_see_history(user: object) -> bool:
    return user_can(user, VIEW_HISTORY)


def may_see_work_in_progress(user: object) -> bool:
    """Drafts and versions in review are seen only by those who write or approve them, not by auditors."""
    return user_can(user, MANAGE) or user_can(user, APPROVE)


def versions_visible_to(user: object, versions: QuerySet[PolicyVersion] | None = None) -> QuerySet[PolicyVersion]:
    """The versions this person may read: the one in force for everyone signed in; every version ever
    approved for history readers (auditors); all of them for those who write or approve policies."""
    versions = PolicyVersion.objects.all() if versions is None else versions
    if may_see_work_in_progress(user):
        return versions
    if can_see_history(user):
        return versions.filter(Q(status=VersionStatus.PUBLISHED) | Q(approved_at__isnull=False))
    return versions.filter(status=VersionStatus.PUBLISHED)


def version_for(request: HttpRequest, reference: str, number: int) -> PolicyVersion:
    """The version, if this person may read it (``versions_visible_to``); 404 otherwise, so that the
    existence of a draft is not revealed to people who may not see it."""
    versions = versions_visible_to(request.user).select_related("document", "author", "signature")
    return get_object_or_404(versions, document__reference=reference, number=number)


@dataclass(frozen=True)
class TimelineEvent:
    """One dated step in a version's life, with who took it and any comment."""

    when: dt.datetime
    label: str
    who: str = ""
    note: str = ""
    tone: str = "neutral"  # neutral, good, warning, bad


def version_timeline(version: PolicyVersion, *, with_comments: bool) -> list[TimelineEvent]:
    """The version's dated steps, oldest first. The dates come from the version itself; with
    ``with_comments``, the audit trail adds who took each step, the send-backs and their comments."""
    steps: list[AuditEntry] = []
    if with_comments:
        steps = list(audit_history(version, steps_only=True))
    last_step = {entry.step: entry for entry in steps}

    def by(step: str) -> str:
        entry = last_step.get(step)
        return entry.actor_name if entry else ""

    events = [TimelineEvent(version.created_at, "Drafted", who=version.author.get_full_name())]
    submissions = [entry for entry in steps if entry.step == "submitted for review"]
    if submissions:  # each round of review, when the audit trail has them
        events += [TimelineEvent(e.created_at, "Submitted for review", who=e.actor_name) for e in submissions]
    elif version.submitted_at:
        events.append(TimelineEvent(version.submitted_at, "Submitted for review"))
    if version.approved_at:
        signer = version.signature.printed_name if version.signature else by("approved")
        events.append(TimelineEvent(version.approved_at, "Approved and signed", who=signer, tone="good"))
    if version.published_at:
        events.append(TimelineEvent(version.published_at, "Published", who=by("published"), tone="good"))
    if version.superseded_at:
        note = last_step["superseded"].reason if "superseded" in last_step else ""
        events.append(TimelineEvent(version.superseded_at, "Superseded", note=note.capitalize()))
    if version.withdrawn_at:
        entry = last_step.get("withdrawn")
        events.append(TimelineEvent(
            version.withdrawn_at, "Withdrawn", who=entry.actor_name if entry else "",
            note=entry.reason if entry else "", tone="bad",
        ))
    for entry in steps:
        if entry.step == "sent back to draft":
            events.append(TimelineEvent(
                entry.created_at, "Sent back to draft", who=entry.actor_name, note=entry.reason, tone="warning"
            ))
    return sorted(events, key=lambda event: event.when)


@dataclass(frozen=True)
class ChecklistLine:
    """A 5.2.1 item as a version page shows it: the requirement, whether it was confirmed, and where."""

    item_id: str
    requirement: str
    confirmed: bool
    passage: str
    problem: str = ""


def checklist_lines(version: PolicyVersion, problems: dict[str, str] | None = None) -> list[ChecklistLine]:
    """The version's 5.2.1 checklist, item by item, with what still blocks submission where given."""
    problems = problems or {}
    lines = []
    for item_id, requirement in CHECKLIST_ITEMS.items():
        entry = version.checklist.get(item_id) or {}
        lines.append(ChecklistLine(
            item_id, requirement, bool(entry.get("confirmed")), entry.get("passage", ""), problems.get(item_id, "")
        ))
    return lines


def acknowledgement_state(user: object, version: PolicyVersion | None) -> dict[str, object]:
    """Whether this person is asked to acknowledge ``version`` (the published one), or did already."""
    if version is None or version.status != VersionStatus.PUBLISHED:
        return {"ack_pending": None, "acknowledged": None}
    pending = next((v for v in pending_for(user) if v.pk == version.pk), None)
    done = None if pending else Acknowledgement.objects.filter(version=version, person=user).first()
    return {"ack_pending": pending, "acknowledged": done}
