"""The leadership part of the demo data (5.1), run by ``seed_demo`` after the core, roles and policy steps.

Built through the same business functions people use, each step acting as the demo person who would take
it, so that the audit trail reads as it would in real life (records are dated in the past where they say
when something happened; the trail records when they were entered, which is now):

- the 13 commitments with an accountable top manager (Helen Marsh, David Whitaker, Sana Hussain) and how
  often each must be evidenced; three are stale on purpose, two due soon, one never evidenced;
- a year of evidence of what those three did, two entries with a small attached file;
- four quarterly management reviews, one chain of a recurring review: three held, closed and signed by the
  chair with every 9.3.2 input covered, attendance and decisions with actions; holding the third proposed
  the fourth, planned next month;
- about 30 actions from reviews, commitments and objectives, in every status, some overdue (one of them
  the demo employee's), with progress notes by their owners;
- 8 quality objectives framed by the quality policy QP-01, with a year of monthly measurements: on track,
  at risk and off track.

Idempotent: commitments are written only where they differ from the demo; evidence, actions and objectives
are found by their text; the reviews are taken forward from the state they are in. A second run writes
nothing. Dates are counted back from the day of the first run.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from leadership.actions import action_create, action_note_add, action_update_status
from leadership.commitments import CommitmentState, commitment_statuses, commitment_update, evidence_record
from leadership.models import (
    Action,
    ActionStatus,
    Commitment,
    Direction,
    EvidenceEntry,
    EvidenceKind,
    ManagementReview,
    OutputCategory,
    QualityObjective,
    ReviewStatus,
)
from leadership.objectives import measurement_record, objective_save, objective_statuses
from leadership.reviews import (
    add_months,
    review_attendance_record,
    review_close,
    review_decision_add,
    review_hold,
    review_input_save,
    review_plan,
    review_sign_minutes,
)
from policy.models import PolicyDocument
from qms_portal.models import OrgUnit
from qms_portal.signatures import SignatureRefused, content_sha256

QUALITY, CHAIR = "quality", "director"  # the demo quality manager runs the reviews; the managing director chairs
HELEN, DAVID, SANA = "director", "d.whitaker", "s.hussain"  # the three top managers of the demo organisation
REVIEW_TITLE = "Quarterly management review"
REVIEW_EVERY_MONTHS = 3
HELD_REVIEWS = 3
INVITED = [HELEN, DAVID, SANA, QUALITY, "owner", "h.wood", "r.dawson", "k.oconnor"]
POLICY_REFERENCE = "QP-01"

# code: (accountable top manager, evidence needed every so many days)
COMMITMENTS = {
    "5.1.1.a": (HELEN, 90),
    "5.1.1.b": (HELEN, 180),
    "5.1.1.c": (DAVID, 90),
    "5.1.1.d": (DAVID, 120),
    "5.1.1.e": (SANA, 90),
    "5.1.1.f": (HELEN, 60),
    "5.1.1.g": (HELEN, 90),
    "5.1.1.h": (DAVID, 60),
    "5.1.1.i": (DAVID, 90),
    "5.1.1.j": (HELEN, 180),
    "5.1.2.a": (DAVID, 90),
    "5.1.2.b": (SANA, 120),
    "5.1.2.c": (HELEN, 30),
}


# --- Two small files, made here rather than kept in the repository ------------------------------------------


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def tiny_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing ``lines`` (ASCII) in Helvetica, with a correct cross-reference table."""
    shown = " T* ".join(f"({_pdf_text(line)}) Tj" for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 72 770 Td {shown} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


CMM_APPROVAL = (
    "cmm-capital-approval.pdf",
    tiny_pdf([
        "Calder Valve & Pump Ltd - capital expenditure approval",
        "",
        "Item: coordinate measuring machine for the Brighouse inspection room",
        "Reason: final inspection waits for the Halifax CMM (utilisation 96%)",
        "Quotes: three received; the lowest compliant quote accepted",
        "Approved by: Helen Marsh, Managing Director",
        "Funded from: the QMS capital budget held by the Finance Director",
    ]),
)
INDUCTION_NOTES = (
    "apprentice-induction-talk.txt",
    (
        b"Why quality matters here - notes for the apprentices' induction\n"
        b"\n"
        b"1. Our valves and pumps run for decades in water works, gas networks and chemical plants.\n"
        b"2. A leak we miss here is a leak on a customer's site: test every pressure-retaining part.\n"
        b"3. If something is not right, stop and say so. Nobody is blamed for stopping the line.\n"
        b"4. Write down what you did: the route card is how the next person trusts your work.\n"
        b"5. Ask. Your supervisor, the quality team and I would rather answer a question than a complaint.\n"
    ),
)


# --- Evidence ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoEvidence:
    """One thing a top manager did ``days_ago`` (moved back to the Friday when it falls on a weekend)."""

    days_ago: int
    leader: str
    kind: str
    codes: tuple[str, ...]
    summary: str
    attachment: tuple[str, bytes] | None = None
    recorded_by: str = ""  # the leader records their own, unless named


MEETING, COMMUNICATION, RESOURCES, TRAINING, OTHER = (
    EvidenceKind.MEETING,
    EvidenceKind.COMMUNICATION,
    EvidenceKind.RESOURCE_DECISION,
    EvidenceKind.TRAINING,
    EvidenceKind.OTHER,
)

# The newest entry of each commitment decides its status: 5.1.1.c (82 days, every 90) and 5.1.1.h (50, every
# 60) are due soon; 5.1.1.d (150, every 120), 5.1.2.b (140, every 120) and 5.1.2.c (44, every 30) are stale;
# 5.1.1.j has none. The entries of the management reviews (below) link only current commitments.
EVIDENCE = [
    # Helen Marsh, managing director
    DemoEvidence(355, HELEN, MEETING, ("5.1.1.a", "5.1.1.g"),
                 "Opened the year's first board meeting with a review of the QMS: returns, complaints and test "
                 "failures over the last twelve months. Asked each director for one improvement their area will own."),
    DemoEvidence(330, HELEN, COMMUNICATION, ("5.1.1.f", "5.1.1.h"),
                 "Spoke at the Halifax and Brighouse shift briefings about why the certification audit matters to "
                 "our water-utility customers, and answered questions from the floor."),
    DemoEvidence(300, HELEN, MEETING, ("5.1.2.c", "5.1.2.a"),
                 "Visited Aire Valley Water's treatment works with Katie O'Connor to hear how our butterfly valves "
                 "are performing and what they expect of the new actuator range."),
    DemoEvidence(270, HELEN, RESOURCES, ("5.1.1.e", "5.1.2.b"),
                 "Approved the recruitment of a supplier quality engineer, the first in the supply chain team, to "
                 "deal with the castings supplier's late and rejected deliveries."),
    DemoEvidence(265, HELEN, MEETING, ("5.1.1.a", "5.1.1.i"),
                 "Set up the quality improvement group with the heads of department: monthly, chaired by her, with "
                 "the quality manager as secretary and every idea given an owner and a date."),
    DemoEvidence(240, HELEN, COMMUNICATION, ("5.1.1.f", "5.1.1.b"),
                 "Wrote to all staff to explain the revised quality policy and the two new objectives on on-time "
                 "delivery and supplier quality."),
    DemoEvidence(210, HELEN, MEETING, ("5.1.2.c",),
                 "Met the buyer of Severn Process Plant after their complaint about late test certificates; agreed a "
                 "named contact in customer service and a weekly status call until the backlog is cleared."),
    DemoEvidence(195, HELEN, COMMUNICATION, ("5.1.1.b",),
                 "Signed the quality objectives for the year and had them posted at both sites with the name of "
                 "each objective's owner."),
    DemoEvidence(180, HELEN, TRAINING, ("5.1.1.h", "5.1.1.f"),
                 "Attended the two-day internal auditor course with six members of staff, so that she can take part "
                 "in the audit programme and speak about it from experience."),
    DemoEvidence(150, HELEN, OTHER, ("5.1.1.i",),
                 "Presented the 'stop and say so' awards at Brighouse to the two fitters who stopped the line over a "
                 "porous pump casing."),
    DemoEvidence(135, HELEN, MEETING, ("5.1.2.a",),
                 "Went through the changes to the water-industry valve standard with engineering and asked for the "
                 "affected drawings to be listed before the next design review."),
    DemoEvidence(120, HELEN, COMMUNICATION, ("5.1.1.f", "5.1.2.c"),
                 "Published the quarterly letter to customers: complaints down by a third, and what we changed after "
                 "each of them."),
    DemoEvidence(100, HELEN, MEETING, ("5.1.1.b", "5.1.1.a"),
                 "Reviewed the quality policy with the board against the 2026 to 2028 strategy, and asked the quality "
                 "manager to redraft the commitments on our people and our growth markets."),
    DemoEvidence(75, HELEN, MEETING, ("5.1.2.c",),
                 "Hosted Severn Process Plant's engineers at Halifax for the witness test of their 12-inch gate "
                 "valves, and asked them how our service compares with their other suppliers."),
    DemoEvidence(60, HELEN, TRAINING, ("5.1.1.h",),
                 "Gave the 'why quality matters' talk at the apprentices' induction; her notes are attached.",
                 attachment=INDUCTION_NOTES),
    DemoEvidence(44, HELEN, MEETING, ("5.1.2.c", "5.1.2.a"),
                 "Joined the customer review of the hydrogen-ready valve trial with Pennine Gas Distribution and "
                 "agreed the test evidence they need before the valves go into service."),
    DemoEvidence(30, HELEN, COMMUNICATION, ("5.1.1.f", "5.1.1.i"),
                 "Opened the improvement-ideas board at Halifax: 23 ideas from the shop floor in the first week, "
                 "each with an owner and a date to answer by."),
    DemoEvidence(20, HELEN, RESOURCES, ("5.1.1.a", "5.1.1.e"),
                 "Signed off the capital for a second coordinate measuring machine at Brighouse, so that final "
                 "inspection no longer waits for the Halifax machine. The approval is attached.",
                 attachment=CMM_APPROVAL, recorded_by=QUALITY),
    DemoEvidence(12, HELEN, COMMUNICATION, ("5.1.1.f",),
                 "Briefed all staff at the monthly town hall on the quality objectives: what is on track, what is "
                 "not, and what we are doing about on-time delivery and supplier performance."),
    DemoEvidence(5, HELEN, MEETING, ("5.1.1.a",),
                 "Went through the month's QMS figures with the quality manager and escalated two overdue "
                 "corrective actions to their owners' directors."),
    # David Whitaker, operations director
    DemoEvidence(345, DAVID, MEETING, ("5.1.1.c", "5.1.1.d"),
                 "Mapped the order-to-dispatch process with the heads of department and agreed who owns each "
                 "hand-over between Halifax and Brighouse."),
    DemoEvidence(320, DAVID, TRAINING, ("5.1.1.d",),
                 "Ran a session on risk-based thinking for the supervisors, using last year's three worst test "
                 "failures as worked examples."),
    DemoEvidence(290, DAVID, RESOURCES, ("5.1.1.e", "5.1.1.c"),
                 "Moved a CNC programmer from Halifax to the Brighouse repair cell for three months to clear the "
                 "repair backlog."),
    DemoEvidence(260, DAVID, MEETING, ("5.1.2.a",),
                 "Reviewed the changes to the pressure equipment regulations with engineering and named who updates "
                 "the declarations of conformity."),
    DemoEvidence(230, DAVID, COMMUNICATION, ("5.1.1.h", "5.1.1.i"),
                 "Started the weekly on-time delivery meeting at both sites; the results go on the boards every "
                 "Monday morning."),
    DemoEvidence(200, DAVID, MEETING, ("5.1.2.b", "5.1.1.d"),
                 "Chaired the supply chain risk review: single-source castings named as the top risk, and a second "
                 "foundry to be qualified."),
    DemoEvidence(170, DAVID, OTHER, ("5.1.1.i",),
                 "Walked the machining cells with Tom Ashworth and the setters to collect the causes of first-article "
                 "rejections, cell by cell."),
    DemoEvidence(150, DAVID, TRAINING, ("5.1.1.d", "5.1.1.h"),
                 "Coached the new assembly supervisor through a five-whys investigation of a leaking pump seal."),
    DemoEvidence(125, DAVID, COMMUNICATION, ("5.1.1.c",),
                 "Issued the new route card, which builds the inspection and test points into every machining job."),
    DemoEvidence(95, DAVID, MEETING, ("5.1.2.a", "5.1.1.c"),
                 "Agreed with Pennine Gas Distribution the test records needed for hydrogen service, and had them "
                 "added to the inspection and test plan."),
    DemoEvidence(82, DAVID, MEETING, ("5.1.1.c",),
                 "Walked the Brighouse assembly process against the route card with Hannah Wood; two inspection "
                 "points moved earlier in the build."),
    DemoEvidence(65, DAVID, RESOURCES, ("5.1.1.e", "5.1.1.i"),
                 "Approved six weeks of overtime in the test bays to clear the pressure-test backlog."),
    DemoEvidence(50, DAVID, TRAINING, ("5.1.1.h",),
                 "Led the induction of four new starters at Brighouse: the quality policy, the route card, and how "
                 "to stop the line."),
    DemoEvidence(35, DAVID, MEETING, ("5.1.1.i",),
                 "Ran the quarterly improvement review: eight ideas from the floor approved, three already in place."),
    DemoEvidence(18, DAVID, MEETING, ("5.1.2.a",),
                 "Checked with engineering that the customers' and the gas network's specifications for the "
                 "hydrogen valve range are in its design inputs."),
    DemoEvidence(8, DAVID, COMMUNICATION, ("5.1.1.i",),
                 "Shared the machining scrap figures with both shifts: below 1.5% for the first time, and what "
                 "made the difference."),
    # Sana Hussain, finance director
    DemoEvidence(340, SANA, RESOURCES, ("5.1.1.e",),
                 "Set the year's QMS budget: calibration, internal audit training and the certification body's fees "
                 "kept apart from cost savings."),
    DemoEvidence(310, SANA, MEETING, ("5.1.2.b",),
                 "Reviewed the contract and credit risks of the three largest water-utility framework bids before "
                 "they were submitted."),
    DemoEvidence(280, SANA, COMMUNICATION, ("5.1.1.g",),
                 "Added the cost of poor quality (scrap, rework and warranty) to the monthly management accounts."),
    DemoEvidence(250, SANA, RESOURCES, ("5.1.1.e",),
                 "Approved the bar-end sensor kits for the two Doosan lathes, to cut machining scrap."),
    DemoEvidence(215, SANA, MEETING, ("5.1.2.b", "5.1.1.e"),
                 "Met the insurer's risk engineer about product liability for pressure equipment and agreed which "
                 "test records they will ask to see."),
    DemoEvidence(185, SANA, TRAINING, ("5.1.1.h",),
                 "Sponsored two inspectors through a quality qualification, with study time agreed in their rota."),
    DemoEvidence(160, SANA, OTHER, ("5.1.1.g", "5.1.1.a"),
                 "Reported the cost of poor quality to the board: down from 3.1% to 2.4% of sales on the year."),
    DemoEvidence(140, SANA, MEETING, ("5.1.2.b",),
                 "Reviewed the suppliers' financial risk with the supply chain manager: the castings supplier's "
                 "accounts show it under strain."),
    DemoEvidence(110, SANA, RESOURCES, ("5.1.1.e",),
                 "Agreed to fund a second quality inspector for the night shift from the next quarter."),
    DemoEvidence(70, SANA, COMMUNICATION, ("5.1.1.g",),
                 "Explained the cost of poor quality at the Brighouse town hall, and how warranty returns feed back "
                 "into design."),
    DemoEvidence(25, SANA, RESOURCES, ("5.1.1.e",),
                 "Released the budget for the new test-bay pressure gauges ahead of the surveillance audit."),
    DemoEvidence(10, SANA, OTHER, ("5.1.1.g",),
                 "Checked the quality objectives' figures in the board pack against the source data in the ERP "
                 "system before they went to the board."),
]


# --- Actions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A step in an action's progress: a note, or a move to ``status`` with the note as its reason.

    ``on`` is the day the action was completed, counted from the action's base day (the review's day for the
    actions of a review, today for the others); ``by`` is the action's owner unless named.
    """

    note: str
    status: str | None = None
    on: int = 0
    by: str = ""


@dataclass(frozen=True)
class DemoAction:
    """An action; ``due`` is counted in days from its base day (negative: before it)."""

    title: str
    owner: str
    due: int
    description: str = ""
    steps: tuple[Step, ...] = ()


IN_PROGRESS, DONE, CANCELLED = ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED


# --- Management reviews -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDecision:
    category: str
    decision: str
    action: DemoAction


@dataclass(frozen=True)
class DemoReview:
    """What one held review covered, who missed it, what it decided, and the evidence its leaders recorded."""

    notes: dict[str, str]
    absent: tuple[str, ...]
    decisions: tuple[DemoDecision, ...]
    evidence: tuple[tuple[str, tuple[str, ...], str], ...]  # (leader, commitment codes, summary)


REVIEWS = [
    DemoReview(
        notes={
            "a": "Four actions from the previous review: three done (the new calibration supplier, the repair-cell "
                 "layout, the complaints log in the ERP system); the audit of Ryburn Castings slipped a quarter.",
            "b": "The water regulator's resilience programme brings larger valve frameworks next year; energy costs "
                 "up 18% on the year; a CNC programmer retires in the spring.",
            "c1": "Customer survey returned by 41 of 60 customers, average 7.8 out of 10. Late test certificates "
                  "were the most common complaint.",
            "c2": "On-time delivery 90.1% against 95%; machining scrap 2.0% against 1.5%; first-pass pressure-test "
                  "yield 96.4% against 97%. Supplier quality has no objective yet.",
            "c3": "Machining runs to plan. The Brighouse test bays are the bottleneck, with up to six days' queue "
                  "at month end.",
            "c4": "14 nonconformities in the quarter, 9 of them in machining; 3 corrective actions older than 60 "
                  "days.",
            "c5": "The Halifax CMM runs at 96% of its hours and final inspection waits for it; every gauge is in "
                  "calibration.",
            "c6": "Internal audits of purchasing and assembly: two minor findings, both closed. The certification "
                  "body's surveillance visit raised no nonconformity.",
            "c7": "Supplier on-time delivery 90%; Ryburn Castings late on 4 of 11 deliveries. Two suppliers taken "
                  "off the approved list.",
            "d": "Inspection capacity is short at Brighouse; cover in the test bays depends on two technicians.",
            "e": "The single-source castings risk is unchanged: the second-foundry plan has not started. The check "
                 "of mill certificates at goods-in worked: one batch of bar refused.",
            "f": "A weekly delivery review across both sites; a CMM at Brighouse; supplier quality as an objective.",
        },
        absent=("k.oconnor",),
        decisions=(
            DemoDecision(
                OutputCategory.IMPROVEMENT,
                "Review on-time delivery every week across both sites, led by operations.",
                DemoAction(
                    "Start a weekly on-time delivery meeting for Halifax and Brighouse", DAVID, 30,
                    "Thirty minutes every Monday: last week's late orders, their causes, and this week's risks.",
                    (Step("First meeting held; late orders listed by cause on the board at both sites.", IN_PROGRESS),
                     Step("Running every Monday for four weeks now; the figures go on the boards.", DONE, on=24)),
                ),
            ),
            DemoDecision(
                OutputCategory.RESOURCES,
                "Fund a second coordinate measuring machine for Brighouse, subject to three quotes.",
                DemoAction(
                    "Get three quotes for a CMM at Brighouse and put the capital request to the board", QUALITY, 45,
                    steps=(Step("Quotes in from three suppliers; the board approved the request.", DONE, on=40),),
                ),
            ),
            DemoDecision(
                OutputCategory.QMS_CHANGE,
                "Add on-time delivery and supplier quality to the quality objectives, and revise the policy to match.",
                DemoAction(
                    "Draft the revised quality policy with the new objectives", QUALITY, 60,
                    steps=(Step("Version 2 drafted and signed by the managing director.", DONE, on=52),),
                ),
            ),
        ),
        evidence=(
            (HELEN, ("5.1.1.a", "5.1.1.g", "5.1.1.i"),
             "Chaired the first quarterly management review of the year: all twelve inputs covered; decided on a "
             "weekly delivery review, a second CMM and new objectives for delivery and supplier quality."),
            (SANA, ("5.1.1.e",),
             "Took part in the quarterly management review and committed the capital for a second CMM, subject to "
             "three quotes."),
        ),
    ),
    DemoReview(
        notes={
            "a": "From the last review: the weekly delivery meeting runs at both sites (done); CMM quotes obtained "
                 "and the capital approved (done); version 2 of the policy with the new objectives published (done).",
            "b": "Two new framework bids with water utilities; a hydrogen-ready valve trial agreed with Pennine Gas "
                 "Distribution; the castings supplier reports staff shortages.",
            "c1": "Complaints down from 7 to 5 a month; customers value the named contact for test certificates. "
                  "Repair customers are not asked for feedback.",
            "c2": "On-time delivery 91.0% (target 95%, improving); scrap 1.7% (target 1.5%); first-pass test yield "
                  "97.2% (met); supplier on-time in full 88% against 92%.",
            "c3": "First-article rejections on the CNC cells rose to 13%, mostly set-up errors on low-volume parts.",
            "c4": "11 nonconformities, 6 of them machining set-up; 83% of corrective actions closed within 30 days.",
            "c5": "The Brighouse CMM is commissioned; the inspection queue is down from four days to one.",
            "c6": "Internal audit of machining: one minor finding on uncontrolled set-up notes. No external audit "
                  "this quarter.",
            "c7": "Supplier on-time in full fell to 87%; Ryburn Castings late on 5 of 12 deliveries. Monthly "
                  "scorecards requested.",
            "d": "Pressure-test cover in the holidays depends on two people; the night shift has no inspector.",
            "e": "A second foundry found but not yet qualified; the test-bay overtime reduced the backlog risk as "
                 "planned.",
            "f": "Standard set-up sheets; feedback from repair customers; monthly supplier scorecards.",
        },
        absent=(SANA,),
        decisions=(
            DemoDecision(
                OutputCategory.IMPROVEMENT,
                "Cut first-article rejections: standard set-up sheets for the ten most-run machined parts.",
                DemoAction(
                    "Write set-up sheets for the ten most-run machined parts", "owner", 90,
                    "One sheet per part and machine: fixtures, offsets, first-off checks.",
                    (Step("Started with the gate valve bodies and bonnets on the DMG Mori.", IN_PROGRESS),
                     Step("Six of ten written and in use. The last four need the programmers' time, which went to "
                          "the hydrogen valve prototypes."),),
                ),
            ),
            DemoDecision(
                OutputCategory.RESOURCES,
                "Train two more operators in pressure testing to cover holidays at Brighouse.",
                DemoAction(
                    "Train and sign off two more pressure-test technicians", "h.wood", 120,
                    steps=(Step("Ben Riley and Olu Adeyemi trained on the test bays.", IN_PROGRESS),
                           Step("Both signed off after ten witnessed tests each.", DONE, on=101)),
                ),
            ),
            DemoDecision(
                OutputCategory.QMS_CHANGE,
                "Report supplier performance every month instead of every quarter.",
                DemoAction(
                    "Publish the supplier scorecard every month", "r.dawson", 45,
                    steps=(Step("First monthly scorecard sent to the ten main suppliers.", DONE, on=38),),
                ),
            ),
            DemoDecision(
                OutputCategory.IMPROVEMENT,
                "Ask repair customers for feedback after each job at Brighouse.",
                DemoAction(
                    "Send a feedback card with every repair dispatch", "k.oconnor", 60,
                    steps=(Step("Cancelled: repair customers are now part of the annual customer survey, which "
                                "reaches the people who decide.", CANCELLED, by=QUALITY),),
                ),
            ),
        ),
        evidence=(
            (HELEN, ("5.1.1.a", "5.1.1.g", "5.1.1.i"),
             "Chaired the second quarterly management review: decided on standard set-up sheets, more pressure-test "
             "cover and monthly supplier scorecards."),
            (DAVID, ("5.1.1.i",),
             "Presented operations' results at the quarterly management review and took first-article rejections "
             "as an improvement priority."),
        ),
    ),
    DemoReview(
        notes={
            "a": "Set-up sheets: 6 of 10 written, late. Two test technicians trained (done); monthly supplier "
                 "scorecard (done); repair feedback cards cancelled in favour of the annual survey.",
            "b": "Growth in hydrogen confirmed by two enquiries; the policy to be revised for the 2026 to 2028 "
                 "strategy; new marking rules for pressure equipment from next year.",
            "c1": "Four complaints a month on average; the annual survey is due next quarter. Pennine Gas "
                  "Distribution praised the witness test.",
            "c2": "On-time delivery 93.1% (at risk, improving); scrap 1.4% (met); first-article approval 85% against "
                  "90% (off track); supplier on-time in full 86% (off track); skills matrix 82% (at risk).",
            "c3": "The test bays are no longer the bottleneck; first-article rejections are still the main loss in "
                  "machining.",
            "c4": "9 nonconformities; 87% of corrective actions closed within 30 days; the root causes of set-up "
                  "errors on the Mazak cell confirmed.",
            "c5": "Measurement system analysis of the bore gauges passed, with a gauge R&R of 8%.",
            "c6": "Internal audit of design and development: no findings. A pre-assessment for the hydrogen valve "
                  "approval is booked.",
            "c7": "Supplier on-time in full at 86%: three suppliers cause 70% of the late deliveries.",
            "d": "The night shift needs a second inspector; the finance director has agreed the budget.",
            "e": "The castings risk is now rated high and needs development visits. Training the test technicians "
                 "removed the single point of failure in testing.",
            "f": "A set-up checklist on the route card; supplier development visits; a night-shift inspector.",
        },
        absent=("h.wood",),
        decisions=(
            DemoDecision(
                OutputCategory.IMPROVEMENT,
                "Recover supplier delivery performance: development visits to the three worst suppliers.",
                DemoAction(
                    "Visit the three suppliers with the lowest on-time delivery and agree recovery plans", "r.dawson",
                    30,
                    steps=(Step("Ryburn Castings visited with Yan Chen: recovery plan agreed, weekly calls started.",
                                IN_PROGRESS),
                           Step("Second visit booked; the third supplier has not yet offered a date.")),
                ),
            ),
            DemoDecision(
                OutputCategory.QMS_CHANGE,
                "Make a set-up checklist part of the route card on the CNC cells, starting with a trial on the "
                "Mazak cell.",
                DemoAction(
                    "Write a one-page set-up checklist for the Mazak cell and trial it for a month", "employee", 100,
                    "Jamie drafts it from the set-up errors found; Tom Ashworth approves it before the trial.",
                ),
            ),
            DemoDecision(
                OutputCategory.RESOURCES,
                "Recruit a second quality inspector for the night shift.",
                DemoAction(
                    "Recruit a night-shift quality inspector", "j.pearson", 120,
                    steps=(Step("Advert out; four applicants so far, two to interview next week.", IN_PROGRESS),),
                ),
            ),
        ),
        evidence=(
            (HELEN, ("5.1.1.a", "5.1.1.g", "5.1.1.i"),
             "Chaired the third quarterly management review: supplier development visits, a set-up checklist on "
             "the route card and a night-shift inspector agreed."),
            (DAVID, ("5.1.1.i", "5.1.1.e"),
             "Took the supplier development visits at the management review as his own priority and released "
             "Yan Chen's time for them."),
            (SANA, ("5.1.1.e",),
             "Confirmed at the management review the budget for a night-shift quality inspector."),
        ),
    ),
]


# --- Actions started by commitments, and actions on their own ---------------------------------------------

COMMITMENT_ACTIONS = {
    "5.1.2.c": [
        DemoAction("Visit two water-sector customers with the sales manager", HELEN, 14,
                   "Customer focus has had no evidence for six weeks: book the visits."),
    ],
    "5.1.1.d": [
        DemoAction("Run a risk-based thinking workshop for the supervisors", DAVID, -10,
                   "The last session was months ago and there are four new supervisors."),
    ],
    "5.1.1.j": [
        DemoAction("Hold monthly one-to-ones with the heads of department on their quality goals", HELEN, 30),
    ],
    "5.1.2.b": [
        DemoAction(
            "Update the risk register with the pressure-equipment and supplier risks", SANA, -20,
            steps=(Step("Supplier risks added; the pressure-equipment risks wait for engineering's list.",
                        IN_PROGRESS),),
        ),
    ],
    "5.1.1.h": [
        DemoAction("Launch the 'stop and say so' recognition scheme", "j.pearson", -60,
                   steps=(Step("Scheme launched at both sites; the first awards are in the next town hall.", DONE,
                               on=-64),)),
    ],
    "5.1.1.f": [
        DemoAction("Brief the machining shifts on the revised quality policy", "owner", -40,
                   steps=(Step("Both shifts briefed at the start of shift; questions noted for the quality manager.",
                               DONE, on=-42),)),
    ],
    "5.1.2.a": [
        DemoAction(
            "List the pressure equipment requirements for the new hydrogen valve range", "c.lister", 45,
            steps=(Step("Requirements listed for the 2- and 4-inch valves; the 6-inch still to do.", IN_PROGRESS),),
        ),
    ],
}

OTHER_ACTIONS = [
    DemoAction("Replace the worn gauge blocks in the Halifax inspection room", "a.kowalski", -45,
               steps=(Step("New set received with its calibration certificate; old set withdrawn.", DONE, on=-50),)),
    DemoAction("Tidy the quarantine cage on the machining floor and label every item", "employee", 7,
               "Every item in the cage needs a nonconformity label with its report number."),
    DemoAction("Prepare the surveillance audit plan with the certification body", QUALITY, 21,
               steps=(Step("Dates agreed with the lead auditor; the plan is being drafted."),)),
    DemoAction("Renew the calibration contract for the hardness tester", QUALITY, -150,
               steps=(Step("Contract renewed for two years at last year's price.", DONE, on=-155),)),
]


# --- Quality objectives -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoObjective:
    """An objective and its monthly values over the past year, oldest first; ``notes`` by month index."""

    title: str
    measure: str
    unit: str
    target: str
    direction: str
    owner: str
    unit_code: str | None
    plan: str
    resources: str
    evaluation: str
    values: tuple[str, ...]
    notes: dict[int, str] = field(default_factory=dict)
    actions: tuple[DemoAction, ...] = ()


AT_LEAST, AT_MOST = Direction.AT_LEAST, Direction.AT_MOST

OBJECTIVES = [
    DemoObjective(
        "On-time delivery of 95%", "Orders shipped by the date promised to the customer", "%", "95", AT_LEAST,
        "h.wood", None,
        "Weekly delivery review at both sites; plan assembly to the finite capacity of the test bays.",
        "The weekly meeting (30 minutes of each department head); test-bay overtime when the queue passes 3 days.",
        "Monthly, from the ERP dispatch records, reviewed at every management review.",
        ("88.0", "89.5", "88.7", "90.1", "90.8", "91.5", "91.0", "92.2", "92.6", "93.1", "93.4", "94.0"),
        {2: "Dip from the test-bay queue at the year end.", 7: "First month with the Brighouse CMM in use."},
        (DemoAction("Plan the assembly schedule to the finite capacity of the test bays", "h.wood", 20,
                    steps=(Step("Test-bay hours loaded into the ERP; planning runs on them from next month.",
                                IN_PROGRESS),)),),
    ),
    DemoObjective(
        "Machining scrap at most 1.5% of parts", "Machined parts scrapped, as a share of parts made", "%", "1.5",
        AT_MOST, "owner", "MACH",
        "Bar-end sensors on the lathes; set-up sheets for the most-run parts; scrap reviewed at the daily meeting.",
        "Two bar-end sensor kits; setters' time for the set-up sheets.",
        "Monthly, from the scrap tickets booked in the ERP.",
        ("2.4", "2.2", "2.3", "2.0", "1.9", "1.8", "1.7", "1.6", "1.5", "1.4", "1.5", "1.3"),
        {3: "Bar-end sensors fitted on both Doosan lathes."},
        (DemoAction("Fit bar-end sensors to the two Doosan lathes", "v.novak", -90,
                    steps=(Step("Both sensors fitted and tested on a full bar.", DONE, on=-95),)),),
    ),
    DemoObjective(
        "First articles approved at the first attempt: 90%", "First articles approved without a re-set", "%", "90",
        AT_LEAST, "owner", "MACH",
        "Standard set-up sheets and a set-up checklist on the route card; first-article rejections reviewed weekly "
        "with the programmers.",
        "Setters' and programmers' time; a probing cycle on the DMG Mori.",
        "Monthly, from the first-article inspection reports.",
        ("91", "92", "90", "89", "90", "88", "87", "88", "86", "85", "86", "84"),
        {9: "Most rejections are set-up errors on low-volume parts.", 11: "Two re-sets on the new hydrogen bodies."},
        (
            DemoAction(
                "Re-prove the probing cycle on the DMG Mori for the 4-inch gate valve bodies", "employee", -12,
                "The probe misses the datum on the second op and the offsets drift.",
                (Step("Probe recalibrated; the cycle runs but the second op still needs a manual offset.",
                      IN_PROGRESS),
                 Step("Waiting for Steven Barker to change the program; asked for a slot this week.")),
            ),
            DemoAction("Review every first-article rejection of the last quarter with the programmers", "owner", 10),
        ),
    ),
    DemoObjective(
        "First-pass pressure-test yield of 97%", "Valves and pumps passing the pressure test at the first attempt",
        "%", "97", AT_LEAST, "h.wood", "ASSY",
        "Seal kits checked at goods-in; casting porosity traced back to the foundry; test results by fitter.",
        "Test technicians' time; the new test-bay gauges.",
        "Monthly, from the test-bay records.",
        ("95.2", "95.8", "96.1", "96.4", "96.0", "96.9", "97.2", "97.5", "97.1", "97.8", "97.6", "98.1"),
        actions=(DemoAction("Calibrate the test-bay pressure gauges every six months", "f.crowther", -100,
                            steps=(Step("Gauges calibrated; the six-month cycle is in the calibration system.",
                                        DONE, on=-104),)),),
    ),
    DemoObjective(
        "Customer complaints at most 2 a month", "Complaints logged by customer service", "complaints", "2", AT_MOST,
        "k.oconnor", "SALES",
        "A named contact for test certificates; a call back within a day; the cause of every complaint reviewed.",
        "Customer service coordinator's time.",
        "Monthly, from the complaints log.",
        ("6", "5", "7", "5", "4", "6", "4", "5", "4", "3", "4", "3"),
        actions=(DemoAction("Call every customer who complained in the last six months", "m.firth", -30,
                            steps=(Step("All 27 called; three asked for a visit, booked.", DONE, on=-33),)),),
    ),
    DemoObjective(
        "Supplier on-time in full of 92%", "Purchase order lines delivered on time and in full", "%", "92", AT_LEAST,
        "r.dawson", "SCM",
        "Monthly supplier scorecards; development visits to the worst suppliers; a second foundry for castings.",
        "Supplier quality engineer's time; travel for the visits.",
        "Monthly, from goods-in receipts against the purchase orders.",
        ("90", "91", "89", "90", "88", "87", "88", "86", "85", "86", "84", "83"),
        {11: "Ryburn Castings delivered 5 of 14 lines late."},
        (
            DemoAction("Move part of the castings order book to a second foundry", "c.morgan", 40),
            DemoAction("Agree weekly delivery calls with Ryburn Castings", "y.chen", -5),
        ),
    ),
    DemoObjective(
        "Corrective actions closed within 30 days: 85%", "Corrective actions closed within 30 days of being raised",
        "%", "85", AT_LEAST, QUALITY, "QA",
        "Weekly corrective action meeting; overdue actions escalated to the owner's director.",
        "Quality engineer's time.",
        "Monthly, from the corrective action log.",
        ("70", "72", "75", "78", "80", "83", "85", "86", "88", "87", "89", "90"),
        actions=(DemoAction(
            "Close the four corrective actions older than 60 days", "m.booth", -3,
            steps=(Step("Two closed; the other two wait for the supplier's 8D report.", IN_PROGRESS),),
        ),),
    ),
    DemoObjective(
        "Skills matrix: 90% of operators assessed", "Operators assessed against the skills matrix", "%", "90",
        AT_LEAST, "j.pearson", "HRF",
        "Assess every operator on their machines and tasks; retrain where the assessment shows a gap.",
        "Training coordinator and supervisors' time; cover for the people being assessed.",
        "Monthly, from the training records.",
        ("62", "64", "66", "69", "71", "74", "76", "78", "80", "82", "84", "86"),
        actions=(DemoAction("Assess the remaining Brighouse fitters on the skills matrix", "d.kaur", 25,
                            steps=(Step("Nine of fourteen assessed.", IN_PROGRESS),)),),
    ),
]


# --- The step ---------------------------------------------------------------------------------------------


def seed_leadership_demo(*, password: str) -> str:
    """Build (or complete) the demo commitments, evidence, reviews, actions and objectives.

    ``password`` is the demo log-ins' password: the managing director signs the minutes with it.
    """
    today = timezone.localdate()
    people = {person.username: person for person in get_user_model().objects.filter(username__in=_usernames())}
    commitments = _commitments(people)
    reviews = _reviews(people, commitments, password=password, today=today)
    _evidence(people, commitments, today=today)
    for code, demos in COMMITMENT_ACTIONS.items():
        for demo in demos:
            _action(demo, people, source=commitments[code], by=people[HELEN], base=today, today=today)
    for demo in OTHER_ACTIONS:
        _action(demo, people, source=None, by=people[QUALITY], base=today, today=today)
    policy = PolicyDocument.objects.filter(reference=POLICY_REFERENCE).first()
    if policy is not None:
        _objectives(people, policy, today=today)
    return _summary(reviews, today=today, policy_found=policy is not None)


def _usernames() -> set[str]:
    names = {QUALITY, CHAIR, *INVITED, *(owner for owner, _ in COMMITMENTS.values())}
    names |= {demo.leader for demo in EVIDENCE} | {demo.owner for demo in OBJECTIVES}
    names |= {leader for review in REVIEWS for leader, _, _ in review.evidence}
    names |= {decision.action.owner for review in REVIEWS for decision in review.decisions}
    demos = [*OTHER_ACTIONS, *(a for actions in COMMITMENT_ACTIONS.values() for a in actions)]
    demos += [a for objective in OBJECTIVES for a in objective.actions]
    demos += [decision.action for review in REVIEWS for decision in review.decisions]
    names |= {a.owner for a in demos} | {step.by for a in demos for step in a.steps if step.by}
    return names


def _commitments(people: dict[str, Any]) -> dict[str, Commitment]:
    """Name the accountable top manager and the interval of each commitment, as the managing director."""
    commitments = {c.code: c for c in Commitment.objects.all()}
    for code, (owner, every) in COMMITMENTS.items():
        commitment = commitments[code]
        if commitment.owner_id != people[owner].pk or commitment.evidence_every_days != every:
            commitments[code] = commitment_update(
                commitment=commitment, owner=people[owner], evidence_every_days=every, by=people[HELEN]
            )
    return commitments


def _working_day(day: dt.date, *, forward: bool) -> dt.date:
    """``day``, or the nearest weekday after (``forward``) or before it when it falls on a weekend."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1 if forward else -1)
    return day


