"""Evidence packs: asking for one, following it while the workers draw it, downloading it (audited), cancelling it,
and the verify page that tells whether a PDF is a pack the portal produced, unchanged."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from leadership.access import LeadershipCapability
from leadership.evidence_pack.building import PackRefused, pack_cancel, pack_file, pack_start, pack_verify
from leadership.forms.evidence_pack import EvidencePackForm, VerifyForm
from leadership.models import EvidencePack
from qms_portal.access import public, requires
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest
from qms_portal.jobs import job_stuck, jobs_fail_lost
from qms_portal.pagination import paginate
from qms_portal.upload_hashing import HashingUploadHandler

MAKE = LeadershipCapability.MAKE_EVIDENCE_PACKS


@requires(MAKE)
def pack_list(request: SignedInRequest) -> HttpResponse:
    """The packs made so far, newest first, and the form to ask for a new one."""
    form = EvidencePackForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            pack = pack_start(period=form.period, scope=form.cleaned_data["scope"], by=request.user)
        except PackRefused as refusal:  # one pack at a time per person: said on the form, nothing started
            form.add_error(None, refusal.message)
        else:
            return redirect("leadership:pack_detail", pk=pack.pk)
    packs = EvidencePack.objects.select_related("job").order_by("-created_at")
    return render(request, "leadership/evidence_packs.html", {"form": form, "page": paginate(request, packs)})


@requires(MAKE)
@require_safe
def pack_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """A pack: its progress while it is drawn (polled by htmx), then what it holds and its download."""
    pack = get_object_or_404(EvidencePack.objects.select_related("job", "made_by"), pk=pk)
    job = pack.job
    if job is not None and not job.finished and jobs_fail_lost(job_id=job.pk):
        job.refresh_from_db()
    context = {"pack": pack, "job": job, "stuck": job is not None and job_stuck(job)}
    template = "leadership/_evidence_pack_status.html" if request.htmx else "leadership/evidence_pack.html"
    return render(request, template, context)


@requires(MAKE)
@require_safe
def pack_download(request: SignedInRequest, pk: int) -> FileResponse:
    pack = get_object_or_404(EvidencePack, pk=pk)
    path = pack_file(pack=pack, by=request.user)
    if not path.is_file():
        raise Http404("The file of this pack is missing from storage.")
    response = FileResponse(path.open("rb"), content_type="application/pdf", as_attachment=True,
                            filename=pack.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@requires(MAKE)
def pack_cancel_view(request: SignedInRequest, pk: int) -> HttpResponse:
    pack = get_object_or_404(EvidencePack.objects.select_related("job"), pk=pk)
    if pack_cancel(pack=pack, by=request.user):
        messages.success(request, f"{pack} is cancelled: nothing of it is kept.")
    else:
        messages.info(request, f"{pack} had already finished; there was nothing to cancel.")
    return redirect("leadership:pack_detail", pk=pack.pk)


@public
@csrf_exempt  # checked below, once the upload handlers are set: the CSRF check would read the body first
def pack_verify_page(request: HttpRequest) -> HttpResponse:
    """Anyone signed in (and, with ``EVIDENCE_VERIFY_PUBLIC``, anyone at all) checks a PDF or its SHA-256. The PDF
    is hashed as it arrives and never kept (``HashingUploadHandler``)."""
    if not settings.EVIDENCE_VERIFY_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    request.upload_handlers = [HashingUploadHandler(limit=settings.EVIDENCE_VERIFY_MAX_MB * 1024 * 1024,
                                                    request=request)]
    return _verify(request)


@csrf_protect
def _verify(request: HttpRequest) -> HttpResponse:
    data = posted(request)  # reads the body through the hashing handler
    too_large = any(getattr(handler, "too_large", False) for handler in request.upload_handlers)
    form = VerifyForm(data, request.FILES or None, too_large=too_large)
    checked = None
    if request.method == "POST" and form.is_valid():
        digest = form.digest()
        upload = form.cleaned_data.get("file")
        checked = {"digest": digest, "pack": pack_verify(sha256=digest), "name": upload.name if upload else ""}
    signed_in = request.user.is_authenticated
    return render(request, "leadership/evidence_verify.html", {
        "form": form, "checked": checked, "signed_in": signed_in,
        "base": "base.html" if signed_in else "policy/public_base.html",
    })
