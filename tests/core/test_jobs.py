"""Background jobs: started after the commit, claimed once, failures kept, and followed on the job page."""
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from qms_portal.audit import AuditEntry
from qms_portal.job_kinds import JOB_KINDS, JobKind, job_kind_register
from qms_portal.jobs import MAX_ATTEMPTS, job_claim, job_lease_left, job_start, job_task
from qms_portal.models import Job, JobStatus
from qms_portal.tasks import fail_lost_jobs
from tests.core.factories import JobFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db


def start_verification(client, django_capture_on_commit_callbacks):
    """Ask for a verification as a person would, running what waits for the commit (the task, in-process)."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("audit_trail_verify"))
    assert len(callbacks) == 1, "the task is sent once, after the commit"
    return response


def test_verifying_the_trail_runs_a_job_that_finds_the_chain_intact(
    portal_users, qm_client, django_capture_on_commit_callbacks
):
    OrgUnitFactory.create_batch(3)

    response = start_verification(qm_client, django_capture_on_commit_callbacks)

    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED
    assert job.requested_by == portal_users.quality_manager
    assert job.progress == 100
    assert job.result["ok"] is True
    assert job.result["checked"] == AuditEntry.objects.count()
    page = qm_client.get(response["Location"])
    assert "The chain is intact." in page.text
    assert f"All {job.result['checked']} entries match" in page.text


START_A_JOB = """
from django.db import transaction
from qms_portal.jobs import job_start
with transaction.atomic():
    job = job_start(kind="verify_audit_trail")
job.refresh_from_db()
print(job.status, job.result.get("ok"))
"""


def test_in_a_fresh_process_without_redis_a_started_job_runs_after_the_commit(tmp_path):
    """The embedded default: nothing has imported the tasks module when the first job is started."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "DATA_DIR": str(tmp_path)}
    base_dir = Path(__file__).resolve().parents[2]

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=base_dir, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    assert manage("migrate", "--verbosity", "0").returncode == 0
    result = manage("shell", "--command", START_A_JOB)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["succeeded", "True"]


def test_the_task_waits_for_the_commit(qm_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        qm_client.post(reverse("audit_trail_verify"))

    assert len(callbacks) == 1
    assert Job.objects.get().status == JobStatus.QUEUED


def test_a_verification_after_tampering_names_the_bad_entry(
    qm_client, django_capture_on_commit_callbacks, allow_audit_tampering
):
    units = OrgUnitFactory.create_batch(3)
    target = AuditEntry.objects.get(record_type="qms_portal.orgunit", object_id=str(units[1].pk))
    allow_audit_tampering()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE qms_portal_auditentry SET reason = 'forged' WHERE id = %s", [target.pk])

    response = start_verification(qm_client, django_capture_on_commit_callbacks)

    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["ok"] is False
    assert job.result["bad_entry_id"] == target.pk
    page = qm_client.get(response["Location"])
    assert "The chain is broken." in page.text
    assert f"#{target.pk} was changed after it was written" in page.text


def test_the_audit_trail_page_shows_the_last_verification(qm_client, django_capture_on_commit_callbacks):
    start_verification(qm_client, django_capture_on_commit_callbacks)

    page = qm_client.get(reverse("audit_trail"))

    assert f"the chain is intact ({Job.objects.get().result['checked']} entries)" in page.text


def test_a_task_body_that_raises_marks_the_job_failed_with_its_reason():
    @job_task
    def run_out_of_disk(job_id: int) -> dict:
        raise OSError("No space left on device")

    job = JobFactory()

    with pytest.raises(OSError, match="No space left"):
        run_out_of_disk(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "OSError: No space left on device"
    assert job.finished_at is not None


def test_the_job_page_shows_why_a_job_failed(qm_client):
    job = JobFactory()

    with pytest.raises(RuntimeError):
        job_task(lambda job_id: (_ for _ in ()).throw(RuntimeError("broker went away")))(job.pk)

    page = qm_client.get(reverse("job_detail", args=[job.pk]))
    assert "The job failed" in page.text
    assert "RuntimeError: broker went away" in page.text


def test_a_job_is_claimed_only_once():
    job = JobFactory()

    assert job_claim(job.pk) == 1
    assert job_claim(job.pk) is None
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING


def test_a_task_delivered_twice_runs_its_body_once():
    runs = []

    @job_task
    def count_runs(job_id: int) -> dict:
        runs.append(job_id)
        return {"runs": len(runs)}

    job = JobFactory()

    count_runs(job.pk)
    count_runs(job.pk)

    assert runs == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"runs": 1}


def test_a_job_started_outside_a_request_is_credited_to_the_scheduler(qm_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="verify_audit_trail")

    job.refresh_from_db()
    assert job.requested_by is None
    assert job.status == JobStatus.SUCCEEDED
    assert "by the scheduler" in qm_client.get(reverse("job_detail", args=[job.pk])).text


# Top management reads the trail, so it follows the verification jobs too.
@pytest.mark.parametrize("who", ["process_owner", "employee"])
def test_the_job_page_is_refused_to_a_role_without_the_jobs_capability(who, portal_users, client_for):
    job = JobFactory()
    person = portal_users.by_key(who)
    assert not person.has_perm(JOB_KINDS[job.kind].capability)

    response = client_for(person).get(reverse("job_detail", args=[job.pk]))

    assert response.status_code == 403


def test_a_job_of_an_unknown_kind_is_refused_and_a_missing_job_not_found(qm_client):
    unknown = JobFactory(kind="no_such_kind")

    assert qm_client.get(reverse("job_detail", args=[unknown.pk])).status_code == 403
    assert qm_client.get(reverse("job_detail", args=[unknown.pk + 1000])).status_code == 404


def test_an_htmx_request_gets_only_the_status_partial(qm_client):
    job = JobFactory()

    partial = qm_client.get(reverse("job_detail", args=[job.pk]), headers={"HX-Request": "true"})
    full = qm_client.get(reverse("job_detail", args=[job.pk]))

    # The status partial (with the progress bar it includes), never the page around it.
    assert [t.name for t in partial.templates] == ["qms_portal/_job_status.html", "qms_portal/_job_progress.html"]
    assert partial.text.lstrip().startswith('<div id="job-status"')
    assert "<html" not in partial.text
    assert "<html" in full.text
    assert 'id="job-status"' in full.text


def test_a_running_job_keeps_polling_and_a_finished_one_stops(qm_client):
    job = JobFactory()
    url = reverse("job_detail", args=[job.pk])

    queued = qm_client.get(url, headers={"HX-Request": "true"})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, result={"ok": True, "checked": 4})
    finished = qm_client.get(url, headers={"HX-Request": "true"})

    assert f'hx-get="{url}"' in queued.text
    assert "hx-get" not in finished.text
    assert "The chain is intact." in finished.text


