"""Evidence attachments: types checked by content and name, limits, storage under generated names, downloads."""
import hashlib
import io
import re
from pathlib import Path
from unittest import mock

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from leadership.commitments import evidence_record
from leadership.models import Commitment, EvidenceAttachment, EvidenceEntry, EvidenceKind
from leadership.uploads import DOCX, XLSX, UploadRejected, attachment_response, upload_check
from qms_portal.audit import AuditAction, AuditEntry
from tests.leadership.factories import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    TXT_BYTES,
    office_zip,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>\n'


def record(portal_users, *files):
    return evidence_record(
        occurred_on=timezone.localdate(), kind=EvidenceKind.MEETING, summary="Quality week kick-off.",
        leader=portal_users.top_management, commitments=[Commitment.objects.get(code="5.1.1.f")],
        attachments=list(files), by=portal_users.quality_manager,
    )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def assert_rejected(portal_users, settings, file, *, code: str, says: str) -> None:
    with pytest.raises(UploadRejected) as refused:
        record(portal_users, file)
    assert refused.value.code == code
    assert re.search(says, str(refused.value)), str(refused.value)
    assert not EvidenceEntry.objects.exists()
    assert not EvidenceAttachment.objects.exists()
    assert stored_files(settings) == []
    assert not AuditEntry.objects.filter(record_type__startswith="leadership.evidence").exists()


# --- Rejected -------------------------------------------------------------------------------------------------


def test_an_html_file_renamed_pdf_is_rejected(portal_users, settings):
    upload = SimpleUploadedFile("minutes.pdf", HTML, content_type="application/pdf")
    assert_rejected(portal_users, settings, upload, code="markup", says="“minutes.pdf” holds HTML, SVG or XML markup")


def test_an_svg_is_rejected_by_its_extension(portal_users, settings):
    upload = SimpleUploadedFile("chart.svg", SVG, content_type="image/svg+xml")
    assert_rejected(portal_users, settings, upload, code="extension", says="Files ending “.svg” are not accepted")


def test_an_svg_renamed_png_is_rejected_by_its_content(portal_users, settings):
    upload = SimpleUploadedFile("chart.png", SVG, content_type="image/png")
    assert_rejected(portal_users, settings, upload, code="markup", says="markup, not a PNG image")


def test_an_html_file_renamed_txt_is_rejected(portal_users, settings):
    upload = SimpleUploadedFile("notes.txt", b"Notes\n\n<script>alert(1)</script>\n", content_type="text/plain")
    assert_rejected(portal_users, settings, upload, code="markup", says="markup")


@pytest.mark.parametrize("name", ["report.pdf.exe", "invoice.php.pdf", "scan.HTML.pdf", "board.pdf.txt"])
def test_a_double_extension_is_rejected(portal_users, settings, name):
    upload = SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")
    assert_rejected(portal_users, settings, upload, code="double_extension", says="has more than one extension")


def test_an_oversize_file_is_rejected_with_the_limit(portal_users, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    upload = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (1024 * 1024), content_type="application/pdf")
    says = r"“big.pdf” is 1\.0 MB; the largest .* is 1 MB"
    assert_rejected(portal_users, settings, upload, code="too_large", says=says)


