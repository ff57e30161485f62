"""``manage.py evidence_pack --from DATE --to DATE [--scope 5.2] --output pack.pdf``: make an evidence pack in this
process, as the workers would, store it (so the verify page knows it) and write a copy to ``--output``.

``--weasyprint-alone FILE`` also draws the same pack's HTML as one WeasyPrint document into FILE and prints both
times, for the benchmark (parts drawn one after the other here; the workers draw them side by side).
"""
from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadership.evidence_pack.building import (
    PackRefused,
    pack_build_here,
    pack_heading,
    pack_one_document_html,
    pack_start,
)
from leadership.evidence_pack.period import SCOPE_CHOICES, PackPeriod
from qms_portal.pdf import render_pdf


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Dates are written as 2026-06-30, not “{value}”.") from error


class Command(BaseCommand):
    help = "Make an evidence pack for a period (in this process), store it, and write it to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", type=_date, required=True, help="First day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="end", type=_date, required=True, help="Last day (YYYY-MM-DD).")
        parser.add_argument("--scope", choices=[key for key, _ in SCOPE_CHOICES], default="5",
                            help="5 (all of Clause 5, the default), 5.1, 5.2, 5.3 or 9.3.")
        parser.add_argument("--output", type=Path, required=True, help="Where to write the PDF.")
        parser.add_argument("--weasyprint-alone", type=Path, default=None,
                            help="Also draw the same HTML as one WeasyPrint document here, and print both times.")

    def handle(self, *args: Any, **options: Any) -> None:
        period = PackPeriod.of(options["start"], options["end"])
        try:
            pack = pack_start(period=period, scope=options["scope"], by=None, send=False)
        except PackRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        began = time.monotonic()
        pack = pack_build_here(pack=pack, progress=lambda note: self.stderr.write(f"  {note}"))
        took = time.monotonic() - began
        shutil.copyfile(Path(settings.MEDIA_ROOT) / pack.file, options["output"])
        self.stdout.write(
            f"{pack.number}: {pack.pages} pages, {pack.size_bytes / 1e6:.1f} MB in {took:.1f} s, "
            f"written to {options['output']}\nSHA-256 {pack.sha256}"
        )
        if options["weasyprint_alone"]:
            html = pack_one_document_html(pack_heading(pack), pack)
            began = time.monotonic()
            options["weasyprint_alone"].write_bytes(render_pdf(html))
            self.stdout.write(f"WeasyPrint alone, the same HTML as one document: {time.monotonic() - began:.1f} s")
