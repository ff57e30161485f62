"""The evidence pages: recording evidence through the form (files checked, a refused file stores nothing), an entry's
page with its attachments, the download with its headers, and the list with its filters and constant query count."""
import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leadership.commitments import evidence_record
from leadership.models import Commitment, EvidenceAttachment, EvidenceEntry, EvidenceKind
from qms_portal.access import PortalRole
from tests.core.factories import UserFactory
from tests.leadership.factories import PDF_BYTES, PNG_BYTES, TXT_BYTES, EvidenceEntryFactory

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>\n'


def today() -> dt.date:
    return timezone.localdate()


def form_data(portal_users, **changes) -> dict:
    data = {
        "occurred_on": today().isoformat(),
        "kind": EvidenceKind.MEETING,
        "summary": "Opened the quality week with the site teams.",
        "leader": portal_users.top_management.pk,
        "commitments": ["5.1.1.f"],
    }
    return {**data, **changes}


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def record(portal_users, *files, **fields) -> EvidenceEntry:
    """Evidence the top manager led, recorded by the quality manager through the business function."""
    values = {
        "occurred_on": today(), "kind": EvidenceKind.MEETING, "summary": "Quality week kick-off.",
        "leader": portal_users.top_management, "commitments": [Commitment.objects.get(code="5.1.1.f")],
        **fields,
    }
    return evidence_record(**values, attachments=list(files), by=portal_users.quality_manager)


# --- The form ------------------------------------------------------------------------------------
def test_the_form_starts_today_with_the_signed_in_top_manager_as_leader(portal_users, client_for):
    page = client_for(portal_users.top_management).get(reverse("leadership:evidence_create")).text

    assert f'value="{today().isoformat()}"' in page
    assert f'max="{today().isoformat()}"' in page
    assert re.search(rf'<option value="{portal_users.top_management.pk}" selected>Tessa Mann', page)
    assert 'multiple' in page and 'type="file"' in page
    # The commitments are grouped by clause, each with where it stands today.
    assert "General: leadership and commitment to the QMS" in page and "Customer focus" in page
    assert page.count('name="commitments"') == 13
    assert "Never evidenced" in page


def test_the_quality_manager_chooses_the_leader_among_top_managers_only(portal_users, client_for):
    page = client_for(portal_users.quality_manager).get(reverse("leadership:evidence_create")).text

    assert f'<option value="{portal_users.top_management.pk}">Tessa Mann' in page
    assert "Quentin Moss" not in page.split('name="leader"')[1].split("</select>")[0]
    assert "Pia Olsen" not in page


def test_a_commitment_asked_in_the_address_is_ticked(portal_users, client_for):
    page = (
        client_for(portal_users.top_management)
        .get(reverse("leadership:evidence_create"), {"commitment": "5.1.1.c"})
        .text
    )

    assert re.search(r'value="5\.1\.1\.c" id="commitment-\d+" checked', page)
    assert len(re.findall(r"checked>", page)) == 1
    assert reverse("leadership:commitment_detail", args=["5.1.1.c"]) in page  # Cancel goes back to it


def test_from_a_commitment_the_quality_manager_starts_with_its_accountable_top_manager(portal_users, client_for):
    commitment = Commitment.objects.get(code="5.1.2.c")
    commitment.owner = portal_users.top_management
    commitment.save()
    client = client_for(portal_users.quality_manager)

    from_commitment = client.get(reverse("leadership:evidence_create"), {"commitment": "5.1.2.c"}).text
    plain = client.get(reverse("leadership:evidence_create")).text

    assert re.search(rf'<option value="{portal_users.top_management.pk}" selected>Tessa Mann', from_commitment)
    assert f'<option value="{portal_users.top_management.pk}">Tessa Mann' in plain


def test_a_top_manager_records_evidence_with_two_files(portal_users, client_for, settings):
    client = client_for(portal_users.top_management)
    files = [SimpleUploadedFile("Board minutes.pdf", PDF_BYTES), SimpleUploadedFile("notes.txt", TXT_BYTES)]

    response = client.post(
        reverse("leadership:evidence_create"),
        form_data(portal_users, commitments=["5.1.1.f", "5.1.2.c"], attachments=files),
        follow=True,
    )

    entry = EvidenceEntry.objects.get()
    assert response.redirect_chain[-1][0] == reverse("leadership:evidence_detail", args=[entry.pk])
    assert "The evidence is recorded against 5.1.1.f, 5.1.2.c with 2 attachments." in response.text
    assert entry.leader == portal_users.top_management and entry.recorded_by == portal_users.top_management
    assert sorted(a.original_name for a in entry.attachments.all()) == ["Board minutes.pdf", "notes.txt"]
    on_disk = stored_files(settings)
    assert len(on_disk) == 2
    assert all(path.parent.name == "evidence" and "minutes" not in path.name for path in on_disk)


