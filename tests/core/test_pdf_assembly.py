"""Parts drawn apart and merged into one PDF: page numbers counting the whole, the outline rebuilt, the first part's
attachments and PDF/A metadata kept."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from qms_portal.pdf_assembly import AttachedFile, OutlineEntry, pdf_merge, pdf_render_part


def _part(title: str, pages: int, *, landscape: bool = False) -> str:
    size = "@page { size: A4 landscape }" if landscape else ""
    body = "".join(f'<p style="break-before: page">{title} page {n}</p>' for n in range(2, pages + 1))
    return (f"<html><head><style>{size} h1 {{ bookmark-level: 1 }} h2 {{ bookmark-level: 2 }}</style></head>"
            f"<body><h1>{title}</h1><h2>{title} detail</h2>{body}</body></html>")


def test_merged_pages_are_numbered_across_the_whole_document_and_keep_their_size():
    notes = AttachedFile("notes.csv", b"a,b\n1,2\n", "CSV", "text/csv")
    first = pdf_render_part(_part("First", 2), attachments=[notes])
    second = pdf_render_part(_part("Second", 3, landscape=True))
    outline = first.outline + [OutlineEntry(e.label, e.level, e.page + first.pages) for e in second.outline]

    reader = PdfReader(io.BytesIO(pdf_merge([first.pdf, second.pdf], outline=outline)))

    assert len(reader.pages) == 5
    assert [f"Page {n} of 5" in page.extract_text() for n, page in enumerate(reader.pages, start=1)] == [True] * 5
    widths = [float(page.mediabox.width) for page in reader.pages]
    assert all(w < 600 for w in widths[:2])
    assert all(w > 800 for w in widths[2:])  # the landscape part stays landscape, its number stamped on it
    assert list(reader.attachments) == ["notes.csv"]
    associated = reader.trailer["/Root"]["/AF"]  # PDF/A-3: each attachment is an associated file, once
    assert [item.get_object()["/F"] for item in associated] == ["notes.csv"]
    assert associated[0].get_object()["/AFRelationship"] == "/Data"
    assert reader.attachments["notes.csv"] == [b"a,b\n1,2\n"]


def test_the_outline_points_at_each_heading_in_the_merged_document():
    first = pdf_render_part(_part("First", 2))
    second = pdf_render_part(_part("Second", 2))
    outline = first.outline + [OutlineEntry(e.label, e.level, e.page + first.pages) for e in second.outline]

    reader = PdfReader(io.BytesIO(pdf_merge([first.pdf, second.pdf], outline=outline)))

    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in top] == ["First", "Second"]
    assert [reader.get_destination_page_number(item) for item in top] == [0, 2]
    nested = reader.outline[1]
    assert isinstance(nested, list) and nested[0].title == "First detail"


def test_a_hostile_part_pulls_in_no_local_file_and_no_network_resource():
    # Raw HTML straight to the part renderer (no Markdown sanitiser in front): the fetcher alone must hold.
    hostile = (
        '<link rel="attachment" href="file:///etc/passwd"><img src="file:///etc/passwd">'
        '<img src="http://169.254.169.254/latest/meta-data/"><link rel="stylesheet" href="file:///etc/hostname">'
        "<h1>Policy</h1>"
    )
    merged = pdf_merge([pdf_render_part(hostile).pdf], outline=[])
    reader = PdfReader(io.BytesIO(merged))
    assert reader.attachments == {} and "root:x:0:0" not in merged.decode("latin-1")
    assert "Page 1 of 1" in reader.pages[0].extract_text()


def test_the_merged_document_declares_pdf_a_3b_with_an_output_intent():
    merged = pdf_merge([pdf_render_part(_part("Only", 1)).pdf], outline=[])
    reader = PdfReader(io.BytesIO(merged))
    metadata = reader.xmp_metadata
    assert metadata is not None
    xml = metadata.stream.get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', xml) and re.search(r'pdfaid:conformance(="|>)B', xml)
    assert "/OutputIntents" in reader.trailer["/Root"]
