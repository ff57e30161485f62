"""The life of an evidence pack: started by a person, planned into parts, the parts drawn by the ``pdf`` workers
side by side, then the cover drawn and everything merged, stored with its SHA-256, downloaded (audited) and
verified.

The pack's job (``qms_portal.jobs``) is planned by one task, which hands it over to one task per part; each part's
task keeps the job's lease while it draws, and the one that draws the last part sends the assembly. Every step
checks that the job is still running as the attempt it belongs to, so a cancelled or failed pack stops at its next
part, and a task delivered twice does its work once (a part is marked done by a conditional update; the pack's
file is stored once, under a lock on its row).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import secrets
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils._os import safe_join

from leadership.access import LeadershipCapability
from leadership.evidence_pack.period import SCOPE_CHOICES, PackPeriod
from leadership.evidence_pack.render import PackHeading, one_document_html, part_html
from leadership.evidence_pack.sections import section_named, sections_for
from leadership.models import EvidencePack, EvidencePackPart, PartStatus
from leadership.readiness import readiness
from qms_portal.access import Capability, require_capability, user_can
from qms_portal.audit import audit_context, audit_step
from qms_portal.jobs import (
    job_cancel,
    job_claim,
    job_fail,
    job_heartbeat,
    job_progress,
    job_running,
    job_start,
    job_succeed,
)
from qms_portal.models import Job, JobStatus, Organisation, User
from qms_portal.pdf import file_write_whole
from qms_portal.pdf_assembly import AttachedFile, OutlineEntry, pdf_merge, pdf_render_part
from qms_portal.refusals import StepRefused

log = logging.getLogger(__name__)

JOB_KIND = "evidence_pack"
FOLDER = "evidence-packs"
# The requirement ids of the readiness table each scope shows on the cover (objectives, 6.2, go with 5.1).
SCOPE_CLAUSES = {
    "5": ("5.1", "5.2", "5.3", "6.2", "9.3"),
    "5.1": ("5.1", "6.2"), "5.2": ("5.2",), "5.3": ("5.3",), "9.3": ("9.3",),
}
MAX_PERIOD_DAYS = 366 * 5
COMMAND_LINE = "manage.py evidence_pack"
MAX_PART_DELIVERIES = 2


class PackRefused(StepRefused):
    """A pack that cannot be made as asked (a period the wrong way round, too long or in the future)."""


# --- Starting, cancelling ---------------------------------------------------------------------


def pack_period_check(period: PackPeriod) -> None:
    """Raise ``PackRefused`` for a period that ends before it starts, ends in the future or spans over five years."""
    today = timezone.now().astimezone(period.tz).date()
    if period.end < period.start:
        raise PackRefused("The period ends before it starts: choose a 'to' date on or after the 'from' date.")
    if period.end > today:
        raise PackRefused(f"The period ends in the future: it may end today ({today:%-d %B %Y}) at the latest.")
    if (period.end - period.start).days >= MAX_PERIOD_DAYS:
        raise PackRefused("The period is longer than five years: make one pack per audit period instead.")


@transaction.atomic
def pack_start(*, period: PackPeriod, scope: str, by: User | None, send: bool = True) -> EvidencePack:
    """Ask for a pack of ``scope`` for ``period``: the pack and its job are created, and its planning task is sent
    when the transaction commits (unless ``send`` is False: ``pack_build_here`` draws it). ``by`` None is the
    command line."""
    if by is not None:
        require_capability(by, LeadershipCapability.MAKE_EVIDENCE_PACKS, doing="make evidence packs")
    if scope not in dict(SCOPE_CHOICES):
        raise PackRefused(f"There is no scope {scope!r}: choose one of {', '.join(dict(SCOPE_CHOICES))}.")
    pack_period_check(period)
    if by is not None:
        drawing = EvidencePack.objects.filter(
            made_by=by, job__status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).values_list("number", flat=True).first()
        if drawing:
            raise PackRefused(f"Your pack {drawing} is still being drawn: wait for it (or cancel it) before asking for "
                              "another, so that one person's packs do not hold up everyone's.")
    job = job_start(kind=JOB_KIND, by=by, send=send)
    with audit_context(actor=by or COMMAND_LINE):
        pack = EvidencePack.objects.create(
            scope=scope, period_start=period.start, period_end=period.end, time_zone=period.zone, job=job, made_by=by,
            made_by_name=by.get_full_name() if by else "", made_by_username=by.get_username() if by else "",
        )
        pack.number = f"EP-{pack.created_at.astimezone(period.tz):%Y}-{pack.pk:04d}"
        pack.save(update_fields=["number"])
    return pack


def pack_cancel(*, pack: EvidencePack, by: User) -> bool:
    """Cancel a pack still being drawn; False when it had finished already. Its parts still to come do nothing.

    Only the person who asked for it, or someone who manages the organisation (the quality manager), cancels it:
    one auditor cannot stop another's pack.
    """
    require_capability(by, LeadershipCapability.MAKE_EVIDENCE_PACKS, doing="cancel evidence packs")
    if pack.made_by_id != by.pk and not user_can(by, Capability.MANAGE_ORGANISATION):
        raise PermissionDenied("Only the person who asked for this pack, or the quality manager, may cancel it.")
    if pack.job is None:
        return False
    cancelled = job_cancel(job=pack.job, by=by)
    if cancelled:
        transaction.on_commit(functools.partial(_parts_remove, pack.pk))
    return cancelled


def pack_build_here(*, pack: EvidencePack, progress: Callable[[str], object] = lambda note: None) -> EvidencePack:
    """Draw ``pack`` (started with ``send=False``) in this process, part after part, through the same steps as the
    workers; the pack comes back stored, or its job failed with the reason."""
    job_id = pack.job_id or 0
    attempt = job_claim(job_id)
    if attempt is None:
        raise PackRefused(f"{pack} is already being drawn or has finished.")
    try:
        parts = pack_plan(pack=pack)
        for number, part in enumerate(parts, start=1):
            progress(f"part {number} of {len(parts)}: {part.label}")
            part_draw(part_id=part.pk, attempt=attempt)
        progress("merging and storing")
        pack_assemble(pack_id=pack.pk, attempt=attempt)
    except Exception as exc:
        job_fail(job_id, reason=f"{type(exc).__name__}: {exc}", attempt=attempt)
        raise
    pack.refresh_from_db()
    return pack


# --- Planning and drawing the parts ------------------------------------------------------------


def pack_period(pack: EvidencePack) -> PackPeriod:
    return PackPeriod(start=pack.period_start, end=pack.period_end, zone=pack.time_zone)


def pack_heading(pack: EvidencePack) -> PackHeading:
    """What every page of ``pack`` says about it."""
    return PackHeading(
        number=pack.number, organisation=Organisation.current(), period=pack_period(pack), scope=pack.scope,
        generated_at=pack.created_at, generated_by=_maker(pack),
    )


def _maker(pack: EvidencePack) -> str:
    if not pack.made_by_username:
        return "the command line (manage.py evidence_pack)"
    return f"{pack.made_by_name or pack.made_by_username} (user name {pack.made_by_username})"


def pack_plan(*, pack: EvidencePack) -> list[EvidencePackPart]:
    """Split ``pack`` into parts (each section's own plan), replacing any parts of an earlier attempt."""
    period = pack_period(pack)
    _parts_remove(pack.pk)
    parts: list[EvidencePackPart] = []
    for section in sections_for(pack.scope):
        plans = section.plans(period, pack.scope)
        for plan in plans:
            parts.append(EvidencePackPart(
                pack=pack, position=len(parts) + 1, section=section.key,
                label=f"{section.key} {section.title}" + (f", {plan.label}" if plan.label else ""),
                args=plan.args, weight=max(1, plan.weight),
            ))
    return EvidencePackPart.objects.bulk_create(parts)


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def media_path(stored: str) -> Path:
    """The file a stored path names, which must lie under the media folder (``safe_join`` refuses any other)."""
    return Path(safe_join(settings.MEDIA_ROOT, stored))


def _parts_folder(pack_id: int) -> Path:
    return _folder() / "parts" / str(pack_id)


def _parts_remove(pack_id: int) -> None:
    """Drop the parts of a pack and their files (after the merge, a cancel, a failure, or before planning again).
    A part still being drawn may write into the folder meanwhile: whatever it leaves, the sweep takes."""
    EvidencePackPart.objects.filter(pack_id=pack_id).delete()
    shutil.rmtree(_parts_folder(pack_id), ignore_errors=True)


def packs_clean_up() -> int:
    """The sweep: remove the parts left by packs whose job has ended (failed, cancelled, discarded or marked lost
    by the core's sweep), and files of merges that never committed; returns how many packs it cleared."""
    ended = list(EvidencePackPart.objects.filter(
        pack__job__status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED]
    ).values_list("pack_id", flat=True).distinct())
    folder = _folder() / "parts"
    if folder.is_dir():
        live = set(EvidencePack.objects.filter(
            job__status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).values_list("pk", flat=True))
        ended += [int(child.name) for child in folder.iterdir() if child.name.isdigit() and int(child.name) not in live]
    for pack_id in set(ended):
        _parts_remove(pack_id)
    for drawing in _folder().glob("*.drawing") if _folder().is_dir() else ():
        if drawing.stat().st_mtime < time.time() - 3600:
            drawing.unlink(missing_ok=True)
    return len(set(ended))


