"""Electronic signatures: who signed what, when, with which meaning, bound to the content's SHA-256."""
from typing import Any

from django.conf import settings
from django.db import models

from qms_portal.audit import AuditedModel


class ElectronicSignature(AuditedModel):
    """A signature on a record (a policy version, review minutes): never changed once written."""

    record_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures")
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=50)
    signed_at = models.DateTimeField()
    content_sha256 = models.CharField("SHA-256 of the signed content", max_length=64)

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["record_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.meaning} by {self.printed_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise SignatureImmutable("A signature cannot be changed once made.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignatureImmutable("A signature cannot be removed.")


class SignatureImmutable(Exception):
    """Raised on any attempt to change or remove an electronic signature."""


class SigningLock(models.Model):
    """Consecutive wrong passwords given when signing; signing is locked for a while after too many."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signing_lock")
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.failures} failed signing attempt(s)"
