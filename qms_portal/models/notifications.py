"""Notifications: what the portal told each person (the claim that makes a reminder go once), the e-mails waiting
to leave (the outbox), and how each person wants each kind of reminder."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    """How a person wants a kind of reminder: an e-mail at once, in the daily digest, or on the portal only."""

    NOW = "now", "E-mail now"
    DIGEST = "digest", "Daily digest"
    PORTAL = "portal", "In the portal only"


class Notification(models.Model):
    """One thing the portal told one person, shown under the bell; its unique key claims the reminder, so that a
    second sweep (or a second beat) finds it taken and sends nothing."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60)
    record_type = models.CharField(max_length=60)
    record_id = models.CharField(max_length=60)
    # Which step of the kind's schedule this is ("14-days-before", "overdue-2026-12-05"): one of each per person.
    occasion = models.CharField(max_length=80)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="The record's page, relative to the portal.")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True, help_text="When a digest e-mail took it.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "record_type", "record_id", "recipient", "occasion"], name="notification_once"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["channel", "digested_at"], name="notification_digest_due"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (to {self.recipient_id})"


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboxEmail(models.Model):
    """An e-mail written in the same transaction as what it tells of, sent later by the outbox task: a request or
    sweep commits even when Redis or the mail server is down, and nothing is lost."""

    to_address = models.EmailField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A digest tells of several notifications; they point at it through ``digested_at`` and their recipient.
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    calendar = models.TextField(blank=True, help_text="An iCalendar file attached to it (a meeting invitation).")
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sending_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        verbose_name = "outgoing e-mail"

    def __str__(self) -> str:
        return f"{self.subject} to {self.to_address} ({self.status})"


class NotificationPreference(models.Model):
    """How one person wants one kind of reminder; without a row, the kind's default channel."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=60)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.kind} by {self.channel}"
