"""The large organisation's roles (``seed_demo --scale large``): the demo's roles grown to ``scale.roles`` (120 at
5,000 people) across every department, its processes to ``scale.activities`` activities (400), every cell of the
RACI matrix filled (48,000 letters: each new activity with one A and two Rs, the rest consulted or informed), each
of the large organisation's people holding one of the new roles and two in three of them having acknowledged it.

Written a few days after the demo's roles, through the same functions: ``role_save``, ``process_save`` and
``activity_save`` one by one (a few hundred records), and the volume in bulk, every record with its trail entry:
``raci_letters_set``, ``assignments_create_bulk`` and ``roles_acknowledge_bulk``. Idempotent: records are found by
their natural keys, and only missing cells, assignments and acknowledgements are added.
"""
from __future__ import annotations

import datetime as dt
from functools import partial

from django.utils import timezone

from qms_portal.audit import AuditEntry
from qms_portal.demo import History, StaffChange, staff_changes
from qms_portal.models import OrgUnit, OrgUnitKind, User
from roles.acknowledgements import roles_acknowledge_bulk
from roles.definitions import assignments_create_bulk, assignments_end_bulk, role_save
from roles.demo.data import ACTOR
from roles.models import Activity, Process, RaciCell, Role, RoleAssignment
from roles.processes import activity_save, process_save
from roles.raci import raci_letters_set

# Days after the history's start: the demo's roles are entered on days 3 to 6, the large organisation's after.
ROLES_ON, MATRIX_ON, ACKNOWLEDGED_FROM, ACKNOWLEDGED_OVER = 7, 8, 15, 25
TITLES = ["Team leader", "Operator", "Technician", "Inspector", "Planner", "Coordinator"]
PROCESSES = 10
TEAM = 6  # large roles report to the first of each six, which reports to the demo's top role
REASON = "Demo data: the large organisation's roles"
RESPONSIBILITIES = "Work to the instructions\nRecord what was done\nReport problems and defects"
# What each half-yearly revision of the large roles adds to their responsibilities (revision 2, 3, ...).
REVISED = ["Take part in the line's daily quality meeting", "Check the first piece of each batch against its drawing",
           "Keep the line's gauges in calibration", "Train the new starters of the team on the line's instructions",
           "Record the line's scrap and its causes each shift"]
REVISED_EVERY, REVISED_ON, MATRIX_REVIEWED_ON = 182, 30, 20  # roles revised each half year; the matrix once a year


def seed_roles_large(*, password: str, history: History) -> None:
    """Plan the large organisation's roles on ``history`` (at demo scale: nothing)."""
    if not history.scale.is_large:
        return
    entered = history.start + dt.timedelta(days=ROLES_ON)
    history.on(entered, partial(_roles, history=history), hour=14, stage="roles")
    history.on(entered, partial(_assignments, history=history), hour=15, stage="role assignments")
    history.on(entered + dt.timedelta(days=1), partial(_activities, history=history), hour=10, stage="roles")
    history.on(entered + dt.timedelta(days=MATRIX_ON - ROLES_ON), _matrix, hour=14, stage="RACI matrix")
    revised_on = [history.start + dt.timedelta(days=REVISED_EVERY * half + REVISED_ON)
                  for half in range(1, len(REVISED) + 1)]
    revised_on = [day for day in revised_on if day < history.today - dt.timedelta(days=60)]
    for year in range(1, history.scale.years):
        history.on(history.start + dt.timedelta(days=365 * year + MATRIX_REVIEWED_ON),
                   partial(_matrix_review, review=year), hour=14, stage="RACI matrix")
    for revision, on in enumerate([history.start + dt.timedelta(days=ROLES_ON), *revised_on], start=1):
        if revision > 1:
            history.on(on, partial(_revise, revision=revision), hour=10, stage="roles")
        # Nearly everyone acknowledges a revision before the next; the current one is still under way (two in three).
        share = 3 if revision == len(revised_on) + 1 else 20
        first = history.start + dt.timedelta(days=ACKNOWLEDGED_FROM) if revision == 1 else on + dt.timedelta(days=2)
        for day in range(ACKNOWLEDGED_OVER):
            history.on(first + dt.timedelta(days=day),
                       partial(_acknowledge, day=day, share=share, revision=revision, held_by=first),
                       hour=8 + day % 9, stage="role acknowledgements")
    for change in staff_changes(history):
        history.on(change.leave_on, partial(_leavers, change), hour=17, minute=30, stage="staff turnover")
        history.on(change.start_on, _starters, hour=9, stage="staff turnover")
        history.on(change.start_on + dt.timedelta(days=7),
                   partial(_starters_acknowledge, change, revision=1 + sum(on <= change.start_on for on in revised_on)),
                   hour=10, stage="role acknowledgements")


