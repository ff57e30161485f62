"""The home page: the panels registered in ``qms_portal.home`` that have something for this person."""
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from qms_portal.access import login_only, roles_to_show
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
