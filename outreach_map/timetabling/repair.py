"""A re-plan that changes nothing it need not: the published timetable, repaired for the stops that changed.

Before the solver re-plans a request with a published timetable's entries
locked, :func:`repair` tries the smallest change: every stop the request still
asks for, at the frequency and length it was published with (or, for the
``service`` objective, at a published frequency that is one of its options), keeps its visits
exactly (weekday, weeks, times, van); a stop that is gone (or whose frequency or
length changed) leaves its runs, which stay feasible (the van drives straight
on, never longer than through the stop, and may wait); a new (or changed) stop
is put into the gaps of the runs, on one of its patterns, at one clock time on
every visit, without moving any other visit or the lunch break, with the
least extra driving. If a new stop fits nowhere the repair gives up and the
solver re-plans (see :func:`~.pipeline.make_timetable`). The result is checked
by the one checker before it is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..clock import WEEKDAYS, clock
from ..errors import ProblemError
from ..planner.builder import with_frequencies
from ..planner.check import check_solution
from ..planner.problem import PlanProblem, Stop
from ..planner.solution import Assignment, Lunch, Run, Solution, SolveStats, Unserved, Visit
from ..published import Timetable
from ..published.check import FILE_TOLERANCE

__all__ = ["repair"]

#: New visits start on this grid (minutes), as the planner's do.
STEP = 5.0


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where a new visit can go on one day: run (index or -1-van for an idle van), gap, start interval, detour."""

    run: int
    gap: int
    lo: float
    hi: float
    detour: float


def _kept(problem: PlanProblem, locked: Timetable) -> set[str]:
    """Stops whose published entry stays: still asked for at the same frequency and length, on an allowed
    weekday, in its time window."""
    kept = set()
    for old in locked.served_stops:
        try:
            stop = problem.stops[problem.stop_index(old.id)]
        except ProblemError:  # a stop the request no longer has
            continue
        entry = old.entry
        assert entry is not None
        arrive = clock(entry.arrive)
        in_window = not stop.time_windows or any(w.start <= arrive <= w.end for w in stop.time_windows)
        same = (stop.frequency_weeks, stop.duration) == (old.frequency_weeks, old.duration_min)
        if same and in_window and WEEKDAYS.index(entry.weekday) in stop.weekdays:
            kept.add(old.id)
    return kept


def _published_frequencies(problem: PlanProblem, locked: Timetable) -> PlanProblem:
    """The problem with each stop at its published frequency where that is one of its options (``service``)."""
    chosen = {}
    for old in locked.served_stops:
        try:
            stop = problem.stops[problem.stop_index(old.id)]
        except ProblemError:
            continue
        if old.frequency_weeks != stop.frequency_weeks and old.frequency_weeks in stop.frequency_options:
            chosen[old.id] = old.frequency_weeks
    return with_frequencies(problem, chosen) if chosen else problem


def _same_fleet(problem: PlanProblem, locked: Timetable) -> bool:
    """Same cycle, vans and shifts, and a start on the same week of the cycle (else week numbers mean other dates)."""
    if problem.cycle_weeks != locked.cycle_weeks or len(problem.vans) != len(locked.vans):
        return False
    if problem.start_date is not None and (problem.start_date - locked.start_date).days % (7 * locked.cycle_weeks):
        return False
    for van, old in zip(problem.vans, locked.vans, strict=True):
        if (van.id, van.shift_start, van.shift_end) != (
            old.id,
            clock(old.shift_start),
            clock(old.shift_end or "23:59"),
        ):
            return False
        if van.max_stops != old.max_stops or float(old.break_minutes or 0) != van.break_minutes:
            return False
    return True


def _legs(problem: PlanProblem, depot: int, visits: list[Visit]) -> tuple[list[Visit], float, float, float, float]:
    """Visits with their legs recomputed, and the run's drive, km and the last leg's minutes and km."""
    here, out = depot, []
    for v in visits:
        loc = problem.stops[v.stop_index].location
        out.append(replace(v, drive_min=float(problem.minutes[here, loc]), distance_km=float(problem.km[here, loc])))
        here = loc
    back_min, back_km = float(problem.minutes[here, depot]), float(problem.km[here, depot])
    return out, sum(v.drive_min for v in out) + back_min, sum(v.distance_km for v in out) + back_km, back_min, back_km


