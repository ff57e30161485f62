"""Forms of the processes pages and the RACI matrix: they parse input; the writes are in roles/processes.py
and roles/raci.py."""
from typing import Any, cast

from django import forms

from qms_portal.forms import ReasonForm
from roles.forms.roles import RoleChoiceField
from roles.models import Activity, Process, RaciLetter, Role

# Paths under /roles/processes/ that a process code would hide.
RESERVED_CODES = {"new"}


class ProcessForm(forms.ModelForm):
    """A process's name, code, owner role and description; the code is fixed once the process exists."""

    class Meta:
        model = Process
        fields = ["name", "code", "owner_role", "description"]
        labels = {"owner_role": "Owner role"}
        field_classes = {"owner_role": RoleChoiceField}
        help_texts = {
            "code": "A short reference in the process's links and in the exported matrix, such as purchasing. "
            "Lower-case letters, digits and hyphens; it cannot change later.",
            "owner_role": "The role accountable for the process as a whole.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    instance: Process  # for the type checker: ModelForm cannot be subscripted with its model at run time

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_role = cast(RoleChoiceField, self.fields["owner_role"])
        owner_role.queryset = Role.objects.select_related("org_unit").order_by("title")
        owner_role.empty_label = "(choose the owner role)"
        owner_role.error_messages["required"] = "Choose the role that owns the process."
        self.fields["name"].error_messages["required"] = "Name the process."
        self.fields["code"].error_messages["required"] = "Give the process a short code, such as purchasing."
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Part of every link to the process and of the exported matrix: fixed."

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if self.instance.pk:
            return self.instance.code
        if code in RESERVED_CODES:
            raise forms.ValidationError(f"“{code}” is reserved by the portal: choose another code.")
        if Process.objects.filter(code=code).exists():
            raise forms.ValidationError(f"Another process already has the code “{code}”: choose another.")
        return code

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if Process.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"Another process is already called “{name}”.")
        return name


class ActivityForm(forms.ModelForm):
    """An activity's name; its process comes from the page and its position from where it is moved."""

    class Meta:
        model = Activity
        fields = ["name"]
        help_texts = {"name": "One step of the process, as a verb phrase: “Approve the supplier”."}

    instance: Activity  # for the type checker: ModelForm cannot be subscripted with its model at run time

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.process = process
        self.fields["name"].error_messages["required"] = "Name the activity."

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        clash = Activity.objects.filter(process=self.process, name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"“{self.process}” already has an activity called “{name}”.")
        return name


class MoveForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("up", "Up"), ("down", "Down")],
        error_messages={
            "required": "Say which way to move the activity: up or down.",
            "invalid_choice": "An activity moves up or down, nothing else.",
        },
    )


NO_LETTER = ""


class CellForm(ReasonForm, forms.Form):
    """The letter of one cell of the matrix; none clears it. The reason is the editing session's (asked once
    above the grid, ``session_reason``) unless one is posted with the letter."""

    letter = forms.ChoiceField(
        choices=[*RaciLetter.choices, (NO_LETTER, "No letter")],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        required=False,
        label="Letter",
        error_messages={"invalid_choice": "“%(value)s” is not a RACI letter: choose R, A, C, I or none."},
    )

    field_order = ["letter", "reason"]
    reason_missing = (
        "Say why the letters change: give a reason for this editing session; it is kept in the audit trail with "
        "each letter you set."
    )

    def __init__(self, *args: Any, session_reason: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_reason = session_reason
        self.fields["reason"].initial = session_reason
        self.fields["reason"].help_text = "Kept in the audit trail with each letter you set until you stop editing."

    def reason_required(self) -> bool:
        return not self.session_reason

    @property
    def stated_reason(self) -> str:
        return super().stated_reason or self.session_reason

    def letter_or_none(self) -> str | None:
        letter: str = self.cleaned_data["letter"]
        return letter or None


class MatrixFilterForm(forms.Form):
    """Which roles (by org unit) and which process the matrix shows; both optional."""

    unit = forms.ChoiceField(required=False, label="Org unit (columns)")
    process = forms.ChoiceField(required=False, label="Process (rows)")

    def __init__(
        self, *args: Any, units: list[tuple[str, str]], processes: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", "All org units"), *units]
        cast(forms.ChoiceField, self.fields["process"]).choices = [("", "All processes"), *processes]
        self.fields["unit"].error_messages["invalid_choice"] = (
            "No org unit has the code “%(value)s”: showing all roles."
        )
        self.fields["process"].error_messages["invalid_choice"] = (
            "No process has the code “%(value)s”: showing all processes."
        )
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def chosen(self) -> dict[str, str]:
        """The filters asked for that name a unit or a process: a stale one is dropped (its error shown), the
        other kept."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
