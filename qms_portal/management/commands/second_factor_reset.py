"""Reset a person's second factor from the server, for when nobody else who manages people can sign in (the only
quality manager lost their phone and their recovery codes). The reset is kept on the audit trail with its reason,
attributed to the operator; the person sets up a new authenticator app at their next sign-in."""
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from qms_portal.mfa import has_second_factor, second_factor_reset_by_operator
from qms_portal.models import User


class Command(BaseCommand):
    help = "Remove a person's authenticator app and recovery codes, with a reason kept in the audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user name of the person whose second factor is reset.")
        parser.add_argument("--reason", required=True, help="Why: kept in the audit trail.")

    def handle(self, *args: Any, **options: Any) -> None:
        person = User.objects.filter(username=options["username"]).first()
        if person is None:
            raise CommandError(f"No account has the user name {options['username']!r}.")
        if not has_second_factor(person):
            raise CommandError(f"{person.get_full_name()} has no second factor to reset.")
        if not options["reason"].strip():
            raise CommandError("Say why (--reason): the reason is kept in the audit trail.")
        with transaction.atomic():
            second_factor_reset_by_operator(person=person, reason=options["reason"])
        self.stdout.write(
            f"{person.get_full_name()}'s second factor is reset and their sessions ended: they set up a new "
            "authenticator app at their next sign-in."
        )
