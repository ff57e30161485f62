"""Following a background job: its progress while it runs, its outcome or failure reason after; discarding a job
left stuck by a worker that stopped."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from qms_portal.access import login_only, user_can
from qms_portal.http import SignedInRequest
from qms_portal.job_kinds import JOB_KINDS, JobKind
from qms_portal.jobs import job_discard as discard
from qms_portal.jobs import job_stuck, jobs_fail_lost
from qms_portal.models import Job


def _job_for(request: SignedInRequest, pk: int) -> tuple[Job, JobKind]:
    """The job and its kind, or 403 when its kind is out of the person's reach (404 when there is no such job)."""
    job = get_object_or_404(Job, pk=pk)
    kind = JOB_KINDS.get(job.kind)
    if kind is None or not user_can(request.user, kind.capability):
        raise PermissionDenied("This job belongs to an area your portal role does not reach.")
    return job, kind


@login_only
def job_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    job, kind = _job_for(request, pk)
    if request.method not in ("GET", "HEAD"):  # checked after access, so a refusal never hints the job exists
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not job.finished and jobs_fail_lost(job_id=job.pk):  # its worker stopped: say so now, not at the sweep
        job.refresh_from_db()
    template = "qms_portal/_job_status.html" if request.htmx else "qms_portal/job_detail.html"
    return render(request, template, {"job": job, "kind": kind, "stuck": job_stuck(job)})


@login_only
def job_discard(request: SignedInRequest, pk: int) -> HttpResponse:
    job, _ = _job_for(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    job = discard(job=job, by=request.user)
    messages.success(request, f"{job} is discarded. Whatever it was for can be started again.")
    return redirect("job_detail", pk=job.pk)
