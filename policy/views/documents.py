"""The policy list, a document's page (its current version and history), new policies and their settings."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from policy.forms import DocumentSettingsForm, NewPolicyForm
from policy.models import PolicyDocument, PolicyVersion, VersionStatus
from policy.periodic_review import ReviewFlag, review_flag
from policy.views.common import MANAGE, acknowledgement_state, can_see_history, checklist_lines
from policy.workflow import OPEN_STATES, document_create
from qms_portal.access import login_only, requires
from qms_portal.pagination import paginate


@dataclass(frozen=True)
class DocumentRow:
    """A line of the policy list: the document, its version in force, its version in progress."""

    document: PolicyDocument
    current: PolicyVersion | None
    open_version: PolicyVersion | None
    review: ReviewFlag | None


@login_only
@require_safe
def policy_list(request: HttpRequest) -> HttpResponse:
    history = can_see_history(request.user)
    shown_states = [VersionStatus.PUBLISHED, *OPEN_STATES] if history else [VersionStatus.PUBLISHED]
    live = PolicyVersion.objects.filter(status__in=shown_states).select_related("signature").order_by("-number")
    documents = PolicyDocument.objects.prefetch_related(Prefetch("versions", queryset=live, to_attr="live"))
    if not history:  # people who read only what is in force do not learn of documents still in draft
        documents = documents.filter(versions__status=VersionStatus.PUBLISHED)
    page = paginate(request, documents)
    rows = []
    for document in page.object_list:
        current = next((v for v in document.live if v.status == VersionStatus.PUBLISHED), None)
        open_version = next((v for v in document.live if v.status in OPEN_STATES), None)
        flag = review_flag(current.next_review_on) if current and history else None
        rows.append(DocumentRow(document, current, open_version, flag))
    page.object_list = rows
    return render(request, "policy/list.html", {"page": page, "history": history})


@login_only
@require_safe
def policy_detail(request: HttpRequest, reference: str) -> HttpResponse:
    document = get_object_or_404(PolicyDocument, reference=reference)
    history = can_see_history(request.user)
    versions = PolicyVersion.objects.filter(document=document).select_related("author", "signature")
    if history:
        all_versions = list(versions)
        current = next((v for v in all_versions if v.status == VersionStatus.PUBLISHED), None)
        open_version = next((v for v in all_versions if v.status in OPEN_STATES), None)
    else:
        all_versions, open_version = [], None
        current = versions.filter(status=VersionStatus.PUBLISHED).first()
        if current is None:
            raise Http404("This policy has no published version.")
    return render(request, "policy/document.html", {
        "document": document,
        "current": current,
        "open_version": open_version,
        "versions": all_versions,
        "history": history,
        "checklist": checklist_lines(current) if current else [],
        "review": review_flag(current.next_review_on) if current and history else None,
        **acknowledgement_state(request.user, current),
    })


@requires(MANAGE)
def policy_create(request: HttpRequest) -> HttpResponse:
    form = NewPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = document_create(
                title=form.cleaned_data["title"],
                reference=form.cleaned_data["reference"],
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
                change_summary=form.cleaned_data["change_summary"],
                by=request.user,
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{version.document} is created with a first draft. Complete the 5.2.1 checklist, "
                "then submit it for review.",
            )
            return redirect("version_edit", reference=version.document.reference, number=version.number)
    return render(request, "policy/create.html", {"form": form})


@requires(MANAGE)
def policy_settings(request: HttpRequest, reference: str) -> HttpResponse:
    document = get_object_or_404(PolicyDocument, reference=reference)
    form = DocumentSettingsForm(request.POST or None, instance=document)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"The settings of {saved} are saved.")
        return redirect("policy_detail", reference=saved.reference)
    return render(request, "policy/settings.html", {"form": form, "document": document})
