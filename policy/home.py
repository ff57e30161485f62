"""The quality policy on the home page: a card with the policy in force for everyone (and, for the quality
manager and top management, what awaits them and which policies are due for their periodic review), and
a prompt above it for each version the person still has to acknowledge."""
from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from policy.access import PolicyCapability
from policy.acknowledgements import pending_for
from policy.models import PolicyKind, PolicyVersion, VersionStatus
from policy.periodic_review import review_flag, review_warning_days
from policy.workflow import version_writers
from qms_portal.access import user_can

MANAGE = PolicyCapability.MANAGE
APPROVE = PolicyCapability.APPROVE


def policy_home_card(request: HttpRequest) -> dict[str, Any] | None:
    """What the card shows this person, in at most four queries (two more for a top manager with versions in
    review: which of them they wrote, and so may not sign)."""
    user = request.user
    published = list(
        PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("document")
        .order_by("document__created_at")
    )
    quality = [v for v in published if v.document.kind == PolicyKind.QUALITY]
    current = quality[0] if quality else published[0] if published else None
    manages, approves = user_can(user, MANAGE), user_can(user, APPROVE)
    context: dict[str, Any] = {"current": current, "others": len(published) - (1 if current else 0)}
    if not (manages or approves):
        return context
    by_status = dict(
        PolicyVersion.objects.filter(status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED])
        .values_list("status")
        .annotate(count=Count("pk"))
    )
    tasks = []
    if approves and by_status.get(VersionStatus.IN_REVIEW):
        in_review = list(PolicyVersion.objects.filter(status=VersionStatus.IN_REVIEW).only("pk", "author_id"))
        wrote = sum(user.pk in writers for writers in version_writers(in_review).values())
        if len(in_review) > wrote:
            tasks.append(("awaiting your review and signature", len(in_review) - wrote))
        if wrote:  # separation of duties: another top manager signs what this one wrote
            tasks.append(("in review, written by you: another top manager signs", wrote))
    if manages and by_status.get(VersionStatus.APPROVED):
        tasks.append(("approved, awaiting publication", by_status[VersionStatus.APPROVED]))
    if manages and by_status.get(VersionStatus.DRAFT):
        tasks.append(("in draft", by_status[VersionStatus.DRAFT]))
    warning_days = review_warning_days(getattr(request, "organisation", None))  # the page's: no query
    flagged = [(version, review_flag(version.next_review_on, warning_days=warning_days)) for version in published]
    context.update({
        "tasks": tasks,
        "reviews": [(version, flag) for version, flag in flagged if flag is not None],
        "manages": manages,
    })
    return context


def ack_prompt_context(request: HttpRequest) -> dict[str, Any] | None:
    """The home page's attention panel: each published version the person still has to acknowledge."""
    versions = pending_for(request.user)
    if not versions:
        return None
    today = timezone.localdate()
    for version in versions:
        # For the prompt's template only (it turns the prompt red): declared on the model, not a field.
        version.overdue = version.campaign.due_on < today
    return {"versions": versions}
