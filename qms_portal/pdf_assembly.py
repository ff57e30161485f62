"""Long PDFs drawn in parts and put together: each part rendered on its own (in parallel, by several workers), then
merged into one document whose page numbers, bookmarks and contents count the whole.

Why parts: WeasyPrint lays out one document in one process, and a pack of a few hundred pages takes tens of
seconds and hundreds of megabytes there. Parts of a few dozen pages render side by side on the ``pdf`` workers,
each in bounded memory. What a part cannot know is where it will start and how long the whole will be, so
"page x of y" is stamped on every page after the merge (a thin overlay drawn by WeasyPrint with the same font),
and the outline is rebuilt from each part's own bookmarks shifted by the pages before it.

Archival: every part is drawn as PDF/A-3b by WeasyPrint. The merge keeps the first document's catalogue (its
XMP metadata declaring PDF/A-3b, its output intent, and the attachments it carries) and adds the other parts'
pages, with their fonts embedded as they were.
"""
from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from weasyprint import HTML, Attachment

from qms_portal.pdf import INTERNAL_BASE_URL, PortalURLFetcher, pdf_source

PDF_VARIANT = "pdf/a-3b"
POINTS_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class OutlineEntry:
    """A bookmark: its label, its level (1 for a top heading) and the page it points at (0-based)."""

    label: str
    level: int
    page: int


@dataclass
class RenderedPart:
    """A part drawn as PDF: the file's bytes, its page count and its bookmarks (pages counted within the part)."""

    pdf: bytes
    pages: int
    outline: list[OutlineEntry] = field(default_factory=list)


@dataclass(frozen=True)
class AttachedFile:
    """A file embedded in the PDF (PDF/A-3 allows any kind): its name, bytes, description and MIME type."""

    name: str
    data: bytes
    description: str = ""
    mime_type: str = "application/octet-stream"


def _flatten(tree: Sequence[Any], level: int = 1) -> list[OutlineEntry]:
    entries = []
    for label, (page, _x, _y), children, _state in tree:
        entries.append(OutlineEntry(label=label, level=level, page=page))
        entries.extend(_flatten(children, level + 1))
    return entries


def pdf_render_part(
    html_text: str, *, attachments: Sequence[AttachedFile] = (), site_url: str = "",
    metadata: dict[str, str] | None = None,
) -> RenderedPart:
    """Draw ``html_text`` as a PDF/A-3b part through the portal's locked-down fetcher, with its bookmarks.

    ``attachments`` are embedded as files of the document (associated files, as PDF/A-3 wants them).
    """
    fetcher = PortalURLFetcher(INTERNAL_BASE_URL)
    document = pdf_source(html_text, site_url=site_url).render()
    if metadata:
        for name, value in metadata.items():
            setattr(document.metadata, name, value)
    files = [
        Attachment(string=item.data, name=item.name, description=item.description or item.name,
                   relationship="Data", url_fetcher=fetcher)
        for item in attachments
    ]
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=files, uncompressed_pdf=False)
    return RenderedPart(pdf=pdf, pages=len(document.pages), outline=_flatten(document.make_bookmark_tree()))


def pdf_merge(
    parts: Sequence[bytes | Path], *, outline: Sequence[OutlineEntry], page_label: str = "Page {page} of {pages}",
    footer_margins: dict[str, tuple[float, float]] | None = None,
) -> bytes:
    """One PDF of ``parts`` in order, keeping the first part's catalogue (PDF/A metadata, output intent,
    attachments), with ``outline`` as its bookmarks (pages counted in the whole) and ``page_label`` stamped at the
    bottom right of every page (``footer_margins``: see ``_stamp``)."""
    merged = pikepdf.open(_source(parts[0]))
    opened = [merged]
    try:
        for part in parts[1:]:
            other = pikepdf.open(_source(part))
            opened.append(other)
            merged.pages.extend(other.pages)
        _associated_files_once(merged)
        _stamp(merged, page_label, footer_margins or {"portrait": (20, 16), "landscape": (18, 14)})
        _outline(merged, outline)
        out = io.BytesIO()
        merged.save(out, fix_metadata_version=False, deterministic_id=False)
        return out.getvalue()
    finally:
        for document in opened:
            document.close()


def _source(part: bytes | Path) -> io.BytesIO | Path:
    return io.BytesIO(part) if isinstance(part, bytes) else part


def _stamp(document: pikepdf.Pdf, label: str, margins: dict[str, tuple[float, float]]) -> None:
    """Overlay "page x of y" on each page: one WeasyPrint document with a page of the same size per page, drawn
    in the pack's font, then each of its pages laid over the matching page as a form.

    ``margins`` gives, for "portrait" and "landscape" pages, the bottom and right margins (mm) of the pages'
    footer: the number sits at the top right of that footer band, as the footer's own text does on the left.
    """
    total = len(document.pages)
    sizes = []
    for page in document.pages:
        box = [float(v) for v in page.trimbox]
        sizes.append((round(box[2] - box[0], 2), round(box[3] - box[1], 2)))
    names = {size: f"s{index}" for index, size in enumerate(dict.fromkeys(sizes))}
    rules = []
    for (width, height), name in names.items():
        bottom, right = margins["landscape" if width > height else "portrait"]
        top = height - bottom * POINTS_PER_MM
        rules.append(
            f"@page {name} {{ size: {width}pt {height}pt; margin: {top:.2f}pt {right}mm 0 0; }}"
        )
    pages = "".join(
        f'<p style="page: {names[size]}">{html.escape(label.format(page=number, pages=total))}</p>'
        for number, size in enumerate(sizes, start=1)
    )
    overlay_html = (
        "<!doctype html><html><head><style>"
        "html { font: 7.5pt 'DejaVu Sans', sans-serif; color: #56657a; }"
        "body { margin: 0; } p { margin: 0; padding-top: 3mm; text-align: right; break-before: page; }"
        f"{''.join(rules)}</style></head><body>{pages}</body></html>"
    )
    overlay_pdf = HTML(string=overlay_html, url_fetcher=PortalURLFetcher()).write_pdf(pdf_variant=PDF_VARIANT)
    with pikepdf.open(io.BytesIO(overlay_pdf)) as overlay:
        if len(overlay.pages) != total:
            raise RuntimeError(f"the page-number overlay has {len(overlay.pages)} pages for {total}")
        for page, stamp in zip(document.pages, overlay.pages, strict=True):
            page.add_overlay(stamp, pikepdf.Rectangle(page.trimbox))


def _associated_files_once(document: pikepdf.Pdf) -> None:
    """WeasyPrint 70 lists each attachment twice in the catalogue's associated files (``/AF``): keep one of each."""
    if "/AF" not in document.Root:
        return
    seen: set[tuple[int, int]] = set()
    unique = []
    for item in document.Root.AF:
        if item.objgen not in seen:
            seen.add(item.objgen)
            unique.append(item)
    document.Root.AF = pikepdf.Array(unique)


def _outline(document: pikepdf.Pdf, entries: Sequence[OutlineEntry]) -> None:
    with document.open_outline() as outline:
        outline.root.clear()
        parents: list[tuple[int, list]] = [(0, outline.root)]
        for entry in entries:
            while parents[-1][0] >= entry.level:
                parents.pop()
            item = pikepdf.OutlineItem(entry.label, entry.page)
            parents[-1][1].append(item)
            parents.append((entry.level, item.children))
