"""Role holders confirming they understand their roles (5.3: assigned, communicated and understood)."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from qms_portal.audit import audit_context, audited_bulk_create
from qms_portal.models import User
from roles.models import Role, RoleAcknowledgement, RoleAssignment, held_on
from roles.reminders import role_reminders_resolve


def roles_held(person: User) -> list[Role]:
    """The roles ``person`` holds today."""
    today = timezone.localdate()
    ids = RoleAssignment.objects.filter(held_on(today), person=person).values("role_id")
    return list(Role.objects.filter(pk__in=ids).select_related("org_unit"))


class RoleChangedSinceShown(ValidationError):
    """The person was shown a revision of the role that is no longer the current one."""


def role_acknowledge(*, role: Role, person: User, revision_seen: int | None = None) -> RoleAcknowledgement:
    """Record that ``person``, a current holder, understands the role's current revision (once per revision).

    ``revision_seen`` is the revision the page showed them: when the role changed since, nothing is recorded,
    as they have not read what they would be acknowledging (``RoleChangedSinceShown``). A second acknowledgement
    of the same revision is refused with ``ValidationError`` (code ``already_acknowledged``).
    """
    if role not in roles_held(person):
        raise PermissionDenied(f"You do not hold “{role}”: only its holders acknowledge it.")
    if revision_seen is not None and revision_seen != role.revision:
        raise RoleChangedSinceShown(
            f"“{role}” changed while you were reading it (it is now revision {role.revision}): "
            "read it again below, then acknowledge it."
        )
    try:
        with transaction.atomic(), audit_context(actor=person):
            acknowledgement = RoleAcknowledgement.objects.create(role=role, person=person, revision=role.revision)
    except IntegrityError:
        raise ValidationError(
            f"You already acknowledged revision {role.revision} of “{role}”.", code="already_acknowledged"
        ) from None
    role_reminders_resolve(role=role, person=person)
    return acknowledgement


def roles_acknowledge_bulk(*, pairs: list[tuple[Role, User]], reason: str) -> list[RoleAcknowledgement]:
    """Record at once that each person understands the current revision of their role, as ``role_acknowledge``
    records one (the large demo): only current holders (``PermissionDenied`` otherwise), and a revision already
    acknowledged is left as it is. Each acknowledgement is attributed to its person, with ``reason``."""
    today = timezone.localdate()
    people = {person.pk for _, person in pairs}
    held = set(RoleAssignment.objects.filter(held_on(today), person_id__in=people).values_list("role_id", "person_id"))
    stray = next(((role, person) for role, person in pairs if (role.pk, person.pk) not in held), None)
    if stray is not None:
        raise PermissionDenied(f"{stray[1]} does not hold “{stray[0]}”: only its holders acknowledge it.")
    done = set(RoleAcknowledgement.objects.filter(person_id__in=people).values_list("role_id", "person_id",
                                                                                    "revision"))
    new = [RoleAcknowledgement(role=role, person=person, revision=role.revision) for role, person in pairs
           if (role.pk, person.pk, role.revision) not in done]
    with transaction.atomic():
        created = audited_bulk_create(RoleAcknowledgement, new, reason=reason, actor_of=lambda ack: ack.person)
        by_role: dict[int, tuple[Role, list[User]]] = {}
        for ack in created:
            by_role.setdefault(ack.role_id, (ack.role, []))[1].append(ack.person)
        for role, acknowledged_by in by_role.values():  # as role_acknowledge does for each
            role_reminders_resolve(role=role, people=acknowledged_by)
    return created


def roles_to_acknowledge(person: User) -> list[Role]:
    """The roles ``person`` holds whose current revision they have not acknowledged yet."""
    waiting = (
        RoleAssignment.objects.filter(held_on(timezone.localdate()), person=person)
        .with_acknowledged()
        .filter(acknowledged=False)
        .values("role_id")
    )
    return list(Role.objects.filter(pk__in=waiting).select_related("org_unit"))
