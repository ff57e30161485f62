"""Reading the org chart: the org units in tree order with their colours, and the reporting forest of roles
with the people who hold each one on a day."""
from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from qms_portal.models import OrgUnit
from qms_portal.trees import ids_below
from roles.models import Role, RoleAssignment, held_on

# Unit colours, dark enough for text on white, neighbours far apart; red is kept for vacant roles.
UNIT_COLOURS = (
    "#2563eb", "#c2410c", "#0f766e", "#9333ea", "#a16207",
    "#be185d", "#15803d", "#0369a1", "#7c2d12", "#4d7c0f",
)
NO_ROLES_COLOUR = "#94a3b8"
# How many holders the chart names per role (holders before deputies, by name): a box shows three names, or two
# and "and N more", and its tooltip the names read. A role's page lists every holder.
NAMES_READ = 3


@dataclass(frozen=True)
class ChartUnit:
    """An org unit as the chart needs it: its place in the unit tree and the colour of its roles."""

    pk: int
    name: str
    parent_id: int | None
    depth: int
    colour: str


@dataclass(frozen=True)
class Holder:
    """A person holding a role on the chart's day."""

    name: str
    is_deputy: bool
    person_id: int = 0


@dataclass
class ChartRole:
    """A box of the chart: a role, how many people hold it on the day (``people``, of whom ``deputies`` only as
    deputy), the first of them by name (``holders``, at most ``NAMES_READ``), whether the viewer is one of them
    (``yours``), and the roles reporting to it.

    ``in_focus`` is False for roles outside the chosen unit, drawn only to show whom the unit reports to.
    """

    pk: int
    title: str
    unit: ChartUnit
    reports_to_id: int | None
    holders: list[Holder] = field(default_factory=list)
    people: int = 0
    deputies: int = 0
    yours: bool = False
    in_focus: bool = True
    reports: list[ChartRole] = field(default_factory=list)

    @property
    def vacant(self) -> bool:
        return not self.people

    @property
    def unnamed(self) -> int:
        """How many holders are counted but not named in ``holders``."""
        return self.people - len(self.holders)


@dataclass(frozen=True)
class UnitSummary:
    """How many roles a unit has on the chart, and how many of them nobody holds."""

    unit: ChartUnit
    roles: int
    vacant: int


@dataclass
class OrgChart:
    """The reporting forest of roles with their holders on ``on``, narrowed to ``unit`` when one is chosen, as
    ``viewer_id`` sees it (their roles marked ``yours``)."""

    on: dt.date
    units: list[ChartUnit]
    roots: list[ChartRole]
    unit: ChartUnit | None = None
    viewer_id: int | None = None
    total_roles: int = 0
    summaries: list[UnitSummary] = field(default_factory=list)

    def roles(self) -> list[ChartRole]:
        """Every role drawn, managers before their reports."""
        found, stack = [], list(reversed(self.roots))
        while stack:
            role = stack.pop()
            found.append(role)
            stack.extend(reversed(role.reports))
        return found

    @property
    def focus_count(self) -> int:
        return sum(1 for role in self.roles() if role.in_focus)

    @property
    def vacant_count(self) -> int:
        return sum(1 for role in self.roles() if role.in_focus and role.vacant)


def orgchart_units() -> list[ChartUnit]:
    """Every org unit in tree order (parents before their sub-units, by name), each unit with roles in a colour
    of its own: one query."""
    has_roles = Exists(Role.objects.filter(org_unit=OuterRef("pk")))
    rows = list(OrgUnit.objects.order_by("name").values_list("pk", "name", "parent_id", has_roles))
    known = {row[0] for row in rows}
    children: dict[int | None, list[tuple]] = {}
    for row in rows:
        children.setdefault(row[2] if row[2] in known else None, []).append(row)
    ordered: list[tuple[tuple, int]] = []
    seen: set[int] = set()
    stack = [(row, 0) for row in reversed(children.get(None, []))]
    while stack:
        row, depth = stack.pop()
        if row[0] not in seen:
            seen.add(row[0])
            ordered.append((row, depth))
            stack.extend((child, depth + 1) for child in reversed(children.get(row[0], [])))
    # Units caught in a parent loop (the model refuses them, the database does not) are still listed.
    ordered += [(row, 0) for row in rows if row[0] not in seen]
    units, coloured = [], 0
    for (pk, name, parent_id, with_roles), depth in ordered:
        colour = UNIT_COLOURS[coloured % len(UNIT_COLOURS)] if with_roles else NO_ROLES_COLOUR
        coloured += bool(with_roles)
        units.append(ChartUnit(pk, name, parent_id, depth, colour))
    return units


