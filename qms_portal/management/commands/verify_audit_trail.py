"""Walk the audit trail's keyed hash chain and compare it with its anchors; exit non-zero naming the first problem.

Each intact run records the head it saw as an anchor (``AuditAnchor``), as the nightly verification does; later runs
find entries cut from the end, or a chain rewritten, against every anchor. ``--anchors FILE`` also compares the
trail with an exported copy of the anchors kept elsewhere (the audit trail page offers it for download).

It reads the trail a chunk at a time by id range (memory stays bounded however long the trail), prints its progress
every 50,000 entries and, at the end, how many entries it verified per second.
"""
import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qms_portal.audit import AnchorsFileRefused, audit_anchor_record, audit_anchors_from_export, audit_verify

PROGRESS_EVERY = 50_000  # entries between two progress lines


class Command(BaseCommand):
    help = "Check that no audit entry was edited or removed since it was written, and record the head as an anchor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchors", type=Path, help="An exported anchors file (JSON) to compare the trail with as well."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        extra = []
        if options["anchors"] is not None:
            try:
                extra = audit_anchors_from_export(json.loads(options["anchors"].read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                reason = exc if isinstance(exc, AnchorsFileRefused) else f"it cannot be read ({exc})"
                raise CommandError(f"The anchors file {options['anchors']} cannot be used: {reason}.") from exc
        began = time.monotonic()
        shown = 0

        def progress(done: int, total: int) -> None:
            nonlocal shown
            if done - shown >= PROGRESS_EVERY or (done == total and shown and done != shown):
                shown = done
                rate = done / max(time.monotonic() - began, 1e-6)
                self.stdout.write(f"Verified {done:,} of {total:,} entries ({rate:,.0f} entries per second)…")

        result = audit_verify(extra_anchors=extra, progress=progress)
        seconds = max(time.monotonic() - began, 1e-6)
        if not result.ok:
            raise CommandError(f"Audit trail broken at entry #{result.bad_entry_id}: {result.problem}.")
        anchor = audit_anchor_record(result=result, source="manage.py verify_audit_trail")
        assert anchor is not None  # noqa: S101 (an intact result is always anchored)
        self.stdout.write(self.style.SUCCESS(
            f"Audit trail intact: {result.checked} entries verified. {result.checked / seconds:,.0f} entries per "
            f"second ({seconds:.1f} s). Compared with {result.anchors_compared} "
            f"anchor(s); head anchored: entry #{anchor.last_entry_id}, hash {anchor.head_hash}."
        ))
