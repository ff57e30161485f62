"""The public reads of the roles app (5.3): what the roles pages, the home page and, later, ``leadership/``
(readiness score, dashboard, management-review inputs, evidence pack) ask about roles.

Other apps read roles through these functions only, never through the models: each answers in a fixed
number of queries, whatever the number of roles, holders or letters.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString

from qms_portal.audit import AuditAction, audit_history, audit_values_at
from qms_portal.models import OrgUnit, User
from qms_portal.presentation import percent
from roles.models import (
    Activity,
    Duty,
    Process,
    RaciCell,
    Role,
    RoleAcknowledgement,
    RoleAssignment,
    held_on,
    text_lines,
)
from roles.orgchart import orgchart_load, orgchart_svg
from roles.raci import RULES, Matrix, MatrixCounts, RuleBreak, matrix_counts_load, matrix_rule_breaks
from roles.transfer.export import MatrixTable, matrix_table


@dataclass(frozen=True)
class RaciHealth:
    """The rules of the matrix as they stand: what breaks them, how big the matrix is and how many 5.3 duties
    there are."""

    rule_breaks: list[RuleBreak]
    activities: int
    roles: int
    duties: int

    @property
    def healthy(self) -> bool:
        return not self.rule_breaks

    @property
    def duties_held(self) -> int:
        """How many duties are assigned to a role someone holds (each other duty breaks one duty rule)."""
        return self.duties - len({b.duty_code for b in self.rule_breaks if b.duty_code is not None})


def _health_of(counts: MatrixCounts, breaks: list[RuleBreak]) -> RaciHealth:
    return RaciHealth(breaks, len(counts.activities), len(counts.roles), len(counts.duties))


def raci_health(*, on: dt.date | None = None) -> RaciHealth:
    """Every broken RACI and duty rule, with role holders as of ``on`` (today by default): three queries, whatever
    the number of letters (``matrix_counts_load``)."""
    counts = matrix_counts_load(on=on)
    return _health_of(counts, matrix_rule_breaks(counts))


def holders_prefetch(*, on: dt.date | None = None, to_attr: str = "holders") -> Prefetch:
    """Prefetch, onto each role, its assignments current on ``on`` with the person, each marked
    ``acknowledged`` when that person has acknowledged the role's current revision."""
    day = on or timezone.localdate()
    assignments = (
        RoleAssignment.objects.filter(held_on(day))
        .select_related("person")
        .with_acknowledged()
        .order_by("is_deputy", "person__full_name", "starts_on")
    )
    return Prefetch("assignments", queryset=assignments, to_attr=to_attr)


@dataclass(frozen=True)
class DutyStatus:
    """A 5.3 a-e duty, the role it is assigned to, who holds that role now, and the rule it breaks if any."""

    duty: Duty
    holders: list[RoleAssignment] = field(default_factory=list)
    rule_break: RuleBreak | None = None

    @property
    def held(self) -> bool:
        return bool(self.holders)


def duties_status(*, on: dt.date | None = None, at: dt.datetime | None = None) -> list[DutyStatus]:
    """The five duties in code order with their role's holders on ``on`` (today by default): three queries; with
    ``at``, each role's title, texts and revision as they stood then (``roles_restore_at``), one query more.

    The duty rules are those of ``roles.raci``, run on a matrix of the duties alone, so that this read does not
    load the whole RACI grid.
    """
    duties = list(
        Duty.objects.prefetch_related(
            Prefetch("role", queryset=Role.objects.select_related("org_unit").prefetch_related(holders_prefetch(on=on)))
        )
    )
    if at is not None:  # every duty's copy of its role: two duties may name the same role
        roles_restore_at([duty.role for duty in duties if duty.role is not None], at)
    roles = {duty.role.pk: duty.role for duty in duties if duty.role is not None}
    matrix = Matrix(
        activities={},
        roles={pk: role.title for pk, role in roles.items()},
        held_role_ids={pk for pk, role in roles.items() if role.holders},
        duties={duty.code: duty.role_id for duty in duties},
    )
    breaks = {rule_break.duty_code: rule_break for rule_break in matrix_rule_breaks(matrix) if rule_break.duty_code}
    return [
        DutyStatus(duty, list(duty.role.holders) if duty.role else [], breaks.get(duty.code)) for duty in duties
    ]


