"""A policy version's page and its lifecycle steps: draft (after confirming), edit (with a preview), submit,
send back, approve (sign), publish and withdraw (by signature once top management signed). Each view parses a
form and calls one function of ``policy/workflow.py``; refusals come back as 403 (role), 409 (state:
``StepRefused``, answered by the access middleware) or the form again with its errors."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from policy import workflow
from policy.diff import versions_compare
from policy.forms import PublishForm, ReturnForm, SignedWithdrawForm, VersionForm, WithdrawForm
from policy.models import PolicyDocument, PolicyVersion, VersionStatus
from policy.selectors import can_see_history, version_timeline
from policy.views.common import APPROVE, MANAGE, acknowledgement_state, checklist_lines, version_for
from policy.workflow import OPEN_STATES, SIGNED_STATES, ChecklistIncomplete, version_url
from qms_portal.access import login_only, requires
from qms_portal.forms import SignatureForm, posted
from qms_portal.http import SignedInRequest
from qms_portal.presentation import day
from qms_portal.richtext import markdown_to_html
from qms_portal.signatures import signing_locked_until


@login_only
@require_safe
def version_detail(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    version = version_for(request, reference, number)
    history = can_see_history(request.user)
    problems = workflow.submission_problems(version) if version.status == VersionStatus.DRAFT else {}
    in_force = None
    if history:
        in_force = PolicyVersion.objects.filter(
            document=version.document, status=VersionStatus.PUBLISHED
        ).exclude(pk=version.pk).only("number").first()
    timeline = version_timeline(version, with_comments=history)
    last = timeline[-1]
    sent_back = last if version.status == VersionStatus.DRAFT and last.label == "Sent back to draft" else None
    return render(request, "policy/version.html", {
        "version": version,
        "document": version.document,
        "history": history,
        "checklist": checklist_lines(version, problems),
        "problems": problems,
        "timeline": timeline,
        "sent_back": sent_back,
        "in_force": in_force,
        "is_open": version.status in OPEN_STATES,
        "signed_state": version.status in SIGNED_STATES,
        "steps": workflow.steps_allowed(version, request.user),
        "approval": (
            workflow.approvals([version], request.user)[version.pk]
            if version.status == VersionStatus.IN_REVIEW and history else None
        ),
        **acknowledgement_state(request.user, version),
    })


@requires(MANAGE)
def version_create(request: SignedInRequest, reference: str) -> HttpResponse:
    """Asks first (what will be copied, from which version), then drafts on POST."""
    document = get_object_or_404(PolicyDocument, reference=reference)
    if request.method == "POST":
        version = workflow.version_create_draft(document=document, by=request.user)
        messages.success(
            request, f"Version {version.number} is drafted from the latest text. Edit it, then submit it."
        )
        return redirect("policy:version_edit", reference=reference, number=version.number)
    workflow.version_create_draft_check(document)
    return render(request, "policy/version_create.html", {
        "document": document,
        "source": workflow.draft_source(document),
        "number": (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1,
    })


@require_POST
@requires(MANAGE)
def version_preview(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    """The draft's text as it will read once published, rendered as the version page renders it; nothing saved."""
    version_for(request, reference, number)
    return render(request, "policy/_preview.html", {"html": markdown_to_html(request.POST.get("body", ""))})


def _render_edit(request: SignedInRequest, version: PolicyVersion, form: VersionForm) -> HttpResponse:
    return render(request, "policy/version_form.html", {
        "version": version,
        "document": version.document,
        "form": form,
        "previous": version.document.versions.filter(number__lt=version.number).order_by("-number").first(),
    })


