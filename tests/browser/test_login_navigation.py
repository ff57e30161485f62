"""Each demo person signs in through the real form and sees the navigation of their portal roles."""
from __future__ import annotations

import re

import pytest

# The shared core's entries; apps add their own, which these tests leave to the apps' tests.
CORE_NAV = {"Home", "People", "Audit trail"}
# Who has which capability: qms_portal/migrations/0003_portal_roles.py (and 0008, the trail for top management);
# which entry needs which: navigation.py.
EXPECTED_NAV = {
    "director": {"Home", "People", "Audit trail"},
    "quality": {"Home", "People", "Audit trail"},
    "owner": {"Home", "People"},
    "employee": {"Home"},
    "auditor": {"Home", "People", "Audit trail"},
}
FULL_NAMES = {
    "director": "Helen Marsh",
    "quality": "Priya Nair",
    "owner": "Tom Ashworth",
    "employee": "Jamie Clarke",
    "auditor": "Rachel Okafor",
}
WRONG_LOGIN = "That user name and password do not match an active account"


@pytest.mark.parametrize("username", list(EXPECTED_NAV))
def test_demo_person_signs_in_and_sees_the_navigation_of_their_roles(tab, username):
    tab.sign_in(username)

    assert tab.page.url == tab.base_url + "/"
    assert set(tab.nav_labels()) & CORE_NAV == EXPECTED_NAV[username]
    assert FULL_NAMES[username] in tab.page.locator("header").inner_text()
    # Every entry fits the top bar of a 1280 px wide window: the page never scrolls sideways.
    assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not tab.failed_requests
    assert not tab.console_errors


def test_wrong_password_keeps_the_person_on_the_login_page_with_one_message(tab):
    tab.sign_in("quality", "not-the-password")

    assert re.search(r"/accounts/login/$", tab.page.url)
    assert tab.page.get_by_text(WRONG_LOGIN).is_visible()
    assert tab.page.locator("#main-nav").count() == 0
    assert not tab.console_errors


def test_home_page_loads_its_styles_and_scripts_without_console_errors(tab):
    tab.sign_in("quality")
    tab.open("/")
    tab.page.wait_for_load_state("networkidle")

    assert not tab.console_errors, "console errors (a CSP violation shows up here):\n" + "\n".join(tab.console_errors)
    assert not tab.failed_requests
    # Bootstrap's stylesheet applied (the navbar is a flex box) and the portal's own too.
    assert tab.page.locator("nav.navbar").evaluate("el => getComputedStyle(el).display") == "flex"
    stylesheets = tab.page.evaluate("[...document.styleSheets].map(s => s.href && new URL(s.href).pathname)")
    assert any(href and href.endswith("/css/portal.css") for href in stylesheets)
    # The scripts ran: Bootstrap and htmx, both served by the portal itself.
    assert tab.page.evaluate("typeof window.bootstrap === 'object' && typeof window.htmx === 'object'")
