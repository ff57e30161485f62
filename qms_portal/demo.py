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
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import time_machine
from django.utils import timezone


@dataclass(frozen=True)
class Scale:
    """How big an organisation ``seed_demo`` builds: the demo's own 40 people (``DEMO``), or the large organisation
    (``large()``) that every app grows on top of the demo, through the same business functions and the same clock.

    The large counts are for 5,000 people; ``large(people)`` scales every count by ``people / 5000`` (a test
    builds a small one through the same code). Counts are totals, the demo's own records included.
    """

    name: str
    people: int = 0
    years: int = 2  # the first records are about this old
    sites: int = 0
    departments: int = 0
    roles: int = 0
    activities: int = 0
    policy_versions: int = 0
    reviews_per_year: int = 0
    actions: int = 0
    objectives: int = 0
    evidence: int = 0
    turnover: float = 0.0  # the share of the staff leaving (and replaced) in a year

    @property
    def is_large(self) -> bool:
        return self.name == "large"

    @classmethod
    def large(cls, people: int = 5000) -> Scale:
        """The large organisation; at ``people`` below 5,000 each count shrinks in proportion (never below what
        the rules need: a role per department, a department per site)."""
        share = people / 5000

        def scaled(full: int, least: int) -> int:
            return max(least, round(full * share))

        departments = scaled(40, 10)
        return cls(
            name="large", people=people, years=3, sites=4, departments=departments,
            roles=scaled(120, 30), activities=scaled(400, 50), policy_versions=10, reviews_per_year=4,
            actions=scaled(2000, 20), objectives=scaled(30, 10), evidence=scaled(3000, 30), turnover=0.25,
        )


DEMO = Scale("demo")

TURNOVER_FROM = 60  # days after the history's start: the first leavers, once the staff has its roles


@dataclass(frozen=True)
class StaffChange:
    """A month's leavers and starters in the large organisation: the leavers go at the end of ``leave_on`` (a
    Friday), the starters join on ``start_on`` (the Monday after); ``month`` numbers the months from 1."""

    month: int
    leave_on: dt.date
    start_on: dt.date


def staff_changes(history: History) -> list[StaffChange]:
    """The large organisation's monthly staff changes over its history (none at demo scale), the same for every
    app's step: the core replaces the people, and each app ends and starts what they held (roles, campaigns). None
    when the history is not replayed (a demo grown at the present time): its people and roles start today, and have
    no past to leave."""
    if not history.scale.turnover or not history.replay:
        return []
    changes: list[StaffChange] = []
    day = history.start + dt.timedelta(days=TURNOVER_FROM)
    while day < history.today - dt.timedelta(days=14):
        friday = day + dt.timedelta(days=(4 - day.weekday()) % 7)
        changes.append(StaffChange(len(changes) + 1, friday, friday + dt.timedelta(days=3)))
        day += dt.timedelta(days=30)
    return changes


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
    stage: str = field(default="", compare=False)


class History:
    """The demo's events, played oldest first; events at the same moment run in the order they were planned.

    ``today`` is the real day of seeding: the demo's present, which every step counts back from. An event may
    plan further events while it runs (a published version plans its acknowledgements), never before itself.
    """

    YEARS = 2  # the demo's first records are about this old; the large organisation's are ``scale.years`` old

    def __init__(self, *, replay: bool, zone: dt.tzinfo, scale: Scale = DEMO,
                 progress: Callable[[str], object] | None = None) -> None:
        self.scale = scale
        self.progress = progress
        self.now = timezone.now()
        self.zone = zone
        self.today = timezone.localdate(self.now)  # the day the business functions take as today
        self.replay = replay
        self.start = self.today - dt.timedelta(days=365 * (scale.years if scale.is_large else self.YEARS) + 30)
        self._stage_seconds: dict[str, float] = defaultdict(float)
        self._stage_events: dict[str, int] = defaultdict(int)
        self._events: list[_Event] = []
        self._sequence = itertools.count()
        self._summaries: list[Callable[[], str | None]] = []
        self._playing: dt.datetime | None = None
        self.stage = ""  # what an event planned without a stage of its own builds: the step planning, or the event

    def moment(self, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
        """``day`` at ``hour``:``minute`` in the organisation's time zone, never later than the real present."""
        when = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)
        return min(when, self.now)

    def on(self, when: dt.date | dt.datetime, do: Callable[[], object], *, hour: int = 10, minute: int = 0,
           stage: str = "") -> None:
        """Plan ``do`` for ``when`` (a day: at ``hour``:``minute``); a moment before the one playing runs at it.
        ``stage`` names what the event builds, for the progress the command prints (time spent per stage)."""
        moment = when if isinstance(when, dt.datetime) else self.moment(when, hour, minute)
        if self._playing is not None:
            moment = max(moment, self._playing)
        heapq.heappush(self._events, _Event(moment, next(self._sequence), do, stage or self.stage))

    def stage_times(self) -> list[tuple[str, int, float]]:
        """Each stage played: its name, how many events, the seconds they took; slowest first."""
        return sorted(((name, self._stage_events[name], seconds) for name, seconds in self._stage_seconds.items()),
                      key=lambda row: -row[2])

    def summary(self, line: Callable[[], str | None]) -> None:
        """Plan a one-line summary for the command's output, written once the whole history has been played."""
        self._summaries.append(line)

    def play(self) -> list[str]:
        """Run every event in time order, the clock at its moment when replaying; return the summaries."""
        started = time.monotonic()
        reported = started
        while self._events:
            event = heapq.heappop(self._events)
            self._playing, self.stage = event.moment, event.stage
            began = time.monotonic()
            if self.replay:
                with at(event.moment):
                    event.do()
            else:
                event.do()
            now = time.monotonic()
            stage = event.stage or "other"
            self._stage_seconds[stage] += now - began
            self._stage_events[stage] += 1
            if self.progress is not None and now - reported >= 10:
                reported = now
                self.progress(f"  {now - started:7.1f} s: playing {event.moment:%Y-%m-%d}, {len(self._events)} events "
                              f"to go ({stage})")
        self._playing = None
        return [line for line in (summary() for summary in self._summaries) if line]
