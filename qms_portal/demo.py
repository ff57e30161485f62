"""Demo data steps that apps add to ``seed_demo``: the core builds the organisation, apps add their records.

The core imports no app, so each app registers its step from its ``AppConfig.ready``. ``seed_demo`` runs
the steps in registration order after the core's own, in the same transaction and audit context. A step
must be idempotent: running it on data it already built writes nothing.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoStep:
    """One app's contribution to the demo data: ``run(password=...)`` gets the demo log-ins' password (to
    sign as a demo person) and may return a one-line summary for the command's output."""

    name: str
    run: Callable[..., Any]


_STEPS: list[DemoStep] = []


def demo_register(name: str, run: Callable[..., Any]) -> None:
    """Add an app's demo step (once: registering the same name again replaces it)."""
    for index, step in enumerate(_STEPS):
        if step.name == name:
            _STEPS[index] = DemoStep(name, run)
            return
    _STEPS.append(DemoStep(name, run))


def demo_steps() -> list[DemoStep]:
    """The registered steps, in the order they run."""
    return list(_STEPS)