def _evidence(people: dict[str, Any], commitments: dict[str, Commitment], *, today: dt.date) -> None:
    for demo in EVIDENCE:
        day = _working_day(today - dt.timedelta(days=demo.days_ago), forward=False)
        _record(people, commitments, day=day, leader=demo.leader, kind=demo.kind, codes=demo.codes,
                summary=demo.summary, attachment=demo.attachment, recorded_by=demo.recorded_by or demo.leader)


def _record(
    people: dict[str, Any], commitments: dict[str, Commitment], *, day: dt.date, leader: str, kind: str,
    codes: tuple[str, ...], summary: str, attachment: tuple[str, bytes] | None, recorded_by: str,
) -> None:
    """Record one evidence entry unless the leader already has one with this summary."""
    if EvidenceEntry.objects.filter(leader=people[leader], summary=summary).exists():
        return
    files = [SimpleUploadedFile(attachment[0], attachment[1])] if attachment else []
    evidence_record(
        occurred_on=day, kind=kind, summary=summary, leader=people[leader],
        commitments=[commitments[code] for code in codes], attachments=files, by=people[recorded_by],
    )


def _action(
    demo: DemoAction, people: dict[str, Any], *, source: Any, by: Any, base: dt.date, today: dt.date
) -> None:
    """Create the action and play its progress, unless an action with its title already exists."""
    if Action.objects.filter(title=demo.title).exists():
        return
    action = action_create(
        title=demo.title, owner=people[demo.owner], due_on=base + dt.timedelta(days=demo.due),
        description=demo.description, source=source, by=by,
    )
    _progress(action, demo, people, base=base, today=today)


