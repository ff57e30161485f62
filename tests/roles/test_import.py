"""Importing the RACI matrix, a valid file: a preview shows the changes without making them, and a job applies them
all or nothing, through the audited bulk path, with the reason given."""
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qms_portal.audit import AuditEntry, audited_bulk_update
from qms_portal.models import Job, JobStatus
from roles.models import ImportStatus, MatrixImport, RaciCell
from roles.raci import raci_cell_set
from tests.roles.factories import ActivityFactory, RaciCellFactory, RoleFactory
from tests.roles.importing import HEADER, IMPORT_REASON, assert_refused, csv_file, letters, page_text, upload, xlsx_file

# --- A valid file: the preview ---------------------------------------------------------------------------------------


def changing_file():
    """Select supplier: the buyer's R becomes C and the quality manager's C becomes R (changed); Order goods:
    the quality manager's I is cleared; a new activity gets its letters (added)."""
    return csv_file(
        HEADER,
        "purchasing,Purchasing,Select supplier,C,R,A",
        "purchasing,Purchasing,Order goods,R,,A",
        "purchasing,Purchasing,Receive goods,r, a ,i",
    )


@pytest.fixture
def receive(matrix):
    return ActivityFactory(process=matrix["select"].process, position=3, name="Receive goods")


def test_a_valid_file_is_kept_and_previewed_without_changing_the_matrix(matrix, receive, qm_client):
    before = letters()

    response = upload(qm_client, changing_file())

    matrix_import = MatrixImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("roles:raci_import_preview", args=[matrix_import.pk])
    assert letters() == before
    assert matrix_import.status == ImportStatus.PENDING
    assert (matrix_import.file_name, matrix_import.file_format) == ("matrix.csv", "csv")
    assert len(matrix_import.sha256) == 64 and bytes(matrix_import.content).startswith(b"Process code")

    page = qm_client.get(response["Location"])

    assert page.status_code == 200
    text = page_text(page)
    assert "3 letters added" in text
    assert "2 letters changed" in text
    assert "1 letter cleared" in text
    assert "3 activities affected" in text
    assert "Purchasing — Receive goods" in text
    assert "row 4 of the file · 3 changes" in text
    assert "Apply 6 changes" in text
    # The whole hash of the file, to compare with the copy the quality manager kept; with a button to copy it.
    assert f'<code class="sha256-value">{matrix_import.sha256}</code>' in page.text
    assert f'data-copy="{matrix_import.sha256}"' in page.text


def test_the_preview_says_when_nothing_would_change(matrix, qm_client):
    response = upload(qm_client, csv_file(HEADER, "purchasing,Purchasing,Select supplier,R,C,A"))

    page = qm_client.get(response["Location"])

    assert "Nothing would change" in page.text
    assert "Apply" not in page.text


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_file_with_a_byte_order_mark_and_any_usual_separator_is_read(matrix, qm_client, delimiter):
    # Commas in a title must not make a file separated by semicolons look separated by commas.
    matrix["buyer"].title = "Buyer, Europe, Middle East, Africa, Asia, Americas"
    matrix["buyer"].save()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    buyer = "Buyer, Europe, Middle East, Africa, Asia, Americas [PURCH]"
    writer.writerow(["Process code", "Process", "Activity", buyer, "Quality manager [QA]", "Director [MGT]"])
    writer.writerow(["purchasing", "Purchasing", "Select supplier", "C", "R", "A"])

    response = upload(qm_client, SimpleUploadedFile("matrix.csv", ("\ufeff" + buffer.getvalue()).encode()))

    assert response.status_code == 302
    assert len(MatrixImport.objects.get().change_set["cells"]) == 2


def test_activities_and_roles_left_out_of_the_file_keep_their_letters(matrix, qm_client):
    response = upload(qm_client, csv_file(
        "Process code,Process,Activity,Buyer [PURCH],Quality manager [QA]",
        "purchasing,Purchasing,Select supplier,C,R",
    ))

    cells = MatrixImport.objects.get().change_set["cells"]
    assert response.status_code == 302
    assert sorted(cells) == sorted([
        [matrix["select"].pk, matrix["buyer"].pk, "R", "C"],
        [matrix["select"].pk, matrix["quality"].pk, "C", "R"],
    ])


