"""The leadership demo's people, commitments and evidence of what the top managers did: data only."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from leadership.demo.pdf import tiny_pdf
from leadership.models import EvidenceKind

QUALITY, CHAIR = "quality", "director"  # the demo quality manager runs the reviews; the managing director chairs
HELEN, DAVID, SANA = "director", "d.whitaker", "s.hussain"  # the three top managers of the demo organisation
REVIEW_TITLE = "Quarterly management review"
REVIEW_EVERY_MONTHS = 3
# When and where the reviews meet: 09:30 for two and a half hours in the board room; the cycle keeps it.
REVIEW_STARTS_AT, REVIEW_MINUTES, REVIEW_PLACE = dt.time(9, 30), 150, "Board room, Halifax works"
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
