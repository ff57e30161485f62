"""Views: reading and acknowledging a published version (5.2.2.b), the campaign report and its CSV export."""
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from policy.access import PolicyCapability
from policy.acknowledgements import (
    AlreadyAcknowledged,
    acknowledgement_check,
    acknowledgement_record,
    acknowledgement_refusal,
    campaign_report,
    campaign_rows,
    pending_for,
)
from policy.models import Acknowledgement, AudienceKind, Campaign, PolicyVersion, VersionStatus
from policy.reminders import campaign_people_reminded, campaign_reminders_sent
from policy.selectors import may_see_work_in_progress
from qms_portal.access import login_only, requires
from qms_portal.exports import csv_response
from qms_portal.http import SignedInRequest
from qms_portal.pagination import paginate

VIEW_ACKNOWLEDGEMENTS = PolicyCapability.VIEW_ACKNOWLEDGEMENTS


class AcknowledgeForm(forms.Form):
    """The confirmation, and the campaign's question when it has one."""

    answer = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, required=False)
    understood = forms.BooleanField(
        label="I have read and understood this policy",
        error_messages={"required": "Tick the box to confirm that you have read and understood the policy."},
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if campaign.question:
            answer = cast(forms.TypedChoiceField, self.fields["answer"])
            answer.label = "The question"  # the page shows the question itself as the group's legend
            answer.choices = list(enumerate(campaign.choices))
            answer.required = True
            answer.error_messages["required"] = "Choose an answer to the question."
        else:
            del self.fields["answer"]


def _version(reference: str, number: int) -> PolicyVersion:
    return get_object_or_404(
        PolicyVersion.objects.select_related("document", "campaign", "signature"),
        document__reference=reference,
        number=number,
    )


@login_only
@require_http_methods(["GET", "HEAD", "POST"])
def version_acknowledge(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    """Read the published version and confirm it; only for the people its campaign addresses."""
    version = _version(reference, number)
    if version.approved_at is None and not may_see_work_in_progress(request.user):
        # As on the version's own page: a version never published is not revealed to those who may not read
        # drafts. One that was published (now superseded) gets the 409 page, pointing to the version in force.
        raise Http404("No such version.")
    done = Acknowledgement.objects.filter(version=version, person=request.user).first()
    refusal = acknowledgement_refusal(version=version)
    if refusal:
        current = version.document.versions.select_related("campaign").filter(status=VersionStatus.PUBLISHED).first()
        return render(request, "policy/acknowledge.html", {
            "version": version,
            "refusal": refusal,
            "acknowledgement": done,
            "current": current,
            "current_is_mine": current is not None and current in pending_for(request.user),
        }, status=409)
    acknowledgement_check(version=version, person=request.user)
    campaign = version.campaign
    form = AcknowledgeForm(request.POST if request.method == "POST" else None, campaign=campaign)
    if request.method == "POST" and done is not None:
        messages.info(request, f"You already acknowledged {version}: your first acknowledgement stands.")
        return redirect(request.path)
    if request.method == "POST" and form.is_valid():
        try:
            acknowledgement_record(version=version, person=request.user, answer=form.cleaned_data.get("answer"))
        except ValidationError as error:
            form.add_error(None, error)
        except AlreadyAcknowledged as refusal:
            messages.info(request, str(refusal))
            return redirect(request.path)
        else:
            messages.success(request, f"Thank you: your acknowledgement of {version} is recorded.")
            return redirect(request.path)
    return render(request, "policy/acknowledge.html", {
        "version": version, "campaign": campaign, "form": form, "acknowledgement": done,
    })


def _campaign(reference: str, number: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.select_related("version__document"),
        version__document__reference=reference,
        version__number=number,
    )


@requires(VIEW_ACKNOWLEDGEMENTS)
@require_safe
def campaign_report_page(request: SignedInRequest, reference: str, number: int) -> HttpResponse:
    """The campaign's rate overall and by department, and who is still pending."""
    campaign = _campaign(reference, number)
    report = campaign_report(campaign)
    # The report's counts already tell how many are pending: the page does not count the list a second time.
    page = paginate(request, report.pending, count=report.pending_count)
    # Beside each person pending, how often they were reminded and when last (one query for the page).
    reminded = campaign_people_reminded(campaign, [person["pk"] for person in page.object_list])
    for person in page.object_list:
        person["reminded"] = reminded.get(person["pk"])
    return render(request, "policy/campaign_report.html", {
        "campaign": campaign,
        "version": campaign.version,
        "report": report,
        "page": page,
        "reminders": campaign_reminders_sent(campaign),
        "units": list(campaign.org_units.order_by("name")) if campaign.audience == AudienceKind.DEPARTMENTS else [],
        "csv_url": reverse("policy:campaign_report_csv", args=[reference, number]),
    })


@requires(VIEW_ACKNOWLEDGEMENTS)
@require_safe
def campaign_report_csv(request: SignedInRequest, reference: str, number: int) -> StreamingHttpResponse:
    """One row per person asked, acknowledged or not, for a spreadsheet."""
    campaign = _campaign(reference, number)
    header = ["name", "user name", "department", "job title", "acknowledged", "when", "answers given",
              "first answer right"]
    filename = f"acknowledgements-{campaign.version.document.reference}-v{campaign.version.number}.csv"
    return csv_response(filename, header, campaign_rows(campaign))