def part_draw(*, part_id: int, attempt: int) -> bool:
    """Draw one part for the pack's job running as ``attempt``; True when it was the last part to finish (the
    caller then sends the assembly). A part already drawn, or of a pack no longer running, is left alone."""
    part = EvidencePackPart.objects.select_related("pack").filter(pk=part_id).first()
    if part is None or part.pack.job_id is None:
        return False
    pack, job_id = part.pack, part.pack.job_id
    if not job_running(job_id, attempt):
        return False
    if part.status == PartStatus.DONE:
        # Delivered again after it was drawn: its worker may have died before sending the merge. Ask for it again
        # when every part is drawn and nothing is stored yet (a merge that already ran stores nothing twice).
        return not pack.sha256 and not EvidencePackPart.objects.filter(pack=pack).exclude(
            status=PartStatus.DONE).exists()
    # A part whose drawing kills its worker process comes back (acks late): after MAX_PART_DELIVERIES, the pack
    # fails naming it, instead of the part taking the worker down for ever.
    EvidencePackPart.objects.filter(pk=part_id).update(deliveries=F("deliveries") + 1)
    if EvidencePackPart.objects.values_list("deliveries", flat=True).get(pk=part_id) > MAX_PART_DELIVERIES:
        job_fail_part(part_id=part_id, attempt=attempt, reason=(
            f"its worker stopped {MAX_PART_DELIVERIES} times while drawing it (out of memory, or killed)"))
        return False
    section = section_named(part.section)
    began = timezone.now()
    with job_heartbeat(job_id, attempt, seconds=settings.EVIDENCE_PACK_WAIT_SECONDS,
                       until=settings.EVIDENCE_PART_TIME_LIMIT_SECONDS):
        html, content = part_html(section, pack_heading(pack), part.args)
        rendered = pdf_render_part(html)
    took = (timezone.now() - began).total_seconds()
    folder = _parts_folder(pack.pk)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{part.position:04d}-{secrets.token_hex(4)}"
    stem.with_suffix(".pdf").write_bytes(rendered.pdf)
    stem.with_suffix(".json").write_text(json.dumps({
        "outline": [asdict(entry) for entry in rendered.outline],
        "records": [{**asdict(record), "section": section.key} for record in content.records],
        "attachments": content.attachments,
    }))
    with transaction.atomic():
        EvidencePack.objects.select_for_update().filter(pk=pack.pk).first()  # finishers of one pack, one at a time
        still_running = job_running(job_id, attempt)  # not cancelled or failed by another part meanwhile
        marked = still_running and EvidencePackPart.objects.filter(pk=part_id, status=PartStatus.WAITING).update(
            status=PartStatus.DONE, file=str(stem.relative_to(settings.MEDIA_ROOT)), pages=rendered.pages,
            rendered_in=took, rendered_by=f"{socket.gethostname()}:{os.getpid()}",
        )
        if not marked:  # another delivery of this task drew it first, or the pack stopped
            stem.with_suffix(".pdf").unlink(missing_ok=True)
            stem.with_suffix(".json").unlink(missing_ok=True)
            return False
        counts = EvidencePackPart.objects.filter(pack_id=pack.pk).values_list("status", flat=True)
        total, done = len(counts), sum(status == PartStatus.DONE for status in counts)
        job_progress(job_id, done=done, total=total + 1, note=f"{done} of {total} parts drawn")
        return done == total


