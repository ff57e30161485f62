"""The organisation's reminder schedule: the numbers of days each kind of reminder counts (days before, repeat
intervals, escalation after), kept in one place, ``Organisation.reminder_schedule``, and read through one function.

A kind declares its settings (``ReminderKind.schedule``, a ``Days`` or a ``DaysList`` each, with its key, label,
help and default); the organisation page's reminder schedule lists every registered setting with its default. Only
the values that differ from their defaults are stored, so that a setting never changed follows its default.

``schedule_value(setting)`` reads the organisation's value: one query, or none within a sweep, which pins the
organisation it read once (``organisation_pinned``) for every kind it asks.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError

from qms_portal.audit import audit_context
from qms_portal.models import Organisation, User

log = logging.getLogger(__name__)

T = TypeVar("T")

# The most days any setting may count: a year.
MAX_DAYS = 365


@dataclass(frozen=True)
class ScheduleSetting(Generic[T]):
    """One number (or list of numbers) of days a kind of reminder counts; ``key`` names it in the stored settings
    and must not change once used (a data migration would have to move the stored value)."""

    key: str
    label: str
    help: str
    default: T
    minimum: int = 1
    maximum: int = MAX_DAYS

    def clean(self, raw: object) -> T:
        """The value from a form's text or the stored JSON; ``ValidationError`` with the reason when it is wrong."""
        raise NotImplementedError

    def text(self, value: T) -> str:
        """The value as a person writes it ("14, 7, 1")."""
        raise NotImplementedError

    def jsonable(self, value: T) -> object:
        raise NotImplementedError

    def read(self, stored: Mapping[str, object]) -> T:
        """The value in ``stored`` (the organisation's settings), the default when none or when it no longer
        validates (a bound tightened since it was saved): a sweep never fails on a stored value."""
        if self.key not in stored:
            return self.default
        try:
            return self.clean(stored[self.key])
        except ValidationError:
            log.warning("reminder schedule %s: stored value %r is not valid, its default is used", self.key,
                        stored[self.key])
            return self.default

    def _whole(self, raw: object) -> int:
        if isinstance(raw, bool):
            raise ValidationError("Give a whole number of days.")
        try:
            number = int(str(raw).strip())
        except ValueError:
            raise ValidationError("Give a whole number of days, such as 7.") from None
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(f"Give a number of days from {self.minimum} to {self.maximum}.")
        return number


@dataclass(frozen=True)
class Days(ScheduleSetting[int]):
    """A number of days: "7"."""

    def clean(self, raw: object) -> int:
        return self._whole(raw)

    def text(self, value: int) -> str:
        return str(value)

    def jsonable(self, value: int) -> object:
        return value


@dataclass(frozen=True)
class DaysList(ScheduleSetting[tuple[int, ...]]):
    """One or several numbers of days, largest first: "14, 7, 1"."""

    def clean(self, raw: object) -> tuple[int, ...]:
        parts = raw if isinstance(raw, list | tuple) else str(raw).replace(" ", "").split(",")
        parts = [part for part in parts if str(part).strip()]
        if not parts:
            raise ValidationError("Give one or several numbers of days separated by commas, such as 14, 7, 1.")
        try:
            days = [self._whole(part) for part in parts]
        except ValidationError:
            raise ValidationError(
                f"Give whole numbers of days from {self.minimum} to {self.maximum} separated by commas, "
                "such as 14, 7, 1."
            ) from None
        return tuple(sorted(set(days), reverse=True))

    def text(self, value: tuple[int, ...]) -> str:
        return ", ".join(str(day) for day in value)

    def jsonable(self, value: tuple[int, ...]) -> object:
        return list(value)


# --- Reading ------------------------------------------------------------------------------------------------
_pinned: ContextVar[Organisation | None] = ContextVar("reminder_organisation", default=None)


@contextmanager
def organisation_pinned(organisation: Organisation) -> Iterator[None]:
    """Within the block, reminders read ``organisation`` (its zone, its schedule) instead of querying it again: the
    sweep reads it once for all its kinds."""
    token = _pinned.set(organisation)
    try:
        yield
    finally:
        _pinned.reset(token)


def reminder_organisation() -> Organisation:
    """The organisation as reminders see it: the one pinned by the sweep, or read now (one query)."""
    return _pinned.get() or Organisation.current()


def schedule_value(setting: ScheduleSetting[T]) -> T:
    """The organisation's value of ``setting``, its default when never changed: the one read of the schedule."""
    return setting.read(reminder_organisation().reminder_schedule or {})


# --- Saving -------------------------------------------------------------------------------------------------
def schedule_stored(settings: Mapping[str, ScheduleSetting[Any]], values: Mapping[str, Any],
                    before: Mapping[str, object]) -> dict[str, object]:
    """What to store for ``values`` (clean values by key; None for "the default"): the values that differ from
    their defaults, and whatever ``before`` holds for keys no setting knows now (an app's kind not registered)."""
    stored = {key: value for key, value in before.items() if key not in settings}
    for key, setting in settings.items():
        value = values.get(key)
        if value is not None and value != setting.default:
            stored[key] = setting.jsonable(value)
    return stored


def schedule_save(*, settings: Mapping[str, ScheduleSetting[Any]], values: Mapping[str, Any], by: User,
                  reason: str) -> Organisation:
    """Keep the organisation's reminder schedule from ``values`` (cleaned by a form), with ``reason`` on the audit
    trail; nothing is written when nothing changes."""
    organisation = Organisation.current()
    stored = schedule_stored(settings, values, organisation.reminder_schedule or {})
    if stored != (organisation.reminder_schedule or {}):
        organisation.reminder_schedule = stored
        with audit_context(actor=by, reason=reason):
            organisation.save()
    return organisation
