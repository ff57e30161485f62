"""Signing in and out, passwords, and each person's own profile."""
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect, render

from qms_portal.access import login_only, public
from qms_portal.accounts import person_save
from qms_portal.forms import LimitedPasswordResetForm, LoginForm, ProfileForm, posted
from qms_portal.http import SignedInRequest
from qms_portal.mfa import has_second_factor, recovery_codes_left

login = public(
    auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True)
)
logout = public(auth_views.LogoutView.as_view())
password_change = login_only(auth_views.PasswordChangeView.as_view())
password_change_done = login_only(auth_views.PasswordChangeDoneView.as_view())
password_reset = public(
    auth_views.PasswordResetView.as_view(
        form_class=LimitedPasswordResetForm,
        email_template_name="registration/password_reset_email.txt",
        html_email_template_name="registration/password_reset_email.html",
        subject_template_name="registration/password_reset_subject.txt",
    )
)
password_reset_done = public(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = public(auth_views.PasswordResetConfirmView.as_view())
password_reset_complete = public(auth_views.PasswordResetCompleteView.as_view())


@login_only
def profile(request: SignedInRequest) -> HttpResponse:
    form = ProfileForm(posted(request), instance=request.user)
    if request.method == "POST" and form.is_valid():
        person_save(person=form.save(commit=False), by=request.user)
        messages.success(request, "Your profile is saved.")
        return redirect("profile")
    return render(request, "qms_portal/profile.html", {
        "form": form,
        "has_second_factor": has_second_factor(request.user),
        "recovery_codes_left": recovery_codes_left(request.user),
    })
