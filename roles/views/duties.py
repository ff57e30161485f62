"""The 5.3 a-e duties: which role each is assigned to, whether someone holds that role now, and assigning them."""
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from qms_portal.access import requires, user_can
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest
from roles.access import RolesCapability
from roles.definitions import duty_assign
from roles.forms.roles import DutyForm
from roles.models import Duty, held_on
from roles.selectors import duties_status


@requires(RolesCapability.VIEW)
@require_safe
def duty_list(request: SignedInRequest) -> HttpResponse:
    statuses = duties_status()
    return render(request, "roles/duties.html", {
        "statuses": statuses,
        "broken": sum(1 for status in statuses if status.rule_break),
        # The quality manager reassigns a duty on its own page, which asks why.
        "can_manage": user_can(request.user, RolesCapability.MANAGE),
    })


@requires(RolesCapability.MANAGE)
def duty_edit(request: SignedInRequest, code: str) -> HttpResponse:
    duty = get_object_or_404(Duty.objects.select_related("role"), code=code)
    form = DutyForm(posted(request), initial={"role": duty.role_id})
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        duty_assign(duty=duty, role=role, by=request.user, reason=form.stated_reason)
        if role is None:
            messages.warning(request, f"Duty {duty.code} is not assigned to any role now.")
        elif not role.assignments.filter(held_on(timezone.localdate())).exists():
            messages.warning(request, f"Duty {duty.code} is assigned to “{role}”, but nobody holds that role now: "
                             "assign a person to it for the duty to count as assigned.")
        else:
            messages.success(request, f"Duty {duty.code} is assigned to “{role}”.")
        return redirect("roles:duty_list")
    return render(request, "roles/duty_edit.html", {"duty": duty, "form": form})