def test_evidence_needs_no_file(portal_users, client_for):
    response = client_for(portal_users.quality_manager).post(
        reverse("leadership:evidence_create"), form_data(portal_users)
    )

    assert response.status_code == 302
    assert EvidenceEntry.objects.get().attachments.count() == 0


def _assert_nothing_stored(settings) -> None:
    assert not EvidenceEntry.objects.exists()
    assert not EvidenceAttachment.objects.exists()
    assert stored_files(settings) == []


def _error_of(page: str, field: str) -> str:
    """The messages shown beside ``field`` (the page fails the test when there are none)."""
    start = page.index(f'id="id_{field}_error"')
    return page[start:page.index("</div>", start)]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        pytest.param("minutes.pdf", HTML, "holds HTML, SVG or XML markup", id="html-renamed-pdf"),
        pytest.param("chart.svg", SVG, "Files ending “.svg” are not accepted", id="svg"),
        pytest.param("chart.png", SVG, "holds HTML, SVG or XML markup", id="svg-renamed-png"),
        pytest.param("invoice.php.pdf", PDF_BYTES, "has more than one extension", id="double-extension"),
        pytest.param("C:minutes.pdf", PDF_BYTES, "holds a folder path", id="drive-letter-path"),
    ],
)
def test_a_refused_file_is_named_beside_the_field_and_nothing_is_stored(
    portal_users, client_for, settings, name, content, says
):
    client = client_for(portal_users.top_management)

    response = client.post(
        reverse("leadership:evidence_create"), form_data(portal_users, attachments=[SimpleUploadedFile(name, content)])
    )

    assert response.status_code == 200
    assert says in _error_of(response.text, "attachments")
    _assert_nothing_stored(settings)


