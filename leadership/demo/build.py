"""Building the leadership demo from its data, through the business functions people use, each step acting
as the demo person who would take it; every step is idempotent."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from functools import partial

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from leadership.actions import action_create, action_note_add, action_update_status
from leadership.commitments import CommitmentState, commitment_statuses, commitment_update, evidence_record
from leadership.demo.data import (
    CHAIR,
    COMMITMENTS,
    EVIDENCE,
    HELD_REVIEWS,
    HELEN,
    INVITED,
    POLICY_REFERENCE,
    QUALITY,
    REVIEW_EVERY_MONTHS,
    REVIEW_MINUTES,
    REVIEW_PLACE,
    REVIEW_STARTS_AT,
    REVIEW_TITLE,
)
from leadership.demo.data_reviews import (
    COMMITMENT_ACTIONS,
    DONE,
    EXTRAORDINARY_DECISION,
    EXTRAORDINARY_HELD_DAYS_AGO,
    EXTRAORDINARY_INVITED,
    EXTRAORDINARY_NOTES,
    EXTRAORDINARY_PLACE,
    EXTRAORDINARY_TITLE,
    OBJECTIVES,
    OTHER_ACTIONS,
    REVIEWS,
    DemoAction,
    DemoDecision,
    DemoObjective,
    DemoReview,
    Step,
)
from leadership.models import (
    Action,
    Commitment,
    EvidenceEntry,
    EvidenceKind,
    ManagementReview,
    QualityObjective,
    ReviewStatus,
)
from leadership.objectives import measurement_record, objective_save, objective_statuses
from leadership.readiness import snapshots_backfill
from leadership.reviews import (
    Meeting,
    add_months,
    review_attendance_record,
    review_close,
    review_decision_add,
    review_hold,
    review_input_save,
    review_plan,
    review_sign_minutes,
)
from policy.selectors import policy_document
from qms_portal.demo import History
from qms_portal.models import OrgUnit, User
from qms_portal.signatures import SignatureRefused, content_sha256

# Days after the history's start that the managing director names the commitments' owners.
COMMITMENTS_ON = 2
REVIEW_PLANNED_BEFORE, INPUTS_BEFORE = 35, 7  # days before the first review it is planned; before each, inputs
MINUTES_CLOSED_AFTER, MINUTES_SIGNED_AFTER = 2, 3  # working days after a review: minutes closed, then signed
ACTION_OPENED_BEFORE = 14  # days before its first date (due or done) an action not from a review was opened


def seed_leadership_demo(*, password: str, history: History) -> None:
    """Plan the demo commitments, evidence, reviews, actions and objectives on ``history``.

    ``password`` is the demo log-ins' password: the managing director signs the minutes with it.
    """
    today = history.today
    people: dict[str, User] = {}
    commitments: dict[str, Commitment] = {}

    def begin() -> None:
        people.update({person.username: person for person in User.objects.filter(username__in=_usernames())})
        commitments.update(_commitments(people))

    history.on(history.start + dt.timedelta(days=COMMITMENTS_ON), begin, hour=15)
    _reviews(history, people, commitments, password=password)
    _extraordinary_review(history, people)
    _evidence(history, people, commitments)
    for code, demos in COMMITMENT_ACTIONS.items():
        for demo in demos:
            _action(history, demo, people, source=partial(commitments.__getitem__, code), by=HELEN, base=today)
    for demo in OTHER_ACTIONS:
        _action(history, demo, people, source=None, by=QUALITY, base=today)
    _objectives(history, people)
    # Last of the day, once every app's records are in: a year of weekly readiness snapshots, from the dated records.
    history.on(today, partial(snapshots_backfill, until=today), hour=23, minute=59)
    history.summary(partial(_summary, today=today))


def _usernames() -> set[str]:
    names = {QUALITY, CHAIR, *INVITED, *EXTRAORDINARY_INVITED, *(owner for owner, _ in COMMITMENTS.values())}
    names |= {demo.leader for demo in EVIDENCE} | {demo.owner for demo in OBJECTIVES}
    names |= {leader for review in REVIEWS for leader, _, _ in review.evidence}
    names |= {decision.action.owner for review in REVIEWS for decision in review.decisions}
    demos = [*OTHER_ACTIONS, *(a for actions in COMMITMENT_ACTIONS.values() for a in actions)]
    demos += [a for objective in OBJECTIVES for a in objective.actions]
    demos += [decision.action for review in REVIEWS for decision in review.decisions]
    names |= {a.owner for a in demos} | {step.by for a in demos for step in a.steps if step.by}
    return names


def _commitments(people: dict[str, User]) -> dict[str, Commitment]:
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


def _evidence(history: History, people: dict[str, User], commitments: dict[str, Commitment]) -> None:
    """Each entry recorded at the end of the day it tells of."""
    for demo in EVIDENCE:
        day = _working_day(history.today - dt.timedelta(days=demo.days_ago), forward=False)
        history.on(day, partial(
            _record, people, commitments, day=day, leader=demo.leader, kind=demo.kind, codes=demo.codes,
            summary=demo.summary, attachment=demo.attachment, recorded_by=demo.recorded_by or demo.leader,
        ), hour=16, minute=demo.days_ago % 50)


def _record(
    people: dict[str, User], commitments: dict[str, Commitment], *, day: dt.date, leader: str, kind: str,
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
    history: History,
    demo: DemoAction,
    people: dict[str, User],
    *,
    source: Callable[[], Commitment | QualityObjective] | None,
    by: str,
    base: dt.date,
    opened_from: dt.date | None = None,
) -> None:
    """Plan the action's opening a fortnight before its first date (due or done), then its progress."""
    first = min([demo.due, 0, *(step.on for step in demo.steps if step.status == DONE)])
    opened = base + dt.timedelta(days=first - ACTION_OPENED_BEFORE)
    opened = min(max(opened, opened_from or history.start), history.today)

    def open_action() -> None:
        if Action.objects.filter(title=demo.title).exists():
            return
        action = action_create(
            title=demo.title, owner=people[demo.owner], due_on=base + dt.timedelta(days=demo.due),
            description=demo.description, source=source() if source else None, by=people[by],
        )
        _progress(history, action, demo, people, base=base)

    history.on(opened, open_action, hour=9, minute=len(demo.title) % 60)


