"""Roles (5.3): the list, a role's page, defining roles, assigning people, and each person's own roles with
their acknowledgement ("assigned, communicated and understood")."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST, require_safe

from qms_portal.access import login_only, requires
from qms_portal.forms import posted
from qms_portal.models import OrgUnit
from qms_portal.pagination import paginate, querystring_without_page
from roles.access import RolesCapability
from roles.acknowledgements import RoleChangedSinceShown
from roles.acknowledgements import role_acknowledge as acknowledgement_record
from roles.definitions import assignment_save, role_save
from roles.forms.roles import AssignmentForm, RoleForm
from roles.models import Duty, Process, RaciCell, Role, RoleAcknowledgement, RoleAssignment, held_on
from roles.selectors import RevisionChanges, role_changes_since, roles_with_holders


# --- What the pages show -------------------------------------------------------------------------
@dataclass
class Holders:
    """A role's holders on a day, counted by person (someone may hold a role twice, as holder and deputy)."""

    assignments: list[RoleAssignment]

    @property
    def people(self) -> int:
        return len({a.person_id for a in self.assignments})

    @property
    def acknowledged(self) -> int:
        return len({a.person_id for a in self.assignments if getattr(a, "acknowledged", False)})


@dataclass(frozen=True)
class ProcessLetters:
    """A role's RACI letters in one process, in the order of its activities."""

    process: Process
    cells: list[RaciCell]


def letters_by_process(cells: list[RaciCell]) -> list[ProcessLetters]:
    """Group cells, already ordered by process and activity position, by process."""
    return [ProcessLetters(process, list(group)) for process, group in groupby(cells, key=lambda c: c.activity.process)]


def _cells_of(roles: list[Role]) -> dict[int, list[RaciCell]]:
    """Each role's letters, ordered by process name and activity position (one query for all roles)."""
    cells = (
        RaciCell.objects.filter(role__in=roles)
        .select_related("activity__process")
        .order_by("activity__process__name", "activity__position")
    )
    by_role: dict[int, list[RaciCell]] = {}
    for cell in cells:
        by_role.setdefault(cell.role_id, []).append(cell)
    return by_role


def _duties_of(roles: list[Role]) -> dict[int, list[Duty]]:
    by_role: dict[int, list[Duty]] = {}
    for duty in Duty.objects.filter(role__in=roles).order_by("code"):
        by_role.setdefault(duty.role_id, []).append(duty)
    return by_role


def _day_asked(request: HttpRequest) -> tuple[dt.date, str]:
    """The day of ``?on=YYYY-MM-DD`` (today without it), and a message when the date cannot be read."""
    today = timezone.localdate()
    text = request.GET.get("on", "").strip()
    if not text:
        return today, ""
    try:
        return dt.date.fromisoformat(text), ""
    except ValueError:
        return today, f"“{text}” is not a date: write it as YYYY-MM-DD, such as {today.isoformat()}. Showing today."


# --- The list ------------------------------------------------------------------------------------
@requires(RolesCapability.VIEW)
@require_safe
def role_list(request: HttpRequest) -> HttpResponse:
    roles = Role.objects.order_by("title", "org_unit__name")
    query = request.GET.get("q", "").strip()
    if query:
        holder_named = RoleAssignment.objects.filter(
            held_on(timezone.localdate()), role=OuterRef("pk"), person__full_name__icontains=query
        )
        roles = roles.filter(
            Q(title__icontains=query) | Q(purpose__icontains=query) | Q(responsibilities__icontains=query)
            | Q(authorities__icontains=query) | Exists(holder_named)
        )
    unit = request.GET.get("unit", "")
    units = list(OrgUnit.objects.order_by("name"))
    chosen = next((u for u in units if str(u.pk) == unit), None)
    if chosen is not None:
        roles = roles.filter(org_unit_id__in=chosen.descendant_ids())
    page = paginate(request, roles_with_holders(roles))
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
def role_detail(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role.objects.select_related("org_unit", "reports_to__org_unit"), pk=pk)
    today = timezone.localdate()
    day, bad_date = _day_asked(request)
    assignments = list(role.assignments.select_related("person").order_by("-starts_on", "person__full_name"))
    held = [a for a in assignments if a.current_on(day)]
    held.sort(key=lambda a: (a.is_deputy, a.person.full_name))
    others = [a for a in assignments if not a.current_on(day)]

    # Each person's latest acknowledgement of the role, to say whether it covers the current revision.
    latest: dict[int, RoleAcknowledgement] = {}
    for ack in role.acknowledgements.order_by("revision"):
        latest[ack.person_id] = ack
    for assignment in held:
        assignment.ack = latest.get(assignment.person_id)
        assignment.acknowledged = assignment.ack is not None and assignment.ack.revision == role.revision

    mine = [a for a in held if a.person_id == request.user.pk] if day == today else []
    my_ack = latest.get(request.user.pk)
    return render(request, "roles/role_detail.html", {
        "role": role,
        "day": day,
        "today": today,
        "is_today": day == today,
        "bad_date": bad_date,
        "holders": Holders(held),
        "others": others,
        "direct_reports": list(role.direct_reports.select_related("org_unit").order_by("title")),
        "letters": letters_by_process(_cells_of([role]).get(role.pk, [])),
        "duties": list(role.duties.order_by("code")),
        "owned_processes": list(role.owned_processes.order_by("name")),
        "i_hold_it": bool(mine),
        "i_must_acknowledge": bool(mine) and (my_ack is None or my_ack.revision != role.revision),
    })


