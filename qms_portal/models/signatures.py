"""Electronic signatures: who signed what, when, with which meaning, bound to the content's SHA-256 and sealed with
the records key; and the ``SignedRecord`` mixin that any record signed this way inherits (policy versions, review
minutes, ...)."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, cast

from django.conf import settings
from django.db import models

from qms_portal.models.audit import AuditedModel
from qms_portal.models.retention import RecordRetained, RetainedQuerySet, RetainedRecord
from qms_portal.records_key import canonical_json, records_hmac, records_hmac_matches


class SignedThing(Protocol):
    """What a signature attests: a model with its signed content and its title and number (a ``SignedRecord``)."""

    pk: Any
    _meta: ClassVar[Any]

    def signed_content(self) -> str: ...

    def signed_title(self) -> str: ...


class SignedRecordImmutable(RecordRetained):
    """Raised on any attempt to change or remove a signature, or what a signature covers."""


def content_sha256(content: str) -> str:
    """The SHA-256 of the exact text being signed (UTF-8)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


SEAL_SCHEME = "qms-signature-v1"  # named in every sealed message, so a later scheme can never be confused with it


def signature_seal_message(
    *,
    record_type: str,
    object_id: str,
    signer_id: int,
    signer_username: str,
    printed_name: str,
    signed_at: dt.datetime,
    meaning: str,
    content_sha256: str,
    title: str,
) -> str:
    """The text a signature's seal is the HMAC of: everything the signature attests, the record (its type, id,
    title and number, and the SHA-256 of its signed content), the signer's account and user name, the printed
    name, the time and the meaning. Plain values, so that a data migration can seal the rows it finds."""
    return canonical_json([
        SEAL_SCHEME, record_type, str(object_id), signer_id, signer_username, printed_name,
        signed_at.astimezone(dt.UTC).isoformat(), meaning, content_sha256, title,
    ])


def signature_seal(**attested: Any) -> str:
    """The seal of a signature attesting ``attested`` (``signature_seal_message``'s arguments): HMAC-SHA256 keyed
    with the records key."""
    return records_hmac(signature_seal_message(**attested))


def signatures_seal_existing(apps: Any, titles: dict[str, Callable[[int], str]]) -> None:
    """For a data migration: seal the unsealed signatures on records of the types ``titles`` names, each with the
    title its record's ``signed_title()`` would write (``titles[record_type](record_pk)``), as the rows stand."""
    signature_model = apps.get_model("qms_portal", "ElectronicSignature")
    for signature in signature_model.objects.filter(record_type__in=titles, seal=""):
        sealed = signature_seal(
            record_type=signature.record_type,
            object_id=signature.object_id,
            signer_id=signature.signer_id,
            signer_username=signature.signer_username,
            printed_name=signature.printed_name,
            signed_at=signature.signed_at,
            meaning=signature.meaning,
            content_sha256=signature.content_sha256,
            title=titles[signature.record_type](int(signature.object_id)),
        )
        # A bulk update: the historical model has none of the live model's refusals, and no audit receiver runs.
        signature_model.objects.filter(pk=signature.pk).update(seal=sealed)


def _attested_now(signature: ElectronicSignature, record: SignedThing, content_hash: str) -> str:
    # The signature row's own values with the record as it is now: both must be as they were when sealed.
    return signature_seal_message(
        record_type=record._meta.label_lower,
        object_id=str(record.pk),
        signer_id=signature.signer_id,
        signer_username=signature.signer_username,
        printed_name=signature.printed_name,
        signed_at=signature.signed_at,
        meaning=signature.meaning,
        content_sha256=content_hash,
        title=record.signed_title(),
    )


def signature_is_valid(signature: ElectronicSignature, record: SignedThing) -> bool:
    """True while the signature row and ``record`` are still exactly what was signed: same signer, name, time,
    meaning, title and number, and content. A change to any of them, in the portal or in the database, or the row
    moved to another record, breaks the seal, and remaking it needs the records key (``records_key``)."""
    content_hash = content_sha256(record.signed_content())
    return signature.content_sha256 == content_hash and records_hmac_matches(
        _attested_now(signature, record, content_hash), signature.seal
    )


class SignatureQuerySet(RetainedQuerySet):
    """Signatures: never removed, one by one or in bulk."""

    refusal = SignedRecordImmutable


