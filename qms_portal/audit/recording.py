"""Writing the audit trail: appending a hash-chained entry, workflow steps, and the receivers that record every
create, change and delete of an ``AuditedModel`` (cascades included).

The receivers are connected when this module is imported, which ``QmsPortalConfig.ready()`` makes sure of.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone

from qms_portal.audit.context import current_actor, current_reason
from qms_portal.models.audit import GENESIS_HASH, AuditAction, AuditedModel, AuditEntry, jsonable

_CHAIN_LOCK_KEY = 90010501  # any constant; names the PostgreSQL advisory lock that orders appends
_CHAIN_BATCH = 1000  # entries per INSERT when a bulk write appends many at once

# Entries held back by a bulk write (``_entries_chained_together``) to be chained in one pass; None: write each now.
_held: ContextVar[list[AuditEntry] | None] = ContextVar("audit_held_entries", default=None)


# --- Appending to the chain -------------------------------------------------------------------


def _lock_chain() -> None:
    # SQLite runs write transactions one at a time (transaction_mode IMMEDIATE); PostgreSQL needs a lock
    # so that two appends cannot both read the same last hash.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _chain(entries: list[AuditEntry]) -> None:
    """Link ``entries`` to the head of the chain, in order, and write them: under the chain's lock, in one
    transaction, so no other append can come between the head read here and the entries written after it."""
    if not entries:
        return
    with transaction.atomic():
        _lock_chain()
        prev = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        now = timezone.now()
        for entry in entries:
            entry.created_at = now
            entry.prev_hash = prev
            entry.hash = prev = entry.compute_hash()
        if len(entries) == 1:
            entries[0].save()
            return
        # The trail's own manager refuses bulk inserts to everyone else; these entries are chained already.
        plain: models.QuerySet[AuditEntry] = models.QuerySet(model=AuditEntry)
        for start in range(0, len(entries), _CHAIN_BATCH):
            plain.bulk_create(entries[start:start + _CHAIN_BATCH])


def _append(
    *, record_type: str, object_id: str, object_repr: str, action: str, changes: dict, step: str = "", reason: str = ""
) -> AuditEntry:
    actor_id, actor_name, actor_username = current_actor()
    entry = AuditEntry(
        actor_id=actor_id,
        actor_name=actor_name[:200],
        actor_username=actor_username[:150],
        record_type=record_type,
        object_id=str(object_id),
        object_repr=object_repr[:300],
        action=action,
        step=step,
        changes=jsonable(changes),
        reason=reason or current_reason(),
    )
    held = _held.get()
    if held is not None:
        held.append(entry)  # chained with the others at the end of the bulk write
    else:
        _chain([entry])
    return entry


@contextmanager
def _entries_chained_together() -> Iterator[None]:
    """Hold the entries written inside the block in memory and, when it ends without an error, chain them in one
    pass and write them in batches, in one transaction with the rows they record (for ``qms_portal.audit.bulk``
    only). An error rolls back the rows and drops the entries together. A block inside another adds to its entries.
    """
    if _held.get() is not None:
        yield
        return
    held: list[AuditEntry] = []
    with transaction.atomic():
        token = _held.set(held)
        try:
            yield
        finally:
            _held.reset(token)
        _chain(held)


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
    _append(
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