@requires(MANAGE)
def version_edit(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    version = version_for(request, reference, number)
    workflow.step_check(version, "edited")
    if request.method != "POST":
        return _render_edit(request, version, VersionForm(initial=VersionForm.data_of(version)))
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _render_edit(request, version, form)
    version = workflow.version_edit(
        version=version,
        body=form.cleaned_data["body"],
        change_summary=form.cleaned_data["change_summary"].strip(),
        checklist=form.checklist(),
        by=request.user,
    )
    messages.success(request, f"Version {version.number} is saved.")
    return redirect(version_url(version))


@require_POST
@requires(MANAGE)
def version_submit(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    version = version_for(request, reference, number)
    try:
        version = workflow.version_submit(version=version, by=request.user)
    except ChecklistIncomplete as incomplete:
        # Show the draft's own fields with what blocks each one; nothing was changed.
        form = VersionForm(VersionForm.data_of(version))
        form.is_valid()
        form.add_checklist_problems(incomplete.problems)
        count = len(incomplete.problems)
        messages.error(
            request,
            f"Version {version.number} was not submitted: "
            + (f"{count} items below need attention." if count != 1 else "1 item below needs attention."),
        )
        return _render_edit(request, version, form)
    messages.success(request, f"Version {version.number} is submitted: top management can now review and sign it.")
    return redirect(version_url(version))


@requires(APPROVE)
def version_return(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    version = version_for(request, reference, number)
    workflow.step_check(version, "sent back")
    form = ReturnForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            version = workflow.version_return(version=version, comment=form.cleaned_data["comment"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Version {version.number} is sent back to the quality manager with your comment."
            )
            return redirect(version_url(version))
    return render(request, "policy/return.html", {"version": version, "document": version.document, "form": form})


@requires(APPROVE)
def version_approve(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    version = version_for(request, reference, number)
    workflow.step_check(version, "approved")
    form = SignatureForm(posted(request), content=version.signed_content(), signer=request.user)
    signed = form.sign_with(lambda password, shown_sha256: workflow.version_approve(
        version=version, password=password, expected_sha256=shown_sha256, by=request.user
    ))
    if signed is not None:
        messages.success(request, f"You approved version {signed.number}. The quality manager can now publish it.")
        return redirect(version_url(signed))
    in_force = version.document.versions.filter(status=VersionStatus.PUBLISHED).select_related("signature").first()
    return render(request, "policy/approve.html", {
        "version": version,
        "document": version.document,
        "form": form,
        "checklist": checklist_lines(version),
        "locked_until": signing_locked_until(request.user),
        "approval": workflow.approvals([version], request.user)[version.pk],
        "in_force": in_force,
        "diff": versions_compare(left=in_force, right=version) if in_force else None,
    })


@requires(MANAGE)
def version_publish(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    version = version_for(request, reference, number)
    workflow.step_check(version, "published")
    current = version.document.versions.filter(status=VersionStatus.PUBLISHED).first()
    form = PublishForm(posted(request), superseding=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = workflow.version_publish(
                version=version,
                due_on=data["due_on"],
                audience=data["audience"],
                org_units=list(data["org_units"]),
                question=data["question"].strip(),
                choices=data["choices"],
                correct_choice=data["correct_index"],
                reason=form.stated_reason,
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Version {version.number} is published and in force. The audience is asked to acknowledge it "
                f"by {day(data['due_on'], 'long')}.",
            )
            return redirect(version_url(version))
    return render(request, "policy/publish.html", {
        "version": version, "document": version.document, "form": form, "current": current,
    })


@requires(MANAGE)
def version_withdraw(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    """The quality manager withdraws a draft or a version in review; a signed one is refused (top management's)."""
    version = version_for(request, reference, number)
    workflow.withdraw_check(version)
    form = WithdrawForm(posted(request))
    if request.method == "POST" and form.is_valid():
        version = workflow.version_withdraw(version=version, reason=form.stated_reason, by=request.user)
        messages.success(request, f"Version {version.number} is withdrawn.")
        return redirect(version_url(version))
    return render(request, "policy/withdraw.html", {"version": version, "document": version.document, "form": form})


@requires(APPROVE)
def version_withdraw_sign(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    """Top management withdraws a version they signed, with a reason and their electronic signature."""
    version = version_for(request, reference, number)
    workflow.step_check(version, "withdrawn by signature")
    form = SignedWithdrawForm(posted(request), content=version.signed_content(), signer=request.user)
    signed = form.sign_with(lambda password, shown_sha256: workflow.version_withdraw_signed(
        version=version, reason=form.stated_reason, password=password, expected_sha256=shown_sha256,
        by=request.user,
    ))
    if signed is not None:
        messages.success(request, f"You withdrew version {signed.number}: it is no longer in force.")
        return redirect(version_url(signed))
    return render(request, "policy/withdraw_sign.html", {
        "version": version,
        "document": version.document,
        "form": form,
        "locked_until": signing_locked_until(request.user),
    })
