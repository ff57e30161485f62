"""Verifying the audit trail: walking the hash chain for the first altered or missing entry."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qms_portal.models.audit import GENESIS_HASH, AuditEntry
from qms_portal.models.jobs import Job, JobStatus


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


def audit_verify(
    *,
    known_head: ChainHead | None = None,
    progress: Callable[[int, int], object] | None = None,
    chunk_size: int = 2000,
) -> VerifyResult:
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
    if known_head is not None and not known_head_intact:
        problem = (
            f"entry #{known_head.entry_id}, the last one at the previous verification, is gone or different: "
            "entries were removed from the end or the chain was rewritten"
        )
        return VerifyResult(checked, known_head.entry_id, problem)
    return VerifyResult(checked, head=head)


def audit_last_verified_head() -> ChainHead | None:
    """The head recorded by the latest verification job that found the chain intact."""
    job = (
        Job.objects.filter(kind="verify_audit_trail", status=JobStatus.SUCCEEDED, result__ok=True)
        .exclude(result__head_id=None)
        .order_by("-finished_at", "-pk")
        .first()
    )
    return ChainHead(job.result["head_id"], job.result["head_hash"]) if job else None
