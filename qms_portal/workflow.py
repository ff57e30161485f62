"""The one way to declare a record's state machine: each ``Step`` names the states it starts from and the
capability it needs; a step the state does not allow is refused with ``StepRefused`` (``qms_portal.refusals``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Generic, TypeVar

from qms_portal.access import user_can
from qms_portal.refusals import StepRefused

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from qms_portal.models import User

R = TypeVar("R")  # the kind of record whose life the machine describes


@dataclass(frozen=True)
class Step:
    """One step of a record's life: its name (the key callers use), the states it starts from, the capability."""

    name: str
    label: str
    states: tuple[str, ...]
    capability: str | None = None


class StateMachine(Generic[R]):
    """A record's steps, with how a refusal reads and where it sends the person back.

    ``message(record, step_name)`` words the refusal of a step the state does not allow; ``back(record)`` is
    the (url, label) to go back to; ``closed(record)``, when given, says why the record takes no step at all
    any more (signed minutes), or "" while it does.
    """

    def __init__(
        self,
        *steps: Step,
        record: str,
        message: Callable[[R, str], str],
        back: Callable[[R], tuple[str, str]],
        closed: Callable[[R], str] | None = None,
        state: Callable[[R], str] = attrgetter("status"),
    ) -> None:
        self.steps = {step.name: step for step in steps}
        self.record, self._message, self._back, self._closed, self._state = record, message, back, closed, state

    def __getitem__(self, name: str) -> Step:
        return self.steps[name]

    def refusal(self, obj: R, message: str) -> StepRefused:
        """A refusal of a step on ``obj`` saying ``message``, sending the person back to ``obj``'s page."""
        url, label = self._back(obj)
        return StepRefused(message, back_url=url, back_label=label, record=self.record)

    def check(self, obj: R, name: str) -> None:
        """Raise ``StepRefused`` unless step ``name`` may be taken in ``obj``'s state (capability aside)."""
        closed = self._closed(obj) if self._closed else ""
        if closed:
            raise self.refusal(obj, closed)
        step = self.steps.get(name)
        if step is None or self._state(obj) not in step.states:
            raise self.refusal(obj, self._message(obj, name))

    def from_state(self, obj: R) -> set[str]:
        """The steps ``obj``'s state allows, whoever asks."""
        if self._closed and self._closed(obj):
            return set()
        return {name for name, step in self.steps.items() if self._state(obj) in step.states}

    def allowed(self, obj: R, user: User | AnonymousUser) -> set[str]:
        """The steps ``user`` may take on ``obj`` now: its state allows them and they hold the capability."""
        return {
            name for name in self.from_state(obj)
            if (capability := self.steps[name].capability) is None or user_can(user, capability)
        }
