"""How a page is timed in-process, for ``make measure`` (scripts/measure.py) and ``make bench`` (scripts/bench.py):
Django's test client against the configured database, one request counted for its SQL queries, then the median
of ``repeat`` more. Import it after ``django.setup()`` and ``setup_test_environment()`` (the client's host).
"""
from __future__ import annotations

import statistics
import time

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext


def signed_in_client(username: str) -> Client:
    """A test client with a session of ``username`` (signed in as the log-in page would, second factor aside)."""
    from qms_portal.models import User

    client = Client()
    client.force_login(User.objects.get(username=username), backend="qms_portal.auth.PortalBackend")
    return client


def page_queries(client: Client, url: str) -> int:
    """The SQL queries of one request of ``url``; it also warms the page up (templates compiled, the session read
    once). A page answering other than 200 stops the measurement."""
    reset_queries()  # the log holds at most 9,000 queries; a full log would hide this request's
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return len(queries)


def page_times(client: Client, url: str, repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` requests of ``url``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return times


def page_measure(client: Client, url: str, repeat: int) -> tuple[int, float]:
    """(queries of one request, median milliseconds over ``repeat`` requests)."""
    queries = page_queries(client, url)
    return queries, statistics.median(page_times(client, url, repeat))
