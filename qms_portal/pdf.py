"""PDF rendering for the whole portal: WeasyPrint with a locked-down URL fetcher.

Why our own fetcher: WeasyPrint's default one opens whatever URL the HTML names. A
``<link rel="attachment" href="file:///etc/passwd">`` embeds that server file in the PDF, an
``<img src="file:///...">`` or a stylesheet ``@import`` reads local files, and ``http(s)://`` URLs
reach any host the server can (request forgery into the internal network). The text of our records is
sanitised before it reaches a template, but the fetcher is the last line: a PDF may use our own static
files and the organisation's logo, read from disk by a path we compute, and small inline images;
everything else is refused, and WeasyPrint leaves the resource out with a warning.

Templates name resources exactly as web pages do (``{% static 'css/pdf.css' %}``, ``{% url
'organisation_logo' %}``): those root-relative URLs resolve against ``base_url`` and the fetcher serves
them from disk without any network request.
"""
from __future__ import annotations

import base64
import fcntl
import glob
import io
import logging
import mimetypes
import os
import posixpath
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils._os import safe_join
from PIL import Image
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)
# WeasyPrint logs each of its seven rendering steps at INFO: one evidence pack would fill a worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# The origin root-relative URLs resolve against. ``.invalid`` never resolves (RFC 2606): nothing is
# ever fetched from it, it only marks a URL as one of ours.
INTERNAL_BASE_URL = "https://portal.invalid/"
DATA_IMAGE_MAX_BYTES = 256 * 1024
# A small file can still decode to a huge bitmap (a "decompression bomb"): WeasyPrint would hold it in memory.
IMAGE_MAX_PIXELS = 25_000_000
_DATA_IMAGE = re.compile(r"^data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]*)$", re.IGNORECASE)


class ResourceRefused(ValueError):
    """A PDF asked for a resource outside what the fetcher serves; WeasyPrint treats it as a failed fetch."""


