"""Writing the audit trail: appending a hash-chained entry, workflow steps, and the receivers that record every
create, change and delete of an ``AuditedModel`` (cascades included).

The receivers are connected when this module is imported, which ``QmsPortalConfig.ready()`` makes sure of.
"""
from __future__ import annotations

import datetime as dt
import gc
import io
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NotRequired, TypedDict, Unpack, cast

from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone

from qms_portal.audit.context import Actor, actor_fields, current_actor, current_reason
from qms_portal.models.audit import (
    GENESIS_HASH,
    AuditAction,
    AuditedModel,
    AuditEntry,
    entry_hashed_payload,
    jsonable,
)
from qms_portal.records_key import records_hmac

_CHAIN_LOCK_KEY = 90010501  # any constant; names the PostgreSQL advisory lock that orders appends
_CHAIN_BATCH = 1000  # entries per INSERT when a bulk write appends many at once and COPY is not at hand
_COPY_CHUNK = 1 << 20  # bytes sent per message of a COPY (psycopg2 reads 8 kB at a time unless told)

# The entries a bulk write holds back (``_entries_chained_together``) to chain in one pass, each as its field values by
# attribute name (cheaper than a model instance, and hashed by the same function); None: write each entry now.
_held: ContextVar[list[dict[str, Any]] | None] = ContextVar("audit_held_entries", default=None)


# --- Appending to the chain -------------------------------------------------------------------


def _lock_chain() -> None:
    # SQLite runs write transactions one at a time (transaction_mode IMMEDIATE); PostgreSQL needs a lock
    # so that two appends cannot both read the same last hash.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _head() -> str:
    return AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH


class Recorded(TypedDict):
    """What a change to record says: the record, the action, its changes; a step's name and a reason when given."""

    record_type: str
    object_id: str
    object_repr: str
    action: str
    changes: dict
    step: NotRequired[str]
    reason: NotRequired[str]


def _entry_values(
    *, record_type: str, object_id: str, object_repr: str, action: str, changes: dict, step: str = "", reason: str = "",
    actor: tuple[int | None, str, str] | None = None,
) -> dict[str, Any]:
    """An entry's recorded fields (who, which record, what, why), by attribute name; the chain adds when and the
    hashes. Who acts is ``actor`` (``actor_fields()``) when given, else whoever the context names."""
    actor_id, actor_name, actor_username = actor or current_actor()
    return {
        "actor_id": actor_id,
        "actor_name": actor_name[:200],
        "actor_username": actor_username[:150],
        "record_type": record_type,
        "object_id": str(object_id),
        "object_repr": object_repr[:300],
        "action": action,
        "step": step,
        "changes": changes,  # JSON values already: the receivers record snapshots, audit_step converts
        "reason": reason or current_reason(),
    }


def _append(**recorded: Unpack[Recorded]) -> AuditEntry:
    """Write one entry now, at the head of the chain, under its lock."""
    entry = AuditEntry(**_entry_values(**recorded))
    with transaction.atomic():
        _lock_chain()
        entry.created_at = timezone.now()
        entry.prev_hash = _head()
        entry.hash = entry.compute_hash()
        entry.save()
    return entry


def _record(**recorded: Unpack[Recorded]) -> None:
    """Record a change: now, or with the others of the bulk write under way (``_entries_chained_together``)."""
    held = _held.get()
    if held is None:
        _append(**recorded)
    else:
        held.append(_entry_values(**recorded))


def _chain_held(held: list[dict[str, Any]]) -> None:
    """Link the held entries to the head of the chain in one pass, in order, and write them: under the chain's lock,
    in one transaction, so that no other append comes between the head read here and the entries written after it.
    Each is hashed by the function ``AuditEntry.compute_hash`` uses, over the same values."""
    if not held:
        return
    with transaction.atomic():
        _lock_chain()
        prev = _head()
        now = timezone.now()
        for values in held:
            values["created_at"] = now
            values["prev_hash"] = prev
            values["hash"] = prev = records_hmac(entry_hashed_payload(values))
        _insert(held)


