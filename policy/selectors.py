"""Public read functions of the policy app, for its own pages and for the leadership app (dashboard, readiness,
management review inputs, evidence pack). Other apps read the policy through these, not through its models."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, Q, QuerySet, When
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from policy.access import PolicyCapability
from policy.acknowledgements import (
    NO_UNIT,
    CampaignReport,
    acknowledgement_of,
    campaign_audience,
    campaign_counts,
    campaign_overdue,
    campaign_report,
    campaign_rows,
)
from policy.models import (
    CHECKLIST_ITEMS,
    Acknowledgement,
    AudienceKind,
    Campaign,
    PolicyDocument,
    PolicyKind,
    PolicyReview,
    PolicyVersion,
    VersionStatus,
)
from policy.workflow import version_url, version_writers
from qms_portal.access import user_can
from qms_portal.audit import AuditEntry, audit_history, audit_values_at
from qms_portal.models import User
from qms_portal.presentation import percent


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
    rate: int  # per cent, rounded half up (qms_portal.presentation.percent)
    due_on: dt.date
    overdue: bool


def acknowledgement_summary() -> AcknowledgementSummary | None:
    """How far the current quality policy's acknowledgement campaign has got; None when no quality policy
    is published or its version has no campaign. Three queries (five for a campaign to chosen departments)."""
    version = current_version()
    if version is None:
        return None
    campaign = Campaign.objects.filter(version=version).first()
    if campaign is None:
        return None
    campaign.version = version  # already loaded: the audience reads its dates
    asked, acknowledged = campaign_counts(campaign)
    return AcknowledgementSummary(
        version=version,
        asked=asked,
        acknowledged=acknowledged,
        rate=percent(acknowledged, asked),
        due_on=campaign.due_on,
        overdue=campaign_overdue(campaign, asked=asked, acknowledged=acknowledged),
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


# --- Who may read which version, and a version's life ------------------------------------------------
def can_see_history(user: User | AnonymousUser) -> bool:
    """Whether this person may read every version ever approved, superseded ones included (auditors)."""
    return user_can(user, PolicyCapability.VIEW_HISTORY)


def may_see_work_in_progress(user: User | AnonymousUser) -> bool:
    """Drafts and versions in review are seen only by those who write or approve them, not by auditors."""
    return user_can(user, PolicyCapability.MANAGE) or user_can(user, PolicyCapability.APPROVE)


def versions_visible_to(
    user: User | AnonymousUser, versions: QuerySet[PolicyVersion] | None = None
) -> QuerySet[PolicyVersion]:
    """The versions this person may read: the one in force for everyone signed in; every version ever
    approved for history readers (auditors); all of them for those who write or approve policies."""
    versions = PolicyVersion.objects.all() if versions is None else versions
    if may_see_work_in_progress(user):
        return versions
    if can_see_history(user):
        return versions.filter(Q(status=VersionStatus.PUBLISHED) | Q(approved_at__isnull=False))
    return versions.filter(status=VersionStatus.PUBLISHED)


@dataclass(frozen=True)
class TimelineEvent:
    """One dated step in a version's life, with who took it and any comment."""

    when: dt.datetime
    label: str
    who: str = ""
    note: str = ""
    tone: str = "neutral"  # neutral, good, warning, bad


