"""Forms of the commitment and evidence pages. They parse input; the rules (who, which dates, which files) stay
in ``leadership/commitments.py`` and ``leadership/uploads.py`` and come back to the form as field errors."""
from __future__ import annotations

from itertools import groupby
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import Q, QuerySet
from django.utils import timezone

from leadership.forms.common import TopManagerField
from leadership.models import Commitment, EvidenceEntry, EvidenceKind
from leadership.people import top_managers
from leadership.selectors import CLAUSES, clause_of
from leadership.uploads import ACCEPTED_EXTENSIONS, ACCEPTED_LIST, UploadRejected, upload_check
from qms_portal.forms import date_input
from qms_portal.models import User


# --- Commitments ---------------------------------------------------------------------------------
class CommitmentForm(forms.Form):
    """Who is accountable for a commitment and how often it must be evidenced."""

    owner = TopManagerField(
        label="Accountable top manager",
        empty_label="(choose a top manager)",
        help_text="Only members of top management can be accountable for a 5.1 commitment.",
    )
    evidence_every_days = forms.IntegerField(
        label="Evidence needed every (days)",
        min_value=1,
        max_value=3650,
        help_text="New evidence is due this many days after the latest entry: 90 is a quarter, 365 a year.",
    )


# --- Evidence: filters ---------------------------------------------------------------------------
class CommitmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Commitment) -> str:
        return f"{obj.code} {obj.summary}"


class EvidenceFilterForm(forms.Form):
    """The filters of the evidence list; every field is optional and a value that cannot be read is ignored."""

    leader = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Any leader")
    kind = forms.ChoiceField(choices=[("", "Any kind"), *EvidenceKind.choices], required=False)
    commitment = CommitmentChoiceField(
        queryset=Commitment.objects.order_by("code"), to_field_name="code", required=False,
        empty_label="Any commitment",
    )
    date_from = forms.DateField(required=False, label="From", widget=date_input())
    date_to = forms.DateField(required=False, label="To", widget=date_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Today's top managers and anyone who led evidence before (someone may have left top management).
        leaders = User.objects.filter(
            Q(pk__in=EvidenceEntry.objects.values("leader")) | Q(pk__in=top_managers().values("pk"))
        )
        cast(forms.ModelChoiceField, self.fields["leader"]).queryset = leaders.order_by("full_name", "username")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filter(self, entries: QuerySet[EvidenceEntry]) -> QuerySet[EvidenceEntry]:
        """``entries`` narrowed by the filters that were read; call after ``is_valid()``."""
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        if data.get("leader"):
            entries = entries.filter(leader=data["leader"])
        if data.get("kind"):
            entries = entries.filter(kind=data["kind"])
        if data.get("commitment"):
            entries = entries.filter(commitments=data["commitment"])
        if data.get("date_from"):
            entries = entries.filter(occurred_on__gte=data["date_from"])
        if data.get("date_to"):
            entries = entries.filter(occurred_on__lte=data["date_to"])
        return entries

    @property
    def filtered(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields) if hasattr(self, "cleaned_data") else False


# --- Evidence: recording -------------------------------------------------------------------------
class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the browser send several files at once (Django docs, "Uploading multiple files")."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files from one input; each is cleaned as a single file would be, and a list comes back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list[File[bytes]]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(file, initial) for file in data]
        return [single(data, initial)] if data else []


class EvidenceForm(forms.Form):
    """What a leader did, when, and which commitments it evidences, with files that back it up."""

    occurred_on = forms.DateField(
        label="Date", widget=date_input(), help_text="The day it was done; evidence records the past, not plans."
    )
    kind = forms.ChoiceField(label="Kind of evidence", choices=[("", "(choose)"), *EvidenceKind.choices])
    summary = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who took part, what was said or decided, and where the record of it is kept.",
    )
    leader = TopManagerField(label="Leader", empty_label="(choose a top manager)",
                             help_text="The member of top management who did it.")
    commitments = forms.ModelMultipleChoiceField(
        queryset=Commitment.objects.order_by("code"),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        label="Commitments it evidences",
        error_messages={"required": "Link the evidence to at least one commitment."},
    )
    attachments = MultipleFileField(
        required=False,
        label="Attachments",
        help_text=f"Optional. {ACCEPTED_LIST} files; several may be chosen at once.",
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["occurred_on"].initial = today
        self.fields["occurred_on"].widget.attrs["max"] = today.isoformat()
        extensions = ",".join(sorted(ACCEPTED_EXTENSIONS))
        self.fields["attachments"].widget.attrs["accept"] = extensions
        leader = cast(TopManagerField, self.fields["leader"])
        top = leader.queryset  # always set: TopManagerField gives it
        if user is not None and top is not None and top.filter(pk=user.pk).exists():
            leader.initial = user.pk

    def clean_attachments(self) -> list[File[bytes]]:
        """Every file is checked; each refused file's message is shown, and then none of them is kept."""
        files = self.cleaned_data.get("attachments") or []
        problems = []
        for file in files:
            try:
                upload_check(file)
            except UploadRejected as refused:
                problems.append(refused.message)
        if problems:
            if len(files) > 1:
                problems.append("Nothing was saved: attach the files again once each is right.")
            raise ValidationError(problems)
        return files

    def commitment_groups(self, commitments: list[Commitment]) -> list[tuple[str, str, list[tuple[Commitment, bool]]]]:
        """The commitment checkboxes grouped by clause: (clause, its title, [(commitment, checked), ...]).

        ``commitments`` are the choices as the page shows them (ordered by code, with their status set)."""
        chosen = {str(value) for value in (self["commitments"].value() or [])}
        groups = []
        for clause, members in groupby(commitments, key=clause_of):
            rows = [(commitment, commitment.code in chosen) for commitment in members]
            groups.append((clause, CLAUSES.get(clause, ""), rows))
        return groups
