"""Acknowledgement campaigns (5.2.2.b): who is asked to read a published version, recording that they
did, what each person still has to read, and the campaign's figures.

Each acknowledgement belongs to one version: reading version N does not count for N+1, whose campaign
asks everyone again. Every function here costs a fixed number of queries, whatever the audience size.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from policy.models import (
    Acknowledgement,
    AudienceKind,
    Campaign,
    ComprehensionAttempt,
    PolicyVersion,
    VersionStatus,
)
from qms_portal.access import PortalRole
from qms_portal.audit import audit_context, audited_bulk_create
from qms_portal.models import OrgUnit, User
from qms_portal.presentation import percent
from qms_portal.refusals import StepRefused
from qms_portal.trees import ids_below

if TYPE_CHECKING:  # django-stubs-ext is installed with the type checker, not in production
    from django_stubs_ext import WithAnnotations

# Staff are asked to acknowledge; auditors are external and never are (unless they also hold a staff role).
STAFF_ROLES = tuple(role.value for role in PortalRole if role != PortalRole.AUDITOR)
NO_UNIT = "No department"


class AlreadyAcknowledged(StepRefused):
    """The person has already acknowledged this version; the first acknowledgement stands."""


def _subtree_ids(root_ids: Iterable[int]) -> set[int]:
    """The chosen units and every unit below them, from one query of the whole unit tree."""
    roots = set(root_ids)
    if not roots:
        return set()
    return ids_below(roots, OrgUnit.objects.values_list("pk", "parent_id"))


def _staff() -> QuerySet[User]:
    """Active people holding a staff portal role (any role but Auditor)."""
    staff_role = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name__in=STAFF_ROLES)
    return User.objects.filter(is_active=True).filter(Exists(staff_role))


def _audience_unit_ids(campaign: Campaign) -> set[int] | None:
    """The org units a department campaign reaches (sub-units included); None for all staff."""
    if campaign.audience != AudienceKind.DEPARTMENTS:
        return None
    return _subtree_ids(campaign.org_units.values_list("pk", flat=True))


def campaign_audience(campaign: Campaign, *, as_of: dt.datetime | None = None) -> QuerySet[User]:
    """The people asked to acknowledge the campaign's version: active staff (auditors and people without
    a portal role are never asked), limited to the chosen departments and their sub-units if so set.

    A closed campaign (its version superseded or withdrawn) counts only people who joined while it ran,
    so its figures do not drift as people join later; with ``as_of``, only people who had joined by then.
    """
    people = _staff()
    closed_at = campaign.version.superseded_at or campaign.version.withdrawn_at
    cutoff = min((moment for moment in (closed_at, as_of) if moment is not None), default=None)
    if cutoff is not None:
        people = people.filter(date_joined__lt=cutoff)
    unit_ids = _audience_unit_ids(campaign)
    if unit_ids is not None:
        people = people.filter(org_unit_id__in=unit_ids)
    return people


def campaign_pending_people(campaign: Campaign) -> QuerySet[User]:
    """The people the campaign asks who have not acknowledged its version yet: one query when read (three for a
    campaign to chosen departments), whatever their number."""
    acknowledged = Acknowledgement.objects.filter(version_id=campaign.version_id, person_id=OuterRef("pk"))
    return campaign_audience(campaign).filter(~Exists(acknowledged))


def acknowledgement_refusal(*, version: PolicyVersion) -> str:
    """Why nobody can acknowledge ``version`` now (only the published version, with a campaign, can be), or ""."""
    if version.status != VersionStatus.PUBLISHED or getattr(version, "campaign", None) is None:
        return f"{version} is {version.get_status_display().lower()}: only the published version can be acknowledged."
    return ""


def acknowledgement_check(*, version: PolicyVersion, person: User | AnonymousUser) -> None:
    """Refuse unless ``person`` may acknowledge ``version`` now: it must be the published version, with a
    campaign whose audience includes them (``StepRefused``, ``PermissionDenied``)."""
    refusal = acknowledgement_refusal(version=version)
    if refusal:
        raise StepRefused(
            refusal, back_url=reverse("policy:policy_detail", args=[version.document.reference]),
            back_label="Back to the policy", record="the version",
        )
    campaign = version.campaign
    if not (person.is_authenticated and campaign_audience(campaign).filter(pk=person.pk).exists()):
        raise PermissionDenied(f"{version} is not addressed to you: you are not in its acknowledgement campaign.")


def has_acknowledged(*, version: PolicyVersion, person: User) -> bool:
    """Whether ``person`` has acknowledged this very version (an earlier version's does not count)."""
    return Acknowledgement.objects.filter(version=version, person=person).exists()


WRONG_ANSWER = "That is not the right answer. Read the policy again, then choose another answer."


def acknowledgement_record(*, version: PolicyVersion, person: User, answer: int | None = None) -> Acknowledgement:
    """Record that ``person`` read and understood ``version``; the campaign's question, if any, must be
    answered right. One acknowledgement per person and version: a second one is refused.

    Every answer to the question is kept as a ``ComprehensionAttempt``, right or wrong. A wrong one is refused
    with ``ValidationError`` once its attempt is written: the caller answers the refusal (the page shows it) and
    lets the attempt commit with the request, as the signing service's refused signatures do.
    """
    acknowledgement_check(version=version, person=person)
    campaign = version.campaign
    refusal = f"You already acknowledged {version}: your first acknowledgement stands."
    if has_acknowledged(version=version, person=person):
        raise AlreadyAcknowledged(refusal, back_url=reverse("policy:policy_detail", args=[version.document.reference]))
    if campaign.question:
        if answer is None:
            raise ValidationError({"answer": "Answer the question to confirm that you understood the policy."})
        if not 0 <= answer < len(campaign.choices):
            raise ValidationError({"answer": "Choose one of the answers listed."})
        correct = answer == campaign.correct_choice
        with audit_context(actor=person):
            ComprehensionAttempt.objects.create(
                version=version, person=person, choice=answer, answer=str(campaign.choices[answer])[:300],
                correct=correct,
            )
        if not correct:
            raise ValidationError({"answer": WRONG_ANSWER})
    try:
        # A savepoint: two submissions at once both pass the check above, and the database's
        # acknowledgement_once_per_version constraint turns the second away without spoiling the transaction.
        with transaction.atomic(), audit_context(actor=person):
            acknowledgement = Acknowledgement.objects.create(version=version, person=person)
    except IntegrityError:
        raise AlreadyAcknowledged(
            refusal, back_url=reverse("policy:policy_detail", args=[version.document.reference])
        ) from None
    # Imported here: the reminders read the campaigns through this module.
    from policy.reminders import acknowledgement_reminders_resolve

    acknowledgement_reminders_resolve(campaign=campaign, person=person)
    return acknowledgement


def acknowledgements_record_bulk(
    *, version: PolicyVersion, people: Sequence[User], answer: int | None = None, reason: str
) -> list[Acknowledgement]:
    """Record, at once, that each of ``people`` read and understood ``version``, as ``acknowledgement_record`` records
    one (for an import of acknowledgements gathered elsewhere, and the large demo): only the published version, only
    people in its campaign's audience, ``answer`` right when the campaign asks its question (kept as each person's
    attempt). People who acknowledged it already are left as they are. Written through the audited bulk path, each
    attempt and acknowledgement attributed to its person, with ``reason``."""
    refusal = acknowledgement_refusal(version=version)
    if refusal:
        raise StepRefused(refusal, back_url=reverse("policy:policy_detail", args=[version.document.reference]),
                          back_label="Back to the policy", record="the version")
    campaign = version.campaign
    if campaign.question and answer != campaign.correct_choice:
        raise ValidationError({"answer": "Acknowledgements recorded at once need the right answer to the question."})
    wanted = {person.pk: person for person in people}
    audience = set(campaign_audience(campaign).filter(pk__in=list(wanted)).values_list("pk", flat=True))
    outside = [person for pk, person in wanted.items() if pk not in audience]
    if outside:
        raise PermissionDenied(f"{version} is not addressed to {outside[0]}: not in its acknowledgement campaign.")
    already = set(Acknowledgement.objects.filter(version=version, person_id__in=list(wanted))
                  .values_list("person_id", flat=True))
    new = [person for pk, person in wanted.items() if pk not in already]
    with transaction.atomic():
        if campaign.question and answer is not None:
            audited_bulk_create(ComprehensionAttempt, [
                ComprehensionAttempt(version=version, person=person, choice=answer,
                                     answer=str(campaign.choices[answer])[:300], correct=True)
                for person in new
            ], reason=reason, actor_of=lambda attempt: attempt.person)
        created = audited_bulk_create(Acknowledgement, [Acknowledgement(version=version, person=person)
                                                         for person in new],
                                      reason=reason, actor_of=lambda acknowledgement: acknowledgement.person)
        # Imported here, as in acknowledgement_record: the reminders read the campaigns through this module.
        from policy.reminders import acknowledgement_reminders_resolve

        acknowledgement_reminders_resolve(campaign=campaign, people=new)
    return created


def pending_for(person: User | AnonymousUser) -> list[PolicyVersion]:
    """The published versions addressed to ``person`` that they have not acknowledged yet, soonest due
    first; each comes with its ``campaign`` (due date) and ``document`` loaded. Three queries for a person in an org
    unit, two for one in none, whether anything is pending or not: a department campaign reaches the person when it
    names their unit or a unit above it, which the versions' query asks the database."""
    if not (person.is_authenticated and person.is_active):
        return []
    if not person.groups.filter(name__in=STAFF_ROLES).exists():
        return []
    reaches = ~Q(campaign__audience=AudienceKind.DEPARTMENTS)
    if person.org_unit_id is not None:
        # The person's unit and the units above it, from one query of the tree.
        parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
        above: set[int] = set()
        unit: int | None = person.org_unit_id
        while unit is not None and unit not in above:
            above.add(unit)
            unit = parents.get(unit)
        chosen_above = Campaign.org_units.through.objects.filter(campaign_id=OuterRef("campaign"), orgunit_id__in=above)
        reaches |= Q(Exists(chosen_above))
    return list(
        PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED, campaign__isnull=False)
        .filter(~Exists(Acknowledgement.objects.filter(version=OuterRef("pk"), person=person)))
        .filter(reaches)
        .select_related("document", "campaign")
        .order_by("campaign__due_on", "document__title")
    )


