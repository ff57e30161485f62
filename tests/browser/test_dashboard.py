"""The executive dashboard in the browser (issue 12): the director reads readiness at a glance, follows an at-risk
cell to its reason on the readiness page, and from there to the page that fixes it.

On the demo organisation, 5.2.2.b is at risk: 31 of 38 staff acknowledged QP-01 v3 and Engineering is below the
department floor."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect


@pytest.fixture(autouse=True)
def _patient_expectations() -> Iterator[None]:
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default


def test_the_director_follows_an_at_risk_cell_to_its_reason_and_on_to_the_page_that_fixes_it(tab):
    page = tab.page
    tab.sign_in("director")
    tab.open("/dashboard/")

    expect(page.get_by_test_id("readiness-counts")).to_contain_text(re.compile(r"\d+ of 28 met,\s+\d+ at risk"))
    page.get_by_role("link", name=re.compile(r"^5\.2\.2\.b .*: At risk$")).click()

    row = page.locator("details#req-5\\.2\\.2\\.b")
    expect(row).to_have_attribute("open", "")
    expect(row).to_contain_text("5.2.2.b at risk: 82% of staff acknowledged")
    expect(row).to_contain_text("Engineering")
    row.get_by_role("link", name="Follow up who has not acknowledged").click()

    expect(page).to_have_url(re.compile(r"/policies/QP-01/v3/acknowledgements/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
