"""The RACI matrix and the audit trail on a phone, 390 x 844 (issue 10, items 9 and 15).

On the demo organisation: in its matrix, "Raise and issue purchase orders" (process Purchasing) has the Supply
Chain Manager's A, the Buyer's R and the Finance Director's I; every demo trail entry gives its reason.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

PHONE = {"width": 390, "height": 844}
ACTIVITY = "Raise and issue purchase orders"


@pytest.fixture(autouse=True)
def _patient_expectations() -> Iterator[None]:
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default


def _within_the_screen(page: Page, locator: Locator) -> None:
    """The element shows inside the phone's width (nothing to scroll sideways to read it)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"


def test_on_a_phone_the_matrix_reads_one_activity_or_one_role_at_a_time(tab):
    page = tab.page
    page.set_viewport_size(PHONE)
    tab.sign_in("employee")
    tab.open("/roles/matrix/")

    # The grid fits about one role column: the page offers the matrix by activity and by role.
    switch = page.get_by_role("navigation", name="Read the matrix")
    expect(page.get_by_text("Only a few role columns fit on a narrow screen")).to_be_visible()
    switch.get_by_role("link", name="By activity").click()
    expect(page).to_have_url(re.compile(r"by=activity"))
    expect(switch.get_by_role("link", name="By activity")).to_have_attribute("aria-current", "page")

    # Narrowed to one process, the activity lists its roles with what their letters mean
    page.get_by_label("Process (rows)").select_option(label="Purchasing")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"by=activity.*process=|process=.*by=activity"))
    card = page.locator(".listed-entry", has=page.get_by_role("heading", name=ACTIVITY))
    _within_the_screen(page, card)
    for meaning, role in (("Accountable", "Supply Chain Manager"), ("Responsible", "Buyer"),
                          ("Informed", "Finance Director")):
        line = card.locator("li", has=page.get_by_role("link", name=role, exact=True))
        expect(line).to_contain_text(meaning)
        _within_the_screen(page, line.get_by_role("link", name=role, exact=True))

    # The same page, by role: the Buyer's activities and letters, the process filter kept
    switch.get_by_role("link", name="By role").click()
    expect(page).to_have_url(re.compile(r"by=role"))
    buyer = page.locator(".listed-entry", has=page.get_by_role("heading", name="Buyer"))
    _within_the_screen(page, buyer)
    expect(buyer.locator("li", has=page.get_by_role("link", name=ACTIVITY))).to_contain_text("Responsible")
    assert tab.accessibility_problems() == []
    assert tab.console_errors == [] and tab.failed_requests == []


def test_on_a_phone_each_trail_entry_shows_what_changed_and_why_on_screen(tab):
    page = tab.page
    page.set_viewport_size(PHONE)
    tab.sign_in("quality")
    tab.open("/audit/")

    entry = page.locator(".audit-table tbody tr").first
    what, why = entry.locator("td[data-label=What]"), entry.locator("td[data-label=Why]")
    expect(what).not_to_be_empty()
    expect(why).not_to_be_empty()
    what.scroll_into_view_if_needed()
    _within_the_screen(page, what)
    why.scroll_into_view_if_needed()
    _within_the_screen(page, why)
    assert tab.accessibility_problems() == []
    assert tab.console_errors == [] and tab.failed_requests == []
