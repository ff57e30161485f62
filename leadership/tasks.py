"""Celery tasks of leadership (5.1): the nightly readiness snapshot and the evidence pack. Tasks take ids or
nothing, never instances.

The evidence pack's tasks: ``evidence_pack_plan`` (default queue) splits the pack into parts and sends one
``render_evidence_part`` per part, heaviest first; whichever draws the last part sends ``render_evidence_pack``,
which draws the cover and merges. The ``render_*`` tasks go to the ``pdf`` queue (``CELERY_SETTINGS`` routes them),
so two or more pdf workers share one pack.
"""
from __future__ import annotations

import functools
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction

from leadership.evidence_pack import building
from leadership.models import EvidencePack
from leadership.readiness import snapshot_store
from qms_portal.jobs import JobHandedOver, job_fail, job_progress, job_task
from qms_portal.models import Job

log = logging.getLogger(__name__)


@shared_task(name="leadership.tasks.readiness_snapshot_nightly")
def readiness_snapshot_nightly() -> str:
    """Keep today's Clause 5 readiness (safe to run twice: the day's snapshot is replaced)."""
    return str(snapshot_store())


@shared_task(name="leadership.tasks.evidence_pack_plan")
@job_task
def evidence_pack_plan(job_id: int) -> JobHandedOver:
    """Plan the pack of job ``job_id`` into parts and send them to the pdf workers."""
    pack = EvidencePack.objects.get(job_id=job_id)
    attempt = Job.objects.values_list("attempts", flat=True).get(pk=job_id)
    with transaction.atomic():
        parts = building.pack_plan(pack=pack)
        job_progress(job_id, done=0, total=len(parts) + 1, note=f"0 of {len(parts)} parts drawn")
        heaviest_first = [part.pk for part in sorted(parts, key=lambda p: -p.weight)]
        transaction.on_commit(functools.partial(_send_parts, job_id, heaviest_first, attempt))
    return JobHandedOver(lease_seconds=settings.EVIDENCE_PACK_WAIT_SECONDS)


def _send_parts(job_id: int, part_ids: list[int], attempt: int) -> None:
    """Send one task per part; if the task queue cannot be reached, fail the pack saying so, rather than let it
    wait for parts that will never come."""
    try:
        for part_id in part_ids:
            render_evidence_part.delay(part_id, attempt)
    except Exception as exc:
        log.exception("could not send the parts of job %s", job_id)
        job_fail(job_id, attempt=attempt, reason=f"The task queue could not be reached ({type(exc).__name__}).")
        building.packs_clean_up()


@shared_task(
    name="leadership.tasks.render_evidence_part",
    soft_time_limit=settings.EVIDENCE_PART_TIME_LIMIT_SECONDS,
    time_limit=settings.EVIDENCE_PART_TIME_LIMIT_SECONDS + 30,
)
def render_evidence_part(part_id: int, attempt: int) -> None:
    """Draw one part of a pack; the last part drawn sends the assembly. A failure fails the pack, naming the part."""
    try:
        last = building.part_draw(part_id=part_id, attempt=attempt)
    except SoftTimeLimitExceeded:
        building.job_fail_part(part_id=part_id, attempt=attempt, reason=(
            f"it took longer than {settings.EVIDENCE_PART_TIME_LIMIT_SECONDS} seconds to draw (a record too large "
            "to lay out, such as a very long table?)"))
        return
    except Exception as exc:
        log.exception("part %s of an evidence pack failed", part_id)
        building.job_fail_part(part_id=part_id, attempt=attempt, reason=f"{type(exc).__name__}: {exc}")
        return
    if last:
        pack = EvidencePack.objects.filter(parts__pk=part_id).values_list("pk", "job_id").first()
        if pack is not None:
            try:
                render_evidence_pack.delay(pack[0], attempt)
            except Exception as exc:
                log.exception("could not send the merge of evidence pack %s", pack[0])
                job_fail(pack[1], attempt=attempt,
                         reason=f"The task queue could not be reached to merge the parts ({type(exc).__name__}).")


@shared_task(
    name="leadership.tasks.render_evidence_pack",
    soft_time_limit=settings.EVIDENCE_PART_TIME_LIMIT_SECONDS,
    time_limit=settings.EVIDENCE_PART_TIME_LIMIT_SECONDS + 30,
)
def render_evidence_pack(pack_id: int, attempt: int) -> None:
    """Draw the cover, merge and store the pack ``pack_id``."""
    job_id = EvidencePack.objects.filter(pk=pack_id).values_list("job_id", flat=True).first()
    try:
        building.pack_assemble(pack_id=pack_id, attempt=attempt)
    except SoftTimeLimitExceeded:
        if job_id:
            job_fail(job_id, attempt=attempt, reason="Merging the parts took longer than "
                     f"{settings.EVIDENCE_PART_TIME_LIMIT_SECONDS} seconds.")
        building.packs_clean_up()
    except Exception as exc:
        log.exception("evidence pack %s could not be merged", pack_id)
        if job_id:
            job_fail(job_id, attempt=attempt, reason=f"Merging the parts failed: {type(exc).__name__}: {exc}")
        building.packs_clean_up()


@shared_task(name="leadership.tasks.evidence_packs_clean_up")
def evidence_packs_clean_up() -> int:
    """The sweep: the parts of packs that ended without a merge (failed, cancelled, lost) are removed."""
    return building.packs_clean_up()
