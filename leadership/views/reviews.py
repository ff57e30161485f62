"""Management reviews (9.3): the list, planning, the review's page with its 9.3.2 agenda and live figures, notes
written in place, attendance, holding, decisions with their actions, closing, the chair's signature on the minutes,
and the calendar file.

Each view checks access, parses a form and calls one function of ``leadership/reviews.py``; refusals come back as
403 (who), 409 (the review's state: ``StepRefused``, answered by the access middleware) or the form again with its
errors.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

from leadership import ics, reviews
from leadership.access import LeadershipCapability
from leadership.forms.common import add_errors
from leadership.forms.reviews import (
    AttendanceForm,
    DecisionForm,
    HoldForm,
    InputNotesForm,
    ReviewForm,
)
from leadership.models import (
    InputCode,
    ManagementReview,
    ReviewInput,
    ReviewStatus,
)
from leadership.reminders import REVIEW_RECORD, reminders_sent
from leadership.review_inputs import figures_text, live_figures
from leadership.review_minutes import minutes_pdf
from leadership.selectors import REVIEW_STATES, review_agenda, review_decisions, review_state, reviews_with_figures
from qms_portal.access import Capability, requires, user_can
from qms_portal.forms import SignatureForm, posted
from qms_portal.http import SignedInRequest
from qms_portal.models import User
from qms_portal.pagination import paginate, querystring_without_page
from qms_portal.pdf import pdf_response
from qms_portal.presentation import day as _day
from qms_portal.signatures import content_sha256, signing_locked_until

VIEW = LeadershipCapability.VIEW
MANAGE = LeadershipCapability.MANAGE_REVIEWS
SIGN = LeadershipCapability.SIGN_MINUTES

UPCOMING_SHOWN = 5


def _review_url(review: ManagementReview, anchor: str = "") -> str:
    return reverse("leadership:review_detail", args=[review.pk]) + (f"#{anchor}" if anchor else "")


def _review(pk: int) -> ManagementReview:
    return get_object_or_404(ManagementReview.objects.select_related("chair"), pk=pk)


def _mark_states(rows: list[ManagementReview]) -> list[ManagementReview]:
    for review in rows:
        review.state = review_state(review)
    return rows


# --- The list --------------------------------------------------------------------------------------------------
@requires(VIEW)
@require_safe
def review_list(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    state = request.GET.get("state", "")
    if state not in REVIEW_STATES:
        state = ""
    if state:
        shown = ManagementReview.objects.filter(REVIEW_STATES[state][1])
        # Planned reviews soonest first; the others most recently held first.
        shown = shown.order_by("planned_on", "pk") if state == "planned" else shown.order_by("-held_on", "-pk")
        upcoming, upcoming_more = [], 0
    else:
        shown = ManagementReview.objects.exclude(status=ReviewStatus.PLANNED).order_by("-held_on", "-pk")
        planned = ManagementReview.objects.filter(status=ReviewStatus.PLANNED).order_by("planned_on", "pk")
        upcoming = list(reviews_with_figures(planned, today=today)[: UPCOMING_SHOWN + 1])
        upcoming_more = len(upcoming) > UPCOMING_SHOWN
        upcoming = _mark_states(upcoming[:UPCOMING_SHOWN])
    page = paginate(request, reviews_with_figures(shown, today=today))
    _mark_states(page.object_list)
    review_count = ManagementReview.objects.count()
    # The count under the list counts what it lists; when the list is a part of all reviews, it says so and gives both.
    section = REVIEW_STATES[state][0].lower() if state else "held and past"
    count_label = (
        "in all" if page.paginator.count == review_count
        else f"{section} · {review_count} review{pluralize(review_count)} in all"
    )
    return render(request, "leadership/review_list.html", {
        "page": page,
        "upcoming": upcoming,
        "upcoming_more": upcoming_more,
        "state": state,
        "states": [(key, label) for key, (label, _) in REVIEW_STATES.items()],
        "state_label": REVIEW_STATES[state][0] if state else "",
        "querystring": querystring_without_page(request),
        "any_review": review_count > 0,
        "count_label": count_label,
        "today": today,
        "total": len(InputCode.values),
    })


# --- Planning ---------------------------------------------------------------------------------------------------
class _PlanFields(TypedDict):
    """What planning or changing a review takes from its form, named as the services take it."""

    title: str
    planned_on: dt.date
    chair: User
    attendees: list[User]
    recurrence_months: int | None
    meeting: reviews.Meeting


def _plan_fields(form: ReviewForm) -> _PlanFields:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "planned_on": data["planned_on"],
        "chair": data["chair"],
        "attendees": list(data["attendees"]),
        "recurrence_months": data["recurrence_months"],
        "meeting": reviews.Meeting(data["starts_at"], data["duration_minutes"], data["place"]),
    }


@requires(MANAGE)
def review_create(request: SignedInRequest) -> HttpResponse:
    form = ReviewForm(posted(request), suggested=reviews.suggested_review_date(today=timezone.localdate()))
    if request.method == "POST" and form.is_valid():
        try:
            review = reviews.review_plan(**_plan_fields(form), by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"“{review.title}” is planned for {_day(review.planned_on)}. Its agenda holds every 9.3.2 input: "
                "write notes as you prepare.",
            )
            return redirect(_review_url(review))
    return render(request, "leadership/review_form.html", {"form": form, "review": None})


@requires(MANAGE)
def review_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    reviews.step_check(review, "reschedule")
    form = ReviewForm(posted(request), initial=ReviewForm.data_of(review))
    if request.method == "POST" and form.is_valid():
        try:
            review = reviews.review_update(review=review, **_plan_fields(form), by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{review.title}” is saved.")
            return redirect(_review_url(review))
    return render(request, "leadership/review_form.html", {"form": form, "review": review})


# --- The review's page ------------------------------------------------------------------------------------------
def _detail_context(request: SignedInRequest, review: ManagementReview) -> dict[str, Any]:
    inputs = review_agenda(review, user=request.user)
    categories, other_actions = review_decisions(review)
    attendance = list(review.attendance.select_related("person").order_by("person__full_name", "person__username"))
    steps = reviews.steps_allowed(review, request.user)
    return {
        "review": review,
        "state": review_state(review),
        "inputs": inputs,
        "addressed": sum(1 for row in inputs if row.notes.strip()),
        "categories": categories,
        "decision_count": sum(len(category.outputs) for category in categories),
        "other_actions": other_actions,
        "attendance": attendance,
        "attended": sum(1 for row in attendance if row.attended),
        "attendance_recorded": any(row.attended is not None for row in attendance),
        "steps": steps,
        "can_edit_inputs": "note_input" in steps,
        "today": timezone.localdate(),
        "reminders": reminders_sent(REVIEW_RECORD, review.pk),
    }


@requires(VIEW)
@require_safe
def review_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        ManagementReview.objects.select_related("chair", "minutes_signature", "proposed_from", "next_review"), pk=pk
    )
    return render(request, "leadership/review_detail.html", _detail_context(request, review))


# --- Input notes, in place with htmx or on a page of their own ---------------------------------------------------
def _input_block(request: SignedInRequest, review: ManagementReview, review_input: ReviewInput) -> HttpResponse:
    """The input's block as the review page shows it, and the count of addressed inputs out of band."""
    review_input.figures = live_figures(review, user=request.user).get(review_input.code, [])
    return render(request, "leadership/_review_input_saved.html", {
        "review": review,
        "row": review_input,
        "can_edit_inputs": "note_input" in reviews.steps_allowed(review, request.user),
        "addressed": review.inputs.exclude(notes="").count(),
        "total": len(InputCode.values),
    })


