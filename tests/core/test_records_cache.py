"""Figures kept until a record changes (``qms_portal.records_cache``): computed once for a state of the records and
a day, computed afresh after any change, on a new day or on another database, and computed on each request when
the cache cannot be reached, without an error."""
from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qms_portal import records_cache
from qms_portal.records_cache import RECORDS_CACHE, cached_on_records, records_cache_clear, records_head
from tests.core.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def name() -> str:
    """A name no other test's value has: with an empty trail two tests share the head (and in Redis, the cache)."""
    return f"test.units.{uuid.uuid4().hex}"


class Counting:
    """A computation that says how often it ran, and returns the org units' names as it finds them."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> list[str]:
        from qms_portal.models import OrgUnit

        self.runs += 1
        return sorted(OrgUnit.objects.values_list("name", flat=True))


def test_a_value_is_computed_once_while_no_record_changes(name):
    OrgUnitFactory(name="Assembly")
    compute = Counting()
    first = cached_on_records(name, compute, day=DAY)
    second = cached_on_records(name, compute, day=DAY)
    assert first == second == ["Assembly"]
    assert compute.runs == 1


def test_any_change_to_a_record_moves_the_head_and_the_value_is_computed_again(name):
    OrgUnitFactory(name="Assembly")
    compute = Counting()
    assert cached_on_records(name, compute, day=DAY) == ["Assembly"]
    head = records_head()
    unit = OrgUnitFactory(name="Welding")
    assert records_head() != head
    assert cached_on_records(name, compute, day=DAY) == ["Assembly", "Welding"]
    unit.name = "Welding and cutting"
    unit.save()
    assert cached_on_records(name, compute, day=DAY) == ["Assembly", "Welding and cutting"]
    assert compute.runs == 3


def test_a_new_day_and_a_different_extra_compute_again(name):
    compute = Counting()
    cached_on_records(name, compute, day=DAY)
    cached_on_records(name, compute, day=DAY + dt.timedelta(days=1))
    cached_on_records(name, compute, day=DAY, extra=[3])
    cached_on_records(name, compute, day=DAY, extra=[3])
    assert compute.runs == 3


def test_two_databases_never_share_a_value(name, monkeypatch):
    compute = Counting()
    cached_on_records(name, compute, day=DAY)
    # Another database of the same name on another server, then another name: each its own value.
    monkeypatch.setitem(connection.settings_dict, "HOST", "elsewhere.example")
    cached_on_records(name, compute, day=DAY)
    monkeypatch.setitem(connection.settings_dict, "NAME", f"{connection.settings_dict['NAME']}_other")
    cached_on_records(name, compute, day=DAY)
    assert compute.runs == 3


def test_a_value_computed_while_a_record_changed_is_not_kept(name):
    runs = []

    def compute_while_someone_writes() -> int:
        runs.append(1)
        if len(runs) == 1:
            OrgUnitFactory(name="Written meanwhile")  # as another request's commit would land mid-computation
        return len(runs)

    assert cached_on_records(name, compute_while_someone_writes, day=DAY) == 1
    # The head moved: the value was not kept under the head read before the write, and nothing is kept for the new one.
    assert cached_on_records(name, compute_while_someone_writes, day=DAY) == 2
    assert cached_on_records(name, compute_while_someone_writes, day=DAY) == 2


def test_a_value_computed_inside_another_shares_its_head_and_is_kept_with_it(name):
    OrgUnitFactory(name="Assembly")
    inner, outer_runs = Counting(), []

    def outer() -> list[str]:
        outer_runs.append(1)
        return [*cached_on_records(f"{name}.inner", inner, day=DAY), "and more"]

    with CaptureQueriesContext(connection) as queries:
        assert cached_on_records(name, outer, day=DAY) == ["Assembly", "and more"]
    heads = [q for q in queries if "qms_portal_auditentry" in q["sql"]]
    assert len(heads) == 2  # the outer value's head, before and after: the inner one reads none of its own
    # Both were kept: asked for on its own (the readiness page after the dashboard), the inner value is read back.
    assert cached_on_records(f"{name}.inner", inner, day=DAY) == ["Assembly"]
    assert cached_on_records(name, outer, day=DAY) == ["Assembly", "and more"]
    assert inner.runs == 1 and len(outer_runs) == 1


def test_a_value_computed_inside_another_while_a_record_changed_is_not_kept_either(name):
    inner = Counting()

    def outer_while_someone_writes() -> list[str]:
        found = cached_on_records(f"{name}.inner", inner, day=DAY)
        if inner.runs == 1:
            OrgUnitFactory(name="Written meanwhile")
        return found

    assert cached_on_records(name, outer_while_someone_writes, day=DAY) == []
    # Kept under neither head: asked for again, the inner value is computed afresh and shows the new unit.
    assert cached_on_records(f"{name}.inner", inner, day=DAY) == ["Written meanwhile"]
    assert inner.runs == 2


def test_a_value_that_cannot_be_pickled_is_an_error_not_a_silent_miss(name):
    with pytest.raises(Exception, match="pickle"):
        cached_on_records(name, lambda: (lambda: 1), day=DAY)


@pytest.fixture
def redis_down(settings):
    """The records cache on a Redis server that is not there (nothing listens on port 1)."""
    settings.CACHES = {**settings.CACHES, RECORDS_CACHE: {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
        "KEY_PREFIX": "qms-records", "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}


def test_with_redis_down_values_are_computed_each_time_and_the_failure_is_logged_once(
    name, redis_down, caplog, monkeypatch, settings
):
    monkeypatch.setattr(records_cache, "_unavailable", False)  # as a process that has not failed yet
    monkeypatch.setattr(records_cache, "_retry_at", 0.0)
    compute = Counting()
    OrgUnitFactory(name="Assembly")
    with caplog.at_level(logging.WARNING, logger="qms_portal.records_cache"):
        results = [cached_on_records(name, compute, day=DAY) for _ in range(3)]
        assert results == [["Assembly"]] * 3 and compute.runs == 3
        warnings = [r for r in caplog.records if r.name == "qms_portal.records_cache"]
        assert len(warnings) == 1 and "could not be read" in warnings[0].getMessage()

        # Back a moment later: for RETRY_SECONDS after a failure the cache is not asked (each try could wait out its
        # timeout), so nothing is kept yet; once they have passed, values are kept again and that is logged.
        settings.CACHES = {**settings.CACHES, RECORDS_CACHE: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"back-{name}"}}
        cached_on_records(name, compute, day=DAY)
        cached_on_records(name, compute, day=DAY)
        assert compute.runs == 5
        monkeypatch.setattr(records_cache, "_retry_at", 0.0)  # RETRY_SECONDS later
        cached_on_records(name, compute, day=DAY)
        cached_on_records(name, compute, day=DAY)
        assert compute.runs == 6
        assert "answers again" in caplog.records[-1].getMessage()


@pytest.mark.skipif(not settings.REDIS_URL, reason="the records cache is in memory without REDIS_URL")
def test_clearing_the_records_cache_in_redis_deletes_only_its_own_keys(name, settings):
    prefix = f"qms-records-test-{uuid.uuid4().hex}"  # not the shared prefix: other tests' values stay
    settings.CACHES = {**settings.CACHES, RECORDS_CACHE: {**settings.CACHES[RECORDS_CACHE], "KEY_PREFIX": prefix}}
    compute = Counting()
    cached_on_records(name, compute, day=DAY)
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        client.set(f"{prefix}-not-ours", "kept", ex=60)
        assert list(client.scan_iter(match=f"{prefix}:*"))
        records_cache_clear()
        assert not list(client.scan_iter(match=f"{prefix}:*"))
        assert client.get(f"{prefix}-not-ours") == b"kept"
        client.delete(f"{prefix}-not-ours")
    cached_on_records(name, compute, day=DAY)
    assert compute.runs == 2
