"""Commitments of top management (5.1.1 a-j, 5.1.2 a-c) and the dated evidence of what leaders did for them."""
from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Max

from leadership.access import LeadershipCapability
from qms_portal.audit import AuditedModel, AuditedQuerySet
from qms_portal.capabilities import capability_permissions
from qms_portal.models import RetainedRecord
from qms_portal.models.retention import RetainedManager

if TYPE_CHECKING:  # computed from the models, so imported only for the annotation
    from leadership.commitments import CommitmentStatus


class CommitmentQuerySet(AuditedQuerySet):
    def with_latest_evidence(self) -> CommitmentQuerySet:
        """Annotate ``latest_evidence_on``: the date of the newest evidence entry linked (None when none)."""
        return self.annotate(latest_evidence_on=Max("evidence_entries__occurred_on"))


CommitmentManager = models.Manager.from_queryset(CommitmentQuerySet)


class Commitment(AuditedModel):
    """One 5.1 requirement top management must be seen to meet, with the top manager accountable for it and
    how often it must be evidenced. Its status (current, due soon, stale, never evidenced) is computed
    from its evidence by ``leadership.commitments.commitment_status``, never stored."""

    code = models.CharField(max_length=10, unique=True, help_text="The requirement id, such as 5.1.1.a.")
    summary = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leadership_commitments",
        verbose_name="accountable top manager",
    )
    evidence_every_days = models.PositiveSmallIntegerField(
        "evidence needed every (days)",
        default=90,
        validators=[MinValueValidator(1)],
        help_text="New evidence is due this many days after the latest.",
    )

    objects: ClassVar[CommitmentManager] = CommitmentManager()

    # Set by ``leadership.selectors.commitments_with_status`` for the pages, never stored.
    status: CommitmentStatus

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(evidence_every_days__gte=1), name="commitment_interval_positive"),
        ]
        permissions = capability_permissions({
            LeadershipCapability.VIEW: "Read commitments, evidence, management reviews, actions and objectives",
            LeadershipCapability.RECORD_EVIDENCE: "Record evidence of what top management did for the QMS",
            LeadershipCapability.MANAGE_COMMITMENTS:
                "Name the top manager accountable for a commitment and how often it is evidenced",
            LeadershipCapability.MANAGE_REVIEWS:
                "Plan and run management reviews: inputs, attendance, decisions, closing",
            LeadershipCapability.SIGN_MINUTES: "Sign the minutes of a management review they chaired",
            LeadershipCapability.MANAGE_ACTIONS: "Create actions for anyone and change any action",
            LeadershipCapability.MANAGE_OBJECTIVES:
                "Create and change quality objectives; record any objective's measurements",
            LeadershipCapability.RECORD_MEASUREMENTS: "Record measurements of the quality objectives they own",
            LeadershipCapability.VIEW_DASHBOARD:
                "Open the executive dashboard: what needs them, the engagement scorecard, the objectives",
            LeadershipCapability.MAKE_EVIDENCE_PACKS:
                "Make evidence packs for a period, follow and cancel them, and download them",
        })

    def __str__(self) -> str:
        return f"{self.code} {self.summary}"


class EvidenceKind(models.TextChoices):
    MEETING = "meeting", "Meeting"
    COMMUNICATION = "communication", "Communication"
    RESOURCE_DECISION = "resource_decision", "Resource decision"
    REVIEW_PARTICIPATION = "review_participation", "Management review participation"
    TRAINING = "training", "Training"
    OTHER = "other", "Other"


class EvidenceEntry(RetainedRecord, AuditedModel):
    """A dated record of something a top manager did for the QMS, linked to the commitments it evidences; kept for
    good with its attachments (``RetainedRecord``)."""

    retained_because = "evidence of leadership is a record that must be kept"
    objects: ClassVar[RetainedManager] = RetainedManager()

    occurred_on = models.DateField("date")
    kind = models.CharField(max_length=24, choices=EvidenceKind.choices)
    summary = models.TextField()
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leadership_evidence"
    )
    commitments = models.ManyToManyField(Commitment, related_name="evidence_entries")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = "evidence entry"
        verbose_name_plural = "evidence entries"
        indexes = [models.Index(fields=["occurred_on"])]

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.get_kind_display()} by {self.leader}"


def evidence_file_path(instance: EvidenceAttachment, filename: str) -> str:
    """Where an attachment is stored: a new random name under ``evidence/``, keeping only the extension.

    The name the uploader gave is kept in ``original_name`` for downloads, never used on disk.
    """
    return f"evidence/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class EvidenceAttachment(RetainedRecord, AuditedModel):
    """A file backing an evidence entry, checked by ``leadership.uploads`` before it is stored; kept with it."""

    retained_because = "it is part of an evidence entry, a record that must be kept"
    objects: ClassVar[RetainedManager] = RetainedManager()

    entry = models.ForeignKey(EvidenceEntry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=evidence_file_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, help_text="As detected from the content, not as sent.")
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    # Set by the evidence page for its template, never stored: the file type in words.
    type_label: str

    class Meta:
        ordering = ["entry", "pk"]

    def __str__(self) -> str:
        return self.original_name