def test_an_oversize_file_is_refused_with_the_limit(portal_users, client_for, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("scan.pdf", PDF_BYTES + b"0" * (1024 * 1024))

    response = client_for(portal_users.top_management).post(
        reverse("leadership:evidence_create"), form_data(portal_users, attachments=[big])
    )

    assert response.status_code == 200
    assert "the largest file accepted is 1 MB" in _error_of(response.text, "attachments")
    _assert_nothing_stored(settings)


def test_one_refused_file_among_good_ones_keeps_none_and_says_to_attach_again(portal_users, client_for, settings):
    files = [SimpleUploadedFile("good.pdf", PDF_BYTES), SimpleUploadedFile("page.txt", HTML)]

    response = client_for(portal_users.top_management).post(
        reverse("leadership:evidence_create"), form_data(portal_users, attachments=files)
    )

    field = _error_of(response.text, "attachments")
    assert "“page.txt” holds HTML, SVG or XML markup" in field
    assert "Nothing was saved: attach the files again" in field
    _assert_nothing_stored(settings)


def _multipart(fields: dict, file_name: str, content: bytes) -> tuple[bytes, str]:
    """A form body as a browser (or a crafted request) sends it, with the file name exactly as given."""
    boundary = "----portal-test-boundary"
    parts = []
    for key, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="{file_name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_a_folder_path_sent_in_a_file_name_never_reaches_the_disk(portal_users, client_for, settings):
    # Django's upload parser keeps only what follows the last / or \ before any of our code sees the name;
    # the file is then stored under a generated name inside evidence/, and the path is not kept anywhere.
    body, content_type = _multipart(form_data(portal_users), "../../../etc/cron.d/evil.pdf", PDF_BYTES)

    response = client_for(portal_users.top_management).post(
        reverse("leadership:evidence_create"), body, content_type=content_type
    )

    assert response.status_code == 302
    attachment = EvidenceAttachment.objects.get()
    assert attachment.original_name == "evil.pdf"
    media = Path(settings.MEDIA_ROOT).resolve()
    assert [path.resolve().parent for path in stored_files(settings)] == [media / "evidence"]


def test_a_drive_letter_sent_in_a_file_name_is_refused_and_nothing_is_stored(portal_users, client_for, settings):
    # The one path form Django's parser lets through: the check refuses it.
    body, content_type = _multipart(form_data(portal_users), "C:evil.pdf", PDF_BYTES)

    response = client_for(portal_users.top_management).post(
        reverse("leadership:evidence_create"), body, content_type=content_type
    )

    assert response.status_code == 200
    assert "holds a folder path" in _error_of(response.text, "attachments")
    _assert_nothing_stored(settings)


def test_a_date_in_the_future_is_refused_beside_the_date(portal_users, client_for, settings):
    tomorrow = today() + dt.timedelta(days=1)

    response = client_for(portal_users.top_management).post(
        reverse("leadership:evidence_create"),
        form_data(portal_users, occurred_on=tomorrow.isoformat(), attachments=[SimpleUploadedFile("a.pdf", PDF_BYTES)]),
    )

    assert response.status_code == 200
    assert "the date cannot be in the future" in _error_of(response.text, "occurred_on")
    assert "The files you chose were not kept" in response.text
    _assert_nothing_stored(settings)


def test_evidence_without_a_commitment_or_with_a_leader_outside_top_management_is_refused(
    portal_users, client_for, settings
):
    client = client_for(portal_users.quality_manager)

    no_commitment = client.post(reverse("leadership:evidence_create"), form_data(portal_users, commitments=[])).text
    not_a_leader = client.post(
        reverse("leadership:evidence_create"), form_data(portal_users, leader=portal_users.process_owner.pk)
    ).text

    assert "Link the evidence to at least one commitment." in no_commitment
    assert "Select a valid choice" in _error_of(not_a_leader, "leader")
    _assert_nothing_stored(settings)


def test_an_empty_form_says_what_is_missing(portal_users, client_for):
    page = client_for(portal_users.quality_manager).post(reverse("leadership:evidence_create")).text

    assert "Link the evidence to at least one commitment." in page
    assert "This field is required." in _error_of(page, "summary")


# --- An entry's page and its downloads -----------------------------------------------------------
def test_the_entry_page_lists_each_attachment_with_its_type_size_hash_and_link(portal_users, client_for):
    entry = record(
        portal_users, SimpleUploadedFile("Board minutes.pdf", PDF_BYTES), SimpleUploadedFile("site.png", PNG_BYTES),
        commitments=list(Commitment.objects.filter(code__in=["5.1.1.f", "5.1.2.c"])),
    )
    pdf = entry.attachments.get(original_name="Board minutes.pdf")

    page = client_for(portal_users.auditor).get(reverse("leadership:evidence_detail", args=[entry.pk])).text

    assert "Meeting on " in page and "Led by Tessa Mann" in page and "Quality week kick-off." in page
    assert "Board minutes.pdf" in page and "PDF document" in page and "PNG image" in page
    assert f"{len(PDF_BYTES)}\xa0bytes" in page
    assert hashlib.sha256(PDF_BYTES).hexdigest() in page
    assert reverse("leadership:attachment_download", args=[pdf.pk]) in page
    assert "5.1.1.f" in page and "5.1.2.c" in page and "Current" in page
    assert reverse("leadership:evidence_create") not in page  # the auditor records nothing


def test_a_download_is_an_attachment_the_browser_must_not_sniff(portal_users, client_for):
    attachment = record(portal_users, SimpleUploadedFile("Board minutes.pdf", PDF_BYTES)).attachments.get()

    response = client_for(portal_users.process_owner).get(
        reverse("leadership:attachment_download", args=[attachment.pk])
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Board minutes.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_an_employee_cannot_download_an_attachment(portal_users, client_for):
    attachment = record(portal_users, SimpleUploadedFile("Board minutes.pdf", PDF_BYTES)).attachments.get()

    response = client_for(portal_users.employee).get(reverse("leadership:attachment_download", args=[attachment.pk]))

    assert response.status_code == 403
    assert b"%PDF" not in response.content


def test_an_attachment_whose_file_is_gone_answers_not_found(portal_users, client_for):
    attachment = record(portal_users, SimpleUploadedFile("Board minutes.pdf", PDF_BYTES)).attachments.get()
    Path(attachment.file.path).unlink()

    response = client_for(portal_users.auditor).get(reverse("leadership:attachment_download", args=[attachment.pk]))

    assert response.status_code == 404


# --- The list ------------------------------------------------------------------------------------
def test_the_list_shows_each_entry_with_its_commitments_and_attachment_count(portal_users, client_for):
    record(
        portal_users, SimpleUploadedFile("a.pdf", PDF_BYTES), SimpleUploadedFile("b.txt", TXT_BYTES),
        summary="Town hall on the quality objectives.",
        commitments=list(Commitment.objects.filter(code__in=["5.1.1.f", "5.1.1.h"])),
    )

    page = client_for(portal_users.auditor).get(reverse("leadership:evidence_list")).text

    row = page[page.index("Town hall"):page.index("</tr>", page.index("Town hall"))]
    assert "Tessa Mann" in row and "5.1.1.f" in row and "5.1.1.h" in row
    assert "2 files" in row


def test_the_list_filters_by_leader_kind_commitment_and_dates(portal_users, client_for):
    other = UserFactory(full_name="Olga Board", roles=[PortalRole.TOP_MANAGEMENT])
    record(portal_users, summary="Alpha meeting", occurred_on=today() - dt.timedelta(days=40))
    record(portal_users, summary="Bravo training", kind=EvidenceKind.TRAINING,
           commitments=[Commitment.objects.get(code="5.1.1.h")])
    record(portal_users, summary="Charlie letter", kind=EvidenceKind.COMMUNICATION, leader=other)
    client = client_for(portal_users.auditor)

    def shown(**filters) -> set[str]:
        page = client.get(reverse("leadership:evidence_list"), filters).text
        return {word for word in ("Alpha", "Bravo", "Charlie") if f"{word} " in page}

    assert shown() == {"Alpha", "Bravo", "Charlie"}
    assert shown(leader=other.pk) == {"Charlie"}
    assert shown(kind=EvidenceKind.TRAINING) == {"Bravo"}
    assert shown(commitment="5.1.1.h") == {"Bravo"}
    assert shown(date_to=(today() - dt.timedelta(days=30)).isoformat()) == {"Alpha"}
    assert shown(date_from=(today() - dt.timedelta(days=30)).isoformat()) == {"Bravo", "Charlie"}


def test_a_filter_that_matches_nothing_or_cannot_be_read_says_so(portal_users, client_for):
    record(portal_users, summary="Alpha meeting")
    client = client_for(portal_users.auditor)

    nothing = client.get(reverse("leadership:evidence_list"), {"kind": EvidenceKind.TRAINING}).text
    backwards = client.get(
        reverse("leadership:evidence_list"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    ).text

    assert "No evidence matches" in nothing and "Alpha meeting" not in nothing
    assert "The end date is before the start date." in backwards


def test_the_empty_list_invites_those_who_may_record(portal_users, client_for):
    as_tm = client_for(portal_users.top_management).get(reverse("leadership:evidence_list")).text
    as_auditor = client_for(portal_users.auditor).get(reverse("leadership:evidence_list")).text

    assert "No evidence yet" in as_tm and "Record the first evidence" in as_tm
    assert "No evidence yet" in as_auditor and reverse("leadership:evidence_create") not in as_auditor


def test_the_list_is_paginated(portal_users, client_for):
    leader = portal_users.top_management
    for number in range(27):
        EvidenceEntryFactory(leader=leader, summary=f"Entry {number:02d}.", commitments=[])

    client = client_for(portal_users.auditor)
    first = client.get(reverse("leadership:evidence_list")).text
    second = client.get(reverse("leadership:evidence_list"), {"page": 2}).text

    assert "1–25 of 27" in first
    assert first.count("Entry ") == 25 and second.count("Entry ") == 2


def _entries(count: int, leader, commitments) -> None:
    for _ in range(count):
        EvidenceEntryFactory(leader=leader, commitments=commitments)


def test_the_list_costs_the_same_number_of_queries_for_5_and_500_entries(portal_users, client_for):
    client = client_for(portal_users.auditor)
    client.get(reverse("home"))  # the first page of a session loads what later pages find cached
    commitments = list(Commitment.objects.filter(code__in=["5.1.1.a", "5.1.2.c"]))
    leader = portal_users.top_management
    _entries(5, leader, commitments)
    record(portal_users, SimpleUploadedFile("a.pdf", PDF_BYTES))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("leadership:evidence_list")).status_code == 200
    _entries(495, leader, commitments)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("leadership:evidence_list")).text

    assert "1–25 of 501" in page
    assert len(many) == len(few)