def _runs(problem: PlanProblem, locked: Timetable, kept: set[str]) -> list[Run]:
    """The published runs on the new request, with only the kept stops (a run left empty goes)."""
    runs = []
    for old in locked.runs:
        vi = problem.van_index(old.van)
        van = problem.vans[vi]
        day = problem.days[7 * (old.week - 1) + WEEKDAYS.index(old.weekday)]
        lunch_after = None
        visits: list[Visit] = []
        for v in old.visits:
            if old.lunch is not None and lunch_after is None and clock(v.arrive) >= clock(old.lunch.end) - 1:
                lunch_after = len(visits)
            if v.stop in kept:
                i = problem.stop_index(v.stop)
                visits.append(Visit(v.stop, i, clock(v.arrive), clock(v.arrive) + problem.stops[i].duration, 0, 0, 0))
        if not visits:
            continue
        leave = clock(old.leave) if old.leave else van.shift_start
        back = clock(old.back) if old.back else visits[-1].depart
        lunch = None
        if old.lunch is not None:
            start, end = clock(old.lunch.start), clock(old.lunch.end)
            after = len(visits) if lunch_after is None else lunch_after
            lunch = Lunch(
                start, end, after, (after == 0 and end <= leave + 1) or (after == len(visits) and start >= back - 1)
            )
        legs, drive, km, back_min, back_km = _legs(problem, van.depot, visits)
        runs.append(Run(old.van, vi, day, tuple(legs), leave, back, lunch, drive, km, 0.0, back_min, back_km))
    return runs


def _gap_slot(problem: PlanProblem, run: Run, gap: int, stop: Stop) -> _Slot | None:
    """The start interval for ``stop`` in gap ``gap`` of a run (before visit ``gap``), without moving anything."""
    van = problem.vans[run.van_index]
    if van.max_stops is not None and len(run.visits) >= van.max_stops:
        return None
    prev = van.depot if gap == 0 else problem.stops[run.visits[gap - 1].stop_index].location
    nxt = van.depot if gap == len(run.visits) else problem.stops[run.visits[gap].stop_index].location
    free = run.leave if gap == 0 else run.visits[gap - 1].depart
    until = run.back if gap == len(run.visits) else run.visits[gap].arrive
    if gap == 0:  # a new first visit: the van may leave earlier, not before the shift (nor before lunch at the depot)
        free = van.shift_start if run.lunch is None or run.lunch.after != 0 else max(van.shift_start, run.lunch.end)
    if gap == len(run.visits) and van.shift_end is not None:  # a new last visit: it may come back later
        until = (
            van.shift_end if run.lunch is None or run.lunch.after != gap or not run.lunch.at_depot else run.lunch.start
        )
    if run.lunch is not None and run.lunch.after == gap and not (gap in (0, len(run.visits)) and run.lunch.at_depot):
        free = max(free, run.lunch.end)  # after the lunch, taken at the previous place
    lo = math.ceil((free + float(problem.minutes[prev, stop.location])) / STEP - 1e-9) * STEP
    hi = until - float(problem.minutes[stop.location, nxt]) - stop.duration
    if lo > hi + 1e-9:
        return None
    detour = float(problem.km[prev, stop.location] + problem.km[stop.location, nxt] - problem.km[prev, nxt])
    return _Slot(-1, gap, lo, hi, detour)


def _slots(problem: PlanProblem, runs: list[Run], day: int, stop: Stop) -> list[_Slot]:
    out = []
    for r, run in enumerate(runs):
        if run.day.index != day:
            continue
        for gap in range(len(run.visits) + 1):
            slot = _gap_slot(problem, run, gap, stop)
            if slot is not None:
                out.append(replace(slot, run=r))
    return out


