"""``manage.py readiness [--as-of DATE] [--json]``: Clause 5 readiness as a table, or as JSON."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadership.readiness import Verdict, readiness


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--as-of must be a date such as 2026-06-30, not “{value}”.") from error


class Command(BaseCommand):
    help = "Print Clause 5 readiness per requirement id: verdict, reason, records and the action that fixes it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_date, default=None, help="A past day (YYYY-MM-DD); today by default.")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = readiness(options["as_of"])
        if options["json"]:
            self.stdout.write(json.dumps({
                "as_of": found.as_of.isoformat(), "counts": found.counts(),
                "requirements": [result.as_json() for result in found.results],
            }, indent=2, ensure_ascii=False))
            return
        counts = found.counts()
        self.stdout.write(f"Clause 5 readiness as of {found.as_of.isoformat()}: {counts[Verdict.MET]} met, "
                          f"{counts[Verdict.AT_RISK]} at risk, {counts[Verdict.NOT_MET]} not met")
        for group in found.by_clause():
            self.stdout.write(f"\n{group.clause} {group.title}")
            for result in group.results:
                self.stdout.write(f"  {result.requirement:<8} {result.verdict.label:<8} {result.reason}")
