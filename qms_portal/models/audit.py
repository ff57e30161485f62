"""The audit trail's models: the append-only ``AuditEntry`` and the ``AuditedModel`` mixin that records changes.

They live with the other core models so that ``qms_portal.models`` imports nothing from ``qms_portal.audit``:
the trail's functions (``qms_portal.audit``) import the models, never the other way round.
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn, Self

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import Q
from django.utils.text import capfirst

from qms_portal.records_key import canonical_json, records_hmac, records_hmac_matches

GENESIS_HASH = "0" * 64  # the "previous hash" of the first entry of the chain


class AuditTrailImmutable(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditBypassRefused(Exception):
    """Raised on a bulk write to an audited model: it would change records without a trail."""


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    STEP = "step", "Workflow step"


def model_for_record_type(record_type: str) -> type[models.Model] | None:
    """The model an entry's ``record_type`` (``app.model``) names, or None for a model since removed."""
    try:
        return apps.get_model(record_type)
    except (LookupError, ValueError):
        return None


def jsonable(value: Any) -> Any:
    """Turn a field value into a JSON value that survives a database round trip unchanged."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:  # the usual values, without the checks below
        return value
    if kind is dict:
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list:
        return [jsonable(v) for v in value]
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, decimal.Decimal | float | uuid.UUID | dt.timedelta):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return str(value)


class AppendOnlyQuerySet(models.QuerySet):
    """Rows of the trail (entries, anchors): appended one at a time, never changed or removed in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise AuditTrailImmutable(f"{self.model._meta.verbose_name_plural} cannot be changed.".capitalize())

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailImmutable(f"{self.model._meta.verbose_name_plural} cannot be deleted.".capitalize())

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailImmutable(f"{self.model._meta.verbose_name_plural} are appended one at a time.".capitalize())

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailImmutable(f"{self.model._meta.verbose_name_plural} cannot be changed.".capitalize())


class AuditEntryQuerySet(AppendOnlyQuerySet):
    """Entries of the trail: they are appended one at a time through the chain, never changed or removed in bulk."""

    def of_records(self, records: Iterable[models.Model]) -> AuditEntryQuerySet:
        """The entries about any of ``records``, by each one's model label and primary key."""
        ids: dict[str, set[str]] = defaultdict(set)
        for record in records:
            ids[record._meta.label_lower].add(str(record.pk))
        if not ids:
            return self.none()
        about = Q()
        for record_type, object_ids in ids.items():
            about |= Q(record_type=record_type, object_id__in=sorted(object_ids))
        return self.filter(about)


@dataclass(frozen=True)
class ChangeLine:
    """One field of a recorded change as a person reads it in the portal: its label, choice labels instead of
    stored values, related records by name, yes/no for booleans. ``raw_before``/``raw_after`` keep the stored
    values, for the CSV."""

    field: str
    before: Any
    after: Any
    raw_before: Any = None
    raw_after: Any = None


# The fields an entry's hash covers, by attribute name.
HASHED_FIELDS = (
    "prev_hash", "created_at", "actor_id", "actor_name", "record_type", "object_id", "object_repr", "action", "step",
    "changes", "reason", "actor_username",
)


def entry_hashed_payload(values: Mapping[str, Any]) -> str:
    """The text an entry's hash is taken of, from its field values by attribute name (``actor_id``): every recorded
    field and the previous entry's hash. The one definition, for an entry (``AuditEntry.compute_hash``) and for the
    entries a bulk write chains before they are rows."""
    payload = [
        values["prev_hash"],
        values["created_at"].astimezone(dt.UTC).isoformat(),
        values["actor_id"],
        values["actor_name"],
        values["record_type"],
        values["object_id"],
        values["object_repr"],
        values["action"],
        values["step"],
        values["changes"],
        values["reason"],
    ]
    # Entries written before the user name was kept hash without it, so they still verify; a later entry
    # covers it, and clearing it afterwards changes the hash all the same.
    if values["actor_username"]:
        payload.append(values["actor_username"])
    return canonical_json(payload)


