"""The second factor of sign-in: giving the code after the password, setting up an app, and a reset by another
quality manager. The rules are in ``qms_portal.mfa``; ``AccessMiddleware`` sends people here when a step is due."""
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from qms_portal.access import Capability, requires, second_factor_step
from qms_portal.accounts import people_visible_to
from qms_portal.forms import EnrolmentForm, ReasonForm, SecondFactorForm, posted
from qms_portal.http import SignedInRequest
from qms_portal.mfa import (
    RECOVERY_CODE_COUNT,
    enrolment_confirm,
    enrolment_start,
    has_second_factor,
    second_factor_required,
    second_factor_reset,
    second_factor_reset_check,
    second_factor_sign_in,
    session_verified,
)


def _next_url(request: SignedInRequest) -> str:
    """Where the person was going before the step, when it is a page of this site; else the home page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return "/"


@second_factor_step
def second_factor(request: SignedInRequest) -> HttpResponse:
    """The step after the password: the code of the person's authenticator app, or a recovery code."""
    if session_verified(request):
        return redirect(_next_url(request))
    if not has_second_factor(request.user):
        return redirect("second_factor_enrol")
    form = SecondFactorForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if second_factor_sign_in(request, token=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", "That code is not right, or was used already. Check your app's clock and try again.")
    return render(request, "registration/second_factor.html", {"form": form, "next": _next_url(request)})


@second_factor_step
def second_factor_enrol(request: SignedInRequest) -> HttpResponse:
    """Setting up an authenticator app: scan the QR code (or type the secret), then confirm with a code.

    A person who already has one gives its code instead: setting up a second app would get round it.
    """
    if has_second_factor(request.user):
        if session_verified(request):
            messages.info(request, "You already have a second factor. Another quality manager can reset it.")
            return redirect("profile")
        return redirect("second_factor")
    enrolment = enrolment_start(user=request.user)
    form = EnrolmentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        codes = enrolment_confirm(request, enrolment=enrolment, token=form.cleaned_data["code"])
        if codes is not None:
            # Shown once, in this answer only: no page shows them again.
            return render(request, "registration/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("code", "That code is not right. Check the app shows this portal and its clock is right.")
    return render(request, "registration/second_factor_enrol.html", {
        "form": form,
        "enrolment": enrolment,
        "required": second_factor_required(request.user, organisation=request.organisation),
        "recovery_code_count": RECOVERY_CODE_COUNT,
        "next": _next_url(request),
    })


@requires(Capability.MANAGE_PEOPLE)
def second_factor_reset_view(request: SignedInRequest, pk: int) -> HttpResponse:
    """Another quality manager removes a person's second factor (a lost phone), with a reason kept in the trail."""
    person = get_object_or_404(people_visible_to(request.user), pk=pk)
    second_factor_reset_check(person=person, by=request.user)
    form = ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        second_factor_reset(person=person, by=request.user, reason=form.stated_reason)
        messages.success(request, f"{person}'s second factor is reset: they set up a new one at their next sign-in.")
        return redirect("person_detail", pk=person.pk)
    return render(request, "qms_portal/second_factor_reset.html", {
        "person": person, "form": form, "has_second_factor": has_second_factor(person),
    })
