"""Building the roles demo from its data, through the write functions the quality manager's pages use;
every step is idempotent."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import Model
from django.utils import timezone

from qms_portal.demo import History
from qms_portal.models import OrgUnit, User
from roles.acknowledgements import role_acknowledge
from roles.definitions import assignment_save, duty_assign, role_save
from roles.demo.data import ACTOR, DUTIES, HOLDERS, NOT_ACKNOWLEDGED, PROCESSES, RACI, ROLES, Day
from roles.models import (
    DUTY_CATALOGUE,
    Activity,
    Duty,
    Process,
    RaciCell,
    Role,
    RoleAcknowledgement,
    RoleAssignment,
    held_on,
)
from roles.processes import activity_save, process_save
from roles.raci import matrix_load, matrix_rule_breaks, raci_cell_set

# Days after the history's start: the quality manager enters the roles, then their processes, RACI and duties.
ROLES_ON, PROCESSES_ON, MATRIX_ON, DUTIES_ON, ACKNOWLEDGED_FROM = 3, 4, 5, 6, 10


def seed_roles_demo(*, password: str, history: History) -> None:
    """Plan the demo roles, processes, RACI matrix, duties, holders and acknowledgements on ``history``."""
    quality: list[User] = []
    people: dict[str, User] = {}
    roles: dict[str, Role] = {}
    activities: dict[tuple[str, str], Activity] = {}

    def enter_roles() -> None:
        quality.append(User.objects.get(username=ACTOR))
        people.update({person.username: person for person in User.objects.filter(username__in=_usernames())})
        roles.update(_roles(by=quality[0]))

    start = history.start
    history.on(start + dt.timedelta(days=ROLES_ON), enter_roles)
    history.on(start + dt.timedelta(days=PROCESSES_ON), lambda: activities.update(_processes(roles, by=quality[0])))
    history.on(start + dt.timedelta(days=MATRIX_ON), lambda: _matrix(roles, activities, by=quality[0]))
    history.on(start + dt.timedelta(days=DUTIES_ON), lambda: _duties(roles, by=quality[0]))
    _assignments(history, roles, people, by=quality)
    _acknowledgements(history, roles, people)
    history.summary(_summary)


def _usernames() -> set[str]:
    return {username for holders in HOLDERS.values() for username, *_ in holders}


def _day(day: Day, history: History) -> dt.date:
    """A holder's date: fixed, or counted in days before the day of seeding."""
    return history.today - dt.timedelta(days=day) if isinstance(day, int) else day


def _roles(*, by: User) -> dict[str, Role]:
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in={demo.unit for demo in ROLES})}
    roles: dict[str, Role] = {}
    for demo in ROLES:
        unit = units[demo.unit]
        role = Role.objects.filter(org_unit=unit, title=demo.title).first() or Role(org_unit=unit, title=demo.title)
        wanted = {
            "purpose": demo.purpose,
            "responsibilities": "\n".join(demo.responsibilities),
            "authorities": "\n".join(demo.authorities),
            "reports_to_id": roles[demo.reports_to].pk if demo.reports_to else None,
        }
        if _differs(role, wanted):
            role = role_save(role=role, by=by)
        roles[demo.key] = role
    return roles


def _assignments(history: History, roles: dict[str, Role], people: dict[str, User], *, by: list[User]) -> None:
    """Holders from before the portal are entered with the roles; later appointments on their first day, and an
    assignment that ended is closed on its last day."""
    entered_on = history.start + dt.timedelta(days=ROLES_ON)
    for key, holders in HOLDERS.items():
        for username, starts, ends, is_deputy in holders:
            starts_on, ends_on = _day(starts, history), None if ends is None else _day(ends, history)
            ended_before = ends_on is not None and ends_on < entered_on

            def save(key: str = key, username: str = username, starts_on: dt.date = starts_on,
                     ends_on: dt.date | None = ends_on if ended_before else None, is_deputy: bool = is_deputy) -> None:
                _assignment(roles[key], people[username], starts_on=starts_on, ends_on=ends_on, is_deputy=is_deputy,
                            by=by[0])

            history.on(max(starts_on, entered_on), save, minute=30)
            if ends_on is not None and not ended_before:
                def end(key: str = key, username: str = username, starts_on: dt.date = starts_on,
                        ends_on: dt.date = ends_on, is_deputy: bool = is_deputy) -> None:
                    _assignment(roles[key], people[username], starts_on=starts_on, ends_on=ends_on,
                                is_deputy=is_deputy, by=by[0])

                history.on(ends_on, end, hour=16)


