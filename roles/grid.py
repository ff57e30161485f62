"""The RACI matrix as its page draws it: the grid's cells, row heads and column heads written as HTML.

A 400 x 120 matrix has 48,000 cells, more than a screen can show: the grid pages through activities
(``GRID_ROWS_PER_PAGE`` a page) and reads only the letters of the page's activities (``matrix_letters_load``), while
the rules run on the whole matrix's counts (``MatrixCounts`` of roles/raci.py, read with the processes, activities,
roles and org units by ``matrix_data_load``). Its cells are written here, in one tight loop, instead of a template
include per cell. The same functions draw a cell, a row head and
a column head for the page and for the htmx answer to a change, so both always look alike. Every text from the
database goes through ``escape`` or ``format_html``; the rest is ids, fixed markup and the four letters.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from qms_portal.models import OrgUnit
from qms_portal.trees import ids_below
from roles.models import Activity, Process, RaciCell, RaciLetter, Role
from roles.raci import HealthReport, MatrixCounts, matrix_counts_load

# The filters of the matrix page, kept from the matrix to the cell form and back: org unit and process codes.
FILTERS = ("unit", "process")
# How many activities a page of the grid shows: with 120 roles, 6,000 cells, as many as one scrolls through.
GRID_ROWS_PER_PAGE = 50


def filters_of(query: QueryDict) -> dict[str, str]:
    """The matrix filters present in ``query`` (org unit and process codes) and the grid's page, nothing else: what
    a link from a cell or the editing session back to the grid keeps."""
    kept = {name: value for name in FILTERS if (value := query.get(name))}
    page = query.get("page", "")
    if page.isdigit() and page != "1":
        kept["page"] = page
    return kept


def with_filters(url: str, filters: dict[str, str]) -> str:
    """``url`` with ``filters`` as its query."""
    return f"{url}?{urlencode(filters)}" if filters else url


# --- Drawing the grid's pieces: one function each, for the page and the htmx answers -----------------------------
# The letters as they may appear in HTML: anything else stored by mistake shows as "?", never as markup.
_SAFE_LETTERS = {letter: letter for letter in RaciLetter.values}


# A cell's link is named by the heads of its column and row, through ids, not by repeating the names in each of
# 48,000 cells: "Set letter for Buyer on Approve suppliers", or "Change letter for Buyer on Approve suppliers, now
# R" (the cell itself gives the letter). The words between the names are hidden spans drawn once by
# roles/matrix.html; ``role-name-{r}`` and ``activity-name-{a}`` hold the bare names inside the heads.


def _cell_name(activity_id: int | str, role_id: int, letter: str | None) -> str:
    """The ``aria-labelledby`` of a cell's link (``activity_id`` may be the row's id placeholder)."""
    if letter:
        return (f' aria-labelledby="raci-change role-name-{role_id} raci-on activity-name-{activity_id} raci-now '
                f'cell-{activity_id}-{role_id}"')
    return f' aria-labelledby="raci-set role-name-{role_id} raci-on activity-name-{activity_id}"'


def cell_html(activity_id: int, role_id: int, letter: str | None, *, link: str | None) -> str:
    """One cell: its letter, and for the quality manager a link to its editor (``link``, already escaped)."""
    letter = _SAFE_LETTERS.get(letter, "?") if letter else None
    css = f' class="l-{letter}"' if letter else ""
    if link is None:
        return f'<td id="cell-{activity_id}-{role_id}"{css}>{letter or ""}</td>'
    name = _cell_name(activity_id, role_id, letter)
    return f'<td id="cell-{activity_id}-{role_id}"{css}><a href="{link}"{name}>{letter or ""}</a></td>'


def _oob(oob: bool) -> SafeString:
    return mark_safe(' hx-swap-oob="true"' if oob else "")  # noqa: S308 - a constant


def _break_marks(problems: list[str]) -> SafeString:
    """The warning sign of a head that breaks a rule, with the reasons for screen readers."""
    if not problems:
        return mark_safe("")
    return format_html(
        '<span class="break-mark" aria-hidden="true">⚠</span><span class="visually-hidden"> ({})</span> ',
        " ".join(problems),
    )


def activity_head_html(activity_id: int, name: str, problems: list[str], *, oob: bool = False) -> SafeString:
    """The row head of an activity, marked when the activity breaks a rule (the messages as its tooltip)."""
    return format_html(
        '<th id="activity-head-{}" scope="row" class="row-head{}" title="{}"{}>'
        '{}<span id="activity-name-{}">{}</span></th>',
        activity_id,
        " broken" if problems else "",
        " ".join([name, *problems]),  # the whole name too: long ones are cut short in the column
        _oob(oob),
        _break_marks(problems),
        activity_id,
        name,
    )


def role_head_html(role_id: int, title: str, unit: str, problems: list[str], *, oob: bool = False) -> SafeString:
    """The column head of a role, linking to the role, marked when the role breaks a rule."""
    return format_html(
        '<th id="role-{}" scope="col" class="role-head{}" title="{}"{}>'
        '<a href="{}">{}<span id="role-name-{}">{}</span></a></th>',
        role_id,
        " broken" if problems else "",
        " ".join([f"{title} ({unit}).", *problems]),
        _oob(oob),
        reverse("roles:role_detail", kwargs={"pk": role_id}),
        _break_marks(problems),
        role_id,
        title,
    )


def cell_link(activity_id: int, role_id: int, filters: dict[str, str]) -> str:
    """The escaped link from a cell to its editor, keeping the matrix's filters."""
    return escape(with_filters(reverse("roles:raci_cell", kwargs={"activity": activity_id, "role": role_id}), filters))


