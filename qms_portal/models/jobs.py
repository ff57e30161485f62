"""Background jobs: long work run by a Celery worker, with progress, outcome and failure reason kept."""
import datetime as dt

from django.conf import settings
from django.db import models

from qms_portal.job_kinds import JOB_KINDS


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Job(models.Model):
    """One run of a background task that a person asked for (or the scheduler started)."""

    kind = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    progress_note = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Deliveries of its task that started it.")
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Renewed by the running task's heartbeat: once it passes, the worker is taken for dead (``qms_portal.jobs``).
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Until when the worker running the job has given a sign of life."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_kind_display(self) -> str:
        kind = JOB_KINDS.get(self.kind)
        return kind.label if kind else self.kind

    @property
    def last_sign_of_life(self) -> dt.datetime | None:
        """When the worker running the job last renewed its lease."""
        if self.lease_expires_at is None:
            return None
        return self.lease_expires_at - dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
