"""Reading the audit trail: the trail of one record, the kinds of audited record, and changes made readable."""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from qms_portal.models.audit import (
    AuditAction,
    AuditedModel,
    AuditEntry,
    AuditEntryQuerySet,
    ChangeLine,
    model_for_record_type,
)
from qms_portal.models.people import User
from qms_portal.pagination import keyset_chunks
from qms_portal.presentation import day

# What a reader who does not manage people reads in place of an e-mail address (issue 10: e-mails show only to
# those who manage people), on the trail's page and in its CSV alike.
EMAIL_HIDDEN = "(e-mail address, shown to those who manage people)"


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


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:  # a field since removed from the model: show its raw name
        return None
    return field if isinstance(field, models.Field) else None  # a reverse relation is no field of the record


def _points_to_one(field: models.Field | None) -> bool:
    return field is not None and field.concrete and bool(field.many_to_one or field.one_to_one)


def _when(field: models.Field, value: Any) -> Any:
    """A stored date or date and time (ISO text) as the pages write it; the text as stored if it does not parse."""
    try:
        if isinstance(field, models.DateTimeField):
            return day(dt.datetime.fromisoformat(value), "datetime")
        return day(dt.date.fromisoformat(value), "date")
    except (TypeError, ValueError):
        return value


def _readable(
    field: models.Field | None,
    value: Any,
    names: dict[type[models.Model], dict[str, str]],
    items: Any = None,
) -> Any:
    """``value`` as the portal shows it; None stays None (the template shows a dash or nothing). ``items`` is the
    list that an index field (``AuditedModel.audit_index_into``) points into, when the entry holds it."""
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    if field is None or value == "(redacted)":
        return value
    if isinstance(value, int) and not isinstance(value, bool) and items is not None:
        # An index is shown as the item, numbered from 1 as the pages number answers.
        shown = f"answer {value + 1}"
        return f"{shown}: {items[value]}" if isinstance(items, list) and 0 <= value < len(items) else shown
    if _points_to_one(field):
        related = cast(type[models.Model], field.related_model)
        return names.get(related, {}).get(str(value), f"#{value} (deleted)")
    if field.choices:
        labels = {str(stored): str(label) for stored, label in field.flatchoices}
        return labels.get(str(value), value)
    if isinstance(field, models.BooleanField) and isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(field, models.DateField) and isinstance(value, str):  # DateTimeField included
        return _when(field, value)
    return value


def _emails_of(model: type[models.Model] | None) -> set[str]:
    """The names of the e-mail fields of ``model``: their values are personal data."""
    if model is None:
        return set()
    return {field.name for field in model._meta.concrete_fields if isinstance(field, models.EmailField)}


def audit_stored_changes(entry: AuditEntry, *, show_emails: bool) -> dict[str, Any]:
    """The entry's stored values (``changes``) as a reader may see them: e-mail addresses hidden unless
    ``show_emails``. For the CSV's machine-readable column."""
    hidden = set() if show_emails else _emails_of(model_for_record_type(entry.record_type))
    return {
        name: ([_hide(side) for side in values] if isinstance(values, list) else _hide(values))
        if name in hidden else values
        for name, values in entry.changes.items()
    }


def _hide(value: Any) -> Any:
    return None if value in (None, "") else EMAIL_HIDDEN


