"""The policy demo's texts: the three versions of the quality policy and the environmental policy draft: data only."""
from __future__ import annotations

from dataclasses import dataclass, field

AUTHOR, SIGNER = "quality", "director"  # the demo quality manager and the demo managing director
CAMPAIGN_DAYS = 30
# Days before publication that the quality manager drafts, submits, and the managing director signs a version.
DRAFTED_BEFORE, SUBMITTED_BEFORE, SIGNED_BEFORE = 20, 13, 6
ENVIRONMENTAL_DRAFTED_DAYS_AGO = 20
# Submitted to top management a few days ago and not signed yet: a version waits for the managing director's
# signature, and its reminder is due (after 2 days, then every 3).
ENVIRONMENTAL_SUBMITTED_DAYS_AGO = 5
# Every fifth member of staff by user name (the demo "employee" log-in among them) has not yet acknowledged
# the current version, so the home page prompt and the report's pending list have something to show.
PENDING_EVERY = 5
# Superseded versions were acknowledged by nearly everyone while they were in force.
SUPERSEDED_PENDING_EVERY = 12


@dataclass(frozen=True)
class DemoReview:
    """A periodic review of a version while it was in force: ``after_days`` after its publication, by the managing
    director; "still suitable" is signed and sets the next review ``next_in_days`` after the review."""

    after_days: int
    outcome: str
    comment: str
    next_in_days: int | None = None


@dataclass(frozen=True)
class DemoVersion:
    """The text of one demo version, its change summary, the passages that meet 5.2.1 a-d, why it replaces the
    version before, and the periodic reviews it had while in force."""

    body: str
    change_summary: str
    passages: dict[str, str]
    question: str = ""
    choices: list[str] = field(default_factory=list)
    correct_choice: int | None = None
    published_days_ago: int = 0  # counted back from the day of seeding
    campaign_days: int = CAMPAIGN_DAYS
    supersede_reason: str = ""
    reviews: tuple[DemoReview, ...] = ()
    # Every n-th person asked the question answers wrong the first time (0: nobody).
    wrong_first_every: int = 0

    def checklist(self) -> dict[str, dict[str, bool | str]]:
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
    reviews=(
        DemoReview(
            after_days=182, outcome="still_suitable", next_in_days=160,
            comment="Read against the first half-year's audits and complaints: still fits what we do.",
        ),
        DemoReview(
            after_days=330, outcome="new_version_needed",
            comment="The management review added on-time delivery and supplier quality to the objectives, and "
            "the Brighouse repair service is not in the scope: the policy must say so.",
        ),
    ),
    passages={
        "5.2.1.a": "We build valves and pumps that our customers can install and trust for the life of their plant",
        "5.2.1.b": "Each year the board sets quality objectives from this policy",
        "5.2.1.c": (
            "We meet our customers' requirements and the statutory and regulatory requirements "
            "that apply to our products"
        ),
        "5.2.1.d": "We continually improve the quality management system",
    },
    published_days_ago=730,
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
    published_days_ago=365,
    supersede_reason="Periodic review: delivery and supplier quality join the objectives; Brighouse in scope.",
    reviews=(
        DemoReview(
            after_days=235, outcome="new_version_needed",
            comment="The 2026 to 2028 strategy names new markets and measurable objectives set by top "
            "management: the policy must follow it.",
        ),
    ),
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
    published_days_ago=63,
    campaign_days=90,  # the current campaign runs a quarter, to the next management review
    supersede_reason="Periodic review found the policy behind the 2026 to 2028 strategy.",
    wrong_first_every=6,
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
- We set environmental objectives every year and review our progress against them at every management review.
- We keep improving our environmental management system and how it serves these commitments.
"""
ENVIRONMENTAL_POLICY_PASSAGES = {
    "5.2.1.a": "Cutting fluids, test water, energy and packaging are where our work touches the environment most.",
    "5.2.1.b": "We set environmental objectives every year and review our progress against them at every "
               "management review.",
    "5.2.1.c": "We comply with the environmental law and permits that apply to our sites.",
    "5.2.1.d": "We keep improving our environmental management system and how it serves these commitments.",
}
