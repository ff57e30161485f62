"""The rules of the RACI matrix and the 5.3 duties, in one place for the matrix page, the health panel,
the import (which checks a matrix before anything is written) and the readiness score.

The rules work on a ``MatrixCounts``, a plain snapshot of what they look at: ``matrix_counts_load()`` counts the
stored matrix in the database in three queries (a row per activity and per role, never a row per letter), and an
import builds a whole ``Matrix`` from its file and checks its ``counts()`` before anything is saved. The matrix
page reads its letters itself (``matrix_load()``, or one page of them in ``roles/grid.py``).

- every activity has exactly one A and at least one R;
- every role used in the matrix has at least one current holder;
- no role is left without any letter;
- each 5.3 a-e duty is assigned to a role that has a current holder.

Where each broken rule is fixed is decided here too (``rule_break_fix_url``), and ``health_summary()`` gives
every break with its link, so the matrix page, the health page and the home panel all link alike.
"""
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from qms_portal.access import require_capability
from qms_portal.audit import audit_context, audited_bulk_create, audited_bulk_delete, audited_bulk_update
from qms_portal.models import User
from roles.access import RolesCapability
from roles.models import Activity, Duty, RaciCell, RaciLetter, Role, RoleAssignment, held_on


@dataclass
class MatrixCounts:
    """What the rules look at, however many letters the matrix has: activities and roles by id, how many A's and R's
    each activity has (an activity with none is absent), which roles have any letter, the held roles and the duties.

    Two ways to one snapshot: ``matrix_counts_load()`` counts the stored matrix in the database, and
    ``Matrix.counts()`` counts a matrix held in memory (an import's file), so both are checked by the same rules."""

    activities: dict[int, str]
    roles: dict[int, str]
    accountable: Mapping[int, int] = field(default_factory=dict)
    responsible: Mapping[int, int] = field(default_factory=dict)
    roles_used: set[int] = field(default_factory=set)
    held_role_ids: set[int] = field(default_factory=set)
    duties: dict[str, int | None] = field(default_factory=dict)


@dataclass
class Matrix:
    """A whole matrix: activities, roles, letters by (activity id, role id), held roles, duties."""

    activities: dict[int, str]
    roles: dict[int, str]
    letters: dict[tuple[int, int], str] = field(default_factory=dict)
    held_role_ids: set[int] = field(default_factory=set)
    duties: dict[str, int | None] = field(default_factory=dict)

    def counts(self) -> MatrixCounts:
        """What the rules need of this matrix, counted from its letters in one pass."""
        by_letter: Counter[tuple[int, str]] = Counter(
            (activity_id, letter) for (activity_id, _), letter in self.letters.items()
            if letter in (RaciLetter.ACCOUNTABLE, RaciLetter.RESPONSIBLE)
        )
        return MatrixCounts(
            self.activities,
            self.roles,
            accountable={a: n for (a, letter), n in by_letter.items() if letter == RaciLetter.ACCOUNTABLE},
            responsible={a: n for (a, letter), n in by_letter.items() if letter == RaciLetter.RESPONSIBLE},
            roles_used={role_id for _, role_id in self.letters},
            held_role_ids=self.held_role_ids,
            duties=self.duties,
        )


@dataclass(frozen=True)
class RuleBreak:
    """One broken rule, naming what breaks it so the page can link to the fix."""

    rule: str
    message: str
    activity_id: int | None = None
    role_id: int | None = None
    duty_code: str | None = None


def _activity_name(process: str, name: str) -> str:
    return f"{process} — {name}"


def matrix_load(*, on: dt.date | None = None) -> Matrix:
    """The whole matrix as it stands, every letter included, with role holders as of ``on`` (today by default):
    five queries. To know only which rules it breaks, ``matrix_counts_load`` reads far less."""
    day = on or timezone.localdate()
    activities = {
        pk: _activity_name(process, name)
        for pk, process, name in Activity.objects.values_list("pk", "process__name", "name")
    }
    roles = dict(Role.objects.values_list("pk", "title"))
    letters = {(a, r): letter for a, r, letter in RaciCell.objects.values_list("activity_id", "role_id", "letter")}
    held = set(RoleAssignment.objects.filter(held_on(day)).values_list("role_id", flat=True))
    duties: dict[str, int | None] = dict(Duty.objects.values_list("code", "role_id"))
    return Matrix(activities, roles, letters, held, duties)