# --- Defining roles ------------------------------------------------------------------------------
@requires(RolesCapability.MANAGE)
def role_create(request: HttpRequest) -> HttpResponse:
    initial = {name: request.GET[name] for name in ("org_unit", "reports_to") if request.GET.get(name, "").isdigit()}
    form = RoleForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        role = role_save(role=form.save(commit=False), by=request.user)
        messages.success(request, f"The role “{role}” is created. Assign the people who hold it.")
        return redirect("role_detail", pk=role.pk)
    return render(request, "roles/role_form.html", {"form": form, "role": None})


@requires(RolesCapability.MANAGE)
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role.objects.select_related("org_unit"), pk=pk)
    revision = role.revision
    form = RoleForm(posted(request), instance=role)
    if request.method == "POST" and form.is_valid():
        role = role_save(role=form.save(commit=False), by=request.user)
        if role.revision > revision:
            holders = Holders(list(role.assignments.filter(held_on(timezone.localdate())))).people
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
        return redirect("role_detail", pk=role.pk)
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


def _assignment_page(request: HttpRequest, form: AssignmentForm, assignment: RoleAssignment) -> HttpResponse | None:
    """Save a valid posted assignment and redirect to its role; None to show the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    created = assignment.pk is None
    try:
        saved = assignment_save(assignment=form.save(commit=False), by=request.user)
    except ValueError as error:
        form.add_error(None, str(error))
        return None
    messages.success(request, _assignment_saved_message(saved, created=created))
    return redirect("role_detail", pk=saved.role_id)


@requires(RolesCapability.MANAGE)
def assignment_create(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role.objects.select_related("org_unit"), pk=pk)
    assignment = RoleAssignment(role=role)
    form = AssignmentForm(posted(request), instance=assignment)
    return _assignment_page(request, form, assignment) or render(
        request, "roles/role_assignment_form.html", {"form": form, "role": role, "assignment": None}
    )


@requires(RolesCapability.MANAGE)
def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
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
def role_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """A holder confirms they understand the revision of the role they were shown."""
    role = get_object_or_404(Role, pk=pk)
    seen = request.POST.get("revision", "")
    try:
        acknowledgement_record(role=role, person=request.user, revision_seen=int(seen) if seen.isdigit() else 0)
    except RoleChangedSinceShown as changed:
        messages.warning(request, str(changed))
    except ValueError as already:
        messages.info(request, f"{already} Your first acknowledgement stands.")
    else:
        messages.success(request, f"Thank you: you acknowledged “{role}” (revision {role.revision}).")
    return redirect("my_roles")


# --- My roles ------------------------------------------------------------------------------------
@dataclass
class MyRole:
    """One role the person holds, with what it asks of them and where they stand on acknowledging it."""

    role: Role
    assignments: list[RoleAssignment]
    letters: list[ProcessLetters] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    acknowledged: RoleAcknowledgement | None = None
    changes: RevisionChanges | None = None

    @property
    def is_deputy(self) -> bool:
        return all(a.is_deputy for a in self.assignments)

    @property
    def since(self) -> dt.date:
        return min(a.starts_on for a in self.assignments)

    @property
    def to_acknowledge(self) -> bool:
        return self.acknowledged is None or self.acknowledged.revision != self.role.revision


@login_only
@require_safe
def my_roles(request: HttpRequest) -> HttpResponse:
    held = (
        RoleAssignment.objects.filter(held_on(timezone.localdate()), person=request.user)
        .select_related("role__org_unit", "role__reports_to")
        .order_by("role__title", "starts_on")
    )
    mine: dict[int, MyRole] = {}
    for assignment in held:
        mine.setdefault(assignment.role_id, MyRole(assignment.role, [])).assignments.append(assignment)
    roles = [entry.role for entry in mine.values()]
    cells, duties = _cells_of(roles), _duties_of(roles)
    for ack in RoleAcknowledgement.objects.filter(person=request.user, role__in=roles).order_by("revision"):
        mine[ack.role_id].acknowledged = ack
    for entry in mine.values():
        entry.letters = letters_by_process(cells.get(entry.role.pk, []))
        entry.duties = duties.get(entry.role.pk, [])
    # Why a role asks to be acknowledged again: what changed since the revision the person acknowledged (or
    # since the revision before, for a role they have not acknowledged yet).
    changed = role_changes_since(
        (e.role, e.acknowledged.revision if e.acknowledged else e.role.revision - 1)
        for e in mine.values() if e.to_acknowledge and e.role.revision > 1
    )
    for entry in mine.values():
        entry.changes = changed.get(entry.role.pk)
    entries = sorted(mine.values(), key=lambda e: (not e.to_acknowledge, e.role.title))
    return render(request, "roles/my_roles.html", {
        "entries": entries,
        "pending": sum(1 for e in entries if e.to_acknowledge),
    })