def audit_change_lines(entries: Sequence[AuditEntry], *, show_emails: bool) -> None:
    """Give each entry ``change_lines`` (``ChangeLine``): what changed as the portal's pages show it, for any
    audited model, read from its field definitions (labels, choices, related models, booleans). E-mail
    addresses show only when ``show_emails`` (to readers who manage people); others read ``EMAIL_HIDDEN``.

    Related records are named as they are now, while they exist; one query per related model for the whole
    page of entries, so a page costs the same queries whatever its entries.
    """
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for entry in entries:
        model = model_for_record_type(entry.record_type)
        for name, values in entry.changes.items():
            field = _field(model, name)
            if _points_to_one(field) and isinstance(values, list):
                related = cast(type[models.Model], cast(models.Field, field).related_model)
                wanted[related].update(v for v in values if v is not None and not isinstance(v, list))
    names = {
        related: {str(pk): str(obj) for pk, obj in related._base_manager.in_bulk(list(ids)).items()}
        for related, ids in wanted.items()
    }
    for entry in entries:
        model = model_for_record_type(entry.record_type)
        lines = []
        audited = model if model is not None and issubclass(model, AuditedModel) else None
        hidden = set() if show_emails else _emails_of(model)
        for name, values in entry.changes.items():
            before, after = _sides(values)
            if name in hidden:
                before, after = _hide(before), _hide(after)
            field = _field(model, name)
            label = str(getattr(field, "verbose_name", name))
            items: tuple[Any, Any] = (None, None)
            if audited is not None:
                label = audited.audit_labels.get(name, label)
                if name in audited.audit_index_into:  # the list it indexes, as the entry holds it on each side
                    items = _sides(entry.changes.get(audited.audit_index_into[name], [[], []]))
                    items = (items[0] or [], items[1] or [])
            shown = (_readable(field, before, names, items[0]), _readable(field, after, names, items[1]))
            lines.append(ChangeLine(label, shown[0], shown[1], before, after))
        entry.change_lines = lines


def _sides(values: Any) -> tuple[Any, Any]:
    """(before, after) of a recorded change; a step's change may hold a single value: it is the after."""
    if isinstance(values, list) and len(values) == 2:
        return values[0], values[1]
    return None, values


# --- Entries by who acted: a person's account, or a command's or task's name -----------------------------------

ACCOUNTS_LISTED = 100  # beyond this many matching accounts, their entries are dense: let the database walk the ids


