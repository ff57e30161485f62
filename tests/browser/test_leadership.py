"""A management review in the browser (issue 5, item 9): the quality manager plans a review, writes the notes on
every 9.3.2 input, marks it held, records who attended and a decision whose action goes to the demo employee,
and closes it; the managing director, who chairs it, signs the minutes; the action is then in the employee's
"My actions".

Each person drives the real pages: links and buttons by their visible text, form fields by their label.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leadership.models import Action, InputCode, ManagementReview, ReviewStatus
from leadership.reviews import MINUTES_MEANING, suggested_review_date
from qms_portal.models import User
from tests.browser.conftest import DEMO_PASSWORD

EXPECT_DEFAULT_TIMEOUT_MS = 5_000  # Playwright's documented default for expect()
FULL_NAMES = {"director": "Helen Marsh", "quality": "Priya Nair", "employee": "Jamie Clarke"}
TITLE = "Management review of the hydrogen valve launch"
DECISION = "Put a first-article check on every hydrogen valve body until ten in a row pass."
ACTION = "Write the first-article checklist for the hydrogen valve bodies"


@pytest.fixture(autouse=True)
def _patient_expectations() -> Iterator[None]:
    """Give each expectation as long as the tab gives an action (15 s): a busy machine serves pages slower."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=EXPECT_DEFAULT_TIMEOUT_MS)


def _sign_out(page: Page, username: str) -> None:
    """Open the user menu in the header (the button with the person's initial) and sign out, as a person would."""
    menu = page.locator("header .btn-user")
    expect(menu).to_contain_text(FULL_NAMES[username][0])
    menu.click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def _expect_message(page: Page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def _open_review(page: Page) -> None:
    """From anywhere: Leadership, then its Reviews tab, then the review by its title."""
    page.locator("#main-nav").get_by_role("link", name="Leadership").click()
    page.get_by_role("navigation", name="Leadership").get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name="Management reviews", exact=True)).to_be_visible()
    page.locator("main").get_by_role("link", name=TITLE).click()
    expect(page.locator(".page-head h1")).to_contain_text(TITLE)


def _quality_plans_the_review(page: Page) -> None:
    page.locator("#main-nav").get_by_role("link", name="Leadership").click()
    page.get_by_role("navigation", name="Leadership").get_by_role("link", name="Reviews").click()
    # The demo's own reviews are listed: the one planned next month and the three held.
    expect(page.locator("main")).to_contain_text("Quarterly management review")
    page.get_by_role("link", name="Plan a review").click()

    page.get_by_label("Title").fill(TITLE)
    # The day offered follows the demo's next review by its interval, on a working day; not today.
    suggested = suggested_review_date(today=timezone.localdate())
    assert suggested is not None
    expect(page.get_by_label("Day")).to_have_value(suggested.on.isoformat())
    page.get_by_label("Starts at").fill("14:00")
    page.get_by_label("Duration").select_option(label="1 hour 30 minutes")
    page.get_by_label("Place").fill("Board room, Building A")
    page.get_by_label("Chair").select_option(label="Helen Marsh (Managing Director)")
    # Top management is ticked to begin with, under its department's heading.
    board = page.get_by_role("group", name="Executive board")
    expect(board.get_by_label("David Whitaker (Operations Director)")).to_be_checked()
    board.get_by_label("Sana Hussain (Finance Director)").uncheck()
    for invitee in ("Priya Nair (Quality Manager)", "Tom Ashworth (Production Manager)"):
        page.get_by_label(invitee).check()
    page.get_by_role("button", name="Plan the review").click()

    _expect_message(page, f"“{TITLE}” is planned for")
    expect(page.locator(".page-head h1")).to_contain_text(TITLE)
    expect(page.locator(".page-head")).to_contain_text("14:00–15:30 (1 hour 30 minutes) · Board room, Building A")
    expect(page.locator("#inputs-progress")).to_contain_text("0 of 12 addressed")


def _quality_writes_the_notes_on_every_input(page: Page) -> None:
    for code in InputCode.values:
        block = page.locator(f"#input-{code}")
        block.get_by_role("link", name=f"Write notes on {code}").click()
        # The editor opens in place; where the portal has live figures it starts from them.
        notes = page.locator(f"#input-{code}").get_by_label("Notes")
        expect(notes).to_be_visible()
        notes.fill(f"Covered for the launch: input {code} reviewed with the launch team, nothing open.")
        page.locator(f"#input-{code}").get_by_role("button", name="Save notes").click()
        expect(page.locator(f"#input-{code} textarea")).to_have_count(0)
        expect(page.locator(f"#input-{code}")).to_contain_text(f"input {code} reviewed with the launch team")
    expect(page.locator("#inputs-progress")).to_contain_text("12 of 12 addressed")


