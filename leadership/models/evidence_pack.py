"""Evidence packs: the PDFs made for auditors, kept with who made them, for what, and the SHA-256 of the file."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from leadership.evidence_pack.period import SCOPE_CHOICES
from qms_portal.audit import AuditedModel
from qms_portal.models import Job


class EvidencePack(AuditedModel):
    """One evidence pack: asked for by a person for a period and scope, drawn by a job, then kept as a file whose
    SHA-256 lets anyone prove later that a copy is the one the portal produced."""

    number = models.CharField(max_length=20, unique=True, blank=True, help_text="EP-<year>-<serial>")
    scope = models.CharField(max_length=5, choices=SCOPE_CHOICES, default="5")
    period_start = models.DateField()
    period_end = models.DateField()
    time_zone = models.CharField(max_length=64)
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence_pack")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as text as well: the pack names its maker as they were called that day.
    made_by_name = models.CharField(max_length=200, blank=True)
    made_by_username = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.CharField(max_length=200, blank=True, help_text="Path under the media folder.")
    size_bytes = models.PositiveBigIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # What went in: sections with their pages, record counts; the manifest itself is attached to the PDF.
    summary = models.JSONField(default=dict, blank=True)

    audit_labels = {"sha256": "SHA-256 of the file"}

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_start__lte=models.F("period_end")),
                                   name="evidence_pack_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"Evidence pack {self.number}" if self.number else f"Evidence pack #{self.pk}"

    @property
    def ready(self) -> bool:
        return bool(self.sha256)

    @property
    def scope_label(self) -> str:
        return dict(SCOPE_CHOICES)[self.scope]

    @property
    def filename(self) -> str:
        return f"{self.number}-{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}.pdf"


class PartStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    DONE = "done", "Done"


class EvidencePackPart(models.Model):
    """One part of a pack being drawn (a section or a slice of one), rendered by whichever pdf worker takes it."""

    pack = models.ForeignKey(EvidencePack, on_delete=models.CASCADE, related_name="parts")
    position = models.PositiveIntegerField()
    section = models.CharField(max_length=20)
    label = models.CharField(max_length=200)
    args = models.JSONField(default=dict, blank=True)
    weight = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=PartStatus.choices, default=PartStatus.WAITING)
    # Where the drawn part is kept until the merge, its pages and its bookmarks, records and attachments (JSON).
    file = models.CharField(max_length=200, blank=True)
    pages = models.PositiveIntegerField(default=0)
    rendered_in = models.FloatField(null=True, blank=True, help_text="Seconds WeasyPrint took.")
    rendered_by = models.CharField(max_length=200, blank=True, help_text="The worker process: host and process id.")
    deliveries = models.PositiveSmallIntegerField(default=0, help_text="Times a worker started drawing it.")

    class Meta:
        ordering = ["pack", "position"]
        constraints = [models.UniqueConstraint(fields=["pack", "position"], name="evidence_pack_part_position")]

    def __str__(self) -> str:
        return f"{self.pack} part {self.position}: {self.label}"
