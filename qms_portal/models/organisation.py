"""The organisation running the QMS, and its tree of departments and sites."""
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from qms_portal.models.audit import AuditedModel
from qms_portal.trees import ids_below


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class Organisation(AuditedModel):
    """The one organisation this portal serves: its name, logo, QMS scope, time zone and reminder schedule."""

    name = models.CharField(max_length=200, default="Our organisation")
    logo = models.ImageField(upload_to="organisation/", blank=True)
    scope_statement = models.TextField(
        "QMS scope statement",
        blank=True,
        help_text="The products, services and sites the quality management system covers (ISO 9001, 4.3).",
    )
    time_zone = models.CharField(
        max_length=64,
        choices=_time_zone_choices,
        default="UTC",
        help_text="Dates and times across the portal and in evidence packs are shown in this zone.",
    )
    second_factor_required = models.BooleanField(
        "Second factor required for top management, quality managers and auditors",
        default=True,
        help_text=(
            "They then sign in with a code from an authenticator app after their password, and give one again "
            "when they sign electronically. Anyone who has set one up is always asked for it."
        ),
    )
    reminder_schedule = models.JSONField(
        "reminder schedule",
        default=dict,
        blank=True,
        help_text=(
            "The days reminders count (days before, repeats, escalation), by setting key; only the values that differ "
            "from their defaults (``qms_portal.reminder_schedule``)."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "organisation settings"
        verbose_name_plural = "organisation settings"
        permissions = [
            ("manage_organisation", "Edit the organisation's settings and its departments and sites"),
            ("view_people", "See the people directory and the org units"),
            ("manage_people", "Add people, change their details and portal roles, deactivate them"),
            ("view_audit_trail", "Read, export and verify the audit trail"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Organisation":
        """The organisation record, created with the server's time zone the first time it is asked for."""
        organisation = cls.objects.order_by("pk").first()
        if organisation is None:
            organisation = cls.objects.create(time_zone=settings.TIME_ZONE)
        return organisation


class OrgUnitKind(models.TextChoices):
    SITE = "site", "Site"
    DEPARTMENT = "department", "Department"
    TEAM = "team", "Team"


class OrgUnit(AuditedModel):
    """A department, site or team; units form a tree through ``parent``."""

    name = models.CharField(max_length=150)
    code = models.SlugField(max_length=30, unique=True, help_text="A short unique reference, such as QA or PLANT-2.")
    kind = models.CharField(max_length=20, choices=OrgUnitKind.choices, default=OrgUnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="part of"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "org unit"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="orgunit_unique_name_within_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "A unit cannot sit inside itself or one of its own sub-units."})
            ancestor = ancestor.parent

    def descendant_ids(self) -> set[int]:
        """Ids of this unit and every unit below it (one query for the whole tree)."""
        return ids_below([self.pk], OrgUnit.objects.values_list("pk", "parent_id"))