def _progress(action: Action, demo: DemoAction, people: dict[str, Any], *, base: dt.date, today: dt.date) -> None:
    for step in demo.steps:
        person = people[step.by or demo.owner]
        if step.status is None:
            action_note_add(action=action, text=step.note, by=person)
        else:
            on = min(base + dt.timedelta(days=step.on), today) if step.status == DONE else None
            action = action_update_status(action=action, status=step.status, note=step.note, today=on, by=person)


def _first_review_on(today: dt.date) -> dt.date:
    """The first review's planned day, nine months before the first weekday from the 10th of next month: three
    quarters on, the review the chain proposes falls on that day. (The review held two quarters back was then
    45 to 85 days ago; the due dates of its actions allow for that.)"""
    next_review = add_months(today.replace(day=10), 1)
    while next_review.weekday() >= 5:
        next_review += dt.timedelta(days=1)
    return add_months(next_review, -(HELD_REVIEWS * REVIEW_EVERY_MONTHS))


def _reviews(
    people: dict[str, Any], commitments: dict[str, Commitment], *, password: str, today: dt.date
) -> list[ManagementReview]:
    """The recurring review's chain, each of the first three taken forward to signed minutes."""
    quality = people[QUALITY]
    review = ManagementReview.objects.filter(title=REVIEW_TITLE, proposed_from=None).order_by("pk").first()
    if review is None:
        review = review_plan(
            title=REVIEW_TITLE, planned_on=_first_review_on(today), chair=people[CHAIR],
            attendees=[people[name] for name in INVITED], recurrence_months=REVIEW_EVERY_MONTHS, by=quality,
        )
    chain = [review]
    for demo in REVIEWS:
        review = _take_forward(review, demo, people, password=password, today=today)
        for leader, codes, summary in demo.evidence:
            _record(people, commitments, day=review.held_on, leader=leader, kind=EvidenceKind.REVIEW_PARTICIPATION,
                    codes=codes, summary=summary, attachment=None, recorded_by=QUALITY)
        review = ManagementReview.objects.filter(proposed_from=review).first()
        if review is None:
            break
        chain.append(review)
    return chain


