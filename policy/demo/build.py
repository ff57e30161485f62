"""Building the policy demo from its texts, through the workflow functions people use; every step is idempotent."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from policy.acknowledgements import acknowledgement_record, campaign_audience
from policy.demo.data import (
    AUTHOR,
    CAMPAIGN_DAYS,
    ENVIRONMENTAL_POLICY_DRAFT,
    PENDING_EVERY,
    QUALITY_POLICY,
    SIGNER,
    SUPERSEDED_PENDING_EVERY,
    DemoVersion,
)
from policy.models import Acknowledgement, PolicyDocument, PolicyKind, PolicyVersion, VersionStatus
from policy.workflow import (
    document_create,
    version_approve,
    version_create_draft,
    version_edit,
    version_publish,
    version_submit,
)
from qms_portal.audit import audit_context
from qms_portal.models import User
from qms_portal.signatures import SignatureRefused, content_sha256


def seed_policy_demo(*, password: str) -> str:
    """Build (or complete) the demo policies; ``password`` is the demo top manager's, for signing."""
    author, signer = User.objects.get(username=AUTHOR), User.objects.get(username=SIGNER)
    current = _quality_policy(author=author, signer=signer, password=password)
    _environmental_policy(author=author)
    if current is None or not hasattr(current, "campaign"):
        return "Quality policy QP-01 is not published."
    audience = campaign_audience(current.campaign).count()
    done = current.acknowledgements.count()
    return f"Quality policy QP-01 v{current.number} published; {done} of {audience} staff acknowledged it."


def _quality_policy(*, author: User, signer: User, password: str) -> PolicyVersion | None:
    document = PolicyDocument.objects.filter(reference="QP-01").first()
    version = None
    for number, demo in enumerate(QUALITY_POLICY, start=1):
        version = document.versions.filter(number=number).first() if document else None
        if version is None:
            if document is None:
                version = document_create(
                    title="Quality Policy",
                    reference="QP-01",
                    kind=PolicyKind.QUALITY,
                    body=demo.body,
                    change_summary=demo.change_summary,
                    by=author,
                )
                document = version.document
            elif document.versions.filter(status__in=(VersionStatus.DRAFT, VersionStatus.IN_REVIEW,
                                                      VersionStatus.APPROVED)).exists():
                return None  # someone has a version of their own under way: leave the policy to them
            else:
                version = version_create_draft(document=document, by=author)
        version = _take_forward(version, demo, author=author, signer=signer, password=password)
        is_last = number == len(QUALITY_POLICY)
        _acknowledge(version, pending_every=PENDING_EVERY if is_last else SUPERSEDED_PENDING_EVERY)
    if document is None:  # only were there no demo versions to build
        return None
    if not document.is_public:
        document.is_public = True
        with audit_context(actor=author):
            document.save()
    return document.versions.filter(status=VersionStatus.PUBLISHED).first()


def _take_forward(
    version: PolicyVersion, demo: DemoVersion, *, author: User, signer: User, password: str
) -> PolicyVersion:
    """Draft, submit, sign and publish ``version``, each step only if it has not been done yet."""
    if version.status == VersionStatus.DRAFT:
        if (version.body, version.change_summary, version.checklist) != (
            demo.body, demo.change_summary, demo.checklist()
        ):
            version = version_edit(
                version=version,
                body=demo.body,
                change_summary=demo.change_summary,
                checklist=demo.checklist(),
                by=author,
            )
        version = version_submit(version=version, by=author)
    if version.status == VersionStatus.IN_REVIEW:
        try:
            version = version_approve(
            version=version,
            password=password,
            expected_sha256=content_sha256(PolicyVersion.objects.get(pk=version.pk).signed_content()),
            by=signer,
        )
        except SignatureRefused as refused:
            raise RuntimeError(
                f"The demo managing director ({SIGNER}) could not sign {version}: {refused} "
                "Was their password changed from the demo password?"
            ) from refused
    if version.status == VersionStatus.APPROVED:
        version = version_publish(
            version=version,
            due_on=timezone.localdate() + dt.timedelta(days=CAMPAIGN_DAYS),
            question=demo.question,
            choices=demo.choices,
            correct_choice=demo.correct_choice,
            by=author,
        )
    return version


def _acknowledge(version: PolicyVersion, *, pending_every: int) -> None:
    """While ``version`` is published, have its audience acknowledge it, but for every ``pending_every``-th
    person by user name (an order that stays the same when people are added or removed by hand)."""
    if version.status != VersionStatus.PUBLISHED or not hasattr(version, "campaign"):
        return
    audience = list(campaign_audience(version.campaign).order_by("username"))
    already = set(Acknowledgement.objects.filter(version=version).values_list("person_id", flat=True))
    answer = version.campaign.correct_choice if version.campaign.question else None
    for index, person in enumerate(audience):
        if index % pending_every == pending_every - 1 or person.pk in already:
            continue
        acknowledgement_record(version=version, person=person, answer=answer)


def _environmental_policy(*, author: User) -> None:
    if PolicyDocument.objects.filter(reference="EP-01").exists():
        return
    document_create(
        title="Environmental Policy",
        reference="EP-01",
        kind=PolicyKind.ENVIRONMENTAL,
        body=ENVIRONMENTAL_POLICY_DRAFT,
        change_summary="First issue, for ISO 14001 certification of the Halifax works.",
        by=author,
    )
