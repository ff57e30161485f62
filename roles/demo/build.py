"""Building the roles demo from its data, through the write functions the quality manager's pages use;
every step is idempotent."""
from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Model
from django.utils import timezone

from qms_portal.models import OrgUnit, User
from roles.acknowledgements import role_acknowledge
from roles.definitions import assignment_save, duty_assign, role_save
from roles.demo.data import ACTOR, DUTIES, HOLDERS, NOT_ACKNOWLEDGED, PROCESSES, RACI, ROLES
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


def seed_roles_demo(*, password: str) -> str:
    """Build (or complete) the demo roles, processes, RACI matrix, duties and acknowledgements."""
    quality = User.objects.get(username=ACTOR)
    people = {person.username: person for person in User.objects.filter(username__in=_usernames())}
    roles = _roles(by=quality)
    _assignments(roles, people, by=quality)
    activities = _processes(roles, by=quality)
    _matrix(roles, activities, by=quality)
    _duties(roles, by=quality)
    _acknowledgements(roles, people)
    return _summary()


def _usernames() -> set[str]:
    return {username for holders in HOLDERS.values() for username, *_ in holders}


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


def _assignments(roles: dict[str, Role], people: dict[str, User], *, by: User) -> None:
    for key, holders in HOLDERS.items():
        for username, starts_on, ends_on, is_deputy in holders:
            person = people[username]
            assignment = RoleAssignment.objects.filter(role=roles[key], person=person, starts_on=starts_on).first()
            assignment = assignment or RoleAssignment(role=roles[key], person=person, starts_on=starts_on)
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


def _acknowledgements(roles: dict[str, Role], people: dict[str, User]) -> None:
    """Every current holder, but for those in ``NOT_ACKNOWLEDGED``, acknowledges the role's current revision."""
    today = timezone.localdate()
    done = set(RoleAcknowledgement.objects.values_list("role_id", "person_id", "revision"))
    for key, holders in HOLDERS.items():
        role = roles[key]
        for username, starts_on, ends_on, _deputy in holders:
            person = people[username]
            current = starts_on <= today and (ends_on is None or today <= ends_on)
            if not current or (key, username) in NOT_ACKNOWLEDGED or (role.pk, person.pk, role.revision) in done:
                continue
            role_acknowledge(role=role, person=person)


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