# --- Confirming: the job applies the changes -----------------------------------------------------------------------


def pending(qm_client, file) -> MatrixImport:
    response = upload(qm_client, file)
    assert response.status_code == 302, response.text
    return MatrixImport.objects.get()


def test_confirming_applies_every_change_through_a_job(matrix, receive, qm_client, portal_users,
                                                         django_capture_on_commit_callbacks):
    matrix_import = pending(qm_client, changing_file())
    url = reverse("roles:raci_import_preview", args=[matrix_import.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = qm_client.post(url)

    job = Job.objects.get(kind="raci_import")
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"import_id": matrix_import.pk, "added": 3, "changed": 2, "cleared": 1,
                          "summary": "3 letter(s) added, 2 changed, 1 cleared."}
    m = matrix
    assert letters() == sorted([
        (m["select"].pk, m["buyer"].pk, "C"), (m["select"].pk, m["quality"].pk, "R"),
        (m["select"].pk, m["director"].pk, "A"),
        (m["order"].pk, m["buyer"].pk, "R"), (m["order"].pk, m["director"].pk, "A"),
        (receive.pk, m["buyer"].pk, "R"), (receive.pk, m["quality"].pk, "A"), (receive.pk, m["director"].pk, "I"),
    ])
    matrix_import.refresh_from_db()
    assert matrix_import.status == ImportStatus.APPLIED
    assert matrix_import.job == job
    assert matrix_import.decided_by == portal_users.quality_manager
    # Each letter is in the audit trail, written as the quality manager.
    entries = AuditEntry.objects.filter(record_type="roles.racicell", actor=portal_users.quality_manager)
    assert entries.count() == 6
    reason = f"{IMPORT_REASON} — RACI import #{matrix_import.pk} (matrix.csv)"
    assert set(entries.values_list("reason", flat=True)) == {reason}
    # The job page tells the quality manager, and only them, how it went.
    assert qm_client.get(response["Location"]).status_code == 200


def test_the_import_job_page_is_for_quality_managers_only(matrix, qm_client, portal_users, client_for):
    matrix_import = pending(qm_client, changing_file_without_new_activity())
    response = qm_client.post(reverse("roles:raci_import_preview", args=[matrix_import.pk]))
    job_url = response["Location"]

    assert qm_client.get(job_url).status_code == 200
    assert "RACI matrix import" in qm_client.get(job_url).text
    assert client_for(portal_users.employee).get(job_url).status_code == 403
    assert client_for(portal_users.auditor).get(job_url).status_code == 403


def changing_file_without_new_activity():
    return csv_file(HEADER, "purchasing,Purchasing,Select supplier,C,R,A")


def test_a_failure_while_applying_writes_nothing_and_fails_the_job(matrix, qm_client, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    matrix_import = pending(qm_client, csv_file(HEADER, "purchasing,Purchasing,Select supplier,C,R,A",
                                                "purchasing,Purchasing,Order goods,A,R,I"))
    assert len(matrix_import.change_set["cells"]) == 5
    before = letters()
    entries_before = AuditEntry.objects.filter(record_type="roles.racicell").count()
    written = []

    def write_then_break(objs, fields, **kwargs):
        written.append(audited_bulk_update(objs, fields, **kwargs))  # the letters are written, then the disk fills
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("roles.raci.audited_bulk_update", write_then_break)
    with django_capture_on_commit_callbacks(execute=True):
        qm_client.post(reverse("roles:raci_import_preview", args=[matrix_import.pk]))

    job = Job.objects.get(kind="raci_import")
    assert written == [5]
    assert job.status == JobStatus.FAILED
    assert "the disk is full" in job.error
    assert letters() == before
    assert AuditEntry.objects.filter(record_type="roles.racicell").count() == entries_before
    matrix_import.refresh_from_db()
    assert matrix_import.status == ImportStatus.PENDING  # it may be confirmed again


def test_an_import_is_refused_if_the_matrix_changed_since_the_upload(matrix, qm_client, portal_users):
    matrix_import = pending(qm_client, changing_file_without_new_activity())
    raci_cell_set(activity=matrix["select"], role=matrix["director"], letter="I", by=portal_users.quality_manager)
    before = letters()
    url = reverse("roles:raci_import_preview", args=[matrix_import.pk])

    assert "The matrix changed since you uploaded the file; upload it again." in qm_client.get(url).text
    response = qm_client.post(url)

    assert response.status_code == 409
    assert "The matrix changed since you uploaded the file; upload it again." in response.text
    assert letters() == before
    assert not Job.objects.filter(kind="raci_import").exists()
    matrix_import.refresh_from_db()
    assert matrix_import.status == ImportStatus.REJECTED


def test_a_change_between_confirming_and_the_job_fails_the_job_and_writes_nothing(
    matrix, qm_client, portal_users, django_capture_on_commit_callbacks
):
    matrix_import = pending(qm_client, changing_file_without_new_activity())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        qm_client.post(reverse("roles:raci_import_preview", args=[matrix_import.pk]))
    raci_cell_set(activity=matrix["select"], role=matrix["director"], letter="I", by=portal_users.quality_manager)
    before = letters()

    for callback in callbacks:
        callback()

    job = Job.objects.get(kind="raci_import")
    assert job.status == JobStatus.FAILED
    assert job.error == "The matrix changed since you uploaded the file; upload it again."
    assert letters() == before
    matrix_import.refresh_from_db()
    assert matrix_import.status == ImportStatus.REJECTED


def test_a_discarded_import_changes_nothing_and_cannot_be_applied_later(matrix, qm_client):
    matrix_import = pending(qm_client, changing_file_without_new_activity())
    before = letters()
    url = reverse("roles:raci_import_preview", args=[matrix_import.pk])

    response = qm_client.post(url, {"discard": "1"})

    assert response["Location"] == reverse("roles:raci_import")
    matrix_import.refresh_from_db()
    assert matrix_import.status == ImportStatus.DISCARDED
    again = qm_client.post(url)
    assert again.status_code == 409
    assert "This import is discarded already" in again.text
    assert letters() == before


# --- Why the matrix is imported (issue 10 item 4) -------------------------------------------------------------------
def test_an_import_without_a_reason_is_refused_with_the_fields_message_and_nothing_is_kept(qm_client, matrix, receive):
    response = qm_client.post(reverse("roles:raci_import"), {"file": changing_file()})

    assert_refused(response, "Say why the matrix is imported")
    assert not MatrixImport.objects.exists()


def test_the_reason_for_an_import_shows_on_its_preview_and_on_its_upload_entry(qm_client, matrix, receive):
    response = upload(qm_client, changing_file())

    matrix_import = MatrixImport.objects.get()
    assert matrix_import.reason == IMPORT_REASON
    assert IMPORT_REASON in page_text(qm_client.get(response["Location"]))
    entry = AuditEntry.objects.get(record_type="roles.matriximport", object_id=str(matrix_import.pk), action="create")
    assert entry.reason == IMPORT_REASON


# --- Applied in bulk through the audited path (issue 15) ------------------------------------------------------------
@pytest.mark.parametrize("file", [
    pytest.param(lambda: csv_file(HEADER, "purchasing,Purchasing,Select supplier,X,C,A",
                                  "purchasing,Purchasing,Order goods,C,I,A"), id="csv"),
    pytest.param(lambda: xlsx_file([HEADER.split(","), ["purchasing", "Purchasing", "Select supplier", "X", "C", "A"],
                                    ["purchasing", "Purchasing", "Order goods", "C", "I", "A"]]), id="xlsx"),
])
def test_a_bad_file_is_refused_by_row_and_neither_the_matrix_nor_the_trail_changes(matrix, qm_client, file):
    roles_trail = AuditEntry.objects.filter(record_type__startswith="roles.")
    before, entries = letters(), roles_trail.count()

    response = upload(qm_client, file())

    assert_refused(response, "Row 2, column D: “X” is not a RACI letter: use R, A, C or I.",
                   "Row 3: “Purchasing — Order goods” has no R: at least one role must do it.", "Nothing was changed.")
    assert letters() == before
    assert roles_trail.count() == entries


def test_the_trail_page_shows_the_letters_an_import_wrote_like_a_letter_set_by_hand(
    matrix, receive, qm_client, portal_users, django_capture_on_commit_callbacks
):
    raci_cell_set(activity=matrix["order"], role=matrix["director"], letter="I", by=portal_users.quality_manager,
                  reason="Set by hand")
    raci_cell_set(activity=matrix["order"], role=matrix["director"], letter="A", by=portal_users.quality_manager,
                  reason="Set by hand")
    matrix_cell_ids = {"cleared": RaciCell.objects.get(activity=matrix["order"], role=matrix["quality"]).pk}
    matrix_import = pending(qm_client, changing_file())
    with django_capture_on_commit_callbacks(execute=True):
        qm_client.post(reverse("roles:raci_import_preview", args=[matrix_import.pk]))
    assert MatrixImport.objects.get().status == ImportStatus.APPLIED

    response = qm_client.get(reverse("audit_trail"), {"record_type": "roles.racicell"})

    shown = {
        (entry.object_repr, entry.get_action_display(), entry.actor_name, entry.reason):
            [(line.field, line.before, line.after) for line in entry.change_lines]
        for entry in response.context["page"].object_list
    }
    imported = f"{IMPORT_REASON} — RACI import #{matrix_import.pk} (matrix.csv)"
    by = "Quentin Moss"
    # By hand, one save at a time:
    assert shown[("A: Director on Purchasing: Order goods", "Changed", by, "Set by hand")] == [
        ("letter", "Informed", "Accountable")]
    # In bulk, by the import: changed, cleared and added letters read the same way.
    assert shown[("C: Buyer on Purchasing: Select supplier", "Changed", by, imported)] == [
        ("letter", "Responsible", "Consulted")]
    # (in the order the database keeps the fields: PostgreSQL's jsonb has its own)
    cleared = shown[("I: Quality manager on Purchasing: Order goods", "Deleted", by, imported)]
    assert sorted(cleared, key=str) == sorted([
        ("ID", matrix_cell_ids["cleared"], None), ("activity", "Purchasing: Order goods", None),
        ("role", "Quality manager", None), ("letter", "Informed", None)], key=str)
    added = shown[("R: Buyer on Purchasing: Receive goods", "Created", by, imported)]
    assert sorted(added, key=str) == sorted([
        ("ID", None, RaciCell.objects.get(activity=receive, role=matrix["buyer"]).pk),
        ("activity", None, "Purchasing: Receive goods"), ("role", None, "Buyer"), ("letter", None, "Responsible")],
        key=str)
    text = page_text(response)
    assert "C: Buyer on Purchasing: Select supplier" in text
    assert "letter: Responsible → Consulted" in text
    assert imported in text


def test_the_staleness_check_reads_only_the_imports_part_of_the_matrix_and_agrees_with_the_whole(matrix, receive):
    from roles.raci import matrix_load
    from roles.transfer.check import matrix_fingerprint, stored_fingerprint

    activities = [matrix["select"].pk, receive.pk, 10**9]  # one activity gone since the file was checked
    roles = [matrix["buyer"].pk, matrix["director"].pk, 10**9]
    before = stored_fingerprint(activities, roles)
    other = RoleFactory(title="Other", org_unit=matrix["buyer"].org_unit)
    RaciCellFactory(activity=matrix["order"], role=other, letter="I")  # outside the import's activities: no matter

    assert before == matrix_fingerprint(matrix_load(), activities, roles)
    assert stored_fingerprint(activities, roles) == before
    RaciCellFactory(activity=receive, role=matrix["quality"], letter="C")  # a letter of an imported activity
    assert stored_fingerprint(activities, roles) != before
    assert stored_fingerprint(activities, roles) == matrix_fingerprint(matrix_load(), activities, roles)
