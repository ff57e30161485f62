"""Business functions for people: creating accounts, changing roles, deactivating, ending sessions."""
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from qms_portal.access import Capability, PortalRole, user_can
from qms_portal.audit import AuditEntry, audit_context
from qms_portal.models import LoginSession, User
from qms_portal.refusals import StepRefused

# The roles that approve and sign (top management) or grant roles (quality manager): each grant is kept with
# who made it and why, and shown on the people list.
PRIVILEGED_ROLES = (PortalRole.TOP_MANAGEMENT, PortalRole.QUALITY_MANAGER)


def people_visible_to(viewer: User) -> QuerySet[User]:
    """The people ``viewer`` may see and, with the capability, change.

    Administrator (superuser) accounts are visible only to administrators, so that a quality manager
    cannot take one over; deactivated people only to those who manage people.
    """
    people = User.objects.all()
    if not viewer.is_superuser:
        people = people.filter(is_superuser=False)
    if not user_can(viewer, Capability.MANAGE_PEOPLE):
        people = people.filter(is_active=True)
    return people


def people_who_can(capability: str) -> QuerySet[User]:
    """The people who hold ``capability`` now (through a portal role or directly): active, access not expired,
    by name; administrators only where they hold it like anyone else."""
    people = User.objects.with_perm(str(capability), include_superusers=False, backend="qms_portal.auth.PortalBackend")
    return people.filter(is_active=True).exclude(access_expires_on__lt=timezone.localdate()).order_by(
        "full_name", "username"
    )


def sessions_end(*, user: User) -> int:
    """Sign ``user`` out everywhere by deleting every session they opened; returns how many ended."""
    keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    LoginSession.objects.filter(user=user).delete()
    return len(keys)


def sessions_clear_expired() -> None:
    """Delete expired sessions, and the records linking people to sessions that no longer exist."""
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    LoginSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()


@transaction.atomic
def person_save(
    *, person: User, roles: Iterable[Group] | None = None, by: User | None = None, reason: str = ""
) -> User:
    """Save a new or changed person and, when given, their portal roles; ends their sessions if deactivated.

    Only portal-role groups are changed: any other group the person belongs to stays. Nobody changes their own
    portal roles (``StepRefused``), and giving Top management or Quality manager needs ``reason``.
    """
    if roles is not None:
        roles = list(roles)
        held_names: set[str] = set() if person.pk is None else set(
            Group.objects.filter(user=person.pk, name__in=PortalRole.values).values_list("name", flat=True)
        )
        wanted_names = {group.name for group in roles}
        if by is not None and person.pk is not None and person.pk == by.pk and wanted_names != held_names:
            raise StepRefused(
                OWN_ROLES_REFUSED + " Ask another quality manager to change them.",
                back_url=reverse("person_detail", args=[person.pk]),
                back_label="Back to your details",
                record="your portal roles",
            )
        granted = roles_granted(held=held_names, wanted=wanted_names)
        if granted and not reason.strip():
            raise ValidationError({"reason": grant_reason_missing(granted)})
    with audit_context(actor=by, reason=reason):
        if person.pk is None:
            person.set_unusable_password()
        was_active = User.objects.filter(pk=person.pk).values_list("is_active", flat=True).first()
        person.save()
        if roles is not None:
            wanted = set(roles)
            held = set(person.groups.filter(name__in=PortalRole.values))
            if held - wanted:
                person.groups.remove(*(held - wanted))
            if wanted - held:
                person.groups.add(*(wanted - held))
    if was_active and not person.is_active:
        sessions_end(user=person)
    return person


OWN_ROLES_REFUSED = (
    "You cannot change your own portal roles: another quality manager changes them, so that nobody grants "
    "themselves what they approve or sign."
)


def roles_granted(*, held: set[str], wanted: set[str]) -> list[str]:
    """The roles of ``PRIVILEGED_ROLES`` in ``wanted`` and not in ``held``: the grants that need a reason."""
    return [role for role in PRIVILEGED_ROLES if role in wanted - held]


def grant_reason_missing(granted: list[str]) -> str:
    return f"Say why this person is given {' and '.join(granted)}: the grant is kept in the audit trail with why."


@dataclass(frozen=True)
class RoleGrant:
    """Who gave a person one of ``PRIVILEGED_ROLES``, when and why, as the audit trail recorded it."""

    role: str
    by: str
    on: dt.datetime
    reason: str


def role_grants(people: Sequence[User]) -> dict[int, list[RoleGrant]]:
    """For each of ``people`` (by id), the latest grant of each privileged role they hold, read from the audit
    trail's changes of portal roles, oldest role first; in one query whatever the number of people.

    A role held since before the trail began (created with the database) has no grant to show.
    """
    entries = (
        AuditEntry.objects.filter(
            record_type=User._meta.label_lower,
            object_id__in=[str(person.pk) for person in people],
            changes__has_key="groups",
        )
        .order_by("id")
        .values_list("object_id", "changes", "actor_name", "created_at", "reason")
    )
    latest: dict[tuple[int, str], RoleGrant] = {}
    for object_id, changes, actor_name, created_at, reason in entries:
        before, after = (set(side or []) for side in changes["groups"])
        for role in PRIVILEGED_ROLES:
            if role in after - before:
                latest[int(object_id), role] = RoleGrant(role, actor_name or "the system", created_at, reason)
            elif role in before - after:
                latest.pop((int(object_id), role), None)
    return {
        person.pk: [latest[person.pk, role] for role in PRIVILEGED_ROLES if (person.pk, role) in latest]
        for person in people
    }


def person_invite_send(*, person: User, portal_url: str) -> None:
    """Email ``person`` a link to set their password, once the current transaction commits."""
    from qms_portal.tasks import send_invitation

    transaction.on_commit(lambda: send_invitation.delay(person.pk, portal_url))