def version_timeline(version: PolicyVersion, *, with_comments: bool) -> list[TimelineEvent]:
    """The version's dated steps, oldest first. The dates come from the version itself; with
    ``with_comments``, the audit trail adds who took each step, the send-backs and their comments."""
    steps: list[AuditEntry] = []
    if with_comments:
        steps = list(audit_history(version, steps_only=True))
    last_step = {entry.step: entry for entry in steps}

    def by(step: str) -> str:
        entry = last_step.get(step)
        return entry.actor_name if entry else ""

    events = [TimelineEvent(version.created_at, "Drafted", who=version.author.get_full_name())]
    submissions = [entry for entry in steps if entry.step == "submitted for review"]
    if submissions:  # each round of review, when the audit trail has them
        events += [TimelineEvent(e.created_at, "Submitted for review", who=e.actor_name) for e in submissions]
    elif version.submitted_at:
        events.append(TimelineEvent(version.submitted_at, "Submitted for review"))
    if version.approved_at:
        signer = version.signature.printed_name if version.signature else by("approved")
        events.append(TimelineEvent(version.approved_at, "Approved and signed", who=signer, tone="good"))
    if version.published_at:
        events.append(TimelineEvent(version.published_at, "Published", who=by("published"), tone="good"))
    if version.superseded_at:
        note = last_step["superseded"].reason if "superseded" in last_step else ""
        # Only the first letter: the reason given after "by version N:" keeps its own capitals.
        events.append(TimelineEvent(version.superseded_at, "Superseded", note=note[:1].upper() + note[1:]))
    if version.withdrawn_at:
        entry = last_step.get("withdrawn")
        events.append(TimelineEvent(
            version.withdrawn_at, "Withdrawn and signed" if version.withdrawal_signature_id else "Withdrawn",
            who=entry.actor_name if entry else "",
            note=entry.reason if entry else "", tone="bad",
        ))
    for entry in steps:
        if entry.step == "sent back to draft":
            events.append(TimelineEvent(
                entry.created_at, "Sent back to draft", who=entry.actor_name, note=entry.reason, tone="warning"
            ))
    return sorted(events, key=lambda event: event.when)


# --- For the executive dashboard ---------------------------------------------------------------------
def versions_awaiting_signature(person: User) -> list[PolicyVersion]:
    """The versions in review that ``person`` may approve and sign: none when they may not approve policies, and
    never one they wrote (separation of duties). Two queries, whatever the number of versions."""
    if not user_can(person, PolicyCapability.APPROVE):
        return []
    in_review = list(
        PolicyVersion.objects.filter(status=VersionStatus.IN_REVIEW)
        .select_related("document")
        .order_by("submitted_at", "pk")
    )
    if not in_review:
        return []
    writers = version_writers(in_review)
    return [version for version in in_review if person.pk not in writers[version.pk]]


def signing_days(signers: Iterable[User], *, since: dt.datetime) -> dict[int, list[int]]:
    """For each of ``signers`` (by id), the whole days between each version reaching review and their signature
    approving it, for the versions they signed since ``since``. One query."""
    days: dict[int, list[int]] = defaultdict(list)
    signed = (
        PolicyVersion.objects.filter(
            signature__signer__in=[person.pk for person in signers],
            signature__signed_at__gte=since,
            submitted_at__isnull=False,
        )
        .values_list("signature__signer_id", "submitted_at", "signature__signed_at")
    )
    for signer_id, submitted_at, signed_at in signed:
        if submitted_at is not None:  # filtered above; the check tells the type checker
            days[signer_id].append(max((signed_at - submitted_at).days, 0))
    return days


def acknowledgements_by_day(version: PolicyVersion) -> list[tuple[dt.date, int]]:
    """How many acknowledgements of ``version`` were made on each day (the UTC date of the moment), oldest day
    first, days without any left out: one query, counted by the database (a row a day, not a row a person)."""
    return list(
        Acknowledgement.objects.filter(version=version)
        .annotate(day=TruncDate("acknowledged_at", tzinfo=dt.UTC))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )


def acknowledgement_report_url(version: PolicyVersion) -> str:
    """The page listing who acknowledged ``version`` and who has not."""
    return reverse("policy:campaign_report", kwargs={"reference": version.document.reference, "number": version.number})


@dataclass(frozen=True)
class PolicyReviewDate:
    """A policy in force, when it is next due for its periodic review, and its page."""

    version: PolicyVersion
    next_review_on: dt.date | None
    url: str


def policy_review_dates() -> list[PolicyReviewDate]:
    """Every version in force with its next periodic review date, soonest first (undated last): one query."""
    published = PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("document")
    found = sorted(published, key=lambda v: (v.next_review_on is None, v.next_review_on or dt.date.max, v.pk))
    return [PolicyReviewDate(version, version.next_review_on, version_url(version)) for version in found]



