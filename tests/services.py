"""Whether the services some tests need are here: PostgreSQL, Redis and Debian's Chromium.

On a developer's machine a test whose service is missing is skipped with the reason. When the
``CI`` variable is set (to anything non-empty) the same absence fails the test instead: CI
provides every service, so a missing one is a broken pipeline, not a reason to pass quietly.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, not a Playwright download: the machines running the suite reach no browser CDN.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def in_ci() -> bool:
    return bool(os.environ.get("CI", "").strip())


def require(service: str, available: bool, reason: str) -> None:
    """Go on when ``available``; otherwise skip the test (fail it under CI) saying what is missing and why."""
    if available:
        return
    message = f"{service} is not available: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI is set, so every service must be present)", pytrace=False)
    pytest.skip(message)


def postgres_available() -> tuple[bool, str]:
    """Whether the default database is PostgreSQL, and if not, how to make it so."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return True, ""
    return False, (
        f"the default database is {connection.vendor}; set DATABASE_URL=postgres://postgres@127.0.0.1:5432/qms_test"
    )


def redis_available(url: str) -> tuple[bool, str]:
    """Whether a Redis server answers PING at ``url``."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return False, f"no answer from {url} ({type(exc).__name__}: {exc})"
    finally:
        client.close()
    return True, ""


def chromium_available() -> tuple[bool, str]:
    """Whether Debian's Chromium is installed where the browser tests launch it."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return True, ""
    return False, f"{CHROMIUM} is missing; install it with `apt-get install chromium`"


def require_postgres() -> None:
    require("PostgreSQL", *postgres_available())


def require_redis(url: str) -> None:
    require("Redis", *redis_available(url))


def require_chromium() -> None:
    require("Chromium", *chromium_available())


@contextmanager
def audit_trail_truncatable(django_db_blocker) -> Iterator[None]:
    """Let pytest-django empty the PostgreSQL test database after transactional tests.

    Transactional tests (``transactional_db``, ``live_server``) are cleaned up with ``flush``, a
    TRUNCATE of every table, which the audit trail's no-truncate trigger (migration 0002) and the retained records'
    ones (``qms_portal.db_guards``) refuse.
    Use around a module or session, not a single test: the flush runs after a test's own fixtures end.
    The row-level append-only and no-delete triggers stay on throughout.
    """
    from django.db import connection

    def set_triggers(state: str) -> None:
        with django_db_blocker.unblock():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"ALTER TABLE qms_portal_auditentry {state} TRIGGER qms_audit_no_truncate")
                    cursor.execute(
                        "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'qms_retained_no_truncate'"
                    )
                    for (table,) in cursor.fetchall():
                        cursor.execute(f"ALTER TABLE {table} {state} TRIGGER qms_retained_no_truncate")

    set_triggers("DISABLE")
    try:
        yield
    finally:
        set_triggers("ENABLE")
