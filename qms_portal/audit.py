"""The audit trail: one append-only, hash-chained record of every change to a business record.

A model takes part by inheriting ``AuditedModel``. Creates, changes and deletes (cascades included)
are recorded by the receivers at the bottom of this module; workflow steps by ``audit_step()``. Who
acted and why come from ``audit_context()``, which the request middleware, commands and tasks set.

Each entry stores the SHA-256 of its own content and of the entry before it, so editing or removing
a row by hand breaks the chain, and ``audit_verify()`` names the first bad row. The ORM refuses to
update or delete entries; on PostgreSQL a trigger (migration 0002) refuses it in the database too.
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone
from django.utils.text import capfirst

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_KEY = 90010501  # any constant; names the PostgreSQL advisory lock that orders appends

_actor: ContextVar[Any] = ContextVar("audit_actor", default=None)
_reason: ContextVar[str] = ContextVar("audit_reason", default="")


class AuditTrailImmutable(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    STEP = "step", "Workflow step"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AuditTrailImmutable("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailImmutable("Audit entries cannot be deleted.")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[AuditEntry]:
        raise AuditTrailImmutable("Audit entries are appended one at a time through the chain.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditTrailImmutable("Audit entries cannot be changed.")


class AuditEntry(models.Model):
    """One recorded event: who did what to which record, when, and why; chained by hash to the last."""

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=200)
    record_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    step = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["record_type", "object_id"])]
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
        """SHA-256 over every recorded field and the previous entry's hash."""
        payload = [
            self.prev_hash,
            self.created_at.astimezone(dt.UTC).isoformat(),
            self.actor_id,
            self.actor_name,
            self.record_type,
            self.object_id,
            self.object_repr,
            self.action,
            self.step,
            self.changes,
            self.reason,
        ]
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def model_verbose_name(self) -> str:
        model = _model_for(self.record_type)
        return capfirst(model._meta.verbose_name) if model else self.record_type


# --- Who and why ------------------------------------------------------------------------------


@contextmanager
def audit_context(*, actor: Any = None, reason: str = "") -> Iterator[None]:
    """Attribute every entry written inside the block to ``actor`` (a user or a label) with ``reason``.

    An inner block that names no actor or no reason keeps the outer one's, so a write function called by an
    import keeps the import's reason on its entries.
    """
    actor_token = _actor.set(actor) if actor is not None else None
    reason_token = _reason.set(reason) if reason else None
    try:
        yield
    finally:
        if reason_token is not None:
            _reason.reset(reason_token)
        if actor_token is not None:
            _actor.reset(actor_token)


def _current_actor() -> tuple[int | None, str]:
    actor = _actor.get()
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    if getattr(actor, "is_authenticated", False):
        return actor.pk, actor.get_full_name() or actor.get_username()
    return None, "anonymous"


# --- Writing ----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Turn a field value into a JSON value that survives a database round trip unchanged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, decimal.Decimal | float | uuid.UUID | dt.timedelta):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return str(value)


def _lock_chain() -> None:
    # SQLite runs write transactions one at a time (transaction_mode IMMEDIATE); PostgreSQL needs a lock
    # so that two appends cannot both read the same last hash.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _append(
    *, record_type: str, object_id: str, object_repr: str, action: str, changes: dict, step: str = "", reason: str = ""
) -> AuditEntry:
    actor_id, actor_name = _current_actor()
    with transaction.atomic():
        _lock_chain()
        prev = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        entry = AuditEntry(
            created_at=timezone.now(),
            actor_id=actor_id,
            actor_name=actor_name[:200],
            record_type=record_type,
            object_id=str(object_id),
            object_repr=object_repr[:300],
            action=action,
            step=step,
            changes=_jsonable(changes),
            reason=reason or _reason.get(),
            prev_hash=prev,
        )
        entry.hash = entry.compute_hash()
        entry.save()
    return entry


def audit_step(obj: models.Model, *, step: str, reason: str = "", changes: dict | None = None) -> AuditEntry:
    """Record a workflow step (``submitted``, ``approved``...) on ``obj``, with the comment given."""
    return _append(
        record_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj),
        action=AuditAction.STEP,
        step=step,
        changes=changes or {},
        reason=reason,
    )


# --- The model mixin --------------------------------------------------------------------------


class AuditBypassRefused(Exception):
    """Raised on a bulk write to an audited model: it would change records without a trail."""


class AuditedQuerySet(models.QuerySet):
    """Refuses the bulk writes that send no signals, so no change to an audited model goes unrecorded."""

    def _refuse(self, what: str) -> None:
        raise AuditBypassRefused(
            f"{what} on {self.model._meta.label} would bypass the audit trail: save or delete each object instead."
        )

    def update(self, **kwargs: Any) -> int:
        self._refuse("QuerySet.update()")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list:
        self._refuse("bulk_create()")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        self._refuse("bulk_update()")


