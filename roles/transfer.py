"""Export and import of the RACI matrix as CSV or XLSX: one table shape for both formats, checked whole
before anything changes, previewed, then applied all or nothing.

The table: a header row ``Process code, Process, Activity`` followed by one column per role, named
"Title [ORG-UNIT-CODE]" (a title is unique only within its org unit); then one row per activity, in process and
position order, with R, A, C or I in the role columns. Processes are found by their code and activities by
their name within the process; the Process column is there for people to read. An import sets exactly the
cells of the file: an empty cell clears the letter, and activities or roles the file leaves out keep theirs.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from qms_portal.access import require_capability
from qms_portal.audit import audit_context
from qms_portal.exports import safe_cell, safe_cell_read
from qms_portal.jobs import job_start
from qms_portal.models import Job, JobStatus
from roles.models import (
    Activity,
    ImportFormat,
    ImportStatus,
    MatrixImport,
    Process,
    RaciCell,
    RaciLetter,
    Role,
)
from roles.raci import Matrix, matrix_load, matrix_rule_breaks, raci_cell_set

MANAGE = "roles.manage_roles"
RACI_IMPORT_JOB = "raci_import"

FIXED_HEADER = ("Process code", "Process", "Activity")
PROCESS_CODE, PROCESS_NAME, ACTIVITY_NAME = range(3)
LETTERS = frozenset(RaciLetter.values)
# The rules about an activity's own row of letters: a file may not leave an activity it changes breaking them.
ACTIVITY_RULES = frozenset({"one_accountable", "responsible"})
# What to do when a file would break a rule about a role that it keeps now.
ROLE_RULE_FIXES = {
    "role_held": "Assign someone to the role first, or leave its column empty.",
    "role_used": "Keep at least one of its letters.",
}
MAX_PROBLEMS = 100
# An XLSX file is a zip: refuse one that unpacks to far more than any matrix needs (a "zip bomb").
XLSX_MAX_UNPACKED_FACTOR = 10
# Old .xls workbooks and password-protected .xlsx files are OLE compound files.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EMPTY_FILE = "The file is empty: export the matrix to get a file to start from."
NOT_UTF8 = "the file is not UTF-8 text: save it as “CSV UTF-8” (in Excel: Save as › CSV UTF-8) and upload it again."
STALE = "The matrix changed since you uploaded the file; upload it again."
# Longer than any title and org unit code together: such a heading names no role, and is not worth parsing.
MAX_HEADING = 200


# --- The table, as exported ---------------------------------------------------------------------------------------


def role_heading(title: str, unit_code: str) -> str:
    """How a role names its column: its title and its org unit's code in brackets."""
    return f"{title} [{unit_code}]"


@dataclass(frozen=True)
class MatrixTable:
    """The matrix as the rows of a spreadsheet: a header row, then one row per activity."""

    header: list[str]
    rows: list[list[str]]


def matrix_table() -> MatrixTable:
    """The whole matrix as a table, activities in process and position order, roles by org unit then title:
    three queries."""
    roles = list(Role.objects.order_by("org_unit__name", "title", "pk").values_list("pk", "title", "org_unit__code"))
    activities = Activity.objects.order_by("process__name", "position", "pk").values_list(
        "pk", "process__code", "process__name", "name"
    )
    letters = {(a, r): letter for a, r, letter in RaciCell.objects.values_list("activity_id", "role_id", "letter")}
    header = [*FIXED_HEADER, *(role_heading(title, code) for _, title, code in roles)]
    rows = [
        [code, process, name, *(letters.get((activity_id, role_id), "") for role_id, _, _ in roles)]
        for activity_id, code, process, name in activities
    ]
    return MatrixTable(header, rows)


def export_filename(extension: str) -> str:
    return f"raci-matrix-{timezone.localdate():%Y-%m-%d}.{extension}"


def _xlsx_text(value: str) -> str:
    # openpyxl refuses control characters, and would store text starting with "=" as a formula: escape it.
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))