@dataclass(frozen=True)
class AcknowledgementRate:
    """How many of the people holding roles today have acknowledged each role's current revision."""

    acknowledged: int
    expected: int

    @property
    def percent(self) -> int | None:
        """The rate in whole percent, or None when nobody holds a role."""
        return percent(self.acknowledged, self.expected) if self.expected else None


def role_acknowledgement_rate() -> AcknowledgementRate:
    """The (holder, role) pairs of today, and how many of them are acknowledged at the current revision: one query."""
    pairs = set(
        RoleAssignment.objects.filter(held_on(timezone.localdate()))
        .with_acknowledged()
        .values_list("role_id", "person_id", "acknowledged")
    )
    # A person holding a role twice (holder and deputy on overlapping dates) counts once.
    expected = {(role_id, person_id) for role_id, person_id, _ in pairs}
    done = {(role_id, person_id) for role_id, person_id, acknowledged in pairs if acknowledged}
    return AcknowledgementRate(len(done), len(expected))


def roles_with_holders(roles: QuerySet[Role] | None = None, *, on: dt.date | None = None) -> QuerySet[Role]:
    """Roles with their org unit, whom they report to, and their holders on ``on`` (as ``role.holders``)."""
    roles = Role.objects.all() if roles is None else roles
    return roles.select_related("org_unit", "reports_to").prefetch_related(holders_prefetch(on=on))


# What a role says of itself, read back as it stood at a moment (its links, unit and reporting line, are not).
ROLE_TEXTS = ("title", "purpose", "responsibilities", "authorities", "revision")


def roles_restore_at(roles: Iterable[Role], at: dt.datetime) -> None:
    """Put back on ``roles`` their title, texts and revision as they stood at ``at``, from the audit trail
    (``audit_values_at``): one query. The records in memory only; nothing is saved."""
    roles = list(roles)
    before = audit_values_at(Role, [role.pk for role in roles], at, fields=ROLE_TEXTS)
    for role in roles:
        for name, value in before.get(role.pk, {}).items():
            setattr(role, name, value)


def roles_at(at: dt.datetime, *, on: dt.date) -> list[Role]:
    """The roles that existed at ``at`` (created before it), with their holders on ``on`` and their title, texts and
    revision as they stood at ``at``; by title, then unit. Three queries."""
    roles = list(roles_with_holders(Role.objects.filter(created_at__lt=at), on=on))
    roles_restore_at(roles, at)
    return sorted(roles, key=lambda role: (role.title, role.org_unit.name, role.pk))


@dataclass(frozen=True)
class RevisionChanges:
    """What changed in a role's responsibilities and authorities between revision ``since`` and the current one."""

    since: int
    added_responsibilities: list[str]
    removed_responsibilities: list[str]
    added_authorities: list[str]
    removed_authorities: list[str]
    changed_at: dt.datetime | None
    # Why it changed: the reasons the quality manager gave for the revisions since, oldest first.
    reasons: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return any((self.added_responsibilities, self.removed_responsibilities,
                    self.added_authorities, self.removed_authorities))


