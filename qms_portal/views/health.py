"""``/health/``: is the database reachable, is Redis, and does a worker answer."""
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from qms_portal.access import public


def _check_database() -> dict[str, Any]:
    # A fresh connection, not the request's: a pooled connection can look alive when the server is gone.
    conn = connections.create_connection("default")
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

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def _check_worker() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"ok": True, "detail": "not needed: tasks run in-process"}
    from qms_portal.celery import app

    replies = app.control.ping(timeout=1.0)
    if not replies:
        return {"ok": False, "detail": "no worker answered within 1 second"}
    return {"ok": True, "workers": len(replies)}


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        outcome = check()
    except Exception as exc:  # a health check reports every failure instead of raising it
        outcome = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    outcome["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return outcome


@public
@require_safe
@never_cache
@transaction.non_atomic_requests  # must answer (503) when the database is down, not fail opening a transaction
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _timed(_check_database), "redis": _timed(_check_redis), "worker": _timed(_check_worker)}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503)
