"""Commitments of top management (5.1.1 a-j, 5.1.2 a-c) and the evidence of what leaders did for them:
the catalogue with each commitment's status, a commitment's page and settings, the evidence list, recording
evidence with its files, an entry's page and the download of its attachments."""
from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from leadership.access import LeadershipCapability
from leadership.commitments import (
    CommitmentState,
    CommitmentStatus,
    commitment_statuses,
    commitment_update,
    evidence_record,
)
from leadership.forms.common import add_errors
from leadership.forms.evidence import CommitmentForm, EvidenceFilterForm, EvidenceForm
from leadership.models import Commitment, EvidenceAttachment, EvidenceEntry
from leadership.people import top_managers
from leadership.selectors import (
    CLAUSES,
    STATE_ORDER,
    clause_of,
    commitments_with_status,
    evidence_with_counts,
    status_counts,
    status_reason,
)
from leadership.uploads import ACCEPTED_TYPES, UploadRejected, attachment_response
from qms_portal.access import requires
from qms_portal.forms import posted
from qms_portal.http import SignedInRequest
from qms_portal.pagination import paginate, querystring_without_page

VIEW = LeadershipCapability.VIEW
RECORD = LeadershipCapability.RECORD_EVIDENCE
MANAGE = LeadershipCapability.MANAGE_COMMITMENTS
NOBODY = "none"  # the owner filter's value for commitments without an accountable top manager
EVIDENCE_PAGE = 25
TYPE_LABELS = {kind.content_type: kind.label for kind in ACCEPTED_TYPES}


def _grouped(commitments: list[Commitment]) -> list[tuple[str, str, list[Commitment]]]:
    """(clause, its title, commitments) in code order."""
    return [
        (clause, CLAUSES.get(clause, ""), list(members)) for clause, members in groupby(commitments, key=clause_of)
    ]


