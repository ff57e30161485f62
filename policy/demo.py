"""The policy part of the demo data, run by ``seed_demo`` (registered in ``PolicyConfig.ready``).

Builds, through the same workflow functions people use, so that the audit trail reads as it would in
real life: the Quality Policy QP-01 in three versions (v1 and v2 superseded, v3 published and open to
interested parties), each drafted by the quality manager and signed by the managing director, with
acknowledgement campaigns (about 80% of staff have acknowledged v3), and an Environmental Policy EP-01
whose first version is still a draft.

Idempotent: each version is taken forward from the state it is in, and nothing is written once it has
reached its demo state, so a second run changes nothing. Records people changed in the portal since
(a new draft, a withdrawn version) are left as they are.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from policy.acknowledgements import acknowledgement_record, campaign_audience
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
from qms_portal.signatures import SignatureRefused, content_sha256

AUTHOR, SIGNER = "quality", "director"  # the demo quality manager and the demo managing director
CAMPAIGN_DAYS = 30
# Every fifth member of staff by user name (the demo "employee" log-in among them) has not yet acknowledged
# the current version, so the home page prompt and the report's pending list have something to show.
PENDING_EVERY = 5
# Superseded versions were acknowledged by nearly everyone while they were in force.
SUPERSEDED_PENDING_EVERY = 12


@dataclass(frozen=True)
class DemoVersion:
    """The text of one demo version, its change summary, and the passages that meet 5.2.1 a-d."""

    body: str
    change_summary: str
    passages: dict[str, str]
    question: str = ""
    choices: list[str] = field(default_factory=list)
    correct_choice: int | None = None

    def checklist(self) -> dict[str, dict[str, Any]]:
        return {item: {"confirmed": True, "passage": passage} for item, passage in self.passages.items()}


QUALITY_POLICY_V1 = DemoVersion(
    body="""# Quality Policy

Calder Valve & Pump Ltd designs, machines, assembles and tests industrial valves and centrifugal pumps \
for the water, chemical and energy sectors. Our customers rely on our products to control and move \
fluids safely for decades, so quality is part of how everyone here works, not the job of one department.

## Our commitments

- **Purpose and direction.** We build valves and pumps that our customers can install and trust for \
the life of their plant, and we grow by being a supplier they do not have to check.
- **Requirements.** We meet our customers' requirements and the statutory and regulatory requirements \
that apply to our products, including the safety of pressure equipment.
- **Objectives.** Each year the board sets quality objectives from this policy for delivery, \
first-pass test yield and customer complaints, and reviews progress at every management review.
- **Improvement.** We continually improve the quality management system by learning from test \
failures, customer feedback and internal audits.

## What we ask of everyone

Every person at Halifax and Brighouse is responsible for the quality of the work they hand on. \
If something is not right, stop and say so.
""",
    change_summary="First issue of the quality policy, written for our ISO 9001 certification.",
    passages={
        "5.2.1.a": "We build valves and pumps that our customers can install and trust for the life of their plant",
        "5.2.1.b": "Each year the board sets quality objectives from this policy",
        "5.2.1.c": (
            "We meet our customers' requirements and the statutory and regulatory requirements "
            "that apply to our products"
        ),
        "5.2.1.d": "We continually improve the quality management system",
    },
)

QUALITY_POLICY_V2 = DemoVersion(
    body="""# Quality Policy

Calder Valve & Pump Ltd designs, machines, assembles and tests industrial valves and centrifugal pumps \
for the water, chemical and energy sectors, and repairs them at our Brighouse plant. Our customers rely \
on our products to control and move fluids safely for decades, so quality is part of how everyone here \
works, not the job of one department.

## Our commitments

- **Purpose and direction.** We build valves and pumps that our customers can install and trust for \
the life of their plant, and we grow by being a supplier they do not have to check.
- **Requirements.** We meet our customers' requirements and the statutory and regulatory requirements \
that apply to our products, including the safety of pressure equipment.
- **Objectives.** Each year the board sets quality objectives from this policy for on-time delivery, \
first-pass test yield, supplier quality and customer complaints, and reviews progress at every \
management review.
- **Suppliers.** We choose and develop suppliers who meet our standards, and we stay responsible to our \
customers for everything they supply to us.
- **Improvement.** We continually improve the quality management system by learning from test \
failures, customer feedback and internal audits.

## What we ask of everyone

Every person at Halifax and Brighouse is responsible for the quality of the work they hand on. \
If something is not right, stop and say so.
""",
    change_summary=(
        "After the management review: on-time delivery and supplier quality join the objectives, a "
        "commitment on suppliers is added, and the scope names the Brighouse repair service."
    ),
    passages=QUALITY_POLICY_V1.passages,  # the same passages still meet 5.2.1 a-d
)

QUALITY_POLICY_V3 = DemoVersion(
    body="""# Quality Policy