def _take_forward(
    review: ManagementReview, demo: DemoReview, people: dict[str, Any], *, password: str, today: dt.date
) -> ManagementReview:
    """Cover the inputs, hold, record attendance and decisions, close and sign: each step only if not yet taken."""
    quality, chair = people[QUALITY], people[CHAIR]
    if review.status == ReviewStatus.PLANNED:
        for review_input in review.inputs.all():
            if not review_input.notes.strip():
                review_input_save(review_input=review_input, notes=demo.notes[review_input.code], by=quality)
        review = review_hold(review=review, held_on=_working_day(review.planned_on, forward=True), by=quality)
    if review.status == ReviewStatus.HELD:
        for row in review.attendance.filter(attended=None).select_related("person"):
            attended = row.person.username not in demo.absent
            review_attendance_record(review=review, person=row.person, attended=attended, by=quality)
        if not review.outputs.exists():
            for decision in demo.decisions:
                _decide(review, decision, people)
        review = review_close(review=review, by=quality)
    if review.status == ReviewStatus.CLOSED and not review.is_signed:
        review = ManagementReview.objects.get(pk=review.pk)
        try:
            review = review_sign_minutes(
                review=review, password=password, expected_sha256=content_sha256(review.minutes_content()), by=chair
            )
        except SignatureRefused as refused:
            raise RuntimeError(
                f"The demo managing director ({CHAIR}) could not sign the minutes of {review}: {refused} "
                "Was their password changed from the demo password?"
            ) from refused
    return ManagementReview.objects.get(pk=review.pk)


