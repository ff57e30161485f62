"""A policy's periodic review: top management records its outcome, and signs it when the version in force is
still suitable (``policy/periodic_review.py``)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from policy import periodic_review, workflow
from policy.forms import ReviewForm
from policy.models import PolicyReview, ReviewOutcome
from policy.views.common import APPROVE, version_for
from qms_portal.access import requires
from qms_portal.forms import SignatureForm, posted
from qms_portal.http import SignedInRequest
from qms_portal.presentation import day
from qms_portal.signatures import signing_locked_until


@requires(APPROVE)
def review_create(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    version = version_for(request, reference, number)
    workflow.step_check(version, "reviewed")
    pending = periodic_review.pending_review(version)
    if pending is not None:
        return redirect(periodic_review.review_url(pending))
    form = ReviewForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = periodic_review.review_record(
                version=version,
                outcome=data["outcome"],
                next_review_on=data["next_review_on"],
                comment=data["comment"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if review.outcome == ReviewOutcome.STILL_SUITABLE:
                return redirect(periodic_review.review_url(review))
            messages.success(
                request, f"The review is recorded: a new version of {version.document.title} is needed."
            )
            return redirect("policy:policy_detail", reference=reference)
    return render(request, "policy/review_form.html", {"version": version, "document": version.document, "form": form})


@requires(APPROVE)
def review_sign(request: SignedInRequest, reference: str, number: int, pk: int) -> HttpResponse:
    version = version_for(request, reference, number)
    review = get_object_or_404(PolicyReview.objects.select_related("recorded_by"), pk=pk, version=version)
    if review.is_signed or review.outcome != ReviewOutcome.STILL_SUITABLE:
        raise workflow.VERSION_STEPS.refusal(version, f"{review} is complete: there is nothing to sign.")
    workflow.step_check(version, "reviewed")
    form = SignatureForm(posted(request), content=review.signed_content(), signer=request.user)
    signed = form.sign_with(lambda password, shown_sha256: periodic_review.review_sign(
        review=review, password=password, expected_sha256=shown_sha256, by=request.user
    ))
    if signed is not None:
        messages.success(
            request, f"You signed the review: {version.document.title} is still suitable. Next review on "
            f"{day(signed.next_review_on, 'long')}.",
        )
        return redirect("policy:policy_detail", reference=reference)
    return render(request, "policy/review_sign.html", {
        "version": version,
        "document": version.document,
        "review": review,
        "form": form,
        "locked_until": signing_locked_until(request.user),
    })