def _assignment(role: Role, person: User, *, starts_on: dt.date, ends_on: dt.date | None, is_deputy: bool,
                by: User) -> None:
    """Record the assignment (found by role and person) or end it, unless it already reads so."""
    assignment = RoleAssignment.objects.filter(role=role, person=person).first()
    if assignment is None:
        assignment = RoleAssignment(role=role, person=person, starts_on=starts_on)
    elif assignment.ends_on is not None:
        return  # a second run: the assignment has already ended (on the day the first run gave it)
    if _differs(assignment, {"ends_on": ends_on, "is_deputy": is_deputy}):
        assignment_save(assignment=assignment, by=by)


def _processes(roles: dict[str, Role], *, by: User) -> dict[tuple[str, str], Activity]:
    activities: dict[tuple[str, str], Activity] = {}
    for code, (name, owner, description, steps) in PROCESSES.items():
        process = Process.objects.filter(code=code).first() or Process(code=code)
        if _differs(process, {"name": name, "owner_role_id": roles[owner].pk, "description": description}):
            process = process_save(process=process, by=by)
        existing = {activity.name: activity for activity in process.activities.all()}
        for position, step in enumerate(steps, start=1):
            activity = existing.get(step) or Activity(process=process, name=step)
            if _differs(activity, {"position": position}):
                # A new activity goes to the end of its process: in this order, that is ``position``.
                activity = activity_save(activity=activity, by=by)
            activities[(code, step)] = activity
    return activities


def _matrix(roles: dict[str, Role], activities: dict[tuple[str, str], Activity], *, by: User) -> None:
    letters = {
        (activity_id, role_id): letter
        for activity_id, role_id, letter in RaciCell.objects.values_list("activity_id", "role_id", "letter")
    }
    for key, row in RACI.items():
        activity = activities[key]
        for role_key, letter in row.items():
            role = roles[role_key]
            if letters.get((activity.pk, role.pk)) != letter:
                raci_cell_set(activity=activity, role=role, letter=letter, by=by)


def _duties(roles: dict[str, Role], *, by: User) -> None:
    duties = {duty.code: duty for duty in Duty.objects.all()}
    for code, role_key in DUTIES.items():
        duty = duties.get(code) or Duty(code=code, summary=DUTY_CATALOGUE[code])
        if duty.pk is None or duty.role_id != roles[role_key].pk:
            duty_assign(duty=duty, role=roles[role_key], by=by)


def _acknowledgements(history: History, roles: dict[str, Role], people: dict[str, User]) -> None:
    """Each holder, but for those in ``NOT_ACKNOWLEDGED``, acknowledges the role within a few weeks of the roles
    being entered or of starting in it: people who have since left a role acknowledged it while they held it."""
    entered_on = history.start + dt.timedelta(days=ROLES_ON)
    for index, (key, username) in enumerate((key, h[0]) for key, holders in HOLDERS.items() for h in holders):
        if (key, username) in NOT_ACKNOWLEDGED:
            continue
        starts_on = _day(next(h[1] for h in HOLDERS[key] if h[0] == username), history)
        day = max(entered_on + dt.timedelta(days=ACKNOWLEDGED_FROM + index % 25),
                  starts_on + dt.timedelta(days=3 + index % 10))

        def acknowledge(key: str = key, username: str = username) -> None:
            role, person = roles[key], people[username]
            held = RoleAssignment.objects.filter(role=role, person=person).filter(held_on(timezone.localdate()))
            if held.exists() and not RoleAcknowledgement.objects.filter(
                role=role, person=person, revision=role.revision
            ).exists():
                role_acknowledge(role=role, person=person)

        history.on(day, acknowledge, hour=8 + index % 9, minute=index * 7 % 60)


def _summary() -> str:
    """One line: what the demo holds, and the rule breaks it shows."""
    today = timezone.localdate()
    held = RoleAssignment.objects.filter(held_on(today)).with_acknowledged()
    done = held.filter(acknowledged=True).count()
    breaks = matrix_rule_breaks(matrix_load())
    return (
        f"{Role.objects.count()} roles, {Process.objects.count()} processes, {Activity.objects.count()} activities; "
        f"{done} of {held.count()} role holders acknowledged their role; {len(breaks)} rule breaks to show: "
        + " ".join(rule_break.message for rule_break in breaks)
    )


def _differs(instance: Model, wanted: Mapping[str, object]) -> bool:
    """Set ``wanted`` on ``instance``; True when it is new or something differed (so it needs saving)."""
    changed = [name for name, value in wanted.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, wanted[name])
    return instance.pk is None or bool(changed)
