"""Reading the audit trail: the trail of one record, the kinds of audited record, and changes made readable."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.text import capfirst

from qms_portal.models.audit import (
    AuditAction,
    AuditedModel,
    AuditEntry,
    AuditEntryQuerySet,
    ChangeLine,
    model_for_record_type,
)


def audit_history(*records: models.Model, steps_only: bool = False, newest_first: bool = False) -> AuditEntryQuerySet:
    """The trail of ``records`` (one or several): every entry about them, or only their workflow steps with
    ``steps_only``; oldest first unless ``newest_first``. One query, whatever the number of records.

    The one way an app reads a record's life from the trail; a queryset, so a caller may narrow it further.
    """
    entries = AuditEntry.objects.of_records(records)
    if steps_only:
        entries = entries.filter(action=AuditAction.STEP)
    return entries.order_by("-created_at", "-pk") if newest_first else entries.order_by("created_at", "pk")


def audited_record_types() -> list[tuple[str, str]]:
    """(label, verbose name) of every audited model, for the trail's "kind of record" filter."""
    kinds = [
        (model._meta.label_lower, str(capfirst(model._meta.verbose_name)))  # capfirst keeps "RACI" as written
        for model in apps.get_models()
        if issubclass(model, AuditedModel)
    ]
    return sorted(kinds, key=lambda kind: kind[1])


def _field(model: type[models.Model] | None, name: str) -> models.Field | models.ForeignObjectRel | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # a field since removed from the model: show its raw name
        return None


def _points_to(field: models.Field | models.ForeignObjectRel | None) -> type[models.Model] | None:
    """The model a foreign key's recorded ids refer to; None for any other field."""
    return field.related_model if field is not None and field.many_to_one else None


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
        model = model_for_record_type(entry.record_type)
        for name, values in entry.changes.items():
            related = _points_to(_field(model, name))
            if related is not None:
                wanted[related].update(v for v in values if v is not None)
    names = {
        related: {str(pk): str(obj) for pk, obj in related._base_manager.in_bulk(list(ids)).items()}
        for related, ids in wanted.items()
    }
    for entry in entries:
        model = model_for_record_type(entry.record_type)
        lines = []
        for name, (before, after) in entry.changes.items():
            field = _field(model, name)
            label = str(getattr(field, "verbose_name", name))
            if model is not None and issubclass(model, AuditedModel):
                label = model.audit_labels.get(name, label)
            related = _points_to(field)
            if related is not None:
                known = names.get(related, {})
                before, after = (None if v is None else known.get(str(v), f"#{v} (deleted)") for v in (before, after))
            lines.append(ChangeLine(label, _readable(before), _readable(after)))
        entry.change_lines = lines