# --- Commitments ---------------------------------------------------------------------------------
@requires(VIEW)
@require_safe
def commitment_list(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    commitments = commitments_with_status(today=today)
    owner = request.GET.get("owner", "")
    state = request.GET.get("status", "")
    if state not in CommitmentState.values:
        state = ""
    # The people to filter by: today's top managers and whoever is still named on a commitment.
    owners = {person.pk: person for person in top_managers()}
    owners.update({c.owner.pk: c.owner for c in commitments if c.owner is not None})
    if owner == NOBODY:
        commitments = [c for c in commitments if c.owner_id is None]
    elif owner.isdigit() and int(owner) in owners:
        commitments = [c for c in commitments if c.owner_id == int(owner)]
    else:
        owner = ""
    counts = status_counts(commitments)  # of the owner's commitments: the chips then narrow by status
    shown = [c for c in commitments if not state or c.status.state == state]
    return render(request, "leadership/commitment_list.html", {
        "groups": _grouped(shown),
        "counts": [(CommitmentStatus(CommitmentState(key), None, None), count) for key, count in counts.items()],
        "total": len(commitments),
        "owners": sorted(owners.values(), key=lambda person: (person.full_name, person.username)),
        "owner": owner,
        "state": state,
        "states": [CommitmentState(key) for key in STATE_ORDER],
        "nobody": NOBODY,
        "filtered": bool(owner or state),
        "owner_query": f"owner={owner}&" if owner else "",
        "today": today,
    })


@requires(VIEW)
@require_safe
def commitment_detail(request: SignedInRequest, code: str) -> HttpResponse:
    commitment = get_object_or_404(Commitment.objects.select_related("owner"), code=code)
    today = timezone.localdate()
    status = commitment_statuses([commitment], today=today)[commitment.pk]
    entries = evidence_with_counts(commitment.evidence_entries.all()).order_by("-occurred_on", "-pk")
    page = paginate(request, entries, per_page=EVIDENCE_PAGE)
    actions = list(commitment.actions.select_related("owner").order_by("due_on", "pk"))
    for action in actions:
        action.overdue = action.overdue_on(today)
    return render(request, "leadership/commitment_detail.html", {
        "commitment": commitment,
        "status": status,
        "reason": status_reason(status, today=today),
        "clause_title": CLAUSES.get(clause_of(commitment), ""),
        "page": page,
        "querystring": querystring_without_page(request),
        "actions": actions,
    })


@requires(MANAGE)
def commitment_edit(request: SignedInRequest, code: str) -> HttpResponse:
    commitment = get_object_or_404(Commitment.objects.select_related("owner"), code=code)
    form = CommitmentForm(
        posted(request),
        initial={"owner": commitment.owner_id, "evidence_every_days": commitment.evidence_every_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            commitment = commitment_update(
                commitment=commitment,
                owner=form.cleaned_data["owner"],
                evidence_every_days=form.cleaned_data["evidence_every_days"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"{commitment.code} is saved: {commitment.owner} is accountable for it, with evidence needed "
                f"every {commitment.evidence_every_days} days.",
            )
            return redirect("leadership:commitment_detail", code=commitment.code)
    return render(request, "leadership/commitment_edit.html", {"form": form, "commitment": commitment})


# --- Evidence ------------------------------------------------------------------------------------
@requires(VIEW)
@require_safe
def evidence_list(request: SignedInRequest) -> HttpResponse:
    form = EvidenceFilterForm(request.GET)
    form.is_valid()  # filters that cannot be read are shown with their error and left out
    entries = form.filter(evidence_with_counts()).order_by("-occurred_on", "-pk")
    page = paginate(request, entries, per_page=EVIDENCE_PAGE)
    return render(request, "leadership/evidence_list.html", {
        "form": form,
        "page": page,
        "filtered": form.filtered,
        "querystring": querystring_without_page(request),
    })


@requires(RECORD)
def evidence_create(request: SignedInRequest) -> HttpResponse:
    initial: dict[str, object] = {}
    asked = Commitment.objects.filter(code=request.GET.get("commitment", "")).select_related("owner").first()
    if asked is not None:
        initial["commitments"] = [asked.code]
        # Someone recording for a top manager most likely records what the accountable one did.
        leaders = top_managers()
        if asked.owner_id and not leaders.filter(pk=request.user.pk).exists():
            initial["leader"] = asked.owner_id
    form = EvidenceForm(
        posted(request), request.FILES if request.method == "POST" else None, initial=initial, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = evidence_record(
                occurred_on=form.cleaned_data["occurred_on"],
                kind=form.cleaned_data["kind"],
                summary=form.cleaned_data["summary"],
                leader=form.cleaned_data["leader"],
                commitments=list(form.cleaned_data["commitments"]),
                attachments=form.cleaned_data["attachments"],
                by=request.user,
            )
        except UploadRejected as refused:
            form.add_error("attachments", refused.message)
        except ValidationError as error:
            add_errors(form, error)
        else:
            files = entry.attachments.count()
            codes = ", ".join(c.code for c in entry.commitments.order_by("code"))
            messages.success(
                request,
                f"The evidence is recorded against {codes}"
                f"{f' with {files} attachment' + ('s' if files != 1 else '') if files else ''}.",
            )
            return redirect("leadership:evidence_detail", pk=entry.pk)
    today = timezone.localdate()
    choices = commitments_with_status(today=today)
    return render(request, "leadership/evidence_create.html", {
        "form": form,
        "commitment_groups": form.commitment_groups(choices),
        "files_sent": bool(request.FILES),
        "from_commitment": asked.code if asked is not None else "",
    })


@requires(VIEW)
@require_safe
def evidence_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        EvidenceEntry.objects.select_related("leader", "recorded_by").prefetch_related(
            Prefetch("commitments", queryset=Commitment.objects.select_related("owner").order_by("code")),
            Prefetch("attachments", queryset=EvidenceAttachment.objects.order_by("pk")),
        ),
        pk=pk,
    )
    today = timezone.localdate()
    commitments = list(entry.commitments.all())
    statuses = commitment_statuses(commitments, today=today)
    for commitment in commitments:
        commitment.status = statuses[commitment.pk]
    attachments = list(entry.attachments.all())
    for attachment in attachments:
        attachment.type_label = TYPE_LABELS.get(attachment.content_type, attachment.content_type)
    return render(request, "leadership/evidence_detail.html", {
        "entry": entry,
        "commitments": commitments,
        "attachments": attachments,
    })


@requires(VIEW)
@require_safe
def attachment_download(request: SignedInRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(EvidenceAttachment, pk=pk)
    try:
        return attachment_response(attachment)
    except FileNotFoundError:
        raise Http404("The file of this attachment is missing from storage.") from None
