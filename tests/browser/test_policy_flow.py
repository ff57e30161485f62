"""The quality policy's whole life in the browser (issue 3, item 10): the quality manager drafts version 4
of QP-01 and submits it, the managing director signs it, the quality manager publishes it to all staff, an
employee acknowledges it, and the acknowledgement report counts exactly that acknowledgement.

Each person drives the real pages: links and buttons by their visible text, form fields by their label.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from policy.acknowledgements import campaign_audience
from policy.models import Acknowledgement, PolicyVersion, VersionStatus
from tests.browser.conftest import DEMO_PASSWORD

OLD_SENTENCE = "If something is not right, stop and say so."
NEW_SENTENCE = "If something is not right, stop the work and tell your team leader at once."
CHANGE_SUMMARY = "Says who to tell when something is not right: the team leader, at once."
CHECKLIST = ("5.2.1.a", "5.2.1.b", "5.2.1.c", "5.2.1.d")
FULL_NAMES = {"director": "Helen Marsh", "quality": "Priya Nair", "employee": "Jamie Clarke"}
EXPECT_DEFAULT_TIMEOUT_MS = 5_000  # Playwright's documented default for expect()


@pytest.fixture(autouse=True)
def _patient_expectations() -> Iterator[None]:
    """Give each expectation as long as the tab gives an action (15 s): a busy machine serves pages slower."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=EXPECT_DEFAULT_TIMEOUT_MS)


def _sign_out(page: Page, username: str) -> None:
    """Open the user menu in the header and sign out, as a person would."""
    page.get_by_role("button", name=FULL_NAMES[username]).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def _open_quality_policy(page: Page) -> None:
    page.locator("#main-nav").get_by_role("link", name="Policies").click()
    expect(page.get_by_role("heading", name="Policies", exact=True)).to_be_visible()
    page.locator("main").get_by_role("link", name="Quality Policy", exact=True).click()
    expect(page.locator(".page-head h1")).to_have_text("Quality Policy")