@dataclass(frozen=True)
class DepartmentRow:
    """One org unit's figures in a campaign (people are counted in their own unit), with how its people answered
    the comprehension question: how many answered it, how many got it right the first time, and in how many
    attempts in all."""

    unit: str
    asked: int
    acknowledged: int
    answered: int = 0
    right_first_time: int = 0
    attempts: int = 0

    @property
    def rate(self) -> int:
        return percent(self.acknowledged, self.asked)

    @property
    def right_first_time_rate(self) -> int:
        """The share of those who answered who were right at their first attempt."""
        return percent(self.right_first_time, self.answered)

    @property
    def pending(self) -> int:
        return self.asked - self.acknowledged


@dataclass(frozen=True)
class CampaignReport:
    """A campaign's figures: how many were asked, how many acknowledged, by department, and who is pending.

    ``pending`` is an unevaluated query of dicts (``name``, ``username``, ``unit``, ``job_title``), ordered
    by name, for the caller to paginate.
    """

    campaign: Campaign
    asked: int
    acknowledged: int
    overdue: bool
    pending: QuerySet[User, Mapping[str, object]]
    departments: list[DepartmentRow] = field(default_factory=list)

    @property
    def rate(self) -> int:
        return percent(self.acknowledged, self.asked)

    @property
    def pending_count(self) -> int:
        return self.asked - self.acknowledged

    @property
    def answered(self) -> int:
        return sum(row.answered for row in self.departments)

    @property
    def right_first_time(self) -> int:
        return sum(row.right_first_time for row in self.departments)

    @property
    def attempts(self) -> int:
        return sum(row.attempts for row in self.departments)

    @property
    def right_first_time_rate(self) -> int:
        return percent(self.right_first_time, self.answered)

    @property
    def due_on(self) -> dt.date:
        return self.campaign.due_on


