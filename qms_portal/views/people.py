"""The people directory, and adding and changing people and their portal roles."""
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from qms_portal.access import Capability, PortalRole, requires, user_can
from qms_portal.accounts import people_visible_to, person_invite_send, person_save, role_grants
from qms_portal.forms import PersonForm, posted
from qms_portal.http import SignedInRequest
from qms_portal.mfa import has_second_factor, second_factor_required
from qms_portal.models import OrgUnit
from qms_portal.pagination import paginate, querystring_without_page


@requires(Capability.VIEW_PEOPLE)
@require_safe
def people(request: SignedInRequest) -> HttpResponse:
    people = people_visible_to(request.user).select_related("org_unit").prefetch_related("groups")
    people = people.order_by("full_name", "username")
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
    page = paginate(request, people)
    grants = role_grants(list(page.object_list))
    return render(request, "qms_portal/people.html", {
        "page": page,
        "rows": [(person, grants[person.pk]) for person in page.object_list],
        "query": query,
        "role": role,
        "unit": unit,
        "roles": PortalRole.values,
        "units": OrgUnit.objects.order_by("name"),
        "querystring": querystring_without_page(request),
    })


@requires(Capability.VIEW_PEOPLE)
@require_safe
def person_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    people = people_visible_to(request.user).select_related("org_unit", "manager").prefetch_related("groups")
    person = get_object_or_404(people, pk=pk)
    invitation = person.invitations.first() if user_can(request.user, Capability.MANAGE_PEOPLE) else None
    return render(request, "qms_portal/person_detail.html", {
        "person": person,
        "reports": people_visible_to(request.user).filter(manager=person).order_by("full_name", "username"),
        "invitation": invitation,
        "has_second_factor": has_second_factor(person),
        "second_factor_required": second_factor_required(person, organisation=request.organisation),
    })


@requires(Capability.MANAGE_PEOPLE)
def person_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    person = get_object_or_404(people_visible_to(request.user), pk=pk) if pk else None
    form = PersonForm(posted(request), instance=person, editor=request.user)
    if request.method == "POST" and form.is_valid():
        if person is not None and person.pk == request.user.pk and not form.cleaned_data["is_active"]:
            form.add_error("is_active", "You cannot deactivate your own account.")
        else:
            created = person is None
            saved = person_save(
                person=form.save(commit=False),
                roles=form.cleaned_data["roles"],
                by=request.user,
                reason=form.stated_reason,
            )
            if created:
                person_invite_send(person=saved, portal_url=request.build_absolute_uri("/"), by=request.user)
                messages.success(request, f"{saved} is added; an email with a link to set a password is queued.")
            else:
                messages.success(request, f"{saved}'s details are saved.")
            return redirect("person_detail", pk=saved.pk)
    return render(request, "qms_portal/person_form.html", {"form": form, "person": person})


@require_POST
@requires(Capability.MANAGE_PEOPLE)
def person_invite(request: SignedInRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(people_visible_to(request.user).filter(is_active=True), pk=pk)
    if not person.email:
        messages.error(request, f"{person} has no email address: add one first.")
    elif person.has_usable_password():
        # Nobody's password is replaced from here (a link sent to an address just changed would hand over the
        # account): a person who has one asks for a new one themselves, at the address on record.
        messages.error(
            request,
            f"{person} has set a password: if it is lost, they choose “Forgot your password?” on the sign-in page, "
            "which e-mails the address on record.",
        )
    else:
        person_invite_send(person=person, portal_url=request.build_absolute_uri("/"), by=request.user)
        messages.success(request, f"A new link to set a password is queued for {person.email}.")
    return redirect("person_detail", pk=person.pk)
