"""Forms of the action pages: the list's filters, an action's fields, a status move and a progress note.

The forms parse input only; who may do what, and which status may follow which, stay in ``leadership.actions``
and come back to the form as errors.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import Model, Q
from django.http import QueryDict
from django.utils import timezone

from leadership.forms.common import PersonChoiceField
from leadership.models import ActionSource, ActionStatus, Commitment, QualityObjective
from qms_portal.forms import date_input
from qms_portal.models import User

DEFAULT_DUE_DAYS = 30
# The list's status filter: "active" (open or in progress) is what it shows when no filter was asked for.
ACTIVE = "active"
STATUS_FILTERS = [("", "Any status"), (ACTIVE, "Open or in progress"), *ActionStatus.choices]
SOURCE_FILTERS = [
    ("", "Any source"),
    (ActionSource.REVIEW, "A management review"),
    (ActionSource.COMMITMENT, "A commitment"),
    (ActionSource.OBJECTIVE, "A quality objective"),
    (ActionSource.NONE, "No source"),
]
OVERDUE_FILTERS = [("", "Overdue or not"), ("yes", "Overdue only"), ("no", "Not overdue")]


class ActionFilterForm(forms.Form):
    """The action list's filters, all optional; a plain GET form that keeps its values."""

    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Anyone")
    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False)
    source = forms.ChoiceField(choices=SOURCE_FILTERS, required=False)
    overdue = forms.ChoiceField(choices=OVERDUE_FILTERS, required=False)

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        # No status asked for at all (first visit): show the actions still to do.
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = ACTIVE
        super().__init__(data, **kwargs)
        # Only people who own an action: the filter is for finding them, not for listing everyone. Someone asked
        # for by a link (the overview's "their actions") stays chosen even when they own none yet.
        asked = str(data.get("owner", "") if data is not None else "")
        owners = Q(leadership_actions__isnull=False) | (Q(pk=int(asked)) if asked.isdigit() else Q(pk__in=[]))
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = User.objects.filter(owners).distinct()
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


def _source_choices() -> list[tuple[str, str | list[tuple[str, str]]]]:
    """Commitments and objectives as grouped choices whose values say the kind: ``commitment:5``."""
    commitments = [(f"commitment:{c.pk}", f"{c.code} {c.summary}") for c in Commitment.objects.order_by("code")]
    objectives = [(f"objective:{o.pk}", o.title) for o in QualityObjective.objects.order_by("title")]
    none = ("", "None: the action stands on its own")
    return [none, ("Commitments", commitments), ("Quality objectives", objectives)]


def source_value(source: Model | None) -> str:
    """The form value naming ``source`` (a commitment or an objective)."""
    if isinstance(source, Commitment):
        return f"commitment:{source.pk}"
    if isinstance(source, QualityObjective):
        return f"objective:{source.pk}"
    return ""


class ActionForm(forms.Form):
    """What an action asks, of whom and by when; a new one may name the commitment or objective behind it."""

    title = forms.CharField(max_length=200, help_text="What must be done, as a short instruction.")
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="Background, scope, what done looks like."
    )
    owner = PersonChoiceField(
        empty_label="(choose a person)",
        help_text="The person who must do it. They see it under “My actions” and may note progress on it.",
    )
    due_on = forms.DateField(label="Due on", widget=date_input())
    source = forms.ChoiceField(
        label="Started by",
        required=False,
        help_text="The commitment or quality objective this action serves, if any. Actions decided in a management "
        "review are created from the review.",
    )

    def __init__(self, *args: Any, with_source: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_source:
            cast(forms.ChoiceField, self.fields["source"]).choices = _source_choices()
        else:
            del self.fields["source"]
        if not self.is_bound and "due_on" not in self.initial:
            self.initial["due_on"] = timezone.localdate() + dt.timedelta(days=DEFAULT_DUE_DAYS)

    def clean_source(self) -> Model | None:
        value = self.cleaned_data.get("source") or ""
        if not value:
            return None
        kind, _, pk = value.partition(":")
        model = {"commitment": Commitment, "objective": QualityObjective}.get(kind)
        found = model.objects.filter(pk=pk).first() if model and pk.isdigit() else None
        if found is None:
            raise forms.ValidationError("Choose a commitment or an objective from the list.")
        return found


class StatusForm(forms.Form):
    """A move of an action to another status, with an optional note kept as a progress note."""

    status = forms.ChoiceField(choices=ActionStatus.choices, error_messages={"required": "Choose the new status."})
    note = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: why, or what was done. Kept with the action's notes.",
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    """A progress note on an action."""

    text = forms.CharField(
        label="Progress note",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What was done, what is next, what is in the way."}),
        error_messages={"required": "Write the note before adding it."},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
