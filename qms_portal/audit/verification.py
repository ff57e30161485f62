"""Verifying the audit trail: walking the keyed hash chain for the first altered or missing entry, and comparing
it with the anchors, the heads earlier verifications recorded outside the trail (``AuditAnchor``).

The chain alone shows an entry edited or removed in the middle. It cannot show entries cut from its end, nor a chain
rebuilt after an edit by someone who holds the records key; the anchors show both: each anchored entry must still be
there with the same hash and the same number of entries up to it. A chain rebuilt without the key is found by the
chain itself: its hashes are not the key's. Anchors are sealed with the key, and an exported copy
(``audit_anchors_export``) can be kept elsewhere and checked against the trail (``verify_audit_trail --anchors FILE``).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from qms_portal.models.audit import GENESIS_HASH, AnchorKind, AuditAnchor, AuditEntry, anchor_seal_message
from qms_portal.pagination import keyset_rows
from qms_portal.records_key import canonical_json, records_hmac, records_hmac_matches

EXPORT_SCHEME = "qms-audit-anchors-export-v1"


@dataclass(frozen=True)
class ChainHead:
    """The last entry of the chain as a verification saw it, and how many entries led to it."""

    entry_id: int
    hash: str
    count: int


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain: how many entries were checked, the first problem and where, the head."""

    checked: int
    bad_entry_id: int | None = None
    problem: str = ""
    head: ChainHead | None = None
    anchors_compared: int = 0

    @property
    def ok(self) -> bool:
        return not self.problem


def _when(anchor: AuditAnchor) -> str:
    return f"{timezone.localtime(anchor.created_at):%Y-%m-%d %H:%M %Z}"


def _hash_checker(keyed_from: int) -> Callable[[AuditEntry], str]:
    def problem(entry: AuditEntry) -> str:
        legacy = entry.pk <= keyed_from
        if (entry.compute_unkeyed_hash() if legacy else entry.compute_hash()) == entry.hash:
            return ""
        if not legacy and entry.compute_unkeyed_hash() == entry.hash:
            return (f"entry #{entry.pk} carries a hash made without the records key: the chain was recomputed "
                    "from here without the key, after an edit")
        return f"entry #{entry.pk} was changed after it was written"
    return problem


def _entries_in_order(chunk_size: int) -> Iterator[AuditEntry]:
    """Every entry in id order, read ``chunk_size`` at a time by id range (``id > last``): memory holds one chunk
    whatever the trail's length, and no cursor or transaction stays open across the walk."""
    return keyset_rows(AuditEntry.objects.order_by("id"), chunk_size)


def audit_verify(
    *,
    extra_anchors: Iterable[AuditAnchor] = (),
    progress: Callable[[int, int], object] | None = None,
    chunk_size: int = 2000,
) -> VerifyResult:
    """Walk the whole chain in order; report the first entry whose content or link was altered, or the first anchor
    the trail no longer agrees with (entries cut from the end, a chain rebuilt). ``extra_anchors`` adds anchors kept
    elsewhere (an exported file) to those in the database. ``progress``, when given, is called with (entries
    checked, entries in all) every chunk.
    """
    anchors = [*AuditAnchor.objects.order_by("id"), *extra_anchors]
    for anchor in anchors:
        if not anchor.seal_valid:
            return VerifyResult(0, anchor.last_entry_id, (
                f"the anchor recorded {_when(anchor)} by {anchor.source} was altered (its seal does not match): "
                "the record of earlier heads was tampered with"
            ))
    keyed_from = min((a.last_entry_id for a in anchors if a.kind == AnchorKind.KEYED), default=0)
    hash_problem = _hash_checker(keyed_from)
    by_entry: dict[int, list[AuditAnchor]] = defaultdict(list)
    for anchor in anchors:
        if anchor.last_entry_id:
            by_entry[anchor.last_entry_id].append(anchor)

    total = AuditEntry.objects.count()
    expected_prev = GENESIS_HASH
    checked = 0
    head = None
    for entry in _entries_in_order(chunk_size):
        if entry.prev_hash != expected_prev:
            problem = f"entry #{entry.pk} does not follow the one before it: an entry was removed or altered"
            return VerifyResult(checked, entry.pk, problem)
        if problem := hash_problem(entry):
            return VerifyResult(checked, entry.pk, problem)
        checked += 1
        for anchor in by_entry.pop(entry.pk, []):
            if anchor.head_hash != entry.hash or anchor.entry_count != checked:
                return VerifyResult(checked, entry.pk, (
                    f"entry #{entry.pk}, the head anchored {_when(anchor)} by {anchor.source}, is no longer the "
                    f"same (then {anchor.entry_count} entries up to it, now {checked}): the chain was rewritten"
                ))
        expected_prev = entry.hash
        head = ChainHead(entry.pk, entry.hash, checked)
        if progress and checked % chunk_size == 0:
            progress(checked, total)
    if progress:
        progress(checked, total)
    if by_entry:
        anchor = max((a for rows in by_entry.values() for a in rows), key=lambda a: a.last_entry_id)
        ends = f"#{head.entry_id}, {head.count} entries" if head else "nothing: it is empty"
        return VerifyResult(checked, anchor.last_entry_id, (
            f"entry #{anchor.last_entry_id} (entry {anchor.entry_count:,} of the trail), the head anchored "
            f"{_when(anchor)} by {anchor.source}, is gone: entries were removed from the end of the trail, which "
            f"now ends at {ends}"
        ))
    return VerifyResult(checked, head=head, anchors_compared=len(anchors))