def _progress(history: History, action: Action, demo: DemoAction, people: dict[str, User], *, base: dt.date) -> None:
    """Plan the action's notes and moves: a move to done on its day, the others spread evenly before it (or
    before today when the action is still open)."""
    opened = timezone.localdate()
    done = [step for step in demo.steps if step.status == DONE]
    end = min(base + dt.timedelta(days=done[0].on), history.today) if done else history.today
    end = max(end, opened)
    for index, step in enumerate(demo.steps, start=1):
        day = end if step.status == DONE else opened + (end - opened) * index // (len(demo.steps) + 1)

        def take(step: Step = step) -> None:
            current = Action.objects.get(pk=action.pk)
            person = people[step.by or demo.owner]
            if step.status is None:
                action_note_add(action=current, text=step.note, by=person)
            elif current.status != step.status:
                action_update_status(action=current, status=step.status, note=step.note, by=person)

        history.on(day, take, hour=13 if step.status is None else 15, minute=index)


def _first_review_on(today: dt.date) -> dt.date:
    """The first review's planned day, nine months before the first weekday from the 10th of next month: three
    quarters on, the review the chain proposes falls on that day. (The review held two quarters back was then
    45 to 85 days ago; the due dates of its actions allow for that.)"""
    next_review = add_months(today.replace(day=10), 1)
    while next_review.weekday() >= 5:
        next_review += dt.timedelta(days=1)
    return add_months(next_review, -(HELD_REVIEWS * REVIEW_EVERY_MONTHS))


def _reviews(
    history: History, people: dict[str, User], commitments: dict[str, Commitment], *, password: str
) -> None:
    """The recurring review's chain: the first planned five weeks ahead; each of the first three has its inputs
    covered the week before, is held on its day (proposing the next), and has its minutes closed and then signed
    by the chair a few days later."""
    first_on = _first_review_on(history.today)
    history.on(first_on - dt.timedelta(days=REVIEW_PLANNED_BEFORE), partial(_plan_first, people, first_on), hour=14)
    for index, demo in enumerate(REVIEWS):
        held_on = _working_day(add_months(first_on, index * REVIEW_EVERY_MONTHS), forward=True)
        steps: list[tuple[dt.date, int, Callable[[ManagementReview], object]]] = [
            (held_on - dt.timedelta(days=INPUTS_BEFORE), 15, partial(_cover_inputs, demo=demo, people=people)),
            (held_on, 14, partial(_hold, held_on=held_on, people=people)),
            (held_on, 16, partial(_minute, history=history, demo=demo, people=people, commitments=commitments)),
            (_working_days_after(held_on, MINUTES_CLOSED_AFTER), 10,
             lambda review: review_close(review=review, by=people[QUALITY])
             if review.status == ReviewStatus.HELD else None),
            (_working_days_after(held_on, MINUTES_SIGNED_AFTER), 11,
             partial(_sign, password=password, people=people)),
        ]
        for day, hour, step in steps:
            history.on(day, partial(_on_review, index, step), hour=hour)


