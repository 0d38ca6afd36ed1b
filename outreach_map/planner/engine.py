"""Solve a plan request: periodic search, then clock times, then the :class:`~.solution.Solution`.

Around the search: ``balance`` becomes a limit on stops per run derived from
the fleet (:func:`balanced`); stops with a preferred weekday are first kept to
it, and those that then find no room are planned again on any allowed weekday
(:func:`prefer`); same-run groups are solved as one stop each (:mod:`.groups`).

:func:`solve` is the planner; :func:`solve_baseline` is the naive method
(balance the visits over the days, then route each day with PyVRP) kept for
comparison in the benchmarks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace

from ..errors import ProblemError
from ._compiled import Compiled
from .builder import limit_stops
from .groups import merge_groups, split_solution
from .problem import PlanProblem, Reason, UnservedCode
from .search import Progress, SearchParams, SearchState, baseline, search
from .solution import Assignment, Lunch, Run, Solution, SolveStats, Unserved, Visit
from .timetable import RunSpec, RunTimes, align

__all__ = ["balanced", "prefer", "solve", "solve_baseline"]

VAN_TIME = UnservedCode.VAN_TIME


def _check_args(time_limit: float, time_step: float | None) -> None:
    if not time_limit > 0:
        msg = f"time limit {time_limit}; expected seconds > 0"
        raise ProblemError(msg)
    if time_step is not None and not 0 <= time_step <= 60:
        msg = f"time step {time_step}; expected 0 to 60 minutes"
        raise ProblemError(msg)


def solve(
    problem: PlanProblem,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    time_step: float | None = None,
    params: SearchParams | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Solution:
    """Plan the runs: patterns, order, times; every stop served or given a reason.

    Parameters
    ----------
    problem
        The plan request.
    time_limit
        Seconds for the search (the clock-time step adds a little).
    seed
        Random seed; the same seed and limit give the same plan on one machine
        only up to timing.
    time_step
        Grid for visit times in minutes (default 5 in a timetable, 0 = exact
        otherwise); it falls back to 1 minute, then exact, where the grid does
        not fit.
    params
        Search tuning.
    progress
        Called with a :class:`~outreach_map.planner.search.Progress` now and then.

    Examples
    --------
    >>> from outreach_map.planner import Location, ProblemBuilder
    >>> b = ProblemBuilder(cycle_weeks=2)
    >>> _ = b.add_van("van", depot=Location("daventry-library", "Daventry Library", 52.2569, -1.1607), weekdays=["Tue"])
    >>> _ = b.add_stop("badby", lat=52.2245, lon=-1.1780, population=640, frequency_weeks=1)
    >>> plan = solve(b.build(), time_limit=0.5)
    >>> a = plan.assignments["badby"]
    >>> a.weekday_name, a.weeks, len({t for t in a.times})
    ('Tue', (1, 2), 1)
    """
    _check_args(time_limit, time_step)
    if problem.balance:
        problem = balanced(problem)
    wishes = {s.id for s in problem.stops if s.preferred_weekday is not None and s.id not in problem.unservable}
    if not wishes:
        return _solve_grouped(problem, time_limit, seed, time_step, params, progress)
    first = _solve_grouped(prefer(problem, wishes), 0.6 * time_limit, seed, time_step, params, progress)
    missed = {u.stop for u in first.unserved} & wishes
    if not missed:
        return first
    second = _solve_grouped(prefer(problem, wishes - missed), 0.4 * time_limit, seed, time_step, params, progress)
    return max((first, second), key=lambda s: (s.population_served, -s.distance_km))


def balanced(problem: PlanProblem) -> PlanProblem:
    """The request with every run limited to one stop more than the visits per van-day (``balance``)."""
    groups: dict[str, int] = {}
    for s in problem.stops:
        if s.same_run is not None:
            groups[s.same_run] = groups.get(s.same_run, 0) + 1
    most = max(math.ceil(problem.visits / max(problem.van_days, 1)) + 1, *groups.values(), 1)
    return limit_stops(problem, most)


def prefer(problem: PlanProblem, stops: set[str]) -> PlanProblem:
    """The request with the given stops kept to their preferred weekday (their other patterns dropped)."""
    out = []
    for s in problem.stops:
        if s.id in stops:
            kept = tuple(p for p in s.patterns if p.weekday == s.preferred_weekday)
            s = replace(s, patterns=kept or s.patterns)
        out.append(s)
    return replace(problem, stops=tuple(out))


def _solve_grouped(
    problem: PlanProblem, time_limit: float, seed: int, time_step: float | None, params: SearchParams | None,
    progress: Callable[[Progress], None] | None,
) -> Solution:  # fmt: skip
    """Solve, with each same-run group as one stop (see :mod:`.groups`)."""
    merged = merge_groups(problem)
    target = problem if merged is None else merged.problem
    started = time.perf_counter()
    active = [i for i, s in enumerate(target.stops) if s.id not in target.unservable]
    cp = Compiled(target, active)
    state = search(cp, time_limit=time_limit, seed=seed, params=params, progress=progress)
    step = (5.0 if target.timetable else 0.0) if time_step is None else time_step
    solution = _plan(target, cp, state, "periodic", started, seed, time_limit, step)
    return solution if merged is None else split_solution(merged, solution)


def solve_baseline(problem: PlanProblem, *, time_limit: float = 60.0, seed: int = 0) -> Solution:
    """The naive method: balance visits over the days, then route each day with PyVRP (for comparison)."""
    _check_args(time_limit, None)
    started = time.perf_counter()
    active = [i for i, s in enumerate(problem.stops) if s.id not in problem.unservable]
    cp = Compiled(problem, active)
    state = baseline(cp, time_limit=time_limit, seed=seed)
    return _plan(problem, cp, state, "baseline", started, seed, time_limit, 5.0 if problem.timetable else 0.0)


def _plan(
    problem: PlanProblem, cp: Compiled, state: SearchState, method: str, started: float, seed: int,
    time_limit: float, step: float,
) -> Solution:  # fmt: skip
    """Time the searched routes, then name each stop's timetable entry and each unserved stop's reason."""
    specs = _run_specs(problem, cp, state)
    result = align(problem, specs, step=step)
    dropped = dict(result.dropped)
    runs = _timed_runs(problem, specs, result.times, dropped)
    assignments = _assignments(problem, cp, state, runs)
    unserved = tuple(
        Unserved(stop.id, i, reason.code, reason.text)
        for i, stop in enumerate(problem.stops)
        if stop.id not in assignments
        for reason in [_unserved_reason(problem, state, i, dropped, assignments)]
    )
    stats = SolveStats(
        method=method, runtime=time.perf_counter() - started, iterations=int(state.stats.get("iterations", 0)),
        seed=seed, time_limit=time_limit, time_step=result.step, on_grid=result.on_grid,
    )  # fmt: skip
    return Solution(problem, tuple(runs), assignments, unserved, stats)


def _run_specs(problem: PlanProblem, cp: Compiled, state: SearchState) -> list[RunSpec]:
    """The searched routes as runs to time (van, day, stops, the chosen window of each), by day and van."""
    specs: list[RunSpec] = []
    used: dict[int, int] = {}
    for vc, stops in state.routes:
        if not stops:
            continue
        cls = cp.classes[vc]
        k = used.get(vc, 0)
        used[vc] = k + 1
        windows = []
        for s in stops:
            o = state.option[s]
            w = None if o is None else cp.options[s][o].window
            windows.append(None if w is None else problem.stops[s].time_windows[w])
        specs.append(RunSpec(cls.vans[k], cls.day, tuple(stops), tuple(windows)))
    return sorted(specs, key=lambda r: (r.day, r.van))


def _timed_runs(
    problem: PlanProblem, specs: list[RunSpec], times: tuple[RunTimes | None, ...], dropped: dict[int, Reason]
) -> list[Run]:
    """The runs with their times, without the stops the aligner dropped (runs left empty go)."""
    runs = []
    for spec, timed in zip(specs, times, strict=True):
        kept = RunSpec(
            spec.van, spec.day, tuple(s for s in spec.stops if s not in dropped),
            tuple(w for s, w in zip(spec.stops, spec.windows, strict=True) if s not in dropped),
        )  # fmt: skip
        if timed is not None and kept.stops:
            runs.append(_run(problem, kept, timed))
    return runs


def _assignments(problem: PlanProblem, cp: Compiled, state: SearchState, runs: list[Run]) -> dict[str, Assignment]:
    """Each served stop's timetable entry: its pattern, days, weeks, times and vans."""
    visits_of: dict[int, list[tuple[int, float, float, str]]] = {}
    for run in runs:
        for v in run.visits:
            visits_of.setdefault(v.stop_index, []).append((run.day.index, v.arrive, v.depart, run.van))
    assignments: dict[str, Assignment] = {}
    for i, visits in visits_of.items():
        stop, o = problem.stops[i], state.option[i]
        if o is None:
            continue
        option = cp.options[i][o]
        pattern = stop.patterns[option.pattern]
        visits.sort()
        days = tuple(v[0] for v in visits)
        weeks = tuple(w + 1 for d in days if (w := problem.days[d].week) is not None)
        assignments[stop.id] = Assignment(
            stop=stop.id, stop_index=i, pattern=pattern, days=days, weeks=weeks, weekday=pattern.weekday,
            arrive=visits[0][1], depart=visits[0][2], times=tuple((v[1], v[2]) for v in visits),
            vans=tuple(v[3] for v in visits), window=option.window,
        )  # fmt: skip
    return assignments


