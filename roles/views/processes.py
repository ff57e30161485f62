"""Processes and their ordered activities: the list, a process's page, and the quality manager's edits."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from qms_portal.access import requires, user_can
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest
from qms_portal.pagination import paginate
from roles.access import RolesCapability
from roles.forms.processes import ActivityForm, MoveForm, ProcessForm
from roles.models import Activity, Process, RaciCell, RaciLetter, Role
from roles.processes import activity_delete as delete_activity
from roles.processes import activity_move as move_activity
from roles.processes import activity_save, process_save
from roles.raci import LinkedBreak, Matrix, activity_process_codes, health_summary, matrix_url

LETTER_ORDER: list[str] = [RaciLetter.ACCOUNTABLE, RaciLetter.RESPONSIBLE, RaciLetter.CONSULTED, RaciLetter.INFORMED]


@dataclass(frozen=True)
class LetterGroup:
    """The roles that have one letter for an activity."""

    letter: str
    label: str
    roles: list[Role]


@dataclass(frozen=True)
class ActivityLine:
    """An activity as its process's page lists it: its letters by kind and the rules it breaks."""

    activity: Activity
    letters: list[LetterGroup]
    breaks: list[LinkedBreak]
    first: bool
    last: bool


@requires(RolesCapability.VIEW)
@require_safe
def process_list(request: SignedInRequest) -> HttpResponse:
    processes = Process.objects.select_related("owner_role").annotate(activity_count=Count("activities"))
    page = paginate(request, processes.order_by("name"))
    codes = activity_process_codes()
    breaks = health_summary(processes_by_activity=codes, can_manage=False).breaks
    breaks_by_process = Counter(codes.get(b.rule_break.activity_id) for b in breaks if b.rule_break.activity_id)
    for process in page.object_list:
        process.matrix_url = matrix_url({"process": process.code})
        process.break_count = breaks_by_process[process.code]
    return render(request, "roles/process_list.html", {"page": page})


def _activity_lines(request: SignedInRequest, process: Process) -> list[ActivityLine]:
    """The process's activities in order, each with its letters and the activity rules it breaks."""
    cells = RaciCell.objects.select_related("role").order_by("role__title")
    activities = list(process.activities.order_by("position", "pk").prefetch_related(Prefetch("cells", cells)))
    # The activity rules need only this process's letters: a matrix of its activities alone.
    matrix = Matrix(
        activities={a.pk: f"{process} — {a.name}" for a in activities},
        roles={},
        letters={(a.pk, c.role_id): c.letter for a in activities for c in a.cells.all()},
    )
    codes = {a.pk: process.code for a in activities}
    health = health_summary(
        matrix=matrix, processes_by_activity=codes, can_manage=user_can(request.user, RolesCapability.MANAGE)
    )
    lines = []
    for n, activity in enumerate(activities):
        groups = [
            LetterGroup(letter, RaciLetter(letter).label, [c.role for c in activity.cells.all() if c.letter == letter])
            for letter in LETTER_ORDER
        ]
        lines.append(ActivityLine(
            activity,
            [group for group in groups if group.roles],
            [b for b in health.breaks if b.rule_break.activity_id == activity.pk],
            first=n == 0,
            last=n == len(activities) - 1,
        ))
    return lines


@requires(RolesCapability.VIEW)
@require_safe
def process_detail(request: SignedInRequest, code: str) -> HttpResponse:
    process = get_object_or_404(Process.objects.select_related("owner_role__org_unit"), code=code)
    lines = _activity_lines(request, process)
    return render(request, "roles/process_detail.html", {
        "process": process,
        "lines": lines,
        "break_count": sum(len(line.breaks) for line in lines),
        "matrix_url": matrix_url({"process": process.code}),
    })


@requires(RolesCapability.MANAGE)
def process_create(request: SignedInRequest) -> HttpResponse:
    form = ProcessForm(posted(request))
    if request.method == "POST" and form.is_valid():
        process = process_save(process=form.save(commit=False), by=request.user)
        messages.success(request, f"The process “{process}” is created. Add its activities in order.")
        return redirect("roles:process_detail", code=process.code)
    return render(request, "roles/process_form.html", {"form": form, "process": None})


@requires(RolesCapability.MANAGE)
def process_edit(request: SignedInRequest, code: str) -> HttpResponse:
    process = get_object_or_404(Process, code=code)
    form = ProcessForm(posted(request), instance=process)
    if request.method == "POST" and form.is_valid():
        process = process_save(process=form.save(commit=False), by=request.user)
        messages.success(request, f"The process “{process}” is saved.")
        return redirect("roles:process_detail", code=process.code)
    return render(request, "roles/process_form.html", {"form": form, "process": process})


def _to_activity(activity: Activity) -> HttpResponse:
    url = reverse("roles:process_detail", kwargs={"code": activity.process.code})
    return redirect(f"{url}#activity-{activity.pk}")


@requires(RolesCapability.MANAGE)
def activity_create(request: SignedInRequest, code: str) -> HttpResponse:
    process = get_object_or_404(Process, code=code)
    form = ActivityForm(posted(request), process=process, instance=Activity(process=process))
    if request.method == "POST" and form.is_valid():
        activity = activity_save(activity=form.save(commit=False), by=request.user)
        messages.success(
            request, f"“{activity.name}” is added at the end of {process}. Give it its letters in the RACI matrix."
        )
        return _to_activity(activity)
    return render(request, "roles/activity_form.html", {"form": form, "process": process, "activity": None})


def _activity(pk: int) -> Activity:
    return get_object_or_404(Activity.objects.select_related("process"), pk=pk)


@requires(RolesCapability.MANAGE)
def activity_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    activity = _activity(pk)
    process = activity.process
    form = ActivityForm(posted(request), process=process, instance=activity)
    if request.method == "POST" and form.is_valid():
        activity = activity_save(activity=form.save(commit=False), by=request.user)
        messages.success(request, f"The activity “{activity.name}” is saved.")
        return _to_activity(activity)
    return render(request, "roles/activity_form.html", {"form": form, "process": process, "activity": activity})


@requires(RolesCapability.MANAGE)
@require_POST
def activity_move(request: SignedInRequest, pk: int) -> HttpResponse:
    activity = _activity(pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors["direction"])))
    elif not move_activity(activity=activity, direction=form.cleaned_data["direction"], by=request.user):
        where = "first" if form.cleaned_data["direction"] == "up" else "last"
        messages.info(request, f"“{activity.name}” is already the {where} activity of {activity.process}.")
    return _to_activity(activity)


@requires(RolesCapability.MANAGE)
def activity_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    activity = _activity(pk)
    if request.method == "POST":
        delete_activity(activity=activity, by=request.user)
        messages.success(request, f"“{activity.name}” and its letters are deleted from {activity.process}.")
        return redirect("roles:process_detail", code=activity.process.code)
    cells = activity.cells.select_related("role").order_by("role__title")
    letters = sorted(cells, key=lambda cell: LETTER_ORDER.index(cell.letter))
    return render(request, "roles/activity_delete.html", {"activity": activity, "letters": letters})