class ElectronicSignature(RetainedRecord, AuditedModel):
    """A signature on a record (a policy version, review minutes): never changed or removed once written."""

    retained_because = "a signature is a record kept by law"
    refusal = SignedRecordImmutable

    record_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures")
    printed_name = models.CharField(max_length=200)
    # The signer's user name at signing, beside the printed name: a name alone does not identify the account.
    signer_username = models.CharField(max_length=150, blank=True)
    meaning = models.CharField(max_length=50)
    signed_at = models.DateTimeField()
    content_sha256 = models.CharField("SHA-256 of the signed content", max_length=64)
    # HMAC-SHA256 under the records key (``signature_seal``) of all of the above and the record's title and number.
    seal = models.CharField(max_length=64, blank=True)

    objects: ClassVar[models.Manager[ElectronicSignature]] = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["record_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.meaning} by {self.printed_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise SignedRecordImmutable("A signature cannot be changed once made.")
        super().save(*args, **kwargs)


class SignedQuerySet(RetainedQuerySet):
    """Refuses a bulk delete that would remove a signed record, or a part of one (the rows' ``delete()`` is
    bypassed): the retained rows are the signed ones. ``signed_lookup`` is the lookup that is False for signed
    rows, as ``signature__isnull``."""

    signed_lookup: ClassVar[str] = "signature__isnull"
    refusal = SignedRecordImmutable

    def retained_rows(self) -> models.QuerySet:
        return self.filter(**{self.signed_lookup: False})


SignedManager = models.Manager.from_queryset(SignedQuerySet)


class SignedRecord(RetainedRecord):
    """A record signed with an ``ElectronicSignature``: once signed, what the signature covers is frozen.

    A model inheriting it names its signature field (``signature_field``, a one-to-one to
    ``ElectronicSignature``) and the fields the signature covers (``signed_fields``; None for every field),
    and writes ``signed_content()``, the exact text signed, and ``signed_title()``, its title and number.
    ``save`` and ``delete`` then refuse with ``SignedRecordImmutable``; ``signature_valid`` says whether the
    record and its signature row are still as sealed at signing (``signature_is_valid``). Signing
    itself is ``qms_portal.signatures.record_sign``.
    """

    signature_field: ClassVar[str] = "signature"
    # What the signature in ``signature_field`` means ("Approved"): one with another meaning there (a row moved from
    # another slot in the database) is not valid. Empty: any meaning.
    signature_meaning: ClassVar[str] = ""
    signed_fields: ClassVar[tuple[str, ...] | None] = None
    refusal = SignedRecordImmutable

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            names = self._frozen_fields()
            stored = self._stored_signed().values(*names).first()
            if stored and any(stored[name] != getattr(self, name) for name in names):
                raise SignedRecordImmutable(f"{self} is signed: it can no longer change.")
        super().save(*args, **kwargs)

    def is_retained(self) -> bool:
        """Kept once signed: a signed record is a record and cannot be deleted."""
        return self.is_signed or (self.pk is not None and self._stored_signed().exists())

    def retained_refusal(self) -> Exception:
        return SignedRecordImmutable(f"{self} is signed: it is a record and cannot be deleted.")

    def signed_content(self) -> str:
        """The exact text the signature covers."""
        raise NotImplementedError

    def signed_title(self) -> str:
        """What the record is called and numbered, as the signature attests it (sealed beside the content)."""
        raise NotImplementedError

    @property
    def electronic_signature(self) -> ElectronicSignature | None:
        return cast("ElectronicSignature | None", getattr(self, self.signature_field))

    @property
    def is_signed(self) -> bool:
        return getattr(self, self._signature_attname()) is not None

    @property
    def signature_valid(self) -> bool:
        """True while the record is signed, its signature means what this record's signature means, and both are
        still exactly what was signed."""
        signature = self.electronic_signature
        if signature is None or (self.signature_meaning and signature.meaning != self.signature_meaning):
            return False
        return signature_is_valid(signature, self)

    def _frozen_fields(self) -> list[str]:
        # The signature itself is frozen too: removing it first would let the content change next.
        if self.signed_fields is None:
            return [field.attname for field in self._meta.concrete_fields]
        return [*self.signed_fields, self._signature_attname()]

    def _signature_attname(self) -> str:
        return cast(models.ForeignKey, self._meta.get_field(self.signature_field)).attname

    def _stored_signed(self) -> models.QuerySet:
        return type(self)._base_manager.filter(pk=self.pk, **{f"{self.signature_field}__isnull": False})


class SigningLock(models.Model):
    """Consecutive wrong passwords given when signing; signing is locked for a while after too many."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signing_lock")
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.failures} failed signing attempt(s)"
