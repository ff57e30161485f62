"""The RACI matrix page, the one-cell editor (inline with htmx, or a plain form page) and the RACI health page.

The grid itself is read and written by roles/grid.py, in a fixed number of queries whatever its size; it pages
through activities, while the rule breaks listed above it are those of the whole matrix.
"""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qms_portal.access import requires, user_can
from qms_portal.forms import ReasonForm
from qms_portal.http import SignedInRequest
from qms_portal.pagination import paginate, querystring_without_page
from roles.access import RolesCapability
from roles.forms.processes import CellForm, MatrixFilterForm
from roles.grid import (
    GRID_ROWS_PER_PAGE,
    activity_head_html,
    cell_html,
    cell_link,
    entries_by_activity,
    entries_by_role,
    entries_letters_read,
    filters_of,
    grid_activities,
    grid_build,
    grid_page_holding,
    grid_problems,
    matrix_data_load,
    matrix_letters_load,
    role_head_html,
    with_filters,
)
from roles.models import Activity, RaciCell, RaciLetter, Role
from roles.raci import HealthReport, health_summary, matrix_url, raci_cell_set

# How many rule breaks the matrix page lists above the grid; the health page lists them all.
BREAKS_SHOWN = 12
# How many activities or roles a page of the matrix read one at a time lists.
LISTED_PER_PAGE = 20
# The reason of the quality manager's editing session of the grid: asked once above it, kept on every letter set
# until they stop editing or sign out.
EDITING_REASON = "roles.raci_editing_reason"


def breaks_context(health: HealthReport) -> dict[str, object]:
    """What the rule-break list above the grid (``_matrix_breaks.html``) needs."""
    return {"health": health, "shown_breaks": health.breaks[:BREAKS_SHOWN], "more_breaks": health.count - BREAKS_SHOWN}


def editing_reason(request: SignedInRequest) -> str:
    """The reason given for this session's changes to the grid, or "" before one is given."""
    return str(request.session.get(EDITING_REASON, ""))


@requires(RolesCapability.VIEW)
@require_safe
def raci_matrix(request: SignedInRequest) -> HttpResponse:
    return _matrix_page(request, ReasonForm())


def _matrix_page(request: SignedInRequest, reason_form: ReasonForm) -> HttpResponse:
    data = matrix_data_load()
    form = MatrixFilterForm(
        request.GET or None,
        units=[(code, name) for _, code, name, _ in data.units],
        processes=[(code, name) for _, code, name in data.processes],
    )
    filters = form.chosen()
    can_manage = user_can(request.user, RolesCapability.MANAGE)
    reason = editing_reason(request) if can_manage else ""
    # Cells become links to their editor only once the session's reason is given.
    editable = can_manage and bool(reason)
    health = health_summary(matrix=data.counts, processes_by_activity=data.process_codes(), can_manage=can_manage)
    # The grid, or (for a phone, where one role column fits) the same letters read one activity or one role at a time.
    by = request.GET.get("by")
    listed = {"activity": entries_by_activity, "role": entries_by_role}.get(by or "")
    view: dict[str, object]
    # Where the quality manager is: links from the grid (cells, the editing session) come back to the same page.
    place = filters
    if listed is not None:
        listed_page = paginate(request, listed(data, health, filters=filters), per_page=LISTED_PER_PAGE)
        entries_letters_read(data, listed_page.object_list, by=by or "", filters=filters)
        view = {
            "by": by,
            "page": listed_page,
            "querystring": querystring_without_page(request),
            "count_label": "activities" if by == "activity" else "roles",
        }
    else:
        # A page of activities, and only its letters: a large matrix is tens of thousands of cells. A link to an
        # activity's row (a rule break's fix) names the activity, and opens the page holding it.
        activities = grid_activities(data, filters=filters)
        page = paginate(request, activities, per_page=GRID_ROWS_PER_PAGE,
                        number=grid_page_holding(activities, request.GET.get("activity")))
        place = {**filters, "page": str(page.number)} if page.number > 1 else filters
        letters = matrix_letters_load([pk for pk, _, _ in page.object_list])
        view = {
            "by": "",
            "page": page,
            "querystring": urlencode(filters),
            "grid": grid_build(
                data, health, activities=page.object_list, letters=letters, filters=filters, editable=editable,
                kept=place,
            ),
        }
    return render(request, "roles/matrix.html", {
        **view,
        "view_urls": {
            "grid": with_filters(request.path, filters),
            **{name: with_filters(request.path, {**filters, "by": name}) for name in ("activity", "role")},
        },
        "form": form,
        "filters": filters,
        **breaks_context(health),
        "editable": editable,
        "can_manage": can_manage,
        "editing_reason": reason,
        "reason_form": reason_form,
        "editing_url": with_filters(reverse("roles:raci_editing"), place),
        "matrix_size": (len(data.counts.activities), len(data.counts.roles)),
    })


