"""A job whose worker stopped is not stranded: its lease runs out, its page says it failed because the worker
stopped, and meanwhile whoever follows it can discard it (and then, for an import, discard or confirm that)."""
import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from qms_portal.jobs import job_claim, job_succeed, job_task
from qms_portal.models import Job, JobStatus
from roles.models import ImportStatus, MatrixImport
from tests.core.factories import JobFactory
from tests.roles.factories import MatrixImportFactory

pytestmark = pytest.mark.django_db


def running(*, kind: str = "raci_import", last_sign_of_life: float) -> Job:
    """A running job whose worker last renewed its lease ``last_sign_of_life`` seconds ago, the lease then
    running for one more lease."""
    job = JobFactory(kind=kind, status=JobStatus.RUNNING, attempts=1)
    Job.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=10), progress=40,
        lease_expires_at=timezone.now() - dt.timedelta(seconds=last_sign_of_life) + dt.timedelta(seconds=60),
    )
    return Job.objects.get(pk=job.pk)


def test_the_job_page_fails_a_job_whose_worker_stopped_and_says_why(qm_client, settings):
    settings.JOB_LEASE_SECONDS = 60
    job = running(last_sign_of_life=125)  # out of lease for 65 s: no delivery of its task took it up

    page = qm_client.get(reverse("job_detail", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "The job failed" in page.text
    assert "The worker stopped while running it" in page.text
    assert "hx-get" not in page.text


def test_a_job_just_out_of_lease_waits_for_its_task_and_may_be_discarded(qm_client, settings):
    settings.JOB_LEASE_SECONDS = 60
    job = running(last_sign_of_life=70)

    page = qm_client.get(reverse("job_detail", args=[job.pk]))

    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    assert "Its worker has given no sign of life since" in page.text
    assert "Discard the job" in page.text


def test_a_stuck_import_job_is_discarded_and_the_import_can_then_be_discarded(qm_client, settings):
    settings.JOB_LEASE_SECONDS = 60
    matrix_import = MatrixImportFactory()
    job = running(last_sign_of_life=70)
    matrix_import.job = job
    matrix_import.save()
    preview = reverse("roles:raci_import_preview", args=[matrix_import.pk])
    assert qm_client.post(preview, {"discard": "1"}).status_code == 409  # while its job runs

    response = qm_client.post(reverse("job_discard", args=[job.pk]), follow=True)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "Discarded by Quentin Moss: its worker stopped giving signs of life."
    assert "is discarded" in response.text
    assert qm_client.post(preview, {"discard": "1"}).status_code == 302
    assert MatrixImport.objects.get(pk=matrix_import.pk).status == ImportStatus.DISCARDED


def test_a_job_whose_worker_is_alive_cannot_be_discarded(qm_client):
    job = running(last_sign_of_life=5)

    page = qm_client.get(reverse("job_detail", args=[job.pk]))
    response = qm_client.post(reverse("job_discard", args=[job.pk]))

    assert "Discard the job" not in page.text
    assert response.status_code == 409
    assert "worker is still at it" in response.text
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING


def test_a_queued_job_no_worker_took_up_can_be_discarded(qm_client, settings):
    job = JobFactory(kind="raci_import")
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))

    qm_client.post(reverse("job_discard", args=[job.pk]))

    assert Job.objects.get(pk=job.pk).error == "Discarded by Quentin Moss: no worker took it up."


def test_only_those_who_follow_the_job_may_discard_it(portal_users, client_for):
    job = running(last_sign_of_life=70)

    response = client_for(portal_users.process_owner).post(reverse("job_discard", args=[job.pk]))

    assert response.status_code == 403
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING


def test_a_worker_that_comes_back_after_its_job_was_discarded_changes_nothing(qm_client):
    job = JobFactory(kind="raci_import")
    attempt = job_claim(job.pk)
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    qm_client.post(reverse("job_discard", args=[job.pk]))

    job_succeed(job.pk, result={"summary": "late"}, attempt=attempt)

    job.refresh_from_db()
    assert (job.status, job.result) == (JobStatus.FAILED, {})


# The lease is renewed on a connection of its own, so the rows must be committed: a transactional test, run like the
# real-worker tests (serialized rollback, on their xdist worker) so that the database they find stays the same.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.xdist_group("celery-worker")
@pytest.mark.usefixtures("truncatable_test_database")
def test_a_running_task_renews_its_lease(settings):
    settings.JOB_LEASE_SECONDS = 1
    job = JobFactory()
    seen = []

    @job_task
    def slow(job_id: int) -> dict:
        first = Job.objects.get(pk=job_id).lease_expires_at
        time.sleep(1.2)
        seen.append((first, Job.objects.get(pk=job_id).lease_expires_at))
        return {}

    slow(job.pk)

    [(first, later)] = seen
    assert later > first
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
