"""Checking the rows of an uploaded file whole against the stored matrix and the rules of ``roles/raci.py``."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from qms_portal.exports import safe_cell_read
from roles.models import Activity, Process, RaciCell, RaciLetter, Role
from roles.raci import Matrix, matrix_load, matrix_rule_breaks
from roles.transfer.export import ACTIVITY_NAME, FIXED_HEADER, PROCESS_CODE, role_heading
from roles.transfer.read import EMPTY_FILE, Cell, ProblemList, read_rows, rejected, shown_text

LETTERS = frozenset(RaciLetter.values)
# The rules about an activity's own row of letters: a file may not leave an activity it changes breaking them.
ACTIVITY_RULES = frozenset({"one_accountable", "responsible"})
# What to do when a file would break a rule about a role that it keeps now.
ROLE_RULE_FIXES = {
    "role_held": "Assign someone to the role first, or leave its column empty.",
    "role_used": "Keep at least one of its letters.",
}
# Longer than any title and org unit code together: such a heading names no role, and is not worth parsing.
MAX_HEADING = 200


@dataclass
class CheckedImport:
    """What a valid file changes: cells as (activity id, role id, letter before, letter after), the activities
    and roles it covers, the file row of each activity, warnings worth reading, and the fingerprint of the
    letters it was checked against."""

    file_format: str
    cells: list[tuple[int, int, str | None, str | None]]
    activity_ids: list[int]
    role_ids: list[int]
    rows: dict[int, int]
    warnings: list[str] = field(default_factory=list)
    fingerprint: str = ""


def _strip(cell: Cell) -> str:
    return "" if cell is None else safe_cell_read(cell.strip())


def _parse_heading(heading: str) -> tuple[str, str] | None:
    """(title, org unit code) of a role column's heading "Title [CODE]", or None when it is not written so."""
    if len(heading) > MAX_HEADING or not heading.endswith("]"):
        return None
    title, bracket, code = heading[:-1].rpartition("[")
    if not bracket or not title.strip() or not code.strip() or "]" in code:
        return None
    return title.strip(), code.strip()


def _role_columns(
    header_row: int, header: list[Cell], width: int, body: list[tuple[int, list[Cell]]], problems: ProblemList
) -> dict[int, int]:
    """The role id of each role column, by column index (0-based), in column order; problems for unknown or
    repeated roles."""
    roles = {
        (title, code): pk for pk, title, code in Role.objects.values_list("pk", "title", "org_unit__code")
    }
    titles: dict[str, list[str]] = {}
    for title, code in roles:
        titles.setdefault(title, []).append(code)
    columns: dict[int, int] = {}
    seen: dict[int, int] = {}
    for index in range(len(FIXED_HEADER), width):
        raw = header[index] if index < len(header) else ""
        if raw is None:  # a formula, reported already
            continue
        heading = _strip(raw)
        column = index + 1
        if not heading:
            if any(index < len(cells) and _strip(cells[index]) for _, cells in body):
                problems.add(f"this column has letters but no role in row {header_row}.", header_row, column)
            continue
        key = _parse_heading(heading)
        if key is None:
            codes = titles.get(heading, [])
            example = role_heading(shown_text(heading), codes[0] if len(codes) == 1 else "ORG-UNIT-CODE")
            problems.add(
                f"“{shown_text(heading)}” does not say which org unit the role belongs to: write it as “{example}”, "
                "as the exported file does.", header_row, column,
            )
            continue
        role_id = roles.get(key)
        if role_id is None:
            problems.add(
                f"there is no role “{role_heading(*key)}”: check the title and the org unit code, or add the role "
                "first.", header_row, column,
            )
        elif role_id in seen:
            problems.add(
                f"“{role_heading(*key)}” is also column {get_column_letter(seen[role_id])}: keep one column per role.",
                header_row, column,
            )
        else:
            seen[role_id] = column
            columns[index] = role_id
    return columns


