"""Action pages: the list with its filters, each person's own actions, an action's page with its notes and
status moves, and creating or changing an action. Each write calls one function of ``leadership.actions``;
refusals come back as 403 (who), 409 (state: ``StepRefused``, answered by the access middleware) or the page
again with the form's errors."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Field, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from leadership import actions as workflow
from leadership.access import LeadershipCapability
from leadership.forms.actions import ACTIVE, ActionFilterForm, ActionForm, NoteForm, StatusForm, source_value
from leadership.models import Action, ActionStatus, Commitment, QualityObjective
from leadership.models.actions import ACTIVE_STATUSES, overdue_q
from leadership.reminders import ACTION_RECORD, reminders_sent
from qms_portal.access import login_only, requires
from qms_portal.audit import AuditAction, AuditEntry, audit_history
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest
from qms_portal.pagination import paginate, querystring_without_page

VIEW = LeadershipCapability.VIEW
MANAGE = LeadershipCapability.MANAGE_ACTIONS
RECENTLY_DONE = 10
# The buttons an action's page offers, in the order a person reads them, with what each says.
MOVE_LABELS = {
    ActionStatus.IN_PROGRESS: "Start",
    ActionStatus.DONE: "Mark done",
    ActionStatus.OPEN: "Back to open",
    ActionStatus.CANCELLED: "Cancel the action",
}
SOURCES = ("source_review", "source_commitment", "source_objective")


def _with_dates(actions: Iterable[Action], today: dt.date) -> list[Action]:
    """Mark each action with how many days it is overdue (0 when it is not) and how many days are left."""
    actions = list(actions)
    for action in actions:
        action.days_overdue = (today - action.due_on).days if action.overdue_on(today) else 0
        action.days_left = (action.due_on - today).days
    return actions


def _safe_next(request: SignedInRequest, fallback: str) -> str:
    """The ``next`` the form carried when it is a URL of this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _action_for(request: SignedInRequest, pk: int) -> Action:
    """The action, if this person may open it (its owner, or a reader of leadership records); 403 otherwise."""
    action = get_object_or_404(Action.objects.select_related("owner", "created_by", *SOURCES), pk=pk)
    if not workflow.may_see_action(action, request.user):
        raise PermissionDenied("Only the action's owner and readers of the leadership records may open it.")
    return action


# --- The list ------------------------------------------------------------------------------------
@requires(VIEW)
@require_safe
def action_list(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ActionFilterForm(request.GET)
    form.is_valid()
    chosen = form.cleaned_data
    actions = Action.objects.select_related("owner", *SOURCES)
    if chosen.get("owner"):
        actions = actions.filter(owner=chosen["owner"])
    status = chosen.get("status", ACTIVE)
    if status == ACTIVE:
        actions = actions.active()
    elif status:
        actions = actions.filter(status=status)
    if chosen.get("source"):
        actions = actions.from_source(chosen["source"])
    if chosen.get("overdue") == "yes":
        actions = actions.overdue(today)
    elif chosen.get("overdue") == "no":
        actions = actions.exclude(overdue_q(today))
    page = paginate(request, actions.order_by("due_on", "pk"))
    _with_dates(page.object_list, today)
    counts = Action.objects.aggregate(
        open=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)), overdue=Count("pk", filter=overdue_q(today))
    )
    filtered = any(chosen.get(name) for name in ("owner", "source", "overdue")) or status != ACTIVE
    return render(request, "leadership/action_list.html", {
        "page": page,
        "form": form,
        "counts": counts,
        "filtered": filtered,
        "querystring": querystring_without_page(request),
        "today": today,
    })