@requires(MANAGE)
def review_input_edit(request: SignedInRequest, pk: int, code: str) -> HttpResponse:
    review = _review(pk)
    review_input = get_object_or_404(ReviewInput, review=review, code=code)
    reviews.step_check(review, "note_input")
    needs_reason = reviews.changes_need_reason(review, already_recorded=bool(review_input.notes))
    if request.method == "POST":
        form = InputNotesForm(request.POST, needs_reason=needs_reason)
        if form.is_valid():
            review_input = reviews.review_input_save(
                review_input=review_input, notes=form.cleaned_data["notes"], by=request.user,
                reason=form.stated_reason,
            )
            if request.htmx:
                return _input_block(request, review, review_input)
            messages.success(request, f"The notes on {review_input.code}) {review_input.get_code_display()} are saved.")
            return redirect(_review_url(review, f"input-{review_input.code}"))
    elif request.htmx and request.GET.get("view") == "block":
        # The editor's cancel button: the block as it was.
        return _input_block(request, review, review_input)
    figures = live_figures(review, user=request.user).get(review_input.code, [])
    review_input.figures = figures
    if request.method != "POST":
        form = InputNotesForm(initial={"notes": review_input.notes or figures_text(figures)}, needs_reason=needs_reason)
    context = {
        "review": review,
        "row": review_input,
        "form": form,
        "prefilled": not review_input.notes and bool(form.initial.get("notes")),
    }
    if request.htmx:
        return render(request, "leadership/_review_input_form.html", context)
    return render(request, "leadership/review_input_edit.html", context)


