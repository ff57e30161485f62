"""Walk the audit trail's hash chain; exit non-zero naming the first bad entry.

It also checks that the head seen by the last verification job (run from the audit trail page or
nightly by beat) is still there unchanged, which catches entries cut from the end of the trail.
"""
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qms_portal.audit import audit_last_verified_head, audit_verify


class Command(BaseCommand):
    help = "Check that no audit entry was edited or removed since it was written."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify(known_head=audit_last_verified_head())
        if not result.ok:
            raise CommandError(f"Audit trail broken at entry #{result.bad_entry_id}: {result.problem}.")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {result.checked} entries verified."))