def test_a_file_of_exactly_the_limit_is_accepted(portal_users, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    content = PDF_BYTES + b"0" * (1024 * 1024 - len(PDF_BYTES))
    entry = record(portal_users, SimpleUploadedFile("limit.pdf", content))
    assert entry.attachments.get().size == 1024 * 1024


@pytest.mark.parametrize(
    "name", ["../x.pdf", "a/b.pdf", "a\\b.pdf", "..\\..\\etc\\x.pdf", "/etc/x.pdf", "C:x.pdf", "c:..x.pdf"]
)
def test_a_path_in_the_file_name_is_rejected(portal_users, settings, name):
    # Django strips folders from names it receives (SimpleUploadedFile would too); File keeps them as given.
    assert_rejected(portal_users, settings, File(io.BytesIO(PDF_BYTES), name=name), code="path", says="folder path")


def test_a_path_given_as_the_uploaders_name_is_rejected():
    with pytest.raises(UploadRejected, match="folder path"):
        upload_check(ContentFile(PDF_BYTES, name="x.pdf"), name="../../x.pdf")


def test_an_empty_file_is_rejected(portal_users, settings):
    upload = SimpleUploadedFile("empty.pdf", b"")
    assert_rejected(portal_users, settings, upload, code="empty", says="“empty.pdf” is empty")


@pytest.mark.parametrize(
    ("name", "content", "code", "says"),
    [
        ("photo.pdf", PNG_BYTES, "mismatch", "named as a PDF document but its content is a PNG image: rename it .png"),
        ("budget.xlsx", office_zip("word"), "mismatch", "content is a Word document"),
        ("archive.docx", b"PK\x03\x04not really a zip", "content", "not a Word document"),
        ("bundle.docx", office_zip("other"), "content", "not a Word document"),
        ("binary.txt", b"abc\x00def", "content", "not a plain text file"),
        ("latin1.txt", "café".encode("latin-1"), "content", "not a plain text file"),
        ("program.exe", b"MZ\x90\x00", "extension", "“.exe” are not accepted"),
        ("README", b"hello", "no_extension", "needs a name and one extension"),
        (".pdf", PDF_BYTES, "no_extension", "needs a name and one extension"),
        ("bell\x07.pdf", PDF_BYTES, "control_characters", "control characters"),
    ],
)
def test_other_bad_files_are_rejected_with_a_reason(portal_users, settings, name, content, code, says):
    assert_rejected(portal_users, settings, File(io.BytesIO(content), name=name), code=code, says=says)


def test_one_bad_file_among_good_ones_stores_none_of_them(portal_users, settings):
    good = SimpleUploadedFile("minutes.pdf", PDF_BYTES)
    bad = SimpleUploadedFile("slides.pdf", HTML)
    with pytest.raises(UploadRejected, match="slides.pdf"):
        record(portal_users, good, bad)
    assert not EvidenceEntry.objects.exists()
    assert stored_files(settings) == []


def test_a_file_already_stored_is_removed_when_recording_fails_later(portal_users, settings):
    with (
        mock.patch("leadership.models.EvidenceAttachment.save", side_effect=RuntimeError("database gone")),
        pytest.raises(RuntimeError),
    ):
        record(portal_users, SimpleUploadedFile("minutes.pdf", PDF_BYTES))
    assert not EvidenceEntry.objects.exists()
    assert stored_files(settings) == []


# --- Accepted -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Board minutes.pdf", PDF_BYTES, "application/pdf"),
        ("whiteboard.PNG", PNG_BYTES, "image/png"),
        ("site visit.jpg", JPEG_BYTES, "image/jpeg"),
        ("site visit.jpeg", JPEG_BYTES, "image/jpeg"),
        ("briefing.docx", office_zip("word"), DOCX.content_type),
        ("budget v1.2.xlsx", xlsx_bytes(), XLSX.content_type),
        ("notes.txt", TXT_BYTES, "text/plain; charset=utf-8"),
        ("notes with bom.txt", b"\xef\xbb\xbfIt is 5 < 7, said the minutes.\n", "text/plain; charset=utf-8"),
    ],
)
def test_each_accepted_type_is_stored_under_a_generated_name(portal_users, settings, name, content, content_type):
    # The browser's claimed type is ignored: the type stored is the one the content shows.
    entry = record(portal_users, SimpleUploadedFile(name, content, content_type="text/html"))

    attachment = entry.attachments.get()
    extension = Path(name).suffix.lower()
    assert re.fullmatch(rf"evidence/[0-9a-f]{{32}}{re.escape(extension)}", attachment.file.name)
    assert (attachment.original_name, attachment.content_type, attachment.size) == (name, content_type, len(content))
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert (Path(settings.MEDIA_ROOT) / attachment.file.name).read_bytes() == content
    created = AuditEntry.objects.get(record_type="leadership.evidenceattachment", action=AuditAction.CREATE)
    assert created.actor_id == portal_users.quality_manager.pk


def test_two_files_of_the_same_name_are_both_kept(portal_users, settings):
    entry = record(portal_users, SimpleUploadedFile("a.pdf", PDF_BYTES), SimpleUploadedFile("a.pdf", PDF_BYTES + b" "))

    names = [attachment.file.name for attachment in entry.attachments.all()]
    assert len(set(names)) == 2
    assert len(stored_files(settings)) == 2


# --- Download -------------------------------------------------------------------------------------------------


def download(portal_users, name: str, content: bytes):
    attachment = record(portal_users, SimpleUploadedFile(name, content)).attachments.get()
    response = attachment_response(attachment)
    body = b"".join(response.streaming_content)
    # Not response.close(): that signals the end of a request, which may close the test's database connection.
    response.file_to_stream.close()
    return response, body


def test_a_download_is_an_attachment_that_must_not_be_sniffed(portal_users):
    response, body = download(portal_users, "Board minutes.pdf", PDF_BYTES)

    assert response["Content-Disposition"] == 'attachment; filename="Board minutes.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert body == PDF_BYTES


def test_a_download_name_with_quotes_or_other_scripts_is_encoded(portal_users):
    quoted, _ = download(portal_users, 'The "final" minutes.pdf', PDF_BYTES)
    accented, _ = download(portal_users, "Réunion qualité 2026.txt", TXT_BYTES)

    assert quoted["Content-Disposition"] == 'attachment; filename="The \\"final\\" minutes.pdf"'
    assert accented["Content-Disposition"] == "attachment; filename*=utf-8''R%C3%A9union%20qualit%C3%A9%202026.txt"
    assert accented["Content-Type"] == "text/plain; charset=utf-8"