def matrix_xlsx(table: MatrixTable) -> bytes:
    """The table as an XLSX workbook: bold header, frozen header row and activity columns, readable widths,
    and a drop-down of the four letters in the role columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "RACI matrix"
    sheet.append([_xlsx_text(text) for text in table.header])
    for row in table.rows:
        sheet.append([_xlsx_text(text) for text in row])
    header_fill = PatternFill("solid", fgColor="E9EEF5")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "D2"
    widths = {1: 16, 2: 28, 3: 44}
    for column in range(1, len(table.header) + 1):
        width = widths.get(column) or min(max(len(table.header[column - 1]) * 0.6, 8), 22)
        sheet.column_dimensions[get_column_letter(column)].width = width
    centred = Alignment(horizontal="center")
    if len(table.header) > len(FIXED_HEADER) and table.rows:
        last = f"{get_column_letter(len(table.header))}{len(table.rows) + 1}"
        for row in sheet.iter_rows(min_row=2, min_col=len(FIXED_HEADER) + 1):
            for cell in row:
                cell.alignment = centred
        choice = DataValidation(
            type="list", formula1='"R,A,C,I"', allow_blank=True, showErrorMessage=True,
            errorTitle="RACI letter", error="Use R, A, C or I, or leave the cell empty.",
        )
        choice.add(f"D2:{last}")
        sheet.add_data_validation(choice)
        sheet.auto_filter.ref = f"A1:{last}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Problems of an uploaded file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file, where the spreadsheet shows it (row and column are 1-based)."""

    message: str
    row: int | None = None
    column: int | None = None

    @property
    def column_letter(self) -> str:
        return get_column_letter(self.column) if self.column else ""

    def __str__(self) -> str:
        if self.row and self.column:
            return f"Row {self.row}, column {self.column_letter}: {self.message}"
        if self.row:
            return f"Row {self.row}: {self.message}"
        return self.message[:1].upper() + self.message[1:]


class ImportRejected(Exception):
    """The file cannot be imported; ``problems`` lists every reason found (at most ``MAX_PROBLEMS``), ``more``
    counts the ones left off."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        super().__init__(f"{len(problems) + more} problem(s) in the file")
        self.problems = problems
        self.more = more


class ImportRefused(Exception):
    """A confirmed import cannot be applied (any more): the message says why and what to do."""


class _Problems:
    """Collects problems, keeping the first ``MAX_PROBLEMS`` in row order and counting the rest."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, message: str, row: int | None = None, column: int | None = None) -> None:
        self.found.append(Problem(message, row, column))

    def __bool__(self) -> bool:
        return bool(self.found)

    def reject(self) -> ImportRejected:
        ordered = sorted(self.found, key=lambda p: (p.row or 0, p.column or 0))
        return ImportRejected(ordered[:MAX_PROBLEMS], max(0, len(ordered) - MAX_PROBLEMS))


def _reject(message: str, row: int | None = None, column: int | None = None) -> ImportRejected:
    return ImportRejected([Problem(message, row, column)])


def _size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def import_size_problem(size: int) -> str | None:
    """Why a file of ``size`` bytes is refused before it is read, or None."""
    if size == 0:
        return EMPTY_FILE
    limit = settings.RACI_IMPORT_MAX_BYTES
    if size > limit:
        return f"The file is {_size_text(size)}; the largest accepted is {_size_text(limit)}."
    return None


# --- Reading the file into rows of text ---------------------------------------------------------------------------

# A cell that cannot be taken as text (a formula): reported once where it is read, then skipped by the checks.
Cell = str | None


def _delimiter(first_line: str) -> str:
    """The separator of the header line: Excel writes ";" where the decimal sign is a comma, and tab-separated
    text is common too. The one that splits off the three fixed columns wins, else the most frequent."""
    candidates = (",", ";", "\t")
    for delimiter in candidates:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        if [cell.strip().casefold() for cell in cells[:3]] == [name.casefold() for name in FIXED_HEADER]:
            return delimiter
    return max(candidates, key=first_line.count)