def _added_and_removed(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    return [line for line in after if line not in before], [line for line in before if line not in after]


def role_changes_since(revisions: Iterable[tuple[Role, int]]) -> dict[int, RevisionChanges]:
    """For each (role, earlier revision), the lines added and removed since that revision, read from the audit
    trail (each revision's change is recorded there): one query for all of them, keyed by role id."""
    wanted = {role.pk: (role, since) for role, since in revisions if since < role.revision}
    if not wanted:
        return {}
    entries = (
        audit_history(*(role for role, _ in wanted.values()))
        .filter(action=AuditAction.UPDATE, changes__has_key="revision")
        .values_list("object_id", "changes", "created_at", "reason")
    )
    by_role: dict[int, list[tuple[dict, dt.datetime]]] = {}
    reasons_of: dict[tuple[int, int], str] = {}  # (role id, revision it started): the reason given
    for object_id, changes, created_at, reason in entries:
        by_role.setdefault(int(object_id), []).append((changes, created_at))
        if reason:
            reasons_of[(int(object_id), changes["revision"][1] or 0)] = reason

    result = {}
    for pk, (role, since) in wanted.items():
        # The revisions after ``since``, oldest first: the first of them to change a field holds, as its
        # "before", the text the holder acknowledged; a field none of them changed is unchanged.
        later = [(c, at) for c, at in by_role.get(pk, []) if (c["revision"][0] or 0) >= since]
        before = {}
        for name in ("responsibilities", "authorities"):
            first = next((c[name][0] for c, _ in later if name in c), None)
            before[name] = text_lines(first if first is not None else getattr(role, name))
        responsibilities = _added_and_removed(before["responsibilities"], role.responsibility_list)
        authorities = _added_and_removed(before["authorities"], role.authority_list)
        reasons = [reasons_of[pk, c["revision"][1]] for c, _ in later if (pk, c["revision"][1]) in reasons_of]
        result[pk] = RevisionChanges(
            since, *responsibilities, *authorities, changed_at=later[-1][1] if later else None, reasons=reasons
        )
    return result


# --- What the role pages show ---------------------------------------------------------------------------------
@dataclass
class Holders:
    """A role's holders on a day, counted by person (someone may hold a role twice, as holder and deputy).

    Each assignment carries ``acknowledged`` (``RoleAssignmentQuerySet.with_acknowledged``)."""

    assignments: list[RoleAssignment]

    @property
    def people(self) -> int:
        return len({a.person_id for a in self.assignments})

    @property
    def acknowledged(self) -> int:
        return len({a.person_id for a in self.assignments if getattr(a, "acknowledged", False)})


@dataclass(frozen=True)
class ProcessLetters:
    """A role's RACI letters in one process, in the order of its activities."""

    process: Process
    cells: list[RaciCell]


def _letters_by_process(cells: list[RaciCell]) -> list[ProcessLetters]:
    """Group cells, already ordered by process and activity position, by process."""
    return [ProcessLetters(process, list(group)) for process, group in groupby(cells, key=lambda c: c.activity.process)]


def _letters_of(roles: list[Role]) -> dict[int, list[ProcessLetters]]:
    """Each role's letters by process, ordered by process name and activity position: one query for all roles."""
    cells = (
        RaciCell.objects.filter(role__in=roles)
        .select_related("activity__process")
        .order_by("activity__process__name", "activity__position")
    )
    by_role: dict[int, list[RaciCell]] = {}
    for cell in cells:
        by_role.setdefault(cell.role_id, []).append(cell)
    return {pk: _letters_by_process(role_cells) for pk, role_cells in by_role.items()}


def _duties_of(roles: list[Role]) -> dict[int, list[Duty]]:
    by_role: dict[int, list[Duty]] = {}
    for duty in Duty.objects.filter(role__in=roles).order_by("code"):
        if duty.role_id is not None:  # always, as only duties of ``roles`` are read: says so to the type checker
            by_role.setdefault(duty.role_id, []).append(duty)
    return by_role


def roles_matching(*, words: str = "", unit: OrgUnit | None = None) -> QuerySet[Role]:
    """The roles, by title, whose texts or current holders' names contain ``words``, in ``unit`` or a unit below
    it; with their holders (``roles_with_holders``)."""
    roles = Role.objects.order_by("title", "org_unit__name")
    if words:
        holder_named = RoleAssignment.objects.filter(
            held_on(timezone.localdate()), role=OuterRef("pk"), person__full_name__icontains=words
        )
        roles = roles.filter(
            Q(title__icontains=words) | Q(purpose__icontains=words) | Q(responsibilities__icontains=words)
            | Q(authorities__icontains=words) | Exists(holder_named)
        )
    if unit is not None:
        roles = roles.filter(org_unit_id__in=unit.descendant_ids())
    return roles_with_holders(roles)


def role_holders_count(role: Role) -> int:
    """How many people hold ``role`` today."""
    return Holders(list(role.assignments.filter(held_on(timezone.localdate())))).people


@dataclass(frozen=True)
class RoleOverview:
    """What a role's page shows: its holders on a day (each with ``ack``, their latest acknowledgement), the
    other assignments, the roles reporting to it, its letters, duties and processes, and where ``person`` stands."""

    holders: Holders
    others: list[RoleAssignment]
    direct_reports: list[Role]
    letters: list[ProcessLetters]
    duties: list[Duty]
    owned_processes: list[Process]
    i_hold_it: bool
    i_must_acknowledge: bool


def role_overview(role: Role, *, on: dt.date, person: User) -> RoleOverview:
    """The role's page as of ``on``, seen by ``person``: six queries, whatever the number of holders."""
    assignments = list(
        role.assignments.select_related("person").with_acknowledged().order_by("-starts_on", "person__full_name")
    )
    held = sorted((a for a in assignments if a.current_on(on)), key=lambda a: (a.is_deputy, a.person.full_name))
    # Each person's latest acknowledgement of the role, to show when they acknowledged and which revision.
    latest: dict[int, RoleAcknowledgement] = {}
    for ack in role.acknowledgements.order_by("revision"):
        latest[ack.person_id] = ack
    for assignment in held:
        assignment.ack = latest.get(assignment.person_id)
    mine = [a for a in held if a.person_id == person.pk] if on == timezone.localdate() else []
    return RoleOverview(
        holders=Holders(held),
        others=[a for a in assignments if not a.current_on(on)],
        direct_reports=list(role.direct_reports.select_related("org_unit").order_by("title")),
        letters=_letters_of([role]).get(role.pk, []),
        duties=list(role.duties.order_by("code")),
        owned_processes=list(role.owned_processes.order_by("name")),
        i_hold_it=bool(mine),
        i_must_acknowledge=bool(mine) and not any(a.acknowledged for a in mine),
    )


@dataclass
class MyRole:
    """One role the person holds, with what it asks of them and where they stand on acknowledging it."""

    role: Role
    assignments: list[RoleAssignment]
    letters: list[ProcessLetters] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    acknowledged: RoleAcknowledgement | None = None  # their latest acknowledgement, of whichever revision
    changes: RevisionChanges | None = None

    @property
    def is_deputy(self) -> bool:
        return all(a.is_deputy for a in self.assignments)

    @property
    def since(self) -> dt.date:
        return min(a.starts_on for a in self.assignments)

    @property
    def to_acknowledge(self) -> bool:
        return not any(a.acknowledged for a in self.assignments)


def my_roles_of(person: User) -> list[MyRole]:
    """The roles ``person`` holds today, those waiting for their acknowledgement first, each with its letters,
    duties, their latest acknowledgement and what changed since: five queries at most, whatever the number of roles."""
    held = (
        RoleAssignment.objects.filter(held_on(timezone.localdate()), person=person)
        .select_related("role__org_unit", "role__reports_to")
        .with_acknowledged()
        .order_by("role__title", "starts_on")
    )
    mine: dict[int, MyRole] = {}
    for assignment in held:
        mine.setdefault(assignment.role_id, MyRole(assignment.role, [])).assignments.append(assignment)
    roles = [entry.role for entry in mine.values()]
    letters, duties = _letters_of(roles), _duties_of(roles)
    for ack in RoleAcknowledgement.objects.filter(person=person, role__in=roles).order_by("revision"):
        mine[ack.role_id].acknowledged = ack
    # Why a role asks to be acknowledged again: what changed since the revision the person acknowledged (or
    # since the revision before, for a role they have not acknowledged yet).
    changed = role_changes_since(
        (e.role, e.acknowledged.revision if e.acknowledged else e.role.revision - 1)
        for e in mine.values() if e.to_acknowledge and e.role.revision > 1
    )
    for entry in mine.values():
        entry.letters = letters.get(entry.role.pk, [])
        entry.duties = duties.get(entry.role.pk, [])
        entry.changes = changed.get(entry.role.pk)
    return sorted(mine.values(), key=lambda e: (not e.to_acknowledge, e.role.title))


# --- Roles as they stood on a day (the readiness score) -------------------------------------------------------
@dataclass(frozen=True)
class RolesOnDay:
    """What the readiness rules read of roles on a day: the RACI matrix's broken rules (the duties apart), the 5.3
    duties with the roles they are assigned to, which roles were held, and how many holders had acknowledged their
    role by then."""

    rule_breaks: list[RuleBreak]
    role_titles: dict[int, str]
    held_role_ids: set[int]
    duties: dict[str, int | None]
    role_acknowledgements: AcknowledgementRate


def roles_day_of(matrix: Matrix | MatrixCounts, acknowledgements: AcknowledgementRate) -> RolesOnDay:
    """The readiness view of ``matrix`` (``roles.raci``'s rules run on it), with ``acknowledgements``: no query."""
    counts = matrix.counts() if isinstance(matrix, Matrix) else matrix
    return _roles_day_from(counts, matrix_rule_breaks(counts), acknowledgements)


def _roles_day_from(
    counts: MatrixCounts, breaks: list[RuleBreak], acknowledgements: AcknowledgementRate
) -> RolesOnDay:
    kept = [rule_break for rule_break in breaks if rule_break.duty_code is None]
    return RolesOnDay(kept, dict(counts.roles), set(counts.held_role_ids), dict(counts.duties), acknowledgements)


def roles_on(day: dt.date) -> RolesOnDay:
    """Roles as of ``day``: the matrix's counts with that day's holders (letters and duties as they stand: they are
    not dated) and the (role, holder) pairs of that day with an acknowledgement of the role dated by its end.
    Four queries, whatever the number of letters."""
    return roles_day_of(matrix_counts_load(on=day), _role_acknowledgements_on(day))


def roles_and_health_on(day: dt.date) -> tuple[RolesOnDay, RaciHealth]:
    """``roles_on(day)`` and ``raci_health(on=day)`` from one read of the matrix's counts and one run of its rules,
    for a page showing both (the dashboard): four queries."""
    counts = matrix_counts_load(on=day)
    breaks = matrix_rule_breaks(counts)
    return _roles_day_from(counts, breaks, _role_acknowledgements_on(day)), _health_of(counts, breaks)


def _role_acknowledgements_on(day: dt.date) -> AcknowledgementRate:
    """How many (role, holder) pairs of ``day`` had an acknowledgement of the role dated by its end: one query."""
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    acknowledged = RoleAcknowledgement.objects.filter(
        role_id=OuterRef("role_id"), person_id=OuterRef("person_id"), acknowledged_at__lt=end
    )
    pairs = set(
        RoleAssignment.objects.filter(held_on(day))
        .annotate(done=Exists(acknowledged))
        .values_list("role_id", "person_id", "done")
    )
    expected = {(role_id, person_id) for role_id, person_id, _ in pairs}
    done = {(role_id, person_id) for role_id, person_id, ok in pairs if ok}
    return AcknowledgementRate(len(done), len(expected))


# --- The evidence pack's 5.3 section (leadership/evidence_pack/sections/roles.py) -----------------------------
@dataclass(frozen=True)
class MatrixSize:
    """How many activities (rows) and roles (columns) the RACI matrix has."""

    activities: int
    roles: int


def raci_rules() -> dict[str, str]:
    """Every rule of the RACI matrix and the duties, by key, with what keeping it means, in the order pages list
    them: no query."""
    return dict(RULES)


def raci_matrix_size() -> MatrixSize:
    """The size of the RACI matrix, to plan how it is cut into pages: two queries."""
    return MatrixSize(Activity.objects.count(), Role.objects.count())


def raci_matrix_table() -> MatrixTable:
    """The whole RACI matrix as the export writes it (activities by process and position, roles by org unit then
    title, letters as text): three queries."""
    return matrix_table()


def role_acknowledgements_before(moment: dt.datetime) -> dict[tuple[int, int], RoleAcknowledgement]:
    """Each (role id, person id)'s latest acknowledgement made before ``moment``, of whichever revision: one query."""
    latest: dict[tuple[int, int], RoleAcknowledgement] = {}
    for ack in RoleAcknowledgement.objects.filter(acknowledged_at__lt=moment).order_by("acknowledged_at", "pk"):
        latest[(ack.role_id, ack.person_id)] = ack
    return latest


def orgchart_pdf_svg(*, on: dt.date) -> SafeString:
    """The org chart with the holders on ``on``, drawn for a PDF: the page's drawing cut into page-high bands
    (``<div class="orgchart-band">`` each), empty when there is no role. Three queries."""
    return orgchart_svg(orgchart_load(on=on), for_pdf=True)
