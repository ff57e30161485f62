"""One reminder sweep by hand: claim what is due now and send the outbox, printing each reminder; ``--dry-run``
prints what would be made and writes nothing."""
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qms_portal.notifications import outbox_send, reminders_sweep


class Command(BaseCommand):
    help = "Run one reminder sweep (and send the outbox); --dry-run shows what it would send and writes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        made = reminders_sweep(dry_run=dry_run)
        for one in made:
            self.stdout.write(f"{'would send' if dry_run else 'sent'}: {one}")
        if dry_run:
            self.stdout.write(f"{len(made)} reminder(s) due; nothing written (dry run).")
            return
        result = outbox_send()
        self.stdout.write(self.style.SUCCESS(
            f"{len(made)} reminder(s) made; e-mails: {result.sent} sent, {result.failed} failed, "
            f"{result.retried} to try again."
        ))
