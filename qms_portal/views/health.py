"""``/health/``: is the database reachable, is Redis, and does a worker answer.

Anyone may ask (a load balancer, a monitor), so the answer must cost next to nothing: the checks run at most
once per ``HEALTH_CACHE_SECONDS`` in each web process, with short timeouts, and callers in between get the
last result. Anyone learns whether each part is healthy; why a part fails (exception text, timings) is shown
only to a signed-in quality manager or to a monitor sending ``Authorization: Bearer <HEALTH_TOKEN>``.
"""
import hmac
import threading
import time
from collections.abc import Callable
from time import monotonic
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from qms_portal.access import Capability, public, user_can
from qms_portal.mfa import fully_signed_in

# Seconds a check may take: a monitor times out after a few seconds, and a web worker is held meanwhile.
CHECK_TIMEOUT_SECONDS = 1.0


def _check_database() -> dict[str, Any]:
    # A fresh connection, not the request's: a pooled connection can look alive when the server is gone.
    conn = connections.create_connection("default")
    if conn.vendor == "postgresql":
        options = {**conn.settings_dict.get("OPTIONS", {}), "connect_timeout": 2}
        conn.settings_dict = {**conn.settings_dict, "OPTIONS": options}
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": conn.vendor}
    finally:
        conn.close()


def _check_redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"ok": True, "detail": "not configured: tasks run in-process"}
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def _check_worker() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"ok": True, "detail": "not needed: tasks run in-process"}
    from qms_portal.celery import app

    replies = app.control.ping(timeout=CHECK_TIMEOUT_SECONDS)
    if not replies:
        return {"ok": False, "detail": f"no worker answered within {CHECK_TIMEOUT_SECONDS:g} second"}
    return {"ok": True, "workers": len(replies)}


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        outcome = check()
    except Exception as exc:  # a health check reports every failure instead of raising it
        outcome = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    outcome["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return outcome


class _LastChecks:
    """The last result of the checks in this process, and when it was taken; one caller at a time refreshes it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checks: dict[str, dict[str, Any]] | None = None
        self.taken_at = 0.0


_last = _LastChecks()


def checks_forget() -> None:
    """Drop the kept result, so that the next caller runs the checks (tests; a changed configuration)."""
    with _last.lock:
        _last.checks = None


def _checks() -> tuple[dict[str, dict[str, Any]], float]:
    """The checks' results and their age in seconds: kept ones while fresh, else run now (by one caller)."""
    with _last.lock:
        if _last.checks is None or monotonic() - _last.taken_at >= settings.HEALTH_CACHE_SECONDS:
            if settings.REDIS_URL:
                # The worker is asked only when Redis answers: a ping through a dead broker waits for nothing.
                redis_check = _timed(_check_redis)
                worker_check = _timed(_check_worker) if redis_check["ok"] else {"ok": False, "detail": "Redis down"}
            else:
                redis_check, worker_check = _timed(_check_redis), _timed(_check_worker)
            _last.checks = {"database": _timed(_check_database), "redis": redis_check, "worker": worker_check}
            _last.taken_at = monotonic()
        return _last.checks, monotonic() - _last.taken_at


def _may_see_details(request: HttpRequest) -> bool:
    token = settings.HEALTH_TOKEN
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if sent and hmac.compare_digest(sent.encode(), token.encode()):
            return True
    organisation = getattr(request, "organisation", None)
    return fully_signed_in(request, organisation=organisation) and user_can(
        request.user, Capability.MANAGE_ORGANISATION
    )


@public
@require_safe
@never_cache
@transaction.non_atomic_requests  # must answer (503) when the database is down, not fail opening a transaction
def health(request: HttpRequest) -> JsonResponse:
    checks, age = _checks()
    healthy = all(check["ok"] for check in checks.values())
    body: dict[str, Any] = {"status": "ok" if healthy else "failing"}
    if _may_see_details(request):
        body["checks"] = checks
        body["checked_seconds_ago"] = round(age, 1)
    else:
        body["checks"] = {name: {"ok": check["ok"]} for name, check in checks.items()}
    return JsonResponse(body, status=200 if healthy else 503)