# --- The grid ----------------------------------------------------------------------------------------------------
class RowCells:
    """Writes the cells of a row exactly as ``cell_html`` would, fast enough for 48,000 cells.

    Every cell of a row holds the row's activity id (once, or more with the link and its name); apart from it and the
    few letters, a row's text depends only on the columns. So a row is its activity id joined between fixed
    pieces prepared once per page, after swapping in the pieces of its lettered cells: one ``str.join``.
    """

    START = '<td id="cell-'
    PLACEHOLDER = "\x00"  # stands for the activity id while a cell's pieces are cut

    def __init__(self, role_ids: list[int], *, link_prefix: str | None, query: str = "") -> None:
        self.role_ids = role_ids
        self.column = {role_id: n for n, role_id in enumerate(role_ids)}
        self.link_prefix, self.query = link_prefix, query
        self.empty = [self.START]
        self.offsets: list[int] = []
        self.widths: list[int] = []
        for n in range(len(role_ids)):
            cell = self._cell_pieces(n, None)
            self.offsets.append(len(self.empty))
            self.widths.append(len(cell))
            self.empty += cell

    def _after(self, n: int) -> str:
        return "" if n == len(self.role_ids) - 1 else self.START

    def _cell_pieces(self, n: int, letter: str | None) -> list[str]:
        """The pieces that follow the activity id in column ``n``: one per activity id the cell holds."""
        role_id = self.role_ids[n]
        css = f' class="l-{letter}"' if letter else ""
        shown = letter or ""
        if self.link_prefix is None:  # <td id="cell-{a}-{r}"{css}>{letter}</td>
            return [f'-{role_id}"{css}>{shown}</td>{self._after(n)}']
        # <td id="cell-{a}-{r}"{css}><a href="{prefix}{a}/{r}/{query}" aria-labelledby="...">{letter}</a></td>,
        # the name naming the activity once, or twice with a letter (see _cell_name)
        name_pieces = _cell_name(self.PLACEHOLDER, role_id, letter).split(self.PLACEHOLDER)
        name_pieces[-1] += f">{shown}</a></td>{self._after(n)}"
        return [
            f'-{role_id}"{css}><a href="{self.link_prefix}',
            f"/{role_id}/{self.query}\"{name_pieces[0]}",
            *name_pieces[1:],
        ]

    def write(self, activity_id: int, letters: dict[int, str]) -> str:
        """The cells of ``activity_id``'s row; ``letters`` are its letters by role id."""
        if not self.role_ids:
            return ""
        # An empty cell's pieces and a lettered one's differ in number (the name repeats the activity id): find
        # each column's pieces by its offset, rightmost first so the offsets to the left stay true.
        pieces = self.empty.copy()
        for n, role_id in sorted(((self.column[r], r) for r in letters if r in self.column), reverse=True):
            start = self.offsets[n]
            pieces[start:start + self.widths[n]] = self._cell_pieces(n, _SAFE_LETTERS.get(letters[role_id], "?"))
        return str(activity_id).join(pieces)