class PortalURLFetcher(URLFetcher):
    """Serves a PDF our static files, the organisation's logo and small inline images; refuses the rest.

    WeasyPrint 70 calls ``fetch(url, headers)`` and expects a ``URLFetcherResponse``; any exception it
    raises makes WeasyPrint skip the resource with a warning (``fail_on_errors`` stays off, so one
    refused image does not cost the whole document).
    """

    def __init__(self, base_url: str = INTERNAL_BASE_URL) -> None:
        # No protocol is allowed through urllib: this class never calls the parent's fetch().
        super().__init__(allowed_protocols=())
        base = urlsplit(base_url)
        self.origin = (base.scheme.lower(), base.netloc.lower())

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        try:
            return self._serve(url)
        except ResourceRefused:
            log.warning("PDF resource refused: %.200s", url)
            raise

    def _serve(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme.lower() == "data":
            return self._data_image(url)
        if (parts.scheme.lower(), parts.netloc.lower()) != self.origin:
            raise ResourceRefused("only the portal's own files may be used in a PDF")
        path = unquote(parts.path)
        if path == reverse("organisation_logo"):
            return self._logo(url)
        if path.startswith(settings.STATIC_URL):
            return self._static(url, path.removeprefix(settings.STATIC_URL))
        raise ResourceRefused("not a static file of the portal")

    def _static(self, url: str, name: str) -> URLFetcherResponse:
        if not name or name.startswith("/") or "\\" in name or ".." in name.split("/"):
            raise ResourceRefused("not a static file name")
        name = posixpath.normpath(name)
        found = None
        # Collected files first (their hashed names only exist there), then the finders (development).
        if settings.STATIC_ROOT:
            try:
                collected = Path(safe_join(settings.STATIC_ROOT, name))
            except SuspiciousFileOperation as error:
                raise ResourceRefused("outside the static files") from error
            found = collected if collected.is_file() else None
        if found is None:
            located = finders.find(name)
            found = Path(located) if isinstance(located, str) else None
        if found is None or not found.is_file():
            raise ResourceRefused("no such static file")
        return _response(url, found.read_bytes(), found.name)

    def _logo(self, url: str) -> URLFetcherResponse:
        from qms_portal.models import Organisation

        logo = Organisation.current().logo
        if not logo:
            raise ResourceRefused("no logo has been uploaded")
        with logo.open("rb") as file:
            return _response(url, file.read(), logo.name or "")

    def _data_image(self, url: str) -> URLFetcherResponse:
        match = _DATA_IMAGE.match(url)
        if match is None or len(url) > DATA_IMAGE_MAX_BYTES * 4 // 3 + 100:
            raise ResourceRefused("only small base64 PNG, JPEG, GIF or WebP images may be inline")
        body = base64.b64decode(unquote_to_bytes(match[2]))
        _image_size_check(body)
        return URLFetcherResponse(url, body, {"Content-Type": match[1].lower()})


def _image_size_check(body: bytes) -> None:
    """Refuse an image whose pixels, once decoded, would take more memory than a page could ever need."""
    try:
        with Image.open(io.BytesIO(body)) as image:
            width, height = image.size
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ResourceRefused("not an image that can be read") from error
    if width * height > IMAGE_MAX_PIXELS:
        raise ResourceRefused(f"an image of {width} x {height} pixels is too large for a PDF page")


def _response(url: str, body: bytes, filename: str) -> URLFetcherResponse:
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return URLFetcherResponse(url, body, {"Content-Type": content_type})


def render_pdf(html: str, *, base_url: str = INTERNAL_BASE_URL, site_url: str = "") -> bytes:
    """The PDF of ``html``, with resources served only by ``PortalURLFetcher``.

    Relative links (``[the procedure](/policies/QP-02/)`` in a policy's text) would resolve against
    ``base_url``, an address that never resolves: they point at the portal's ``site_url`` (such as
    ``https://qms.example.com/``), or lose their link (the words stay) when no ``site_url`` is given.
    """
    pdf: bytes = pdf_source(html, base_url=base_url, site_url=site_url).write_pdf()
    return pdf


def pdf_source(html: str, *, base_url: str = INTERNAL_BASE_URL, site_url: str = "") -> HTML:
    """``html`` ready for WeasyPrint: resources through ``PortalURLFetcher`` only, relative links made absolute on
    ``site_url`` (or dropped). Every PDF of the portal starts here (``render_pdf``, ``pdf_assembly``)."""
    document = HTML(string=html, base_url=base_url, url_fetcher=PortalURLFetcher(base_url))
    _resolve_relative_links(document, site_url)
    return document


def _resolve_relative_links(document: HTML, site_url: str) -> None:
    for anchor in document.etree_element.iter("a"):
        href = anchor.get("href")
        if href is None or href.startswith("#"):
            continue  # not a link, or one within the PDF
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue
        if site_url:
            anchor.set("href", urljoin(site_url, href))
        else:
            del anchor.attrib["href"]


def pdf_kept(*, name: str, render: Callable[[], bytes], replaces: str = "") -> Path:
    """The file of the PDF called ``name``, drawn by ``render`` the first time anyone asks for it and kept; once
    it is, the kept PDFs whose names start with ``replaces`` (earlier drawings of the same thing) are removed.

    For a PDF that never changes once drawn (``name`` says what it depends on): anyone may ask for it and
    drawing is costly, so it is drawn once for every web process. One process draws while the others wait on
    a file lock, then read what it stored; the file appears whole (written beside it, then renamed).
    """
    if not re.fullmatch(r"[A-Za-z0-9._-]+\.pdf", name):
        raise ValueError(f"not a name for a kept PDF: {name!r}")
    folder = Path(settings.MEDIA_ROOT) / "pdfs"
    kept = folder / name
    if kept.is_file():
        return kept
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not kept.is_file():
                file_write_whole(kept, render())
                if replaces:
                    for earlier in folder.glob(f"{glob.escape(replaces)}*"):
                        if earlier.name not in (kept.name, f"{kept.name}.lock"):
                            earlier.unlink(missing_ok=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return kept


def file_write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers only ever see the whole file: written beside it, then renamed."""
    handle, drawing = tempfile.mkstemp(dir=path.parent, suffix=".drawing")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(drawing, settings.FILE_UPLOAD_PERMISSIONS)
        os.replace(drawing, path)
    finally:
        Path(drawing).unlink(missing_ok=True)


def pdf_response(pdf: bytes | Path, *, filename: str, inline: bool = True) -> HttpResponse:
    """An HTTP response carrying ``pdf`` (its bytes, or a kept file streamed from disk), shown in the browser
    (``inline``) or saved as ``filename``."""
    response: HttpResponse
    if isinstance(pdf, Path):
        response = FileResponse(pdf.open("rb"), content_type="application/pdf")  # type: ignore[assignment]
    else:
        response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    response["Content-Disposition"] = f'{disposition}; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
