"""The permission-matrix rows of the management review pages (9.3), merged into the project's permission matrix.

Reviews are read by holders of ``leadership.view_leadership`` (top management, quality manager, process owner,
auditor); the quality manager alone plans and runs them (``manage_reviews``); the chair, a top manager, alone signs
the minutes. Each step answers 409 in a state that does not allow it. The reviews are built through the business
functions, with the table's top manager ``tm`` as chair and its quality manager ``qm`` running them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from leadership import reviews
from leadership.models import ManagementReview, OutputCategory
from qms_portal.access import PortalRole
from qms_portal.models import User
from qms_portal.signatures import content_sha256
from tests.core.factories import PASSWORD, UserFactory
from tests.permissions import (
    AUDITOR,
    PROCESS_OWNER,
    QUALITY_MANAGER,
    TOP_MANAGEMENT,
    Redirect,
    Row,
    only,
)

READERS = (TOP_MANAGEMENT, QUALITY_MANAGER, PROCESS_OWNER, AUDITOR)
TO_REVIEW = Redirect("leadership:review_detail")


def _people() -> tuple[User, User, User]:
    return tuple(User.objects.get(username=name) for name in ("tm", "qm", "po"))  # type: ignore[return-value]


def _planned(chair: User | None = None) -> ManagementReview:
    tm, qm, po = _people()
    return reviews.review_plan(
        title="Management review",
        planned_on=timezone.localdate() - dt.timedelta(days=1),
        chair=chair or tm,
        attendees=[qm, po],
        recurrence_months=6,
        by=qm,
    )


def _held(*, noted: bool = True, chair: User | None = None) -> ManagementReview:
    review = _planned(chair)
    qm = User.objects.get(username="qm")
    reviews.review_hold(review=review, held_on=review.planned_on, by=qm)
    if noted:
        for row in review.inputs.all():
            reviews.review_input_save(review_input=row, notes=f"Covered {row.code}.", by=qm)
    reviews.review_decision_add(
        review=review, category=OutputCategory.RESOURCES, decision="Hire a metrology technician.", by=qm
    )
    return review


def _closed(chair: User | None = None) -> ManagementReview:
    review = _held(chair=chair)
    return reviews.review_close(review=review, by=User.objects.get(username="qm"))


def _signed() -> ManagementReview:
    review = _closed()
    tm = User.objects.get(username="tm")
    return reviews.review_sign_minutes(
        review=review,
        password=PASSWORD,
        expected_sha256=content_sha256(review.signed_content()),
        by=tm,
    )


def a_planned_review() -> dict:
    return {"pk": _planned().pk}


def a_held_review() -> dict:
    """Held, every input noted and one decision recorded: ready to close."""
    return {"pk": _held().pk}


def a_held_review_with_inputs_unaddressed() -> dict:
    return {"pk": _held(noted=False).pk}


def a_closed_review() -> dict:
    """Closed, its minutes waiting for the signature of the chair, the table's top manager."""
    return {"pk": _closed().pk}


def a_closed_review_chaired_by_someone_else() -> dict:
    return {"pk": _closed(chair=UserFactory(roles=[PortalRole.TOP_MANAGEMENT])).pk}


def a_signed_review() -> dict:
    return {"pk": _signed().pk}


def reviews_in_every_state() -> dict:
    _planned()
    _held()
    _closed()
    _signed()
    return {}


def _input(prepare: Callable[[], dict]) -> Callable[[], dict]:
    return lambda: {**prepare(), "code": "c2"}


ROWS: dict[str, Row] = {
    "leadership:review_list": Row(get=only(*READERS), post=only(*READERS, answer=405), prepare=reviews_in_every_state),
    "leadership:review_create": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER)),
    "leadership:review_detail": Row(get=only(*READERS), post=only(*READERS, answer=405), prepare=a_planned_review),
    "leadership:review_edit": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_planned_review),
    # Notes may be emptied before the review closes: an empty POST is a valid answer.
    "leadership:review_input_edit": Row(
        get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER, answer=TO_REVIEW), prepare=_input(a_planned_review)
    ),
    # Attendance is not yet recorded: an empty POST records every invitee absent, which is a valid answer.
    "leadership:review_attendance": Row(
        get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER, answer=TO_REVIEW), prepare=a_held_review
    ),
    "leadership:review_hold": Row(get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_planned_review),
    "leadership:review_decision_create": Row(
        get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=a_held_review
    ),
    "leadership:review_close": Row(
        get=only(QUALITY_MANAGER, answer=405), post=only(QUALITY_MANAGER, answer=TO_REVIEW), prepare=a_held_review
    ),
    # Only the chair signs: the table's top manager chairs this one; an empty POST is an invalid form.
    "leadership:review_sign": Row(get=only(TOP_MANAGEMENT), post=only(TOP_MANAGEMENT), prepare=a_closed_review),
    "leadership:review_ics": Row(get=only(*READERS), post=only(*READERS, answer=405), prepare=a_planned_review),
    "leadership:review_minutes_pdf": Row(
        get=only(*READERS), post=only(*READERS, answer=405), prepare=a_signed_review
    ),
}

