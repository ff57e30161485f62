"""Actions: creating them, moving them through their states, progress notes, and each person's own list.

    open <-> in progress -> done;  open or in progress -> cancelled;  done or cancelled -> open (reopened)

The action's owner may start it, put it back to open and mark it done, whatever their portal role, and
add progress notes; holders of ``manage_actions`` may do all of that on any action, and alone may cancel,
reopen and edit one. Every change is recorded in the audit trail, a status change as a step with its note.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from leadership.access import LeadershipCapability
from leadership.models import (
    Action,
    ActionNote,
    ActionStatus,
    Commitment,
    ManagementReview,
    QualityObjective,
    ReviewOutput,
)
from qms_portal.access import require_capability, user_can
from qms_portal.audit import audit_context, audit_step, audited_bulk_create, audited_bulk_step, audited_bulk_update
from qms_portal.models import User
from qms_portal.workflow import StateMachine, Step

MANAGE = LeadershipCapability.MANAGE_ACTIONS


def _refused(action: Action, status: str) -> str:
    # Named first: inside the f-string, ``!r`` would apply to the whole conditional and quote the label too.
    wanted = ActionStatus(status).label.lower() if status in ActionStatus.values else repr(status)
    return f"“{action}” is {action.get_status_display().lower()}: it cannot become {wanted}."


# Each step is the status an action moves to, from the statuses it may move from; a manager of actions may
# take them all, the owner those of OWNER_MOVES.
ACTION_STEPS = StateMachine(
    Step(ActionStatus.OPEN, "Back to open", (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED),
         MANAGE),
    Step(ActionStatus.IN_PROGRESS, "Start", (ActionStatus.OPEN,), MANAGE),
    Step(ActionStatus.DONE, "Mark done", (ActionStatus.OPEN, ActionStatus.IN_PROGRESS), MANAGE),
    Step(ActionStatus.CANCELLED, "Cancel", (ActionStatus.OPEN, ActionStatus.IN_PROGRESS), MANAGE),
    record="the action",
    message=_refused,
    back=lambda action: (reverse("leadership:action_detail", args=[action.pk]), "Back to the action"),
)

# What the owner may do without manage_actions: work on it and finish it, not cancel or reopen it.
OWNER_MOVES = {
    (ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
    (ActionStatus.IN_PROGRESS, ActionStatus.OPEN),
    (ActionStatus.OPEN, ActionStatus.DONE),
    (ActionStatus.IN_PROGRESS, ActionStatus.DONE),
}


def _is_owner(action: Action, user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and action.owner_id == user.pk)


def may_see_action(action: Action, user: User) -> bool:
    """Whether ``user`` may open ``action``: its owner, or anyone who reads the leadership records."""
    return _is_owner(action, user) or user_can(user, LeadershipCapability.VIEW)


def may_work_on_action(action: Action, user: User) -> bool:
    """Whether ``user`` may move ``action`` or note its progress at all: its owner or a manager of actions."""
    return user_can(user, MANAGE) or _is_owner(action, user)


def status_moves_allowed(action: Action, user: User) -> set[str]:
    """The statuses ``user`` may move ``action`` to now, for views to offer only those."""
    moves = ACTION_STEPS.from_state(action)
    if user_can(user, MANAGE):
        return set(moves)
    if _is_owner(action, user):
        return {target for target in moves if (action.status, target) in OWNER_MOVES}
    return set()


def _check_fields(*, title: str, owner: User | None, due_on: dt.date | None) -> tuple[User, dt.date]:
    """Refuse a blank title or a missing or inactive owner or due date; the owner and date, known to be there."""
    errors = {}
    if not title.strip():
        errors["title"] = "Say what must be done."
    if owner is None or not owner.is_active:
        errors["owner"] = "Choose an active person to own the action."
    if due_on is None:
        errors["due_on"] = "Give the date it is due."
    if errors or owner is None or due_on is None:  # the last two are in errors already; they narrow the types
        raise ValidationError(errors)
    return owner, due_on


def create_from_source(
    *,
    title: str,
    owner: User | None,
    due_on: dt.date | None,
    description: str = "",
    source_review: ManagementReview | None = None,
    decision: ReviewOutput | None = None,
    source_commitment: Commitment | None = None,
    source_objective: QualityObjective | None = None,
    by: User,
) -> Action:
    """Create an action once the caller has checked who may; used by ``action_create`` and review decisions.
    A missing owner or due date is refused here (``ValidationError``), as a review decision may lack them."""
    owner, due_on = _check_fields(title=title, owner=owner, due_on=due_on)
    with audit_context(actor=by):
        return Action.objects.create(
            title=title.strip(),
            description=description.strip(),
            owner=owner,
            due_on=due_on,
            source_review=source_review,
            decision=decision,
            source_commitment=source_commitment,
            source_objective=source_objective,
            created_by=by,
        )


@transaction.atomic
def actions_create_bulk(*, actions: list[Action], by: User, reason: str) -> list[Action]:
    """Create many actions at once, as ``action_create`` creates one (a review's decisions, an import, the large
    demo): each needs its title, owner and due date (``ValidationError`` on the first without, and nothing is
    written); an action started by a review's decision belongs to that decision's review, which must still take
    decisions (``StepRefused`` otherwise, as ``review_decision_add``). Each starts open; completing them is
    ``actions_complete_bulk``. ``by`` is recorded as their creator. Written through the audited bulk path with
    ``reason``."""
    # Imported here: the reviews create their decisions' actions through this module.
    from leadership.reviews import step_check

    require_capability(by, MANAGE, doing="create actions")
    for action in actions:
        if action.pk is not None:
            raise ValueError("actions_create_bulk() creates new actions only.")
        _check_fields(title=action.title, owner=action.owner if action.owner_id else None, due_on=action.due_on)
        if action.decision_id is not None and action.decision.review_id != action.source_review_id:
            raise ValidationError(f"“{action.title}”: its decision was taken at another review than its source.")
        action.title, action.description, action.created_by = action.title.strip(), action.description.strip(), by
        action.status, action.completed_on = ActionStatus.OPEN, None
    deciding = {action.source_review_id for action in actions
                if action.decision_id is not None and action.source_review_id is not None}
    for review in ManagementReview.objects.select_for_update().filter(pk__in=deciding).order_by("pk"):
        step_check(review, "decide")
    with audit_context(actor=by):
        return audited_bulk_create(Action, actions, reason=reason)


def _actions_locked(actions: list[Action]) -> tuple[list[Action], dict[int, Action]]:
    """``actions`` each once (the first copy of one listed twice), and their rows as recorded, locked; an action no
    longer recorded is refused with ``ValidationError`` before anything is written."""
    listed = list({action.pk: action for action in actions}.values())
    stored = Action.objects.select_for_update().in_bulk([action.pk for action in listed])
    missing = [action for action in listed if action.pk not in stored]
    if missing:
        ids = ", ".join(f"#{action.pk}" for action in missing)
        gone = f"Action {ids} no longer exists" if len(missing) == 1 else f"Actions {ids} no longer exist"
        raise ValidationError(f"{gone}: nothing was changed.")
    return listed, stored


@transaction.atomic
def actions_complete_bulk(*, actions: list[Action], by: User, reason: str) -> int:
    """Mark many open or in-progress actions done today at once, as ``action_update_status`` marks one (a manager of
    actions closing them after a review, the large demo); an action in another state is refused as one by one
    (``StepRefused``), one no longer recorded with ``ValidationError``, and nothing is written. Each is completed once
    however often listed. Written through the audited bulk path with ``reason``."""
    require_capability(by, MANAGE, doing="complete actions")
    today = timezone.localdate()
    actions, stored = _actions_locked(actions)
    for action in actions:
        ACTION_STEPS.check(stored[action.pk], ActionStatus.DONE)
        action.status, action.completed_on = ActionStatus.DONE, today
    with audit_context(actor=by):
        count = audited_bulk_update(actions, ["status", "completed_on"], reason=reason)
        # The step action_update_status records with each change, with the same name and changes.
        audited_bulk_step(actions, step=f"status {ActionStatus.DONE.label.lower()}", reason=reason,
                          changes_of=lambda action: {"status": [stored[action.pk].status, ActionStatus.DONE]})
    # Imported here, as in action_update_status.
    from leadership.reminders import action_reminders_resolve

    action_reminders_resolve(*actions)
    return count


@transaction.atomic
def actions_start_bulk(*, actions: list[Action], note: str, by: User, reason: str) -> int:
    """Start many open actions at once with the same progress note (an owner starting the actions a review gave them,
    the large demo), as ``action_update_status`` starts one with a note: only by their owner or a manager of actions
    (``PermissionDenied``), only open ones (``StepRefused``), only recorded ones (``ValidationError``), and nothing is
    written when one is refused. Each, however often listed, gets its status change, the step with the note as its
    reason, and the note once, written through the audited bulk path with ``reason``; returns how many were started."""
    if not note.strip():
        raise ValidationError({"note": "Write the note."})
    actions, stored = _actions_locked(actions)
    for action in actions:
        if not may_work_on_action(stored[action.pk], by):
            raise PermissionDenied("Only the action's owner or a manager of actions may change it.")
        ACTION_STEPS.check(stored[action.pk], ActionStatus.IN_PROGRESS)
        action.status, action.completed_on = ActionStatus.IN_PROGRESS, None
    with audit_context(actor=by):
        count = audited_bulk_update(actions, ["status", "completed_on"], reason=reason)
        audited_bulk_step(actions, step=f"status {ActionStatus.IN_PROGRESS.label.lower()}", reason=note.strip(),
                          changes_of=lambda action: {"status": [stored[action.pk].status, ActionStatus.IN_PROGRESS]})
        audited_bulk_create(ActionNote, [ActionNote(action=action, author=by, text=note.strip())
                                         for action in actions], reason=reason)
    return count


@transaction.atomic
def action_create(
    *,
    title: str,
    owner: User,
    due_on: dt.date,
    description: str = "",
    source: ManagementReview | Commitment | QualityObjective | None = None,
    by: User,
) -> Action:
    """Create an action for ``owner``, optionally started by a review, a commitment or an objective."""
    require_capability(by, MANAGE, doing="create actions")
    if source is not None and not isinstance(source, ManagementReview | Commitment | QualityObjective):
        raise ValueError(f"{source!r} cannot be the source of an action.")
    return create_from_source(
        title=title, owner=owner, due_on=due_on, description=description, by=by,
        source_review=source if isinstance(source, ManagementReview) else None,
        source_commitment=source if isinstance(source, Commitment) else None,
        source_objective=source if isinstance(source, QualityObjective) else None,
    )


@transaction.atomic
def action_edit(*, action: Action, title: str, description: str, owner: User, due_on: dt.date, by: User) -> Action:
    """Change what an action asks, of whom and by when (its source and status stay)."""
    require_capability(by, MANAGE, doing="change actions")
    _check_fields(title=title, owner=owner, due_on=due_on)
    action = Action.objects.select_for_update().get(pk=action.pk)
    action.title, action.description, action.owner, action.due_on = title.strip(), description.strip(), owner, due_on
    with audit_context(actor=by):
        action.save()
    return action


@transaction.atomic
def action_update_status(*, action: Action, status: str, note: str = "", by: User) -> Action:
    """Move an action to ``status`` (done: completed today); the note, when given, is kept as a progress note and as
    the step's reason."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if not may_work_on_action(action, by):
        raise PermissionDenied("Only the action's owner or a manager of actions may change it.")
    ACTION_STEPS.check(action, status)
    if status not in status_moves_allowed(action, by):
        raise PermissionDenied("Only a manager of actions may cancel or reopen an action.")
    before = action.status
    action.status = status
    action.completed_on = timezone.localdate() if status == ActionStatus.DONE else None
    with audit_context(actor=by):
        action.save()
        audit_step(
            action,
            step=f"status {ActionStatus(status).label.lower()}",
            reason=note.strip(),
            changes={"status": [before, status]},
        )
        if note.strip():
            ActionNote.objects.create(action=action, author=by, text=note.strip())
    if status in (ActionStatus.DONE, ActionStatus.CANCELLED):
        # Imported here: the reminders read actions through the models this module writes.
        from leadership.reminders import action_reminders_resolve

        action_reminders_resolve(action)
    return action


@transaction.atomic
def action_note_add(*, action: Action, text: str, by: User) -> ActionNote:
    """Add a progress note to an action (its owner or a manager of actions)."""
    if not may_work_on_action(action, by):
        raise PermissionDenied("Only the action's owner or a manager of actions may add notes to it.")
    if not text.strip():
        raise ValidationError({"text": "Write the note."})
    with audit_context(actor=by):
        return ActionNote.objects.create(action=action, author=by, text=text.strip())


def actions_for(person: User, *, include_closed: bool = False) -> QuerySet[Action]:
    """The actions ``person`` owns, soonest due first, with their sources loaded; open ones only unless asked."""
    actions = Action.objects.filter(owner=person).select_related(
        "source_review", "source_commitment", "source_objective", "decision"
    )
    return actions if include_closed else actions.active()