def _unserved_reason(
    problem: PlanProblem, state: SearchState, i: int, dropped: dict[int, Reason], assignments: dict[str, Assignment]
) -> Reason:
    """Why stop ``i`` is not served, from where it was decided: the builder, the aligner, or the search."""
    stop = problem.stops[i]
    if stop.id in problem.unservable:
        return problem.unservable[stop.id]
    if i in dropped:
        return dropped[i]
    if stop.required:
        return Reason(VAN_TIME, "could not be fitted into the runs (capacity, duration or time windows)")
    if not state.feasible:
        return Reason(VAN_TIME, "no feasible plan was found in the time limit")
    if all(problem.stops[a.stop_index].population >= stop.population for a in assignments.values()):
        return Reason(
            VAN_TIME, f"not enough van time: lower priority (population {stop.population}) than the served stops"
        )
    every = f" every {stop.frequency_weeks} weeks" if stop.frequency_weeks else ""
    return Reason(VAN_TIME, f"not enough van time: no run has room for its {stop.duration:g}-minute visit{every}")


def _run(problem: PlanProblem, spec: RunSpec, times: RunTimes) -> Run:
    van = problem.vans[spec.van]
    visits = []
    here = van.depot
    clock_at = times.leave
    drive = dist = wait = 0.0
    for k, (s, start) in enumerate(zip(spec.stops, times.starts, strict=True)):
        stop = problem.stops[s]
        leg_min = float(problem.minutes[here, stop.location])
        leg_km = float(problem.km[here, stop.location])
        if times.break_gap == k and times.break_start is not None:
            clock_at = max(clock_at, times.break_start + van.break_minutes)
        arrival = clock_at + leg_min
        w = max(0.0, start - arrival)
        visits.append(Visit(stop.id, s, start, start + stop.duration, w, leg_min, leg_km))
        drive += leg_min
        dist += leg_km
        wait += w
        here = stop.location
        clock_at = start + stop.duration
    back_min = float(problem.minutes[here, van.depot])
    back_km = float(problem.km[here, van.depot])
    drive += back_min
    dist += back_km
    lunch = None
    if times.break_start is not None and times.break_gap is not None:
        n = len(spec.stops)
        lunch = Lunch(
            times.break_start, times.break_start + van.break_minutes, min(times.break_gap, n),
            times.break_gap in (0, n + 1),
        )  # fmt: skip
    return Run(
        van=van.id, van_index=spec.van, day=problem.days[spec.day], visits=tuple(visits), leave=times.leave,
        back=times.back, lunch=lunch, drive_min=drive, distance_km=dist, wait_min=wait,
        return_drive_min=back_min, return_km=back_km,
    )  # fmt: skip
