"""Writing processes and their ordered activities: one place for the pages, the import and the demo data."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from qms_portal.access import require_capability
from qms_portal.audit import audit_context
from qms_portal.models import User
from roles.access import RolesCapability
from roles.models import Activity, Process

DIRECTIONS = ("up", "down")


@transaction.atomic
def process_save(*, process: Process, by: User) -> Process:
    """Save a new or changed process."""
    require_capability(by, RolesCapability.MANAGE, doing="define processes")
    with audit_context(actor=by):
        process.save()
    return process


@transaction.atomic
def activity_save(*, activity: Activity, by: User) -> Activity:
    """Save a new or changed activity; a new one goes to the end of its process."""
    require_capability(by, RolesCapability.MANAGE, doing="define activities")
    if activity.pk is None:
        # Lock the process so that two activities added at once do not take the same position.
        Process.objects.select_for_update().filter(pk=activity.process_id).exists()
        last = Activity.objects.filter(process_id=activity.process_id).aggregate(last=Max("position"))["last"]
        activity.position = (last or 0) + 1
    with audit_context(actor=by):
        activity.save()
    return activity


@transaction.atomic
def activity_move(*, activity: Activity, direction: str, by: User) -> bool:
    """Move ``activity`` one place ``up`` or ``down`` in its process; False when it is already first or last.

    Positions are renumbered 1, 2, 3... on the way, so gaps or ties left by deletions or imports go away.
    """
    require_capability(by, RolesCapability.MANAGE, doing="reorder activities")
    if direction not in DIRECTIONS:
        raise ValidationError({"direction": f"“{direction}” is not a direction: move an activity up or down."})
    Process.objects.select_for_update().filter(pk=activity.process_id).exists()
    ordered = list(Activity.objects.filter(process_id=activity.process_id).order_by("position", "pk"))
    index = next(n for n, other in enumerate(ordered) if other.pk == activity.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    with audit_context(actor=by):
        # One save per row: audited models refuse bulk updates, and each move is in the trail.
        for position, each in enumerate(ordered, start=1):
            if each.position != position:
                each.position = position
                each.save(update_fields=["position"])
    activity.refresh_from_db(fields=["position"])
    return True


@transaction.atomic
def activity_delete(*, activity: Activity, by: User) -> None:
    """Delete ``activity`` and its letters in the RACI matrix; each deletion is in the audit trail."""
    require_capability(by, RolesCapability.MANAGE, doing="delete activities")
    with audit_context(actor=by):
        # Letters first, one by one, so the trail names each letter that went with the activity.
        for cell in activity.cells.all():
            cell.delete()
        activity.delete()