class _Acknowledged(TypedDict):
    """What ``_with_acknowledgement`` adds to each person."""

    acknowledged: bool
    acknowledged_at: dt.datetime | None


def _with_acknowledgement(
    people: QuerySet[User], version_id: int, as_of: dt.datetime | None = None
) -> QuerySet[WithAnnotations[User, _Acknowledged]]:
    mine = Acknowledgement.objects.filter(version_id=version_id, person_id=OuterRef("pk"))
    if as_of is not None:
        mine = mine.filter(acknowledged_at__lt=as_of)
    return people.annotate(
        acknowledged=Exists(mine), acknowledged_at=Subquery(mine.values("acknowledged_at")[:1])
    )


def _with_attempts(people: QuerySet[Any], version_id: int, as_of: dt.datetime | None = None) -> QuerySet[Any]:
    """``people`` with ``tries`` (how many times each answered the question) and ``first_right`` (whether their
    first answer was right; None before any); with ``as_of``, counting only the answers given before it."""
    mine = ComprehensionAttempt.objects.filter(version_id=version_id, person_id=OuterRef("pk"))
    if as_of is not None:
        mine = mine.filter(answered_at__lt=as_of)
    tries = mine.order_by().values("person_id").annotate(n=Count("pk")).values("n")
    annotated: QuerySet[Any] = people.annotate(
        tries=Coalesce(Subquery(tries[:1]), 0),
        first_right=Subquery(mine.order_by("answered_at", "pk").values("correct")[:1]),
    )
    return annotated