@dataclass
class GridGroup:
    """A process and the rows of its activities, already written."""

    code: str
    name: str
    rows: list[str] = field(default_factory=list)
    continued: bool = False  # its first activities are on the page before

    @property
    def html(self) -> SafeString:
        return mark_safe("".join(self.rows))  # noqa: S308 - written by activity_head_html and RowCells


@dataclass
class UnitSpan:
    """An org unit over the columns of its roles."""

    unit_id: int
    name: str
    span: int


@dataclass
class Grid:
    """What the matrix template draws: column heads grouped by org unit, row groups by process."""

    units: list[UnitSpan]
    columns: list[SafeString]
    groups: list[GridGroup]
    activity_count: int  # the rows of this page
    role_count: int


def grid_problems(health: HealthReport) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """The messages of the broken rules, by activity id and by role id (duties aside: they have their page)."""
    by_activity: dict[int, list[str]] = defaultdict(list)
    by_role: dict[int, list[str]] = defaultdict(list)
    for linked in health.breaks:
        rule_break = linked.rule_break
        if rule_break.activity_id is not None:
            by_activity[rule_break.activity_id].append(rule_break.message)
        elif rule_break.role_id is not None and rule_break.duty_code is None:
            by_role[rule_break.role_id].append(rule_break.message)
    return by_activity, by_role


@dataclass(frozen=True)
class MatrixData:
    """What the matrix page reads, whatever the size of the matrix: the rules' counts, and processes
    (pk, code, name), activities (pk, process pk, name), roles (pk, title, org unit pk, org unit name) and org units
    (pk, code, name, parent pk) in the order the grid shows them. The letters are read apart, for the activities
    shown (``matrix_letters_load``)."""

    counts: MatrixCounts
    processes: list[tuple[int, str, str]]
    activities: list[tuple[int, int, str]]
    roles: list[tuple[int, str, int, str]]
    units: list[tuple[int, str, str, int | None]]

    def process_codes(self) -> dict[int, str]:
        """The process code of each activity, by activity id, as ``rule_break_fix_url`` needs it."""
        code_of_process = {pk: code for pk, code, _ in self.processes}
        return {pk: code_of_process[process_id] for pk, process_id, _ in self.activities}


def matrix_data_load() -> MatrixData:
    """The matrix's counts and the names around it: seven queries, however many letters."""
    return MatrixData(
        counts=matrix_counts_load(),
        processes=list(Process.objects.order_by("name").values_list("pk", "code", "name")),
        activities=list(
            Activity.objects.order_by("process_id", "position", "pk").values_list("pk", "process_id", "name")
        ),
        roles=list(
            Role.objects.order_by("org_unit__name", "title").values_list("pk", "title", "org_unit_id", "org_unit__name")
        ),
        units=list(OrgUnit.objects.order_by("name").values_list("pk", "code", "name", "parent_id")),
    )


def matrix_letters_load(activity_ids: Collection[int] | None = None) -> dict[tuple[int, int], str]:
    """The letters by (activity id, role id): of ``activity_ids`` only (a page of the grid), or of the whole matrix.
    One query."""
    cells = RaciCell.objects.all() if activity_ids is None else RaciCell.objects.filter(activity_id__in=activity_ids)
    return {(a, r): letter for a, r, letter in cells.values_list("activity_id", "role_id", "letter")}


def grid_activities(data: MatrixData, *, filters: dict[str, str]) -> list[tuple[int, int, str]]:
    """The activities the grid shows under ``filters``, in its order (processes by name, then each process's
    activities by position): the rows to page through."""
    rank = {pk: n for n, (pk, code, _) in enumerate(data.processes) if filters.get("process", code) == code}
    shown = [activity for activity in data.activities if activity[1] in rank]
    return sorted(shown, key=lambda activity: rank[activity[1]])  # stable: keeps each process's positions


def grid_page_holding(activities: list[tuple[int, int, str]], activity: str | None) -> int | None:
    """The number of the grid's page holding ``activity`` (an id from a link, ``?activity=``) among ``activities``
    (``grid_activities``, as filtered): None for no id, or one the grid does not show (removed, not an id, or
    of a process filtered out)."""
    try:
        pk = int(activity or "")
    except ValueError:
        return None
    index = next((n for n, (shown, _, _) in enumerate(activities) if shown == pk), None)
    return None if index is None else index // GRID_ROWS_PER_PAGE + 1


