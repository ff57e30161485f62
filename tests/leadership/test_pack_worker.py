"""The evidence pack drawn by real Celery workers on Redis against PostgreSQL, as in production: the planning task
on the default queue hands the pack over to one task per part on the pdf queue, two pool processes draw the parts
side by side, and the last one sends the merge.

- Two pool processes draw one pack: the stored file is whole (its SHA-256, its pages) and both drew parts.
- A pool process killed with SIGKILL while it draws a part (as the kernel's OOM killer does): the pack still ends,
  its part delivered again (acks late, reject on worker lost), or failed with a reason; never stuck.
"""
from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from leadership.evidence_pack.building import pack_start
from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.integrity import ENTRIES_PER_PART
from leadership.models import EvidencePack, EvidencePackPart
from qms_portal.audit import audit_context, audit_step
from qms_portal.models import Job, JobStatus
from tests.core.test_celery_worker import (
    Worker,
    _wait_until,
    redis_db_url,
    running_worker,
    worker_database_url,
    xdist_process,
)
from tests.leadership.factories import CommitmentFactory, EvidenceEntryFactory, MeasurementFactory
from tests.leadership.review_pages import day, held

pytestmark = [
    pytest.mark.usefixtures("truncatable_test_database"),
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("celery-worker"),
]

# One Redis database per xdist process, none of them another worker test's (see tests/core/test_celery_worker.py).
PACK_REDIS_DBS = (12, 9, 8, 5)
PACK_TIMEOUT = 45
# Audit entries about the pack's records: two parts of the trail's extract, each a long table that takes seconds to
# draw, so that both pool processes are at work when the parts are sent (the heaviest first).
AUDIT_ENTRIES = 2 * ENTRIES_PER_PART


@pytest.fixture
def database_url(django_db_blocker) -> str:
    return worker_database_url(django_db_blocker)


def pack_worker(database_url: str, log_dir: Path):
    """A prefork worker with two pool processes on this test process's Redis database, storing files where the test
    reads them."""
    return running_worker(
        redis_db_url(PACK_REDIS_DBS[xdist_process()]), database_url, log_dir, pool="prefork", concurrency=2,
        env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)},
    )


def a_year_of_records(portal_users) -> None:
    """Commitments with evidence, an objective measured, two reviews held, and a long audit trail about them."""
    commitments = [CommitmentFactory() for _ in range(3)]
    for number, commitment in enumerate(commitments):
        EvidenceEntryFactory(commitments=[commitment], occurred_on=day(-10 - number),
                             leader=portal_users.top_management, recorded_by=portal_users.top_management)
    MeasurementFactory(measured_on=day(-5))
    held(portal_users, title="Spring review", planned_on=day(-120))
    held(portal_users, title="Autumn review", planned_on=day(-20))
    with audit_context(actor=portal_users.quality_manager):
        for number in range(AUDIT_ENTRIES):
            audit_step(commitments[number % 3], step="reviewed", reason=f"Quarterly look {number}")


def start_pack(by) -> EvidencePack:
    """The whole of Clause 5 for the last 12 months, its planning task sent to the worker's broker."""
    return pack_start(period=PackPeriod.default(), scope="5", by=by, send=True)


def finished(job_id: int, worker: Worker, timeout: float = PACK_TIMEOUT) -> Job:
    finished_statuses = [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED]
    _wait_until(lambda: Job.objects.filter(pk=job_id, status__in=finished_statuses).exists(), timeout=timeout,
                what=f"the pack's job {job_id} to finish", worker=worker)
    return Job.objects.get(pk=job_id)


def rendered_by_pool_processes(pack: EvidencePack, worker: Worker) -> set[str]:
    """The processes ("host:pid") that drew the parts, read while the pack is being drawn (the merge removes
    them)."""
    seen: set[str] = set()

    def done() -> bool:
        seen.update(EvidencePackPart.objects.filter(pack=pack).exclude(rendered_by="")
                    .values_list("rendered_by", flat=True))
        return Job.objects.filter(pk=pack.job_id, status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]).exists()

    _wait_until(done, timeout=PACK_TIMEOUT, what=f"pack {pack.number} to be drawn", worker=worker)
    return seen


def assert_stored_whole(pack: EvidencePack) -> None:
    """The stored file is the one recorded: its SHA-256, and a PDF with as many pages as the pack says."""
    pack.refresh_from_db()
    data = (Path(settings.MEDIA_ROOT) / pack.file).read_bytes()
    assert pack.sha256 == hashlib.sha256(data).hexdigest()
    assert pack.size_bytes == len(data)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == pack.pages > 8
    assert f"Page 1 of {pack.pages}" in reader.pages[0].extract_text()
    assert pack.number in reader.pages[-1].extract_text()
    assert not EvidencePackPart.objects.filter(pack=pack).exists()  # the parts' files go once merged


def pool_processes(worker: Worker) -> list[int]:
    listed = subprocess.run(["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in listed.split()]


def test_two_pool_processes_draw_the_parts_of_one_pack_and_the_stored_file_is_whole(
    database_url, portal_users, tmp_path
):
    with pack_worker(database_url, tmp_path) as worker:
        a_year_of_records(portal_users)
        started = time.monotonic()
        pack = start_pack(portal_users.auditor)

        drawers = rendered_by_pool_processes(pack, worker)
        job = Job.objects.get(pk=pack.job_id)
        assert job.status == JobStatus.SUCCEEDED, f"{job.error}\n{worker.log()}"
        assert time.monotonic() - started < PACK_TIMEOUT

    assert job.result["number"] == pack.number and job.progress == 100
    assert_stored_whole(pack)
    assert job.result["sha256"] == pack.sha256 and job.result["pages"] == pack.pages
    pids = {drawer.rsplit(":", 1)[1] for drawer in drawers}
    assert len(pids) == 2, f"parts drawn by {drawers}"
    assert str(worker.process.pid) not in pids  # by the pool processes, not the worker's main process


def test_a_pool_process_killed_while_it_draws_a_part_leaves_a_pack_finished_or_failed_with_a_reason(
    database_url, portal_users, tmp_path
):
    with pack_worker(database_url, tmp_path) as worker:
        a_year_of_records(portal_users)
        pack = start_pack(portal_users.auditor)
        _wait_until(lambda: Job.objects.filter(pk=pack.job_id, status=JobStatus.RUNNING,
                                               progress_note__contains="parts drawn").exists(),
                    timeout=PACK_TIMEOUT, what="the parts to be drawn", worker=worker)
        time.sleep(0.5)  # both pool processes have taken up one of the long parts
        victim = pool_processes(worker)[0]
        os.kill(victim, signal.SIGKILL)

        job = finished(pack.job_id, worker)

    assert job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), f"{job.status}: {job.error}"
    if job.status == JobStatus.FAILED:
        assert job.error.strip(), "a failed pack says why"
        pack.refresh_from_db()
        assert not pack.sha256 and not pack.file
    else:
        assert_stored_whole(pack)
        assert job.attempts == 1  # the lost part was drawn again; the pack was not started over
    # The kill caught the process in the middle of a part: its task was lost to the pool, not finished.
    assert f"pid:{victim} exited with 'signal 9 (SIGKILL)'" in worker.log()
    assert "WorkerLostError" in worker.log()