# --- The cover, the merge, storing ------------------------------------------------------------


def pack_assemble(*, pack_id: int, attempt: int) -> dict[str, Any] | None:
    """Draw the cover, merge it with the parts, store the file and its SHA-256, and finish the job; None when the
    pack's job is no longer running as ``attempt`` or the pack is already stored."""
    pack = EvidencePack.objects.get(pk=pack_id)
    job_id = pack.job_id
    if job_id is None or not job_running(job_id, attempt) or pack.sha256:
        return None
    parts = list(EvidencePackPart.objects.filter(pack=pack).order_by("position"))
    if not parts or any(part.status != PartStatus.DONE for part in parts):
        return None
    with job_heartbeat(job_id, attempt, seconds=settings.EVIDENCE_PACK_WAIT_SECONDS,
                       until=settings.EVIDENCE_PART_TIME_LIMIT_SECONDS):
        job_progress(job_id, done=len(parts), total=len(parts) + 1, note="merging")
        data = pack_merge(pack, parts)
        job_progress(job_id, done=len(parts), total=len(parts) + 1, note="storing")
        result = _store(pack, data, attempt)
    if result is not None:
        _parts_remove(pack.pk)
    return result


def pack_merge(pack: EvidencePack, parts: list[EvidencePackPart]) -> bytes:
    """The whole pack as one PDF: the cover (with the contents, readiness, and the manifest and CSV files attached)
    followed by the parts, page numbers and bookmarks counting the whole."""
    sidecars = [json.loads(media_path(part.file).with_suffix(".json").read_text()) for part in parts]
    heading = pack_heading(pack)
    body_outline: list[OutlineEntry] = []
    sections: list[dict[str, Any]] = []
    offset = 0
    for part, sidecar in zip(parts, sidecars, strict=True):
        # Only a section's first part holds its h1: in the others, WeasyPrint's outline starts at the h2s.
        deeper = 0 if not sections or sections[-1]["key"] != part.section else 1
        body_outline += [
            OutlineEntry(e["label"], e["level"] + deeper, e["page"] + offset) for e in sidecar["outline"]
        ]
        if not sections or sections[-1]["key"] != part.section:
            sections.append({"key": part.section, "title": section_named(part.section).title, "first_page": offset,
                             "pages": 0})
        sections[-1]["pages"] += part.pages
        offset += part.pages
    attachments = _attachments(pack, heading, sidecars, sections)
    cover_pages, cover = 1, None
    for _ in range(4):  # the contents' length decides the cover's pages, which shift every number after it
        cover = _cover(pack, heading, body_outline, cover_pages, attachments)
        if cover.pages == cover_pages:
            break
        cover_pages = cover.pages
    if cover is None:
        raise RuntimeError("the cover was never drawn")
    outline = [OutlineEntry("Cover, readiness and contents", 1, 0)] + [
        OutlineEntry(e.label, e.level, e.page + cover.pages) for e in body_outline
    ]
    files: list[bytes | Path] = [cover.pdf, *[media_path(part.file).with_suffix(".pdf") for part in parts]]
    return pdf_merge(files, outline=outline)


