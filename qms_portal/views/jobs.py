"""Following a background job: its progress while it runs, its outcome or failure reason after."""
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render

from qms_portal.access import login_only, user_can
from qms_portal.http import SignedInRequest
from qms_portal.job_kinds import JOB_KINDS
from qms_portal.models import Job


@login_only
def job_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk)
    kind = JOB_KINDS.get(job.kind)
    if kind is None or not user_can(request.user, kind.capability):
        raise PermissionDenied("This job belongs to an area your portal role does not reach.")
    if request.method not in ("GET", "HEAD"):  # checked after access, so a refusal never hints the job exists
        return HttpResponseNotAllowed(["GET", "HEAD"])
    template = "qms_portal/_job_status.html" if request.htmx else "qms_portal/job_detail.html"
    return render(request, template, {"job": job, "kind": kind})
