"""The contract between the evidence pack and its sections.

A section (one per requirement area: 5.1, 9.3, 5.2, 5.3, the integrity extract) says how it splits into parts
(``plan``) and what each part shows (``content``). Each part renders as a PDF of its own, on whichever ``pdf``
worker takes it, so a big section (the RACI matrix, the audit extract) should split into parts of a few dozen
pages each; the parts of all sections are merged in order, and page numbers, contents and bookmarks are made
right for the whole document afterwards.

``plan`` runs once when the pack starts and must be cheap (counts, ids). ``content`` runs in the worker that
renders the part; it reads the records as they stood at the period's end and returns the template to draw,
its context, the records shown (for the pack's manifest) and any CSV files to attach to the PDF.

Part templates extend ``leadership/pack/part.html``: it brings the stylesheet (``static/css/pack.css``), the
running header and footer, and ``pack`` in the context (number, organisation, period, generated at). Headings
``h1`` (the section, once, in its first part), ``h2`` and ``h3`` become the PDF's bookmarks and the cover's
contents; give a heading ``class="no-toc"`` to keep it out. Put ``class="landscape"`` on a block that must be
on A4 landscape pages (wide tables).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from leadership.evidence_pack.period import SCOPE_CHOICES, PackPeriod
from qms_portal.models.audit import jsonable

__all__ = [
    "SCOPE_CHOICES", "ManifestRecord", "PackSection", "PartContent", "PartPlan", "manifest_record", "record_sha256",
]



@dataclass(frozen=True)
class PartPlan:
    """One part of a section: ``args`` (JSON) go back to the section's ``content``; ``label`` names the part in
    progress and failure messages ("RACI matrix, roles 25-48"); ``weight`` is a rough cost (rows, pages) so that
    the heaviest parts are sent first."""

    label: str
    args: dict[str, Any] = field(default_factory=dict)
    weight: int = 1


@dataclass(frozen=True)
class ManifestRecord:
    """A record the pack shows, for the manifest: its type (``app.model``), id, a SHA-256 of its content and a
    short label."""

    type: str
    id: str
    sha256: str
    label: str


@dataclass
class PartContent:
    """What a part draws: ``template`` with ``context``; the records it shows; CSV files to attach (name to text)."""

    template: str
    context: dict[str, Any]
    records: list[ManifestRecord] = field(default_factory=list)
    attachments: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PackSection:
    """A section of the pack: its key (a requirement id, or "integrity"), title, the scopes it belongs to, and
    how it plans and draws its parts."""

    key: str
    title: str
    scopes: frozenset[str]
    content: Callable[[PackPeriod, dict[str, Any]], PartContent]
    plan: Callable[[PackPeriod], list[PartPlan]] = lambda period: [PartPlan(label="")]
    # For a section whose parts depend on the pack's scope (the integrity extract): used instead of ``plan``.
    plan_for_scope: Callable[[PackPeriod, str], list[PartPlan]] | None = None
    # The record types (``app.model``, lower case) this section evidences: the integrity section extracts the
    # audit trail's entries about these.
    record_types: tuple[str, ...] = ()

    def plans(self, period: PackPeriod, scope: str) -> list[PartPlan]:
        """The parts of this section in a pack of ``scope``."""
        return self.plan_for_scope(period, scope) if self.plan_for_scope else self.plan(period)


def record_sha256(record: models.Model) -> str:
    """The SHA-256 of a record's field values as stored (JSON, keys sorted): the same record, unchanged, always
    gives the same hash."""
    values = {f.name: jsonable(getattr(record, f.attname)) for f in record._meta.concrete_fields}
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def manifest_record(record: models.Model, label: str = "") -> ManifestRecord:
    """The manifest entry of ``record``."""
    return ManifestRecord(
        type=record._meta.label_lower, id=str(record.pk), sha256=record_sha256(record), label=label or str(record)
    )
