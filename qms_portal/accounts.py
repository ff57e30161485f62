"""Business functions for people: creating accounts, changing roles, deactivating, ending sessions."""
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import transaction

from qms_portal.audit import audit_context
from qms_portal.models import LoginSession, User


def sessions_end(*, user: User) -> int:
    """Sign ``user`` out everywhere by deleting every session they opened; returns how many ended."""
    keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    LoginSession.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def person_save(*, person: User, roles: Iterable[Group] | None = None, by: Any = None, reason: str = "") -> User:
    """Save a new or changed person and, when given, their portal roles; ends their sessions if deactivated."""
    with audit_context(actor=by, reason=reason):
        if person.pk is None:
            person.set_unusable_password()
        was_active = User.objects.filter(pk=person.pk).values_list("is_active", flat=True).first()
        person.save()
        if roles is not None:
            person.groups.set(roles)
    if was_active and not person.is_active:
        sessions_end(user=person)
    return person
