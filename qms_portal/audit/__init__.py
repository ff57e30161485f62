"""The audit trail: one append-only, hash-chained record of every change to a business record.

A model takes part by inheriting ``AuditedModel``. Creates, changes and deletes (cascades included)
are recorded by the receivers of ``recording``; workflow steps by ``audit_step()``. Many records of one model are
written at once, each with the entry a single save would have, only through ``audited_bulk_create()``,
``audited_bulk_update()`` and ``audited_bulk_delete()`` (``bulk``), workflow steps with ``audited_bulk_step()``.
Who acted and why come from ``audit_context()`` (``context``), which the request middleware, commands and tasks set.
A record's trail is read with ``audit_history()`` (``history``); the values its fields held at a moment with
``audit_values_at()``.

Each entry stores an HMAC under the records key (``qms_portal.records_key``) of its own content and of
the entry before it, so editing or removing a row by hand breaks the chain and nobody without the key can
rebuild it; ``audit_verify()`` (``verification``) names the first bad row, and compares the chain with the
anchors (``AuditAnchor``), the heads each verification recorded outside the trail, which shows entries cut
from the end. The ORM refuses to update or delete entries; on PostgreSQL a trigger (migration 0002) refuses
it in the database too. The models themselves live in ``qms_portal.models.audit``, which imports nothing from here.
"""
from qms_portal.audit.bulk import (
    audited_bulk_create,
    audited_bulk_delete,
    audited_bulk_m2m_add,
    audited_bulk_step,
    audited_bulk_update,
)
from qms_portal.audit.context import audit_context
from qms_portal.audit.history import (
    AUDIT_CSV_HEADER,
    EMAIL_HIDDEN,
    audit_change_lines,
    audit_csv_rows,
    audit_entries_by,
    audit_history,
    audit_stored_changes,
    audit_values_at,
    audited_record_types,
)
from qms_portal.audit.recording import audit_step
from qms_portal.audit.verification import (
    AnchorsFileRefused,
    ChainHead,
    VerifyResult,
    audit_anchor_record,
    audit_anchors_export,
    audit_anchors_from_export,
    audit_verify,
)
from qms_portal.models.audit import (
    GENESIS_HASH,
    AuditAction,
    AuditAnchor,
    AuditBypassRefused,
    AuditedModel,
    AuditedQuerySet,
    AuditEntry,
    AuditTrailImmutable,
    ChangeLine,
)

__all__ = [
    "AUDIT_CSV_HEADER", "EMAIL_HIDDEN", "GENESIS_HASH",
    "AnchorsFileRefused", "AuditAction", "AuditAnchor", "AuditBypassRefused", "AuditEntry", "AuditTrailImmutable",
    "AuditedModel", "AuditedQuerySet", "ChainHead", "ChangeLine", "VerifyResult", "audit_anchor_record",
    "audit_anchors_export", "audit_anchors_from_export", "audit_change_lines", "audit_context", "audit_csv_rows",
    "audit_entries_by", "audit_history", "audit_step", "audit_stored_changes", "audit_values_at", "audit_verify",
    "audited_bulk_create", "audited_bulk_delete", "audited_bulk_m2m_add", "audited_bulk_step", "audited_bulk_update",
    "audited_record_types",
]