def _extraordinary_review(history: History, people: dict[str, User]) -> None:
    """A review called a fortnight ahead about a failing supplier, held about a week ago and closed the next working
    day; its minutes wait for the chair's signature, so that the home page and the reminders have them to show."""
    held_on = _working_day(history.today - dt.timedelta(days=EXTRAORDINARY_HELD_DAYS_AGO), forward=False)

    def review() -> ManagementReview | None:
        return ManagementReview.objects.filter(title=EXTRAORDINARY_TITLE).first()

    def plan() -> None:
        if review() is None:
            review_plan(
                title=EXTRAORDINARY_TITLE, planned_on=held_on, chair=people[CHAIR],
                attendees=[people[name] for name in EXTRAORDINARY_INVITED],
                meeting=Meeting(dt.time(14, 0), 60, EXTRAORDINARY_PLACE), by=people[QUALITY],
            )

    def hold() -> None:
        current = review()
        if current is None or current.status != ReviewStatus.PLANNED:
            return
        for review_input in current.inputs.all():
            if not review_input.notes.strip():
                review_input_save(review_input=review_input, notes=EXTRAORDINARY_NOTES[review_input.code],
                                  by=people[QUALITY])
        _hold(current, held_on=held_on, people=people)
        current.refresh_from_db()
        for row in current.attendance.filter(attended=None).select_related("person"):
            review_attendance_record(review=current, person=row.person, attended=True, by=people[QUALITY])
        category, decision = EXTRAORDINARY_DECISION
        review_decision_add(review=current, category=category, decision=decision, by=people[QUALITY])

    def close() -> None:
        current = review()
        if current is not None and current.status == ReviewStatus.HELD:
            review_close(review=current, by=people[QUALITY])

    history.on(held_on - dt.timedelta(days=14), plan, hour=9)
    history.on(held_on, hold, hour=15, minute=30)
    history.on(_working_days_after(held_on, 1), close, hour=10)


def _working_days_after(day: dt.date, count: int) -> dt.date:
    for _ in range(count):
        day = _working_day(day + dt.timedelta(days=1), forward=True)
    return day


def _plan_first(people: dict[str, User], planned_on: dt.date) -> None:
    if ManagementReview.objects.filter(title=REVIEW_TITLE, proposed_from=None).exists():
        return
    review_plan(
        title=REVIEW_TITLE, planned_on=planned_on, chair=people[CHAIR],
        attendees=[people[name] for name in INVITED], recurrence_months=REVIEW_EVERY_MONTHS,
        meeting=Meeting(REVIEW_STARTS_AT, REVIEW_MINUTES, REVIEW_PLACE), by=people[QUALITY],
    )


def _on_review(index: int, step: Callable[[ManagementReview], object]) -> None:
    """Take ``step`` on the ``index``-th review of the chain, if the chain has come that far."""
    review = ManagementReview.objects.filter(title=REVIEW_TITLE, proposed_from=None).order_by("pk").first()
    for _ in range(index):
        review = ManagementReview.objects.filter(proposed_from=review).first() if review else None
    if review is not None:
        step(review)


def _cover_inputs(review: ManagementReview, *, demo: DemoReview, people: dict[str, User]) -> None:
    if review.status != ReviewStatus.PLANNED:
        return
    for review_input in review.inputs.all():
        if not review_input.notes.strip():
            review_input_save(review_input=review_input, notes=demo.notes[review_input.code], by=people[QUALITY])


def _hold(review: ManagementReview, *, held_on: dt.date, people: dict[str, User]) -> None:
    if review.status == ReviewStatus.PLANNED:
        review_hold(review=review, held_on=min(held_on, timezone.localdate()), by=people[QUALITY])


def _minute(
    review: ManagementReview, *, history: History, demo: DemoReview, people: dict[str, User],
    commitments: dict[str, Commitment],
) -> None:
    """Attendance and decisions (with their actions' progress planned), and the evidence its leaders gave."""
    if review.status == ReviewStatus.HELD:
        for row in review.attendance.filter(attended=None).select_related("person"):
            attended = row.person.username not in demo.absent
            review_attendance_record(review=review, person=row.person, attended=attended, by=people[QUALITY])
        if not review.outputs.exists():
            for decision in demo.decisions:
                _decide(history, review, decision, people)
    if review.held_on is not None:
        for leader, codes, summary in demo.evidence:
            _record(people, commitments, day=review.held_on, leader=leader, kind=EvidenceKind.REVIEW_PARTICIPATION,
                    codes=codes, summary=summary, attachment=None, recorded_by=QUALITY)


