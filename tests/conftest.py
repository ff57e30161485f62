"""Fixtures shared by every test: fast hashing, in-process Celery, media in a temporary folder, and people.

``portal_users`` gives one person per portal role plus the two people who must be refused: an external
auditor whose access has expired and a deactivated quality manager.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from qms_portal.access import PortalRole
from qms_portal.models import Organisation, User
from tests.core.factories import UserFactory
from tests.services import audit_trail_truncatable

# The login backend a test uses to open a session directly (Axes' backend cannot load a user).
PORTAL_BACKEND = "qms_portal.auth.PortalBackend"


def pytest_configure(config: pytest.Config) -> None:
    # WhiteNoise warns on every client that collectstatic has not run; tests serve no static files.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning:django.core.handlers.base")


FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    """Argon2 is deliberately slow; tests hash with MD5. test_settings checks the real list in a subprocess."""
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _second_factor_off_unless_shipped(request, monkeypatch) -> None:
    """An organisation made in a test does not require a second factor: most tests open sessions with
    ``force_login``, which has no code step. The product's default (on) holds for tests marked
    ``second_factor_as_shipped``; tests of the second factor turn the setting on themselves."""
    if request.node.get_closest_marker("second_factor_as_shipped") is None:
        field = Organisation._meta.get_field("second_factor_required")
        monkeypatch.setattr(field, "_get_default", lambda: False)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    """Uploads go to a per-test folder, never to var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache(settings, monkeypatch) -> None:
    """Counts kept in the cache (password resets asked for) start from nothing in each test, and so do the figures
    kept in this process's memory (``qms_portal.records_cache``). Kept in Redis, they are not cleared under the other
    xdist workers' tests: there a value's key holds the test database's name and the trail's head, which no other
    test shares (PostgreSQL never hands out a sequence's number twice, rolled back or not). A failure of the cache
    seen by an earlier test (one that points it at a server that is not there) is forgotten too."""
    from django.core.cache import cache

    from qms_portal import records_cache
    from qms_portal.records_cache import RECORDS_CACHE, records_cache_clear

    monkeypatch.setattr(records_cache, "_retry_at", 0.0)
    monkeypatch.setattr(records_cache, "_unavailable", False)
    cache.clear()
    if "RedisCache" not in settings.CACHES[RECORDS_CACHE]["BACKEND"]:
        records_cache_clear()


@pytest.fixture
def reminder_kinds_only() -> Iterator[Callable[..., None]]:
    """Keep only the named reminder kinds registered while a test runs, so that a sweep sends only what the test is
    about (every app registers its kinds, and some find things in any database: no review planned, for one)."""
    from qms_portal.notifications import REMINDER_KINDS

    saved = dict(REMINDER_KINDS)

    def keep(*names: str) -> None:
        for name in list(REMINDER_KINDS):
            if name not in names:
                del REMINDER_KINDS[name]

    yield keep
    REMINDER_KINDS.clear()
    REMINDER_KINDS.update(saved)


@pytest.fixture(autouse=True)
def _jobs_within_the_request(settings) -> None:
    """A long job (an evidence pack) runs where it is sent, as every task does in tests, not in a thread of its own;
    the browser test of the pack turns the thread back on to watch its progress."""
    settings.JOB_THREADS_IN_PROCESS = False


@pytest.fixture(autouse=True, scope="session")
def _celery_in_process() -> Iterator[None]:
    """Run tasks in-process even when CI sets REDIS_URL; a task's failure is kept on its job, not raised."""
    from qms_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@dataclass
class PortalUsers:
    """One person per portal role, and the two kinds of account that must be turned away."""

    top_management: User
    quality_manager: User
    process_owner: User
    employee: User
    auditor: User
    expired_auditor: User
    deactivated: User

    def by_key(self, key: str) -> User:
        return getattr(self, key)


@pytest.fixture
def portal_users(db) -> PortalUsers:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    # Fixed names, so that searches in tests never match one of these people by chance.
    return PortalUsers(
        top_management=UserFactory(username="tm", full_name="Tessa Mann", roles=[PortalRole.TOP_MANAGEMENT]),
        quality_manager=UserFactory(username="qm", full_name="Quentin Moss", roles=[PortalRole.QUALITY_MANAGER]),
        process_owner=UserFactory(username="po", full_name="Pia Olsen", roles=[PortalRole.PROCESS_OWNER]),
        employee=UserFactory(username="emp", full_name="Emil Park", roles=[PortalRole.EMPLOYEE]),
        auditor=UserFactory(username="aud", full_name="Ada Ude", roles=[PortalRole.AUDITOR]),
        expired_auditor=UserFactory(
            username="aud-expired", full_name="Axel Ekdahl", roles=[PortalRole.AUDITOR], access_expires_on=yesterday
        ),
        # A quality manager, so that being turned away is due to the deactivation and not to a missing role.
        deactivated=UserFactory(
            username="gone", full_name="Gil Oni", roles=[PortalRole.QUALITY_MANAGER], is_active=False
        ),
    )


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    """A new browser: signed in as ``user`` (an already open session), or anonymous for None."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend=PORTAL_BACKEND)
        return client

    return make


@pytest.fixture
def qm_client(portal_users, client_for) -> Client:
    return client_for(portal_users.quality_manager)


@pytest.fixture
def allow_audit_tampering(db) -> Iterator[Callable[[], None]]:
    """Call to let raw SQL change audit rows. On PostgreSQL the append-only trigger is disabled inside the
    test's transaction, so the rollback restores it. SQLite has no trigger; the hash chain is its guard."""
    disabled = []

    def allow() -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE qms_portal_auditentry DISABLE TRIGGER qms_audit_append_only")
            disabled.append(True)

    yield allow
    if disabled and not connection.in_atomic_block:
        # A transactional test committed the change: put the guard back for the tests after it.
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE qms_portal_auditentry ENABLE TRIGGER qms_audit_append_only")


@pytest.fixture(scope="module")
def truncatable_test_database(django_db_setup, django_db_blocker) -> Iterator[None]:
    """For a module with transactional tests: on PostgreSQL, lets the flush after each of them empty the tables that
    triggers keep from being truncated (``audit_trail_truncatable``). Use it with ``usefixtures``."""
    with audit_trail_truncatable(django_db_blocker):
        yield


@pytest.fixture(scope="module")
def demo_seeded_once(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The demo organisation, seeded once for the module (seeding takes seconds and some 15,000 queries), inside a
    transaction rolled back at the module's end; what ``seed_demo`` printed. Each test using it runs in a savepoint
    of its own within that transaction (pytest-django's ``db``), so what a test changes, seeding again among it, is
    undone before the next. A test of the same module that needs an empty database must not run after one using
    this: keep such tests in a module of their own."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"),
            PASSWORD_HASHERS=FAST_PASSWORD_HASHERS,
            JOB_THREADS_IN_PROCESS=False,
        ),
        transaction.atomic(),
    ):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
