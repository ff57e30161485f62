"""Management reviews (9.3): the list, planning, the review's page with its 9.3.2 agenda and live figures, notes
written in place, attendance, holding, decisions with their actions, closing, the chair's signature on the minutes,
and the calendar file.

Each view checks access, parses a form and calls one function of ``leadership/reviews.py``; refusals come back as
403 (who), 409 (the review's state: ``StepRefused``, answered by the access middleware) or the form again with its
errors.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
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
    Action,
    InputCode,
    ManagementReview,
    OutputCategory,
    ReviewAttendance,
    ReviewInput,
    ReviewStatus,
)
from leadership.models.actions import ACTIVE_STATUSES, overdue_q
from leadership.review_inputs import figures_text, live_figures
from qms_portal.access import requires
from qms_portal.forms import SignatureForm, posted
from qms_portal.pagination import paginate, querystring_without_page
from qms_portal.presentation import day as _day
from qms_portal.signatures import SignatureRefused, content_sha256, signing_locked_until

VIEW = LeadershipCapability.VIEW
MANAGE = LeadershipCapability.MANAGE_REVIEWS
SIGN = LeadershipCapability.SIGN_MINUTES

# The states a person sees: "signed" is a closed review whose minutes the chair signed.
STATES = {
    "planned": ("Planned", Q(status=ReviewStatus.PLANNED)),
    "held": ("Held", Q(status=ReviewStatus.HELD)),
    "closed": ("Closed, awaiting signature", Q(status=ReviewStatus.CLOSED, minutes_signature__isnull=True)),
    "signed": ("Minutes signed", Q(minutes_signature__isnull=False)),
}
UPCOMING_SHOWN = 5


def state_of(review: ManagementReview) -> str:
    return "signed" if review.is_signed else review.status


def _review_url(review: ManagementReview, anchor: str = "") -> str:
    return reverse("review_detail", args=[review.pk]) + (f"#{anchor}" if anchor else "")


def _review(pk: int) -> ManagementReview:
    return get_object_or_404(ManagementReview.objects.select_related("chair"), pk=pk)


def _count(queryset: QuerySet) -> Coalesce:
    """The number of ``queryset``'s rows that belong to the outer review, as a subquery (no join fan-out)."""
    counted = (
        queryset.filter(review=OuterRef("pk")).order_by().values("review").annotate(n=Count("pk")).values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _with_figures(reviews_qs: QuerySet[ManagementReview]) -> QuerySet[ManagementReview]:
    """Reviews with what the list shows of each: chair, next proposed review, and the counts, in one query."""
    today = timezone.localdate()
    actions = Action.objects.filter(source_review=OuterRef("pk"), status__in=ACTIVE_STATUSES).order_by()
    open_actions = actions.values("source_review").annotate(n=Count("pk")).values("n")[:1]
    overdue_actions = actions.filter(overdue_q(today)).values("source_review").annotate(n=Count("pk")).values("n")[:1]
    return reviews_qs.select_related("chair", "next_review").annotate(
        invited=_count(ReviewAttendance.objects.all()),
        attended=_count(ReviewAttendance.objects.filter(attended=True)),
        addressed=_count(ReviewInput.objects.exclude(notes="")),
        open_actions=Coalesce(Subquery(open_actions, output_field=IntegerField()), 0),
        overdue_actions=Coalesce(Subquery(overdue_actions, output_field=IntegerField()), 0),
    )


def _mark_states(rows: list[ManagementReview]) -> list[ManagementReview]:
    for review in rows:
        review.state = state_of(review)
    return rows


# --- The list --------------------------------------------------------------------------------------------------
@requires(VIEW)
@require_safe
def review_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in STATES:
        state = ""
    if state:
        shown = ManagementReview.objects.filter(STATES[state][1])
        # Planned reviews soonest first; the others most recently held first.
        shown = shown.order_by("planned_on", "pk") if state == "planned" else shown.order_by("-held_on", "-pk")
        upcoming, upcoming_more = [], 0
    else:
        shown = ManagementReview.objects.exclude(status=ReviewStatus.PLANNED).order_by("-held_on", "-pk")
        upcoming = list(
            _with_figures(ManagementReview.objects.filter(status=ReviewStatus.PLANNED).order_by("planned_on", "pk"))[
                : UPCOMING_SHOWN + 1
            ]
        )
        upcoming_more = len(upcoming) > UPCOMING_SHOWN
        upcoming = _mark_states(upcoming[:UPCOMING_SHOWN])
    page = paginate(request, _with_figures(shown))
    _mark_states(page.object_list)
    return render(request, "leadership/review_list.html", {
        "page": page,
        "upcoming": upcoming,
        "upcoming_more": upcoming_more,
        "state": state,
        "states": [(key, label) for key, (label, _) in STATES.items()],
        "state_label": STATES[state][0] if state else "",
        "querystring": querystring_without_page(request),
        "any_review": bool(upcoming) or page.paginator.count > 0 or ManagementReview.objects.exists(),
        "today": timezone.localdate(),
        "total": len(InputCode.values),
    })


# --- Planning ---------------------------------------------------------------------------------------------------
def _plan_fields(form: ReviewForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "planned_on": data["planned_on"],
        "chair": data["chair"],
        "attendees": list(data["attendees"]),
        "recurrence_months": data["recurrence_months"],
    }


@requires(MANAGE)
def review_create(request: HttpRequest) -> HttpResponse:
    form = ReviewForm(posted(request))
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
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
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
def _agenda(review: ManagementReview, user: Any) -> list[ReviewInput]:
    """The 9.3.2 inputs in agenda order, each with the portal's live figures while the review is still open."""
    inputs = list(review.inputs.order_by("code"))
    figures = live_figures(review, user=user) if review.status != ReviewStatus.CLOSED else {}
    for review_input in inputs:
        review_input.figures = figures.get(review_input.code, [])
    return inputs


def _decisions(review: ManagementReview) -> tuple[list[dict[str, Any]], list[Action]]:
    """The 9.3.3 categories in order, each with its decisions and the actions each decision started; and the
    actions raised from the review outside any decision."""
    actions: dict[int | None, list[Action]] = defaultdict(list)
    for action in Action.objects.filter(source_review=review).select_related("owner").order_by("due_on", "pk"):
        actions[action.decision_id].append(action)
    outputs = list(review.outputs.select_related("recorded_by").order_by("pk"))
    for output in outputs:
        output.started = actions.get(output.pk, [])
    return [
        {"code": code, "label": label, "outputs": [o for o in outputs if o.category == code]}
        for code, label in OutputCategory.choices
    ], actions.get(None, [])


def _detail_context(request: HttpRequest, review: ManagementReview) -> dict[str, Any]:
    inputs = _agenda(review, request.user)
    categories, other_actions = _decisions(review)
    attendance = list(review.attendance.select_related("person").order_by("person__full_name", "person__username"))
    steps = reviews.steps_allowed(review, request.user)
    return {
        "review": review,
        "state": state_of(review),
        "inputs": inputs,
        "addressed": sum(1 for row in inputs if row.notes.strip()),
        "categories": categories,
        "decision_count": sum(len(category["outputs"]) for category in categories),
        "other_actions": other_actions,
        "attendance": attendance,
        "attended": sum(1 for row in attendance if row.attended),
        "attendance_recorded": any(row.attended is not None for row in attendance),
        "steps": steps,
        "can_edit_inputs": "note_input" in steps,
        "today": timezone.localdate(),
    }


@requires(VIEW)
@require_safe
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        ManagementReview.objects.select_related("chair", "minutes_signature", "proposed_from", "next_review"), pk=pk
    )
    return render(request, "leadership/review_detail.html", _detail_context(request, review))


