"""Audited writes in bulk: many records of one model created, changed or deleted in a few statements, each with the
same trail entry a single save or delete would have written.

``AuditedModel``'s manager refuses ``bulk_create()``, ``bulk_update()`` and ``update()``, which send no signals and
would change records without a trail. These functions are the one way round that refusal, and it cannot be taken
without the trail: each writes the rows, then records every written record with the very functions of ``recording``
that a single save or delete calls (who and when from ``audit_context()``, the record, before and after with the
same field serialisation, and the ``reason`` given here): a delete through its receivers, a save through the account
of a save the receiver gives too (``_saved_changes``), with who acts and why worked out once for all the rows. Those
entries are held in memory and chained in one pass at the end, under the same lock a single save takes, then
written in one COPY (PostgreSQL) or in batches, in one transaction with the rows: the rows and their entries are
kept together or not at all, and no other append can fall in the middle of the chain they extend.

A bulk write says why (``reason`` may not be blank). Changes are recorded against what the database holds when the
rows are locked, not what the caller loaded: the "before" of every update entry is the row as it was overwritten.

The rows are written with a plain queryset, so a model's own ``save()`` and ``delete()`` never run: a model whose
guards live there (a ``SignedRecord`` with its frozen fields, the parts of signed minutes) is refused, unless it says
``bulk_writable = True`` (its overrides guard nothing a bulk write could break). A workflow step recorded on many
records at once, as ``audit_step`` records one, is ``audited_bulk_step``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.db import models, router
from django.db.models.deletion import Collector

from qms_portal.audit.context import Actor, audit_context
from qms_portal.audit.recording import _entries_chained_together, _m2m_names, _record, _record_saves
from qms_portal.models.audit import AuditAction, AuditedModel, jsonable
from qms_portal.models.retention import RetainedRecord
from qms_portal.models.signatures import SignedRecord

M = TypeVar("M", bound=AuditedModel)

BATCH_SIZE = 1000

# The save() and delete() a bulk write stands in for: AuditedModel's (the trail, which the bulk path records itself)
# and RetainedRecord's delete (its refusal also runs as a pre_delete receiver, which audited_bulk_delete fires).
_STOOD_IN_FOR: dict[str, set[Callable[..., Any]]] = {
    "save": {models.Model.save, AuditedModel.save},
    "delete": {models.Model.delete, AuditedModel.delete, RetainedRecord.delete},
}


def _bulk_refusal(model: type[models.Model]) -> str:
    """Why ``model`` may not be written in bulk (empty: it may)."""
    if issubclass(model, SignedRecord):
        return f"{model._meta.label} is a signed record: its save() guards what the signature froze."
    if getattr(model, "bulk_writable", False):
        return ""
    own = [name for name, known in _STOOD_IN_FOR.items() if getattr(model, name) not in known]
    if own:
        return (f"{model._meta.label} has its own {' and '.join(f'{name}()' for name in own)}, which a bulk write "
                "would skip: write it one record at a time, or say bulk_writable = True on the model when they "
                "guard nothing a bulk write could break.")
    return ""


def _rows_of_one_model(
    objs: Iterable[M], *, reason: str, model: type[M] | None = None, writes: bool = True
) -> tuple[type[M] | None, list[M]]:
    """The rows as a list, and their model (None when there are none); refuses a blank reason, rows of several
    models, a model that is not audited, and (when the rows are to be written) one whose own save() or delete()
    a bulk write would skip."""
    if not reason.strip():
        raise ValueError("An audited bulk write needs a reason: it goes on every entry it writes.")
    rows = list(objs)
    model = model or (type(rows[0]) if rows else None)
    if model is None:
        return None, rows
    if not issubclass(model, AuditedModel):
        raise TypeError(f"{model._meta.label} is not audited: write it with the ORM's own bulk methods.")
    refusal = _bulk_refusal(model) if writes else ""
    if refusal:
        raise TypeError(refusal)
    strays = {type(row).__name__ for row in rows if type(row) is not model}
    if strays:
        raise TypeError(f"Every row of one audited bulk write is a {model.__name__}, not {', '.join(sorted(strays))}.")
    return model, rows


def _around_the_refusal(model: type[M]) -> models.QuerySet[M]:
    # A plain queryset, without the audited manager's refusal: used here only, always with the entries recorded.
    return models.QuerySet(model=model)


def audited_bulk_create(
    model: type[M], objs: Iterable[M], *, reason: str, batch_size: int = BATCH_SIZE,
    actor_of: Callable[[M], Actor] | None = None,
) -> list[M]:
    """Insert ``objs`` (new ``model`` instances) with ``bulk_create`` in batches, and record a "created" entry for
    each, as ``save()`` would, with ``reason``. The instances get their primary keys. Each entry names who acts in
    ``audit_context()``, or ``actor_of(obj)`` when given (records each made by their own person, such as
    acknowledgements)."""
    _, rows = _rows_of_one_model(objs, reason=reason, model=model)
    if not rows:
        return rows
    with audit_context(reason=reason), _entries_chained_together():
        created = _around_the_refusal(model).bulk_create(rows, batch_size=batch_size)
        if any(obj.pk is None for obj in created):  # the database did not return the keys: nothing to record against
            raise RuntimeError(f"bulk_create() gave no primary keys for {model._meta.label}: nothing recorded.")
        _record_saves(model, created, created=True, actor_of=actor_of)
    return created


def audited_bulk_m2m_add(objs: Iterable[M], field_name: str, targets: Iterable[models.Model], *, reason: str) -> int:
    """Add every one of ``targets`` to the many-to-many field ``field_name`` of each of ``objs`` (saved instances of
    one model), in batches, and record a "changed" entry for each record whose field changed, with its names before
    and after, as ``obj.<field>.add(...)`` would. Returns how many links were added."""
    model, rows = _rows_of_one_model(objs, reason=reason)
    targets = list(targets)
    if model is None or not targets:
        return 0
    field = model._meta.get_field(field_name)
    if not isinstance(field, models.ManyToManyField):
        raise TypeError(f"{model.__name__}.{field_name} is not a many-to-many field.")
    through: type[models.Model] = field.remote_field.through  # type: ignore[assignment]
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    with audit_context(reason=reason), _entries_chained_together():
        linked: dict[object, set[object]] = defaultdict(set)
        for source_id, target_id in through._default_manager.filter(
            **{f"{source}__in": [obj.pk for obj in rows]}
        ).values_list(f"{source}_id", f"{target}_id"):
            linked[source_id].add(target_id)
        names = {other.pk: str(other) for other in targets}
        new_links = []
        for obj in rows:
            missing = [other for other in targets if other.pk not in linked[obj.pk]]
            if not missing:
                continue
            before = _m2m_names(obj, field) if linked[obj.pk] else []
            new_links += [through(**{f"{source}_id": obj.pk, f"{target}_id": other.pk}) for other in missing]
            after = sorted(before + [names[other.pk] for other in missing])
            _record(record_type=model._meta.label_lower, object_id=str(obj.pk), object_repr=str(obj),
                    action=AuditAction.UPDATE, changes={field.name: [before, after]})
        through._default_manager.bulk_create(new_links, batch_size=BATCH_SIZE)
    return len(new_links)


def audited_bulk_update(
    objs: Iterable[M], fields: Sequence[str], *, reason: str, batch_size: int = BATCH_SIZE
) -> int:
    """Write ``fields`` of ``objs`` (saved instances of one model) with ``bulk_update`` in batches, and record a
    "changed" entry for each one whose audited fields changed, as ``save(update_fields=fields)`` would, with
    ``reason``. The rows are locked and read first: each entry's "before" is what the row held. Returns how many
    rows were written."""
    model, rows = _rows_of_one_model(objs, reason=reason)
    if model is None:
        return 0
    if any(obj.pk is None for obj in rows):
        raise ValueError(f"Every {model.__name__} of an audited bulk update must be saved already.")
    if len({obj.pk for obj in rows}) != len(rows):
        raise ValueError(f"A {model.__name__} appears twice in one audited bulk update.")
    written = [model._meta.get_field(name) for name in fields]
    with audit_context(reason=reason), _entries_chained_together():
        stored = model._base_manager.select_for_update().in_bulk([obj.pk for obj in rows])
        missing = [obj.pk for obj in rows if obj.pk not in stored]
        if missing:
            raise ValueError(f"{model.__name__} #{missing[0]} no longer exists: nothing was written.")
        for obj in rows:
            obj._audit_loaded = stored[obj.pk]._audit_loaded
            for field in written:  # as save() does: auto_now dates and the like take their new values
                if isinstance(field, models.Field):
                    setattr(obj, field.attname, field.pre_save(obj, add=False))
        count = _around_the_refusal(model).bulk_update(rows, list(fields), batch_size=batch_size)
        _record_saves(model, rows, created=False, update_fields=frozenset(fields))
    return count


def audited_bulk_delete(objs: Iterable[M], *, reason: str) -> int:
    """Delete ``objs`` (saved instances of one model), with whatever their deletion cascades to, in batches, and
    record a "deleted" entry for each record removed, as ``delete()`` would, with ``reason``. Records that must be
    kept are refused as they are one by one (``RetainedRecord``). Returns how many rows were deleted, cascades
    included."""
    model, rows = _rows_of_one_model(objs, reason=reason)
    if model is None:
        return 0
    with audit_context(reason=reason), _entries_chained_together():
        # What Model.delete() does for one record, for all of them: the delete signals, and with them the trail's
        # receivers, still fire for every row.
        collector = Collector(using=router.db_for_write(model))
        collector.collect(rows)
        deleted, _ = collector.delete()
    return deleted


def audited_bulk_step(
    objs: Iterable[M], *, step: str, reason: str, changes_of: Callable[[M], dict] | None = None
) -> int:
    """Record the workflow step ``step`` on each of ``objs`` (saved records of one model), as ``audit_step`` records
    it on one, with the changes ``changes_of(obj)`` gives and ``reason``: held and chained in one pass with the other
    entries of the bulk write under way, under the chain's lock. Returns how many entries were recorded."""
    model, rows = _rows_of_one_model(objs, reason=reason, writes=False)  # a step writes no row of the model
    if model is None:
        return 0
    if any(obj.pk is None for obj in rows):
        raise ValueError(f"Every {model.__name__} of an audited bulk step must be saved already.")
    record_type = model._meta.label_lower
    with audit_context(reason=reason), _entries_chained_together():
        for obj in rows:
            _record(record_type=record_type, object_id=str(obj.pk), object_repr=str(obj), action=AuditAction.STEP,
                    step=step, changes=jsonable(changes_of(obj) if changes_of is not None else {}), reason=reason)
    return len(rows)
