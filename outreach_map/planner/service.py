"""The ``service`` objective: use the fleet's van-days to visit more often where it serves most people.

With the van-days of the fleet fixed, the visit frequencies are raised (each
stop within its ``frequency_options``, one step at a time: every 4 weeks ->
every 2 -> every week) where a van-minute serves most people: population per
minute of a visit and its detour (the visit's length plus the drive to its two
nearest stops). The steps are taken greedily until the work they add fills
the van time the driving-only plan leaves idle, then the plan is solved
(minimising driving); if it cannot serve every stop the first plan served, it
takes fewer steps, and if van time is left it takes more. The last part of
the time goes to the best set of frequencies found.

Examples
--------
``solve_for_service(problem, time_limit=60)`` returns a :class:`~.solution.Solution`
of a request whose stops may be visited more often than they ask, never less.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from .builder import with_frequencies
from .engine import solve
from .problem import PlanProblem
from .search import Progress
from .solution import Solution

__all__ = ["OBJECTIVES", "ServiceRound", "people_visits", "solve_for_service"]

#: The objectives a request may name: least driving, or most people served per van-hour, then least driving.
OBJECTIVES = ("driving", "service")

#: Shares of the time limit: the driving-only plan, each round of frequencies, and the final plan.
_BASE_SHARE, _ROUND_SHARE, _ROUNDS = 0.15, 0.15, 3


@dataclass(frozen=True, slots=True)
class ServiceRound:
    """One round of the service objective: the frequencies tried, how full they were meant to fill the vans, the plan."""

    fill: float
    frequencies: dict[str, int]
    solution: Solution


@dataclass(frozen=True, slots=True)
class _Step:
    stop: str
    frequency: int
    visits: int
    minutes: float
    score: float


def people_visits(solution: Solution) -> int:
    """People served times visits, over the cycle."""
    p = solution.problem
    return sum(p.stops[a.stop_index].population * len(a.days) for a in solution.assignments.values())


def _capacity(problem: PlanProblem) -> float:
    """Van-minutes of the fleet over the horizon (every working day, shift less the break)."""
    return sum(len(v.days) * v.available_minutes for v in problem.vans)


def _steps(problem: PlanProblem, fixed: Collection[str]) -> list[_Step]:
    """Every raise of a frequency by one option, best people per van-minute first."""
    locs = np.array([s.location for s in problem.stops], dtype=int)
    between = problem.minutes[np.ix_(locs, locs)] + problem.minutes[np.ix_(locs, locs)].T
    np.fill_diagonal(between, np.inf)
    near = np.sort(between, axis=1)[:, :2] / 2 if len(locs) > 2 else np.zeros((len(locs), 2))
    assert problem.cycle_weeks is not None
    steps: list[_Step] = []
    for i, stop in enumerate(problem.stops):
        if stop.id in fixed or stop.id in problem.unservable or stop.frequency_weeks is None:
            continue
        per_visit = stop.duration + float(np.nan_to_num(near[i].sum(), posinf=0.0))
        score = stop.population / max(per_visit, 1.0)
        current = stop.frequency_weeks
        for f in sorted((f for f in stop.frequency_options if f < stop.frequency_weeks), reverse=True):
            extra = problem.cycle_weeks // f - problem.cycle_weeks // current
            steps.append(_Step(stop.id, f, extra, extra * per_visit, score))
            current = f
    # a stop's later steps must follow its earlier ones: same score, kept in order by the stable sort
    return sorted(steps, key=lambda s: -s.score)


def _frequencies(steps: list[_Step], budget: float) -> dict[str, int]:
    chosen: dict[str, int] = {}
    spent = 0.0
    for step in steps:
        if spent + step.minutes > budget:
            break
        chosen[step.stop] = step.frequency
        spent += step.minutes
    return chosen


def _better(a: Solution, b: Solution | None) -> bool:
    return b is None or (people_visits(a), -a.distance_km) > (people_visits(b), -b.distance_km)


def solve_for_service(
    problem: PlanProblem,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    fixed: Collection[str] = (),
    progress: Callable[[Progress], None] | None = None,
    on_round: Callable[[ServiceRound], None] | None = None,
) -> Solution:
    """Plan with the ``service`` objective: visit more often where it serves most people per van-hour.

    Parameters
    ----------
    fixed
        Stops whose frequency stays (e.g. locked timetable entries).
    on_round
        Called with each round's frequencies and plan.

    Returns
    -------
    Solution
        The plan serving every stop the driving-only plan serves, with the most people-visits found.
    """
    steps = _steps(problem, fixed)
    if not steps:  # nothing to raise: the whole time for the driving-only plan
        return solve(problem, time_limit=time_limit, seed=seed, progress=progress)
    base = solve(problem, time_limit=_BASE_SHARE * time_limit, seed=seed, progress=progress)
    must = {u.stop for u in base.unserved}
    capacity = _capacity(problem)
    best, best_freq, fill, high = base, dict[str, int](), 0.9, 1.0
    low = base.van_minutes / max(capacity, 1.0)
    for _ in range(_ROUNDS):
        chosen = _frequencies(steps, fill * capacity - base.van_minutes)
        if not chosen or chosen == best_freq:
            break
        solution = solve(with_frequencies(problem, chosen), time_limit=_ROUND_SHARE * time_limit, seed=seed,
                         progress=progress)  # fmt: skip
        if on_round is not None:
            on_round(ServiceRound(fill, chosen, solution))
        if {u.stop for u in solution.unserved} <= must:
            if _better(solution, best):
                best, best_freq = solution, chosen
            low = fill
        else:
            high = fill
        fill = (low + high) / 2 if high < 1.0 else min(1.0, fill + 0.05)
    rest = time_limit * (1 - _BASE_SHARE - _ROUND_SHARE * _ROUNDS)
    final = solve(with_frequencies(problem, best_freq), time_limit=max(rest, 1.0), seed=seed, progress=progress)
    # the same frequencies: serve most, then drive least
    better = (final.population_served, -final.distance_km) >= (best.population_served, -best.distance_km)
    return final if better else best