def _decide(review: ManagementReview, decision: DemoDecision, people: dict[str, Any]) -> None:
    demo = decision.action
    output = review_decision_add(
        review=review, category=decision.category, decision=decision.decision, action_title=demo.title,
        action_owner=people[demo.owner], action_due_on=review.held_on + dt.timedelta(days=demo.due),
        action_description=demo.description, by=people[QUALITY],
    )
    _progress(output.actions.get(), demo, people, base=review.held_on, today=timezone.localdate())


def _month_ends(today: dt.date, count: int) -> list[dt.date]:
    """The last days of the ``count`` months before this one, oldest first."""
    ends, day = [], today.replace(day=1)
    for _ in range(count):
        day -= dt.timedelta(days=1)
        ends.append(day)
        day = day.replace(day=1)
    return ends[::-1]


def _objectives(people: dict[str, Any], policy: PolicyDocument, *, today: dt.date) -> None:
    """The objectives, as the quality manager; a year of measurements recorded by each objective's owner."""
    quality = people[QUALITY]
    units = {unit.code: unit for unit in OrgUnit.objects.all()}
    due_on = _month_ends(add_months(today, 7), 1)[0]  # the end of the sixth month from now
    for demo in OBJECTIVES:
        objective = QualityObjective.objects.filter(title=demo.title).first()
        if objective is None:
            objective = objective_save(
                fields={
                    "title": demo.title, "policy": policy, "measure": demo.measure, "unit": demo.unit,
                    "target": Decimal(demo.target), "direction": demo.direction, "owner": people[demo.owner],
                    "org_unit": units.get(demo.unit_code) if demo.unit_code else None, "due_on": due_on,
                    "plan": demo.plan, "planned_resources": demo.resources, "evaluation_method": demo.evaluation,
                },
                by=quality,
            )
        if not objective.measurements.exists():
            # A process owner records their own objective's figures; the quality manager records the rest.
            recorder = objective.owner if objective.owner.username != QUALITY else quality
            for index, (day, value) in enumerate(zip(_month_ends(today, len(demo.values)), demo.values, strict=True)):
                measurement_record(objective=objective, measured_on=day, value=value,
                                   note=demo.notes.get(index, ""), by=recorder)
        for action in demo.actions:
            _action(action, people, source=objective, by=quality, base=today, today=today)