def _place(problem: PlanProblem, runs: list[Run], stop: Stop) -> tuple[list[tuple[_Slot, int]], float] | None:
    """The pattern and one clock time at which the stop fits a gap on each of its days, with the least detour."""
    best: tuple[float, float, list[tuple[_Slot, int]], float] | None = None
    for pattern in stop.patterns:
        days = sorted(pattern.days)
        options = [_slots(problem, runs, d, stop) for d in days]
        if not all(options):
            continue
        for t in sorted({s.lo for day in options for s in day}):
            if stop.time_windows and not any(w.start <= t <= w.end for w in stop.time_windows):
                continue
            picks = [
                min((s for s in day if s.lo <= t <= s.hi), key=lambda s: s.detour, default=None) for day in options
            ]
            if any(p is None for p in picks):
                continue
            chosen = [(p, d) for p, d in zip(picks, days, strict=True) if p is not None]
            cost = sum(p.detour for p, _ in chosen)
            if best is None or (cost, t) < best[:2]:
                best = (cost, t, chosen, t)
    return None if best is None else (best[2], best[3])


def _insert(problem: PlanProblem, runs: list[Run], stop_index: int, placed: list[tuple[_Slot, int]], t: float) -> None:
    stop = problem.stops[stop_index]
    for slot, _ in placed:
        run = runs[slot.run]
        van = problem.vans[run.van_index]
        visits = list(run.visits)
        visits.insert(slot.gap, Visit(stop.id, stop_index, t, t + stop.duration, 0.0, 0.0, 0.0))
        lunch, n = run.lunch, len(run.visits)
        # the new visit is before the break if it goes into an earlier gap, or last before a break back at the depot
        if lunch is not None and (slot.gap < lunch.after or (slot.gap == lunch.after == n and lunch.at_depot and n)):
            lunch = replace(lunch, after=lunch.after + 1)
        legs, drive, km, back_min, back_km = _legs(problem, van.depot, visits)
        leave = min(run.leave, legs[0].arrive - legs[0].drive_min)
        back = max(run.back, legs[-1].depart + back_min)
        runs[slot.run] = replace(run, visits=tuple(legs), lunch=lunch, leave=leave, back=back, drive_min=drive,
                                 distance_km=km, return_drive_min=back_min, return_km=back_km)  # fmt: skip


def _assignments(problem: PlanProblem, runs: list[Run]) -> dict[str, Assignment]:
    visits: dict[int, list[tuple[int, float, float, str]]] = {}
    for run in runs:
        for v in run.visits:
            visits.setdefault(v.stop_index, []).append((run.day.index, v.arrive, v.depart, run.van))
    out = {}
    for i, seen in visits.items():
        seen.sort()
        stop = problem.stops[i]
        days = frozenset(d for d, *_ in seen)
        pattern = next((p for p in stop.patterns if p.days == days), stop.patterns[0])
        out[stop.id] = Assignment(
            stop.id, i, pattern, tuple(sorted(days)), tuple(w + 1 for d in sorted(days) if (w := problem.days[d].week) is not None),
            pattern.weekday, seen[0][1], seen[0][2], tuple((a, b) for _, a, b, _ in seen), tuple(v for *_, v in seen), None,
        )  # fmt: skip
    return out


def repair(problem: PlanProblem, locked: Timetable) -> Solution | None:
    """The published timetable with only the changed stops changed, or ``None`` when that cannot be done.

    ``problem`` is the new request without locks (its stops' patterns all open). The solution's problem
    has the published frequencies a ``service`` plan chose (:func:`_published_frequencies`).
    """
    if not _same_fleet(problem, locked) or any(s.same_run for s in problem.stops):
        return None
    problem = _published_frequencies(problem, locked)
    kept = _kept(problem, locked)
    runs = _runs(problem, locked, kept)
    new = sorted((i for i, s in enumerate(problem.stops) if s.id not in kept and s.id not in problem.unservable),
                 key=lambda i: -problem.stops[i].population)  # fmt: skip
    for i in new:
        found = _place(problem, runs, problem.stops[i])
        if found is None:
            return None
        _insert(problem, runs, i, *found)
    runs.sort(key=lambda r: (r.day.index, r.van))
    unserved = tuple(Unserved(s.id, problem.stop_index(s.id), why.code, why.text) for s in problem.stops
                     if (why := problem.unservable.get(s.id)) is not None)  # fmt: skip
    solution = Solution(problem, tuple(runs), _assignments(problem, runs), unserved,
                        SolveStats("repair", 0.0, 0, 0, 0.0, STEP, 1.0))  # fmt: skip
    return solution if not check_solution(solution, tolerance=FILE_TOLERANCE) else None
