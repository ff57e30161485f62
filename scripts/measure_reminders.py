"""Measure the reminder sweep (issue 14) at the demo's size and in a large organisation: SQL statements, milliseconds
and reminders claimed, for the first sweep (which claims what is due and writes its e-mails) and for a second one
right after (which finds everything claimed: the sweep every 15 minutes, most of the time). The first sweep's
statements are also counted by kind: its reads (SELECT) do not grow with the people; its INSERTs do, by one per 500
rows (``CLAIM_BATCH``), and so does the transaction control of each kind that claims something.

usage::

    .venv/bin/python scripts/measure_reminders.py [--repeat 3] [--people 2000]      # SQLite, a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qms_measure_reminders .venv/bin/python scripts/measure_reminders.py

On PostgreSQL, name a database of its own (created empty beforehand): it is migrated, seeded with the demo if it has
nobody, measured, then grown into the large organisation (``scripts/large_org.py``, ``--people`` more people) and
measured again. A database grown already is measured at its size only. Each run deletes the notifications and
e-mails it made, so that every run claims the same reminders; the median of ``--repeat`` runs is kept (one run
before them warms the templates and is not counted). Nothing is sent: the e-mails stay in the outbox.

Prints one JSON line per figure (``{"name", "value", "unit"}``) and a table; ``measure()`` returns the figures for
``make bench``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
if not os.environ.get("DATABASE_URL"):
    # Never the portal's own SQLite file: a throw-away one, grown by 2,000 people.
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="qms-measure-reminders-")

Figure = dict[str, Any]


@dataclass
class Run:
    """One measured pair of sweeps."""

    first_queries: int
    first_selects: int
    first_inserts: int
    first_ms: float
    claimed: int
    emails: int
    second_queries: int
    second_ms: float
    second_claimed: int


def _sweep_pair() -> Run:
    """The first sweep and a second one; then the database is put back as it was (the rows they made deleted)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from qms_portal.models import Notification, OutboxEmail
    from qms_portal.notifications import reminders_sweep

    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_email = OutboxEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    reset_queries()  # the log keeps 9,000 statements: a full one would hide these
    with CaptureQueriesContext(connection) as first:
        start = time.perf_counter()
        made = reminders_sweep()
        first_ms = (time.perf_counter() - start) * 1000
    # Read now: the capture is a slice of the connection's log, which the next reset empties.
    first_sql = [query["sql"] for query in first.captured_queries]
    reset_queries()
    with CaptureQueriesContext(connection) as second:
        start = time.perf_counter()
        again = reminders_sweep()
        second_ms = (time.perf_counter() - start) * 1000
    second_queries = len(second)
    emails = OutboxEmail.objects.filter(pk__gt=last_email).count()
    OutboxEmail.objects.filter(pk__gt=last_email).delete()
    Notification.objects.filter(pk__gt=last_notification).delete()
    statements = [sql.lstrip().split(None, 1)[0].upper() for sql in first_sql]
    return Run(len(first_sql), statements.count("SELECT"), statements.count("INSERT"), first_ms, len(made), emails,
               second_queries, second_ms, len(again))


def measure_size(label: str, repeat: int) -> list[Figure]:
    """The figures of the database as it is, named ``reminder_sweep.<label>.*``."""
    from qms_portal.models import User

    _sweep_pair()  # warms the templates and the organisation's cached rows; not counted
    runs = [_sweep_pair() for _ in range(repeat)]
    last = runs[-1]
    if any((run.first_queries, run.claimed, run.second_queries) != (last.first_queries, last.claimed,
                                                                     last.second_queries) for run in runs):
        print(f"note: the runs at {label} size differ in statements or claims: {runs}", file=sys.stderr)
    figures = [
        ("people", User.objects.filter(is_active=True).count(), "people"),
        ("first_queries", last.first_queries, "queries"),
        ("first_selects", last.first_selects, "queries"),
        ("first_inserts", last.first_inserts, "queries"),
        ("first_ms", round(statistics.median(run.first_ms for run in runs), 1), "ms"),
        ("first_claimed", last.claimed, "reminders"),
        ("first_emails", last.emails, "e-mails"),
        ("second_queries", last.second_queries, "queries"),
        ("second_ms", round(statistics.median(run.second_ms for run in runs), 1), "ms"),
        ("second_claimed", last.second_claimed, "reminders"),
    ]
    return [{"name": f"reminder_sweep.{label}.{name}", "value": value, "unit": unit} for name, value, unit in figures]


def measure(*, repeat: int = 3, people: int | None = None) -> list[Figure]:
    """Seed the demo when the database has nobody, measure it, grow it into the large organisation and measure
    again; returns the figures (a database grown already is measured at its size only)."""
    from django.core.management import call_command
    from large_org import PEOPLE, large_org_build

    from qms_portal import notifications
    from qms_portal.models import User

    # The sweep hands the outbox to a worker once it commits (in-process without Redis): not here, nothing is sent.
    notifications.outbox_send_soon = lambda: None
    call_command("migrate", verbosity=0)
    if not User.objects.exists():
        call_command("seed_demo", verbosity=0)
    figures: list[Figure] = []
    if User.objects.filter(username="large0000").exists():
        print("The database holds the large organisation already: the demo size is not measured.", file=sys.stderr)
    else:
        figures += measure_size("demo", repeat)
        print(large_org_build(people or PEOPLE), file=sys.stderr)
    return figures + measure_size("large", repeat)


def table(figures: list[Figure]) -> str:
    values = {figure["name"]: figure["value"] for figure in figures}
    lines = [f"{'size':<6} {'people':>6} | {'first sweep: queries (SELECT, INSERT)':>38} {'ms':>8} {'claimed':>8} "
             f"{'e-mails':>8} | {'second: queries':>15} {'ms':>7} {'claimed':>7}"]
    for label in ("demo", "large"):
        if f"reminder_sweep.{label}.people" not in values:
            continue
        prefix = f"reminder_sweep.{label}."
        v = {name.removeprefix(prefix): value for name, value in values.items() if name.startswith(prefix)}
        first = f"{v['first_queries']} ({v['first_selects']}, {v['first_inserts']})"
        lines.append(f"{label:<6} {v['people']:>6} | {first:>38} {v['first_ms']:>8} "
                     f"{v['first_claimed']:>8} {v['first_emails']:>8} | {v['second_queries']:>15} {v['second_ms']:>7} "
                     f"{v['second_claimed']:>7}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="Measured runs per size; the median time is kept.")
    parser.add_argument("--people", type=int, default=None, help="People the large organisation adds (2,000).")
    options = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}", file=sys.stderr)
    figures = measure(repeat=max(options.repeat, 1), people=options.people)
    for figure in figures:
        print(json.dumps(figure))
    print(table(figures))


if __name__ == "__main__":
    main()