def _check_header(header_row: int, header: list[Cell], problems: ProblemList) -> bool:
    fine = True
    for index, expected in enumerate(FIXED_HEADER):
        found = _strip(header[index]) if index < len(header) else ""
        if found.casefold() != expected.casefold():
            shown = f"“{shown_text(found)}”" if found else "nothing"
            problems.add(
                f"expected “{expected}”, found {shown}: the first three columns are Process code, Process and "
                "Activity, as in the exported file.", header_row, index + 1,
            )
            fine = False
    return fine


def matrix_fingerprint(matrix: Matrix, activity_ids: Iterable[int], role_ids: Iterable[int]) -> str:
    """A hash of every letter of ``activity_ids`` (all roles: the rules count them) and of which of the file's
    activities and roles exist: it changes whenever something the import was checked against changes."""
    activities, roles = set(activity_ids), set(role_ids)
    letters = sorted((a, r, letter) for (a, r), letter in matrix.letters.items() if a in activities)
    present = [sorted(activities & matrix.activities.keys()), sorted(roles & matrix.roles.keys())]
    return hashlib.sha256(json.dumps([letters, present]).encode()).hexdigest()


def stored_fingerprint(activity_ids: Iterable[int], role_ids: Iterable[int]) -> str:
    """``matrix_fingerprint`` of the stored matrix, reading only what it covers (the letters of ``activity_ids``,
    which of them and of ``role_ids`` exist) instead of the whole matrix: three queries, the size of the import."""
    activities, roles = sorted(set(activity_ids)), sorted(set(role_ids))
    letters = {
        (a, r): letter
        for a, r, letter in RaciCell.objects.filter(activity_id__in=activities).values_list(
            "activity_id", "role_id", "letter"
        )
    }
    present = Matrix(
        activities=dict.fromkeys(Activity.objects.filter(pk__in=activities).values_list("pk", flat=True), ""),
        roles=dict.fromkeys(Role.objects.filter(pk__in=roles).values_list("pk", flat=True), ""),
        letters=letters,
    )
    return matrix_fingerprint(present, activities, roles)


def matrix_import_check(*, file_name: str, content: bytes) -> CheckedImport:
    """Read and check an uploaded matrix file whole against the stored matrix; raises ImportRejected listing
    every problem (by row and column), or returns the changes it would make."""
    problems = ProblemList()
    file_format, rows = read_rows(file_name, content, problems)
    # Rows keep their spreadsheet numbers; blank rows are skipped, and the first row with text is the header.
    numbered = [(number, cells) for number, cells in enumerate(rows, start=1) if any(_strip(c) for c in cells)]
    if not numbered:
        raise rejected(EMPTY_FILE)
    (header_row, header), body = numbered[0], numbered[1:]
    if not _check_header(header_row, header, problems):
        raise problems.reject()
    width = max(len(cells) for _, cells in numbered)
    columns = _role_columns(header_row, header, width, body, problems)
    header_fine = not problems
    if not columns and header_fine:
        problems.add("the file has no role columns after Activity: nothing to import.", header_row)
    if not body:
        problems.add("the file has no activity rows under its header row.", header_row + 1)

    processes = {code: (pk, name) for pk, code, name in Process.objects.values_list("pk", "code", "name")}
    activities = {(p, name): pk for pk, p, name in Activity.objects.values_list("pk", "process_id", "name")}
    imported: dict[int, dict[int, str | None]] = {}
    row_of: dict[int, int] = {}
    for number, cells in body:
        padded = cells + [""] * (width - len(cells))
        activity_id = _activity_of(number, padded, processes, activities, row_of, problems)
        letters: dict[int, str | None] = {}
        for index, role_id in columns.items():
            cell = padded[index]
            if cell is None:  # a formula, reported already
                continue
            value = cell.strip()
            if value and value.upper() not in LETTERS:
                problems.add(f"“{shown_text(value)}” is not a RACI letter: use R, A, C or I.", number, index + 1)
                continue
            letters[role_id] = value.upper() or None
        if activity_id is not None:
            row_of[activity_id] = number
            if len(letters) == len(columns):
                imported[activity_id] = letters

    result = CheckedImport(file_format, [], sorted(row_of), sorted(set(columns.values())), row_of)
    if header_fine and body:
        _check_rules(imported, header_row, columns, problems, result)
    if problems:
        raise problems.reject()
    return result


