"""Roles and the RACI matrix in the browser (issue 4, item 9): the quality manager sets letters in the grid in
place and sees a rule break appear and clear, and an employee acknowledges the role they hold.

Both work on the demo organisation: in its matrix, "Raise and issue purchase orders" has the Supply Chain
Manager's A, the Buyer's R and the Finance Director's I; the demo "employee" holds CNC Machinist and has not
acknowledged it yet.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from qms_portal.audit import AuditEntry
from qms_portal.models import User
from roles.acknowledgements import roles_to_acknowledge
from roles.models import Activity, RaciCell, Role, RoleAcknowledgement

EXPECT_DEFAULT_TIMEOUT_MS = 5_000  # Playwright's documented default for expect()
ACTIVITY = "Raise and issue purchase orders"
NO_A = f"“Purchasing — {ACTIVITY}” has no A"
TWO_AS = f"“Purchasing — {ACTIVITY}” has 2 A's"
REASON = "Purchasing review with the supply chain manager"


@pytest.fixture(autouse=True)
def _patient_expectations() -> Iterator[None]:
    """Give each expectation as long as the tab gives an action (15 s): a busy machine serves pages slower."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=EXPECT_DEFAULT_TIMEOUT_MS)


def _cell(page: Page, activity: Activity, role: Role) -> Locator:
    return page.locator(f"#cell-{activity.pk}-{role.pk}")


def _set_letter(page: Page, activity: Activity, role: Role, letter: str | None) -> None:
    """Click the cell, then the letter (or the button that clears it) in the editor that opens in the cell."""
    cell = _cell(page, activity, role)
    cell.get_by_role("link").click()
    editor = _cell(page, activity, role).locator("form")
    expect(editor).to_be_visible()
    if letter is None:
        editor.get_by_title("No letter").click()
    else:
        editor.get_by_role("button", name=letter, exact=True).click()
    # The editor closes: the cell holds its letter again, as a link to edit it.
    expect(_cell(page, activity, role).locator("form")).to_have_count(0)
    expect(_cell(page, activity, role)).to_have_text(letter or "")


def _expect_same_page(page: Page) -> None:
    """Nothing reloaded the page: the marker set on it when it opened is still there, the address unchanged."""
    assert page.evaluate("window.__openedOnce === true"), "the page was reloaded instead of changed in place"
    expect(page).to_have_url(re.compile(r"/roles/matrix/$"))


def test_the_quality_manager_sets_letters_in_place_and_sees_a_rule_break_clear_and_appear(tab):
    page = tab.page
    activity = Activity.objects.get(name=ACTIVITY)
    supply_chain = Role.objects.get(title="Supply Chain Manager")
    finance = Role.objects.get(title="Finance Director")
    tab.sign_in("quality")

    page.locator("#main-nav").get_by_role("link", name="Roles", exact=True).click()
    page.get_by_label("Roles and responsibilities").get_by_role("link", name="RACI matrix").click()
    expect(page.get_by_role("heading", name="RACI matrix", exact=True)).to_be_visible()
    # The cells become editable once the editing session's reason is given (issue 10 item 4).
    expect(_cell(page, activity, supply_chain).get_by_role("link")).to_have_count(0)
    page.get_by_label("To change letters, first say why").fill(REASON)
    page.get_by_role("button", name="Start editing").click()
    expect(page.locator("#matrix-editing")).to_contain_text(REASON)
    page.evaluate("window.__openedOnce = true")
    last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    breaks = page.locator("#raci-breaks")
    # The demo's two deliberate breaks are listed; this activity keeps the rules.
    expect(breaks).to_contain_text("“Purchasing — Evaluate and approve new suppliers” has 2 A's")
    expect(breaks).to_contain_text("“Toolmaker” has letters in the matrix but nobody holds it now.")
    expect(breaks).not_to_contain_text(ACTIVITY)
    expect(_cell(page, activity, supply_chain)).to_have_text("A")
    expect(_cell(page, activity, finance)).to_have_text("I")

    # Taking the A away leaves the activity without one: the break is listed at once.
    _set_letter(page, activity, supply_chain, None)
    expect(breaks).to_contain_text(NO_A)
    expect(page.locator(f"#activity-{activity.pk} .break-mark")).to_have_count(1)
    _expect_same_page(page)

    # Giving the activity its A again clears the break.
    _set_letter(page, activity, supply_chain, "A")
    expect(breaks).not_to_contain_text(ACTIVITY)
    expect(page.locator(f"#activity-{activity.pk} .break-mark")).to_have_count(0)
    _expect_same_page(page)

    # A second A breaks the rule of exactly one.
    _set_letter(page, activity, finance, "A")
    expect(breaks).to_contain_text(TWO_AS)
    _expect_same_page(page)

    # The letters were saved: a fresh page shows them, and the break.
    page.reload()
    expect(_cell(page, activity, supply_chain)).to_have_text("A")
    expect(_cell(page, activity, finance)).to_have_text("A")
    expect(page.locator("#raci-breaks")).to_contain_text(TWO_AS)
    assert dict(RaciCell.objects.filter(activity=activity).values_list("role__title", "letter")) == {
        "Supply Chain Manager": "A",
        "Finance Director": "A",
        "Buyer": "R",
        "Stores Controller": "I",
    }
    # Each letter set keeps the session's reason in the audit trail.
    entries = AuditEntry.objects.filter(record_type="roles.racicell", id__gt=last_entry)
    assert entries.count() == 3 and set(entries.values_list("reason", flat=True)) == {REASON}

    assert not tab.failed_requests, "\n".join(tab.failed_requests)
    assert not tab.console_errors, "\n".join(tab.console_errors)


def test_an_employee_acknowledges_the_role_they_hold_and_the_home_prompt_goes(tab):
    page = tab.page
    employee = User.objects.get(username="employee")
    machinist = Role.objects.get(title="CNC Machinist")
    tab.sign_in("employee")

    prompts = page.get_by_role("region", name="Roles to acknowledge")
    expect(prompts.get_by_role("alert")).to_have_count(1)
    expect(prompts).to_contain_text("You hold the role CNC Machinist: read and acknowledge it")

    page.locator("#main-nav").get_by_role("link", name="My roles").click()
    expect(page.get_by_role("heading", name="My roles", exact=True)).to_be_visible()
    card = page.get_by_role("article", name="CNC Machinist")
    expect(card).to_contain_text("Set up and run CNC machines to the route card")
    expect(card).to_contain_text("Stop the machine when a part is out of tolerance")
    expect(card).to_contain_text("To acknowledge")
    card.get_by_role("button", name="Acknowledge CNC Machinist").click()

    expect(page.locator(".messages")).to_contain_text("Thank you: you acknowledged “CNC Machinist” (revision 1).")
    card = page.get_by_role("article", name="CNC Machinist")
    expect(card).to_contain_text("You acknowledged revision 1 on")
    expect(card.get_by_role("button", name="Acknowledge CNC Machinist")).to_have_count(0)
    assert RoleAcknowledgement.objects.filter(role=machinist, person=employee, revision=1).count() == 1
    assert roles_to_acknowledge(employee) == []

    # Home no longer asks for it.
    tab.open("/")
    expect(page.get_by_text("You hold the role CNC Machinist")).to_have_count(0)
    expect(page.get_by_role("region", name="Roles to acknowledge")).to_have_count(0)

    assert not tab.failed_requests, "\n".join(tab.failed_requests)
    assert not tab.console_errors, "\n".join(tab.console_errors)
