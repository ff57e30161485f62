"""The large organisation's leadership records (``seed_demo --scale large``), beside the demo's own: a quarterly site
operations review over the three years, each planned, its inputs covered, held, decided, closed and signed through
the review functions, its decisions starting ``scale.actions`` actions in all (2,000 at 5,000 people) created in
bulk and mostly completed by the next review; ``scale.objectives`` quality objectives (30) with a figure for every
month since they were set; and ``scale.evidence`` leadership evidence entries (3,000), a week's recorded together.

The volume goes through the bulk business functions (``actions_create_bulk``, ``actions_complete_bulk``,
``measurements_record_bulk``, ``evidence_record_bulk``), every record with its trail entry, on the same replayed
clock. Idempotent: a review, objective or week of evidence already there is not written again.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

from leadership.actions import actions_complete_bulk, actions_create_bulk, actions_start_bulk
from leadership.commitments import evidence_record_bulk
from leadership.demo.build import _month_ends, _working_day, _working_days_after
from leadership.demo.data import CHAIR, DAVID, HELEN, INVITED, POLICY_REFERENCE, QUALITY, SANA
from leadership.demo.data_reviews import OBJECTIVES
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
from leadership.objectives import measurements_record_bulk, objective_save
from leadership.reviews import (
    Meeting,
    review_close,
    review_decision_add,
    review_hold,
    review_input_save,
    review_plan,
    review_sign_minutes,
)
from policy.selectors import policy_document
from qms_portal.demo import History
from qms_portal.models import OrgUnit, OrgUnitKind, User
from qms_portal.signatures import content_sha256

TITLE = "Site operations review"
FIRST_AFTER, EVERY_DAYS, PLANNED_BEFORE, INPUTS_BEFORE = 60, 91, 35, 7
DECISIONS = [
    (OutputCategory.IMPROVEMENT, "Close the gaps found at the sites this quarter, one action per finding."),
    (OutputCategory.QMS_CHANGE, "Bring the sites' work instructions up to date with the changes agreed."),
    (OutputCategory.RESOURCES, "Fund the training and equipment the departments asked for."),
]
OBJECTIVES_SET_DAYS_AGO = 700  # soon after the quality policy's first version was published
LEADERS = [HELEN, DAVID, SANA]
DEMO_EVIDENCE = 55  # the entries the demo records of its own, counted in ``scale.evidence``
REASON = "Demo data: the large organisation's leadership records"


def seed_leadership_large(*, password: str, history: History) -> None:
    """Plan the large organisation's reviews, actions, objectives and evidence (at demo scale: nothing)."""
    if not history.scale.is_large:
        return
    scale = history.scale
    held_days = []
    day = _working_day(history.start + dt.timedelta(days=FIRST_AFTER), forward=True)
    while day < history.today - dt.timedelta(days=14):
        held_days.append(day)
        day = _working_day(day + dt.timedelta(days=EVERY_DAYS), forward=True)
    reviews = max(1, len(held_days))
    for index, held_on in enumerate(held_days):
        title = f"{TITLE} {held_on:%Y} Q{(held_on.month - 1) // 3 + 1}"
        history.on(held_on - dt.timedelta(days=PLANNED_BEFORE), partial(_plan, title, held_on), hour=14,
                   stage="reviews")
        history.on(held_on - dt.timedelta(days=INPUTS_BEFORE), partial(_inputs, title), hour=15, stage="reviews")
        history.on(held_on, partial(_complete_earlier, held_on), hour=9, stage="actions")
        history.on(held_on, partial(_hold, title, held_on), hour=14, stage="reviews")
        count = scale.actions * (index + 1) // reviews - scale.actions * index // reviews
        history.on(held_on, partial(_decide, title, held_on, count), hour=16, stage="actions")
        history.on(_working_days_after(held_on, 2), partial(_close, title), hour=10, stage="reviews")
        history.on(_working_days_after(held_on, 10), partial(_start, title), hour=16, stage="actions")
        history.on(_working_days_after(held_on, 3), partial(_sign, title, password), hour=11, stage="reviews")
    objectives_on = _working_day(history.today - dt.timedelta(days=OBJECTIVES_SET_DAYS_AGO), forward=True)
    history.on(objectives_on, partial(_objectives, history.today, scale.objectives), hour=11, stage="objectives")
    for month_end in _month_ends(history.today, OBJECTIVES_SET_DAYS_AGO // 31):
        if month_end > objectives_on:
            history.on(_working_days_after(month_end, 2), partial(_measure, month_end), hour=9,
                       stage="measurements")
    weeks = (history.today - history.start).days // 7 - 2
    total = max(0, scale.evidence - DEMO_EVIDENCE)
    for week in range(weeks):
        friday = history.start + dt.timedelta(days=7 * (week + 1) + 4 - history.start.weekday())
        count = total * (week + 1) // weeks - total * week // weeks
        history.on(friday, partial(_evidence, week, friday, count), hour=17, stage="evidence")


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _review(title: str) -> ManagementReview | None:
    return ManagementReview.objects.filter(title=title).first()


def _plan(title: str, held_on: dt.date) -> None:
    if _review(title) is not None:
        return
    heads = list(User.objects.filter(username__startswith="large", job_title__startswith="Head of")
                 .order_by("username")[:8])
    review_plan(title=title, planned_on=held_on, chair=_user(CHAIR),
                attendees=[*User.objects.filter(username__in=INVITED), *heads],
                meeting=Meeting(dt.time(9, 30), 180, "Halifax works, board room"), by=_user(QUALITY))


def _inputs(title: str) -> None:
    review = _review(title)
    if review is None or review.status != ReviewStatus.PLANNED:
        return
    by = _user(QUALITY)
    for row in review.inputs.filter(notes=""):
        review_input_save(review_input=row, notes=f"Reported by the sites for {title}: see the quarter's figures.",
                          by=by)


def _hold(title: str, held_on: dt.date) -> None:
    review = _review(title)
    if review is not None and review.status == ReviewStatus.PLANNED:
        review_hold(review=review, held_on=held_on, by=_user(QUALITY))


def _decide(title: str, held_on: dt.date, count: int) -> None:
    """The review's decisions, and the actions they start: one per finding, owned round the department heads."""
    review = _review(title)
    if review is None or review.status != ReviewStatus.HELD or review.outputs.exists():
        return
    by = _user(QUALITY)
    outputs = [review_decision_add(review=review, category=category, decision=text, by=by)
               for category, text in DECISIONS]
    owners = list(User.objects.filter(org_unit__kind=OrgUnitKind.DEPARTMENT, is_active=True,
                                      job_title__startswith="Head of").order_by("username")) or [by]
    actions_create_bulk(actions=[
        Action(title=f"{title}: finding {n + 1:03}", description="Agreed at the review; see its minutes.",
               owner=owners[n % len(owners)], due_on=held_on + dt.timedelta(days=30 + n % 60),
               source_review=review, decision=outputs[n % len(outputs)])
        for n in range(count)
    ], by=by, reason=REASON)


def _complete_earlier(held_on: dt.date) -> None:
    """Before a review, six in seven of the earlier reviews' open actions are done."""
    open_actions = Action.objects.filter(source_review__title__startswith=TITLE, source_review__held_on__lt=held_on,
                                         status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS)).order_by("pk")
    done = [action for action in open_actions if action.pk % 7]
    if done:
        actions_complete_bulk(actions=done, by=_user(QUALITY), reason=REASON)


