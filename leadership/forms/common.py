"""What the leadership forms share: choosing people, shown by name and job title, and showing a business
function's refusal on the form that asked for it."""
from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from leadership.people import top_managers
from qms_portal.models import User


def active_people() -> QuerySet[User]:
    """Everyone who may be given work or invited, by name."""
    return User.objects.filter(is_active=True).order_by("full_name", "username")


def person_label(person: User) -> str:
    """A person's name with their job title, so that two people of one name can be told apart."""
    return f"{person} ({person.job_title})" if person.job_title else str(person)


class PersonChoiceField(forms.ModelChoiceField):
    """One person (any active person unless ``queryset`` narrows it), shown with their job title."""

    def __init__(self, *, queryset: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(queryset=active_people() if queryset is None else queryset, **kwargs)

    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    """Any number of active people, shown with their job titles."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=active_people(), **kwargs)

    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


class TopManagerField(PersonChoiceField):
    """One active member of top management."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=top_managers().order_by("full_name", "username"), **kwargs)


def add_errors(form: forms.Form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Show a business function's refusal beside the fields it names (renamed by ``fields`` where the form's names
    differ), or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        target = (fields or {}).get(name, name)
        form.add_error(target if target in form.fields else None, messages)
