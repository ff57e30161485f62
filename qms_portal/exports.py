"""Spreadsheet-safe exports: every cell that a spreadsheet would run as a formula is escaped."""
import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

# What makes a spreadsheet run a cell as a formula (OWASP, "CSV injection"): = + - @, and tab or carriage return.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _needs_escape(text: str) -> bool:
    # Text that already starts with apostrophes before a formula prefix gets one more, so that
    # ``safe_cell_read`` can always take exactly one off and give back the original text.
    return text.lstrip("'").startswith(FORMULA_PREFIXES)


def safe_cell(value: object) -> str:
    """The value as text; text a spreadsheet would read as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_escape(text) else text


def safe_cell_read(text: str) -> str:
    """The original text of a cell that ``safe_cell`` wrote: an import reads back exactly what was exported."""
    return text[1:] if text.startswith("'") and _needs_escape(text[1:]) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, line by line, every cell escaped, after a byte-order mark that lets
    spreadsheet programs detect UTF-8: what a download streams and what a PDF attaches."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([safe_cell(cell) for cell in header])  # headers may hold people's data too
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """The whole CSV of ``csv_lines`` as one text (an attachment of the evidence pack)."""
    return "".join(csv_lines(header, rows))


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    """Stream ``rows`` as a CSV download, row by row, so long exports do not sit in memory."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
