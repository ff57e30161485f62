"""Export and import of the RACI matrix as CSV or XLSX: one table shape for both formats, checked whole
before anything changes, previewed, then applied all or nothing.

The table: a header row ``Process code, Process, Activity`` followed by one column per role, named
"Title [ORG-UNIT-CODE]" (a title is unique only within its org unit); then one row per activity, in process and
position order, with R, A, C or I in the role columns. Processes are found by their code and activities by
their name within the process; the Process column is there for people to read. An import sets exactly the
cells of the file: an empty cell clears the letter, and activities or roles the file leaves out keep theirs.

Four steps, a module each: ``export`` (the table and its workbook), ``read`` (a file into rows of text),
``check`` (the rows against the matrix and its rules) and ``imports`` (keep, preview, confirm, apply, discard).
"""
from roles.transfer.check import CheckedImport, matrix_import_check
from roles.transfer.export import (
    FIXED_HEADER,
    XLSX_CONTENT_TYPE,
    MatrixTable,
    export_filename,
    matrix_table,
    matrix_xlsx,
    role_heading,
)
from roles.transfer.imports import (
    MANAGE,
    RACI_IMPORT_JOB,
    STALE,
    ActivityChanges,
    CellChange,
    ImportPreview,
    ImportRefused,
    matrix_import_apply,
    matrix_import_confirm,
    matrix_import_create,
    matrix_import_discard,
    matrix_import_preview,
)
from roles.transfer.read import EMPTY_FILE, NOT_UTF8, ImportRejected, Problem, import_size_problem

__all__ = [
    "EMPTY_FILE", "FIXED_HEADER", "MANAGE", "NOT_UTF8", "RACI_IMPORT_JOB", "STALE", "XLSX_CONTENT_TYPE",
    "ActivityChanges", "CellChange", "CheckedImport", "ImportPreview", "ImportRefused", "ImportRejected",
    "MatrixTable", "Problem", "export_filename", "import_size_problem", "matrix_import_apply",
    "matrix_import_check", "matrix_import_confirm", "matrix_import_create", "matrix_import_discard",
    "matrix_import_preview", "matrix_table", "matrix_xlsx", "role_heading",
]
