"""The evidence pack in the browser (issue 13): the auditor asks for a pack from the navigation, follows it while it is
drawn, downloads it and checks the copy on the verify page; a copy changed by one byte is refused. An employee has
no evidence packs.

Without a worker, the pack's job runs in a thread of the live server (``JOB_THREADS_IN_PROCESS``), as on a
development machine without Redis: the page polls its progress until the pack is ready. Not on SQLite: the test
database there is in memory, shared between threads with table locks that another thread's write meets at once
("database table is locked") instead of waiting as with the file a development server uses; the job then runs in
the request that asks for the pack, and the page opens on the pack ready.
"""
from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect
from pypdf import PdfReader

PACKS_URL = "/leadership/evidence-packs/"


@pytest.fixture(autouse=True)
def _patient_expectations() -> Iterator[None]:
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default


@pytest.fixture(autouse=True)
def _pack_drawn_in_the_live_server(settings) -> None:
    settings.JOB_THREADS_IN_PROCESS = connection.vendor != "sqlite"


def verify(page, *, name: str, data: bytes) -> None:
    """Upload ``data`` as the file ``name`` on the open verify page."""
    page.locator("input[name=file]").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": data})
    with page.expect_navigation():
        page.get_by_role("button", name="Verify").click()


def test_the_auditor_makes_a_pack_downloads_it_and_the_verify_page_tells_a_genuine_copy_from_a_changed_one(tab):
    page = tab.page
    tab.sign_in("auditor")
    page.locator("#main-nav").get_by_role("link", name="Evidence packs").click()
    expect(page.get_by_role("heading", level=1, name="Evidence packs")).to_be_visible()

    page.get_by_label("5.2 Policy").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Make the pack").click()

    number = page.get_by_role("heading", level=1).inner_text().strip()
    assert re.fullmatch(r"EP-\d{4}-\d{4}", number), number
    # The page either polls the pack's progress or, if the thread was quicker than the page, shows it ready.
    status = page.locator("#pack-status")
    expect(status).to_be_visible()
    first_seen = status.evaluate("el => el.hasAttribute('hx-get') ? 'polling' : el.innerText")
    assert first_seen == "polling" or "The pack is ready" in first_seen, first_seen
    expect(status).to_contain_text("The pack is ready", timeout=60_000)
    expect(status).not_to_have_attribute("hx-get", re.compile(".*"))  # polling stops once it is ready
    shown_sha256 = status.locator("[data-sha256]").get_attribute("data-sha256")
    assert shown_sha256 in status.locator("[data-sha256]").inner_text()  # the hash written out, for a reader

    with page.expect_download() as download_info:
        status.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith(number) and download.suggested_filename.endswith(".pdf")
    data = Path(download.path()).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    first_page = reader.pages[0].extract_text()
    assert f"Page 1 of {len(reader.pages)}" in first_page
    assert number in first_page
    assert hashlib.sha256(data).hexdigest() == shown_sha256

    status.get_by_role("link", name="verify page").click()
    expect(page.get_by_role("heading", level=1, name="Verify an evidence pack")).to_be_visible()
    verify(page, name=download.suggested_filename, data=data)
    expect(page.locator("#verify-result")).to_contain_text(f"Genuine: this is evidence pack {number}, unchanged.")

    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    verify(page, name="changed.pdf", data=bytes(changed))
    result = page.locator("#verify-result")
    expect(result).to_contain_text("Not a pack this portal produced.")
    expect(result).to_contain_text("changed.pdf")
    assert not tab.console_errors


def test_an_employee_has_no_evidence_packs_in_the_navigation_and_is_refused_the_page(tab):
    tab.sign_in("employee")

    assert "Evidence packs" not in tab.nav_labels()
    assert tab.page.locator("#main-nav").get_by_role("link", name="Evidence packs").count() == 0
    response = tab.page.goto(tab.base_url + PACKS_URL)
    assert response.status == 403
    expect(tab.page.get_by_role("heading", level=1, name="Evidence packs")).to_have_count(0)
