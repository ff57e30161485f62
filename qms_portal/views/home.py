"""The home page: the panels registered in ``qms_portal.home`` that have something for this person."""
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from qms_portal.access import PortalRole, login_only
from qms_portal.home import home_panels_for
from qms_portal.http import SignedInRequest


@login_only
@require_safe
def home(request: SignedInRequest) -> HttpResponse:
    return render(request, "qms_portal/home.html", {
        "panels": home_panels_for(request, "card"),
        "attention": home_panels_for(request, "attention"),
        "roles": roles_to_show(request.user.role_names()),
    })


def roles_to_show(names: list[str]) -> list[str]:
    """The portal roles that say who the person is on the portal, most senior first (the order of ``PortalRole``).

    Everyone with another role is an employee too, so "Employee" shows only when it is the person's one role.
    """
    held = [role.value for role in PortalRole if role.value in names]
    others = [name for name in held if name != PortalRole.EMPLOYEE]
    return others or held
