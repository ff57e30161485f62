"""Building the policy demo from its texts, through the workflow functions people use; every step is idempotent."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import suppress
from functools import partial

from django.core.exceptions import ValidationError
from django.utils import timezone

from policy import periodic_review
from policy.acknowledgements import acknowledgement_record, acknowledgements_record_bulk, campaign_audience
from policy.demo.data import (
    AUTHOR,
    DRAFTED_BEFORE,
    ENVIRONMENTAL_DRAFTED_DAYS_AGO,
    ENVIRONMENTAL_POLICY_DRAFT,
    ENVIRONMENTAL_POLICY_PASSAGES,
    ENVIRONMENTAL_SUBMITTED_DAYS_AGO,
    PENDING_EVERY,
    QUALITY_POLICY,
    SIGNED_BEFORE,
    SIGNER,
    SUBMITTED_BEFORE,
    SUPERSEDED_PENDING_EVERY,
    DemoReview,
    DemoVersion,
)
from policy.models import (
    Acknowledgement,
    PolicyDocument,
    PolicyKind,
    PolicyReview,
    PolicyVersion,
    ReviewOutcome,
    VersionStatus,
)
from policy.workflow import (
    document_create,
    version_approve,
    version_create_draft,
    version_edit,
    version_publish,
    version_submit,
)
from qms_portal.audit import audit_context
from qms_portal.demo import History
from qms_portal.models import User
from qms_portal.signatures import SignatureRefused, content_sha256


def seed_policy_demo(*, password: str, history: History) -> None:
    """Plan the demo policies on ``history``: each QP-01 version drafted, submitted, signed by the managing director
    on its own day and published, then acknowledged over the following weeks; EP-01 drafted lately and submitted a
    few days ago, waiting for the managing director's signature.
    ``password`` is the demo top manager's, for signing."""
    for number, demo in enumerate(QUALITY_POLICY, start=1):
        published_on = _working_day(history.today - dt.timedelta(days=demo.published_days_ago))
        is_last = number == len(QUALITY_POLICY)
        steps: list[tuple[int, Callable[..., PolicyVersion | None]]] = [
            (DRAFTED_BEFORE, _draft), (SUBMITTED_BEFORE, _submit), (SIGNED_BEFORE, _sign), (0, _publish),
        ]
        for days_before, step in steps:
            history.on(
                _working_day(published_on - dt.timedelta(days=days_before)),
                partial(step, number=number, demo=demo, password=password, history=history, is_last=is_last),
                hour=11,
            )
        for review in demo.reviews:
            history.on(
                _working_day(published_on + dt.timedelta(days=review.after_days)),
                partial(_periodic_review, number=number, review=review, password=password),
                hour=15,
            )
    history.on(history.today - dt.timedelta(days=ENVIRONMENTAL_DRAFTED_DAYS_AGO), _environmental_policy)
    history.on(_working_day(history.today - dt.timedelta(days=ENVIRONMENTAL_SUBMITTED_DAYS_AGO)),
               _environmental_policy_submit, hour=16)
    history.summary(_summary)