def _quality() -> User:
    return User.objects.get(username=ACTOR)


def _large_roles() -> list[Role]:
    return list(Role.objects.filter(title__regex=r" [0-9]{3}$").order_by("pk"))


def _roles(*, history: History) -> None:
    by = _quality()
    departments = list(OrgUnit.objects.filter(kind=OrgUnitKind.DEPARTMENT).order_by("pk"))
    top = Role.objects.filter(reports_to__isnull=True).order_by("pk").first()
    wanted = max(0, history.scale.roles - Role.objects.exclude(title__regex=r" [0-9]{3}$").count())
    made: list[Role] = []
    for n in range(wanted):
        unit = departments[n % len(departments)]
        title = f"{TITLES[n % len(TITLES)]} {n + 1:03}"
        role = Role.objects.filter(org_unit=unit, title=title).first()
        if role is None:
            role = role_save(role=Role(
                org_unit=unit, title=title, purpose=f"Runs part of the work of {unit.name} to its instructions.",
                responsibilities=RESPONSIBILITIES,
                authorities="Stop work on a quality concern\nQuarantine suspect product",
                reports_to=top if n % TEAM == 0 else made[n - n % TEAM],
            ), by=by)
        made.append(role)


def _assignments(*, history: History) -> None:
    """Each of the large organisation's people holds one of the new roles, from the day the roles were entered."""
    _assign(history.start + dt.timedelta(days=ROLES_ON))


def _starters() -> None:
    """The month's starters take their roles on their first day."""
    _assign(timezone.localdate())


def _assign(starts_on: dt.date) -> None:
    """Each active person of the large organisation who has never held a role is given one of the new roles."""
    roles = _large_roles()
    holding = set(RoleAssignment.objects.filter(person__username__startswith="large").values_list("person_id",
                                                                                                  flat=True))
    people = [person for person in User.objects.filter(username__startswith="large", is_active=True)
              .order_by("username") if person.pk not in holding]
    if not roles or not people:
        return
    assignments_create_bulk(assignments=[
        RoleAssignment(role=roles[n % len(roles)], person=person, starts_on=starts_on)
        for n, person in enumerate(people)
    ], by=_quality(), reason=REASON)


def _activities(*, history: History) -> None:
    by = _quality()
    roles = _large_roles()
    if not roles:
        return
    processes = []
    for n in range(PROCESSES):
        code = f"line-{n + 1:02}"
        process = Process.objects.filter(code=code).first() or process_save(process=Process(
            code=code, name=f"Production line {n + 1:02}", owner_role=roles[n * TEAM % len(roles)],
            description="Makes, checks and releases the line's products.",
        ), by=by)
        processes.append(process)
    wanted = history.scale.activities - Activity.objects.count()
    for n in range(max(0, wanted)):
        process = processes[n % PROCESSES]
        name = f"Step {n // PROCESSES + 1:03} of {process.name.lower()}"
        if not Activity.objects.filter(process=process, name=name).exists():
            activity_save(activity=Activity(process=process, name=name), by=by)


def _matrix() -> None:
    """Fill every empty cell: an activity without letters gets one A and two Rs (so the rules hold for it), C and I
    elsewhere."""
    roles = list(Role.objects.order_by("pk"))
    activities = list(Activity.objects.order_by("pk"))
    filled = set(RaciCell.objects.values_list("activity_id", "role_id"))
    lettered = {activity_id for activity_id, _ in filled}
    large = {role.pk for role in _large_roles()}
    holders = [j for j, role in enumerate(roles) if role.pk in large] or list(range(len(roles)))
    letters: list[tuple[Activity, Role, str | None]] = []
    for i, activity in enumerate(activities):
        accountable = holders[i % len(holders)]
        responsible = {holders[(i + 1) % len(holders)], holders[(i + 2) % len(holders)]}
        for j, role in enumerate(roles):
            if (activity.pk, role.pk) in filled:
                continue
            if activity.pk not in lettered and j == accountable:
                letter = "A"
            elif activity.pk not in lettered and j in responsible:
                letter = "R"
            else:
                letter = "C" if (i + j) % 3 == 0 else "I"
            letters.append((activity, role, letter))
    raci_letters_set(letters=letters, by=_quality(), reason="Demo data: the large organisation's RACI matrix")


