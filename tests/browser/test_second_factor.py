"""The quality manager turns the second factor on, sets up an authenticator app from the QR page (the test computes
codes from the secret shown, as an app would), signs out, signs in with a code, and uses a recovery code once."""
from __future__ import annotations

import re

from tests.core.otp import code_from_secret

REQUIRED = "Second factor required for top management, quality managers and auditors"


def sign_out(tab) -> None:
    tab.page.locator("button.btn-user").click()
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Sign out").click()


def give_code(tab, code: str) -> None:
    assert re.search(r"/accounts/second-factor/", tab.page.url), tab.page.url
    tab.page.get_by_label("Code").fill(code)
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Continue").click()


def test_quality_manager_sets_up_a_second_factor_signs_in_with_a_code_and_a_recovery_code_works_once(tab):
    tab.sign_in("quality")
    tab.open("/organisation/")
    tab.page.get_by_label(REQUIRED).check()
    tab.page.get_by_label("Reason for the change").fill("The board asked for it after the audit")
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Save settings").click()

    # She holds a role that now needs a second factor and has none: setting it up is all she can do.
    assert re.search(r"/accounts/second-factor/set-up/", tab.page.url), tab.page.url
    assert tab.page.locator("svg.qr-code").is_visible()
    assert tab.accessibility_problems() == []
    secret = tab.page.get_by_test_id("totp-secret").inner_text()
    tab.open("/people/")
    assert re.search(r"/accounts/second-factor/set-up/\?next=%2Fpeople%2F$", tab.page.url), tab.page.url

    tab.page.get_by_label("Code from the app").fill(code_from_secret(secret))
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Confirm and continue").click()
    codes = [line.strip() for line in tab.page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()]
    assert len(codes) == 10
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="I have kept them: continue").click()
    assert tab.page.url == tab.base_url + "/people/"

    # Signing in again asks for the code after the password; the code of the next 30 seconds is not the one used.
    sign_out(tab)
    tab.sign_in("quality")
    assert tab.accessibility_problems() == []
    give_code(tab, code_from_secret(secret, steps_ahead=1))
    assert tab.page.url == tab.base_url + "/"
    assert "Priya Nair" in tab.page.locator("header").inner_text()

    # A recovery code works in place of a code, once.
    sign_out(tab)
    tab.sign_in("quality")
    give_code(tab, codes[0])
    assert tab.page.url == tab.base_url + "/"
    sign_out(tab)
    tab.sign_in("quality")
    give_code(tab, codes[0])
    assert tab.page.get_by_text("That code is not right").first.is_visible()
    assert tab.page.locator("#main-nav").count() == 0
    assert not tab.console_errors
