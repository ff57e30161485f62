"""PDF rendering: the portal's own files go in, and nothing else. WeasyPrint's own fetcher would read server
files and reach any host; each refusal test first shows what the default fetcher does with the same HTML."""
import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML

from qms_portal.models import Organisation
from qms_portal.pdf import INTERNAL_BASE_URL, PortalURLFetcher, ResourceRefused, pdf_response, render_pdf

SECRET = "TOP-SECRET-SERVER-FILE-3141"


def png_bytes(colour: str = "navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, "PNG")
    return buffer.getvalue()


def embedded_files(pdf: bytes) -> dict:
    reader = PdfReader(io.BytesIO(pdf))
    files = dict(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                files[str(annotation.get_object().get("/Contents"))] = annotation
    return files


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(f"{SECRET}\nroot:x:0:0:root:/root:/bin/bash\n")
    return path


@pytest.fixture
def secret_image(tmp_path):
    path = tmp_path / "secret.png"
    path.write_bytes(png_bytes("red"))
    return path


@pytest.fixture
def http_server():
    """A web server on localhost that records every request made to it."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            requests.append(self.path)
            body = png_bytes() if self.path.endswith(".png") else f"body::after {{ content: '{SECRET}' }}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "image/png" if self.path.endswith(".png") else "text/css")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()


def test_a_pdf_is_a_pdf_with_the_text_of_the_html():
    pdf = render_pdf("<h1>Quality Policy</h1><p>We continually improve the quality management system.</p>")

    assert pdf.startswith(b"%PDF-")
    assert "We continually improve the quality management system." in text_of(pdf)


@pytest.mark.parametrize("tag", ["link", "a"])
def test_a_server_file_named_as_an_attachment_is_not_embedded(tag, secret_file):
    html = f'<{tag} rel="attachment" href="{secret_file.as_uri()}">the file</{tag}><p>Policy</p>'
    assert embedded_files(HTML(string=html).write_pdf()), "the default fetcher embeds the file"

    pdf = render_pdf(html)

    assert embedded_files(pdf) == {}
    assert SECRET.encode() not in pdf
    assert SECRET not in text_of(pdf)


def test_etc_passwd_named_as_an_attachment_is_not_embedded():
    pdf = render_pdf('<link rel="attachment" href="file:///etc/passwd"><p>Policy</p>')

    assert embedded_files(pdf) == {}
    assert b"root:x:0:0" not in pdf


def test_a_server_image_is_not_read(secret_image):
    html = f'<p>Policy</p><img src="{secret_image.as_uri()}">'
    assert image_count(HTML(string=html).write_pdf()) == 1, "the default fetcher draws the image"

    assert image_count(render_pdf(html)) == 0
    assert image_count(render_pdf('<p>Policy</p><img src="file:///etc/passwd">')) == 0


def test_a_server_file_is_not_read_as_a_stylesheet(secret_file, tmp_path):
    css = tmp_path / "leak.css"
    css.write_text(f"p::after {{ content: '{SECRET}' }}")
    html = f'<link rel="stylesheet" href="{css.as_uri()}"><p>Policy</p>'
    assert SECRET in text_of(HTML(string=html).write_pdf()), "the default fetcher reads the stylesheet"

    assert SECRET not in text_of(render_pdf(html))
    assert SECRET not in text_of(render_pdf(f"<style>@import url('{css.as_uri()}');</style><p>Policy</p>"))


def test_no_http_request_is_made(http_server):
    base, requests = http_server
    html = (
        f'<link rel="stylesheet" href="{base}/style.css"><link rel="attachment" href="{base}/file.txt">'
        f'<p>Policy</p><img src="{base}/logo.png"><img src="https://example.com/logo.png">'
    )
    HTML(string=html).write_pdf()
    assert requests, "the default fetcher makes the requests"
    requests.clear()

    pdf = render_pdf(html)

    assert requests == []
    assert image_count(pdf) == 0
    assert embedded_files(pdf) == {}
    assert SECRET not in text_of(pdf)


def test_a_stylesheet_at_another_host_with_a_static_path_is_not_fetched(http_server):
    base, requests = http_server

    render_pdf(f'<link rel="stylesheet" href="{base}/static/css/pdf.css"><p>Policy</p>')

    assert requests == []


def test_our_static_files_are_served():
    response = PortalURLFetcher().fetch(f"{INTERNAL_BASE_URL}static/css/pdf.css")

    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_collected_static_files_are_served_by_their_hashed_names(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "pdf.0123abcd.css").write_text("@page { size: A4 }")

    response = PortalURLFetcher().fetch(f"{INTERNAL_BASE_URL}static/css/pdf.0123abcd.css")

    assert response.read() == b"@page { size: A4 }"


@pytest.mark.parametrize("path", [
    "static/../qms_portal/settings.py",
    "static/%2e%2e/qms_portal/settings.py",
    "static/css/../../manage.py",
    "static//etc/passwd",
    "static/",
    "manage.py",
    "files/organisation/logo.png",
])
def test_paths_outside_the_static_files_are_refused(path):
    with pytest.raises(ResourceRefused):
        PortalURLFetcher().fetch(f"{INTERNAL_BASE_URL}{path}")


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1/static/css/pdf.css",
    "https://example.com/static/css/pdf.css",
    "ftp://example.com/file",
    "data:text/html;base64,PHNjcmlwdD4=",
    "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>",
])
def test_other_schemes_and_hosts_are_refused(url):
    with pytest.raises(ResourceRefused):
        PortalURLFetcher().fetch(url)


def test_a_small_inline_png_is_drawn():
    data = base64.b64encode(png_bytes()).decode()

    assert image_count(render_pdf(f'<p>Chart</p><img src="data:image/png;base64,{data}">')) == 1


def test_a_small_inline_png_that_decodes_to_a_huge_bitmap_is_left_out_and_the_pdf_still_renders():
    buffer = io.BytesIO()
    Image.new("1", (6000, 6000)).save(buffer, "PNG", optimize=True)  # 36 million pixels in a few kilobytes
    assert len(buffer.getvalue()) < 64 * 1024
    data = base64.b64encode(buffer.getvalue()).decode()

    with pytest.raises(ResourceRefused, match="too large"):
        PortalURLFetcher().fetch(f"data:image/png;base64,{data}")
    pdf = render_pdf(f'<p>Org chart</p><img src="data:image/png;base64,{data}">')
    assert image_count(pdf) == 0 and pdf.startswith(b"%PDF")


def test_the_organisations_logo_is_drawn(db):
    organisation = Organisation.current()
    organisation.logo.save("logo.png", ContentFile(png_bytes()))

    pdf = render_pdf('<img src="/organisation/logo/"><p>Calder Valve &amp; Pump Ltd</p>')

    assert image_count(pdf) == 1


def test_no_logo_uploaded_leaves_the_image_out(db):
    assert image_count(render_pdf('<img src="/organisation/logo/"><p>Policy</p>')) == 0


def test_a_pdf_response_is_shown_inline_with_a_safe_file_name():
    response = pdf_response(b"%PDF-1.7", filename='QP-01 "v3"\r\n.pdf')

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="QP-01__v3___.pdf"'


def link_targets(pdf: bytes) -> list[str]:
    """The web addresses the PDF's links open."""
    targets = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


RELATIVE_LINKS = (
    '<p><a href="/policies/QP-02/">the procedure</a>, <a href="guide/">the guide</a>, '
    '<a href="https://example.com/iso">ISO</a>, <a href="mailto:qa@example.com">us</a></p>'
)


def test_relative_links_in_a_pdf_point_at_the_site():
    targets = link_targets(render_pdf(RELATIVE_LINKS, site_url="https://qms.example.com/"))

    assert sorted(targets) == [
        "https://example.com/iso",
        "https://qms.example.com/guide/",
        "https://qms.example.com/policies/QP-02/",
        "mailto:qa@example.com",
    ]


def test_without_the_sites_address_relative_links_are_dropped_but_their_words_stay():
    pdf = render_pdf(RELATIVE_LINKS)

    assert not any("portal.invalid" in target for target in link_targets(pdf))
    assert sorted(link_targets(pdf)) == ["https://example.com/iso", "mailto:qa@example.com"]
    assert "the procedure" in text_of(pdf)