Calder Valve & Pump Ltd designs, machines, assembles and tests industrial valves and centrifugal pumps \
for the water, chemical and energy sectors, and repairs them at our Brighouse plant. Our customers rely \
on our products to control and move fluids safely for decades, so quality is part of how everyone here \
works, not the job of one department.

## Our commitments

- **Purpose and direction.** We build valves and pumps that our customers can install and trust for \
the life of their plant, and we grow in water, hydrogen and carbon-capture projects by being the \
supplier our customers never have to check twice.
- **Requirements.** We meet our customers' requirements and the statutory and regulatory requirements \
that apply to our products, including the safety of pressure equipment. Every pressure-retaining part \
is tested before it leaves us.
- **Objectives.** Each year top management sets measurable quality objectives from this policy for \
on-time delivery, first-pass test yield, supplier quality and customer complaints, and reviews progress \
at every management review.
- **Suppliers.** We choose and develop suppliers who meet our standards, and we stay responsible to our \
customers for everything they supply to us.
- **People.** We train and assess everyone whose work affects quality, and we thank, never blame, the \
person who stops the line because something is wrong.
- **Improvement.** We continually improve the quality management system by learning from test \
failures, customer feedback, internal audits and the ideas of the people who do the work.

## What we ask of everyone

Every person at Halifax and Brighouse is responsible for the quality of the work they hand on. \
If something is not right, stop and say so.

## How this policy is kept

The Quality Manager makes this policy known to everyone who works for us, and each of us confirms that \
we have read and understood it. It is reviewed at least once a year and is available to our customers \
and other interested parties.
""",
    change_summary=(
        "Brings the policy into line with the 2026 to 2028 strategy: names our growth markets, commits to "
        "testing every pressure-retaining part, makes objectives measurable and sets them by top management, "
        "adds a commitment to our people, and says how the policy is communicated and reviewed."
    ),
    passages={
        "5.2.1.a": (
            "we grow in water, hydrogen and carbon-capture projects by being the supplier our customers "
            "never have to check twice"
        ),
        "5.2.1.b": "Each year top management sets measurable quality objectives from this policy",
        "5.2.1.c": (
            "We meet our customers' requirements and the statutory and regulatory requirements "
            "that apply to our products"
        ),
        "5.2.1.d": "We continually improve the quality management system",
    },
    question="You find that a part handed to you is not right. What does the policy ask you to do?",
    choices=[
        "Pass it on and note it in the shift log",
        "Stop, and say so",
        "Put it aside and carry on with the next one",
    ],
    correct_choice=1,
)

QUALITY_POLICY = [QUALITY_POLICY_V1, QUALITY_POLICY_V2, QUALITY_POLICY_V3]

ENVIRONMENTAL_POLICY_DRAFT = """# Environmental Policy

Calder Valve & Pump Ltd machines, assembles and tests valves and pumps at Halifax and Brighouse. \
Cutting fluids, test water, energy and packaging are where our work touches the environment most.

## Our commitments

- We comply with the environmental law and permits that apply to our sites.
- We prevent pollution: cutting fluids and test water are contained, recycled or treated before discharge.
- We cut the energy used per pump built, year on year, and report it at every management review.
- We design for repair, and take back used valves and pumps for refurbishment.

*Draft for discussion at the next management review.*
"""


def seed_policy_demo(*, password: str) -> str:
    """Build (or complete) the demo policies; ``password`` is the demo top manager's, for signing."""
    User = get_user_model()
    author, signer = User.objects.get(username=AUTHOR), User.objects.get(username=SIGNER)
    current = _quality_policy(author=author, signer=signer, password=password)
    _environmental_policy(author=author)
    if current is None or not hasattr(current, "campaign"):
        return "Quality policy QP-01 is not published."
    audience = campaign_audience(current.campaign).count()
    done = current.acknowledgements.count()
    return f"Quality policy QP-01 v{current.number} published; {done} of {audience} staff acknowledged it."


def _quality_policy(*, author: Any, signer: Any, password: str) -> PolicyVersion | None:
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
    if not document.is_public:
        document.is_public = True
        with audit_context(actor=author):
            document.save()
    return document.versions.filter(status=VersionStatus.PUBLISHED).first()


def _take_forward(
    version: PolicyVersion, demo: DemoVersion, *, author: Any, signer: Any, password: str
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


def _environmental_policy(*, author: Any) -> None:
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
