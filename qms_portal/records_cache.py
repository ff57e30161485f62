"""Figures computed from the business records, kept until any record changes: the one cache of the portal's reads.

Every business record is an ``AuditedModel``, and every change to one appends an entry to the hash-chained audit
trail, so the trail's head (the newest entry's id and hash) names the state of all of them. A value computed from
the records is kept under a key made of its name, the organisation's day, the database, the head and the portal's
code: the first request after any change (or on a new day, or after a deploy) misses and computes afresh, every
other request reads the value back with one indexed query for the head.

Only values that depend on nothing but the records and the day may be kept: nothing about the person looking, nothing
read from the time of day, nothing from a model outside the trail unless the caller names its state in ``extra``
(``ReadinessSnapshot``, kept by the nightly task, is not audited). Values are pickled; a lazy QuerySet in one would be
read in full, so hand over lists.

The values live in the ``records`` cache of ``settings.CACHES``: Redis when ``REDIS_URL`` is set (shared by every web
process), this process's memory otherwise. A cache that cannot be reached costs nothing but the computing: the
figures are computed as if nothing were kept, the cache is not tried again for ``RETRY_SECONDS`` (a request would
wait out its timeout), and the failure is logged once until the cache answers again.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import redis
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from qms_portal.models.audit import GENESIS_HASH, AuditEntry

log = logging.getLogger(__name__)

RECORDS_CACHE = "records"  # the alias in settings.CACHES
KEPT_SECONDS = 26 * 3600  # a value keyed by a day is dead after it anyway; no value outlives a day and a bit

# What a cache server that cannot be reached raises; anything else (a value that does not pickle) is a bug to see.
UNREACHABLE = (redis.RedisError, OSError)
T = TypeVar("T")
_MISSING = object()
RETRY_SECONDS = 30.0  # after a failure, how long requests compute without trying the cache (each try may wait out
# the socket timeout)
_unavailable = False  # whether the last use of the cache failed: its failure is logged once, not per request
_retry_at = 0.0  # time.monotonic() before which the cache is not tried again


def records_head() -> tuple[int, str]:
    """The newest audit entry's id and hash (0 and the genesis hash for an empty trail): one query on the primary
    key. Both name the head: on SQLite the id of a rolled-back entry is given again, to an entry of another hash."""
    head = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
    return head if head is not None else (0, GENESIS_HASH)


@cache
def code_fingerprint() -> str:
    """A hash of the portal's own Python source, read once per process: a value pickled by other code (before a
    deploy) is never read back as if its classes and rules had not changed."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR).resolve()
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        folder = Path(config.path).resolve()
        if not folder.is_relative_to(base):
            continue
        for source in sorted(folder.rglob("*.py")):
            digest.update(str(source.relative_to(base)).encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def records_cache_key(name: str, *, day: Any, head: tuple[int, str], extra: Iterable[Any] = ()) -> str:
    """The key of ``name``'s value: the name, the day, the database (two databases on one Redis never share a
    value), the trail's head, the code and ``extra``, hashed into a short key."""
    database = connection.settings_dict
    parts = [name, str(day), str(database.get("HOST") or ""), str(database.get("PORT") or ""),
             str(database["NAME"]), str(head[0]), head[1], code_fingerprint(), *(repr(part) for part in extra)]
    return f"{name}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()}"


def _cache_failed(doing: str, error: Exception) -> None:
    global _unavailable, _retry_at
    _retry_at = time.monotonic() + RETRY_SECONDS
    if not _unavailable:
        log.warning("The records cache could not %s (%s: %s); figures are computed on each request until it "
                    "answers again.", doing, type(error).__name__, error)
    _unavailable = True


def _cache_answered() -> None:
    global _unavailable
    if _unavailable:
        log.warning("The records cache answers again.")
    _unavailable = False


@dataclass
class _Computing:
    """A value being computed on a miss: the head its key names, and the values computed inside it to keep with it."""

    head: tuple[int, str]
    inner: dict[str, Any] = field(default_factory=dict)


# The value this request (thread, task) is computing, if any: a value computed inside it shares its head.
_computing: ContextVar[_Computing | None] = ContextVar("records_computing", default=None)


def cached_on_records(name: str, compute: Callable[[], T], *, day: Any, extra: Iterable[Any] = ()) -> T:
    """``compute()``'s value as of the records' present state on ``day``: read from the cache when nothing changed
    since it was computed, computed (and kept) otherwise. One query for the head on a hit; on a miss, ``compute``'s
    queries and one more, for the head again: a value computed while another transaction committed changes is not
    kept under the head read before them.

    A value asked for while another is computed (readiness inside the dashboard's figures) is keyed on the head
    read for the outer one, no query of its own, and on a miss kept with the outer value after the outer's check."""
    if time.monotonic() < _retry_at:  # the cache failed a moment ago: don't wait on it again yet
        return compute()
    extra = tuple(extra)
    outer = _computing.get()
    head = outer.head if outer is not None else records_head()
    key = records_cache_key(name, day=day, head=head, extra=extra)
    store = caches[RECORDS_CACHE]
    try:
        found = store.get(key, _MISSING)
    except UNREACHABLE as error:
        _cache_failed("be read", error)
        return compute()
    _cache_answered()
    if found is not _MISSING:
        return found  # type: ignore[no-any-return]
    if outer is not None:
        value = compute()
        outer.inner[key] = value
        return value
    computing = _Computing(head)
    token = _computing.set(computing)
    try:
        value = compute()
    finally:
        _computing.reset(token)
    if records_head() == head:
        try:
            store.set_many({**computing.inner, key: value}, KEPT_SECONDS)
        except UNREACHABLE as error:
            _cache_failed("keep a value", error)
    return value


def records_cache_clear() -> None:
    """Forget every kept value (``make bench``'s cold figures). With Redis only the keys of the ``records`` cache's
    prefix are deleted: clearing the cache would empty the whole Redis database, Celery's queues with it."""
    store = caches[RECORDS_CACHE]
    options = settings.CACHES[RECORDS_CACHE]
    if "RedisCache" not in options["BACKEND"]:
        store.clear()
        return
    with redis.Redis.from_url(options["LOCATION"]) as client:
        for key in client.scan_iter(match=f"{options['KEY_PREFIX']}:*", count=1000):
            client.delete(key)