class AuditedModel(models.Model):
    """Inherit to have every create, change and delete of the model recorded in the audit trail.

    ``audit_exclude`` names fields whose changes are not worth a record (``last_login``);
    ``audit_redact`` names fields whose values must never be stored (``password``): a change is
    recorded without the values. ``audit_labels`` renames fields for people reading the trail.
    Saving and deleting run in a transaction, so a change and its entry are kept together or not at all.
    """

    audit_exclude: ClassVar[tuple[str, ...]] = ()
    audit_redact: ClassVar[tuple[str, ...]] = ()
    audit_labels: ClassVar[dict[str, str]] = {}

    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=kwargs.get("using")):
            return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: str, field_names: list[str], values: list[Any]) -> AuditedModel:
        instance = super().from_db(db, field_names, values)
        instance._audit_loaded = instance._audit_snapshot()
        return instance

    def refresh_from_db(self, using: str | None = None, fields: Any = None, from_queryset: Any = None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        fresh = self._audit_snapshot()
        if fields is not None:
            names = {self._meta.get_field(name).name for name in fields}
            fresh = {name: value for name, value in fresh.items() if name in names}
        self._audit_loaded = {**getattr(self, "_audit_loaded", {}), **fresh}

    def _audit_snapshot(self) -> dict[str, Any]:
        """The loaded values of the audited fields, by field name."""
        deferred = self.get_deferred_fields()
        return {
            field.name: _jsonable(getattr(self, field.attname))
            for field in self._meta.concrete_fields
            if field.attname not in deferred and field.name not in self.audit_exclude
        }

    def _audit_display(self, name: str, value: Any) -> Any:
        return "(redacted)" if name in self.audit_redact else value


def _on_save(
    sender: type, instance: models.Model, created: bool, raw: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or not isinstance(instance, AuditedModel):
        return
    after = instance._audit_snapshot()
    if update_fields is not None:  # only these were written; the others keep their loaded values
        saved = {instance._meta.get_field(name).name for name in update_fields}
        after = {name: value for name, value in after.items() if name in saved}
    loaded = getattr(instance, "_audit_loaded", {})
    before: dict[str, Any] = {} if created else loaded
    changes = {
        name: [instance._audit_display(name, before.get(name)), instance._audit_display(name, value)]
        for name, value in after.items()
        if (created and value not in (None, "")) or (not created and before.get(name) != value)
    }
    instance._audit_loaded = {**loaded, **after}
    if not created and not changes:
        return
    _append(
        record_type=sender._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance),
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        changes=changes,
    )


def _m2m_names(obj: models.Model, field: models.Field) -> list[str]:
    return sorted(str(related) for related in getattr(obj, field.name).all())


def _on_pre_delete(sender: type, instance: models.Model, **kwargs: Any) -> None:
    # The many-to-many rows go before post_delete fires: note them now for the delete entry.
    if isinstance(instance, AuditedModel) and instance.pk is not None:
        instance._audit_m2m_at_delete = {
            field.name: names for field in instance._meta.many_to_many if (names := _m2m_names(instance, field))
        }


def _on_delete(sender: type, instance: models.Model, **kwargs: Any) -> None:
    if not isinstance(instance, AuditedModel):
        return
    before = {**(getattr(instance, "_audit_loaded", None) or instance._audit_snapshot())}
    before.update(getattr(instance, "_audit_m2m_at_delete", {}))
    _append(
        record_type=sender._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance),
        action=AuditAction.DELETE,
        changes={name: [instance._audit_display(name, value), None] for name, value in before.items()},
    )


def _on_m2m(
    sender: type, instance: models.Model, action: str, reverse: bool, model: type, pk_set: Any, **kwargs: Any
) -> None:
    """Record changes to many-to-many fields of audited models, such as a user's portal roles.

    Changes made from either side are recorded on the audited record: ``person.groups.add(group)``
    and ``group.user_set.add(person)`` both give an entry for the person.
    """
    audited = model if reverse else type(instance)
    if not issubclass(audited, AuditedModel):
        return
    field = next((f for f in audited._meta.many_to_many if f.remote_field.through is sender), None)
    if field is None:
        return
    if action.startswith("pre_"):
        if not reverse:
            targets = [instance]
        elif pk_set is not None:
            targets = list(audited._base_manager.filter(pk__in=pk_set))
        else:  # clear(): everyone currently linked
            targets = list(audited._base_manager.filter(**{field.name: instance}))
        instance._audit_m2m_pending = [(target, _m2m_names(target, field)) for target in targets]
        return
    for target, before in instance.__dict__.pop("_audit_m2m_pending", []):
        after = _m2m_names(target, field)
        if after != before:
            _append(
                record_type=audited._meta.label_lower,
                object_id=str(target.pk),
                object_repr=str(target),
                action=AuditAction.UPDATE,
                changes={field.name: [before, after]},
            )