def _quality_holds_the_review_and_records_attendance(page: Page) -> None:
    page.get_by_role("link", name="Mark as held").click()
    expect(page.get_by_label("Held on")).to_have_value(timezone.localdate().isoformat())
    page.get_by_role("button", name="Mark as held").click()
    _expect_message(page, f"“{TITLE}” is marked held on")

    page.locator(".page-head").get_by_role("link", name="Record attendance").click()
    for attendee in ("Helen Marsh", "Priya Nair", "David Whitaker"):
        page.get_by_label(attendee).check()
    # The first record of attendance is the minutes being written: no reason is asked for.
    expect(page.get_by_label("Reason for the change")).to_have_count(0)
    page.get_by_role("button", name="Save attendance").click()
    _expect_message(page, "Attendance is recorded: 3 of 4 invited attended.")
    expect(page.locator("#attendance")).to_contain_text("3 of 4 attended")


def _quality_records_a_decision_with_an_action_for_the_employee(page: Page) -> None:
    due_on = timezone.localdate() + dt.timedelta(days=30)
    page.locator(".page-head").get_by_role("link", name="Record a decision").click()
    page.get_by_label("Changes needed to the QMS").check()
    page.get_by_label("Decision").fill(DECISION)
    page.get_by_label("Action", exact=True).fill(ACTION)
    page.get_by_label("Owner").select_option(label="Jamie Clarke (CNC Machinist)")
    page.get_by_label("Due on").fill(due_on.isoformat())
    page.get_by_role("button", name="Record the decision", exact=True).click()

    _expect_message(page, f"The decision is recorded, and the action “{ACTION}” is given to Jamie Clarke, due")
    decisions = page.locator("#decisions")
    expect(decisions).to_contain_text(DECISION)
    expect(decisions.get_by_role("link", name=ACTION)).to_be_visible()


def _quality_closes_the_review(page: Page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the review").click()
    _expect_message(page, f"“{TITLE}” is closed. Its chair, Helen Marsh, can now read and sign the minutes.")
    expect(page.locator("#signature")).to_contain_text("awaiting the signature of the chair, Helen Marsh")
    # Only the chair signs: the quality manager is offered no signing.
    expect(page.get_by_role("link", name="Read and sign the minutes")).to_have_count(0)


def _director_signs_the_minutes(page: Page) -> None:
    _open_review(page)
    page.locator(".page-head").get_by_role("link", name="Read and sign the minutes").click()
    expect(page.get_by_role("heading", name="Sign the minutes by electronic signature")).to_be_visible()
    minutes = page.locator(".minutes-text")
    expect(minutes).to_contain_text(f"Title: {TITLE}")
    expect(minutes).to_contain_text(DECISION)
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the minutes").click()

    _expect_message(page, f"You signed the minutes of “{TITLE}”. They can no longer change.")
    signature = page.locator("#signature")
    expect(signature).to_contain_text("Helen Marsh")
    expect(signature).to_contain_text(MINUTES_MEANING)
    expect(signature).to_contain_text("✓ Signature valid")


def _employee_finds_the_action_in_my_actions(page: Page) -> None:
    page.locator("#main-nav").get_by_role("link", name="My actions").click()
    expect(page.get_by_role("heading", name="My actions", exact=True)).to_be_visible()
    todo = page.get_by_role("region", name="To do")
    item = todo.get_by_role("listitem").filter(has_text=ACTION)
    expect(item).to_have_count(1)
    # It names the review that started it, but links to it only for readers of leadership records.
    expect(item).to_contain_text(f"Management review {TITLE}")
    expect(item.get_by_role("link", name=TITLE)).to_have_count(0)
    # The demo gave the employee an overdue action too; it is still there beside the new one.
    expect(todo).to_contain_text("Re-prove the probing cycle on the DMG Mori")

    item.get_by_role("link", name=ACTION).click()
    expect(page.locator("main")).to_contain_text(ACTION)
    expect(page.locator("main")).to_contain_text(TITLE)


def test_a_review_planned_held_and_closed_by_the_quality_manager_signed_by_its_chair_gives_the_employee_an_action(
    tab,
):
    page = tab.page
    employee = User.objects.get(username="employee")

    tab.sign_in("quality")
    _quality_plans_the_review(page)
    _quality_writes_the_notes_on_every_input(page)
    _quality_holds_the_review_and_records_attendance(page)
    _quality_records_a_decision_with_an_action_for_the_employee(page)
    _quality_closes_the_review(page)
    _sign_out(page, "quality")

    tab.sign_in("director")
    _director_signs_the_minutes(page)
    _sign_out(page, "director")

    tab.sign_in("employee")
    _employee_finds_the_action_in_my_actions(page)

    review = ManagementReview.objects.get(title=TITLE)
    assert review.status == ReviewStatus.CLOSED
    assert review.held_on == timezone.localdate()
    assert review.minutes_signature.signer.username == "director"
    assert review.signature_valid
    assert not review.inputs.filter(notes="").exists()
    assert dict(review.attendance.values_list("person__username", "attended")) == {
        "director": True, "quality": True, "d.whitaker": True, "owner": False,
    }
    # A one-off review proposes no next one.
    assert not ManagementReview.objects.filter(proposed_from=review).exists()
    (action,) = Action.objects.filter(source_review=review)
    assert (action.title, action.owner, action.decision.decision) == (ACTION, employee, DECISION)

    assert not tab.failed_requests, "\n".join(tab.failed_requests)
    assert not tab.console_errors, "\n".join(tab.console_errors)
