"""People: portal accounts with their profile (full name, job title, org unit) and portal roles."""
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from qms_portal.models.audit import AuditedModel, AuditedQuerySet


class PersonManager(UserManager["User"]):
    """Django's user manager (create_user, create_superuser) with the audit trail's refusal of bulk writes."""

    # Written out rather than ``UserManager.from_queryset(AuditedQuerySet)``, which the type checker cannot
    # follow; the manager's bulk writes go through this queryset all the same.
    def get_queryset(self) -> AuditedQuerySet:
        return AuditedQuerySet(self.model, using=self._db)


class User(AuditedModel, AbstractUser):
    """A person with a portal account. Portal roles are the groups in ``qms_portal.access.PortalRole``."""

    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=150, blank=True)
    org_unit = models.ForeignKey(
        "qms_portal.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    access_expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="For external auditors: the last day this account can sign in. Leave empty for no limit.",
    )
    # PROTECT: people are deactivated, not deleted; deleting a manager must not clear their reports' line manager
    # unrecorded (SET_NULL would, in one UPDATE that writes no audit entry).
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reports", verbose_name="reports to",
        help_text="The person's line manager: told when their actions are escalated or acknowledgements overdue.",
    )

    audit_exclude = ("last_login",)
    audit_redact = ("password",)
    audit_labels = {"groups": "portal roles"}

    # The user manager (create_user) in place of AuditedModel's plain one, refusing the same bulk writes.
    objects: ClassVar[PersonManager] = PersonManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.username])[0]

    @property
    def access_expired(self) -> bool:
        return self.access_expires_on is not None and self.access_expires_on < timezone.localdate()

    def clean(self) -> None:
        super().clean()
        manager_cycle_check(self)

    def role_names(self) -> list[str]:
        return sorted(group.name for group in self.groups.all())


MANAGER_SELF = "A person cannot report to themselves."


def manager_cycle_check(person: User) -> None:
    """Refuse a manager who is the person, or who reports (through others) to the person: a chain of managers
    never comes back to where it started. Reads every person's manager in one query."""
    if person.manager_id is None:
        return
    if person.pk is not None and person.manager_id == person.pk:
        raise ValidationError({"manager": MANAGER_SELF})
    if person.pk is None:  # a new person has no reports yet: no cycle can go through them
        return
    managers = dict(User.objects.exclude(manager=None).values_list("pk", "manager_id"))
    managers[person.pk] = person.manager_id
    seen = {person.pk}
    above: int | None = person.manager_id
    while above is not None and above not in seen:
        seen.add(above)
        above = managers.get(above)
    if above == person.pk:
        manager = User.objects.get(pk=person.manager_id)
        raise ValidationError({"manager": (
            f"{manager} reports, directly or through others, to {person}: choose someone who does not, so that "
            "the chain of managers does not go round in a circle."
        )})


class LoginSession(models.Model):
    """Which session belongs to whom, so that deactivating a person can end all their sessions."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"



class Invitation(models.Model):
    """An e-mail with a one-time link to set a password, kept until it is sent.

    It is handed to the task queue once its request commits (``queued_at``); when the queue cannot be reached
    it waits here, and the sweep every few minutes sends it once the queue is back. ``sent_at`` is set by
    whoever sends it, first, so that it goes once.
    """

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    portal_url = models.CharField(max_length=500)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["sent_at", "requested_at"])]

    def __str__(self) -> str:
        return f"invitation of {self.person} at {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def waiting_for_queue(self) -> bool:
        """Not sent, and the task queue could not be reached when it was asked for."""
        return self.sent_at is None and self.queued_at is None