def grid_build(
    data: MatrixData,
    health: HealthReport,
    *,
    activities: list[tuple[int, int, str]],
    letters: dict[tuple[int, int], str],
    filters: dict[str, str],
    editable: bool,
    kept: dict[str, str] | None = None,
) -> Grid:
    """The grid of ``activities`` (a page of ``grid_activities``) with their ``letters``, its columns the roles
    under ``filters`` (valid ones only), its heads marked with the breaks of ``health``, and for the quality manager
    (``editable``) each cell a link to its editor keeping ``kept`` (the filters and the page; ``filters`` when
    None)."""
    activity_problems, role_problems = grid_problems(health)
    roles = data.roles
    if "unit" in filters:
        unit_id = next(pk for pk, code, _, _ in data.units if code == filters["unit"])
        shown_units = ids_below([unit_id], ((pk, parent) for pk, _, _, parent in data.units))
        roles = [role for role in roles if role[2] in shown_units]

    spans: list[UnitSpan] = []
    for _, _, unit_id, unit_name in roles:
        if spans and spans[-1].unit_id == unit_id:
            spans[-1].span += 1
        else:
            spans.append(UnitSpan(unit_id, unit_name, 1))
    columns = [role_head_html(pk, title, unit, role_problems.get(pk, [])) for pk, title, _, unit in roles]

    groups = {pk: GridGroup(code, name) for pk, code, name in data.processes}
    letters_by_activity: dict[int, dict[int, str]] = defaultdict(dict)
    for (activity_id, role_id), letter in letters.items():
        letters_by_activity[activity_id][role_id] = letter
    link_prefix = None
    if editable:
        # Cell links are relative to the matrix page ("cell/12/34/"), a fifth less to send for 48,000 cells.
        page_path = reverse("roles:raci_matrix")
        link_prefix = reverse("roles:raci_cell", kwargs={"activity": 0, "role": 0}).removesuffix("0/0/")
        link_prefix = link_prefix.removeprefix(page_path) if link_prefix.startswith(page_path) else link_prefix
    kept = filters if kept is None else kept
    cells = RowCells([role[0] for role in roles], link_prefix=link_prefix,
                     query=escape(f"?{urlencode(kept)}") if kept else "")
    for activity_id, process_id, name in activities:
        head = activity_head_html(activity_id, name, activity_problems.get(activity_id, []))
        row = cells.write(activity_id, letters_by_activity.get(activity_id, {}))
        groups[process_id].rows.append(f'<tr id="activity-{activity_id}">{head}{row}</tr>\n')

    shown = [group for group in groups.values() if group.rows]
    if activities:  # a page may begin inside a process: say so above its rows
        first_of_process: dict[int, int] = {}
        for pk, process_id, _ in data.activities:  # by process and position
            first_of_process.setdefault(process_id, pk)
        shown[0].continued = first_of_process[activities[0][1]] != activities[0][0]
    return Grid(spans, columns, shown, len(activities), len(roles))


# --- The matrix read one activity or one role at a time (narrow screens) -------------------------------------------
# The order letters are listed in: who answers for it first.
_LETTER_ORDER = {letter: n for n, letter in enumerate("ARCI")}


@dataclass(frozen=True)
class LetterLine:
    """One letter of a listed activity or role: the letter and the other side (a role, or an activity)."""

    letter: str
    name: str
    context: str  # the role's org unit, or the activity's process
    url: str

    @property
    def meaning(self) -> str:
        """What the letter means ("Responsible"), for those who do not read the legend."""
        return RaciLetter(self.letter).label if self.letter in _SAFE_LETTERS else "Unknown letter"


@dataclass
class ListedEntry:
    """An activity with its roles' letters, or a role with its activities' letters."""

    pk: int  # the activity's or the role's
    name: str
    context: str  # the activity's process, or the role's org unit
    url: str
    problems: list[str]
    lines: list[LetterLine] = field(default_factory=list)


def _narrowed(data: MatrixData, filters: dict[str, str]) -> tuple[list[tuple[int, str, int, str]], set[int]]:
    """The roles shown under ``filters`` and the ids of the processes shown."""
    roles = data.roles
    if "unit" in filters:
        unit_id = next(pk for pk, code, _, _ in data.units if code == filters["unit"])
        shown_units = ids_below([unit_id], ((pk, parent) for pk, _, _, parent in data.units))
        roles = [role for role in roles if role[2] in shown_units]
    process_ids = {pk for pk, code, _ in data.processes if filters.get("process", code) == code}
    return roles, process_ids