def _attachments(
    pack: EvidencePack, heading: PackHeading, sidecars: list[dict[str, Any]], sections: list[dict[str, Any]]
) -> list[AttachedFile]:
    """The CSV files the sections gave, and the manifest naming every record in the pack with its hash."""
    csvs: dict[str, str] = {}
    for sidecar in sidecars:
        for name, text in sidecar["attachments"].items():
            csvs[name] = csvs.get(name, "") + text if name in csvs else text
    files = [AttachedFile(name, text.encode(), f"{name} (CSV) of evidence pack {pack.number}", "text/csv")
             for name, text in sorted(csvs.items())]
    manifest = {
        "pack": pack.number,
        "generator": "QMS Leadership Portal",
        "organisation": heading.organisation.name,
        "scope": {"id": pack.scope, "title": heading.scope_title},
        "period": {
            "from": pack.period_start.isoformat(), "to": pack.period_end.isoformat(), "time_zone": pack.time_zone,
        },
        "generated_at": pack.created_at.isoformat(),
        "generated_by": {"name": pack.made_by_name, "user_name": pack.made_by_username} if pack.made_by_username
        else {"name": "command line", "user_name": ""},
        "sections": [{"key": s["key"], "title": s["title"], "pages": s["pages"]} for s in sections],
        "attachments": [{"name": f.name, "sha256": hashlib.sha256(f.data).hexdigest()} for f in files],
        # A record shown in two parts (a review in the overview and in its own part) is listed once.
        "records": list({(r["type"], r["id"]): r for sidecar in sidecars for r in sidecar["records"]}.values()),
    }
    files.append(AttachedFile("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False).encode(),
                              f"Manifest of evidence pack {pack.number}: every record in it with its SHA-256",
                              "application/json"))
    return files