def _acknowledge(*, day: int, share: int, revision: int, held_by: dt.date) -> None:
    """All but one in ``share`` of the large organisation's holders by ``held_by`` acknowledge their role's
    ``revision``, a part of them each day (chosen by their assignment, so that a second run chooses the same ones;
    the month's starters acknowledge on their own)."""
    roles = {role.pk: role for role in _large_roles() if role.revision == revision}
    held = RoleAssignment.objects.filter(role_id__in=list(roles), ends_on__isnull=True, starts_on__lte=held_by)
    chosen = [(role_id, person_id) for pk, role_id, person_id in held.values_list("pk", "role_id", "person_id")
              if pk % share and pk % ACKNOWLEDGED_OVER == day]  # ids first: loading every holder each day costs seconds
    people = User.objects.in_bulk([person_id for _, person_id in chosen])
    pairs = [(roles[role_id], people[person_id]) for role_id, person_id in chosen]
    roles_acknowledge_bulk(pairs=pairs, reason="Demo data: the large organisation's role acknowledgements")


def _revise(*, revision: int) -> None:
    """The half-yearly review of the large roles: each gets a further responsibility (a new revision, which its
    holders acknowledge again). Once: a role at this revision already is left alone."""
    by = _quality()
    lines = "\n".join([RESPONSIBILITIES, *REVISED[: revision - 1]])
    for role in _large_roles():
        if role.revision < revision:
            role.responsibilities = lines
            role_save(role=role, by=by, reason=f"The half-yearly review of the roles: revision {revision}")


def _matrix_review(*, review: int) -> None:
    """The yearly review of the matrix: for every activity and role, who is consulted and who only informed is agreed
    again. The A and R letters stay, so the rules hold as they did. Once: a review on the trail is not made again."""
    reason = f"The yearly review of the RACI matrix ({review}): who is consulted, who informed"
    if AuditEntry.objects.filter(record_type=RaciCell._meta.label_lower, reason=reason).exists():
        return
    roles = list(Role.objects.order_by("pk"))
    activities = list(Activity.objects.order_by("pk"))
    cells = {(cell.activity_id, cell.role_id) for cell in RaciCell.objects.filter(letter__in=["C", "I"])}
    large = {role.pk for role in _large_roles()}
    letters: list[tuple[Activity, Role, str | None]] = []
    for i, activity in enumerate(activities):
        demo_activity = not activity.name.startswith("Step ")
        for j, role in enumerate(roles):
            if demo_activity and role.pk not in large:
                continue  # the demo's own cells are the demo's to set
            if (activity.pk, role.pk) in cells:
                letters.append((activity, role, "C" if (i + 2 * j + review) % 3 == 0 else "I"))
    raci_letters_set(letters=letters, by=_quality(), reason=reason)


def _leavers(change: StaffChange) -> None:
    """The month's leavers' roles end on their last day."""
    ending = list(RoleAssignment.objects.filter(person__username__startswith="large", person__is_active=False,
                                                ends_on__isnull=True).select_related("role", "person"))
    if ending:
        assignments_end_bulk(assignments=ending, ends_on=change.leave_on, by=_quality(),
                             reason="Demo data: the large organisation's leavers")


def _starters_acknowledge(change: StaffChange, *, revision: int) -> None:
    """Nine in ten of the month's starters acknowledge their role (its ``revision``) in their first week."""
    held = (RoleAssignment.objects.filter(starts_on=change.start_on, ends_on__isnull=True, role__revision=revision,
                                          person__username__startswith="large", person__is_active=True)
            .select_related("role", "person").order_by("pk"))
    pairs = [(assignment.role, assignment.person) for assignment in held if assignment.pk % 10 != 9]
    roles_acknowledge_bulk(pairs=pairs, reason="Demo data: the large organisation's role acknowledgements")