def audit_anchor_record(*, result: VerifyResult, source: str) -> AuditAnchor | None:
    """Record the head ``result`` saw as an anchor, sealed with the records key; nothing when the chain was found
    broken (a broken head is not one to compare later verifications with)."""
    if not result.ok:
        return None
    head = result.head or ChainHead(0, GENESIS_HASH, 0)
    values: dict[str, Any] = {
        "kind": AnchorKind.VERIFICATION, "created_at": timezone.now(), "source": source[:200],
        "last_entry_id": head.entry_id, "entry_count": head.count, "head_hash": head.hash,
    }
    return AuditAnchor.objects.create(**values, seal=records_hmac(anchor_seal_message(**values)))


def _anchor_json(anchor: AuditAnchor) -> dict[str, Any]:
    return {
        "kind": anchor.kind, "created_at": anchor.created_at.astimezone(dt.UTC).isoformat(), "source": anchor.source,
        "last_entry_id": anchor.last_entry_id, "entry_count": anchor.entry_count, "head_hash": anchor.head_hash,
        "seal": anchor.seal,
    }


def audit_anchors_export(*, organisation: str) -> dict[str, Any]:
    """Every anchor as a JSON document sealed with the records key, for a quality manager to keep elsewhere: should
    the anchors in the database be lost or altered, this copy still shows what the trail's head was."""
    body = {
        "scheme": EXPORT_SCHEME,
        "organisation": organisation,
        "exported_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "anchors": [_anchor_json(anchor) for anchor in AuditAnchor.objects.order_by("id")],
    }
    return {**body, "seal": records_hmac(canonical_json(body))}


class AnchorsFileRefused(ValueError):
    """An exported anchors file that is not one, or whose seal does not match: it cannot be relied on."""


def audit_anchors_from_export(document: Any) -> list[AuditAnchor]:
    """The anchors of an exported file (not saved), once its seal is checked; ``AnchorsFileRefused`` otherwise."""
    if not isinstance(document, dict) or document.get("scheme") != EXPORT_SCHEME:
        raise AnchorsFileRefused("this is not an export of the audit trail's anchors")
    body = {key: value for key, value in document.items() if key != "seal"}
    if not records_hmac_matches(canonical_json(body), str(document.get("seal", ""))):
        raise AnchorsFileRefused("the file's seal does not match: it was altered, or sealed with another key")
    return [
        AuditAnchor(
            kind=row["kind"], created_at=dt.datetime.fromisoformat(row["created_at"]), source=row["source"],
            last_entry_id=row["last_entry_id"], entry_count=row["entry_count"], head_hash=row["head_hash"],
            seal=row["seal"],
        )
        for row in document["anchors"]
    ]