def _cover(
    pack: EvidencePack, heading: PackHeading, body_outline: list[OutlineEntry], cover_pages: int,
    attachments: list[AttachedFile],
) -> Any:
    found = readiness(pack.period_end)
    clauses = SCOPE_CLAUSES[pack.scope]
    groups = [group for group in found.by_clause() if group.clause.startswith(clauses)]
    contents = [
        {"label": entry.label, "level": entry.level, "page": entry.page + cover_pages + 1}
        for entry in body_outline if entry.level <= 2
    ]
    with timezone.override(heading.period.tz):
        html = render_to_string("leadership/pack/cover.html", {
            "pack": heading, "record": pack, "readiness": groups, "contents": contents,
            "generated_utc": pack.created_at.astimezone(dt.UTC),
            "attachments": [item.name for item in attachments],
        })
    return pdf_render_part(html, attachments=attachments, metadata={"title": heading.title})


def _store(pack: EvidencePack, data: bytes, attempt: int) -> dict[str, Any] | None:
    """Write the file and record it on the pack and its job, once: a second assembly of the same pack stores
    nothing."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()
    target = folder / f"{pack.number}-{digest[:12]}.pdf"
    file_write_whole(target, data)
    pages = _page_count(data)
    with transaction.atomic():
        locked = EvidencePack.objects.select_for_update().get(pk=pack.pk)
        # The job's row locked too: a cancel committed meanwhile is seen here, and one coming after waits for this
        # transaction and then finds the job finished (it cannot cancel a pack already stored).
        running = Job.objects.select_for_update().filter(
            pk=locked.job_id or 0, status=JobStatus.RUNNING, attempts=attempt
        ).exists()
        if locked.sha256 or not running:
            if str(target.relative_to(settings.MEDIA_ROOT)) != locked.file:  # identical bytes: the same file
                target.unlink(missing_ok=True)
            return None
        with audit_context(actor=locked.made_by or COMMAND_LINE):
            locked.file = str(target.relative_to(settings.MEDIA_ROOT))
            locked.sha256, locked.size_bytes, locked.pages = digest, len(data), pages
            locked.finished_at = timezone.now()
            locked.save(update_fields=["file", "sha256", "size_bytes", "pages", "finished_at"])
        result = {"pack": locked.pk, "number": locked.number, "pages": pages, "size_bytes": len(data),
                  "sha256": digest, "summary": f"{locked.number}: {pages} pages."}
        job_succeed(locked.job_id or 0, result=result, attempt=attempt)
    return result


def _page_count(data: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as document:
        return len(document.pages)


def pack_one_document_html(heading: PackHeading, pack: EvidencePack) -> str:
    """The HTML of ``pack``'s cover and parts as one document (WeasyPrint's own page counters): what the benchmark
    times WeasyPrint alone on."""
    period = pack_period(pack)
    bodies: list[str] = [render_to_string("leadership/pack/cover.html", {
        "pack": heading, "record": pack, "readiness": [], "contents": [], "attachments": [],
        "generated_utc": pack.created_at.astimezone(dt.UTC),
    })]
    for section in sections_for(pack.scope):
        plans = section.plans(period, pack.scope)
        bodies += [part_html(section, heading, plan.args)[0] for plan in plans]
    return one_document_html(bodies, replace(heading, stamp_pages=False))


# --- Reading: download and verify -------------------------------------------------------------


def pack_file(*, pack: EvidencePack, by: User) -> Path:
    """The stored file of a finished pack, its download recorded in the audit trail."""
    require_capability(by, LeadershipCapability.MAKE_EVIDENCE_PACKS, doing="download evidence packs")
    if not pack.ready:
        raise PackRefused(f"{pack} is not ready: it has no file to download yet.")
    with audit_context(actor=by):
        audit_step(pack, step="downloaded", changes={})
    return media_path(pack.file)


def pack_verify(*, sha256: str) -> EvidencePack | None:
    """The finished pack whose file has this SHA-256, if the portal produced one."""
    return EvidencePack.objects.filter(sha256=sha256.lower()).exclude(sha256="").select_related("made_by").first()


def job_fail_part(*, part_id: int, attempt: int, reason: str) -> None:
    """Fail the pack of part ``part_id`` with ``reason`` naming the part (a section that failed to draw)."""
    part = EvidencePackPart.objects.select_related("pack").filter(pk=part_id).first()
    if part is None or part.pack.job_id is None:
        return
    job_fail(part.pack.job_id, reason=f"The part \u201c{part.label}\u201d failed: {reason}", attempt=attempt)
    transaction.on_commit(functools.partial(_parts_remove, part.pack_id))