def _sign(review: ManagementReview, *, password: str, people: dict[str, User]) -> None:
    if review.status != ReviewStatus.CLOSED or review.is_signed:
        return
    try:
        review_sign_minutes(
            review=review, password=password, expected_sha256=content_sha256(review.signed_content()),
            by=people[CHAIR],
        )
    except SignatureRefused as refused:
        raise RuntimeError(
            f"The demo managing director ({CHAIR}) could not sign the minutes of {review}: {refused} "
            "Was their password changed from the demo password?"
        ) from refused


def _held_on(review: ManagementReview) -> dt.date:
    """The day a review the demo has taken forward was held: it holds every one it takes forward."""
    if review.held_on is None:
        raise RuntimeError(f"The demo review {review} has not been held.")
    return review.held_on


def _decide(history: History, review: ManagementReview, decision: DemoDecision, people: dict[str, User]) -> None:
    demo = decision.action
    held_on = _held_on(review)
    output = review_decision_add(
        review=review, category=decision.category, decision=decision.decision, action_title=demo.title,
        action_owner=people[demo.owner], action_due_on=held_on + dt.timedelta(days=demo.due),
        action_description=demo.description, by=people[QUALITY],
    )
    _progress(history, output.actions.get(), demo, people, base=held_on)


def _month_ends(today: dt.date, count: int) -> list[dt.date]:
    """The last days of the ``count`` months before this one, oldest first."""
    ends, day = [], today.replace(day=1)
    for _ in range(count):
        day -= dt.timedelta(days=1)
        ends.append(day)
        day = day.replace(day=1)
    return ends[::-1]


def _objectives(history: History, people: dict[str, User]) -> None:
    """The objectives, framed by the quality policy and set by the quality manager three weeks before their first
    month; each month's figure recorded by the objective's owner on the second working day after it."""
    today = history.today
    longest = max(len(demo.values) for demo in OBJECTIVES)
    set_on = _month_ends(today, longest)[0] - dt.timedelta(days=21)
    due_on = _month_ends(add_months(today, 7), 1)[0]  # the end of the sixth month from now
    unmeasured: set[str] = set()  # objectives this run measures: those that had no measurements yet
    for demo in OBJECTIVES:
        history.on(set_on, partial(_objective, demo, people, due_on=due_on, unmeasured=unmeasured), hour=11)
        for index, (day, value) in enumerate(zip(_month_ends(today, len(demo.values)), demo.values, strict=True)):
            history.on(_working_days_after(day, 2), partial(
                _measure, demo, people, measured_on=day, value=value, note=demo.notes.get(index, ""),
                unmeasured=unmeasured,
            ), hour=9, minute=index)
        for action in demo.actions:
            _action(history, action, people, source=partial(_objective_titled, demo.title), by=QUALITY, base=today,
                    opened_from=set_on)


def _objective_titled(title: str) -> QualityObjective:
    return QualityObjective.objects.get(title=title)


def _objective(demo: DemoObjective, people: dict[str, User], *, due_on: dt.date, unmeasured: set[str]) -> None:
    objective = QualityObjective.objects.filter(title=demo.title).first()
    if objective is not None:
        if not objective.measurements.exists():
            unmeasured.add(demo.title)
        return
    policy = policy_document(POLICY_REFERENCE)
    if policy is None:
        return
    units = {unit.code: unit for unit in OrgUnit.objects.all()}
    objective_save(
        fields={
            "title": demo.title, "policy": policy, "measure": demo.measure, "unit": demo.unit,
            "target": Decimal(demo.target), "direction": demo.direction, "owner": people[demo.owner],
            "org_unit": units.get(demo.unit_code) if demo.unit_code else None, "due_on": due_on,
            "plan": demo.plan, "planned_resources": demo.resources, "evaluation_method": demo.evaluation,
        },
        by=people[QUALITY],
    )
    unmeasured.add(demo.title)


def _measure(
    demo: DemoObjective, people: dict[str, User], *, measured_on: dt.date, value: str, note: str, unmeasured: set[str]
) -> None:
    """A process owner records their own objective's figures; the quality manager records the rest."""
    objective = QualityObjective.objects.filter(title=demo.title).first()
    if objective is None or demo.title not in unmeasured:
        return
    recorder = objective.owner if objective.owner.username != QUALITY else people[QUALITY]
    measurement_record(objective=objective, measured_on=measured_on, value=value, note=note, by=recorder)


def _summary(*, today: dt.date) -> str:
    """One line: what the leadership demo holds, counted from the database."""
    policy_found = policy_document(POLICY_REFERENCE) is not None
    reviews = list(ManagementReview.objects.filter(title=REVIEW_TITLE))
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