def _summary(reviews: list[ManagementReview], *, today: dt.date, policy_found: bool) -> str:
    """One line: what the leadership demo holds, counted from the database."""
    commitments = list(Commitment.objects.all())
    states = Counter(s.state for s in commitment_statuses(commitments, today=today).values())
    actions = Action.objects.all()
    objectives = list(QualityObjective.objects.all())
    objective_states = Counter(s.label.lower() for s in objective_statuses(objectives, today=today).values())
    signed = sum(1 for review in reviews if ManagementReview.objects.get(pk=review.pk).is_signed)
    line = (
        f"{len(commitments)} commitments ({states[CommitmentState.STALE]} stale, {states[CommitmentState.DUE_SOON]} "
        f"due soon, {states[CommitmentState.NEVER_EVIDENCED]} never evidenced), "
        f"{EvidenceEntry.objects.count()} evidence entries, "
        f"{ManagementReview.objects.count()} management reviews ({signed} signed), "
        f"{actions.count()} actions ({actions.overdue(today).count()} overdue), "
        f"{len(objectives)} quality objectives ("
        + ", ".join(f"{count} {state}" for state, count in sorted(objective_states.items()))
        + ")."
    )
    return line if policy_found else line + f" No quality objectives: the policy {POLICY_REFERENCE} is missing."
