"""Exporting the RACI matrix to CSV and XLSX: one table shape, formulas escaped, and an export imported back
changes nothing."""
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qms_portal.exports import safe_cell, safe_cell_read
from roles.models import MatrixImport
from tests.core.factories import OrgUnitFactory
from tests.roles.factories import ActivityFactory, AssignmentFactory, ProcessFactory, RaciCellFactory, RoleFactory


@pytest.fixture
def matrix(db):
    """Two processes; role titles and activity and process names that a spreadsheet would run as formulas.
    Names are chosen to sort alike with or without punctuation, as database collations differ."""
    qa, ops = OrgUnitFactory(name="Quality", code="QA"), OrgUnitFactory(name="Operations", code="OPS")
    quality = RoleFactory(title="Quality manager", org_unit=qa)
    planner = RoleFactory(title='=HYPERLINK("http://evil","Planner")', org_unit=ops)
    buyer = RoleFactory(title="Purchaser", org_unit=ops)
    for role in (quality, planner, buyer):
        AssignmentFactory(role=role)
    purchasing = ProcessFactory(name="@Purchasing", code="purchasing", owner_role=buyer)
    audits = ProcessFactory(name="Receiving audit", code="audit", owner_role=quality)
    order = ActivityFactory(process=purchasing, position=1, name="+order\tgoods")
    approve = ActivityFactory(process=purchasing, position=2, name="'=already quoted")
    plan = ActivityFactory(process=audits, position=1, name="Plan the audits")
    report = ActivityFactory(process=audits, position=2, name="-report findings")
    # Columns by org unit name, then title: the planner and the purchaser (Operations), the quality manager.
    for activity, letters in ((order, "ARC"), (approve, "ARI"), (plan, "RCA"), (report, "R A")):
        for role, letter in zip((planner, buyer, quality), letters, strict=True):
            if letter.strip():
                RaciCellFactory(activity=activity, role=role, letter=letter)
    return {"quality": quality, "planner": planner, "buyer": buyer}


EXPECTED = [
    ["Process code", "Process", "Activity", "'=HYPERLINK(\"http://evil\",\"Planner\") [OPS]", "Purchaser [OPS]",
     "Quality manager [QA]"],
    ["purchasing", "'@Purchasing", "'+order\tgoods", "A", "R", "C"],
    ["purchasing", "'@Purchasing", "''=already quoted", "A", "R", "I"],
    ["audit", "Receiving audit", "Plan the audits", "R", "C", "A"],
    ["audit", "Receiving audit", "'-report findings", "R", "", "A"],
]


def read_csv(response) -> tuple[str, list[list[str]]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return text, list(csv.reader(io.StringIO(text, newline="")))


def read_xlsx(response):
    return load_workbook(io.BytesIO(response.content))


def test_the_csv_export_has_a_row_per_activity_and_a_column_per_role_with_formulas_escaped(matrix, qm_client):
    response = qm_client.get(reverse("roles:raci_export_csv"))

    text, rows = read_csv(response)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="raci-matrix-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    assert text.startswith("\ufeffProcess code,")  # the byte order mark tells Excel it is UTF-8
    rows[0][0] = rows[0][0].removeprefix("\ufeff")
    # Activities by process name, then position.
    assert rows == EXPECTED


def test_the_xlsx_export_is_the_same_table_with_a_bold_frozen_header(matrix, qm_client):
    response = qm_client.get(reverse("roles:raci_export_xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        f'attachment; filename="raci-matrix-{timezone.localdate():%Y-%m-%d}.xlsx"'
    )
    sheet = read_xlsx(response).active
    assert sheet.title == "RACI matrix"
    assert [[cell.value or "" for cell in row] for row in sheet.iter_rows()] == EXPECTED
    # Escaped text is stored as text, never as a formula Excel would run.
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value} == {"s"}
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "D2"
    assert sheet.column_dimensions["C"].width == 44
    assert 8 <= sheet.column_dimensions["D"].width <= 22
    assert sheet.data_validations.dataValidation[0].formula1 == '"R,A,C,I"'


def test_every_portal_role_may_export_but_nobody_signed_out(matrix, portal_users, client_for):
    for person in ("top_management", "process_owner", "employee", "auditor"):
        client = client_for(portal_users.by_key(person))
        assert client.get(reverse("roles:raci_export_xlsx")).status_code == 200
        assert client.get(reverse("roles:raci_export_csv")).status_code == 200
    assert client_for(None).get(reverse("roles:raci_export_csv")).status_code == 302


def test_an_empty_matrix_exports_its_header_only(db, qm_client):
    _, rows = read_csv(qm_client.get(reverse("roles:raci_export_csv")))

    assert rows == [["\ufeffProcess code", "Process", "Activity"]]


@pytest.mark.parametrize("text", [
    "", "plain", "=1+1", "+44 20", "-5", "@SUM(A1)", "\tTab", "\rReturn", "'", "'quoted", "'=x", "''=x", "a=b",
])
def test_an_escaped_cell_reads_back_as_it_was(text):
    assert safe_cell_read(safe_cell(text)) == text


@pytest.mark.parametrize(
    ("url_name", "name"), [("roles:raci_export_csv", "matrix.csv"), ("roles:raci_export_xlsx", "m.xlsx")]
)
def test_a_file_exported_then_imported_changes_nothing(matrix, qm_client, url_name, name):
    response = qm_client.get(reverse(url_name))
    content = b"".join(response.streaming_content) if response.streaming else response.content

    upload = qm_client.post(
        reverse("roles:raci_import"), {"file": SimpleUploadedFile(name, content), "reason": "Round trip"}
    )

    assert upload.status_code == 302, upload.text
    matrix_import = MatrixImport.objects.get()
    assert matrix_import.change_set["cells"] == []
    assert len(matrix_import.change_set["activity_ids"]) == 4
    assert len(matrix_import.change_set["role_ids"]) == 3
    assert "Nothing would change" in qm_client.get(upload["Location"]).text