def _answers_by_unit(
    campaign: Campaign, audience: QuerySet[User], as_of: dt.datetime | None
) -> dict[int | None, dict[str, int]]:
    """Per org unit of the people in ``audience``: how many answered the campaign's question, how many were right at
    their first answer, and the answers in all; one query over the version's answers (each answer checks only its
    own person's earlier ones, along the version-person index), not three subqueries per person asked."""
    answers = ComprehensionAttempt.objects.filter(version_id=campaign.version_id, person__in=audience.values("pk"))
    if as_of is not None:
        answers = answers.filter(answered_at__lt=as_of)
    mine = ComprehensionAttempt.objects.filter(version_id=campaign.version_id, person_id=OuterRef("person_id"))
    earlier = mine.filter(
        Q(answered_at__lt=OuterRef("answered_at")) | Q(answered_at=OuterRef("answered_at"), pk__lt=OuterRef("pk"))
    )
    rows = (
        answers.order_by()
        .values("person__org_unit_id")
        .annotate(
            answered=Count("person_id", distinct=True),
            right_first_time=Count("pk", filter=Q(Q(correct=True), ~Exists(earlier))),
            attempts=Count("pk"),
        )
    )
    return {
        row["person__org_unit_id"]: {
            "answered": row["answered"], "right_first_time": row["right_first_time"], "attempts": row["attempts"],
        }
        for row in rows
    }


def campaign_overdue(campaign: Campaign, *, asked: int, acknowledged: int, as_of: dt.datetime | None = None) -> bool:
    """Whether the campaign is past its due date with people still to acknowledge (today, or as of ``as_of``)."""
    # As of an instant that ends a day (a period's end), that day is the last one counted.
    last_day = timezone.localtime(as_of - dt.timedelta(microseconds=1)).date() if as_of else timezone.localdate()
    return acknowledged < asked and last_day > campaign.due_on


