"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's live server.

Each test has the demo organisation (``seed_demo``; on PostgreSQL seeded once per test process and copied back
for each test, see ``demo_portal``), and signs in with the documented demo log-ins through the real form.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.services import CHROMIUM, CHROMIUM_ARGS, audit_trail_truncatable, require_chromium

DEMO_PASSWORD = "Demo-Portal-2026"  # noqa: S105 - the documented demo password (seed_demo)
# The rules axe-core checks: WCAG 2.0 and 2.1, levels A and AA.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module", autouse=True)
def _flushable_test_database(django_db_setup, django_db_blocker) -> Iterator[None]:
    with audit_trail_truncatable(django_db_blocker):
        yield


@dataclass
class BrowserTab:
    """A page in a fresh browser context, with every console error and failed request it met."""

    page: object
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def watch(self) -> None:
        """Record console errors (CSP violations among them), uncaught exceptions and failed requests."""
        self.page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        self.page.on("requestfailed", self._on_request_failed)
        self.page.on("response", self._on_response)

    def _on_request_failed(self, request: object) -> None:
        # ERR_ABORTED is the browser cancelling a request because the page moved on (a favicon still
        # loading when the next page opens), not a failure of the portal.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed_requests.append(f"{request.url}: {request.failure}")

    def _on_response(self, response: object) -> None:
        if response.status >= 400:
            self.failed_requests.append(f"{response.url}: {response.status}")

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        """Sign in through the log-in form, as a person would."""
        self.open("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()

    def accessibility_problems(self) -> list[str]:
        """What axe-core (shipped by axe-playwright-python) finds on the open page against WCAG 2.0/2.1 A and AA,
        one readable line per element: the rule, what is wrong, where, and axe's own explanation."""
        from axe_playwright_python.sync_playwright import Axe

        found = Axe().run(self.page, options=AXE_OPTIONS).response["violations"]
        problems = []
        for violation in found:
            for node in violation["nodes"]:
                why = "; ".join(check["message"] for part in ("any", "all", "none") for check in node[part])
                problems.append(
                    f"{violation['id']} ({violation['impact']}): {violation['help']} at "
                    f"{' '.join(map(str, node['target']))}: {node['html'][:160]} -- {why}"
                )
        return problems

    def nav_labels(self) -> list[str]:
        return [text.strip() for text in self.page.locator("#main-nav .nav-link").all_inner_texts()]


@pytest.fixture(scope="session")
def chromium_present() -> None:
    require_chromium()


SNAPSHOT_SCHEMA = "demo_snapshot"
# Per test process: whether this run's snapshot of the seeded demo is in the test database, and its media folder.
_snapshot: dict[str, Path] = {}


def _demo_tables() -> list[str]:
    """The tables the flush after each live-server test empties (those of the installed apps)."""
    from django.db import connection

    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _demo_snapshot_take(media: Path) -> None:
    """Seed the demo (its files into ``media``) and copy every table into a schema of its own in the test database."""
    from django.db import connection

    with override_settings(MEDIA_ROOT=media, JOB_THREADS_IN_PROCESS=False):
        call_command("seed_demo", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")  # one left by a run with --reuse-db
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        for table in _demo_tables():
            cursor.execute(f'CREATE UNLOGGED TABLE {SNAPSHOT_SCHEMA}."{table}" AS TABLE public."{table}"')


def _demo_snapshot_restore() -> None:
    """Put back the seeded demo: empty the tables and copy the snapshot's rows in, in one transaction (the foreign
    keys are checked at its end). Sequences are left as they are, past every id the snapshot holds."""
    from django.db import connection, transaction

    tables = _demo_tables()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'public."{table}"' for table in tables))
        for table in tables:
            cursor.execute(f'INSERT INTO public."{table}" SELECT * FROM {SNAPSHOT_SCHEMA}."{table}"')


@pytest.fixture
def demo_portal(live_server, django_db_serialized_rollback, settings, tmp_path_factory) -> str:
    """The live server's address, with the demo organisation and its five demo log-ins in its database.

    Serialized rollback brings back what migrations wrote (portal roles and their capabilities), which
    the flush after each live-server test removes. On PostgreSQL the demo is seeded once per test process (seeding
    takes seconds) and copied aside; each test then gets a copy of those rows and of the demo's files, the same
    data the seed would give it. Elsewhere (SQLite) each test seeds the demo.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        call_command("seed_demo", verbosity=0)
        return live_server.url
    if "media" not in _snapshot:
        media = tmp_path_factory.mktemp("demo-snapshot-media")
        _demo_snapshot_take(media)
        _snapshot["media"] = media
    else:
        _demo_snapshot_restore()
    shutil.copytree(_snapshot["media"], settings.MEDIA_ROOT, dirs_exist_ok=True)
    return live_server.url


@pytest.fixture
def tab(chromium_present, demo_portal, monkeypatch) -> Iterator[BrowserTab]:
    """A fresh Chromium page on the demo portal, recording console errors and failed requests.

    Playwright is started per test, after the database is ready, and stopped before it is flushed:
    while Playwright's event loop runs, Django hands this thread other connection objects (asgiref's
    Local behaves like a context variable), which would miss the test database's set-up and teardown.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM calls
    # from such a thread unless told it is deliberate: a test's own ORM calls are plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        opened = BrowserTab(page, demo_portal)
        opened.watch()
        try:
            yield opened
        finally:
            connections.close_all()  # any the test itself opened while the loop ran
            browser.close()