post_save.connect(_on_save, dispatch_uid="audit_on_save")
pre_delete.connect(_on_pre_delete, dispatch_uid="audit_on_pre_delete")
post_delete.connect(_on_delete, dispatch_uid="audit_on_delete")
m2m_changed.connect(_on_m2m, dispatch_uid="audit_on_m2m")


# --- Reading and verifying --------------------------------------------------------------------


def _model_for(record_type: str) -> type[models.Model] | None:
    from django.apps import apps

    try:
        return apps.get_model(record_type)
    except (LookupError, ValueError):
        return None


def audited_record_types() -> list[tuple[str, str]]:
    """(label, verbose name) of every audited model, for the trail's "kind of record" filter."""
    from django.apps import apps

    kinds = [
        (model._meta.label_lower, capfirst(model._meta.verbose_name))  # capfirst keeps "RACI" as written
        for model in apps.get_models()
        if issubclass(model, AuditedModel)
    ]
    return sorted(kinds, key=lambda kind: kind[1])


@dataclass(frozen=True)
class ChangeLine:
    """One field of a recorded change, labelled and with related records named, for display."""

    field: str
    before: Any
    after: Any


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # a field since removed from the model: show its raw name
        return None


def _readable(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    return value


def audit_change_lines(entries: Sequence[AuditEntry]) -> None:
    """Give each entry ``change_lines``: field labels, and the names of related records instead of their ids.

    Related records are looked up with one query per related model for the whole page of entries.
    """
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for entry in entries:
        model = _model_for(entry.record_type)
        for name, values in entry.changes.items():
            field = _field(model, name)
            if field is not None and field.many_to_one:
                wanted[field.related_model].update(v for v in values if v is not None)
    names = {
        related: {str(pk): str(obj) for pk, obj in related._base_manager.in_bulk(list(ids)).items()}
        for related, ids in wanted.items()
    }
    for entry in entries:
        model = _model_for(entry.record_type)
        lines = []
        for name, (before, after) in entry.changes.items():
            field = _field(model, name)
            label = str(getattr(field, "verbose_name", name))
            if model is not None and issubclass(model, AuditedModel):
                label = model.audit_labels.get(name, label)
            if field is not None and field.many_to_one:
                known = names.get(field.related_model, {})
                before, after = (None if v is None else known.get(str(v), f"#{v} (deleted)") for v in (before, after))
            lines.append(ChangeLine(label, _readable(before), _readable(after)))
        entry.change_lines = lines


@dataclass(frozen=True)
class ChainHead:
    """The last entry of the chain as a verification saw it, to detect later removal or rewriting."""

    entry_id: int
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain: how many entries were checked, the first bad one, the head."""

    checked: int
    bad_entry_id: int | None = None
    problem: str = ""
    head: ChainHead | None = None

    @property
    def ok(self) -> bool:
        return self.bad_entry_id is None


def audit_verify(*, known_head: ChainHead | None = None, progress: Any = None, chunk_size: int = 2000) -> VerifyResult:
    """Walk the whole chain in order and report the first entry whose content or link was altered.

    The chain alone cannot show entries cut from its end, nor a chain whose hashes were all recomputed
    after an edit; ``known_head``, the head an earlier verification saw, catches both: that entry must
    still be there with the same hash. ``progress``, when given, is called with (entries checked,
    entries in all) every chunk.
    """
    total = AuditEntry.objects.count()
    expected_prev = GENESIS_HASH
    checked = 0
    head = None
    known_head_intact = known_head is None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.prev_hash != expected_prev:
            problem = f"entry #{entry.pk} does not follow the one before it: an entry was removed or altered"
            return VerifyResult(checked, entry.pk, problem)
        if entry.compute_hash() != entry.hash:
            return VerifyResult(checked, entry.pk, f"entry #{entry.pk} was changed after it was written")
        if known_head is not None and entry.pk == known_head.entry_id:
            known_head_intact = entry.hash == known_head.hash
        expected_prev = entry.hash
        head = ChainHead(entry.pk, entry.hash)
        checked += 1
        if progress and checked % chunk_size == 0:
            progress(checked, total)
    if progress:
        progress(checked, total)
    if not known_head_intact:
        problem = (
            f"entry #{known_head.entry_id}, the last one at the previous verification, is gone or different: "
            "entries were removed from the end or the chain was rewritten"
        )
        return VerifyResult(checked, known_head.entry_id, problem)
    return VerifyResult(checked, head=head)


def audit_last_verified_head() -> ChainHead | None:
    """The head recorded by the latest verification job that found the chain intact."""
    from qms_portal.models import Job, JobStatus

    job = (
        Job.objects.filter(kind="verify_audit_trail", status=JobStatus.SUCCEEDED, result__ok=True)
        .exclude(result__head_id=None)
        .order_by("-finished_at", "-pk")
        .first()
    )
    return ChainHead(job.result["head_id"], job.result["head_hash"]) if job else None
