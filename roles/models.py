"""Roles, who holds them, the processes and their RACI matrix, and the 5.3 a-e duties (clause 5.3)."""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q

from qms_portal.audit import AuditedModel, AuditedQuerySet
from qms_portal.capabilities import capability_permissions
from qms_portal.models import RetainedRecord
from qms_portal.models.retention import RetainedManager
from roles.access import RolesCapability

# The duties 5.3 asks top management to assign, by requirement id, in our own words.
DUTY_CATALOGUE = {
    "5.3.a": "Making sure the QMS conforms to ISO 9001",
    "5.3.b": "Making sure processes deliver their intended outputs",
    "5.3.c": "Reporting on QMS performance and improvement opportunities, in particular to top management",
    "5.3.d": "Promoting customer focus throughout the organisation",
    "5.3.e": "Keeping the QMS intact when changes to it are planned and made",
}


def text_lines(text: str | None) -> list[str]:
    """The non-blank lines of a list written one item per line, trimmed: how responsibilities and authorities
    are read, shown and compared (so line endings and spacing alone never make a new revision)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Role(AuditedModel):
    """A role in the organisation: its purpose, responsibilities and authorities, and whom it reports to.

    ``revision`` goes up whenever the list of responsibilities or authorities changes, so holders acknowledge
    again.
    """

    title = models.CharField(max_length=150)
    org_unit = models.ForeignKey("qms_portal.OrgUnit", on_delete=models.PROTECT, related_name="roles")
    purpose = models.TextField(blank=True)
    responsibilities = models.TextField(blank=True, help_text="One responsibility per line.")
    authorities = models.TextField(blank=True, help_text="One authority per line: what the role may decide.")
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="direct_reports"
    )
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    # Not a column: the assignments current on a day, prefetched by ``roles.selectors.holders_prefetch``.
    holders: list[RoleAssignment]

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "title"], name="role_unique_title_in_unit")]
        permissions = capability_permissions({
            RolesCapability.MANAGE: "Define roles, assignments, processes, the RACI matrix and the 5.3 duties",
            RolesCapability.VIEW: "See roles, their holders, the org chart and the RACI matrix",
        })

    def __str__(self) -> str:
        return self.title

    @property
    def responsibility_list(self) -> list[str]:
        return text_lines(self.responsibilities)

    @property
    def authority_list(self) -> list[str]:
        return text_lines(self.authorities)


class RoleAssignmentQuerySet(AuditedQuerySet):
    """Assignments of people to roles."""

    def with_acknowledged(self) -> RoleAssignmentQuerySet:
        """Mark each assignment ``acknowledged`` when its person has acknowledged its role's current revision:
        the one place that says what "has acknowledged the role" means."""
        current_revision = RoleAcknowledgement.objects.filter(
            role=OuterRef("role"), person=OuterRef("person"), revision=OuterRef("role__revision")
        )
        return self.annotate(acknowledged=Exists(current_revision))


RoleAssignmentManager = models.Manager.from_queryset(RoleAssignmentQuerySet)


class RoleAssignment(AuditedModel):
    """A person holding a role from ``starts_on`` until ``ends_on`` (open-ended when empty), maybe as deputy."""

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    is_deputy = models.BooleanField("Deputy", default=False)

    objects: ClassVar[RoleAssignmentManager] = RoleAssignmentManager()

    # Not columns: whether the person has acknowledged the role's current revision, annotated by
    # ``RoleAssignmentQuerySet.with_acknowledged``; and their latest acknowledgement of any revision, set by
    # ``roles.selectors.role_overview`` for the role's page.
    acknowledged: bool
    ack: RoleAcknowledgement | None

    class Meta:
        ordering = ["role", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="assignment_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} as {self.role}" + (" (deputy)" if self.is_deputy else "")

    def current_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def held_on(day: dt.date) -> Q:
    """The condition on assignments (or ``assignments__`` from roles) that makes them current on ``day``."""
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Process(AuditedModel):
    """A process of the QMS, owned by a role, made of ordered activities."""

    name = models.CharField(max_length=150, unique=True)
    code = models.SlugField(max_length=30, unique=True)
    owner_role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="owned_processes")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "processes"

    def __str__(self) -> str:
        return self.name


class Activity(AuditedModel):
    """One step of a process; a row of the RACI matrix."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["process", "position"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(fields=["process", "name"], name="activity_unique_name_in_process"),
        ]

    def __str__(self) -> str:
        return f"{self.process}: {self.name}"


class RaciLetter(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class RaciCell(AuditedModel):
    """The one letter a role has for an activity; no row means no letter."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="cells")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="cells")
    letter = models.CharField(max_length=1, choices=RaciLetter.choices)

    class Meta:
        verbose_name = "RACI letter"
        constraints = [
            models.UniqueConstraint(fields=["activity", "role"], name="raci_one_letter_per_activity_and_role"),
        ]
        indexes = [
            # The health of the matrix counts each activity's A's and R's (``matrix_counts_load``): a few letters in
            # forty, found here without reading the other letters of a large matrix.
            models.Index(
                fields=["activity", "letter"], condition=models.Q(letter__in=["A", "R"]), name="raci_key_letters"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter}: {self.role} on {self.activity}"


class Duty(AuditedModel):
    """One of the 5.3 a-e duties and the role it is assigned to."""

    code = models.CharField(max_length=10, unique=True)
    summary = models.CharField(max_length=200)
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT, related_name="duties")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "duties"

    def __str__(self) -> str:
        return f"{self.code} {self.summary}"


class RoleAcknowledgement(RetainedRecord, AuditedModel):
    """A holder's confirmation that they understand one revision of a role's responsibilities and authorities; kept
    for good (``RetainedRecord``; on PostgreSQL a trigger refuses its deletion too)."""

    retained_because = "an acknowledgement is a record of who understood which revision, kept by law"
    objects: ClassVar[RetainedManager] = RetainedManager()

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="acknowledgements")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_acknowledgements"
    )
    revision = models.PositiveIntegerField()
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["role", "person", "revision"], name="role_ack_once_per_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.person} understood {self.role} (revision {self.revision})"


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Refused"
    DISCARDED = "discarded", "Discarded"


class MatrixImport(AuditedModel):
    """An uploaded RACI matrix file that passed every check: the file as received, the changes it makes to the
    matrix, and what became of it (confirmed and applied by a job, discarded, or refused when applied).

    Audited so the trail shows who uploaded which file (by its SHA-256) and who applied it; the file itself and
    the change set stay out of the trail, which records each letter as it is written.
    """

    audit_exclude = ("content", "change_set")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    file_format = models.CharField("format", max_length=4, choices=ImportFormat.choices)
    size = models.PositiveIntegerField(help_text="Bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    content = models.BinaryField(help_text="The file exactly as it was uploaded.")
    # {"cells": [[activity id, role id, letter before, letter after], ...], "activity_ids": [...],
    #  "role_ids": [...], "rows": {activity id: row of the file}, "warnings": [...]}
    change_set = models.JSONField(default=dict)
    # The letters of the file's activities when it was checked, hashed: applying refuses if they have changed.
    fingerprint = models.CharField(max_length=64)
    reason = models.TextField(blank=True, help_text="Why the matrix is imported, as the uploader gave it.")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    status_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey("qms_portal.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = "RACI matrix import"

    def __str__(self) -> str:
        return f"RACI import #{self.pk} ({self.file_name})"
