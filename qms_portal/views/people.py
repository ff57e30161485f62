"""The people directory, and adding and changing people and their portal roles."""
from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.http import require_safe

from qms_portal.access import Capability, PortalRole, requires, user_can
from qms_portal.accounts import person_save
from qms_portal.forms import PersonForm
from qms_portal.models import OrgUnit, User
from qms_portal.pagination import paginate, querystring_without_page


@requires(Capability.VIEW_PEOPLE)
@require_safe
def people(request: HttpRequest) -> HttpResponse:
    people = User.objects.select_related("org_unit").prefetch_related("groups").order_by("full_name", "username")
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(
            Q(full_name__icontains=query) | Q(username__icontains=query) | Q(job_title__icontains=query)
        )
    role = request.GET.get("role", "")
    if role in PortalRole.values:
        people = people.filter(groups__name=role)
    unit = request.GET.get("unit", "")
    if unit.isdigit():
        people = people.filter(org_unit_id=int(unit))
    if not user_can(request.user, Capability.MANAGE_PEOPLE):
        people = people.filter(is_active=True)
    return render(request, "qms_portal/people.html", {
        "page": paginate(request, people),
        "query": query,
        "role": role,
        "unit": unit,
        "roles": PortalRole.values,
        "units": OrgUnit.objects.order_by("name"),
        "querystring": querystring_without_page(request),
    })


@requires(Capability.VIEW_PEOPLE)
@require_safe
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    people = User.objects.select_related("org_unit").prefetch_related("groups")
    if not user_can(request.user, Capability.MANAGE_PEOPLE):
        people = people.filter(is_active=True)
    person = get_object_or_404(people, pk=pk)
    return render(request, "qms_portal/person_detail.html", {"person": person})


@requires(Capability.MANAGE_PEOPLE)
def person_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    person = get_object_or_404(User, pk=pk) if pk else None
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        if person is not None and person.pk == request.user.pk and not form.cleaned_data["is_active"]:
            form.add_error("is_active", "You cannot deactivate your own account.")
        else:
            created = person is None
            saved = person_save(person=form.save(commit=False), roles=form.cleaned_data["roles"], by=request.user)
            if created:
                _send_invitation(request, saved)
                messages.success(request, f"{saved} is added and has been emailed a link to set a password.")
            else:
                messages.success(request, f"{saved}'s details are saved.")
            return redirect("person_detail", pk=saved.pk)
    return render(request, "qms_portal/person_form.html", {"form": form, "person": person})


def _send_invitation(request: HttpRequest, person: User) -> None:
    """Email a new person a link to set their password (Django's reset link; their password is unusable)."""
    link = request.build_absolute_uri(reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
        "token": default_token_generator.make_token(person),
    }))
    context = {"person": person, "link": link, "organisation": request.organisation}
    send_mail(
        subject=f"Your account on the {request.organisation} QMS portal",
        message=render_to_string("registration/invitation_email.txt", context),
        html_message=render_to_string("registration/invitation_email.html", context),
        from_email=None,
        recipient_list=[person.email],
    )