def matrix_counts_load(*, on: dt.date | None = None) -> MatrixCounts:
    """What the rules need of the stored matrix, with role holders as of ``on`` (today by default), counted by the
    database: three queries of a row per activity, role or duty, however many letters (a large matrix has tens of
    thousands). The A's and R's are read through their own index (a few letters in forty)."""
    day = on or timezone.localdate()
    key_letters = (RaciLetter.ACCOUNTABLE, RaciLetter.RESPONSIBLE)
    activity_rows = (
        Activity.objects.alias(key_cells=FilteredRelation("cells", condition=Q(cells__letter__in=key_letters)))
        .annotate(
            accountable=Count("key_cells", filter=Q(key_cells__letter=RaciLetter.ACCOUNTABLE)),
            responsible=Count("key_cells", filter=Q(key_cells__letter=RaciLetter.RESPONSIBLE)),
        )
        .order_by()
        .values_list("pk", "process__name", "name", "accountable", "responsible")
    )
    activities: dict[int, str] = {}
    accountable: dict[int, int] = {}
    responsible: dict[int, int] = {}
    for pk, process, name, a_count, r_count in activity_rows:
        activities[pk] = _activity_name(process, name)
        if a_count:
            accountable[pk] = a_count
        if r_count:
            responsible[pk] = r_count
    role_rows = Role.objects.order_by().annotate(
        used=Exists(RaciCell.objects.filter(role=OuterRef("pk"))),
        held=Exists(RoleAssignment.objects.filter(held_on(day), role=OuterRef("pk"))),
    ).values_list("pk", "title", "used", "held")
    roles: dict[int, str] = {}
    used: set[int] = set()
    held: set[int] = set()
    for pk, title, is_used, is_held in role_rows:
        roles[pk] = title
        if is_used:
            used.add(pk)
        if is_held:
            held.add(pk)
    duties: dict[str, int | None] = dict(Duty.objects.values_list("code", "role_id"))
    return MatrixCounts(activities, roles, accountable, responsible, used, held, duties)


def matrix_rule_breaks(matrix: Matrix | MatrixCounts) -> list[RuleBreak]:
    """Every broken rule of ``matrix`` (a whole one, or its counts): activities first (in id order), then roles,
    then duties."""
    counts = matrix.counts() if isinstance(matrix, Matrix) else matrix
    breaks: list[RuleBreak] = []
    for activity_id in sorted(counts.activities):
        name = counts.activities[activity_id]
        accountable = counts.accountable.get(activity_id, 0)
        if accountable == 0:
            breaks.append(RuleBreak("one_accountable", f"“{name}” has no A: give exactly one role the A.",
                                    activity_id=activity_id))
        elif accountable > 1:
            breaks.append(RuleBreak("one_accountable", f"“{name}” has {accountable} A's: keep exactly one.",
                                    activity_id=activity_id))
        if counts.responsible.get(activity_id, 0) == 0:
            breaks.append(RuleBreak("responsible", f"“{name}” has no R: at least one role must do it.",
                                    activity_id=activity_id))

    for role_id in sorted(counts.roles):
        title = counts.roles[role_id]
        if role_id in counts.roles_used and role_id not in counts.held_role_ids:
            breaks.append(RuleBreak("role_held", f"“{title}” has letters in the matrix but nobody holds it now.",
                                    role_id=role_id))
        if role_id not in counts.roles_used:
            breaks.append(RuleBreak("role_used", f"“{title}” has no letter anywhere in the matrix.", role_id=role_id))

    for code in sorted(counts.duties):
        duty_role_id = counts.duties[code]
        if duty_role_id is None:
            breaks.append(RuleBreak("duty_assigned", f"Duty {code} is not assigned to any role.", duty_code=code))
        elif duty_role_id not in counts.held_role_ids:
            title = counts.roles.get(duty_role_id, f"role #{duty_role_id}")
            breaks.append(RuleBreak("duty_held", f"Duty {code} is assigned to “{title}”, which nobody holds now.",
                                    role_id=duty_role_id, duty_code=code))
    return breaks


