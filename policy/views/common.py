"""What the document and version pages share: the version a request may open, its checklist, the prompt to
acknowledge it."""
from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from policy.access import PolicyCapability
from policy.acknowledgements import pending_for
from policy.models import CHECKLIST_ITEMS, Acknowledgement, PolicyVersion, VersionStatus
from policy.selectors import versions_visible_to
from qms_portal.http import SignedInRequest
from qms_portal.models import User

VIEW_HISTORY = PolicyCapability.VIEW_HISTORY
MANAGE = PolicyCapability.MANAGE
APPROVE = PolicyCapability.APPROVE


def version_for(request: SignedInRequest, reference: str, number: int) -> PolicyVersion:
    """The version, if this person may read it (``versions_visible_to``); 404 otherwise, so that the
    existence of a draft is not revealed to people who may not see it."""
    versions = versions_visible_to(request.user).select_related("document", "author", "signature")
    return get_object_or_404(versions, document__reference=reference, number=number)


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


def acknowledgement_state(user: User, version: PolicyVersion | None) -> dict[str, object]:
    """Whether this person is asked to acknowledge ``version`` (the published one), or did already."""
    if version is None or version.status != VersionStatus.PUBLISHED:
        return {"ack_pending": None, "acknowledged": None}
    pending = next((v for v in pending_for(user) if v.pk == version.pk), None)
    done = None if pending else Acknowledgement.objects.filter(version=version, person=user).first()
    return {"ack_pending": pending, "acknowledged": done}
