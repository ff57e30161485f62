"""Business functions for people: creating accounts, changing roles, deactivating, ending sessions."""
import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from qms_portal.access import Capability, PortalRole, user_can
from qms_portal.audit import AuditEntry, audit_context, audited_bulk_create, audited_bulk_m2m_add, audited_bulk_update
from qms_portal.models import Invitation, LoginSession, User
from qms_portal.refusals import StepRefused

log = logging.getLogger(__name__)
# A queued invitation not sent after this long (its task lost, or the mail server refused it) is sent again.
INVITATION_RETRY_AFTER = dt.timedelta(minutes=15)
# The roles that approve and sign (top management) or grant roles (quality manager): each grant is kept with
# who made it and why, and shown on the people list.
PRIVILEGED_ROLES = (PortalRole.TOP_MANAGEMENT, PortalRole.QUALITY_MANAGER)
# The roles whose accounts are worth taking over: a change of their e-mail address (where a password reset goes)
# needs a reason, and the old address is told.
ACCOUNT_ROLES = (*PRIVILEGED_ROLES, PortalRole.AUDITOR)


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


def manager_to_tell(today: dt.date, person: str = "") -> models.Case:
    """An expression for a query: the id of a person's manager when that manager can be told anything on ``today``
    (active, access not ended), else NULL, so that what goes to a manager falls back to someone else. ``person`` is
    the path to the person from the query's model ("owner__" for an action's owner; "" for people themselves)."""
    manager = f"{person}manager"
    reachable = models.Q(**{f"{manager}__is_active": True}) & (
        models.Q(**{f"{manager}__access_expires_on__isnull": True})
        | models.Q(**{f"{manager}__access_expires_on__gte": today})
    )
    return models.Case(
        models.When(reachable, then=models.F(manager)), default=models.Value(None), output_field=models.IntegerField()
    )


def sessions_end(*, user: User) -> int:
    """Sign ``user`` out everywhere by deleting every session they opened; returns how many ended."""
    keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    LoginSession.objects.filter(user=user).delete()
    return len(keys)


def session_rotate(request: HttpRequest) -> None:
    """Give the request's session a new id, keeping its contents, and keep it linked to its person so that
    deactivating them still ends it."""
    old_key = request.session.session_key
    request.session.cycle_key()
    if old_key:
        LoginSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


def sessions_clear_expired() -> None:
    """Delete expired sessions, and the records linking people to sessions that no longer exist."""
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    LoginSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()


def password_reset_allowed(*, address: str, email: str) -> bool:
    """Whether a password reset e-mail may go to ``email`` at the request of ``address`` (the client's address).

    Each may ask ``PASSWORD_RESETS_PER_HOUR`` times an hour, counted whether or not an account has the e-mail,
    so that the limit says nothing about which addresses have accounts. Counted in Django's cache: with
    several web processes and the default memory cache, each process counts on its own.
    """
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    allowed = True
    for key in (f"password-reset:address:{address}", f"password-reset:email:{digest}"):
        cache.add(key, 0, timeout=3600)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=3600)
            count = 1
        allowed = allowed and count <= settings.PASSWORD_RESETS_PER_HOUR
    return allowed


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
        before = User.objects.filter(pk=person.pk).values_list("is_active", "email").first()
        was_active, old_email = before if before is not None else (None, "")
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
    if old_email and old_email != person.email and person.groups.filter(name__in=ACCOUNT_ROLES).exists():
        transaction.on_commit(functools.partial(_email_change_notice, person=person, old_email=old_email, by=by))
    return person


def people_create_bulk(
    *, people: Sequence[User], roles: Iterable[Group], by: User | str | None = None, reason: str
) -> list[User]:
    """Create many new people at once, each with the portal ``roles``, as ``person_save`` creates one: a password
    nobody can use (each sets their own from an invitation; any password given is replaced), and the roles added after;
    written through the audited bulk path, every person with their "created" and "roles changed" entries, attributed
    to ``by`` with ``reason`` (which a bulk write needs). Privileged roles are not granted in bulk."""
    roles = list(roles)
    privileged = sorted({group.name for group in roles} & set(PRIVILEGED_ROLES))
    if privileged:
        raise ValidationError(f"{', '.join(privileged)} is granted one person at a time, with its reason.")
    if any(person.pk is not None for person in people):
        raise ValueError("people_create_bulk() creates new people only: save a changed one with person_save().")
    for person in people:
        person.set_unusable_password()
    with transaction.atomic(), audit_context(actor=by):
        created = audited_bulk_create(User, people, reason=reason)
        audited_bulk_m2m_add(created, "groups", roles, reason=reason)
    return created


