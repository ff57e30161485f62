"""Export of the RACI matrix: the table shape that export and import share, as rows and as an XLSX workbook."""
from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from qms_portal.exports import safe_cell
from roles.models import Activity, RaciCell, Role

FIXED_HEADER = ("Process code", "Process", "Activity")
PROCESS_CODE, PROCESS_NAME, ACTIVITY_NAME = range(3)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    sheet = workbook.worksheets[0]  # a new workbook's one sheet, the active one, typed as a worksheet
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
        for cells in sheet.iter_rows(min_row=2, min_col=len(FIXED_HEADER) + 1):
            for cell in cells:
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
