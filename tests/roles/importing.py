"""What the RACI import tests share (their matrix is the ``matrix`` fixture of tests/roles/conftest.py): import files
made in memory, and how a page's words and a refusal are read."""
import html
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import strip_tags
from openpyxl import Workbook

from roles.models import MatrixImport, RaciCell

HEADER = "Process code,Process,Activity,Buyer [PURCH],Quality manager [QA],Director [MGT]"


def letters() -> list[tuple[int, int, str]]:
    """Every letter of the matrix, to compare before and after."""
    return sorted(RaciCell.objects.values_list("activity_id", "role_id", "letter"))


def csv_file(*lines: str, name: str = "matrix.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\r\n".join(lines).encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "matrix.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def page_text(response) -> str:
    """The words of the page as a reader sees them: no tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(strip_tags(response.text)).split())


IMPORT_REASON = "Yearly review of the matrix with the process owners"


def upload(client, file):
    return client.post(reverse("roles:raci_import"), {"file": file, "reason": IMPORT_REASON})


def assert_refused(response, *messages: str) -> None:
    """The form comes back with each message, and nothing is kept."""
    assert response.status_code == 200
    text = page_text(response)
    for message in messages:
        assert message in text, text
    assert MatrixImport.objects.count() == 0
