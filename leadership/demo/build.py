"""Building the leadership demo from its data, through the business functions people use, each step acting
as the demo person who would take it; every step is idempotent."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
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
    REVIEW_TITLE,
)
from leadership.demo.data_reviews import (
    COMMITMENT_ACTIONS,
    DONE,
    OBJECTIVES,
    OTHER_ACTIONS,
    REVIEWS,
    DemoAction,
    DemoDecision,
    DemoReview,
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
from policy.selectors import policy_document
from qms_portal.models import OrgUnit, User
from qms_portal.signatures import SignatureRefused, content_sha256


def seed_leadership_demo(*, password: str) -> str:
    """Build (or complete) the demo commitments, evidence, reviews, actions and objectives.

    ``password`` is the demo log-ins' password: the managing director signs the minutes with it.
    """
    today = timezone.localdate()
    people = {person.username: person for person in User.objects.filter(username__in=_usernames())}
    commitments = _commitments(people)
    reviews = _reviews(people, commitments, password=password, today=today)
    _evidence(people, commitments, today=today)
    for code, demos in COMMITMENT_ACTIONS.items():
        for demo in demos:
            _action(demo, people, source=commitments[code], by=people[HELEN], base=today, today=today)
    for demo in OTHER_ACTIONS:
        _action(demo, people, source=None, by=people[QUALITY], base=today, today=today)
    policy = policy_document(POLICY_REFERENCE)
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


def _evidence(people: dict[str, User], commitments: dict[str, Commitment], *, today: dt.date) -> None:
    for demo in EVIDENCE:
        day = _working_day(today - dt.timedelta(days=demo.days_ago), forward=False)
        _record(people, commitments, day=day, leader=demo.leader, kind=demo.kind, codes=demo.codes,
                summary=demo.summary, attachment=demo.attachment, recorded_by=demo.recorded_by or demo.leader)


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
    demo: DemoAction,
    people: dict[str, User],
    *,
    source: Commitment | QualityObjective | None,
    by: User,
    base: dt.date,
    today: dt.date,
) -> None:
    """Create the action and play its progress, unless an action with its title already exists."""
    if Action.objects.filter(title=demo.title).exists():
        return
    action = action_create(
        title=demo.title, owner=people[demo.owner], due_on=base + dt.timedelta(days=demo.due),
        description=demo.description, source=source, by=by,
    )
    _progress(action, demo, people, base=base, today=today)


def _progress(action: Action, demo: DemoAction, people: dict[str, User], *, base: dt.date, today: dt.date) -> None:
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
    people: dict[str, User], commitments: dict[str, Commitment], *, password: str, today: dt.date
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
            _record(people, commitments, day=_held_on(review), leader=leader, kind=EvidenceKind.REVIEW_PARTICIPATION,
                    codes=codes, summary=summary, attachment=None, recorded_by=QUALITY)
        review = ManagementReview.objects.filter(proposed_from=review).first()
        if review is None:
            break
        chain.append(review)
    return chain


def _take_forward(
    review: ManagementReview, demo: DemoReview, people: dict[str, User], *, password: str, today: dt.date
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
                review=review, password=password, expected_sha256=content_sha256(review.signed_content()), by=chair
            )
        except SignatureRefused as refused:
            raise RuntimeError(
                f"The demo managing director ({CHAIR}) could not sign the minutes of {review}: {refused} "
                "Was their password changed from the demo password?"
            ) from refused
    return ManagementReview.objects.get(pk=review.pk)


def _held_on(review: ManagementReview) -> dt.date:
    """The day a review the demo has taken forward was held: it holds every one it takes forward."""
    if review.held_on is None:
        raise RuntimeError(f"The demo review {review} has not been held.")
    return review.held_on


def _decide(review: ManagementReview, decision: DemoDecision, people: dict[str, User]) -> None:
    demo = decision.action
    held_on = _held_on(review)
    output = review_decision_add(
        review=review, category=decision.category, decision=decision.decision, action_title=demo.title,
        action_owner=people[demo.owner], action_due_on=held_on + dt.timedelta(days=demo.due),
        action_description=demo.description, by=people[QUALITY],
    )
    _progress(output.actions.get(), demo, people, base=held_on, today=timezone.localdate())


def _month_ends(today: dt.date, count: int) -> list[dt.date]:
    """The last days of the ``count`` months before this one, oldest first."""
    ends, day = [], today.replace(day=1)
    for _ in range(count):
        day -= dt.timedelta(days=1)
        ends.append(day)
        day = day.replace(day=1)
    return ends[::-1]


def _objectives(people: dict[str, User], policy: Model, *, today: dt.date) -> None:
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