# --- Jobs are never lost -------------------------------------------------------------------------


def test_a_job_whose_task_cannot_reach_the_queue_is_marked_failed_with_the_reason(
    qm_client, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    with mock.patch("celery.canvas.Signature.apply_async", side_effect=OperationalError("Connection refused")):
        response = start_verification(qm_client, django_capture_on_commit_callbacks)

    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "task queue could not be reached (OperationalError)" in job.error
    assert "task queue could not be reached" in qm_client.get(response["Location"]).text


def out_of_lease(job: Job, seconds: float) -> None:
    """Make ``job`` running, its worker's last sign of life ``seconds`` ago."""
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now() - dt.timedelta(minutes=5),
        lease_expires_at=timezone.now() - dt.timedelta(seconds=seconds),
    )


def test_a_job_whose_worker_stopped_renewing_its_lease_can_be_claimed_again(settings):
    job = JobFactory(status=JobStatus.RUNNING, attempts=1)
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() + dt.timedelta(seconds=30))
    assert job_claim(job.pk) is None  # its worker renewed the lease: it is at it
    assert 0 < job_lease_left(job.pk) <= 30

    out_of_lease(job, 1)
    assert job_claim(job.pk) == 2
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 2)
    assert job.lease_expires_at > timezone.now()


def test_a_job_that_keeps_losing_its_worker_fails_after_the_last_attempt(settings):
    job = JobFactory(status=JobStatus.RUNNING, attempts=MAX_ATTEMPTS)
    out_of_lease(job, 1)

    assert job_claim(job.pk) is None

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert f"stopped {MAX_ATTEMPTS} times" in job.error


def test_the_sweep_fails_jobs_whose_worker_is_gone_and_leaves_live_ones(settings):
    lease = settings.JOB_LEASE_SECONDS
    lost = JobFactory()
    just_out = JobFactory()
    busy = JobFactory(status=JobStatus.RUNNING)
    waiting = JobFactory(status=JobStatus.QUEUED)
    forgotten = JobFactory(status=JobStatus.QUEUED)
    out_of_lease(lost, lease + 5)
    out_of_lease(just_out, 5)  # time yet for its task, delivered again, to take it up
    Job.objects.filter(pk=busy.pk).update(lease_expires_at=timezone.now() + dt.timedelta(seconds=lease))
    Job.objects.filter(pk=forgotten.pk).update(created_at=timezone.now() - dt.timedelta(days=2))

    fail_lost_jobs.apply()

    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: JobStatus.FAILED, just_out.pk: JobStatus.RUNNING, busy.pk: JobStatus.RUNNING,
        waiting.pk: JobStatus.QUEUED, forgotten.pk: JobStatus.FAILED,
    }
    assert Job.objects.get(pk=lost.pk).error.startswith("The worker stopped while running it")


def test_a_finished_job_page_says_what_the_job_did_and_leads_back_to_its_area(qm_client):
    job = JobFactory(kind="raci_import", status=JobStatus.SUCCEEDED, finished_at=timezone.now(),
                     result={"summary": "3 letter(s) added, 2 changed, 1 cleared."})

    html = qm_client.get(reverse("job_detail", args=[job.pk])).content.decode()

    assert "3 letter(s) added, 2 changed, 1 cleared." in html
    assert f'href="{reverse("roles:raci_matrix")}">Back to the RACI matrix</a>' in html


def test_an_app_cannot_take_a_job_kind_name_that_is_already_registered():
    taken = JOB_KINDS["verify_audit_trail"]
    job_kind_register("verify_audit_trail", taken)  # the same kind again: harmless
    with pytest.raises(ValueError, match="already registered"):
        job_kind_register("verify_audit_trail", JobKind("Other", "other.task", taken.capability))
    assert JOB_KINDS["verify_audit_trail"] == taken