def people_deactivate_bulk(*, people: Sequence[User], by: User | str | None = None, reason: str) -> int:
    """Deactivate many people at once (leavers), as ``person_save`` deactivates one: each is signed out everywhere,
    and their record is kept (their signatures, acknowledgements and trail stay theirs). People inactive already are
    left as they are. Written through the audited bulk path, attributed to ``by`` with ``reason``; returns how many
    were deactivated."""
    if any(person.pk is None for person in people):
        raise ValueError("people_deactivate_bulk() deactivates saved people only.")
    active = set(User.objects.filter(pk__in=[person.pk for person in people], is_active=True)
                 .values_list("pk", flat=True))
    leaving = [person for person in people if person.pk in active]
    for person in leaving:
        person.is_active = False
    with transaction.atomic(), audit_context(actor=by):
        count = audited_bulk_update(leaving, ["is_active"], reason=reason)
        keys = list(LoginSession.objects.filter(user__in=leaving).values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=keys).delete()  # as sessions_end does for one
        LoginSession.objects.filter(user__in=leaving).delete()
    return count


def _email_change_notice(*, person: User, old_email: str, by: User | None) -> None:
    """Tell the old address of someone who signs, grants or audits that their e-mail address was changed, so that
    a change they did not ask for (the first step of taking over their account) does not go unnoticed."""
    who = by.get_full_name() if by is not None else "the portal"
    body = (
        f"Dear {person.get_full_name()},\n\n"
        f"{who} changed the e-mail address of your QMS portal account ({person.username}) from {old_email} to "
        f"{person.email}. Password resets now go to the new address.\n\n"
        "If you did not expect this, tell your quality manager or top management at once.\n"
    )
    try:
        send_mail("Your QMS portal e-mail address was changed", body, None, [old_email])
    except Exception:  # the mail server is down: the change is on the audit trail all the same
        log.warning("could not tell %s of the change of e-mail of %s", old_email, person.username, exc_info=True)


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


def person_invite_send(*, person: User, portal_url: str, by: User | None = None) -> Invitation:
    """Keep an invitation e-mailing ``person`` a link to set their password, and hand it to the task queue once
    the current transaction commits. When the queue cannot be reached the invitation waits (the person's page
    says so) and ``invitations_waiting`` gives it to the sweep that sends it once the queue is back."""
    invitation = Invitation.objects.create(person=person, portal_url=portal_url, requested_by=by)
    transaction.on_commit(functools.partial(invitation_queue, invitation.pk))
    return invitation


def invitation_queue(invitation_id: int) -> bool:
    """Hand the invitation ``invitation_id`` to the task queue; False, and it waits, when the queue is down."""
    from qms_portal.celery import task_send_promptly

    try:
        # No retries: a person is waiting for the page, and the sweep tries again.
        task_send_promptly("qms_portal.tasks.send_invitation", [invitation_id])
    except Exception:  # kombu's OperationalError and the like: the broker could not be reached
        log.warning("task queue unreachable: invitation %s waits for the sweep", invitation_id, exc_info=True)
        return False
    Invitation.objects.filter(pk=invitation_id, queued_at=None).update(queued_at=timezone.now())
    return True


def password_reset_email_send(*, person: User, portal_url: str) -> None:
    """Email ``person`` the link to choose a new password that was asked for, through the task queue.

    Not sent while the page waits: that would answer later for an address that has an account than for one
    that has none. When the queue cannot be reached it is sent here after all, rather than lost.
    """
    from qms_portal.celery import task_send_promptly

    try:
        task_send_promptly("qms_portal.tasks.send_password_reset", [person.pk, portal_url])
    except Exception:  # kombu's OperationalError and the like: the broker could not be reached
        log.warning("task queue unreachable: password reset for %s sent in the request", person.pk, exc_info=True)
        from qms_portal.tasks import send_password_reset

        send_password_reset(person.pk, portal_url)


def invitations_waiting() -> list[int]:
    """The invitations still to send: never queued, or queued and not sent for a while; one query.

    Only while their link would still work (``PASSWORD_RESET_TIMEOUT``).
    """
    now = timezone.now()
    return list(
        Invitation.objects.filter(
            sent_at=None, requested_at__gt=now - dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        )
        .filter(models.Q(queued_at=None) | models.Q(queued_at__lt=now - INVITATION_RETRY_AFTER))
        .order_by("requested_at")
        .values_list("pk", flat=True)
    )