# --- The quality policy as it stood on a day (the readiness score) ---------------------------------------------
# What 5.2.1 a-d ask of the policy's text, by requirement id, in our own words (the approval checklist's items).
POLICY_CHECKLIST: dict[str, str] = CHECKLIST_ITEMS

@dataclass(frozen=True)
class DepartmentAcknowledgements:
    """One department's acknowledgements of a version, counted up to a day."""

    unit: str
    asked: int
    acknowledged: int

    @property
    def rate(self) -> int:
        return percent(self.acknowledged, self.asked)


@dataclass(frozen=True)
class PolicyInForce:
    """The quality policy version in force on a day, with what the readiness rules ask of it."""

    reference: str
    title: str
    number: int
    signed: bool
    is_public: bool
    next_review_on: dt.date | None
    checklist: dict[str, Any]
    body: str
    has_campaign: bool
    departments: list[DepartmentAcknowledgements]

    @property
    def label(self) -> str:
        return f"{self.reference} v{self.number}"

    @property
    def asked(self) -> int:
        return sum(row.asked for row in self.departments)

    @property
    def acknowledged(self) -> int:
        return sum(row.acknowledged for row in self.departments)

    @property
    def rate(self) -> int:
        return percent(self.acknowledged, self.asked)


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def quality_policy_on(day: dt.date) -> PolicyInForce | None:
    """The quality policy version in force on ``day`` (published by its end, neither superseded nor withdrawn by
    then), with its acknowledgements by department as they stood that day; None when none was in force. Two
    queries, three for a campaign to chosen departments, whatever the number of people."""
    end = _end_of(day)
    version = (
        PolicyVersion.objects.filter(document__kind=PolicyKind.QUALITY, published_at__lt=end)
        .exclude(superseded_at__lt=end)
        .exclude(withdrawn_at__lt=end)
        .select_related("document", "campaign")
        .order_by("document__created_at", "-published_at")
        .first()
    )
    if version is None:
        return None
    campaign = getattr(version, "campaign", None)
    departments: list[DepartmentAcknowledgements] = []
    if campaign is not None:
        counts = (
            campaign_audience(campaign).filter(date_joined__lt=end)
            .annotate(mine=acknowledgement_of(version.pk, before=end))
            .order_by()
            .values("org_unit__name")
            .annotate(asked=Count("pk"), acknowledged=Count("mine"))
        )
        departments = sorted(
            (DepartmentAcknowledgements(row["org_unit__name"] or NO_UNIT, row["asked"], row["acknowledged"])
             for row in counts),
            key=lambda row: (row.unit == NO_UNIT, row.unit.lower()),
        )
    return PolicyInForce(
        reference=version.document.reference, title=version.document.title, number=version.number,
        signed=version.signature_id is not None, is_public=version.document.is_public,
        next_review_on=version.next_review_on, checklist=dict(version.checklist or {}), body=version.body,
        has_campaign=campaign is not None, departments=departments,
    )


# --- The quality policy over a period (the evidence pack's section 5.2) ----------------------------------------
def _in_force_during(start_at: dt.datetime, end_at: dt.datetime) -> QuerySet[PolicyVersion]:
    """Quality policy versions published before ``end_at`` and neither superseded nor withdrawn before
    ``start_at``, newest first within each document."""
    return (
        PolicyVersion.objects.filter(document__kind=PolicyKind.QUALITY, published_at__lt=end_at)
        .exclude(superseded_at__lt=start_at)
        .exclude(withdrawn_at__lt=start_at)
        .order_by("document__created_at", "document_id", "-published_at", "-number")
    )


def versions_in_force_during(start_at: dt.datetime, end_at: dt.datetime) -> list[PolicyVersion]:
    """The quality policy versions in force at some time in ``[start_at, end_at)``, newest first, with document
    and signatures loaded. One query."""
    return list(_in_force_during(start_at, end_at).select_related("document", "signature", "withdrawal_signature"))


def version_ids_in_force_during(start_at: dt.datetime, end_at: dt.datetime) -> list[int]:
    """The ids of ``versions_in_force_during``, in its order: one query, no rows loaded."""
    return list(_in_force_during(start_at, end_at).values_list("pk", flat=True))