# --- Each person's own ---------------------------------------------------------------------------
@login_only
@require_safe
def my_actions(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    to_do = _with_dates(workflow.actions_for(request.user).order_by("due_on", "pk"), today)
    for action in to_do:
        action.moves = _moves(action, request)
    done = _with_dates(
        Action.objects.filter(owner=request.user, status=ActionStatus.DONE)
        .select_related(*SOURCES)
        .order_by("-completed_on", "-pk")[:RECENTLY_DONE],
        today,
    )
    return render(request, "leadership/my_actions.html", {
        "to_do": to_do,
        "overdue": sum(1 for action in to_do if action.days_overdue),
        "done": done,
        "today": today,
    })


def _moves(action: Action, request: SignedInRequest) -> list[tuple[str, str]]:
    """The status buttons this person may press on ``action``, as (status, label), in a fixed order."""
    allowed = workflow.status_moves_allowed(action, request.user)
    finished = action.status in (ActionStatus.DONE, ActionStatus.CANCELLED)
    return [
        (status, "Reopen" if finished and status == ActionStatus.OPEN else label)
        for status, label in MOVE_LABELS.items()
        if status in allowed
    ]


# --- An action's page ----------------------------------------------------------------------------
def _history(action: Action) -> list[AuditEntry]:
    """The action's recorded life from the audit trail, oldest first: created, changed, each status move."""
    entries = list(audit_history(action))
    for entry in entries:
        if entry.action == AuditAction.STEP and "status" in entry.changes:
            before, after = entry.changes["status"]
            entry.label = f"{_status_label(before)} → {_status_label(after)}"
        elif entry.action == AuditAction.CREATE:
            entry.label = "Created"
        else:
            changed = sorted(set(entry.changes) - {"status", "completed_on"})
            names = [str(field.verbose_name) for name in changed if (field := _field(name)) is not None]
            entry.label = f"Changed: {', '.join(names)}" if names else ""
    return [entry for entry in entries if entry.label]


def _field(name: str) -> Field | None:
    """The action's own field of that name (changes name only those, never a relation from another model)."""
    return next((field for field in Action._meta.get_fields() if field.name == name and isinstance(field, Field)), None)


def _status_label(value: str) -> str:
    return ActionStatus(value).label if value in ActionStatus.values else value


def _render_detail(
    request: SignedInRequest,
    action: Action,
    *,
    note_form: NoteForm | None = None,
    status_form: StatusForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    _with_dates([action], today)
    return render(request, "leadership/action_detail.html", {
        "action": action,
        "notes": list(action.notes.select_related("author").order_by("-created_at", "-pk")),
        "history": _history(action),
        "moves": _moves(action, request),
        "may_work_on": workflow.may_work_on_action(action, request.user),
        "note_form": note_form or NoteForm(),
        "status_form": status_form,
        "today": today,
        "reminders": reminders_sent(ACTION_RECORD, action.pk),
    }, status=status)


@login_only
@require_safe
def action_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _action_for(request, pk))


def _refuse_unless_may_work_on(request: SignedInRequest, action: Action) -> None:
    if not workflow.may_work_on_action(action, request.user):
        raise PermissionDenied("Only the action's owner or a manager of actions may change it.")


@login_only
@require_POST
def action_status(request: SignedInRequest, pk: int) -> HttpResponse:
    action = _action_for(request, pk)
    _refuse_unless_may_work_on(request, action)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The status was not changed: choose one of the buttons.")
        return _render_detail(request, action, status_form=form)
    before = action.get_status_display()
    action = workflow.action_update_status(
        action=action, status=form.cleaned_data["status"], note=form.cleaned_data["note"], by=request.user
    )
    messages.success(request, f"“{action}” moved from {before.lower()} to {action.get_status_display().lower()}.")
    return redirect(_safe_next(request, reverse("leadership:action_detail", args=[action.pk])))


@login_only
@require_POST
def action_note_add(request: SignedInRequest, pk: int) -> HttpResponse:
    action = _action_for(request, pk)
    _refuse_unless_may_work_on(request, action)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            workflow.action_note_add(action=action, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your note is added.")
            return redirect(_safe_next(request, reverse("leadership:action_detail", args=[action.pk])))
    messages.error(request, "The note was not added: write it first.")
    return _render_detail(request, action, note_form=form)


# --- Creating and changing -----------------------------------------------------------------------
@requires(MANAGE)
def action_create(request: SignedInRequest) -> HttpResponse:
    # Raised from an objective's or a commitment's page: ?objective=<pk> or ?commitment=<code> chooses the source.
    initial = {}
    objective, commitment = request.GET.get("objective", ""), request.GET.get("commitment", "")
    if objective.isdigit():
        initial["source"] = source_value(QualityObjective.objects.filter(pk=objective).first())
    elif commitment:
        initial["source"] = source_value(Commitment.objects.filter(code=commitment).first())
    form = ActionForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = workflow.action_create(
                title=data["title"], description=data["description"], owner=data["owner"], due_on=data["due_on"],
                source=data["source"], by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The action is created. {action.owner} finds it under “My actions”.")
            return redirect("leadership:action_detail", pk=action.pk)
    return render(request, "leadership/action_form.html", {"form": form, "action": None})


@requires(MANAGE)
def action_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action.objects.select_related("owner", *SOURCES), pk=pk)
    initial = {"title": action.title, "description": action.description, "owner": action.owner, "due_on": action.due_on}
    form = ActionForm(posted(request), initial=initial, with_source=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = workflow.action_edit(
                action=action, title=data["title"], description=data["description"], owner=data["owner"],
                due_on=data["due_on"], by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"“{action}” is saved.")
            return redirect("leadership:action_detail", pk=action.pk)
    return render(request, "leadership/action_form.html", {"form": form, "action": action})
