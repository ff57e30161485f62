"""Public read functions of the policy app, for the leadership app (dashboard, readiness, management
review inputs, evidence pack). Other apps read the policy through these, not through its models."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, QuerySet, When

from policy.access import PolicyCapability
from policy.acknowledgements import campaign_report
from policy.models import Campaign, PolicyDocument, PolicyKind, PolicyVersion, VersionStatus


def current_version(document_reference: str | None = None) -> PolicyVersion | None:
    """The published version of the given document, or of the quality policy when none is named;
    None when nothing is published. Its ``document`` and ``signature`` come loaded."""
    versions = PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("document", "signature")
    if document_reference is None:
        versions = versions.filter(document__kind=PolicyKind.QUALITY).order_by("document__created_at")
    else:
        versions = versions.filter(document__reference=document_reference)
    return versions.first()


@dataclass(frozen=True)
class AcknowledgementSummary:
    """The current quality policy's acknowledgement figures."""

    version: PolicyVersion
    asked: int
    acknowledged: int
    rate: int  # per cent, rounded down
    due_on: dt.date
    overdue: bool


def acknowledgement_summary() -> AcknowledgementSummary | None:
    """How far the current quality policy's acknowledgement campaign has got; None when no quality policy
    is published or its version has no campaign."""
    version = current_version()
    if version is None:
        return None
    campaign = Campaign.objects.filter(version=version).first()
    if campaign is None:
        return None
    report = campaign_report(campaign)
    return AcknowledgementSummary(
        version=version,
        asked=report.asked,
        acknowledged=report.acknowledged,
        rate=report.rate,
        due_on=campaign.due_on,
        overdue=report.overdue,
    )


def policy_documents() -> QuerySet[PolicyDocument]:
    """Every policy document (the quality policy first), for choosing the policy that frames an objective."""
    quality_first = Case(When(kind=PolicyKind.QUALITY, then=0), default=1)
    return PolicyDocument.objects.order_by(quality_first, "title")


def policy_document(reference: str) -> PolicyDocument | None:
    """The policy document with this reference (published or not), or None: one query."""
    return PolicyDocument.objects.filter(reference=reference).first()


# Who may open a version's acknowledgement report: other apps ask it before linking to that report.
ACKNOWLEDGEMENT_REPORT_CAPABILITY = PolicyCapability.VIEW_ACKNOWLEDGEMENTS