@transaction.atomic
def raci_cell_set(
    *, activity: Activity, role: Role, letter: str | None, by: User, reason: str = ""
) -> RaciCell | None:
    """Give ``role`` the ``letter`` (R, A, C or I) for ``activity``, or clear it with None; ``reason`` goes on the
    trail entry (an import's own reason is kept when none is given)."""
    require_capability(by, RolesCapability.MANAGE, doing="change the RACI matrix")
    if letter is not None and letter not in RaciLetter.values:
        raise ValidationError({"letter": f"“{letter}” is not a RACI letter: use R, A, C or I."})
    cell = RaciCell.objects.select_for_update().filter(activity=activity, role=role).first()
    with audit_context(actor=by, reason=reason):
        if letter is None:
            if cell is not None:
                cell.delete()
            return None
        if cell is None:
            return RaciCell.objects.create(activity=activity, role=role, letter=letter)
        if cell.letter != letter:
            cell.letter = letter
            cell.save()
    return cell


def raci_letters_set(
    *, letters: Iterable[tuple[Activity, Role, str | None]], by: User, reason: str
) -> tuple[int, int, int]:
    """Set many cells of the matrix at once, as ``raci_cell_set`` sets one: each (activity, role, letter) gives the
    role that letter for the activity, or clears it with None. The letters are written in bulk through the audited
    path, every one with its own trail entry, attributed to ``by`` with ``reason``; all in one transaction. Returns
    how many letters were added, changed and cleared (a cell given the letter it has is left alone)."""
    require_capability(by, RolesCapability.MANAGE, doing="change the RACI matrix")
    wanted = list(letters)
    known = set(RaciLetter.values)
    for _activity, _role, letter in wanted:
        if letter is not None and letter not in known:
            raise ValidationError({"letter": f"“{letter}” is not a RACI letter: use R, A, C or I."})
    activity_ids = {activity.pk for activity, _, _ in wanted}
    role_ids = {role.pk for _, role, _ in wanted}
    added: list[RaciCell] = []
    changed: list[RaciCell] = []
    cleared: list[RaciCell] = []
    with transaction.atomic(), audit_context(actor=by):
        stored = {
            (cell.activity_id, cell.role_id): cell
            for cell in RaciCell.objects.select_for_update().filter(activity_id__in=activity_ids, role_id__in=role_ids)
        }
        for activity, role, letter in wanted:
            cell = stored.get((activity.pk, role.pk))
            if cell is None:
                if letter is None:
                    continue
                cell = RaciCell(activity_id=activity.pk, role_id=role.pk, letter=letter)
                added.append(cell)
            elif letter is None:
                cleared.append(cell)
            elif cell.letter != letter:
                cell.letter = letter
                changed.append(cell)
            # Named in its entry: the activity and role at hand spare two queries per letter.
            cell._state.fields_cache.update(activity=activity, role=role)
        audited_bulk_delete(cleared, reason=reason)
        audited_bulk_update(changed, ["letter"], reason=reason)
        audited_bulk_create(RaciCell, added, reason=reason)
    return len(added), len(changed), len(cleared)


# --- Where each broken rule is fixed: one answer for the matrix page, the health page and the home panel ----------

# Every rule, in the order pages list them, with what keeping it means.
RULES: dict[str, str] = {
    "one_accountable": "Every activity has exactly one A",
    "responsible": "Every activity has at least one R",
    "role_held": "Every role used in the matrix has a current holder",
    "role_used": "Every role has at least one letter in the matrix",
    "duty_assigned": "Each 5.3 a-e duty is assigned to a role",
    "duty_held": "Each 5.3 a-e duty is assigned to a role that someone holds",
}

# What the fix link says, for the quality manager and for people who may only look.
FIX_LABELS: dict[str, tuple[str, str]] = {
    "one_accountable": ("Set the letters", "See its row"),
    "responsible": ("Set the letters", "See its row"),
    "role_held": ("Assign a holder", "See the role"),
    "role_used": ("Give it a letter", "See its column"),
    "duty_assigned": ("Assign the duty", "See the duties"),
    "duty_held": ("Reassign the duty", "See the duties"),
}


def activity_process_codes() -> dict[int, str]:
    """The process code of every activity, by activity id, as ``rule_break_fix_url`` needs it: one query."""
    return dict(Activity.objects.values_list("pk", "process__code"))


