"""What the solver returns: runs with timed visits and breaks, timetable entries, unserved stops.

A :class:`Solution` holds everything later steps need (the published
:class:`~outreach_map.published.Timetable` is made from it): for every van-day run
the ordered visits with arrival and departure, the lunch break, the minutes
driven and the distance; for every served stop its pattern, weekday, weeks and
clock time; for every stop not served the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from ..clock import WEEKDAYS, format_clock
from .problem import Day, Pattern, PlanProblem, UnservedCode

__all__ = ["Assignment", "Lunch", "Run", "Solution", "SolveStats", "Unserved", "Visit"]


@dataclass(frozen=True, slots=True)
class Visit:
    """One visit of a run (minutes after midnight).

    Attributes
    ----------
    arrive, depart
        Start and end of the visit (what the public timetable shows).
    wait
        Minutes the van waits before ``arrive`` (it came early).
    drive_min, distance_km
        The leg from the previous place (the depot for the first visit).
    """

    stop: str
    stop_index: int
    arrive: float
    depart: float
    wait: float
    drive_min: float
    distance_km: float

    def __str__(self) -> str:
        return f"{self.stop} {format_clock(self.arrive)}-{format_clock(self.depart)}"


@dataclass(frozen=True, slots=True)
class Lunch:
    """A run's break: ``after`` visits are done before it (0: at the depot before leaving); ``at_depot`` if there."""

    start: float
    end: float
    after: int
    at_depot: bool


@dataclass(frozen=True, slots=True)
class Run:
    """One van on one day: leave the depot, visit stops in order, come back.

    Attributes
    ----------
    day
        The day of the horizon (``day.week``/``day.weekday`` in a timetable).
    leave, back
        Departure from and return to the depot (minutes after midnight).
    drive_min, distance_km, wait_min
        Totals over the run, including the leg back to the depot.
    return_drive_min, return_km
        The last leg, back to the depot.
    """

    van: str
    van_index: int
    day: Day
    visits: tuple[Visit, ...]
    leave: float
    back: float
    lunch: Lunch | None
    drive_min: float
    distance_km: float
    wait_min: float
    return_drive_min: float
    return_km: float

    @property
    def week_number(self) -> int | None:
        """Week of the cycle, from 1 (``None`` in a general horizon)."""
        return None if self.day.week is None else self.day.week + 1

    @property
    def weekday_name(self) -> str | None:
        return None if self.day.weekday is None else WEEKDAYS[self.day.weekday]

    @property
    def stops(self) -> tuple[str, ...]:
        return tuple(v.stop for v in self.visits)


@dataclass(frozen=True, slots=True)
class Assignment:
    """A served stop's place in the timetable.

    Attributes
    ----------
    pattern
        The chosen pattern (its days; weekday and phase in a timetable).
    days
        Indices of the days it is visited, in order.
    weeks
        Weeks of the cycle it is visited, from 1 (timetables).
    arrive, depart
        Clock time of the visit; with ``same_time`` every visit has it, otherwise
        these are the first visit's times and ``times`` has each.
    times
        (arrive, depart) of each visit, in day order.
    vans
        Van of each visit, in day order.
    window
        Index of the stop's time window used, if it has windows.
    """

    stop: str
    stop_index: int
    pattern: Pattern
    days: tuple[int, ...]
    weeks: tuple[int, ...]
    weekday: int | None
    arrive: float
    depart: float
    times: tuple[tuple[float, float], ...]
    vans: tuple[str, ...]
    window: int | None

    @property
    def weekday_name(self) -> str | None:
        return None if self.weekday is None else WEEKDAYS[self.weekday]


@dataclass(frozen=True, slots=True)
class Unserved:
    """A stop the plan does not serve, and why.

    ``code`` says why for programs (see :class:`~outreach_map.planner.problem.UnservedCode`),
    ``reason`` for people; both are set where the reason is known, never parsed from each other
    (``code`` is ``None`` only for a published timetable that was written without codes).
    """

    stop: str
    stop_index: int
    code: UnservedCode | None
    reason: str


@dataclass(frozen=True, slots=True)
class SolveStats:
    """How the plan was found; ``on_grid`` is the share of visit times on the ``time_step`` grid."""

    method: str
    runtime: float
    iterations: int
    seed: int
    time_limit: float
    time_step: float
    on_grid: float


@dataclass(frozen=True, eq=False)
class Solution:
    """The solver's answer to a :class:`~outreach_map.planner.problem.PlanProblem` (times in minutes, floats)."""

    problem: PlanProblem
    runs: tuple[Run, ...]
    assignments: Mapping[str, Assignment]
    unserved: tuple[Unserved, ...]
    stats: SolveStats

    def __post_init__(self) -> None:
        object.__setattr__(self, "assignments", MappingProxyType(dict(self.assignments)))

    @property
    def distance_km(self) -> float:
        """Total distance over all runs of the horizon."""
        return sum(r.distance_km for r in self.runs)

    @property
    def drive_min(self) -> float:
        return sum(r.drive_min for r in self.runs)

    @property
    def population_served(self) -> int:
        return sum(self.problem.stops[a.stop_index].population for a in self.assignments.values())

    @property
    def population_total(self) -> int:
        return sum(s.population for s in self.problem.stops)

    @property
    def complete(self) -> bool:
        """Every stop is served."""
        return not self.unserved

    @property
    def feasible(self) -> bool:
        """Every required stop is served."""
        return all(not self.problem.stops[u.stop_index].required for u in self.unserved)

    @property
    def van_minutes(self) -> float:
        """Minutes vans are out (leave to back) over the horizon."""
        return sum(r.back - r.leave for r in self.runs)

    def date_of(self, day: int, cycle: int = 0) -> date | None:
        """Calendar date of a day in the given repetition of the cycle (needs ``start_date``)."""
        p = self.problem
        if p.start_date is None or p.cycle_weeks is None:
            return None
        return p.start_date + timedelta(days=day + 7 * p.cycle_weeks * cycle)

    def runs_of(self, van: str) -> list[Run]:
        return [r for r in self.runs if r.van == van]

    def summary(self) -> str:
        """A few lines for people."""
        p = self.problem
        served = len(self.assignments)
        lines = [
            f"plan '{p.name}': {len(self.runs)} runs, {served}/{len(p.stops)} stops served",
            f"distance {self.distance_km:.1f} km, driving {self.drive_min:.0f} min, "
            f"vans out {self.van_minutes:.0f} min",
        ]
        if self.population_total:
            lines.append(f"population served {self.population_served} of {self.population_total}")
        lines.extend(f"unserved {u.stop}: {u.reason}" for u in self.unserved)
        return "\n".join(lines)