# The letters of a page of entries are read after the page is cut: a large matrix's lists hold tens of thousands.
def entries_by_activity(data: MatrixData, health: HealthReport, *, filters: dict[str, str]) -> list[ListedEntry]:
    """Each activity shown under ``filters``, process by process, its letters not read yet (``entries_letters_read``);
    narrowed to an org unit, only the activities its roles take part in. One query, when narrowed."""
    activity_problems, _ = grid_problems(health)
    roles, process_ids = _narrowed(data, filters)
    process_of = {pk: (code, name) for pk, code, name in data.processes}
    entries: list[ListedEntry] = []
    for pk, process_id, name in sorted(data.activities, key=lambda a: process_of[a[1]][1]):  # stable: keeps positions
        if process_id in process_ids:
            code, process_name = process_of[process_id]
            url = reverse("roles:process_detail", kwargs={"code": code}) + f"#activity-{pk}"
            entries.append(ListedEntry(pk, name, process_name, url, activity_problems.get(pk, [])))
    if "unit" not in filters:
        return entries
    # Narrowed to an org unit, only the activities its roles take part in: a short list on a phone.
    cells = RaciCell.objects.filter(role_id__in=[pk for pk, _, _, _ in roles])
    taking_part = set(cells.values_list("activity_id", flat=True).distinct())
    return [entry for entry in entries if entry.pk in taking_part]


def entries_by_role(data: MatrixData, health: HealthReport, *, filters: dict[str, str]) -> list[ListedEntry]:
    """Each role shown under ``filters``, org unit by org unit, its letters not read yet (``entries_letters_read``);
    narrowed to a process, only the roles taking part in it. One query, when narrowed."""
    _, role_problems = grid_problems(health)
    roles, process_ids = _narrowed(data, filters)
    entries = [
        ListedEntry(pk, title, unit, reverse("roles:role_detail", kwargs={"pk": pk}), role_problems.get(pk, []))
        for pk, title, _, unit in roles
    ]
    if "process" not in filters:
        return entries
    # Narrowed to a process, only the roles taking part in it.
    cells = RaciCell.objects.filter(activity__process_id__in=process_ids)
    taking_part = set(cells.values_list("role_id", flat=True).distinct())
    return [entry for entry in entries if entry.pk in taking_part]


def entries_letters_read(data: MatrixData, entries: list[ListedEntry], *, by: str, filters: dict[str, str]) -> None:
    """Give each of ``entries`` (a page of ``entries_by_activity``, or of ``entries_by_role`` when ``by`` is
    "role") its letters with the roles, or the activities, shown under ``filters``: one query."""
    roles, process_ids = _narrowed(data, filters)
    role_of = {pk: (title, unit) for pk, title, _, unit in roles}
    process_of = {pk: (code, name) for pk, code, name in data.processes}
    activity_of = {pk: (name, process_id) for pk, process_id, name in data.activities if process_id in process_ids}
    by_pk = {entry.pk: entry for entry in entries}
    urls: dict[int, str] = {}  # each role's or activity's link, made once for all its lines
    if by == "role":
        cells = RaciCell.objects.filter(role_id__in=list(by_pk), activity_id__in=list(activity_of))
        for role_id, activity_id, letter in cells.values_list("role_id", "activity_id", "letter"):
            name, process_id = activity_of[activity_id]
            code, process_name = process_of[process_id]
            if activity_id not in urls:
                urls[activity_id] = reverse("roles:process_detail", kwargs={"code": code}) + f"#activity-{activity_id}"
            by_pk[role_id].lines.append(
                LetterLine(_SAFE_LETTERS.get(letter, "?"), name, process_name, urls[activity_id])
            )
        for entry in entries:
            entry.lines.sort(key=lambda line: (line.context, _LETTER_ORDER.get(line.letter, 9), line.name))
        return
    cells = RaciCell.objects.filter(activity_id__in=list(by_pk), role_id__in=list(role_of))
    for activity_id, role_id, letter in cells.values_list("activity_id", "role_id", "letter"):
        title, unit = role_of[role_id]
        if role_id not in urls:
            urls[role_id] = reverse("roles:role_detail", kwargs={"pk": role_id})
        by_pk[activity_id].lines.append(LetterLine(_SAFE_LETTERS.get(letter, "?"), title, unit, urls[role_id]))
    for entry in entries:
        entry.lines.sort(key=lambda line: (_LETTER_ORDER.get(line.letter, 9), line.name))