def version_in_force_during(pk: int, start_at: dt.datetime, end_at: dt.datetime) -> PolicyVersion | None:
    """The quality policy version ``pk`` if it was in force at some time in ``[start_at, end_at)``, else None;
    with document and signatures (the approver too) loaded. One query."""
    return (
        _in_force_during(start_at, end_at).filter(pk=pk)
        .select_related("document", "signature__signer", "withdrawal_signature").first()
    )


def policy_reviews_during(start_at: dt.datetime, end_at: dt.datetime) -> list[PolicyReview]:
    """The periodic reviews of quality policy versions recorded in ``[start_at, end_at)``, oldest first, with the
    version, its document, the signature and who recorded it loaded. One query."""
    return list(
        PolicyReview.objects.filter(
            version__document__kind=PolicyKind.QUALITY, recorded_at__gte=start_at, recorded_at__lt=end_at
        )
        .select_related("version__document", "signature", "recorded_by")
        .order_by("recorded_at", "pk")
    )


@dataclass(frozen=True)
class CampaignFigures:
    """A version's acknowledgement campaign with its figures as they stood at an instant, and its audience's
    departments when it was addressed to chosen ones."""

    campaign: Campaign
    report: CampaignReport
    units: list[str]


def campaign_figures(version: PolicyVersion, *, as_of: dt.datetime) -> CampaignFigures | None:
    """The campaign of ``version`` opened before ``as_of``, with its figures (overall and by department, answers to
    its question) as they stood then; None without one. Two queries, three more for a campaign to chosen
    departments, whatever the number of people."""
    campaign = Campaign.objects.filter(version=version, opened_at__lt=as_of).first()
    if campaign is None:
        return None
    campaign.version = version  # already loaded: the audience reads its dates
    units = []
    if campaign.audience == AudienceKind.DEPARTMENTS:
        units = sorted(campaign.org_units.values_list("name", flat=True), key=str.lower)
    return CampaignFigures(campaign=campaign, report=campaign_report(campaign, as_of=as_of), units=units)


ACKNOWLEDGEMENT_COLUMNS = [
    "policy", "version", "name", "user name", "department", "job title", "acknowledged", "acknowledged at",
    "answers", "first time right",
]


def acknowledgement_rows(
    campaigns: Iterable[Campaign], *, as_of: dt.datetime, zone: dt.tzinfo
) -> Iterable[list[Any]]:
    """One row per person asked and campaign (``ACKNOWLEDGEMENT_COLUMNS``), as they stood at ``as_of``, times in
    ``zone``: the campaign export's rows with the policy and version in front. One query per campaign and 2,000
    people, two more for a campaign to chosen departments."""
    for campaign in campaigns:
        label = [campaign.version.document.reference.upper(), campaign.version.number]
        for row in campaign_rows(campaign, as_of=as_of, zone=zone):
            yield label + row


def public_policy_path(document: PolicyDocument, *, public: bool | None = None) -> str:
    """The address (path) of the document's public page, or "" when it is not published for interested parties
    (``public`` says whether it was, at a past moment: see ``documents_public_at``)."""
    published = document.is_public if public is None else public
    return reverse("policy:public_policy", args=[document.reference]) if published else ""


def documents_public_at(documents: Iterable[PolicyDocument], at: dt.datetime) -> dict[int, bool]:
    """Whether each document was published for interested parties at ``at``, by id, read back from the audit trail
    (``audit_values_at``): one query."""
    documents = list(documents)
    then = audit_values_at(PolicyDocument, [document.pk for document in documents], at, fields=["is_public"])
    return {
        document.pk: bool(then.get(document.pk, {}).get("is_public", document.is_public)) for document in documents
    }


def versions_next_review_at(versions: Iterable[PolicyVersion], at: dt.datetime) -> dict[int, dt.date | None]:
    """Each version's next review date as it stood at ``at``, by id, read back from the audit trail: one query."""
    versions = list(versions)
    then = audit_values_at(PolicyVersion, [version.pk for version in versions], at, fields=["next_review_on"])
    return {
        version.pk: then.get(version.pk, {}).get("next_review_on", version.next_review_on) for version in versions
    }