# --- Holding, attendance and decisions ---------------------------------------------------------------------------
@requires(MANAGE)
def review_hold(request: SignedInRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    reviews.step_check(review, "hold")
    form = HoldForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            review = reviews.review_hold(review=review, held_on=form.cleaned_data["held_on"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            held = f"“{review.title}” is marked held on {_day(review.held_on)}. Record who attended and the decisions."
            next_review = ManagementReview.objects.filter(proposed_from=review).first()
            if next_review is not None:
                messages.success(request, format_html(
                    '{} The next review was proposed for <a href="{}">{}</a>.',
                    held, _review_url(next_review), _day(next_review.planned_on),
                ))
            else:
                messages.success(request, held)
            return redirect(_review_url(review))
    next_on = reviews.next_in_cycle(review)
    return render(request, "leadership/review_hold.html", {"review": review, "form": form, "next_on": next_on})


@requires(MANAGE)
def review_attendance(request: SignedInRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    reviews.step_check(review, "record_attendance")
    rows = list(review.attendance.select_related("person").order_by("person__full_name", "person__username"))
    recorded = any(row.attended is not None for row in rows)
    form = AttendanceForm(
        posted(request), rows=rows, needs_reason=reviews.changes_need_reason(review, already_recorded=recorded)
    )
    if request.method == "POST" and form.is_valid():
        present = set(form.cleaned_data["attended"])
        for row in rows:
            if row.attended is None or row.attended != (row.person_id in present):
                reviews.review_attendance_record(
                    review=review, person=row.person, attended=row.person_id in present, by=request.user,
                    reason=form.stated_reason,
                )
        messages.success(request, f"Attendance is recorded: {len(present)} of {len(rows)} invited attended.")
        return redirect(_review_url(review, "attendance"))
    return render(request, "leadership/review_attendance.html", {"review": review, "form": form, "rows": rows})


@requires(MANAGE)
def review_decision_create(request: SignedInRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    reviews.step_check(review, "decide")
    form = DecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            output = reviews.review_decision_add(
                review=review,
                category=data["category"],
                decision=data["decision"],
                action_title=data["action_title"],
                action_owner=data["action_owner"],
                action_due_on=data["action_due_on"],
                action_description=data["action_description"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error, DecisionForm.ACTION_FIELDS)
        else:
            started = output.actions.select_related("owner").first()
            if started is not None:
                messages.success(
                    request,
                    f"The decision is recorded, and the action “{started.title}” is given to {started.owner}, "
                    f"due {_day(started.due_on)}.",
                )
            else:
                messages.success(request, "The decision is recorded.")
            if "another" in request.POST:
                return redirect("leadership:review_decision_create", pk=review.pk)
            return redirect(_review_url(review, "decisions"))
    return render(request, "leadership/review_decision_form.html", {"review": review, "form": form})


# --- Closing and signing ----------------------------------------------------------------------------------------
@require_POST
@requires(MANAGE)
def review_close(request: SignedInRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    review = reviews.review_close(review=review, by=request.user)
    messages.success(
        request,
        f"“{review.title}” is closed. Its chair, {review.chair}, can now read and sign the minutes.",
    )
    return redirect(_review_url(review))


@requires(SIGN)
def review_sign(request: SignedInRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    if review.chair_id != request.user.pk:
        raise PermissionDenied(f"Only the chair of this review, {review.chair}, signs its minutes.")
    reviews.step_check(review, "sign")
    content = review.signed_content()
    form = SignatureForm(posted(request), content=content, signer=request.user)
    signed = form.sign_with(lambda password, shown_sha256: reviews.review_sign_minutes(
        review=review, password=password, expected_sha256=shown_sha256, by=request.user
    ))
    if signed is not None:
        messages.success(request, f"You signed the minutes of “{signed.title}”. They can no longer change.")
        return redirect(_review_url(signed))
    people = {row.person_id: row.person for row in review.attendance.select_related("person")}
    people.setdefault(review.chair_id, review.chair)
    return render(request, "leadership/review_sign.html", {
        "review": review,
        "form": form,
        "content": content,
        "sha256": content_sha256(content),
        "people": sorted(people.items()),
        "locked_until": signing_locked_until(request.user),
    })


# --- The calendar file ------------------------------------------------------------------------------------------
@requires(VIEW)
@require_safe
def review_ics(request: SignedInRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    # E-mail addresses show only to those who manage people (issue 10, item 14), in the calendar file too.
    with_emails = user_can(request.user, Capability.MANAGE_PEOPLE)
    response = HttpResponse(
        ics.review_ics(review, with_emails=with_emails), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="management-review-{review.planned_on.isoformat()}.ics"'
    return response


# --- The minutes as a PDF ---------------------------------------------------------------------------------------
@requires(VIEW)
@require_safe
def review_minutes_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    """The minutes of a held review as a PDF (the review's part of the evidence pack); a planned one has none."""
    review = get_object_or_404(ManagementReview.objects.exclude(status=ReviewStatus.PLANNED), pk=pk)
    return pdf_response(minutes_pdf(review), filename=f"management-review-{review.named_on.isoformat()}-minutes.pdf")