def audit_actor_labels() -> list[str]:
    """The names that commands and tasks (actors without an account: "seed_demo", "system") wrote entries under.

    A loose index scan (index ``audit_label_id``): one probe per distinct name, not a pass over the trail."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    # ORDER BY ... LIMIT 1 rather than MIN(): SQLite seeks the index for it, but scans it for a MIN() with a WHERE.
    first = f"SELECT actor_name FROM {table} WHERE actor_id IS NULL"  # noqa: S608 (the table's name, no input)
    sql = (
        f"WITH RECURSIVE labels(name) AS (SELECT ({first} ORDER BY actor_name LIMIT 1)"  # noqa: S608 (as above)
        f" UNION ALL SELECT ({first} AND actor_name > labels.name ORDER BY actor_name LIMIT 1)"
        " FROM labels WHERE labels.name IS NOT NULL) SELECT name FROM labels WHERE name IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def audit_entries_by(who: str) -> Q:
    """The condition for the entries of whoever ``who`` names: the people whose name, now or before a change of name,
    holds it or whose user name it is (their entries by account, written under any name they had), and the commands
    or tasks whose name holds it.

    The text is matched against the people and the few command names first, then the trail is read by account or by
    name along an index ending in the id, so a page of a person's entries reads about 50 rows, not the whole trail.
    """
    text = who.strip()
    needle = text.casefold()
    # A name a person had before a change of name is in the trail of their own record: read there (the people's
    # entries only, along the kind-of-record index), so the name shown on an old entry still finds it.
    named_before = {int(pk) for pk in AuditEntry.objects.filter(
        record_type=User._meta.label_lower, changes__full_name__icontains=text,
    ).values_list("object_id", flat=True).distinct()[: ACCOUNTS_LISTED + 1]}
    accounts = User._base_manager.filter(
        Q(full_name__icontains=text) | Q(username__iexact=text) | Q(pk__in=named_before)
    )
    ids = list(accounts.values_list("pk", flat=True)[: ACCOUNTS_LISTED + 1])
    labels = [name for name in audit_actor_labels() if needle in name.casefold()]
    found = Q(pk__in=[])  # nobody
    if ids:
        found |= Q(actor_id__in=accounts.values("pk")) if len(ids) > ACCOUNTS_LISTED else Q(actor_id__in=ids)
    if labels:
        found |= Q(actor_id__isnull=True, actor_name__in=labels)
    return found


# --- The trail as CSV: the page's export and the evidence pack's extract -------------------------

CSV_CHUNK = 500  # entries whose change lines are made together: one lookup per related model per chunk
AUDIT_CSV_HEADER = [
    "id", "time (UTC)", "local time", "who", "user name", "action", "step", "record type", "record id", "record",
    "changes", "reason", "changes (stored values, JSON)", "hash",
]


def audit_csv_rows(entries: QuerySet[AuditEntry], *, show_emails: bool) -> Iterator[list[Any]]:
    """One row per entry: the changes as the page shows them, then the stored values as JSON for machines;
    e-mail addresses in both only when ``show_emails``.

    Entries are read in chunks by id range (``keyset_chunks``) and their change lines made a chunk at a time, so
    related records are looked up once per chunk, not once per line, and a trail of any length streams in bounded
    memory from its first rows on.
    """
    zone = timezone.get_current_timezone()
    for chunk in keyset_chunks(entries, CSV_CHUNK):
        audit_change_lines(chunk, show_emails=show_emails)
        for entry in chunk:
            yield [
                entry.pk,
                entry.created_at.astimezone(dt.UTC).isoformat(),
                entry.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
                entry.actor_name,
                entry.account_username,
                entry.get_action_display(),
                entry.step,
                entry.record_type,
                entry.object_id,
                entry.object_repr,
                "; ".join(_csv_line(line) for line in entry.change_lines),
                entry.reason,
                json.dumps(audit_stored_changes(entry, show_emails=show_emails), ensure_ascii=False, sort_keys=True),
                entry.hash,
            ]


def _csv_line(line: ChangeLine) -> str:
    after = "—" if line.after is None else line.after
    return f"{line.field}: {after}" if line.before is None else f"{line.field}: {line.before} → {after}"


# --- Values at a moment ---------------------------------------------------------------------------

def audit_values_at(
    model: type[models.Model], ids: Iterable[Any], at: dt.datetime, fields: Iterable[str] | None = None,
) -> dict[Any, dict[str, Any]]:
    """The values that ``fields`` (every concrete field by default) of the records ``ids`` of ``model`` held at the
    moment ``at``, read from the trail, for the fields changed since: by record id, each such field's value as the
    first change at or after ``at`` found it (the value the last change before ``at`` left), as a Python value (a
    link as the linked record's id). A field missing from a record's dict has not changed since ``at``: its current
    value is the one it held then; so a record created before the trail began reads right too.

    Only changes count, not creations: a record created after ``at`` did not exist then, which the caller knows from
    its creation time (and a creation time set back by an import must not blank the record). One query over the
    trail for all the records, whatever their number; redacted values are never restored."""
    wanted = {str(pk): pk for pk in ids}
    if not wanted:
        return {}
    redacted = set(model.audit_redact) if issubclass(model, AuditedModel) else set()
    concrete = {field.name: field for field in model._meta.concrete_fields if not field.primary_key}
    names = set(concrete) if fields is None else {name for name in fields if name in concrete}
    names -= redacted
    entries = (
        AuditEntry.objects.filter(
            record_type=model._meta.label_lower,
            object_id__in=sorted(wanted),
            action=AuditAction.UPDATE,
            created_at__gte=at,
        )
        .order_by("created_at", "pk")
        .values_list("object_id", "changes")
    )
    found: dict[Any, dict[str, Any]] = {}
    for object_id, changes in entries:
        if not isinstance(changes, dict):
            continue
        values = found.setdefault(wanted[object_id], {})
        for name, change in changes.items():
            if name in names and name not in values and isinstance(change, list) and len(change) == 2:
                values[name] = _python_value(concrete[name], change[0])
    return {pk: values for pk, values in found.items() if values}


def _python_value(field: models.Field, stored: Any) -> Any:
    """A value as the trail stored it (``jsonable``), back as the field holds it; kept as stored if it no longer
    parses (a choice's label written by an older entry, say)."""
    if stored is None:
        return None
    try:
        return field.to_python(stored)
    except (TypeError, ValueError, ValidationError):  # what the field refuses today is still what the trail says
        return stored
