"""Forms of the management review pages (9.3). They only parse input: who may, in which state, and the rules
(the chair a top manager, a review held on a past date, an action complete) stay in ``leadership/reviews.py``
and come back to the form as field errors."""
from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from leadership.forms.common import PeopleChoiceField, PersonChoiceField, TopManagerField
from leadership.models import ManagementReview, OutputCategory, ReviewAttendance
from qms_portal.forms import date_input


class ReviewForm(forms.Form):
    """What a review is planned with: title, date, chair (a top manager), invitees and how often it recurs."""

    title = forms.CharField(max_length=200, initial="Management review")
    planned_on = forms.DateField(label="Planned for", widget=date_input())
    chair = TopManagerField(
        empty_label="Choose a top manager",
        help_text="A member of top management. The chair signs the minutes.",
    )
    attendees = PeopleChoiceField(
        required=False,
        label="Invited",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="The chair is always invited.",
    )
    recurrence_months = forms.IntegerField(
        label="Repeat every (months)",
        required=False,
        min_value=1,
        max_value=36,
        help_text="Leave empty for a one-off review. When this review is held, the next one is proposed this many "
        "months after its planned date.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["planned_on"].initial = timezone.localdate

    @staticmethod
    def data_of(review: ManagementReview) -> dict[str, Any]:
        return {
            "title": review.title,
            "planned_on": review.planned_on,
            "chair": review.chair_id,
            "attendees": list(review.attendance.exclude(person=review.chair_id).values_list("person_id", flat=True)),
            "recurrence_months": review.recurrence_months,
        }


class InputNotesForm(forms.Form):
    """How one 9.3.2 input was covered. Notes may be emptied again before the review closes."""

    notes = forms.CharField(
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What was presented and concluded. A review closes only when every input has notes.",
    )


class AttendanceForm(forms.Form):
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