def orgchart_load(
    *, on: dt.date, units: list[ChartUnit] | None = None, unit_id: int | None = None, viewer_id: int | None = None
) -> OrgChart:
    """The org chart with the holders on ``on``; with ``unit_id``, only that unit's roles (and its sub-units')
    with the roles above them that they report to; the roles ``viewer_id`` holds marked ``yours``. Two queries,
    three without ``units``, whatever the number of holders."""
    units = units if units is not None else orgchart_units()
    unit_by_pk = {unit.pk: unit for unit in units}
    order = {unit.pk: index for index, unit in enumerate(units)}
    rows = Role.objects.values_list("pk", "title", "org_unit_id", "org_unit__name", "reports_to_id")
    roles = {
        # A unit added since the units were read (a moment ago) gets a plain colour rather than an error.
        pk: ChartRole(pk, title, unit_by_pk.get(unit_pk) or ChartUnit(unit_pk, unit_name, None, 0, NO_ROLES_COLOUR),
                      reports_to_id)
        for pk, title, unit_pk, unit_name, reports_to_id in rows
    }
    _attach_holders(roles, on, viewer_id)
    roots = _build_forest(roles, key=lambda role: (order.get(role.unit.pk, 0), role.title.casefold(), role.pk))
    chosen = unit_by_pk.get(unit_id) if unit_id is not None else None
    if chosen is not None:
        inside = ids_below([chosen.pk], ((unit.pk, unit.parent_id) for unit in units))
        for role in roles.values():
            role.in_focus = role.unit.pk in inside
        roots = _prune(roots)
    return OrgChart(
        on=on, units=units, roots=roots, unit=chosen, viewer_id=viewer_id, total_roles=len(roles),
        summaries=_summaries(roles.values(), units),
    )


def _attach_holders(roles: dict[int, ChartRole], day: dt.date, viewer_id: int | None) -> None:
    """Count the people holding each role on ``day`` and its deputies, mark the viewer's roles, and keep the first
    ``NAMES_READ`` holders' names (holders before deputies, by name): one query of narrow rows and one pass over
    them, with no object per holder, so a role held by hundreds costs a few microseconds per holder.

    Ranking in the database instead (a window function per role) was measured slower on PostgreSQL here: sorting
    and windowing every row of the day cost more than reading them."""
    rows = RoleAssignment.objects.filter(held_on(day)).order_by().values_list(
        "role_id", "person_id", "person__full_name", "person__username", "is_deputy")
    # Per role, each person once: (as deputy only, name). Holding the role as holder and as deputy on the same
    # day (the services refuse it, the database does not) counts once, as holder.
    held: dict[int, dict[int, tuple[bool, str]]] = {}
    for role_id, person_id, full_name, username, is_deputy in rows:
        people = held.setdefault(role_id, {})
        before = people.get(person_id)
        if before is None or before[0]:
            people[person_id] = (is_deputy and (before is None or before[0]), full_name or username)
    for role_id, people in held.items():
        role = roles.get(role_id)
        if role is None:
            continue
        role.people = len(people)
        role.deputies = sum(1 for as_deputy, _ in people.values() if as_deputy)
        role.yours = viewer_id in people
        first = heapq.nsmallest(NAMES_READ, ((as_deputy, name.casefold(), name, person_id)
                                             for person_id, (as_deputy, name) in people.items()))
        role.holders = [Holder(name, as_deputy, person_id) for as_deputy, _, name, person_id in first]


def _build_forest(roles: dict[int, ChartRole], *, key: Callable[[ChartRole], tuple[int, str, int]]) -> list[ChartRole]:
    """Link each role under its manager; roles reporting to nobody are the roots. A reporting loop cannot be
    saved through the forms, but if the database holds one, its first role becomes a root so the loop shows."""
    below: dict[int, list[ChartRole]] = {}
    roots: list[ChartRole] = []
    for role in roles.values():
        if role.reports_to_id in roles and role.reports_to_id != role.pk:
            below.setdefault(role.reports_to_id, []).append(role)
        else:
            roots.append(role)
    placed: set[int] = set()

    def place(start: ChartRole) -> None:
        stack = [start]
        placed.add(start.pk)
        while stack:
            role = stack.pop()
            for report in sorted(below.get(role.pk, []), key=key):
                if report.pk not in placed:
                    placed.add(report.pk)
                    role.reports.append(report)
                    stack.append(report)

    for root in sorted(roots, key=key):
        place(root)
    for role in sorted(roles.values(), key=lambda role: role.pk):
        if role.pk not in placed:
            roots.append(role)
            place(role)
    return sorted(roots, key=key)


def _prune(roles: list[ChartRole]) -> list[ChartRole]:
    """Keep the roles in focus and the managers above them; drop the rest."""
    kept = []
    for role in roles:
        role.reports = _prune(role.reports)
        if role.in_focus or role.reports:
            kept.append(role)
    return kept


def _summaries(roles: Iterable[ChartRole], units: list[ChartUnit]) -> list[UnitSummary]:
    counts: dict[int, list[int]] = {}
    for role in roles:
        count = counts.setdefault(role.unit.pk, [0, 0])
        count[0] += 1
        count[1] += role.vacant
    return [UnitSummary(unit, *counts[unit.pk]) for unit in units if unit.pk in counts]