def _start(title: str) -> None:
    """A fortnight after the review, its actions' owners have started five in six of them, each with a note."""
    started: dict[int, list[Action]] = {}
    for action in (Action.objects.filter(source_review__title=title, status=ActionStatus.OPEN)
                   .select_related("owner").order_by("pk")):
        if action.pk % 6:
            started.setdefault(action.owner_id, []).append(action)
    for actions in started.values():
        actions_start_bulk(actions=actions, note="Started: the work is planned with the team and under way.",
                           by=actions[0].owner, reason=REASON)


def _close(title: str) -> None:
    review = _review(title)
    if review is not None and review.status == ReviewStatus.HELD:
        review_close(review=review, by=_user(QUALITY))


def _sign(title: str, password: str) -> None:
    review = _review(title)
    if review is not None and review.status == ReviewStatus.CLOSED and not review.is_signed:
        review_sign_minutes(review=review, password=password, expected_sha256=content_sha256(review.signed_content()),
                            by=_user(CHAIR))


def _objectives(today: dt.date, wanted: int) -> None:
    policy = policy_document(POLICY_REFERENCE)
    have = QualityObjective.objects.filter(title__regex=r" [0-9]{2}$").count() + len(OBJECTIVES)  # the demo's own
    if policy is None or have >= wanted:
        return
    by = _user(QUALITY)
    departments = list(OrgUnit.objects.filter(kind=OrgUnitKind.DEPARTMENT).order_by("pk"))
    owners = list(User.objects.filter(job_title__startswith="Head of").order_by("username")) or [by]
    for n in range(wanted - have):
        at_least = n % 2 == 0
        objective_save(fields={
            "title": f"{departments[n % len(departments)].name}: {'first-pass yield' if at_least else 'scrap rate'}"
                     f" {n + 1:02}",
            "policy": policy, "measure": "First-pass yield" if at_least else "Scrap", "unit": "%",
            "target": Decimal(95 if at_least else 2),
            "direction": Direction.AT_LEAST if at_least else Direction.AT_MOST,
            "owner": owners[n % len(owners)], "org_unit": departments[n % len(departments)],
            "due_on": today + dt.timedelta(days=180), "plan": "Work through the causes found each month.",
        }, by=by)


def _measure(month_end: dt.date) -> None:
    """Every large objective's figure for the month (the demo's own objectives are measured by the demo)."""
    objectives = QualityObjective.objects.filter(title__regex=r" [0-9]{2}$").exclude(
        measurements__measured_on=month_end)
    values = []
    for objective in objectives.order_by("pk"):
        wobble = Decimal((objective.pk * 7 + month_end.month * 3) % 9 - 4) / 2
        values.append((objective, objective.target + (wobble if objective.direction == Direction.AT_LEAST
                                                      else wobble / 4)))
    if values:
        measurements_record_bulk(values=values, measured_on=month_end, by=_user(QUALITY), reason=REASON)


def _evidence(week: int, friday: dt.date, count: int) -> None:
    """A week's evidence of the top managers' leadership, recorded together on its Friday."""
    marker = f"(week {week + 1:03})"
    if count <= 0 or EvidenceEntry.objects.filter(summary__endswith=marker).exists():
        return
    commitments = list(Commitment.objects.order_by("pk"))
    if not commitments:
        return
    leaders = {person.username: person for person in User.objects.filter(username__in=LEADERS)}
    kinds = [EvidenceKind.MEETING, EvidenceKind.COMMUNICATION, EvidenceKind.RESOURCE_DECISION, EvidenceKind.TRAINING]
    entries = [
        EvidenceEntry(occurred_on=friday - dt.timedelta(days=n % 5), kind=kinds[n % len(kinds)],
                      leader=leaders[LEADERS[n % len(LEADERS)]],
                      summary=f"Took part in the sites' quality work: visit, briefing or decision {n + 1} {marker}")
        for n in range(count)
    ]
    evidence_record_bulk(entries=entries, commitments=[commitments[week % len(commitments)]], by=_user(QUALITY),
                         reason=REASON)