# --- Input notes, in place with htmx or on a page of their own ---------------------------------------------------
def _input_block(request: HttpRequest, review: ManagementReview, review_input: ReviewInput) -> HttpResponse:
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
def review_input_edit(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    review = _review(pk)
    review_input = get_object_or_404(ReviewInput, review=review, code=code)
    reviews.step_check(review, "note_input")
    if request.method == "POST":
        form = InputNotesForm(request.POST)
        if form.is_valid():
            review_input = reviews.review_input_save(
                review_input=review_input, notes=form.cleaned_data["notes"], by=request.user
            )
            if request.htmx:
                return _input_block(request, review, review_input)
            messages.success(request, f"The notes on {review_input.code}) {review_input.get_code_display()} are saved.")
            return redirect(_review_url(review, f"input-{review_input.code}"))
    elif request.htmx and request.GET.get("view") == "block":
        # The editor's cancel button: the block as it was.
        return _input_block(request, review, review_input)
    else:
        figures = live_figures(review, user=request.user).get(review_input.code, [])
        form = InputNotesForm(initial={"notes": review_input.notes or figures_text(figures)})
        review_input.figures = figures
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
def review_hold(request: HttpRequest, pk: int) -> HttpResponse:
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
    next_on = reviews.add_months(review.planned_on, review.recurrence_months) if review.recurrence_months else None
    return render(request, "leadership/review_hold.html", {"review": review, "form": form, "next_on": next_on})


@requires(MANAGE)
def review_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    reviews.step_check(review, "record_attendance")
    rows = list(review.attendance.select_related("person").order_by("person__full_name", "person__username"))
    form = AttendanceForm(posted(request), rows=rows)
    if request.method == "POST" and form.is_valid():
        present = set(form.cleaned_data["attended"])
        for row in rows:
            if row.attended is None or row.attended != (row.person_id in present):
                reviews.review_attendance_record(
                    review=review, person=row.person, attended=row.person_id in present, by=request.user
                )
        messages.success(request, f"Attendance is recorded: {len(present)} of {len(rows)} invited attended.")
        return redirect(_review_url(review, "attendance"))
    return render(request, "leadership/review_attendance.html", {"review": review, "form": form, "rows": rows})


@requires(MANAGE)
def review_decision_create(request: HttpRequest, pk: int) -> HttpResponse:
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
                return redirect("review_decision_create", pk=review.pk)
            return redirect(_review_url(review, "decisions"))
    return render(request, "leadership/review_decision_form.html", {"review": review, "form": form})


# --- Closing and signing ----------------------------------------------------------------------------------------
@require_POST
@requires(MANAGE)
def review_close(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    review = reviews.review_close(review=review, by=request.user)
    messages.success(
        request,
        f"“{review.title}” is closed. Its chair, {review.chair}, can now read and sign the minutes.",
    )
    return redirect(_review_url(review))


@requires(SIGN)
def review_sign(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    if review.chair_id != request.user.pk:
        raise PermissionDenied(f"Only the chair of this review, {review.chair}, signs its minutes.")
    reviews.step_check(review, "sign")
    content = review.signed_content()
    form = SignatureForm(posted(request), content=content)
    if request.method == "POST" and form.is_valid():
        try:
            signed = reviews.review_sign_minutes(
                review=review,
                password=form.cleaned_data["password"],
                expected_sha256=form.cleaned_data["content_sha256"],
                by=request.user,
            )
        except SignatureRefused as refused:
            # Answered, not raised: record_sign recorded the refused attempt, which must commit with the request.
            form.add_error("password", str(refused))
        else:
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
def review_ics(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(pk)
    response = HttpResponse(ics.review_ics(review), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="management-review-{review.planned_on.isoformat()}.ics"'
    return response