class AuditEntry(models.Model):
    """One recorded event: who did what to which record, when, and why; chained by hash to the last."""

    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # indexed with the id (Meta.indexes)
        related_name="+",
    )
    actor_name = models.CharField(max_length=200)
    # The account's user name at that moment, beside the name it then gave; empty for entries written before it
    # was kept (their ``actor`` still names the account) and for a system actor.
    actor_username = models.CharField(max_length=150, blank=True)
    record_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    step = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    # Unique by a constraint, not unique=True: on PostgreSQL that adds a second index on the hash for LIKE queries,
    # which nothing runs, and every append paid for it (a random 64-character key, as costly as the constraint's).
    hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    # Not a field: set on a page of entries by ``audit_change_lines()`` for the trail's template.
    change_lines: list[ChangeLine]

    class Meta:
        app_label = "qms_portal"
        ordering = ["-id"]
        # The trail page lists newest first by id, a page at a time (keyset): each filter has an index that ends in
        # the id, so a page reads its 50 rows in order however long the trail. A person's entries are found by
        # account (actor); a command's or task's (no account) by the name it wrote, among the few such names.
        indexes = [
            models.Index(fields=["record_type", "object_id"]),
            models.Index(fields=["record_type", "id"], name="audit_kind_id"),
            models.Index(fields=["created_at", "id"], name="audit_when_id"),
            # Partial both ways: a query for actors without an account can only take the index made for them.
            models.Index(fields=["actor", "id"], name="audit_actor_id", condition=Q(actor__isnull=False)),
            models.Index(fields=["actor_name", "id"], name="audit_label_id", condition=Q(actor__isnull=True)),
        ]
        constraints = [models.UniqueConstraint(fields=["hash"], name="audit_hash_unique")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailImmutable("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTrailImmutable("Audit entries cannot be deleted.")

    def compute_hash(self) -> str:
        """The entry's hash: HMAC-SHA256 under the records key over every recorded field and the previous entry's
        hash, so that nobody without the key can rebuild the chain after an edit."""
        return records_hmac(self._hashed_payload())

    def compute_unkeyed_hash(self) -> str:
        """The plain SHA-256 of the same payload: how entries written before the chain was keyed were hashed (up
        to the ``AuditAnchor`` of kind "keyed" that migration 0010 recorded)."""
        return hashlib.sha256(self._hashed_payload().encode("utf-8")).hexdigest()

    def _hashed_payload(self) -> str:
        return entry_hashed_payload({name: getattr(self, name) for name in HASHED_FIELDS})

    @property
    def account_username(self) -> str:
        """The user name of the account that acted: as kept with the entry, else the account's (older entries)."""
        if self.actor_username or self.actor_id is None:
            return self.actor_username
        try:  # select_related("actor") spares the query; the account may be gone (no database constraint)
            actor = self.actor
        except ObjectDoesNotExist:
            return ""
        return actor.get_username() if actor is not None else ""

    @property
    def model_verbose_name(self) -> str:
        model = model_for_record_type(self.record_type)
        return str(capfirst(model._meta.verbose_name)) if model else self.record_type


class AnchorKind(models.TextChoices):
    VERIFICATION = "verification", "Verification"
    KEYED = "keyed", "Chain keyed from here"


ANCHOR_SCHEME = "qms-audit-anchor-v1"


def anchor_seal_message(
    *, kind: str, created_at: dt.datetime, source: str, last_entry_id: int, entry_count: int, head_hash: str
) -> str:
    """The text an anchor's seal is the HMAC of (plain values, so that a migration can seal an anchor too)."""
    return canonical_json([
        ANCHOR_SCHEME, kind, created_at.astimezone(dt.UTC).isoformat(), source, last_entry_id, entry_count, head_hash,
    ])


class AuditAnchor(models.Model):
    """The head of the audit chain as one verification saw it: its last entry, how many entries, that entry's hash.

    Kept outside the trail's table so that entries cut from the end of the trail, or a chain rebuilt from an edit
    onwards, no longer agree with the anchors recorded before; sealed with the records key, so an anchor cannot be
    forged to match. Never changed or deleted; quality managers keep an exported copy elsewhere too. The anchor of
    kind "keyed" marks the last entry hashed before the chain was keyed.
    """

    kind = models.CharField(max_length=12, choices=AnchorKind.choices, default=AnchorKind.VERIFICATION)
    created_at = models.DateTimeField()
    source = models.CharField(max_length=200, help_text="What recorded it: the command, the nightly task, a person.")
    last_entry_id = models.BigIntegerField(help_text="The last entry of the chain; 0 for an empty trail.")
    entry_count = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        app_label = "qms_portal"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"anchor #{self.pk}: entry #{self.last_entry_id} ({self.entry_count} entries)"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailImmutable("Audit anchors cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTrailImmutable("Audit anchors cannot be deleted.")

    def seal_message(self) -> str:
        return anchor_seal_message(
            kind=self.kind, created_at=self.created_at, source=self.source, last_entry_id=self.last_entry_id,
            entry_count=self.entry_count, head_hash=self.head_hash,
        )

    @property
    def seal_valid(self) -> bool:
        """Whether the anchor is exactly as recorded (its seal matches under the records key)."""
        return records_hmac_matches(self.seal_message(), self.seal)


class AuditedQuerySet(models.QuerySet):
    """Refuses the bulk writes that send no signals, so no change to an audited model goes unrecorded."""

    def _refuse(self, what: str) -> NoReturn:
        raise AuditBypassRefused(
            f"{what} on {self.model._meta.label} would bypass the audit trail: save or delete each object instead."
        )

    def update(self, **kwargs: Any) -> NoReturn:
        self._refuse("QuerySet.update()")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse("bulk_create()")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse("bulk_update()")


_AUDITED_FIELDS: dict[type[AuditedModel], tuple[tuple[str, str], ...]] = {}  # AuditedModel._audit_fields(), by model


class AuditedModel(models.Model):
    """Inherit to have every create, change and delete of the model recorded in the audit trail.

    ``audit_exclude`` names fields whose changes are not worth a record (``last_login``);
    ``audit_redact`` names fields whose values must never be stored (``password``): a change is
    recorded without the values. ``audit_labels`` renames fields for people reading the trail;
    ``audit_index_into`` names fields holding a position in a list field of the record (``correct_choice`` in
    ``choices``), which the trail shows as that item.
    Saving and deleting run in a transaction, so a change and its entry are kept together or not at all.
    The entries are written by the receivers of ``qms_portal.audit.recording``.
    """

    audit_exclude: ClassVar[tuple[str, ...]] = ()
    audit_redact: ClassVar[tuple[str, ...]] = ()
    audit_labels: ClassVar[dict[str, str]] = {}
    audit_index_into: ClassVar[dict[str, str]] = {}

    objects = AuditedQuerySet.as_manager()

    # Not fields: the values as loaded (to tell what a save changed), and the many-to-many names noted just
    # before a delete removes their rows; set by ``from_db`` and the receivers of ``qms_portal.audit.recording``.
    _audit_loaded: dict[str, Any]
    _audit_m2m_at_delete: dict[str, list[str]]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=kwargs.get("using")):
            return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._audit_loaded = instance._audit_snapshot()
        return instance

    def refresh_from_db(self, using: str | None = None, fields: Any = None, from_queryset: Any = None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        fresh = self._audit_snapshot()
        if fields is not None:
            names = {self._meta.get_field(name).name for name in fields}
            fresh = {name: value for name, value in fresh.items() if name in names}
        self._audit_loaded = {**getattr(self, "_audit_loaded", {}), **fresh}

    @classmethod
    def _audit_fields(cls) -> tuple[tuple[str, str], ...]:
        """(name, attribute name) of the model's audited fields: its concrete fields but those it excludes; worked
        out once per model, since every record loaded or saved is snapshot with them."""
        fields = _AUDITED_FIELDS.get(cls)
        if fields is None:
            excluded = cls.audit_exclude
            fields = _AUDITED_FIELDS[cls] = tuple(
                (field.name, field.attname) for field in cls._meta.concrete_fields if field.name not in excluded
            )
        return fields

    def _audit_snapshot(self) -> dict[str, Any]:
        """The loaded values of the audited fields, by field name."""
        loaded = self.__dict__  # a field that is not there is deferred (as get_deferred_fields() tells)
        return {name: jsonable(getattr(self, attname)) for name, attname in self._audit_fields() if attname in loaded}

    def _audit_display(self, name: str, value: Any) -> Any:
        return "(redacted)" if name in self.audit_redact else value
