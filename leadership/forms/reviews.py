"""Forms of the management review pages (9.3). They only parse input: who may, in which state, and the rules
(the chair a top manager, a review held on a past date, an action complete) stay in ``leadership/reviews.py``
and come back to the form as field errors."""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from leadership.forms.common import PeopleChoiceField, PersonChoiceField, TopManagerField, active_people
from leadership.models import ManagementReview, OutputCategory, ReviewAttendance, duration_label
from leadership.people import top_managers
from leadership.reviews import SuggestedDate
from qms_portal.forms import ReasonForm, date_input
from qms_portal.presentation import day

DURATIONS = (30, 45, 60, 90, 120, 150, 180, 240, 300, 360, 480)
NO_DEPARTMENT = "No department"


def _duration_choices(*extra: int) -> list[tuple[int | str, str]]:
    """The durations offered, in words, after "all day"; ``extra`` adds one a review already has."""
    offered = sorted({*DURATIONS, *extra})
    return [("", "All day (no start time)"), *((minutes, duration_label(minutes)) for minutes in offered)]


class ReviewForm(forms.Form):
    """What a review is planned with: title, day, start time, duration and place, chair (a top manager),
    invitees and how often it recurs."""

    title = forms.CharField(max_length=200, initial="Management review")
    planned_on = forms.DateField(
        label="Day", widget=date_input(), help_text="No review has been held yet: choose the day of the meeting."
    )
    starts_at = forms.TimeField(
        label="Starts at",
        required=False,
        initial=dt.time(10, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Empty it for an all-day entry in calendars.",
    )
    duration_minutes = forms.TypedChoiceField(
        label="Duration",
        required=False,
        coerce=int,
        empty_value=None,
        choices=_duration_choices(),
        initial=120,
        help_text="How long it lasts from the start time.",
    )
    place = forms.CharField(
        label="Place",
        required=False,
        max_length=300,
        help_text="A meeting room, an address or a video-call link.",
    )
    chair = TopManagerField(
        empty_label="Choose a top manager",
        help_text="A member of top management. The chair signs the minutes.",
    )
    attendees = PeopleChoiceField(
        required=False,
        label="Invited",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="Top management is ticked to begin with. The chair is always invited.",
    )
    recurrence_months = forms.IntegerField(
        label="Repeat every (months)",
        required=False,
        min_value=1,
        max_value=36,
        help_text="Leave empty for a one-off review. When this review is held, the next one is proposed this many "
        "months after its planned date.",
    )

    def __init__(
        self, *args: Any, suggested: SuggestedDate | None = None, **kwargs: Any
    ) -> None:
        """``suggested``: for a new review, the day to offer and the review it follows
        (``reviews.suggested_review_date``); the invitees start as top management."""
        super().__init__(*args, **kwargs)
        if "attendees" not in self.initial:
            self.fields["attendees"].initial = list(top_managers().values_list("pk", flat=True))
        if suggested is not None:
            last = suggested.after
            self.fields["planned_on"].initial = suggested.on
            when = f"held on {day(last.held_on)}" if last.held_on else f"planned for {day(last.planned_on)}"
            self.fields["planned_on"].help_text = (
                f"Suggested: {suggested.months} months after the last review, {when}, on a working day."
            )
        elif self.initial.get("planned_on"):
            self.fields["planned_on"].help_text = ""
        current = self.initial.get("duration_minutes")
        if current and current not in DURATIONS:  # set another way (the admin): keep it on offer
            cast(forms.TypedChoiceField, self.fields["duration_minutes"]).choices = _duration_choices(current)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("starts_at") is None and "starts_at" not in self.errors:
            cleaned["duration_minutes"] = None  # no start time: an all-day entry, whatever duration was left chosen
        return cleaned

    def attendee_groups(self) -> list[tuple[str, list[Any]]]:
        """The invitee check boxes grouped by department, departments by name and those without one last."""
        unit_of = dict(active_people().values_list("pk", "org_unit__name"))
        groups: dict[str, list[Any]] = {}
        for choice in self["attendees"]:
            groups.setdefault(unit_of.get(choice.data["value"].value) or NO_DEPARTMENT, []).append(choice)
        return sorted(groups.items(), key=lambda item: (item[0] == NO_DEPARTMENT, item[0].casefold()))

    @staticmethod
    def data_of(review: ManagementReview) -> dict[str, Any]:
        return {
            "title": review.title,
            "planned_on": review.planned_on,
            "starts_at": review.starts_at,
            "duration_minutes": review.duration_minutes,
            "place": review.place,
            "chair": review.chair_id,
            "attendees": list(review.attendance.exclude(person=review.chair_id).values_list("person_id", flat=True)),
            "recurrence_months": review.recurrence_months,
        }


class HeldReviewReasonForm(ReasonForm):
    """Asks for the reason for a change to what a held review already recorded (``reviews.changes_need_reason``);
    otherwise the reason field is left out."""

    reason_missing = "The review was held: say why its record changes. The reason is kept in the audit trail."

    def __init__(self, *args: Any, needs_reason: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_reason:
            self.fields["reason"].help_text = (
                "The review was held, so this changes the record of the meeting. Kept in the audit trail."
            )
        else:
            del self.fields["reason"]


class InputNotesForm(HeldReviewReasonForm):
    """How one 9.3.2 input was covered. Notes may be emptied again before the review closes."""

    notes = forms.CharField(
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What was presented and concluded. A review closes only when every input has notes.",
    )


class AttendanceForm(HeldReviewReasonForm):
    """A tick per invitee who attended; unticked invitees are recorded absent."""

    attended = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Attended",
    )

    def __init__(self, *args: Any, rows: list[ReviewAttendance], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attended = cast(forms.TypedMultipleChoiceField, self.fields["attended"])
        attended.choices = [(row.person_id, row.person.get_full_name()) for row in rows]
        attended.initial = [row.person_id for row in rows if row.attended]


class HoldForm(forms.Form):
    """The day the review was held: today by default, never a day to come."""

    held_on = forms.DateField(label="Held on", widget=date_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["held_on"].initial = today
        self.fields["held_on"].widget.attrs["max"] = today.isoformat()


class DecisionForm(forms.Form):
    """A decision under its 9.3.3 category, and optionally the action it starts (title, owner and due date)."""

    category = forms.ChoiceField(
        label="9.3.3 output",
        choices=[(code, f"{code}) {label}") for code, label in OutputCategory.choices],
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="What the review decided.")
    action_title = forms.CharField(label="Action", max_length=200, required=False, help_text="What must be done.")
    action_owner = PersonChoiceField(required=False, label="Owner", empty_label="Choose a person")
    action_due_on = forms.DateField(label="Due on", required=False, widget=date_input())
    action_description = forms.CharField(
        label="Details", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    # The business function names the action's fields as Action does.
    ACTION_FIELDS = {"title": "action_title", "owner": "action_owner", "due_on": "action_due_on"}