OTHER_STATES: dict[tuple[str, str], Row] = {
    # The review's page in each state it can be in.
    ("leadership:review_detail", "held"): Row(
        get=only(*READERS), post=only(*READERS, answer=405), prepare=a_held_review
    ),
    ("leadership:review_detail", "closed"): Row(
        get=only(*READERS), post=only(*READERS, answer=405), prepare=a_closed_review
    ),
    ("leadership:review_detail", "signed"): Row(
        get=only(*READERS), post=only(*READERS, answer=405), prepare=a_signed_review
    ),
    ("leadership:review_ics", "signed"): Row(
        get=only(*READERS), post=only(*READERS, answer=405), prepare=a_signed_review
    ),
    # A held review has minutes, signed or not; a planned one has none.
    ("leadership:review_minutes_pdf", "held"): Row(
        get=only(*READERS), post=only(*READERS, answer=405), prepare=a_held_review
    ),
    ("leadership:review_minutes_pdf", "planned"): Row(
        get=only(*READERS, answer=404), post=only(*READERS, answer=405), prepare=a_planned_review
    ),
    # The plan changes only while planned.
    ("leadership:review_edit", "held"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=a_held_review
    ),
    # Notes are written while planned or held (once held, emptying notes already written lacks the reason for the
    # change: the form is shown again); not once closed, never once signed.
    ("leadership:review_input_edit", "held"): Row(
        get=only(QUALITY_MANAGER), post=only(QUALITY_MANAGER), prepare=_input(a_held_review)
    ),
    ("leadership:review_input_edit", "closed"): Row(
        get=only(QUALITY_MANAGER, answer=409),
        post=only(QUALITY_MANAGER, answer=409),
        prepare=_input(a_closed_review),
    ),
    ("leadership:review_input_edit", "signed"): Row(
        get=only(QUALITY_MANAGER, answer=409),
        post=only(QUALITY_MANAGER, answer=409),
        prepare=_input(a_signed_review),
    ),
    ("leadership:review_attendance", "planned"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=a_planned_review
    ),
    ("leadership:review_attendance", "signed"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=a_signed_review
    ),
    ("leadership:review_hold", "held"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=a_held_review
    ),
    ("leadership:review_decision_create", "planned"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=a_planned_review
    ),
    ("leadership:review_decision_create", "closed"): Row(
        get=only(QUALITY_MANAGER, answer=409), post=only(QUALITY_MANAGER, answer=409), prepare=a_closed_review
    ),
    ("leadership:review_close", "planned"): Row(
        get=only(QUALITY_MANAGER, answer=405), post=only(QUALITY_MANAGER, answer=409), prepare=a_planned_review
    ),
    # Closing is refused while an input has no notes: the page lists them.
    ("leadership:review_close", "inputs_unaddressed"): Row(
        get=only(QUALITY_MANAGER, answer=405),
        post=only(QUALITY_MANAGER, answer=409),
        prepare=a_held_review_with_inputs_unaddressed,
    ),
    ("leadership:review_close", "signed"): Row(
        get=only(QUALITY_MANAGER, answer=405), post=only(QUALITY_MANAGER, answer=409), prepare=a_signed_review
    ),
    ("leadership:review_sign", "held"): Row(
        get=only(TOP_MANAGEMENT, answer=409), post=only(TOP_MANAGEMENT, answer=409), prepare=a_held_review
    ),
    ("leadership:review_sign", "signed"): Row(
        get=only(TOP_MANAGEMENT, answer=409), post=only(TOP_MANAGEMENT, answer=409), prepare=a_signed_review
    ),
    # A top manager who is not the review's chair may not sign it.
    ("leadership:review_sign", "chaired_by_another"): Row(
        get=only(TOP_MANAGEMENT, answer=403),
        post=only(TOP_MANAGEMENT, answer=403),
        prepare=a_closed_review_chaired_by_someone_else,
    ),
}