def _working_day(day: dt.date) -> dt.date:
    """``day``, or the Monday after when it falls on a weekend."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _summary() -> str:
    current = PolicyVersion.objects.filter(document__reference="QP-01", status=VersionStatus.PUBLISHED).first()
    if current is None or not hasattr(current, "campaign"):
        return "Quality policy QP-01 is not published."
    audience = campaign_audience(current.campaign).count()
    done = current.acknowledgements.count()
    return f"Quality policy QP-01 v{current.number} published; {done} of {audience} staff acknowledged it."


def _version(number: int) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(document__reference="QP-01", number=number).first()


def _draft(*, number: int, demo: DemoVersion, **_: object) -> None:
    """The quality manager drafts version ``number``, unless it exists or someone has a version of their own under
    way (the policy is then left to them)."""
    author = User.objects.get(username=AUTHOR)
    document = PolicyDocument.objects.filter(reference="QP-01").first()
    version = _version(number)
    if version is None:
        if document is None:
            version = document_create(
                title="Quality Policy", reference="QP-01", kind=PolicyKind.QUALITY, body=demo.body,
                change_summary=demo.change_summary, by=author,
            )
        elif document.versions.filter(
            status__in=(VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED)
        ).exists() or document.versions.filter(number__gt=number).exists():
            return
        else:
            version = version_create_draft(document=document, by=author)
    if version.status == VersionStatus.DRAFT and (version.body, version.change_summary, version.checklist) != (
        demo.body, demo.change_summary, demo.checklist()
    ):
        version_edit(version=version, body=demo.body, change_summary=demo.change_summary,
                     checklist=demo.checklist(), by=author)


def _submit(*, number: int, **_: object) -> None:
    version = _version(number)
    if version is not None and version.status == VersionStatus.DRAFT:
        version_submit(version=version, by=User.objects.get(username=AUTHOR))


def _sign(*, number: int, password: str, **_: object) -> None:
    version = _version(number)
    if version is None or version.status != VersionStatus.IN_REVIEW:
        return
    try:
        version_approve(
            version=version,
            password=password,
            expected_sha256=content_sha256(version.signed_content()),
            by=User.objects.get(username=SIGNER),
        )
    except SignatureRefused as refused:
        raise RuntimeError(
            f"The demo managing director ({SIGNER}) could not sign {version}: {refused} "
            "Was their password changed from the demo password?"
        ) from refused


def _publish(*, number: int, demo: DemoVersion, history: History, is_last: bool, **_: object) -> None:
    """Publish the signed version (open to interested parties) and plan its acknowledgements."""
    author = User.objects.get(username=AUTHOR)
    version = _version(number)
    if version is None:
        return
    if version.status == VersionStatus.APPROVED:
        version = version_publish(
            version=version,
            due_on=timezone.localdate() + dt.timedelta(days=demo.campaign_days),
            question=demo.question,
            choices=demo.choices,
            correct_choice=demo.correct_choice,
            reason=demo.supersede_reason,
            by=author,
        )
        if not version.document.is_public:
            version.document.is_public = True
            with audit_context(actor=author):
                version.document.save()
    following = QUALITY_POLICY[number].published_days_ago if not is_last else 0
    _acknowledge(version, history=history, pending_every=PENDING_EVERY if is_last else SUPERSEDED_PENDING_EVERY,
                 until=history.today - dt.timedelta(days=following + 1))


def _acknowledge(version: PolicyVersion, *, history: History, pending_every: int, until: dt.date) -> None:
    """While ``version`` is published, have its audience acknowledge it over the weeks of its campaign (by
    ``until``), but for every ``pending_every``-th person by user name (an order that stays the same when people
    are added or removed by hand)."""
    if version.status != VersionStatus.PUBLISHED or not hasattr(version, "campaign"):
        return
    if history.scale.is_large:
        acknowledge_in_bulk(version, history=history, pending_every=pending_every, until=until)
        return
    # As the campaign opened (a second run, at the present, leaves out who joined since); who stays pending is chosen
    # by person, so that a second run chooses the same people whoever left since.
    audience = list(campaign_audience(version.campaign, as_of=version.published_at).order_by("username"))
    already = set(Acknowledgement.objects.filter(version=version).values_list("person_id", flat=True))
    answer = version.campaign.correct_choice if version.campaign.question else None
    demo = QUALITY_POLICY[version.number - 1]
    opened = timezone.localdate()
    span = max(1, min((version.campaign.due_on - opened).days, (until - opened).days))
    for index, person in enumerate(audience):
        if index % pending_every == pending_every - 1 or person.pk in already:
            continue
        # Most within the first fortnight, the rest spread to the campaign's end.
        days = 1 + (index * 3 % 14 if index % 3 else index * 7 % span)
        history.on(opened + dt.timedelta(days=min(days, span)),
                   partial(_acknowledge_one, version=version, person=person, answer=answer,
                           wrong_first=bool(demo.wrong_first_every) and index % demo.wrong_first_every == 1),
                   hour=8 + index % 9, minute=index * 13 % 60)


LARGE_REASON = "Demo data: the large organisation's acknowledgements"


def acknowledge_in_bulk(version: PolicyVersion, *, history: History, pending_every: int, until: dt.date) -> None:
    """The large organisation's campaign for ``version``: its audience, but for one in ``pending_every`` people (by
    their id), acknowledges it over the campaign's first fortnight (by ``until``), a day's acknowledgements
    recorded together (``acknowledgements_record_bulk``) at that day's moment."""
    # As the campaign opened (a second run, at the present, leaves out who joined since); who stays pending is chosen
    # by person, so that a second run chooses the same people whoever left since.
    audience = list(campaign_audience(version.campaign, as_of=version.published_at).order_by("username"))
    answer = version.campaign.correct_choice if version.campaign.question else None
    opened = timezone.localdate()
    span = max(1, min(14, (version.campaign.due_on - opened).days, (until - opened).days))
    days: dict[int, list[User]] = {}
    for index, person in enumerate(audience):
        if person.pk % pending_every != pending_every - 1:
            days.setdefault(1 + index % span, []).append(person)
    for day, people in sorted(days.items()):
        history.on(opened + dt.timedelta(days=day),
                   partial(_acknowledge_day, version=version, people=people, answer=answer),
                   hour=8 + day % 9, stage="policy acknowledgements")


