"""Reading an uploaded matrix file (CSV or XLSX) into rows of text, refusing what cannot be read, and the
problems a refused file is reported with."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from roles.models import ImportFormat
from roles.transfer.export import FIXED_HEADER

MAX_PROBLEMS = 100
# An XLSX file is a zip: refuse one that unpacks to far more than any matrix needs (a "zip bomb").
XLSX_MAX_UNPACKED_FACTOR = 10
# Old .xls workbooks and password-protected .xlsx files are OLE compound files.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

EMPTY_FILE = "The file is empty: export the matrix to get a file to start from."
NOT_UTF8 = "the file is not UTF-8 text: save it as “CSV UTF-8” (in Excel: Save as › CSV UTF-8) and upload it again."


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




class ProblemList:
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


def rejected(message: str, row: int | None = None, column: int | None = None) -> ImportRejected:
    """The refusal of a file for one problem."""
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
        raise rejected(NOT_UTF8, row=content[: error.start].count(b"\n") + 1) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    rows: list[list[Cell]] = []
    try:
        for record in reader:
            rows.append(list(record))
    except csv.Error as error:
        raise rejected(f"the line cannot be read as CSV ({error}).", row=len(rows) + 1) from None
    return rows


def shown_text(text: str) -> str:
    """Text from the file as a message quotes it: cut short, since a cell may hold pages of it."""
    return text if len(text) <= 60 else text[:59] + "…"


def _xlsx_text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_xlsx(content: bytes, problems: ProblemList) -> list[list[Cell]]:
    unreadable = (
        "the file cannot be read as an XLSX workbook: it may be damaged. Save it again from your spreadsheet "
        "program as .xlsx, or as CSV UTF-8."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise rejected(unreadable) from None
    if unpacked > settings.RACI_IMPORT_MAX_BYTES * XLSX_MAX_UNPACKED_FACTOR:
        raise rejected(f"the workbook unpacks to {_size_text(unpacked)}, far more than a RACI matrix needs.")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of error on a damaged or foreign file; all mean the same here
        raise rejected(unreadable) from None
    rows: list[list[Cell]] = []
    try:
        if not workbook.worksheets:
            raise rejected("the workbook has no worksheet.")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read every row there is
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            row: list[Cell] = []
            for column, cell in enumerate(cells, start=1):
                if getattr(cell, "data_type", None) == "f":
                    formula = shown_text(str(cell.value))
                    problems.add(f"“{formula}” is a formula: type the value itself.", number, column)
                    row.append(None)
                else:
                    row.append(_xlsx_text_of(cell.value))
            rows.append(row)
    except ImportRejected:
        raise
    except Exception:  # as above: a sheet that cannot be parsed
        raise rejected(unreadable) from None
    finally:
        workbook.close()
    return rows


def read_rows(file_name: str, content: bytes, problems: ProblemList) -> tuple[str, list[list[Cell]]]:
    """The file's format and its rows of text; raises ImportRejected when it cannot be read at all."""
    size_problem = import_size_problem(len(content))
    if size_problem:
        raise rejected(size_problem)
    if content.startswith(ZIP_MAGIC):
        return ImportFormat.XLSX, _read_xlsx(content, problems)
    if content.startswith(OLE_MAGIC):
        raise rejected(
            "the file is an old Excel workbook (.xls) or a password-protected one: save it as .xlsx without a "
            "password, or as CSV UTF-8."
        )
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise rejected("the file is named .xlsx but is not an Excel workbook: it may be damaged.")
    return ImportFormat.CSV, _read_csv(content)
