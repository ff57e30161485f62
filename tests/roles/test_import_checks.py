"""Importing the RACI matrix, the checks: a file that cannot be read or does not fit the matrix is refused whole,
every problem listed by row and column, and nothing is kept; only quality managers may import."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roles.models import MatrixImport
from roles.raci import raci_cell_set
from roles.transfer import matrix_import_create
from tests.roles.factories import RoleFactory
from tests.roles.importing import HEADER, assert_refused, csv_file, letters, page_text, upload, xlsx_file

# --- A file that cannot be read -------------------------------------------------------------------------------------


def test_an_empty_file_is_refused(matrix, qm_client):
    before = letters()

    response = upload(qm_client, SimpleUploadedFile("matrix.csv", b""))

    assert_refused(response, "The file is empty")
    assert letters() == before


def test_a_file_of_blank_lines_is_refused_as_empty(matrix, qm_client):
    response = upload(qm_client, csv_file("", " ", ",,,"))

    assert_refused(response, "The file is empty")


def test_a_file_over_the_size_limit_is_refused(matrix, qm_client, settings):
    settings.RACI_IMPORT_MAX_BYTES = 100
    before = letters()

    response = upload(qm_client, csv_file(HEADER, "purchasing,Purchasing,Select supplier,R,C,A"))

    assert_refused(response, "the largest accepted is 100 bytes")
    assert letters() == before


def test_a_file_in_another_encoding_is_refused_with_its_row(matrix, qm_client):
    before = letters()
    file = csv_file(HEADER, "purchasing,Purchasing,Select supplier,R,C,A", "purchasing,Purchasing,Café,R,C,A",
                    encoding="latin-1")

    response = upload(qm_client, file)

    assert_refused(response, "Row 3: the file is not UTF-8 text: save it as “CSV UTF-8”")
    assert letters() == before


def test_a_damaged_workbook_is_refused(matrix, qm_client):
    response = upload(qm_client, SimpleUploadedFile("matrix.xlsx", b"PK\x03\x04 not really a zip"))

    assert_refused(response, "The file cannot be read as an XLSX workbook: it may be damaged.")


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(matrix, qm_client):
    response = upload(qm_client, SimpleUploadedFile("matrix.xlsx", b"Process code,Process,Activity\n"))

    assert_refused(response, "The file is named .xlsx but is not an Excel workbook")


def test_an_old_xls_workbook_is_refused_with_what_to_do(matrix, qm_client):
    response = upload(qm_client, SimpleUploadedFile("matrix.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64))

    assert_refused(response, "save it as .xlsx without a password, or as CSV UTF-8")


def test_a_missing_file_is_asked_for(matrix, qm_client):
    response = qm_client.post(reverse("roles:raci_import"))

    assert_refused(response, "Choose the CSV or XLSX file to import.")


# --- A file that does not match the matrix -------------------------------------------------------------------------


@pytest.mark.parametrize(("lines", "message"), [
    pytest.param(
        ("Code,Process,Activity,Buyer [PURCH]", "purchasing,Purchasing,Select supplier,R"),
        "Row 1, column A: expected “Process code”, found “Code”", id="wrong-header",
    ),
    pytest.param(
        (HEADER, "nope,Purchasing,Select supplier,R,C,A"),
        "Row 2, column A: no process has the code “nope”.", id="unknown-process",
    ),
    pytest.param(
        (HEADER, "purchasing,Purchasing,Fly to the moon,R,C,A"),
        "Row 2, column C: the process “Purchasing” (purchasing) has no activity “Fly to the moon”.",
        id="unknown-activity",
    ),
    pytest.param(
        (HEADER, ",Purchasing,Select supplier,R,C,A"),
        "Row 2, column A: the process code is empty.", id="no-process-code",
    ),
    pytest.param(
        (HEADER + ",Pilot [QA]", "purchasing,Purchasing,Select supplier,R,C,A,"),
        "Row 1, column G: there is no role “Pilot [QA]”", id="unknown-role",
    ),
    pytest.param(
        ("Process code,Process,Activity,Buyer", "purchasing,Purchasing,Select supplier,R"),
        "Row 1, column D: “Buyer” does not say which org unit the role belongs to: write it as “Buyer [PURCH]”",
        id="role-without-unit",
    ),
    pytest.param(
        (HEADER + ",Buyer [PURCH]", "purchasing,Purchasing,Select supplier,R,C,A,R"),
        "Row 1, column G: “Buyer [PURCH]” is also column D: keep one column per role.", id="duplicate-role",
    ),
    pytest.param(
        (HEADER, "purchasing,Purchasing,Select supplier,X,C,A"),
        "Row 2, column D: “X” is not a RACI letter: use R, A, C or I.", id="bad-letter",
    ),
    pytest.param(
        (HEADER, "purchasing,Purchasing,Select supplier,R,C,A", "purchasing,Purchasing,Select supplier,R,I,A"),
        "Row 3, column C: “Select supplier” of purchasing is already in row 2: keep one row per activity.",
        id="duplicate-activity",
    ),
    pytest.param(
        (HEADER, "purchasing,Purchasing,Select supplier,R,A,A"),
        "Row 2: “Purchasing — Select supplier” has 2 A's: keep exactly one.", id="two-accountable",
    ),
    pytest.param(
        (HEADER, "purchasing,Purchasing,Order goods,C,I,A"),
        "Row 2: “Purchasing — Order goods” has no R: at least one role must do it.", id="no-responsible",
    ),
    pytest.param(
        (HEADER, "purchasing,Purchasing,Order goods,R,I,"),
        "Row 2: “Purchasing — Order goods” has no A: give exactly one role the A.", id="no-accountable",
    ),
    pytest.param(
        (HEADER, "purchasing,Purchasing,Select supplier,R,,A", "purchasing,Purchasing,Order goods,R,,A"),
        "Row 1, column E: “Quality manager” has no letter anywhere in the matrix. Keep at least one of its letters.",
        id="role-left-without-letters",
    ),
    pytest.param(
        (HEADER,), "Row 2: the file has no activity rows under its header row.", id="header-only",
    ),
    pytest.param(
        ("Process code,Process,Activity", "purchasing,Purchasing,Select supplier"),
        "Row 1: the file has no role columns after Activity: nothing to import.", id="no-roles",
    ),
    pytest.param(
        ("Process code,Process,Activity,Buyer [PURCH],", "purchasing,Purchasing,Select supplier,R,A"),
        "Row 1, column E: this column has letters but no role in row 1.", id="letters-without-role",
    ),
])
def test_a_file_that_does_not_fit_the_matrix_is_refused_by_row_and_column(matrix, qm_client, lines, message):
    before = letters()

    response = upload(qm_client, csv_file(*lines))

    assert_refused(response, message, "Nothing was changed.")
    assert letters() == before


def test_a_first_letter_for_a_role_nobody_holds_is_refused_in_its_column(matrix, qm_client):
    RoleFactory(title="Pilot", org_unit=matrix["quality"].org_unit)
    before = letters()

    response = upload(qm_client, csv_file(HEADER + ",Pilot [QA]", "purchasing,Purchasing,Select supplier,R,C,A,I"))

    assert_refused(response, "Row 1, column G: “Pilot” has letters in the matrix but nobody holds it now. "
                   "Assign someone to the role first, or leave its column empty.")
    assert letters() == before


def test_a_rule_broken_before_in_a_row_the_file_leaves_as_it_is_is_worth_a_look_not_a_refusal(
    matrix, qm_client, portal_users
):
    raci_cell_set(activity=matrix["order"], role=matrix["quality"], letter="A", by=portal_users.quality_manager)

    response = upload(qm_client, csv_file(
        HEADER, "purchasing,Purchasing,Select supplier,R,I,A", "purchasing,Purchasing,Order goods,R,A,A",
    ))

    text = page_text(qm_client.get(response["Location"]))
    assert "Worth a look" in text
    warning = "Row 3: “Purchasing — Order goods” has 2 A's: keep exactly one. The file leaves this activity as it is."
    assert warning in text
    assert "Apply 1 change" in text


def test_every_problem_of_a_file_is_listed_not_only_the_first(matrix, qm_client):
    file = csv_file(
        HEADER + ",Pilot [QA]",
        "purchasing,Purchasing,Select supplier,X,C,A,",
        "nope,Purchasing,Order goods,R,I,A,",
        "purchasing,Purchasing,Order goods,R,I,Q,",
    )

    response = upload(qm_client, file)

    assert_refused(
        response,
        "4 problems",
        "Row 1, column G: there is no role “Pilot [QA]”",
        "Row 2, column D: “X” is not a RACI letter",
        "Row 3, column A: no process has the code “nope”.",
        "Row 4, column F: “Q” is not a RACI letter",
    )


def test_a_file_with_very_many_problems_lists_the_first_hundred_and_counts_the_rest(matrix, qm_client):
    wide = ",".join(f"Role {n} [QA]" for n in range(150))
    response = upload(qm_client, csv_file(f"Process code,Process,Activity,{wide}", "purchasing,Purchasing,Order goods"))

    assert_refused(response, "150 problems", "… and 50 more problems not listed.")
    assert response.text.count("there is no role") == 100


def test_a_huge_cell_is_quoted_short_in_its_message(matrix, qm_client):
    huge = "R" * 100_000
    file = csv_file(f"{HEADER},{'Q' * 50_000} [QA]", f"purchasing,Purchasing,Order goods,{huge},I,A,")

    response = upload(qm_client, file)

    assert_refused(
        response,
        f"Row 1, column G: “{'Q' * 59}…” does not say which org unit",
        f"Row 2, column D: “{'R' * 59}…” is not a RACI letter",
    )
    assert len(response.content) < 50_000


def test_a_role_title_with_brackets_of_its_own_is_found(matrix, qm_client):
    matrix["buyer"].title = "Buyer [lead]"
    matrix["buyer"].save()

    response = upload(qm_client, csv_file(HEADER.replace("Buyer", "Buyer [lead]"),
                                          "purchasing,Purchasing,Select supplier,C,R,A"))

    assert response.status_code == 302, page_text(response)


def test_a_formula_in_a_workbook_is_refused_where_it_is(matrix, qm_client):
    header = HEADER.split(",")
    file = xlsx_file([header, ["purchasing", "Purchasing", "Select supplier", '=IF(1,"R","C")', "C", "A"]])

    response = upload(qm_client, file)

    assert_refused(response, "Row 2, column D: “=IF(1,\"R\",\"C\")” is a formula: type the value itself.")


def test_an_employee_cannot_import(matrix, portal_users, client_for):
    before = letters()

    response = upload(client_for(portal_users.employee), csv_file(HEADER, "purchasing,Purchasing,Order goods,R,I,A"))

    assert response.status_code == 403
    assert MatrixImport.objects.count() == 0
    assert letters() == before
    with pytest.raises(PermissionDenied):
        matrix_import_create(file_name="m.csv", content=b"x", by=portal_users.employee)
