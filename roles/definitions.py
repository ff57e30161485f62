"""Writing roles, assignments and duties: one place for the pages, the import and the demo data."""
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format

from qms_portal.access import require_capability
from qms_portal.audit import audit_context, audited_bulk_create, audited_bulk_update
from qms_portal.models import User
from qms_portal.trees import ids_below
from roles.access import RolesCapability
from roles.models import Duty, Role, RoleAssignment, text_lines


def reporting_lines() -> dict[int, tuple[int | None, str]]:
    """Each role's id with the id of the role it reports to and its title: one query."""
    return {pk: (parent_id, title) for pk, parent_id, title in Role.objects.values_list("pk", "reports_to_id", "title")}


def roles_below(role: Role) -> set[int]:
    """The ids of ``role`` and of every role reporting to it, directly or not: those it cannot report to."""
    if role.pk is None:
        return set()
    return ids_below([role.pk], ((pk, parent_id) for pk, (parent_id, _) in reporting_lines().items()))


def role_reporting_problem(role: Role) -> str | None:
    """Why ``role`` cannot report to the role it names (itself, or a role below it, which would close a loop),
    or None when it can."""
    if role.reports_to_id is None or role.pk is None:
        return None
    if role.reports_to_id == role.pk:
        return "A role cannot report to itself."
    # Walk up from the chosen role: meeting this role on the way means the new line would close a loop.
    lines = reporting_lines()
    chain: list[int] = []
    current: int | None = role.reports_to_id
    while current is not None and current not in chain:
        if current == role.pk:
            path = " → ".join(f"“{lines[pk][1]}”" for pk in chain)
            return (
                f"{path} → this role: “{lines[chain[0]][1]}” already reports to this role, so this role cannot "
                "report to it. Choose a role above this one."
            )
        chain.append(current)
        current = lines.get(current, (None, ""))[0]
    return None


@transaction.atomic
def role_save(*, role: Role, by: User, reason: str = "") -> Role:
    """Save a new or changed role, with the ``reason`` for the change on its trail entry; a change to the list
    of its responsibilities or authorities starts a new revision, which its holders must acknowledge again. A
    reporting line that would close a loop is refused with ``ValidationError`` on ``reports_to``."""
    require_capability(by, RolesCapability.MANAGE, doing="define roles")
    problem = role_reporting_problem(role)
    if problem is not None:
        raise ValidationError({"reports_to": problem})
    if role.pk is not None:
        stored = Role.objects.select_for_update().values("responsibilities", "authorities").get(pk=role.pk)
        # The lines, not the raw text: a browser sends CRLF line endings, and an untouched role is not new.
        before = (text_lines(stored["responsibilities"]), text_lines(stored["authorities"]))
        if before != (role.responsibility_list, role.authority_list):
            role.revision += 1
    with audit_context(actor=by, reason=reason):
        role.save()
    return role


def assignment_overlapping(assignment: RoleAssignment) -> RoleAssignment | None:
    """Another assignment of the same person to the same role whose dates meet this one's."""
    others = RoleAssignment.objects.filter(role_id=assignment.role_id, person_id=assignment.person_id)
    others = others.exclude(pk=assignment.pk).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=assignment.starts_on))
    if assignment.ends_on is not None:
        others = others.filter(starts_on__lte=assignment.ends_on)
    return others.order_by("starts_on").first()


def assignment_problem(assignment: RoleAssignment) -> str | None:
    """Why ``assignment`` cannot be saved (an end before its start, or an overlap), or None when it can."""
    if assignment.ends_on is not None and assignment.ends_on < assignment.starts_on:
        return "The end date is before the start date."
    other = assignment_overlapping(assignment)
    if other is None:
        return None
    start = date_format(other.starts_on, "j F Y")
    period = (f"from {start} with no end date" if other.ends_on is None
              else f"from {start} to {date_format(other.ends_on, 'j F Y')}")
    return f"{other.person} already holds {other.role} {period}. Change the dates, or end that assignment first."


@transaction.atomic
def assignment_save(*, assignment: RoleAssignment, by: User, reason: str = "") -> RoleAssignment:
    """Save a new or changed assignment of a person to a role; an end before the start (on ``ends_on``) and
    overlapping assignments are refused with ``ValidationError``."""
    require_capability(by, RolesCapability.MANAGE, doing="assign roles")
    problem = assignment_problem(assignment)
    if problem is not None:
        ends_too_early = assignment.ends_on is not None and assignment.ends_on < assignment.starts_on
        raise ValidationError({"ends_on": problem} if ends_too_early else problem)
    with audit_context(actor=by, reason=reason):
        assignment.save()
    return assignment


