"""Forms of the role pages: a role, an assignment of a person to a role, and the role a 5.3 duty is assigned to.

Templates render them with crispy-forms' Bootstrap 5 pack. The forms parse input and refuse what cannot be
saved (a reporting loop, an overlapping assignment) next to the field concerned; the writes themselves go
through ``roles.definitions``.
"""
from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from qms_portal.forms import ReasonForm, date_input
from qms_portal.models import OrgUnit, User
from roles.definitions import assignment_problem, role_reporting_problem, roles_below
from roles.models import Role, RoleAssignment, text_lines

LINES_HELP = "One per line."


class RoleChoiceField(forms.ModelChoiceField):
    """A role, named with its org unit, as titles are unique only within a unit."""

    def label_from_instance(self, obj: Role) -> str:
        return f"{obj.title} ({obj.org_unit})"


def role_choices() -> QuerySet[Role]:
    return Role.objects.select_related("org_unit").order_by("title", "org_unit__name")


class RoleForm(ReasonForm, forms.ModelForm):
    """A role's title, unit, purpose, responsibilities, authorities and whom it reports to; changing an existing
    role's responsibilities or authorities needs a reason, kept in the audit trail."""

    reports_to = RoleChoiceField(
        queryset=Role.objects.none(),
        required=False,
        empty_label="(reports to no role)",
        help_text="The role this one answers to; it draws the line above it in the org chart.",
    )

    class Meta:
        model = Role
        fields = ["title", "org_unit", "purpose", "responsibilities", "authorities", "reports_to"]
        labels = {"org_unit": "Org unit"}
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "responsibilities": forms.Textarea(attrs={"rows": 6}),
            "authorities": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "title": "As people call it, such as “Purchasing manager”.",
            "purpose": "Why the role exists, in a sentence.",
            "responsibilities": "What the role must do, one per line. Changing them asks every holder to "
            "acknowledge the role again.",
            "authorities": "What the role may decide, one per line. Changing them asks every holder to "
            "acknowledge the role again.",
        }

    instance: Role  # for the type checker: ModelForm cannot be subscripted with its model at run time

    reason_missing = (
        "Say why the responsibilities or authorities change: the reason is kept in the audit trail with the new "
        "revision."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:  # a new role's duties are set for the first time: nothing to justify
            del self.fields["reason"]
        else:
            self.fields["reason"].help_text = (
                "Needed when the responsibilities or authorities change (its holders then acknowledge it again); "
                "kept in the audit trail."
            )
        org_unit = cast(forms.ModelChoiceField, self.fields["org_unit"])
        org_unit.queryset = OrgUnit.objects.order_by("name")
        org_unit.empty_label = "(choose a unit)"
        # Every role is accepted by the field, so that choosing the role itself or one below it gets a clear
        # message from clean_reports_to rather than "not a valid choice"; the list offers only sensible ones.
        field = cast(RoleChoiceField, self.fields["reports_to"])
        field.queryset = role_choices()
        below = roles_below(self.instance)
        # The queryset's choices, which setting it gave the widget, less the roles it cannot report to.
        field.widget.choices = [
            (value, label) for value, label in field.widget.choices if not value or int(str(value)) not in below
        ]

    def reason_required(self) -> bool:
        # The lines, as role_save compares them: CRLF from a browser or a trailing blank line is no change. The
        # instance still holds the stored text here (the form writes into it only after clean()).
        stored = self.instance
        return stored.pk is not None and any(
            text_lines(self.cleaned_data.get(name, getattr(stored, name))) != text_lines(getattr(stored, name))
            for name in ("responsibilities", "authorities")
        )

    def _lines_of(self, name: str) -> str:
        # Browsers send CRLF: keep LF, so that saving an untouched role records no change in the audit trail.
        return "\n".join(self.cleaned_data[name].splitlines())

    def clean_responsibilities(self) -> str:
        return self._lines_of("responsibilities")

    def clean_authorities(self) -> str:
        return self._lines_of("authorities")

    def clean_reports_to(self) -> Role | None:
        reports_to: Role | None = self.cleaned_data["reports_to"]
        # The rule lives with the write (roles.definitions); asked here to show it beside the field.
        candidate = Role(pk=self.instance.pk, reports_to=reports_to)
        problem = role_reporting_problem(candidate)
        if problem is not None:
            raise ValidationError(problem)
        return reports_to


class PersonChoiceField(forms.ModelChoiceField):
    """A person, named with their job title and org unit, to tell people of the same name apart."""

    def label_from_instance(self, obj: User) -> str:
        details = [part for part in (obj.job_title, str(obj.org_unit or "")) if part]
        return f"{obj}" + (f" — {', '.join(details)}" if details else "")


class AssignmentForm(ReasonForm, forms.ModelForm):
    """A person holding the role from a date, until an optional end date, maybe as deputy. Changing or ending an
    assignment on record needs a reason; a new one may give it (an appointment letter, say)."""

    person = PersonChoiceField(queryset=User.objects.none(), empty_label="(choose a person)")

    class Meta:
        model = RoleAssignment
        fields = ["person", "starts_on", "ends_on", "is_deputy"]
        labels = {"starts_on": "Holds the role from", "ends_on": "Until", "is_deputy": "Deputy"}
        widgets = {"starts_on": date_input(), "ends_on": date_input()}
        help_texts = {
            "ends_on": "The last day the person holds the role. Leave empty while they hold it; set it to end "
            "the assignment, which stays on record.",
            "is_deputy": "Stands in for the main holder; deputies acknowledge the role too.",
        }

    instance: RoleAssignment  # for the type checker: ModelForm cannot be subscripted with its model at run time

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only active people can take a role; one who has left can still have their assignment ended.
        people = Q(is_active=True)
        if self.instance.person_id:
            people |= Q(pk=self.instance.person_id)
        cast(PersonChoiceField, self.fields["person"]).queryset = (
            User.objects.filter(people).order_by("full_name", "username")
        )
        if self.instance.pk is None and self.initial.get("starts_on") is None:
            self.initial["starts_on"] = timezone.localdate()
        if self.instance.pk is None:
            self.fields["reason"].help_text = "Optional for a new holder; kept in the audit trail."
        else:
            self.fields["reason"].help_text = "Needed to change or end the assignment; kept in the audit trail."

    reason_missing = "Say why the assignment changes: the reason is kept in the audit trail."

    def reason_required(self) -> bool:
        return self.instance.pk is not None and bool(set(self.changed_data) - {"reason"})

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        person, starts_on, ends_on = cleaned.get("person"), cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The end date is before the start date.")
        elif person and starts_on:
            # The rule lives with the write (roles.definitions); asked here to show it beside the form.
            candidate = RoleAssignment(
                pk=self.instance.pk, role_id=self.instance.role_id, person=person, starts_on=starts_on, ends_on=ends_on
            )
            problem = assignment_problem(candidate)
            if problem is not None:
                self.add_error(None, problem)
        return cleaned


class DutyForm(ReasonForm, forms.Form):
    """The role a 5.3 duty is assigned to; no role leaves it unassigned. Changing it needs a reason."""

    role = RoleChoiceField(
        queryset=Role.objects.none(),
        required=False,
        empty_label="(not assigned)",
        label="Assigned to the role",
        help_text="Choose a role that someone holds now; the duty counts as assigned only then.",
    )
    field_order = ["role", "reason"]
    reason_missing = "Say why the duty is assigned to another role, or to none: the reason is kept in the audit trail."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(RoleChoiceField, self.fields["role"]).queryset = role_choices()

    def reason_required(self) -> bool:
        return "role" in self.changed_data


class DayForm(forms.Form):
    """The day a role's page shows its holders on (``?on=YYYY-MM-DD``); today when empty."""

    on = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