def _expect_message(page: Page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def _quality_drafts_and_submits_version_4(page: Page) -> None:
    _open_quality_policy(page)
    page.get_by_role("link", name="Draft next version").click()
    # Drafting asks first: nothing is made by the click alone.
    expect(page.get_by_role("heading", name="Draft version 4?")).to_be_visible()
    page.get_by_role("button", name="Draft version 4").click()

    expect(page.get_by_role("heading", name=re.compile(r"Edit version 4"))).to_be_visible()
    _expect_message(page, "Version 4 is drafted from the latest text.")
    body = page.get_by_label("Policy text")
    text = body.input_value()
    assert OLD_SENTENCE in text, "version 4 starts from the text of version 3"
    body.fill(text.replace(OLD_SENTENCE, NEW_SENTENCE))
    page.get_by_role("button", name="Preview the text").click()
    expect(page.locator("#preview-body")).to_contain_text(NEW_SENTENCE)
    page.get_by_label("Change summary").fill(CHANGE_SUMMARY)
    for item in CHECKLIST:
        row = page.get_by_role("group", name=re.compile(re.escape(item)))
        # The passages and the confirmations come over from version 3; the passages are checked again on submit.
        expect(row.get_by_label("Where: the passage of the text that meets it")).not_to_be_empty()
        expect(row.get_by_label("The policy meets this")).to_be_checked()
    page.get_by_role("button", name="Save draft").click()

    _expect_message(page, "Version 4 is saved.")
    expect(page.get_by_text("Before it can be submitted")).to_have_count(0)
    page.get_by_role("button", name="Submit for review").click()

    _expect_message(page, "Version 4 is submitted: top management can now review and sign it.")
    expect(page.locator("h1 .status-badge")).to_have_text("In review")


def _director_signs_version_4(page: Page) -> None:
    # Two: version 4 and the demo's environmental policy, submitted a few days ago.
    page.get_by_role("link", name="2 versions awaiting your review and signature").click()
    page.locator("main").get_by_role("link", name="Quality Policy", exact=True).click()
    page.get_by_role("link", name="Review version 4").click()
    expect(page.get_by_text(NEW_SENTENCE)).to_be_visible()
    page.get_by_role("link", name="Approve and sign").click()
    expect(page.get_by_role("heading", name="Approve by electronic signature")).to_be_visible()
    expect(page.get_by_text("What changed since version 3, in force")).to_be_visible()

    # A wrong password signs nothing: the form comes back with the reason.
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Sign and approve version 4").click()
    expect(page.get_by_text("That password is not right. Nothing was signed.")).to_be_visible()
    version = PolicyVersion.objects.get(document__reference="QP-01", number=4)
    assert version.status == VersionStatus.IN_REVIEW
    assert version.signature is None

    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign and approve version 4").click()
    _expect_message(page, "You approved version 4. The quality manager can now publish it.")
    expect(page.locator("h1 .status-badge")).to_have_text("Approved")
    expect(page.locator(".signature-block")).to_contain_text("Helen Marsh")


def _quality_publishes_version_4(page: Page, due_on: dt.date) -> None:
    _open_quality_policy(page)
    page.get_by_role("link", name="Publish version 4").click()
    page.locator(".page-head").get_by_role("link", name="Publish", exact=True).click()
    expect(page.get_by_role("heading", name="Publish and ask staff to acknowledge")).to_be_visible()

    page.get_by_label("Why it replaces version 3").fill(CHANGE_SUMMARY)
    page.get_by_label("All active staff").check()
    page.get_by_label("Acknowledgement due on").fill(due_on.isoformat())
    # No check of understanding: the question and its answers stay empty.
    expect(page.get_by_label("Question")).to_be_empty()
    page.get_by_role("button", name="Publish version 4").click()

    _expect_message(
        page, f"Version 4 is published and in force. The audience is asked to acknowledge it by {due_on:%-d %B %Y}."
    )
    expect(page.locator("h1 .status-badge")).to_have_text("Published")


def _employee_acknowledges_version_4(page: Page, due_on: dt.date) -> None:
    prompt = page.get_by_role("region", name="Policies to acknowledge").get_by_role("alert")
    expect(prompt).to_have_count(1)
    expect(prompt).to_contain_text(f"Please read and acknowledge Quality Policy version 4 by {due_on:%-d %B %Y}")
    prompt.get_by_role("link", name="Read and acknowledge").click()

    expect(page.get_by_text(NEW_SENTENCE)).to_be_visible()
    # Published without a question: the confirmation is all there is to give.
    expect(page.get_by_role("radio")).to_have_count(0)
    page.get_by_label("I have read and understood this policy").check()
    page.get_by_role("button", name="Acknowledge version 4").click()

    _expect_message(page, "Thank you: your acknowledgement of Quality Policy v4 is recorded.")
    expect(page.get_by_role("heading", name="You have acknowledged this version")).to_be_visible()


def test_version_4_is_drafted_signed_published_acknowledged_and_counted(tab):
    page = tab.page
    due_on = timezone.localdate() + dt.timedelta(days=21)

    tab.sign_in("quality")
    _quality_drafts_and_submits_version_4(page)
    _sign_out(page, "quality")

    tab.sign_in("director")
    _director_signs_version_4(page)
    _sign_out(page, "director")

    tab.sign_in("quality")
    _quality_publishes_version_4(page, due_on)
    _sign_out(page, "quality")

    tab.sign_in("employee")
    _employee_acknowledges_version_4(page, due_on)
    _sign_out(page, "employee")

    # The report counts the one acknowledgement of version 4; the many of version 3 do not count for it.
    version = PolicyVersion.objects.get(document__reference="QP-01", number=4)
    asked = campaign_audience(version.campaign).count()
    assert Acknowledgement.objects.filter(version=version).count() == 1
    tab.sign_in("quality")
    _open_quality_policy(page)
    page.get_by_role("region", name="Version history").get_by_role("link", name="Version 4").click()
    page.get_by_role("link", name="Acknowledgements").click()
    expect(page.get_by_role("heading", name=re.compile(r"Quality Policy\s+version 4"))).to_be_visible()
    expect(page.get_by_text(f"1 of {asked} people asked.")).to_be_visible()
    one_in_asked = (200 + asked) // (2 * asked)  # 1 of ``asked`` in per cent, rounded half up as the portal rounds
    expect(page.locator(".display-6")).to_have_text(f"{max(1, one_in_asked)}%")
    expect(page.get_by_text(f"{asked - 1} people", exact=True)).to_be_visible()

    # The policy's page: version 4 in force, signed by Helen Marsh under her account; version 3 kept as superseded.
    page.get_by_role("link", name="QP-01").click()
    expect(page.locator(".page-head .lead")).to_contain_text("version 4, in force since")
    signature = page.locator(".signature-block")
    expect(signature.locator(".signature-name")).to_have_text("Helen Marsh (user name director)")
    expect(signature.locator(".signature-check")).to_have_text("✓ Signature valid")
    history = page.get_by_role("region", name="Version history")
    expect(history.get_by_role("row", name=re.compile(r"^Version 4 ")).locator(".status-badge")).to_have_text(
        "Published"
    )
    expect(history.get_by_role("row", name=re.compile(r"^Version 3 ")).locator(".status-badge")).to_have_text(
        "Superseded"
    )

    assert not tab.failed_requests, "\n".join(tab.failed_requests)
    assert not tab.console_errors, "\n".join(tab.console_errors)