def matrix_url(
    filters: Mapping[str, str] | None = None, *, activity_id: int | None = None, role_id: int | None = None
) -> str:
    """The matrix page with ``filters`` (``unit`` and ``process`` codes), scrolled to an activity's row or a
    role's column when given. The grid pages through activities: an activity's link names it (``?activity=``) for
    the page to open the page holding its row, instead of a page number that rows added or removed would shift."""
    if activity_id is not None:
        filters = {**{k: v for k, v in (filters or {}).items() if k != "page"}, "activity": str(activity_id)}
    url = reverse("roles:raci_matrix") + (f"?{urlencode(filters)}" if filters else "")
    if activity_id is not None:
        return f"{url}#activity-{activity_id}"
    return f"{url}#role-{role_id}" if role_id is not None else url


def rule_break_fix_url(
    rule_break: RuleBreak, processes_by_activity: Mapping[int, str], *, can_manage: bool = True
) -> str:
    """The page where ``rule_break`` is fixed: the activity's rows of the matrix, the role's new assignment,
    the role's column of the matrix, or the duty's assignment. ``processes_by_activity`` maps activity ids
    to process codes (``activity_process_codes()``). For people who may not change roles (``can_manage``
    False), the pages that show the problem instead: the role's page and the list of duties."""
    if rule_break.duty_code is not None:
        if not can_manage:
            return reverse("roles:duty_list")
        return reverse("roles:duty_edit", kwargs={"code": rule_break.duty_code})
    if rule_break.activity_id is not None:
        code = processes_by_activity.get(rule_break.activity_id)
        return matrix_url({"process": code} if code else None, activity_id=rule_break.activity_id)
    if rule_break.rule == "role_held":
        if not can_manage:
            return reverse("roles:role_detail", kwargs={"pk": rule_break.role_id})
        return reverse("roles:assignment_create", kwargs={"pk": rule_break.role_id})
    return matrix_url(role_id=rule_break.role_id)


def rule_break_fix_label(rule_break: RuleBreak, *, can_manage: bool = True) -> str:
    """The words of the link to ``rule_break_fix_url``."""
    for_manager, for_others = FIX_LABELS.get(rule_break.rule, ("Fix it", "See it"))
    return for_manager if can_manage else for_others


@dataclass(frozen=True)
class LinkedBreak:
    """A broken rule with the link to its fix."""

    rule_break: RuleBreak
    fix_url: str
    fix_label: str

    @property
    def rule(self) -> str:
        return self.rule_break.rule

    @property
    def message(self) -> str:
        return self.rule_break.message


@dataclass(frozen=True)
class RuleGroup:
    """One rule and the places that break it (none when the rule is met)."""

    rule: str
    title: str
    breaks: list[LinkedBreak]


@dataclass(frozen=True)
class HealthReport:
    """Every broken rule of the matrix and the duties, each linked to its fix, in the order of the rules."""

    breaks: list[LinkedBreak]

    @property
    def count(self) -> int:
        return len(self.breaks)

    @property
    def all_met(self) -> bool:
        return not self.breaks

    def by_rule(self) -> list[RuleGroup]:
        """Every rule, met or not, with its breaks."""
        grouped: dict[str, list[LinkedBreak]] = {rule: [] for rule in RULES}
        for linked in self.breaks:
            grouped.setdefault(linked.rule, []).append(linked)
        return [RuleGroup(rule, RULES.get(rule, rule), found) for rule, found in grouped.items()]


def health_summary(
    *,
    matrix: Matrix | MatrixCounts | None = None,
    processes_by_activity: Mapping[int, str] | None = None,
    on: dt.date | None = None,
    can_manage: bool = True,
) -> HealthReport:
    """The rule breaks of ``matrix`` (the stored one as of ``on`` by default) with their fix links, for the
    quality manager or (``can_manage`` False) for people who may only look: at most four queries, however
    large the matrix."""
    matrix = matrix_counts_load(on=on) if matrix is None else matrix
    codes = activity_process_codes() if processes_by_activity is None else processes_by_activity
    order = {rule: n for n, rule in enumerate(RULES)}
    breaks = sorted(matrix_rule_breaks(matrix), key=lambda b: order.get(b.rule, len(order)))
    return HealthReport([
        LinkedBreak(
            b, rule_break_fix_url(b, codes, can_manage=can_manage), rule_break_fix_label(b, can_manage=can_manage)
        )
        for b in breaks
    ])
