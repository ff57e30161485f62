"""The policy list, a document's page (its current version and history), new policies and their settings."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from policy.forms import DocumentSettingsForm, NewPolicyForm
from policy.models import PolicyDocument, PolicyReview, PolicyVersion, ReviewOutcome, VersionStatus
from policy.periodic_review import ReviewFlag, review_flag, review_warning_days
from policy.selectors import can_see_history, versions_visible_to
from policy.views.common import MANAGE, acknowledgement_state, checklist_lines
from policy.workflow import OPEN_STATES, Approval, approvals, document_create
from qms_portal.access import login_only, requires
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest
from qms_portal.pagination import paginate


@dataclass(frozen=True)
class DocumentRow:
    """A line of the policy list: the document, its version in force, its version in progress."""

    document: PolicyDocument
    current: PolicyVersion | None
    open_version: PolicyVersion | None
    review: ReviewFlag | None
    approval: Approval | None = None


@login_only
@require_safe
def policy_list(request: SignedInRequest) -> HttpResponse:
    history = can_see_history(request.user)
    visible = versions_visible_to(request.user)
    live = visible.filter(status__in=[VersionStatus.PUBLISHED, *OPEN_STATES]).order_by("-number")
    documents = PolicyDocument.objects.prefetch_related(Prefetch("versions", queryset=live, to_attr="live"))
    # People do not learn of documents none of whose versions they may read.
    documents = documents.filter(versions__in=visible).distinct()
    page = paginate(request, documents)
    found = []
    for document in page.object_list:
        current = next((v for v in document.live if v.status == VersionStatus.PUBLISHED), None)
        open_version = next((v for v in document.live if v.status in OPEN_STATES), None)
        found.append((document, current, open_version))
    # Who may approve each version waiting for it (its writers may not): two queries for the whole page.
    waiting = [version for _, _, version in found if version and version.status == VersionStatus.IN_REVIEW]
    approval = approvals(waiting, request.user) if history else {}
    warning_days = review_warning_days(request.organisation)
    rows = [
        DocumentRow(
            document, current, open_version,
            review_flag(current.next_review_on, warning_days=warning_days) if current and history else None,
            approval.get(open_version.pk) if open_version else None,
        )
        for document, current, open_version in found
    ]
    page.object_list = rows
    return render(request, "policy/list.html", {"page": page, "history": history})


@login_only
@require_safe
def policy_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    document = get_object_or_404(PolicyDocument, reference=reference)
    history = can_see_history(request.user)
    versions = versions_visible_to(request.user, document.versions.select_related("author", "signature"))
    visible = list(versions)
    if not visible:
        raise Http404("This policy has no version you may read.")
    current = next((v for v in visible if v.status == VersionStatus.PUBLISHED), None)
    open_version = next((v for v in visible if v.status in OPEN_STATES), None)
    all_versions = visible if history else []
    reviews: list[PolicyReview] = []
    if history:
        reviews = list(PolicyReview.objects.filter(version__document=document).select_related(
            "version", "signature", "recorded_by"
        ))
    # The newest review of the version in force says whether a new version is needed.
    latest = next((r for r in reviews if current and r.version_id == current.pk), None)
    pending = next((r for r in reviews if r.outcome == ReviewOutcome.STILL_SUITABLE and not r.signature), None)
    return render(request, "policy/document.html", {
        "document": document,
        "current": current,
        "open_version": open_version,
        "versions": all_versions,
        "history": history,
        "checklist": checklist_lines(current) if current else [],
        "review": review_flag(current.next_review_on, warning_days=review_warning_days(request.organisation))
        if current and history else None,
        "reviews": reviews,
        "pending_review": pending,
        "new_version_needed": latest if latest and latest.outcome == ReviewOutcome.NEW_VERSION_NEEDED else None,
        **acknowledgement_state(request.user, current),
    })


@requires(MANAGE)
def policy_create(request: SignedInRequest) -> HttpResponse:
    form = NewPolicyForm(posted(request))
    if request.method == "POST" and form.is_valid():
        version = document_create(
            title=form.cleaned_data["title"],
            reference=form.cleaned_data["reference"],
            kind=form.cleaned_data["kind"],
            body=form.cleaned_data["body"],
            change_summary=form.cleaned_data["change_summary"],
            by=request.user,
        )
        messages.success(
            request,
            f"{version.document} is created with a first draft. Complete the 5.2.1 checklist, "
            "then submit it for review.",
        )
        return redirect("policy:version_edit", reference=version.document.reference, number=version.number)
    return render(request, "policy/create.html", {"form": form})


@requires(MANAGE)
def policy_settings(request: SignedInRequest, reference: str) -> HttpResponse:
    document = get_object_or_404(PolicyDocument, reference=reference)
    form = DocumentSettingsForm(posted(request), instance=document)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"The settings of {saved} are saved.")
        return redirect("policy:policy_detail", reference=saved.reference)
    return render(request, "policy/settings.html", {"form": form, "document": document})