@transaction.atomic
def assignments_create_bulk(*, assignments: list[RoleAssignment], by: User, reason: str) -> list[RoleAssignment]:
    """Save many new assignments at once, as ``assignment_save`` saves one (an import, the large demo): an end before
    the start, two of them for the same person and role, or one meeting an assignment already recorded is refused
    with ``ValidationError`` and nothing is written. Written through the audited bulk path, attributed to ``by``
    with ``reason``."""
    require_capability(by, RolesCapability.MANAGE, doing="assign roles")
    if any(assignment.pk is not None for assignment in assignments):
        raise ValueError("assignments_create_bulk() saves new assignments only.")
    pairs: dict[tuple[int, int], RoleAssignment] = {}
    for assignment in assignments:
        if assignment.ends_on is not None and assignment.ends_on < assignment.starts_on:
            raise ValidationError(f"{assignment}: the end date is before the start date.")
        if (assignment.role_id, assignment.person_id) in pairs:
            raise ValidationError(f"{assignment.person} is given {assignment.role} twice.")
        pairs[(assignment.role_id, assignment.person_id)] = assignment
    stored = RoleAssignment.objects.filter(person_id__in={person for _, person in pairs},
                                           role_id__in={role for role, _ in pairs})
    for other in stored:
        new = pairs.get((other.role_id, other.person_id))
        if new is None:
            continue
        meets = (other.ends_on is None or other.ends_on >= new.starts_on) and (
            new.ends_on is None or other.starts_on <= new.ends_on)
        if meets:
            raise ValidationError(f"{other.person} already holds {other.role} from {other.starts_on:%d %b %Y}.")
    with audit_context(actor=by):
        return audited_bulk_create(RoleAssignment, assignments, reason=reason)


@transaction.atomic
def assignments_end_bulk(*, assignments: list[RoleAssignment], ends_on: dt.date, by: User, reason: str) -> int:
    """End many assignments on ``ends_on`` at once (leavers, a reorganisation), as ``assignment_save`` saves one
    with its end date: an end before an assignment's recorded start, or an assignment no longer recorded, is refused
    with ``ValidationError`` and nothing is written; an assignment ending earlier already keeps its end, and one
    listed twice is ended once. Written through the audited bulk path, attributed to ``by`` with ``reason``;
    returns how many were ended."""
    require_capability(by, RolesCapability.MANAGE, doing="assign roles")
    if any(assignment.pk is None for assignment in assignments):
        raise ValueError("assignments_end_bulk() ends saved assignments only.")
    listed = list({assignment.pk: assignment for assignment in assignments}.values())
    # The dates as recorded, locked: the caller's copies may be stale, and a removed one must not pass for open.
    stored: dict[int, tuple[dt.date | None, dt.date]] = {
        pk: (ends, starts) for pk, ends, starts in RoleAssignment.objects.select_for_update()
        .filter(pk__in=list({assignment.pk for assignment in listed})).values_list("pk", "ends_on", "starts_on")
    }
    missing = [assignment for assignment in listed if assignment.pk not in stored]
    if missing:
        ids = ", ".join(f"#{assignment.pk}" for assignment in missing)
        gone = f"Assignment {ids} no longer exists" if len(missing) == 1 else f"Assignments {ids} no longer exist"
        raise ValidationError(f"{gone}: nothing was ended.")
    ending = []
    for assignment in listed:
        ends, starts = stored[assignment.pk]
        if ends is not None and ends <= ends_on:
            continue
        if ends_on < starts:
            raise ValidationError(f"{assignment}: the end date is before the start date ({starts:%d %b %Y}).")
        assignment.starts_on, assignment.ends_on = starts, ends_on
        ending.append(assignment)
    with audit_context(actor=by):
        return audited_bulk_update(ending, ["ends_on"], reason=reason)


@transaction.atomic
def duty_assign(*, duty: Duty, role: Role | None, by: User, reason: str = "") -> Duty:
    """Assign a 5.3 duty to a role (or leave it unassigned with None), with the ``reason`` on its trail entry."""
    require_capability(by, RolesCapability.MANAGE, doing="assign the 5.3 duties")
    duty.role = role
    with audit_context(actor=by, reason=reason):
        duty.save()
    return duty
