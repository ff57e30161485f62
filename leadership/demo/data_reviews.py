"""The leadership demo's management reviews, actions and quality objectives: data only."""
from __future__ import annotations

from dataclasses import dataclass, field

from leadership.demo.data import DAVID, HELEN, QUALITY, SANA
from leadership.models import ActionStatus, Direction, OutputCategory

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


# --- An extraordinary review held lately, its minutes waiting for the chair's signature --------------------------
# So that the demo has minutes for the managing director to sign, and a reminder of them due (issue 14); the
# quarterly chain above stays signed.
EXTRAORDINARY_TITLE = "Extraordinary management review: Ryburn Castings deliveries"
EXTRAORDINARY_HELD_DAYS_AGO = 8  # held about a week ago, closed the next working day: the reminder is due
EXTRAORDINARY_INVITED = [HELEN, DAVID, SANA, QUALITY, "r.dawson", "y.chen"]
EXTRAORDINARY_PLACE = "Board room, Halifax works"
_SEE_QUARTERLY = "Not discussed: unchanged since the last quarterly review."
EXTRAORDINARY_NOTES = {
    "a": _SEE_QUARTERLY,
    "b": "Ryburn Castings, our only source of 4-inch gate valve bodies, has lost two foundry men and runs a "
         "single shift.",
    "c1": "Two water-utility customers have complained of late deliveries of 4-inch gate valves this month.",
    "c2": "On-time delivery fell to 88% in November against 95%; the castings shortage explains most of it.",
    "c3": "Machining and assembly are waiting for castings; the test bays run below capacity.",
    "c4": _SEE_QUARTERLY,
    "c5": _SEE_QUARTERLY,
    "c6": _SEE_QUARTERLY,
    "c7": "Ryburn Castings late on 6 of its last 9 deliveries; no other supplier is approved for these castings.",
    "d": "Supply chain can release a buyer two days a week to qualify a second foundry.",
    "e": "The supplier risk in the register (single source for valve bodies) has materialised.",
    "f": _SEE_QUARTERLY,
}
EXTRAORDINARY_DECISION = (
    "b",  # a change needed to the QMS
    "Qualify a second foundry for 4-inch gate valve bodies by the end of the first quarter, and review Ryburn "
    "Castings' recovery plan weekly until then.",
)
