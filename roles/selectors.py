"""The public reads of the roles app (5.3): what the roles pages, the home page and, later, ``leadership/``
(readiness score, dashboard, management-review inputs, evidence pack) ask about roles.

Other apps read roles through these functions only, never through the models: each answers in a fixed
number of queries, whatever the number of roles, holders or letters.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from qms_portal.audit import AuditAction, audit_history
from roles.models import Duty, Role, RoleAcknowledgement, RoleAssignment, held_on, text_lines
from roles.raci import Matrix, RuleBreak, matrix_load, matrix_rule_breaks


@dataclass(frozen=True)
class RaciHealth:
    """The rules of the matrix as they stand: what breaks them, and how big the matrix is."""

    rule_breaks: list[RuleBreak]
    activities: int
    roles: int

    @property
    def healthy(self) -> bool:
        return not self.rule_breaks


def raci_health(*, on: dt.date | None = None) -> RaciHealth:
    """Every broken RACI and duty rule, with role holders as of ``on`` (today by default)."""
    matrix = matrix_load(on=on)
    return RaciHealth(matrix_rule_breaks(matrix), len(matrix.activities), len(matrix.roles))


def holders_prefetch(*, on: dt.date | None = None, to_attr: str = "holders") -> Prefetch:
    """Prefetch, onto each role, its assignments current on ``on`` with the person, each marked
    ``acknowledged`` when that person has acknowledged the role's current revision."""
    day = on or timezone.localdate()
    acknowledged = RoleAcknowledgement.objects.filter(
        role=OuterRef("role"), person=OuterRef("person"), revision=OuterRef("role__revision")
    )
    assignments = (
        RoleAssignment.objects.filter(held_on(day))
        .select_related("person")
        .annotate(acknowledged=Exists(acknowledged))
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


def duties_status(*, on: dt.date | None = None) -> list[DutyStatus]:
    """The five duties in code order with their role's holders on ``on`` (today by default): three queries.

    The duty rules are those of ``roles.raci``, run on a matrix of the duties alone, so that this read does not
    load the whole RACI grid.
    """
    duties = list(
        Duty.objects.prefetch_related(
            Prefetch("role", queryset=Role.objects.select_related("org_unit").prefetch_related(holders_prefetch(on=on)))
        )
    )
    roles = {duty.role_id: duty.role for duty in duties if duty.role is not None}
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
        return round(100 * self.acknowledged / self.expected) if self.expected else None


def role_acknowledgement_rate() -> AcknowledgementRate:
    """The (holder, role) pairs of today, and how many of them are acknowledged at the current revision: one query."""
    acknowledged = RoleAcknowledgement.objects.filter(
        role=OuterRef("role"), person=OuterRef("person"), revision=OuterRef("role__revision")
    )
    pairs = set(
        RoleAssignment.objects.filter(held_on(timezone.localdate()))
        .annotate(acknowledged=Exists(acknowledged))
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


@dataclass(frozen=True)
class RevisionChanges:
    """What changed in a role's responsibilities and authorities between revision ``since`` and the current one."""

    since: int
    added_responsibilities: list[str]
    removed_responsibilities: list[str]
    added_authorities: list[str]
    removed_authorities: list[str]
    changed_at: dt.datetime | None

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
        .values_list("object_id", "changes", "created_at")
    )
    by_role: dict[int, list[tuple[dict, dt.datetime]]] = {}
    for object_id, changes, created_at in entries:
        by_role.setdefault(int(object_id), []).append((changes, created_at))

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
        result[pk] = RevisionChanges(since, *responsibilities, *authorities, changed_at=later[-1][1] if later else None)
    return result