def _read_csv(content: bytes) -> list[list[Cell]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _reject(NOT_UTF8, row=content[: error.start].count(b"\n") + 1) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    rows: list[list[Cell]] = []
    try:
        for record in reader:
            rows.append(list(record))
    except csv.Error as error:
        raise _reject(f"the line cannot be read as CSV ({error}).", row=len(rows) + 1) from None
    return rows


def _xlsx_text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_xlsx(content: bytes, problems: _Problems) -> list[list[Cell]]:
    unreadable = (
        "the file cannot be read as an XLSX workbook: it may be damaged. Save it again from your spreadsheet "
        "program as .xlsx, or as CSV UTF-8."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _reject(unreadable) from None
    if unpacked > settings.RACI_IMPORT_MAX_BYTES * XLSX_MAX_UNPACKED_FACTOR:
        raise _reject(f"the workbook unpacks to {_size_text(unpacked)}, far more than a RACI matrix needs.")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of error on a damaged or foreign file; all mean the same here
        raise _reject(unreadable) from None
    rows: list[list[Cell]] = []
    try:
        if not workbook.worksheets:
            raise _reject("the workbook has no worksheet.")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read every row there is
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            row: list[Cell] = []
            for column, cell in enumerate(cells, start=1):
                if getattr(cell, "data_type", None) == "f":
                    problems.add(f"“{_shown(str(cell.value))}” is a formula: type the value itself.", number, column)
                    row.append(None)
                else:
                    row.append(_xlsx_text_of(cell.value))
            rows.append(row)
    except ImportRejected:
        raise
    except Exception:  # as above: a sheet that cannot be parsed
        raise _reject(unreadable) from None
    finally:
        workbook.close()
    return rows


def _read(file_name: str, content: bytes, problems: _Problems) -> tuple[str, list[list[Cell]]]:
    """The file's format and its rows of text; raises ImportRejected when it cannot be read at all."""
    size_problem = import_size_problem(len(content))
    if size_problem:
        raise _reject(size_problem)
    if content.startswith(ZIP_MAGIC):
        return ImportFormat.XLSX, _read_xlsx(content, problems)
    if content.startswith(OLE_MAGIC):
        raise _reject(
            "the file is an old Excel workbook (.xls) or a password-protected one: save it as .xlsx without a "
            "password, or as CSV UTF-8."
        )
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise _reject("the file is named .xlsx but is not an Excel workbook: it may be damaged.")
    return ImportFormat.CSV, _read_csv(content)


# --- Checking the rows against the matrix -------------------------------------------------------------------------


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


def _shown(text: str) -> str:
    """Text from the file as a message quotes it: cut short, since a cell may hold pages of it."""
    return text if len(text) <= 60 else text[:59] + "…"


def _parse_heading(heading: str) -> tuple[str, str] | None:
    """(title, org unit code) of a role column's heading "Title [CODE]", or None when it is not written so."""
    if len(heading) > MAX_HEADING or not heading.endswith("]"):
        return None
    title, bracket, code = heading[:-1].rpartition("[")
    if not bracket or not title.strip() or not code.strip() or "]" in code:
        return None
    return title.strip(), code.strip()


def _role_columns(
    header_row: int, header: list[Cell], width: int, body: list[tuple[int, list[Cell]]], problems: _Problems
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
            example = role_heading(_shown(heading), codes[0] if len(codes) == 1 else "ORG-UNIT-CODE")
            problems.add(
                f"“{_shown(heading)}” does not say which org unit the role belongs to: write it as “{example}”, "
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


def _check_header(header_row: int, header: list[Cell], problems: _Problems) -> bool:
    fine = True
    for index, expected in enumerate(FIXED_HEADER):
        found = _strip(header[index]) if index < len(header) else ""
        if found.casefold() != expected.casefold():
            shown = f"“{_shown(found)}”" if found else "nothing"
            problems.add(
                f"expected “{expected}”, found {shown}: the first three columns are Process code, Process and "
                "Activity, as in the exported file.", header_row, index + 1,
            )
            fine = False
    return fine


def _fingerprint(matrix: Matrix, activity_ids: Iterable[int], role_ids: Iterable[int]) -> str:
    """A hash of every letter of ``activity_ids`` (all roles: the rules count them) and of which of the file's
    activities and roles exist: it changes whenever something the import was checked against changes."""
    activities, roles = set(activity_ids), set(role_ids)
    letters = sorted((a, r, letter) for (a, r), letter in matrix.letters.items() if a in activities)
    present = [sorted(activities & matrix.activities.keys()), sorted(roles & matrix.roles.keys())]
    return hashlib.sha256(json.dumps([letters, present]).encode()).hexdigest()


def matrix_import_check(*, file_name: str, content: bytes) -> CheckedImport:
    """Read and check an uploaded matrix file whole against the stored matrix; raises ImportRejected listing
    every problem (by row and column), or returns the changes it would make."""
    problems = _Problems()
    file_format, rows = _read(file_name, content, problems)
    # Rows keep their spreadsheet numbers; blank rows are skipped, and the first row with text is the header.
    numbered = [(number, cells) for number, cells in enumerate(rows, start=1) if any(_strip(c) for c in cells)]
    if not numbered:
        raise _reject(EMPTY_FILE)
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
            if padded[index] is None:  # a formula, reported already
                continue
            value = padded[index].strip()
            if value and value.upper() not in LETTERS:
                problems.add(f"“{_shown(value)}” is not a RACI letter: use R, A, C or I.", number, index + 1)
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
    number: int, cells: list[Cell], processes: dict, activities: dict, row_of: dict[int, int], problems: _Problems
) -> int | None:
    """The activity a row names, or None with a problem."""
    if cells[PROCESS_CODE] is None or cells[ACTIVITY_NAME] is None:
        return None  # a formula, reported already
    code, name = _strip(cells[PROCESS_CODE]), _strip(cells[ACTIVITY_NAME])
    if not code:
        problems.add("the process code is empty.", number, PROCESS_CODE + 1)
        return None
    if code not in processes:
        problems.add(f"no process has the code “{_shown(code)}”.", number, PROCESS_CODE + 1)
        return None
    process_id, process_name = processes[code]
    if not name:
        problems.add("the activity is empty.", number, ACTIVITY_NAME + 1)
        return None
    activity_id = activities.get((process_id, name))
    if activity_id is None:
        problems.add(
            f"the process “{process_name}” ({code}) has no activity “{_shown(name)}”.", number, ACTIVITY_NAME + 1
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
    problems: _Problems,
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
        activity_id = rule_break.activity_id
        if rule_break.rule in ACTIVITY_RULES and activity_id in changed:
            problems.add(rule_break.message, row_of[activity_id])
        elif rule_break.rule in ACTIVITY_RULES and activity_id in row_of:
            result.warnings.append(
                f"Row {row_of[activity_id]}: {rule_break.message} The file leaves this activity as it is."
            )
        elif rule_break not in before_breaks:
            # Only a role's own letters decide its rules, so a new break is in one of the file's role columns.
            problems.add(f"{rule_break.message} {ROLE_RULE_FIXES.get(rule_break.rule, '')}".strip(),
                         header_row, column_of.get(rule_break.role_id))
    result.cells.sort(key=lambda cell: (row_of[cell[0]], column_of[cell[1]]))
    result.fingerprint = _fingerprint(matrix, result.activity_ids, result.role_ids)


# --- Keeping, previewing, confirming, applying and discarding an import -------------------------------------------


@transaction.atomic
def matrix_import_create(*, file_name: str, content: bytes, by: Any) -> MatrixImport:
    """Check an uploaded file whole and keep it, waiting for confirmation; raises ImportRejected with every
    problem found, and then keeps nothing."""
    require_capability(by, MANAGE, doing="import the RACI matrix")
    checked = matrix_import_check(file_name=file_name, content=content)
    with audit_context(actor=by):
        return MatrixImport.objects.create(
            uploaded_by=by,
            file_name=file_name[:255],
            file_format=checked.file_format,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            change_set={
                "cells": [list(cell) for cell in checked.cells],
                "activity_ids": checked.activity_ids,
                "role_ids": checked.role_ids,
                "rows": {str(a): row for a, row in checked.rows.items()},
                "warnings": checked.warnings,
            },
            fingerprint=checked.fingerprint,
        )


@dataclass(frozen=True)
class CellChange:
    """One letter the import adds, changes or clears."""

    role_id: int
    role: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        return "added" if self.before is None else "cleared" if self.after is None else "changed"


@dataclass
class ActivityChanges:
    """The changes of one activity, with the row of the file it comes from."""

    activity_id: int
    process: str
    process_code: str
    activity: str
    row: int
    changes: list[CellChange] = field(default_factory=list)


@dataclass
class ImportPreview:
    """What confirming the import would change, grouped by activity, with counts; ``stale`` when the matrix
    changed since the file was checked."""

    groups: list[ActivityChanges]
    added: int
    changed: int
    cleared: int
    warnings: list[str]
    stale: bool

    @property
    def total(self) -> int:
        return self.added + self.changed + self.cleared


def _is_stale(matrix_import: MatrixImport) -> bool:
    change_set = matrix_import.change_set
    current = _fingerprint(matrix_load(), change_set["activity_ids"], change_set["role_ids"])
    return current != matrix_import.fingerprint


def matrix_import_preview(*, matrix_import: MatrixImport) -> ImportPreview:
    """The change set of ``matrix_import`` as people read it: activities in file order, role names, counts."""
    change_set = matrix_import.change_set
    cells = change_set.get("cells", [])
    activity_ids = {a for a, _, _, _ in cells}
    role_ids = {r for _, r, _, _ in cells}
    activities = {
        pk: (process, code, name)
        for pk, process, code, name in Activity.objects.filter(pk__in=activity_ids).values_list(
            "pk", "process__name", "process__code", "name"
        )
    }
    roles = {
        pk: role_heading(title, code)
        for pk, title, code in Role.objects.filter(pk__in=role_ids).values_list("pk", "title", "org_unit__code")
    }
    groups: dict[int, ActivityChanges] = {}
    for activity_id, role_id, before, after in cells:
        if activity_id not in groups:
            process, code, name = activities.get(activity_id, ("(deleted process)", "", "(deleted activity)"))
            row = change_set.get("rows", {}).get(str(activity_id), 0)
            groups[activity_id] = ActivityChanges(activity_id, process, code, name, row)
        groups[activity_id].changes.append(CellChange(role_id, roles.get(role_id, "(deleted role)"), before, after))
    kinds = [change.kind for group in groups.values() for change in group.changes]
    stale = matrix_import.status == ImportStatus.PENDING and _is_stale(matrix_import)
    return ImportPreview(
        sorted(groups.values(), key=lambda g: g.row),
        kinds.count("added"),
        kinds.count("changed"),
        kinds.count("cleared"),
        list(change_set.get("warnings", [])),
        stale,
    )


def _decide(matrix_import: MatrixImport, *, status: str, by: Any, reason: str = "") -> None:
    matrix_import.status = status
    matrix_import.status_reason = reason
    matrix_import.decided_at = timezone.now()
    if getattr(by, "is_authenticated", False):
        matrix_import.decided_by = by
    with audit_context(actor=by):
        matrix_import.save()


def _pending_check(matrix_import: MatrixImport) -> None:
    if matrix_import.status != ImportStatus.PENDING:
        raise ImportRefused(
            f"This import is {matrix_import.get_status_display().lower()} already: upload the file again to "
            "start over."
        )


def matrix_import_confirm(*, matrix_import: MatrixImport, by: Any) -> Job:
    """Start the job that applies a pending import, after checking the matrix has not changed since the file
    was checked (then the import is refused for good). Confirming twice gives the job already running."""
    require_capability(by, MANAGE, doing="import the RACI matrix")
    with transaction.atomic():
        locked = MatrixImport.objects.select_for_update(of=("self",)).select_related("job").get(pk=matrix_import.pk)
        _pending_check(locked)
        if locked.job is not None and locked.job.status != JobStatus.FAILED:
            return locked.job
        stale = _is_stale(locked)
        if stale:
            _decide(locked, status=ImportStatus.REJECTED, by=by, reason=STALE)
        else:
            locked.job = job_start(kind=RACI_IMPORT_JOB, by=by)
            with audit_context(actor=by):
                locked.save()
    if stale:
        raise ImportRefused(STALE)
    return locked.job


@transaction.atomic
def matrix_import_discard(*, matrix_import: MatrixImport, by: Any) -> None:
    """Drop a pending import without changing the matrix."""
    require_capability(by, MANAGE, doing="import the RACI matrix")
    locked = MatrixImport.objects.select_for_update(of=("self",)).select_related("job").get(pk=matrix_import.pk)
    _pending_check(locked)
    if locked.job is not None and locked.job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise ImportRefused("This import is being applied now: it can no longer be discarded.")
    _decide(locked, status=ImportStatus.DISCARDED, by=by)


def matrix_import_apply(*, job_id: int, progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Write the letters of the import that job ``job_id`` applies, cell by cell and all or nothing, after
    checking once more that the matrix has not changed; raises ImportRefused (and writes nothing) if it has."""
    matrix_import = MatrixImport.objects.select_related("job__requested_by").get(job_id=job_id)
    by = matrix_import.job.requested_by
    cells = matrix_import.change_set.get("cells", [])
    if progress:
        progress(0, len(cells), f"Writing {len(cells)} letter change(s) in one go: all or nothing")
    try:
        with transaction.atomic():
            locked = MatrixImport.objects.select_for_update().get(pk=matrix_import.pk)
            _pending_check(locked)
            if _is_stale(locked):
                raise ImportRefused(STALE)
            activities = Activity.objects.in_bulk({a for a, _, _, _ in cells})
            roles = Role.objects.in_bulk({r for _, r, _, _ in cells})
            # The letters' audit entries say which file they came from.
            with audit_context(actor=by, reason=f"RACI import #{locked.pk} ({locked.file_name})"):
                for activity_id, role_id, _before, after in cells:
                    raci_cell_set(activity=activities[activity_id], role=roles[role_id], letter=after, by=by)
            _decide(locked, status=ImportStatus.APPLIED, by=by)
    except ImportRefused as refusal:
        # Outside the rolled-back transaction, so that the refusal is kept on the import.
        refused = MatrixImport.objects.get(pk=matrix_import.pk)
        if refused.status == ImportStatus.PENDING:
            _decide(refused, status=ImportStatus.REJECTED, by=by, reason=str(refusal))
        raise
    kinds = [CellChange(r, "", before, after).kind for _, r, before, after in cells]
    counts = {kind: kinds.count(kind) for kind in ("added", "changed", "cleared")}
    summary = f"{counts['added']} letter(s) added, {counts['changed']} changed, {counts['cleared']} cleared."
    return {"import_id": matrix_import.pk, **counts, "summary": summary}