def _activity_of(
    number: int,
    cells: list[Cell],
    processes: dict[str, tuple[int, str]],
    activities: dict[tuple[int, str], int],
    row_of: dict[int, int],
    problems: ProblemList,
) -> int | None:
    """The activity a row names, or None with a problem."""
    if cells[PROCESS_CODE] is None or cells[ACTIVITY_NAME] is None:
        return None  # a formula, reported already
    code, name = _strip(cells[PROCESS_CODE]), _strip(cells[ACTIVITY_NAME])
    if not code:
        problems.add("the process code is empty.", number, PROCESS_CODE + 1)
        return None
    if code not in processes:
        problems.add(f"no process has the code “{shown_text(code)}”.", number, PROCESS_CODE + 1)
        return None
    process_id, process_name = processes[code]
    if not name:
        problems.add("the activity is empty.", number, ACTIVITY_NAME + 1)
        return None
    activity_id = activities.get((process_id, name))
    if activity_id is None:
        problems.add(
            f"the process “{process_name}” ({code}) has no activity “{shown_text(name)}”.", number, ACTIVITY_NAME + 1
        )
        return None
    if activity_id in row_of:
        problems.add(
            f"“{name}” of {code} is already in row {row_of[activity_id]}: keep one row per activity.",
            number, ACTIVITY_NAME + 1,
        )
        return None
    return activity_id


def _check_rules(
    imported: dict[int, dict[int, str | None]],
    header_row: int,
    columns: dict[int, int],
    problems: ProblemList,
    result: CheckedImport,
) -> None:
    """Apply the file's letters to the stored matrix and check the rules of ``roles/raci.py``: an activity whose
    letters change must keep them, and no role may break a rule it keeps now (the file clearing its last letter,
    or giving letters to a role nobody holds); fills ``result`` with the changes, warnings and fingerprint."""
    row_of = result.rows
    column_of = {role_id: index + 1 for index, role_id in columns.items()}
    matrix = matrix_load()
    before_breaks = set(matrix_rule_breaks(matrix))
    after = Matrix(matrix.activities, matrix.roles, dict(matrix.letters), matrix.held_role_ids, matrix.duties)
    changed: set[int] = set()
    for activity_id, letters in imported.items():
        for role_id, letter in letters.items():
            before = matrix.letters.get((activity_id, role_id))
            if before == letter:
                continue
            result.cells.append((activity_id, role_id, before, letter))
            changed.add(activity_id)
            if letter is None:
                after.letters.pop((activity_id, role_id), None)
            else:
                after.letters[activity_id, role_id] = letter
    for rule_break in matrix_rule_breaks(after):
        broken = rule_break.activity_id
        if rule_break.rule in ACTIVITY_RULES and broken is not None and broken in changed:
            problems.add(rule_break.message, row_of[broken])
        elif rule_break.rule in ACTIVITY_RULES and broken is not None and broken in row_of:
            result.warnings.append(
                f"Row {row_of[broken]}: {rule_break.message} The file leaves this activity as it is."
            )
        elif rule_break not in before_breaks:
            # Only a role's own letters decide its rules, so a new break is in one of the file's role columns.
            broken_role = rule_break.role_id
            problems.add(f"{rule_break.message} {ROLE_RULE_FIXES.get(rule_break.rule, '')}".strip(),
                         header_row, None if broken_role is None else column_of.get(broken_role))
    result.cells.sort(key=lambda cell: (row_of[cell[0]], column_of[cell[1]]))
    result.fingerprint = matrix_fingerprint(matrix, result.activity_ids, result.role_ids)
