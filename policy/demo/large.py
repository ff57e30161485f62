"""The large organisation's further policies (``seed_demo --scale large``): beside the quality policy's three
versions, a health and safety policy HS-01 in four versions and an information security policy IS-01 in three,
spread over the three years; each drafted, submitted, signed by the managing director and published through the
workflow functions on days of its own, and acknowledged by most of the staff over the following fortnight through
``acknowledgements_record_bulk``. Ten versions, ten campaigns, about 50,000 acknowledgements at 5,000 people.

Idempotent: a version is taken forward from the state it is in, and a document whose versions are all there is left
alone.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.utils import timezone

from policy.acknowledgements import acknowledgements_record_bulk, campaign_audience
from policy.demo.build import LARGE_REASON, _working_day, acknowledge_in_bulk
from policy.demo.data import (
    AUTHOR,
    DRAFTED_BEFORE,
    QUALITY_POLICY_V1,
    SIGNED_BEFORE,
    SIGNER,
    SUBMITTED_BEFORE,
    SUPERSEDED_PENDING_EVERY,
)
from policy.models import PolicyDocument, PolicyKind, PolicyVersion, VersionStatus
from policy.workflow import (
    document_create,
    version_approve,
    version_create_draft,
    version_edit,
    version_publish,
    version_submit,
)
from qms_portal.demo import History, StaffChange, staff_changes
from qms_portal.models import User
from qms_portal.signatures import content_sha256


@dataclass(frozen=True)
class LargePolicy:
    reference: str
    title: str
    kind: str
    published_days_ago: tuple[int, ...]  # one per version, oldest first
    question: str = ""
    choices: tuple[str, ...] = ()
    correct_choice: int | None = None


LARGE_POLICIES = [
    LargePolicy("HS-01", "Health and Safety Policy", PolicyKind.HEALTH_SAFETY, (1080, 800, 520, 200),
                question="A guard on your machine is missing. What does the policy ask you to do?",
                choices=("Carry on carefully and mention it at the end of the shift",
                         "Stop the machine and report it before any further work"),
                correct_choice=1),
    LargePolicy("IS-01", "Information Security Policy", PolicyKind.OTHER, (950, 640, 330),
                question="You receive an e-mail asking for your password. What does the policy ask you to do?",
                choices=("Reply with it if the sender looks genuine", "Report it and never give your password"),
                correct_choice=1),
]
STAGE = "policy versions"


def seed_policy_large(*, password: str, history: History) -> None:
    """Plan the further policies on ``history`` when it builds the large organisation (at demo scale: nothing)."""
    if not history.scale.is_large:
        return
    versions_wanted = max(0, history.scale.policy_versions - 3)  # the quality policy's three are the demo's
    for policy in LARGE_POLICIES:
        days_ago = policy.published_days_ago[:versions_wanted]
        versions_wanted -= len(days_ago)
        for number, ago in enumerate(days_ago, start=1):
            published_on = _working_day(history.today - dt.timedelta(days=ago))
            until = (history.today - dt.timedelta(days=days_ago[number] + 1) if number < len(days_ago)
                     else history.today)
            for before, step in ((DRAFTED_BEFORE, _draft), (SUBMITTED_BEFORE, _submit), (SIGNED_BEFORE, _sign),
                                 (0, _publish)):
                history.on(_working_day(published_on - dt.timedelta(days=before)),
                           partial(step, policy=policy, number=number, password=password, history=history,
                                   until=until, last=number == len(days_ago)),
                           hour=11, stage=STAGE)
    for change in staff_changes(history):
        history.on(change.start_on + dt.timedelta(days=4), partial(_induction, change), hour=14,
                   stage="policy acknowledgements")


def _version(policy: LargePolicy, number: int) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(document__reference=policy.reference, number=number).first()


def _body(policy: LargePolicy, number: int) -> str:
    return (QUALITY_POLICY_V1.body.replace("# Quality Policy", f"# {policy.title}", 1)
            + f"\n\nRevision {number} of the {policy.title.lower()}.\n")


def _draft(*, policy: LargePolicy, number: int, **_: object) -> None:
    author = User.objects.get(username=AUTHOR)
    document = PolicyDocument.objects.filter(reference=policy.reference).first()
    version = _version(policy, number)
    summary = "First issue." if number == 1 else f"Revision {number}: brought up to date after the annual review."
    if version is None:
        if document is None:
            version = document_create(title=policy.title, reference=policy.reference, kind=policy.kind,
                                      body=_body(policy, number), change_summary=summary, by=author)
        elif document.versions.filter(number__gte=number).exists() or document.versions.filter(
            status__in=(VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED)
        ).exists():
            return
        else:
            version = version_create_draft(document=document, by=author)
    if version.status == VersionStatus.DRAFT and (version.body, version.checklist) != (
        _body(policy, number), QUALITY_POLICY_V1.checklist()
    ):
        version_edit(version=version, body=_body(policy, number), change_summary=summary,
                     checklist=QUALITY_POLICY_V1.checklist(), by=author)


def _submit(*, policy: LargePolicy, number: int, **_: object) -> None:
    version = _version(policy, number)
    if version is not None and version.status == VersionStatus.DRAFT:
        version_submit(version=version, by=User.objects.get(username=AUTHOR))


def _sign(*, policy: LargePolicy, number: int, password: str, **_: object) -> None:
    version = _version(policy, number)
    if version is not None and version.status == VersionStatus.IN_REVIEW:
        version_approve(version=version, password=password, expected_sha256=content_sha256(version.signed_content()),
                        by=User.objects.get(username=SIGNER))


def _publish(*, policy: LargePolicy, number: int, history: History, until: dt.date, last: bool, **_: object) -> None:
    version = _version(policy, number)
    if version is None:
        return
    if version.status == VersionStatus.APPROVED:
        version = version_publish(
            version=version, due_on=timezone.localdate() + dt.timedelta(days=30), question=policy.question,
            choices=list(policy.choices), correct_choice=policy.correct_choice,
            reason="" if number == 1 else "The annual revision.", by=User.objects.get(username=AUTHOR),
        )
    if version.status == VersionStatus.PUBLISHED and hasattr(version, "campaign"):
        acknowledge_in_bulk(version, history=history, pending_every=8 if last else SUPERSEDED_PENDING_EVERY,
                            until=until)


def _induction(change: StaffChange) -> None:
    """At their induction, nine in ten of the month's starters acknowledge every policy in force (answering its
    question where it asks one)."""
    for version in PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("campaign",
                                                                                                "document"):
        if not hasattr(version, "campaign") or version.published_at is None or (
                timezone.localdate(version.published_at) > change.start_on):  # a second run: published since
            continue
        starters = campaign_audience(version.campaign).filter(date_joined__date=change.start_on).order_by("pk")
        people = [person for person in starters if person.pk % 10 != 9]
        if people:
            acknowledgements_record_bulk(version=version, people=people, reason=LARGE_REASON,
                                         answer=version.campaign.correct_choice if version.campaign.question else None)
