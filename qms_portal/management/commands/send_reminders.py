"""One reminder sweep by hand: claim what is due now and send the outbox, printing each reminder; ``--dry-run``
prints what would be made and writes nothing; ``--digest`` also sends the digests waiting, whatever the hour (one
a day per person still holds)."""
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qms_portal.notifications import digest_send, reminders_sweep
from qms_portal.outbox import outbox_send


class Command(BaseCommand):
    help = "Run one reminder sweep (and send the outbox); --dry-run shows what it would send and writes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; write nothing.")
        parser.add_argument("--digest", action="store_true",
                            help="Also send the daily digests waiting now, without waiting for 07:00.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        made = reminders_sweep(dry_run=dry_run)
        for one in made:
            self.stdout.write(f"{'would send' if dry_run else 'sent'}: {one}")
        if dry_run:
            self.stdout.write(f"{len(made)} reminder(s) due; nothing written (dry run).")
            return
        digests = digest_send() if options["digest"] else 0
        result = outbox_send()
        self.stdout.write(self.style.SUCCESS(
            f"{len(made)} reminder(s) made{f', {digests} digest(s)' if options['digest'] else ''}; e-mails: "
            f"{result.sent} sent, {result.failed} failed, {result.retried} to try again."
        ))