def _insert(held: list[dict[str, Any]]) -> None:
    """Insert chained entries in chain order: with COPY on PostgreSQL (psycopg2), else a batch per statement, each value
    prepared for the database by its field. Not with ``bulk_create`` (which the trail's manager refuses to everyone
    else anyway): preparing 13 values per entry through the query compiler cost more than the rest of a bulk write.
    """
    fields = [field for field in AuditEntry._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)
    table = quote(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        copy = getattr(cursor.cursor, "copy_expert", None)
        if connection.vendor == "postgresql" and copy is not None:
            copy(_copy_statement(table, columns), _as_copy_text(held, fields), size=_COPY_CHUNK)
            return
        rows = _prepared_rows(held, fields)
        one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        insert = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (names from the model, no data)
        if connection.vendor == "sqlite":  # one statement run for each row, in the database's own loop
            cursor.executemany(insert + one_row, rows)
            return
        for start in range(0, len(rows), _CHAIN_BATCH):
            batch = rows[start:start + _CHAIN_BATCH]
            cursor.execute(insert + ", ".join([one_row] * len(batch)), [value for row in batch for value in row])


# COPY's text format: within a value, a backslash, a tab and a line break are escaped; \N alone is NULL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_escaped(text: str) -> str:
    # Looking for the four characters first is far quicker than translating every character of every value.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


def _copy_statement(table: str, columns: str) -> str:
    return f"COPY {table} ({columns}) FROM STDIN"  # the text format, as _as_copy_text writes it


def _as_copy_text(held: list[dict[str, Any]], fields: list[models.Field]) -> io.BytesIO:
    """The entries in COPY's text format, one line each: JSON as the field's encoder writes it, moments in ISO 8601
    with their offset, None as NULL. A value met again (the moment, who, why, the kind of record: the same for most
    entries of a bulk write) is converted once; text is only escaped. Cheaper than CSV, where every value is quoted.
    """
    converted: dict[tuple[type, Any], str] = {}  # by type too: True == 1, but one is written "True", the other "1"

    def plain(value: Any) -> str:
        key = (type(value), value)
        text = converted.get(key)
        if text is None:
            raw = "\\N" if value is None else value.isoformat() if isinstance(value, dt.datetime) else str(value)
            text = converted[key] = raw if value is None else _copy_escaped(raw)
        return text

    def json_text(encoder: type[json.JSONEncoder] | None) -> Callable[[Any], str]:
        encode = (encoder or json.JSONEncoder)().encode  # what json.dumps(value, cls=encoder) writes
        return lambda value: _copy_escaped(encode(value))

    def text(value: Any) -> str:  # a text field's value, different from entry to entry (the record, the hashes)
        return _copy_escaped(value if type(value) is str else str(value))

    def converter(field: models.Field) -> Callable[[Any], str]:
        if isinstance(field, models.JSONField):
            return json_text(field.encoder)
        return text if isinstance(field, models.CharField | models.TextField) and not field.null else plain

    columns = [(field.attname, converter(field)) for field in fields]
    lines = "".join(["\t".join([convert(values[name]) for name, convert in columns]) + "\n" for values in held])
    return io.BytesIO(lines.encode("utf-8"))


def _prepared_rows(held: list[dict[str, Any]], fields: list[models.Field]) -> list[list[Any]]:
    """Each entry's values as its fields prepare them for the database (as the ORM would)."""
    text = {field.attname for field in fields if isinstance(field, models.CharField | models.TextField)}
    prepared: dict[tuple[str, Any], Any] = {}  # the values most entries of a batch share: when, who, why...

    def prepare(field: models.Field, value: Any) -> Any:
        if type(value) is str and field.attname in text:
            return value  # what a text field prepares a string as
        if isinstance(value, dict | list):
            return field.get_db_prep_save(value, connection)
        key = (field.attname, value)
        if key not in prepared:
            prepared[key] = field.get_db_prep_save(value, connection)
        return prepared[key]

    return [[prepare(field, values[field.attname]) for field in fields] for values in held]


@contextmanager
def _entries_chained_together() -> Iterator[None]:
    """Hold the entries written inside the block in memory and, when it ends without an error, chain them in one
    pass and write them in batches, in one transaction with the rows they record (for ``qms_portal.audit.bulk``
    only). An error rolls back the rows and drops the entries together. A block inside another adds to its entries.
    """
    if _held.get() is not None:
        yield
        return
    held: list[dict[str, Any]] = []
    with transaction.atomic(), _cycle_collector_paused():
        token = _held.set(held)
        try:
            yield
        finally:
            _held.reset(token)
        _chain_held(held)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for the block, and resumed (if it ran before) after it. A bulk write makes a
    few dicts and lists for each of tens of thousands of entries, kept until they are written: each full collection
    the allocations set off walked every object of the process again, a fifth of a 48,000-letter import. Nothing
    here makes a cycle; whatever else does is collected once the collector runs again. The collector is the
    process's: other threads of the process (a threaded worker's) run without it for as long as the write lasts."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def audit_step(obj: models.Model, *, step: str, reason: str = "", changes: dict | None = None) -> AuditEntry:
    """Record a workflow step (``submitted``, ``approved``...) on ``obj``, with the comment given."""
    return _append(
        record_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj),
        action=AuditAction.STEP,
        step=step,
        changes=jsonable(changes or {}),
        reason=reason,
    )


