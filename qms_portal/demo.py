"""Demo data steps that apps add to ``seed_demo``: the core builds the organisation, apps add their records.

The demo is the history of a fictional organisation, replayed oldest first on a simulated clock: each step
plans its events on the ``History`` it is given (``history.on(moment, do)``), and ``seed_demo`` plays every
app's events in time order, moving the clock to each event's moment (``at``) so that the business functions,
which read the time themselves, stamp records, signatures and trail entries with it. Business functions never
take a time from their caller; only this module moves the clock, and only while seeding the demo.

The history is replayed into an empty audit trail only: a database whose trail already holds entries (a second
run completing what was changed by hand) is completed at the present time, so that the trail stays in time order.

The core imports no app, so each app registers its step from its ``AppConfig.ready``. ``seed_demo`` runs
the steps in registration order after the core's own, in the same transaction and audit context. A step
must be idempotent: running it on data it already built writes nothing.
"""
from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import time_machine
from django.utils import timezone


@dataclass(frozen=True)
class DemoStep:
    """One app's contribution to the demo data: ``run(password=..., history=...)`` gets the demo log-ins' password
    (to sign as a demo person) and the ``History`` to plan its events on."""

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


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """Run the block with the clock stopped at ``moment``: ``timezone.now()``, ``auto_now_add`` and
    ``date.today()`` all read it. For building the demo's history only."""
    with time_machine.travel(moment, tick=False):
        yield


@dataclass(order=True)
class _Event:
    moment: dt.datetime
    sequence: int
    do: Callable[[], object] = field(compare=False)


class History:
    """The demo's events, played oldest first; events at the same moment run in the order they were planned.

    ``today`` is the real day of seeding: the demo's present, which every step counts back from. An event may
    plan further events while it runs (a published version plans its acknowledgements), never before itself.
    """

    YEARS = 2  # the first records are about this old

    def __init__(self, *, replay: bool, zone: dt.tzinfo) -> None:
        self.now = timezone.now()
        self.zone = zone
        self.today = timezone.localdate(self.now)  # the day the business functions take as today
        self.replay = replay
        self.start = self.today - dt.timedelta(days=365 * self.YEARS + 30)
        self._events: list[_Event] = []
        self._sequence = itertools.count()
        self._summaries: list[Callable[[], str | None]] = []
        self._playing: dt.datetime | None = None

    def moment(self, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
        """``day`` at ``hour``:``minute`` in the organisation's time zone, never later than the real present."""
        when = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)
        return min(when, self.now)

    def on(self, when: dt.date | dt.datetime, do: Callable[[], object], *, hour: int = 10, minute: int = 0) -> None:
        """Plan ``do`` for ``when`` (a day: at ``hour``:``minute``); a moment before the one playing runs at it."""
        moment = when if isinstance(when, dt.datetime) else self.moment(when, hour, minute)
        if self._playing is not None:
            moment = max(moment, self._playing)
        heapq.heappush(self._events, _Event(moment, next(self._sequence), do))

    def summary(self, line: Callable[[], str | None]) -> None:
        """Plan a one-line summary for the command's output, written once the whole history has been played."""
        self._summaries.append(line)

    def play(self) -> list[str]:
        """Run every event in time order, the clock at its moment when replaying; return the summaries."""
        while self._events:
            event = heapq.heappop(self._events)
            self._playing = event.moment
            if self.replay:
                with at(event.moment):
                    event.do()
            else:
                event.do()
        self._playing = None
        return [line for line in (summary() for summary in self._summaries) if line]
