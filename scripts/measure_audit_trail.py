"""Measure the audit trail at demo size and at a few hundred thousand entries (issue 15).

usage: [DATABASE_URL=postgres://user@host/an_empty_database] .venv/bin/python scripts/measure_audit_trail.py
       [--entries 300000] [--repeat 5]

Without DATABASE_URL it builds a throw-away SQLite database in a temporary folder; with it, the database must be
empty (a fresh one: nothing is dropped). It seeds the demo organisation, measures, then grows the trail to
``--entries`` entries and measures again:

- the trail page: newest page, a deep page, each filter (date range, person, kind of record, all three): SQL
  queries of one request and median server time (Django test client, after a warm-up request);
- the CSV export of the whole trail: time to the first entry's row, total time, peak RSS while streaming;
- ``manage.py verify_audit_trail``: entries per second and peak RSS.

Peak RSS is the process's high-water mark (VmHWM), reset just before each step (Linux, /proc/self/clear_refs).

The grown trail is a measuring fixture, not a product path: entries made here, hashed exactly as recording does
(``AuditEntry.compute_hash`` over the previous entry's hash) so that the chain verifies, and written with a plain
``bulk_create`` in batches, past the trail's refusal of bulk writes; synthetic people are written the same way.
Prints a table, then one JSON line per figure (name, value, unit).
"""
import argparse
import contextlib
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="qms-measure-trail-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from qms_portal.audit import AuditEntry, audited_record_types  # noqa: E402
from qms_portal.models import User  # noqa: E402

FIXTURE_PEOPLE = 2000  # people (besides the demo's) the grown trail's entries are spread over
LABEL_SHARE = 0.05  # share of grown entries written by a command or task (no account), as seeds and sweeps do
BATCH = 5000
TRAIL = "/audit/"
FIGURES: list[dict[str, Any]] = []


def figure(name: str, value: float, unit: str) -> None:
    FIGURES.append({"name": name, "value": round(value, 2) if isinstance(value, float) else value, "unit": unit})


# --- Memory ----------------------------------------------------------------------------------------