def campaign_counts(campaign: Campaign) -> tuple[int, int]:
    """How many people the campaign asks and how many of them acknowledged its version, today: one query, the
    totals of ``campaign_report`` without its departments, its answers or its pending people."""
    counts = campaign_audience(campaign).annotate(mine=acknowledgement_of(campaign.version_id)).aggregate(
        asked=Count("pk"), done=Count("mine")
    )
    return counts["asked"], counts["done"]


def acknowledgement_of(version_id: int, before: dt.datetime | None = None) -> FilteredRelation:
    """Each person's acknowledgement of the version (made before ``before`` when given), joined to the people for
    counting: at most one per person, so counting it counts who acknowledged. One join over the version's
    acknowledgements, cheaper than asking for each of thousands of people whether theirs exists."""
    condition = Q(acknowledgements__version_id=version_id)
    if before is not None:
        condition &= Q(acknowledgements__acknowledged_at__lt=before)
    return FilteredRelation("acknowledgements", condition=condition)


def campaign_report(campaign: Campaign, *, as_of: dt.datetime | None = None) -> CampaignReport:
    """The campaign's figures overall and by department (acknowledgements, and answers to its question), and the
    query of pending people, in a fixed number of queries (one for the acknowledgements, one for the answers, two
    more for a department campaign's units). With ``as_of``, the figures as they stood then (the evidence pack's
    period end)."""
    audience = campaign_audience(campaign, as_of=as_of)
    people = _with_acknowledgement(audience, campaign.version_id, as_of)
    counts = (
        people.order_by()
        .values("org_unit_id", "org_unit__name")
        .annotate(asked=Count("pk"), done=Count("pk", filter=Q(acknowledged=True)))
    )
    answers = _answers_by_unit(campaign, audience, as_of)
    no_answers = {"answered": 0, "right_first_time": 0, "attempts": 0}
    departments = sorted(
        (
            DepartmentRow(
                row["org_unit__name"] or NO_UNIT, row["asked"], row["done"],
                **answers.get(row["org_unit_id"], no_answers),
            )
            for row in counts
        ),
        key=lambda row: (row.unit == NO_UNIT, row.unit.lower()),
    )
    asked = sum(row.asked for row in departments)
    acknowledged = sum(row.acknowledged for row in departments)
    pending = (
        people.filter(acknowledged=False)
        .annotate(name=F("full_name"), unit=F("org_unit__name"))
        .order_by("full_name", "username")
        .values("pk", "name", "username", "unit", "job_title")
    )
    return CampaignReport(
        campaign=campaign,
        asked=asked,
        acknowledged=acknowledged,
        overdue=campaign_overdue(campaign, asked=asked, acknowledged=acknowledged, as_of=as_of),
        departments=departments,
        pending=pending,
    )


def campaign_rows(
    campaign: Campaign, *, as_of: dt.datetime | None = None, zone: dt.tzinfo | None = None
) -> Iterable[list[Any]]:
    """One row per person in the audience, for the CSV export: name, user name, department, job title,
    acknowledged (yes/no) and when, in ``zone`` (the current time zone by default), answers given to the question
    and whether the first was right (empty before any); with ``as_of``, as they stood then. Read in chunks, one
    query per 2,000 people."""
    audience = campaign_audience(campaign, as_of=as_of)
    people = (
        _with_attempts(_with_acknowledgement(audience, campaign.version_id, as_of), campaign.version_id, as_of)
        .order_by("full_name", "username")
        .values_list(
            "full_name", "username", "org_unit__name", "job_title", "acknowledged", "acknowledged_at", "tries",
            "first_right",
        )
    )
    for name, username, unit, job_title, acknowledged, when, tries, first_right in people.iterator(chunk_size=2000):
        yield [
            name or username,
            username,
            unit or "",
            job_title,
            "yes" if acknowledged else "no",
            timezone.localtime(when, zone).strftime("%Y-%m-%d %H:%M") if when else "",
            tries,
            "" if first_right is None else "yes" if first_right else "no",
        ]