@requires(RolesCapability.MANAGE)
@require_POST
def raci_editing(request: SignedInRequest) -> HttpResponse:
    """Start editing the grid by saying why (kept in the session, on every letter set), or stop editing."""
    filters = filters_of(request.GET)
    if "stop" in request.POST:
        request.session.pop(EDITING_REASON, None)
        messages.info(request, "You stopped editing the matrix. Give a reason to change letters again.")
        return redirect(matrix_url(filters))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _matrix_page(request, form)
    request.session[EDITING_REASON] = form.stated_reason
    messages.success(request, "Click a cell to set its letter: each one keeps your reason in the audit trail.")
    return redirect(matrix_url(filters))


# --- One cell -----------------------------------------------------------------------------------------------------
def _cell_answer(request: SignedInRequest, activity: Activity, role: Role, filters: dict[str, str]) -> HttpResponse:
    """The htmx answer to a change: the cell, and out of band the rule-break list and the heads of its row and
    column, whose marks may have changed."""
    health = health_summary()
    activity_problems, role_problems = grid_problems(health)
    letter = RaciCell.objects.filter(activity=activity, role=role).values_list("letter", flat=True).first()
    cell = cell_html(activity.pk, role.pk, letter, link=cell_link(activity.pk, role.pk, filters))
    return render(request, "roles/_matrix_cell_changed.html", {
        "cell": mark_safe(cell),  # noqa: S308 - ids and a letter; the link is escaped
        "activity_head": activity_head_html(activity.pk, activity.name, activity_problems[activity.pk], oob=True),
        "role_head": role_head_html(role.pk, role.title, str(role.org_unit), role_problems[role.pk], oob=True),
        **breaks_context(health),
        "oob": True,
    })


@requires(RolesCapability.MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def raci_cell(request: SignedInRequest, activity: int, role: int) -> HttpResponse:
    """Set one letter: the inline editor for htmx, a plain form page without JavaScript."""
    return _cell_edit(
        request,
        get_object_or_404(Activity.objects.select_related("process"), pk=activity),
        get_object_or_404(Role.objects.select_related("org_unit"), pk=role),
    )


def _cell_edit(request: SignedInRequest, activity: Activity, role: Role) -> HttpResponse:
    filters = filters_of(request.GET)
    current = RaciCell.objects.filter(activity=activity, role=role).values_list("letter", flat=True).first()
    if request.method == "POST":
        form = CellForm(request.POST, session_reason=editing_reason(request))
        if form.is_valid():
            letter = form.letter_or_none()
            # A reason posted with the letter (the cell's own page) is the session's from now on.
            request.session[EDITING_REASON] = form.stated_reason
            raci_cell_set(activity=activity, role=role, letter=letter, by=request.user, reason=form.stated_reason)
            if request.htmx:
                return _cell_answer(request, activity, role, filters)
            if letter:
                meaning = f"{RaciLetter(letter).label} ({letter})"
                messages.success(request, f"{role.title} is now {meaning} for “{activity.name}”.")
            else:
                messages.success(request, f"{role.title} has no letter for “{activity.name}” any more.")
            return redirect(matrix_url(filters, activity_id=activity.pk))
    elif request.htmx and request.GET.get("view") == "cell":
        # The editor's cancel button: the cell as it was.
        return HttpResponse(cell_html(activity.pk, role.pk, current, link=cell_link(activity.pk, role.pk, filters)))
    else:
        form = CellForm(initial={"letter": current or ""}, session_reason=editing_reason(request))
    context = {
        "activity": activity,
        "role": role,
        "form": form,
        "current": current,
        "filters": filters,
        "cell_url": with_filters(request.path, filters),
        "cancel_url": with_filters(request.path, {**filters, "view": "cell"}),
        "back_url": matrix_url(filters, activity_id=activity.pk),
        "letters": RaciLetter.choices,
    }
    if request.htmx:
        return render(request, "roles/_matrix_cell_editor.html", context)
    others = RaciCell.objects.filter(activity=activity).exclude(role=role).select_related("role").order_by("letter")
    return render(request, "roles/raci_cell.html", {**context, "others": list(others)})


# --- Health --------------------------------------------------------------------------------------------------------
@requires(RolesCapability.VIEW)
@require_safe
def raci_health(request: SignedInRequest) -> HttpResponse:
    health = health_summary(can_manage=user_can(request.user, RolesCapability.MANAGE))
    return render(request, "roles/health.html", {"health": health, "groups": health.by_rule()})