def reset_peak_rss() -> None:
    """Reset the process's RSS high-water mark (Linux: writing 5 to clear_refs), so VmHWM is this step's peak."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- The grown trail (fixture) ---------------------------------------------------------------------


def add_people(count: int) -> list[User]:
    """``count`` people, written past the audit (a fixture: their creation is not what is measured)."""
    password = make_password(None)
    start = User.objects.count()
    people = [
        User(username=f"trail{start + n}", full_name=f"Trail Person {start + n:05d}", password=password)
        for n in range(count)
    ]
    models.QuerySet(User).bulk_create(people, batch_size=BATCH)
    return list(User.objects.filter(username__startswith="trail").order_by("id"))


def grow_trail(total: int) -> None:
    """Append entries until the trail holds ``total``, chained and hashed as recording does, three years long."""
    have = AuditEntry.objects.count()
    if have >= total:
        return
    people = [*User.objects.filter(username__in=["director", "quality", "owner", "auditor"]), *add_people(
        FIXTURE_PEOPLE
    )]
    kinds = [label for label, _ in audited_record_types()]
    weights = [1 + (n * 7) % 13 for n in range(len(kinds))]  # some kinds far more common than others
    labels = ["seed_demo", "nightly reminders", "raci import"]
    rng = random.Random(15)  # noqa: S311 (a fixture, not a secret)
    count = total - have
    end = timezone.now()
    start = end - dt.timedelta(days=3 * 365)
    step = (end - start) / count
    prev = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    assert prev is not None, "the demo trail is empty"  # noqa: S101
    batch: list[AuditEntry] = []
    began = time.perf_counter()
    for n in range(count):
        if rng.random() < LABEL_SHARE:
            actor_id, actor_name, actor_username = None, rng.choice(labels), ""
        else:
            person = rng.choice(people)
            actor_id, actor_name, actor_username = person.pk, person.full_name, person.username
        action = rng.choice(["create", "update", "update", "update", "delete", "step"])
        entry = AuditEntry(
            created_at=start + step * n,
            actor_id=actor_id,
            actor_name=actor_name,
            actor_username=actor_username,
            record_type=rng.choices(kinds, weights)[0],
            object_id=str(rng.randint(1, 5000)),
            object_repr=f"Grown record {n}",
            action=action,
            step="approved" if action == "step" else "",
            changes={"name": [f"Name {n - 1}", f"Name {n}"], "status": ["draft", "published"]},
            reason=rng.choice(["", "", "Annual review", "Corrected a typo"]),
            prev_hash=prev,
        )
        entry.hash = prev = entry.compute_hash()
        batch.append(entry)
        if len(batch) == BATCH:
            models.QuerySet(AuditEntry).bulk_create(batch)  # the fixture writes past the trail's refusal
            batch = []
    if batch:
        models.QuerySet(AuditEntry).bulk_create(batch)
    seconds = time.perf_counter() - began
    print(f"grew the trail by {count:,} entries in {seconds:.0f} s", file=sys.stderr)
    if connection.vendor == "postgresql":  # what autovacuum would have done by then: statistics, visibility map
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE qms_portal_auditentry")
            cursor.execute("ANALYZE qms_portal_user")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- Measuring -------------------------------------------------------------------------------------


def timed_get(client: Client, url: str, repeat: int) -> tuple[int, float, float, int]:
    """(queries of one request, median server milliseconds and median milliseconds spent in SQL over ``repeat``
    requests, entries listed). The SQL share tells the trail's length from the entries' content: the demo's
    entries name more related records than the grown ones, so their pages render longer whatever the SQL."""
    client.get(url)  # warm-up
    times = []
    sql = []
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        sql.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
    listed = len(response.context["page"].object_list)
    return len(queries), statistics.median(times), statistics.median(sql), listed


def trail_urls() -> dict[str, str]:
    """The trail's pages to measure, chosen from the data: a month in the middle of the trail, the person who wrote
    the most entries among the demo's people, a kind of record of middling frequency."""
    ids = AuditEntry.objects.order_by("id").values_list("id", flat=True)
    count = ids.count()
    middle = ids[count // 2]
    when = timezone.localtime(AuditEntry.objects.get(pk=middle).created_at).date()
    month = {"date_from": when.replace(day=1).isoformat(), "date_to": (when.replace(day=28)).isoformat()}
    person = User.objects.get(username="quality").full_name
    kinds = (
        AuditEntry.objects.values("record_type").annotate(n=models.Count("id")).order_by("-n")
        .values_list("record_type", flat=True)
    )
    kind = list(kinds)[len(kinds) // 3]
    # "page" for the numbered pages (before), "before" for the keyset pages (after): each ignores the other.
    deep = f"page={max(1, count // 2 // 50)}&before={middle}"
    combined = {**month, "record_type": kind, "actor": person}
    return {
        "newest page": TRAIL,
        "deep page": f"{TRAIL}?{deep}",
        "filter: date range": f"{TRAIL}?date_from={month['date_from']}&date_to={month['date_to']}",
        "filter: person": f"{TRAIL}?{urlencode({'actor': person})}",
        "filter: kind of record": f"{TRAIL}?record_type={kind}",
        "filter: all three": f"{TRAIL}?{urlencode(combined)}",
    }


def measure_pages(client: Client, scale: str, repeat: int, rows: list[tuple[Any, ...]]) -> None:
    for name, url in trail_urls().items():
        queries, ms, sql_ms, listed = timed_get(client, url, repeat)
        rows.append((scale, name, queries, ms, sql_ms, listed))
        key = name.replace("filter: ", "filter ").replace(" ", "_")
        figure(f"audit_trail.page.{key}.{scale}.queries", queries, "queries")
        figure(f"audit_trail.page.{key}.{scale}.ms", ms, "ms")
        figure(f"audit_trail.page.{key}.{scale}.sql_ms", sql_ms, "ms")


def measure_csv(client: Client, scale: str, rows: list[tuple[Any, ...]]) -> None:
    base = rss_mb()
    reset_peak_rss()
    began = time.perf_counter()
    response = client.get(f"{TRAIL}export.csv")
    first = None
    lines = 0
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
        if first is None and lines >= 2:  # the header, then the first entry's row
            first = (time.perf_counter() - began) * 1000
    total = time.perf_counter() - began
    peak = peak_rss_mb()
    rows.append((scale, "CSV export", lines - 1, first, total, peak - base))
    figure(f"audit_trail.csv.{scale}.first_row_ms", first or 0.0, "ms")
    figure(f"audit_trail.csv.{scale}.total_s", total, "s")
    figure(f"audit_trail.csv.{scale}.rows_per_s", (lines - 1) / total, "rows/s")
    figure(f"audit_trail.csv.{scale}.peak_rss_growth_mb", peak - base, "MB")
    figure(f"audit_trail.csv.{scale}.mb", size / 1e6, "MB")


def measure_verify(scale: str, rows: list[tuple[Any, ...]]) -> None:
    entries = AuditEntry.objects.count()
    base = rss_mb()
    reset_peak_rss()
    began = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("verify_audit_trail", stdout=quiet, stderr=quiet)
    seconds = time.perf_counter() - began
    peak = peak_rss_mb()
    rows.append((scale, "verify_audit_trail", entries, None, seconds, peak - base))
    figure(f"audit_trail.verify.{scale}.entries_per_s", entries / seconds, "entries/s")
    figure(f"audit_trail.verify.{scale}.s", seconds, "s")
    figure(f"audit_trail.verify.{scale}.peak_rss_growth_mb", peak - base, "MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    setup_test_environment()  # the test client's response.context
    call_command("migrate", verbosity=0)
    if User.objects.exists():
        raise SystemExit("The database is not empty: give this script a fresh one (it drops nothing).")
    call_command("seed_demo", verbosity=0)
    client = Client()
    client.force_login(User.objects.get(username="auditor"), backend="qms_portal.auth.PortalBackend")

    pages: list[tuple[Any, ...]] = []
    streams: list[tuple[Any, ...]] = []
    demo = "demo"
    measure_pages(client, demo, options.repeat, pages)
    measure_csv(client, demo, streams)
    measure_verify(demo, streams)
    grow_trail(options.entries)
    scale = str(AuditEntry.objects.count())
    measure_pages(client, scale, options.repeat, pages)
    measure_csv(client, scale, streams)
    measure_verify(scale, streams)

    print(f"database: {connection.vendor}")
    print(f"{'entries':<8} {'trail page':<24} {'queries':>8} {'median ms':>10} {'of it SQL':>10} {'listed':>7}")
    for row_scale, name, queries, ms, sql_ms, listed in pages:
        print(f"{row_scale:<8} {name:<24} {queries:>8} {ms:>10.1f} {sql_ms:>10.1f} {listed:>7}")
    print()
    print(f"{'entries':<8} {'stream':<20} {'rows':>8} {'first row ms':>13} {'total s':>8} {'peak RSS +MB':>13}")
    for row_scale, name, count, first, total, peak in streams:
        first_text = "" if first is None else f"{first:.0f}"
        print(f"{row_scale:<8} {name:<20} {count:>8} {first_text:>13} {total:>8.1f} {peak:>13.1f}")
    print()
    for line in FIGURES:
        print(json.dumps(line))


if __name__ == "__main__":
    main()
