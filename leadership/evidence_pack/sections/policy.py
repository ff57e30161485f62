"""The evidence pack's section 5.2: Policy.

A first part says which quality policy version was in force at the period's end, where the policy is public, the
periodic reviews recorded in the period and the acknowledgement campaigns of the versions in force (figures as
they stood at the period's end, with the people's rows attached as ``acknowledgements.csv``). Then one part per
version in force during the period, with its approval signature, 5.2.1 checklist and full text: its own part so
that the "superseded" watermark (fixed, repeated on every page of a part) marks that version's pages only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import (
    ManifestRecord,
    PackSection,
    PartContent,
    PartPlan,
    manifest_record,
)
from policy import selectors
from policy.selectors import CampaignFigures
from qms_portal.exports import csv_text
from qms_portal.signatures import content_sha256

RECORD_TYPES = (
    "policy.policydocument",
    "policy.policyversion",
    "policy.policyreview",
    "policy.campaign",
    "policy.acknowledgement",
    "policy.comprehensionattempt",
)
ACKNOWLEDGEMENTS_CSV = "acknowledgements.csv"


@dataclass(frozen=True)
class VersionInPeriod:
    """A version as it stood at the period's end: in force then, or superseded or withdrawn during the period."""

    version: Any  # policy.models.PolicyVersion, read through policy.selectors
    period: PackPeriod

    @property
    def ended_at(self) -> Any:
        """When it stopped being in force, if that was before the period's end."""
        ended = self.version.superseded_at or self.version.withdrawn_at
        return ended if ended is not None and ended < self.period.end_at else None

    @property
    def withdrawn_after(self) -> Any:
        """When it was withdrawn, if that was after the period's end (it was in force, or superseded, then)."""
        withdrawn = self.version.withdrawn_at
        return withdrawn if withdrawn is not None and withdrawn >= self.period.end_at else None

    @property
    def watermark(self) -> str:
        if self.ended_at is None:
            return ""
        return "WITHDRAWN" if self.version.withdrawn_at == self.ended_at else "SUPERSEDED"

    @property
    def label(self) -> str:
        return f"{self.version.document.reference.upper()} v{self.version.number}"

    @property
    def content_sha256(self) -> str:
        """The SHA-256 of the text an approval signature covers, as it is stored now."""
        return content_sha256(self.version.signed_content())

    @property
    def signed_sha256(self) -> str:
        """The hash the approval signature attests, or the stored text's own when unsigned."""
        signature = self.version.signature
        return signature.content_sha256 if signature is not None else self.content_sha256


@dataclass(frozen=True)
class CampaignInPeriod:
    """A campaign's figures at the period's end, beside its version: a campaign whose version was superseded or
    withdrawn by then is closed, never overdue."""

    figures: CampaignFigures
    item: VersionInPeriod

    @property
    def overdue(self) -> bool:
        return self.item.ended_at is None and self.figures.report.overdue


def _version_record(version: VersionInPeriod) -> ManifestRecord:
    record = manifest_record(version.version, label=f"{version.label} {version.version.document.title}")
    return ManifestRecord(type=record.type, id=record.id, sha256=version.signed_sha256, label=record.label)


def _review_record(review: Any) -> ManifestRecord:
    label = f"Periodic review of {review.version.document.reference.upper()} v{review.version.number}"
    record = manifest_record(review, label=label)
    if review.signature is not None:
        return ManifestRecord(type=record.type, id=record.id, sha256=review.signature.content_sha256, label=label)
    return record


def _campaign_record(figures: CampaignFigures) -> ManifestRecord:
    report, version = figures.report, figures.campaign.version
    return manifest_record(
        figures.campaign,
        label=f"Acknowledgements of {version.document.reference.upper()} v{version.number}: "
        f"{report.acknowledged} of {report.asked} ({report.rate}%) at the period's end",
    )


def _acknowledgements_csv(figures: list[CampaignFigures], period: PackPeriod) -> str:
    # The times are in the organisation's zone: the header says which. Cells escaped as every export's are.
    header = [
        f"{name} ({period.zone})" if name == "acknowledged at" else name for name in selectors.ACKNOWLEDGEMENT_COLUMNS
    ]
    return csv_text(header, selectors.acknowledgement_rows(
        [f.campaign for f in figures], as_of=period.end_at, zone=period.tz
    ))


def public_address(path: str) -> str:
    """The public page's address: on the site's address when one is configured (``SITE_URL``), else its path."""
    site = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{site}{path}" if path else ""


def _summary(period: PackPeriod) -> PartContent:
    versions = [VersionInPeriod(v, period) for v in selectors.versions_in_force_during(period.start_at, period.end_at)]
    at_end = [v for v in versions if v.ended_at is None]
    next_review = selectors.versions_next_review_at([item.version for item in at_end], period.end_at)
    reviews = selectors.policy_reviews_during(period.start_at, period.end_at)
    campaigns = [
        CampaignInPeriod(figures, item) for item in versions
        if (figures := selectors.campaign_figures(item.version, as_of=period.end_at)) is not None
    ]
    documents = {v.version.document_id: v.version.document for v in versions}
    public_then = selectors.documents_public_at(documents.values(), period.end_at)
    public = [
        {"document": document,
         "address": public_address(selectors.public_policy_path(document, public=public_then[document.pk]))}
        for document in documents.values()
    ]
    records = (
        [manifest_record(document) for document in documents.values()]
        + [_review_record(review) for review in reviews]
        + [_campaign_record(entry.figures) for entry in campaigns]
    )
    attachments = (
        {ACKNOWLEDGEMENTS_CSV: _acknowledgements_csv([entry.figures for entry in campaigns], period)}
        if campaigns else {}
    )
    return PartContent(
        template="leadership/pack/policy_summary.html",
        context={
            "period": period, "versions": versions, "at_end": at_end, "reviews": reviews, "campaigns": campaigns,
            "next_reviews": [(item, next_review[item.version.pk]) for item in at_end],
            "public": public, "csv_name": ACKNOWLEDGEMENTS_CSV,
        },
        records=records,
        attachments=attachments,
    )


def _version(period: PackPeriod, pk: int) -> PartContent:
    found = selectors.version_in_force_during(pk, period.start_at, period.end_at)
    if found is None:  # planned, then changed out of the period before the part was drawn: say so, show nothing
        return PartContent(template="leadership/pack/policy_version.html", context={"missing": pk})
    version = VersionInPeriod(found, period)
    checklist = [
        {"id": item_id, "text": text, **(found.checklist or {}).get(item_id, {})}
        for item_id, text in selectors.POLICY_CHECKLIST.items()
    ]
    return PartContent(
        template="leadership/pack/policy_version.html",
        context={
            "item": version, "version": found, "checklist": checklist,
            "next_review_on": selectors.versions_next_review_at([found], period.end_at)[found.pk],
        },
        records=[_version_record(version)],
    )


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    if "version" in args:
        return _version(period, int(args["version"]))
    return _summary(period)


def _plan(period: PackPeriod) -> list[PartPlan]:
    ids = selectors.version_ids_in_force_during(period.start_at, period.end_at)
    return [PartPlan(label="Policy: summary, reviews and acknowledgements", weight=3)] + [
        PartPlan(label=f"Policy version (id {pk})", args={"version": pk}, weight=2) for pk in ids
    ]


SECTION = PackSection(
    key="5.2",
    title="Policy",
    scopes=frozenset({"5", "5.2"}),
    content=_content,
    plan=_plan,
    record_types=RECORD_TYPES,
)