# --- The receivers that record creates, changes and deletes --------------------------------


def _on_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    raw: bool,
    update_fields: frozenset[str] | None = None,
    **kwargs: object,
) -> None:
    if raw or not isinstance(instance, AuditedModel):
        return
    changes = _saved_changes(instance, created=created, update_fields=update_fields)
    if changes is None:
        return
    _record(
        record_type=sender._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance),
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        changes=changes,
    )


def _saved_changes(
    instance: AuditedModel, *, created: bool, update_fields: frozenset[str] | None = None
) -> dict[str, list[Any]] | None:
    """What saving ``instance`` changed, field by field [before, after] (a creation: the values it was given), or None
    when a change saved nothing new; and the values now stored become the ones a later save is compared with. The
    one account of a save, for a single one (``_on_save``) and for the rows of a bulk write (``_record_saves``)."""
    after = instance._audit_snapshot()
    if update_fields is not None:  # only these were written; the others keep their loaded values
        saved = {instance._meta.get_field(name).name for name in update_fields}
        after = {name: value for name, value in after.items() if name in saved}
    loaded = getattr(instance, "_audit_loaded", {})
    before: dict[str, Any] = {} if created else loaded
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if (created and value not in (None, "")) or (not created and before.get(name) != value)
    }
    if instance.audit_redact:
        changes = {
            name: [instance._audit_display(name, was), instance._audit_display(name, now)]
            for name, (was, now) in changes.items()
        }
    instance._audit_loaded = {**loaded, **after}
    return changes if created or changes else None


def _record_saves(
    model: type[AuditedModel], objs: Iterable[AuditedModel], *, created: bool,
    update_fields: frozenset[str] | None = None, actor_of: Callable[[Any], Actor] | None = None,
) -> None:
    """Record the saves of ``objs``, rows of ``model`` a bulk write has just written, each as ``_on_save`` records a
    single save, among the entries held (``_entries_chained_together``). Who acts, why and the kind of record are
    the same for every row, and worked out once; ``actor_of(obj)``, when given and not None, names a row's own
    actor, as ``audit_context(actor=...)`` would around its save."""
    held = _held.get()
    if held is None:
        raise RuntimeError("_record_saves() records the rows of a bulk write, inside _entries_chained_together().")
    record_type = model._meta.label_lower
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    actor = current_actor()
    reason = current_reason()
    for obj in objs:
        changes = _saved_changes(obj, created=created, update_fields=update_fields)
        if changes is None:
            continue
        own = actor_of(obj) if actor_of is not None else None
        held.append(_entry_values(
            record_type=record_type, object_id=str(obj.pk), object_repr=str(obj), action=action, changes=changes,
            reason=reason, actor=actor if own is None else actor_fields(own),
        ))


def _m2m_names(obj: models.Model, field: models.Field) -> list[str]:
    return sorted(str(related) for related in getattr(obj, field.name).all())


def _on_pre_delete(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
    # The many-to-many rows go before post_delete fires: note them now for the delete entry.
    if isinstance(instance, AuditedModel) and instance.pk is not None:
        instance._audit_m2m_at_delete = {
            field.name: names for field in instance._meta.many_to_many if (names := _m2m_names(instance, field))
        }


def _on_delete(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
    if not isinstance(instance, AuditedModel):
        return
    before = {**(getattr(instance, "_audit_loaded", None) or instance._audit_snapshot())}
    before.update(getattr(instance, "_audit_m2m_at_delete", {}))
    _record(
        record_type=sender._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance),
        action=AuditAction.DELETE,
        changes={name: [instance._audit_display(name, value), None] for name, value in before.items()},
    )


def _on_m2m(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    model: type[models.Model],
    pk_set: set[Any] | None,
    **kwargs: object,
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
        # ``instance`` may be any model (a group whose members change): the note lives in its __dict__.
        instance.__dict__["_audit_m2m_pending"] = [(target, _m2m_names(target, field)) for target in targets]
        return
    for target, before in instance.__dict__.pop("_audit_m2m_pending", []):
        after = _m2m_names(target, field)
        if after != before:
            _record(
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
