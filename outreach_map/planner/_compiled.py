"""The integer form of a plan request that PyVRP solves, and the conversions both ways.

All unit conversion lives here: minutes and km become integers by
:func:`scaled` (``SCALE`` units per minute or km; travel times round *up*, so a
route PyVRP accepts is also feasible in exact arithmetic).

The whole horizon is one PyVRP instance. Day ``d`` occupies the time interval
``[d S, d S + L]`` (the *day span* ``L`` covers any run, the *day stride* ``S = 3 L``): a vehicle type per
(day, group of identical vans) has that day's shift as its time window, and a
stop visited on day ``d`` is a client whose time window lies in that day, so no
van can serve it on another day without a time warp of at least ``L``. A stop
visited once that may go on any day and any time is a single client with a
window over the whole horizon: PyVRP itself then moves it between days. Every
other stop has one client (a *copy*) per visit, on the days of its chosen
pattern; the periodic search changes the pattern.

The lunch break is not a PyVRP visit (a zero-distance break location would let
the solver shortcut the leg it sits on). Times inside PyVRP are *working time*:
clock time with a nominal break (in the middle of the break window, e.g.
12:45-13:15) cut out, so a run's clock day is the working day plus the break,
and windows after the break move 30 minutes earlier. :mod:`~outreach_map.planner.timetable`
then puts the real break into a gap of the finished run, inside its window.

*Anchors* keep the same clock time: in a timetable, every visit of a stop
visited more than once gets a zero-width window at the same working time of
its day (the anchor, chosen by the search), so PyVRP keeps them aligned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pyvrp import Client, Depot, Location, ProblemData, Route, Solution, VehicleType

from .problem import PlanProblem

IntArray = npt.NDArray[np.int64]

#: Integer units per minute (times) and per km (distances).
SCALE = 1000
#: An upper bound for PyVRP values that means "no limit".
UNBOUNDED = 1 << 50


def scaled(value: float, *, up: bool = False) -> int:
    """``value`` in integer units (rounded, or rounded up for travel times)."""
    x = value * SCALE
    return math.ceil(x - 1e-9) if up else round(x)


@dataclass(frozen=True, slots=True)
class Option:
    """One way to serve a stop: a pattern (its days) and a time window (``None`` = any)."""

    pattern: int
    window: int | None
    days: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class VehicleClass:
    """A PyVRP vehicle type: identical vans on one day."""

    day: int
    vans: tuple[int, ...]
    depot: int
    capacity: int
    tw_early: int
    tw_late: int
    max_duration: int


class Compiled:
    """A plan request in integer units, with the stops the search may serve.

    Parameters
    ----------
    problem
        The plan request.
    active
        Stops the search considers (the others are unservable).
    """

    def __init__(self, problem: PlanProblem, active: list[int]) -> None:
        self.problem = problem
        self.active = active
        stops = problem.stops
        n = len(stops)
        self.dist: IntArray = np.rint(problem.km * SCALE).astype(np.int64)
        self.dur: IntArray = np.ceil(problem.minutes * SCALE - 1e-6).astype(np.int64)
        self.loc = np.array([s.location for s in stops], dtype=np.int64)
        self.service = np.array([scaled(s.duration, up=True) for s in stops], dtype=np.int64)
        self.demand = np.array([s.demand for s in stops], dtype=np.int64)
        self.prize = np.array([s.population for s in stops], dtype=np.int64)
        self.required = np.array([s.required for s in stops], dtype=bool)
        self.n_days = len(problem.days)
        self.break_at, self.break_len = self._nominal_break()
        self.day_span = self._day_span()
        self.day_stride = 3 * self.day_span
        self.classes = self._classes()
        self.day_classes: list[list[int]] = [[] for _ in range(self.n_days)]
        for k, vc in enumerate(self.classes):
            self.day_classes[vc.day].append(k)
        working_days = {vc.day for vc in self.classes}
        self.options: list[list[Option]] = [[] for _ in range(n)]
        self.free = np.zeros(n, dtype=bool)
        for i in active:
            s = stops[i]
            windows: list[int | None] = list(range(len(s.time_windows))) or [None]
            self.options[i] = [
                Option(p, w, tuple(sorted(pat.days)))
                for p, pat in enumerate(s.patterns)
                if pat.days <= working_days
                for w in windows
            ]
            self.free[i] = s.visits == 1 and not s.time_windows and {o.days[0] for o in self.options[i]} == working_days
        #: grid of anchor times (scaled): 5 minutes in a timetable
        self.anchor_step = scaled(5.0) if problem.timetable else 1
        self.shared = np.zeros(n, dtype=bool)
        for i in active:
            self.shared[i] = problem.same_time and stops[i].visits > 1
        self.has_windows = any(stops[i].time_windows for i in active) or any(
            v.shift_end is not None for v in problem.vans
        )
        self.locations = [Location(x=float(i), y=0.0) for i in range(len(problem.locations))]
        self.depots = sorted({vc.depot for vc in self.classes})
        self.vehicle_types = [
            VehicleType(
                num_available=len(vc.vans),
                capacity=[vc.capacity],
                start_depot=self.depots.index(vc.depot),
                end_depot=self.depots.index(vc.depot),
                tw_early=vc.tw_early,
                tw_late=vc.tw_late,
                shift_duration=vc.max_duration,
                name=f"day{vc.day}",
            )
            for vc in self.classes
        ]
        self.pyvrp_depots = [Depot(location=d) for d in self.depots]

    def _nominal_break(self) -> tuple[int | None, int]:
        """Working-time cut: (start, length) of the nominal break, scaled; ``None`` when vans differ or have none."""
        kinds = {(v.break_minutes, v.break_window) for v in self.problem.vans}
        if len(kinds) != 1:
            return None, 0
        minutes, window = next(iter(kinds))
        if minutes <= 0:
            return None, 0
        return scaled(window.start + (window.minutes - minutes) / 2), scaled(minutes)

    def work(self, clock_minutes: float) -> int:
        """Working time (scaled, within the day) of a clock time."""
        c = scaled(clock_minutes)
        if self.break_at is None or c <= self.break_at:
            return c
        return max(self.break_at, c - self.break_len)

    def clock(self, work_time: int) -> float:
        """Clock minutes of a working time (scaled, within the day)."""
        if self.break_at is not None and work_time > self.break_at:
            work_time += self.break_len
        return work_time / SCALE

    def _day_span(self) -> int:
        """The day span ``L``: minutes (scaled) that cover any run of any van, from midnight."""
        p = self.problem
        ends = [v.shift_end for v in p.vans if v.shift_end is not None]
        unbounded = any(v.shift_end is None for v in p.vans)
        span = max(ends) if ends else 0.0
        windows = [w.end for s in p.stops for w in s.time_windows]
        if unbounded:
            worst_leg = float(p.minutes.max()) if p.minutes.size else 0.0
            bound = max(v.shift_start for v in p.vans) + (len(p.stops) + 1) * worst_leg
            bound += sum(s.duration * s.visits for s in p.stops) + max(windows, default=0.0)
            span = max(span, bound)
        return scaled(max(span, 1440.0 if p.timetable else 1.0) + 1.0, up=True)

    def _classes(self) -> list[VehicleClass]:
        p = self.problem
        groups: dict[tuple[int, tuple[object, ...]], list[int]] = {}
        key: tuple[int, tuple[object, ...]]
        for vi, van in enumerate(p.vans):
            for day in sorted(van.days):
                same = (van.depot, van.capacity, van.shift_start, van.shift_end, van.break_minutes, van.break_window)
                key = (day, (*same, van.max_duration))
                groups.setdefault(key, []).append(vi)
        classes = []
        for key, vans in groups.items():
            van = p.vans[vans[0]]
            day = key[0]
            early = day * self.day_stride + self.work(van.shift_start)
            if van.shift_end is None:
                late = day * self.day_stride + self.day_span
            elif self.break_at is not None:
                late = day * self.day_stride + self.work(van.shift_end)
            else:  # vans with different breaks: reserve the break at the end of the day
                late = day * self.day_stride + scaled(van.shift_end - van.break_minutes)
            limit = UNBOUNDED if van.max_duration is None else scaled(van.max_duration - van.break_minutes)
            cap = UNBOUNDED if van.capacity is None else van.capacity
            classes.append(VehicleClass(day, tuple(vans), van.depot, cap, early, late, min(limit, late - early)))
        classes.sort(key=lambda vc: (vc.day, vc.vans))
        return classes

    # -- time windows of a visit ------------------------------------------------------------

    def window(self, stop: int, day: int | None, option: Option | None, anchor: int | None = None) -> tuple[int, int]:
        """Absolute (scaled, working time) window for the start of a visit on ``day``.

        ``day`` is ``None`` for a free stop (any day); ``anchor`` fixes the start
        to that working time of the day.
        """
        if day is None:
            return 0, self.n_days * self.day_stride
        base = day * self.day_stride
        if anchor is not None:
            return base + anchor, base + anchor
        s = self.problem.stops[stop]
        if option is not None and option.window is not None:
            w = s.time_windows[option.window]
            return base + self.work(w.start), base + self.work(w.end)
        return base, base + self.day_span

    # -- PyVRP data ------------------------------------------------------------------------

    def data(
        self,
        option: list[int | None],
        anchor: list[int | None] | None = None,
        *,
        day: int | None = None,
        fixed: bool = False,
    ) -> tuple[ProblemData, list[tuple[int, int | None]]]:
        """PyVRP data for the served stops (``option[i]`` not ``None``) and each client's (stop, day).

        ``anchor`` fixes visit times (see the module notes); ``day`` keeps only
        the visits of that day; ``fixed`` gives stops that could go on any day
        a copy on the day of their option instead.
        """
        clients: list[Client] = []
        owner: list[tuple[int, int | None]] = []
        for i in self.active:
            o = option[i]
            if o is None:
                continue
            q = [int(self.demand[i])]
            loc, svc = int(self.loc[i]), int(self.service[i])
            if self.free[i] and not fixed:
                if day is not None:
                    continue
                early, late = self.window(i, None, None)
                clients.append(Client(location=loc, delivery=q, service_duration=svc, tw_early=early, tw_late=late))
                owner.append((i, None))
                continue
            opt = self.options[i][o]
            for d in opt.days:
                if day is not None and d != day:
                    continue
                early, late = self.window(i, d, opt, None if anchor is None else anchor[i])
                clients.append(Client(location=loc, delivery=q, service_duration=svc, tw_early=early, tw_late=late))
                owner.append((i, d))
        matrices: tuple[list[Any], list[Any]] = ([self.dist], [self.dur])
        data = ProblemData(self.locations, clients, self.pyvrp_depots, self.vehicle_types, *matrices)
        return data, owner

    def solution(
        self, data: ProblemData, owner: list[tuple[int, int | None]], routes: list[tuple[int, list[int]]]
    ) -> Solution:
        """PyVRP solution for routes given as (vehicle class, stops in order)."""
        index = {o: k for k, o in enumerate(owner)}
        built = []
        for vc, stops in routes:
            if not stops:
                continue
            day = self.classes[vc].day
            visits = [index[(s, None)] if self.free[s] else index[(s, day)] for s in stops]
            built.append(Route(data, visits, vc))
        return Solution(data, built)

    def routes(self, solution: Solution, owner: list[tuple[int, int | None]]) -> list[tuple[int, list[int]]] | None:
        """Routes of a PyVRP solution, or ``None`` when a visit sits on the wrong day."""
        out = []
        for route in solution.routes():
            vc = route.vehicle_type()
            day = self.classes[vc].day
            stops = []
            for activity in route:
                if activity.is_client():
                    s, d = owner[activity.idx]
                    if d is not None and d != day:
                        return None
                    stops.append(s)
            out.append((vc, stops))
        return out
