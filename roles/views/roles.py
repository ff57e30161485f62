"""Roles (5.3): the list, a role's page, defining roles, assigning people, and each person's own roles with
their acknowledgement ("assigned, communicated and understood")."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST, require_safe

from qms_portal.access import login_only, requires
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest
from qms_portal.models import OrgUnit
from qms_portal.pagination import paginate, querystring_without_page
from roles.access import RolesCapability
from roles.acknowledgements import RoleChangedSinceShown
from roles.acknowledgements import role_acknowledge as acknowledgement_record
from roles.definitions import assignment_save, role_save
from roles.forms.roles import AssignmentForm, DayForm, RoleForm
from roles.models import Role, RoleAssignment
from roles.selectors import Holders, my_roles_of, role_holders_count, role_overview, roles_matching


def _day_asked(request: HttpRequest) -> tuple[dt.date, str]:
    """The day of ``?on=YYYY-MM-DD`` (today without it), and a message when the date cannot be read."""
    today = timezone.localdate()
    form = DayForm(request.GET)
    if form.is_valid():
        return form.cleaned_data["on"] or today, ""
    text = request.GET.get("on", "").strip()
    return today, f"“{text}” is not a date: write it as YYYY-MM-DD, such as {today.isoformat()}. Showing today."


# --- The list ------------------------------------------------------------------------------------
@requires(RolesCapability.VIEW)
@require_safe
def role_list(request: SignedInRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    unit = request.GET.get("unit", "")
    units = list(OrgUnit.objects.order_by("name"))
    chosen = next((u for u in units if str(u.pk) == unit), None)
    page = paginate(request, roles_matching(words=query, unit=chosen))
    for role in page.object_list:
        role.current = Holders(role.holders)
    return render(request, "roles/role_list.html", {
        "page": page,
        "query": query,
        "unit": unit,
        "units": units,
        "filtered": bool(query or chosen),
        "querystring": querystring_without_page(request),
    })


# --- A role's page -------------------------------------------------------------------------------
@requires(RolesCapability.VIEW)
@require_safe
def role_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role.objects.select_related("org_unit", "reports_to__org_unit"), pk=pk)
    today = timezone.localdate()
    day, bad_date = _day_asked(request)
    overview = role_overview(role, on=day, person=request.user)
    return render(request, "roles/role_detail.html", {
        "role": role,
        "day": day,
        "today": today,
        "is_today": day == today,
        "bad_date": bad_date,
        "holders": overview.holders,
        "others": overview.others,
        "direct_reports": overview.direct_reports,
        "letters": overview.letters,
        "duties": overview.duties,
        "owned_processes": overview.owned_processes,
        "i_hold_it": overview.i_hold_it,
        "i_must_acknowledge": overview.i_must_acknowledge,
    })


# --- Defining roles ------------------------------------------------------------------------------
def _role_saved(request: SignedInRequest, form: RoleForm) -> Role | None:
    """Save a valid posted role; None, with the refusal on the form, to show the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return role_save(role=form.save(commit=False), by=request.user, reason=form.stated_reason)
    except ValidationError as refused:
        form.add_error(None, refused)
        return None


@requires(RolesCapability.MANAGE)
def role_create(request: SignedInRequest) -> HttpResponse:
    initial = {name: request.GET[name] for name in ("org_unit", "reports_to") if request.GET.get(name, "").isdigit()}
    form = RoleForm(posted(request), initial=initial)
    role = _role_saved(request, form)
    if role is not None:
        messages.success(request, f"The role “{role}” is created. Assign the people who hold it.")
        return redirect("roles:role_detail", pk=role.pk)
    return render(request, "roles/role_form.html", {"form": form, "role": None})


@requires(RolesCapability.MANAGE)
def role_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role.objects.select_related("org_unit"), pk=pk)
    revision = role.revision
    form = RoleForm(posted(request), instance=role)
    saved = _role_saved(request, form)
    if saved is not None:
        role = saved
        if role.revision > revision:
            holders = role_holders_count(role)
            asked = (
                f"its {holders} holder{'s' if holders != 1 else ''} must read and acknowledge it again"
                if holders else "nobody holds it now; its future holders will acknowledge this revision"
            )
            messages.warning(
                request,
                f"“{role}” is saved as revision {role.revision}, as its responsibilities or authorities changed: "
                f"{asked}.",
            )
        else:
            messages.success(request, f"“{role}” is saved. Its responsibilities and authorities did not change, "
                             "so its holders need not acknowledge it again.")
        return redirect("roles:role_detail", pk=role.pk)
    return render(request, "roles/role_form.html", {"form": form, "role": role})


# --- Assigning people ----------------------------------------------------------------------------
def _assignment_saved_message(assignment: RoleAssignment, *, created: bool) -> str:
    who, role = assignment.person, assignment.role
    as_what = "as deputy " if assignment.is_deputy else ""
    if assignment.ends_on is not None and assignment.ends_on < timezone.localdate():
        ended = date_format(assignment.ends_on, "j F Y")
        return f"{who} held “{role}” {as_what}until {ended}: the assignment is ended and stays on record."
    if created:
        return f"{who} holds “{role}” {as_what}from {date_format(assignment.starts_on, 'j F Y')}."
    return f"The assignment of {who} to “{role}” is saved."


def _assignment_page(request: SignedInRequest, form: AssignmentForm, assignment: RoleAssignment) -> HttpResponse | None:
    """Save a valid posted assignment and redirect to its role; None to show the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    created = assignment.pk is None
    try:
        saved = assignment_save(assignment=form.save(commit=False), by=request.user, reason=form.stated_reason)
    except ValidationError as refused:
        form.add_error(None, refused)
        return None
    messages.success(request, _assignment_saved_message(saved, created=created))
    return redirect("roles:role_detail", pk=saved.role_id)


@requires(RolesCapability.MANAGE)
def assignment_create(request: SignedInRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role.objects.select_related("org_unit"), pk=pk)
    assignment = RoleAssignment(role=role)
    form = AssignmentForm(posted(request), instance=assignment)
    return _assignment_page(request, form, assignment) or render(
        request, "roles/role_assignment_form.html", {"form": form, "role": role, "assignment": None}
    )


@requires(RolesCapability.MANAGE)
def assignment_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(RoleAssignment.objects.select_related("role__org_unit", "person"), pk=pk)
    role, person = assignment.role, assignment.person
    form = AssignmentForm(posted(request), instance=assignment)
    return _assignment_page(request, form, assignment) or render(
        request, "roles/role_assignment_form.html", {"form": form, "role": role, "assignment": assignment,
                                                     "person": person}
    )


# --- Acknowledging -------------------------------------------------------------------------------
@login_only
@require_POST
def role_acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    """A holder confirms they understand the revision of the role they were shown."""
    role = get_object_or_404(Role, pk=pk)
    seen = request.POST.get("revision", "")
    try:
        acknowledgement_record(role=role, person=request.user, revision_seen=int(seen) if seen.isdigit() else 0)
    except RoleChangedSinceShown as changed:
        messages.warning(request, " ".join(changed.messages))
    except ValidationError as already:
        messages.info(request, f"{' '.join(already.messages)} Your first acknowledgement stands.")
    else:
        messages.success(request, f"Thank you: you acknowledged “{role}” (revision {role.revision}).")
    return redirect("roles:my_roles")


# --- My roles ------------------------------------------------------------------------------------
@login_only
@require_safe
def my_roles(request: SignedInRequest) -> HttpResponse:
    entries = my_roles_of(request.user)
    return render(request, "roles/my_roles.html", {
        "entries": entries,
        "pending": sum(1 for e in entries if e.to_acknowledge),
    })
