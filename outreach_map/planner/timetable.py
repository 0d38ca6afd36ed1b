"""Clock times for every run: lunch breaks, waiting, and the same time on every visit.

Given the order of each run (from the periodic search), the times are the
least solution of a system of *difference constraints* ``x_j >= x_i + w``
(longest paths, solved by label correcting). The variables are the start of
each visit, each run's break and each run's return to the depot:

- consecutive visits: ``start_next >= start + duration + travel`` (with the
  break in a gap: ``break >= start + duration`` and ``start_next >= break +
  break_minutes + travel``); the first visit is at least ``shift_start + travel``
  from the depot and the return at most ``shift_end``;
- each visit lies in its chosen time window and each break in its window;
- a duration limit gives ``return - departure <= max_duration``;
- **same time**: in a timetable, all visits of a stop share *one* variable, so
  the solution gives it the same clock time in every week it is served (the
  search already gave all its visits the same weekday, every ``f`` weeks).
  Waiting before a visit absorbs the differences between weeks.

If the system has no solution the label of some variable passes its upper
bound (or keeps growing, a positive cycle); the chain of predecessors names the
runs and stops in conflict. Repair: the break position change (on any run, those
in the conflict first) that most reduces the total excess over the bounds; when
none helps, the stop of least population in the conflict (one visited more than
once, if any) is dropped, all its visits, with the reason.

Once the exact system is feasible, visit times are put on a ``step`` grid (5
minutes in a timetable) by rounding up during the propagation (a monotone
operator, so the least fixed point is exact for "times on the grid"); runs in a
conflict on the grid fall back to the minute, then to exact times.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from .problem import PlanProblem, Reason, TimeWindow, UnservedCode

__all__ = ["RunSpec", "RunTimes", "TimetableResult", "align"]

_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class RunSpec:
    """A run to time: van, day, stops in order, and the chosen window of each (``None`` = any)."""

    van: int
    day: int
    stops: tuple[int, ...]
    windows: tuple[TimeWindow | None, ...]


@dataclass(frozen=True, slots=True)
class RunTimes:
    """Times of one run (minutes after midnight).

    ``starts[i]`` is the start of visit ``i``; ``break_gap`` is where the break
    is: 0 at the depot before leaving, ``i`` (1..n) after visit ``i`` at its
    place, ``n + 1`` at the depot after returning; ``None`` without a break.
    """

    starts: tuple[float, ...]
    leave: float
    back: float
    break_start: float | None
    break_gap: int | None


@dataclass(frozen=True, slots=True)
class TimetableResult:
    """Times per run (``None`` for a run left empty), the stops dropped with the reason, the grid.

    ``on_grid`` is the share of visit times on the ``step`` grid (the others are
    on the minute or exact, where the grid did not fit the shift).
    """

    times: tuple[RunTimes | None, ...]
    dropped: tuple[tuple[int, Reason], ...]
    step: float
    on_grid: float


class _System:
    """The difference-constraint system for fixed runs and break gaps."""

    def __init__(self, problem: PlanProblem, runs: list[RunSpec], gaps: list[int | None], share: bool) -> None:
        self.problem = problem
        self.runs = runs
        self.share = share
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.is_visit: list[bool] = []
        self.owner: list[tuple[int, int]] = []  # (run, position) or (run, -1) for break/-2 for return
        self.adj: list[list[tuple[int, float]]] = []
        self.visit_var: list[list[int]] = []
        self.break_var: list[int | None] = []
        self.end_var: list[int] = []
        shared: dict[int, int] = {}
        for r, run in enumerate(runs):
            van = problem.vans[run.van]
            ids = []
            for k, (stop, window) in enumerate(zip(run.stops, run.windows, strict=True)):
                multi = share and problem.stops[stop].visits > 1
                if multi and stop in shared:
                    v = shared[stop]
                else:
                    v = self._var(0.0, math.inf, True, (r, k))
                    if multi:
                        shared[stop] = v
                if window is not None:
                    self.lower[v] = max(self.lower[v], window.start)
                    self.upper[v] = min(self.upper[v], window.end)
                ids.append(v)
            self.visit_var.append(ids)
            gap = gaps[r]
            b = None
            if gap is not None:
                bw = van.break_window
                b = self._var(max(bw.start, van.shift_start), bw.end - van.break_minutes, False, (r, -1))
            self.break_var.append(b)
            end_ub = math.inf if van.shift_end is None else van.shift_end
            e = self._var(van.shift_start, end_ub, False, (r, -2))
            self.end_var.append(e)
            self._chain(r, run, ids, b, gap, e)

    def _var(self, lower: float, upper: float, visit: bool, owner: tuple[int, int]) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.is_visit.append(visit)
        self.owner.append(owner)
        self.adj.append([])
        return len(self.lower) - 1

    def _edge(self, i: int, j: int, w: float) -> None:
        self.adj[i].append((j, w))

    def _chain(self, r: int, run: RunSpec, ids: list[int], b: int | None, gap: int | None, e: int) -> None:
        p = self.problem
        van = p.vans[run.van]
        brk = van.break_minutes
        locs = [van.depot, *(p.stops[s].location for s in run.stops), van.depot]
        durs = [0.0, *(p.stops[s].duration for s in run.stops)]
        n = len(run.stops)
        first_leg = float(p.minutes[locs[0], locs[1]])
        # the first visit (or the return, for an empty run) from the depot
        if n:
            if gap == 0 and b is not None:
                self.lower[b] = max(self.lower[b], van.shift_start)
                self._edge(b, ids[0], brk + first_leg)
            self.lower[ids[0]] = max(self.lower[ids[0]], van.shift_start + first_leg + (brk if gap == 0 else 0.0))
        for k in range(1, n + 1):
            src = ids[k - 1]
            leg = float(p.minutes[locs[k], locs[k + 1]])
            dst = ids[k] if k < n else e
            if gap == k and b is not None:
                self._edge(src, b, durs[k])
                self._edge(b, dst, brk + leg)
            self._edge(src, dst, durs[k] + leg)
        if gap == n + 1 and b is not None:
            self._edge(e, b, 0.0)
            self.upper[e] = self.upper[e] - brk
        if van.max_duration is not None and n:
            # return - departure <= max_duration, departure = first start - first leg (or the break at the depot)
            if gap == 0 and b is not None:
                self._edge(e, b, -van.max_duration)
            else:
                self._edge(e, ids[0], first_leg - van.max_duration)

    def violation(self) -> float:
        """Total excess over the upper bounds of the least solution that ignores them (``inf``: a cycle)."""
        x, _, _ = self.solve(0.0, bounded=False)
        if x is None:
            return math.inf
        return sum(max(0.0, v - u) for v, u in zip(x, self.upper, strict=True))

    def solve(
        self, step: float | list[float], *, bounded: bool = True
    ) -> tuple[list[float] | None, int | None, list[int]]:
        """Least solution, or (None, violated variable, predecessor chain).

        ``step`` is the grid of visit starts (one for all, or one per variable; 0 = exact).
        """
        n = len(self.lower)
        grid = step if isinstance(step, list) else [step if self.is_visit[i] else 0.0 for i in range(n)]
        x = [math.ceil(v / grid[i] - _EPS) * grid[i] if grid[i] > 0 else v for i, v in enumerate(self.lower)]
        pred = [-1] * n
        updates = [0] * n
        queue = deque(range(n))
        queued = [True] * n
        for i in range(n):
            if bounded and x[i] > self.upper[i] + _EPS:
                return None, i, [i]
        while queue:
            i = queue.popleft()
            queued[i] = False
            for j, w in self.adj[i]:
                v = x[i] + w
                if grid[j] > 0:
                    v = math.ceil(v / grid[j] - _EPS) * grid[j]
                if v > x[j] + _EPS:
                    x[j] = v
                    pred[j] = i
                    updates[j] += 1
                    if (bounded and x[j] > self.upper[j] + _EPS) or updates[j] > n + 1:
                        return None, j, self._chain_of(j, pred)
                    if not queued[j]:
                        queue.append(j)
                        queued[j] = True
        return x, None, []

    @staticmethod
    def _chain_of(j: int, pred: list[int]) -> list[int]:
        chain = []
        seen = set()
        while j >= 0 and j not in seen:
            seen.add(j)
            chain.append(j)
            j = pred[j]
        return chain


def _initial_gap(problem: PlanProblem, run: RunSpec) -> int | None:
    """The break gap nearest the middle of the break window that lets this run, timed alone, work."""
    van = problem.vans[run.van]
    if van.break_minutes <= 0:
        return None
    nominal = van.break_window.start + (van.break_window.minutes - van.break_minutes) / 2
    best: tuple[float, float, int] | None = None
    n = len(run.stops)
    for gap in range(n + 2):
        system = _System(problem, [run], [gap], share=False)
        x, _, _ = system.solve(0.0)
        if x is None:
            continue
        b = system.break_var[0]
        assert b is not None
        key = (abs(x[b] - nominal), x[system.end_var[0]], gap)
        if best is None or key < best:
            best = key
    return 1 + n // 2 if best is None else best[2]


def _times(problem: PlanProblem, system: _System, x: list[float], gaps: list[int | None]) -> list[RunTimes]:
    out = []
    for r, run in enumerate(system.runs):
        van = problem.vans[run.van]
        starts = tuple(x[v] for v in system.visit_var[r])
        b = system.break_var[r]
        back = x[system.end_var[r]]
        if starts:
            first_leg = float(problem.minutes[van.depot, problem.stops[run.stops[0]].location])
            leave = starts[0] - first_leg
        else:
            leave = back
        out.append(RunTimes(starts, leave, back, None if b is None else x[b], gaps[r]))
    return out


def _on_grid(system: _System, step: float) -> tuple[list[float], float]:
    """Times on the ``step`` grid where the runs allow; runs in conflict fall back to 1 minute, then exact.

    Returns the times and the share of visit variables on the requested grid.
    The exact system must be feasible, so this ends.
    """
    n = len(system.lower)
    visits = [i for i in range(n) if system.is_visit[i]]
    grid = [step if system.is_visit[i] else 0.0 for i in range(n)]
    while True:
        x, _, chain = system.solve(grid)
        if x is not None:
            share = sum(1 for i in visits if grid[i] == step) / max(1, len(visits)) if step > 0 else 1.0
            return x, share
        runs = {system.owner[v][0] for v in chain}
        coarse = [i for i in visits if grid[i] > 0 and (i in chain or system.owner[i][0] in runs)]
        if not coarse:
            coarse = [i for i in visits if grid[i] > 0]
        for i in coarse:
            grid[i] = 1.0 if grid[i] > 1.0 else 0.0


def align(
    problem: PlanProblem,
    runs: list[RunSpec],
    *,
    step: float = 5.0,
    max_drops: int | None = None,
) -> TimetableResult:
    """Time every run: breaks placed, the same clock time for every visit of a stop (when the problem asks).

    Parameters
    ----------
    problem
        The plan request (``problem.same_time`` switches the shared times on).
    runs
        The runs in order.
    step
        Grid for visit start times (minutes); 0 for exact times.
    max_drops
        Stop dropping after this many stops (``None``: as many as needed).

    Returns
    -------
    TimetableResult
        Times of each run (runs emptied by dropped stops have ``None``) and the
        dropped stops with the reason.
    """
    share = problem.same_time
    runs = list(runs)
    dropped: list[tuple[int, Reason]] = []
    gaps = [_initial_gap(problem, run) for run in runs]
    tried: set[tuple[int, int, float]] = set()
    while True:
        system = _System(problem, runs, gaps, share)
        x, _, chain = system.solve(0.0)
        if x is not None:
            x, on_grid = _on_grid(system, step)
            times: list[RunTimes | None] = list(_times(problem, system, x, gaps))
            return TimetableResult(tuple(times), tuple(dropped), step, on_grid)
        involved_runs = sorted({system.owner[v][0] for v in chain})
        # 1. move breaks: the single change that most reduces the total violation, runs in the conflict first
        move = _best_break_move(problem, system, runs, gaps, involved_runs, tried)
        if move is not None:
            gaps[move[0]] = move[1]
            continue
        # 2. drop the stop of least population in the conflict
        victim = _victim(problem, system, runs, chain, involved_runs)
        if victim is None or (max_drops is not None and len(dropped) >= max_drops):
            times_none: list[RunTimes | None] = [None] * len(runs)
            return TimetableResult(tuple(times_none), tuple(dropped), step, 0.0)
        dropped.append((victim, _drop_reason(problem, victim)))
        runs, gaps = _without(runs, gaps, victim)


def _best_break_move(
    problem: PlanProblem, system: _System, runs: list[RunSpec], gaps: list[int | None], involved: list[int],
    tried: set[tuple[int, int, float]],
) -> tuple[int, int] | None:  # fmt: skip
    """The break position change (run, gap) that most reduces the total violation, runs in the conflict first."""
    current = system.violation()
    best: tuple[float, int, int] | None = None
    others = [r for r in range(len(runs)) if r not in involved]
    for group in (involved, others):
        for r in group:
            if gaps[r] is None:
                continue
            for gap in range(len(runs[r].stops) + 2):
                if gap == gaps[r] or (r, gap, current) in tried:
                    continue
                tried.add((r, gap, current))
                trial = list(gaps)
                trial[r] = gap
                v = _System(problem, runs, trial, system.share).violation()
                if v < current - _EPS and (best is None or v < best[0]):
                    best = (v, r, gap)
        if best is not None:
            return best[1], best[2]
    return None


def _victim(
    problem: PlanProblem, system: _System, runs: list[RunSpec], chain: list[int], involved: list[int]
) -> int | None:
    """The stop to drop from a conflict: one shared by several runs if any, then the least population."""
    in_chain = [runs[system.owner[v][0]].stops[system.owner[v][1]] for v in chain if system.is_visit[v]]
    if not in_chain:
        in_chain = [s for r in involved for s in runs[r].stops]
    if not in_chain:
        return None
    # a conflict between runs comes from a stop shared by them: drop one of those first
    shared = [s for s in in_chain if system.share and problem.stops[s].visits > 1]
    return min(shared or in_chain, key=lambda s: (problem.stops[s].population, problem.stops[s].visits, s))


def _drop_reason(problem: PlanProblem, victim: int) -> Reason:
    if problem.same_time and problem.stops[victim].visits > 1:
        return Reason(
            UnservedCode.SAME_TIME, "could not keep the same time on every visit within the shifts and lunch breaks"
        )
    return Reason(UnservedCode.LUNCH, "no time left for the visit around the lunch break and time windows")


def _without(runs: list[RunSpec], gaps: list[int | None], victim: int) -> tuple[list[RunSpec], list[int | None]]:
    """The runs with every visit of ``victim`` taken out, and their break gaps kept in range."""
    new_runs, new_gaps = [], list(gaps)
    for r, run in enumerate(runs):
        keep = [k for k, s in enumerate(run.stops) if s != victim]
        if len(keep) != len(run.stops):
            new_gaps[r] = None if gaps[r] is None else min(gaps[r] or 0, len(keep) + 1)
        new_runs.append(
            RunSpec(run.van, run.day, tuple(run.stops[k] for k in keep), tuple(run.windows[k] for k in keep))
        )
    return new_runs, new_gaps