def _acknowledge_day(*, version: PolicyVersion, people: list[User], answer: int | None) -> None:
    """A day's acknowledgements of ``version``, while it is still the published one (a database completed at the
    present time publishes the next version first)."""
    version = PolicyVersion.objects.get(pk=version.pk)
    if version.status == VersionStatus.PUBLISHED:
        # Those who left since the campaign opened are no longer asked (the large organisation's turnover).
        asked = set(campaign_audience(version.campaign).filter(pk__in=[person.pk for person in people])
                    .values_list("pk", flat=True))
        acknowledgements_record_bulk(version=version, people=[person for person in people if person.pk in asked],
                                     answer=answer, reason=LARGE_REASON)


def _acknowledge_one(*, version: PolicyVersion, person: User, answer: int | None, wrong_first: bool) -> None:
    """``person`` acknowledges ``version``, answering its question (wrongly once first, when ``wrong_first``: the
    wrong answer is kept as an attempt and refused)."""
    version = PolicyVersion.objects.get(pk=version.pk)
    if version.status != VersionStatus.PUBLISHED or Acknowledgement.objects.filter(
        version=version, person=person
    ).exists():
        return
    if wrong_first and answer is not None:
        # The wrong answer is kept and refused, as on the page; the person reads again and answers right.
        with suppress(ValidationError):
            acknowledgement_record(version=version, person=person, answer=(answer + 1) % len(version.campaign.choices))
    acknowledgement_record(version=version, person=person, answer=answer)


def _periodic_review(*, number: int, review: DemoReview, password: str) -> None:
    """The managing director's periodic review of version ``number`` while it is in force; "still suitable" is
    signed, which sets the version's next review date."""
    version = _version(number)
    if version is None or version.status != VersionStatus.PUBLISHED or PolicyReview.objects.filter(
        version=version, outcome=review.outcome
    ).exists():
        return
    signer = User.objects.get(username=SIGNER)
    next_on = timezone.localdate() + dt.timedelta(days=review.next_in_days) if review.next_in_days else None
    recorded = periodic_review.review_record(
        version=version, outcome=review.outcome, next_review_on=next_on, comment=review.comment, by=signer
    )
    if recorded.outcome == ReviewOutcome.STILL_SUITABLE:
        periodic_review.review_sign(
            review=recorded, password=password, expected_sha256=content_sha256(recorded.signed_content()), by=signer
        )


def _environmental_policy() -> None:
    author = User.objects.get(username=AUTHOR)
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


def _environmental_policy_submit() -> None:
    """The quality manager confirms the 5.2.1 checklist of the EP-01 draft and submits it; it waits for the
    managing director's signature (and, from two days on, reminds her of it)."""
    author = User.objects.get(username=AUTHOR)
    version = PolicyVersion.objects.filter(document__reference="EP-01", number=1, status=VersionStatus.DRAFT).first()
    if version is None:
        return
    checklist = {
        item: {"confirmed": True, "passage": passage} for item, passage in ENVIRONMENTAL_POLICY_PASSAGES.items()
    }
    if version.checklist != checklist:
        version = version_edit(version=version, body=version.body, change_summary=version.change_summary,
                               checklist=checklist, by=author)
    version_submit(version=version, by=author)
