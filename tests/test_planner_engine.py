"""The periodic engine on real periodic VRP instances: feasible, and better than the naive baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach_map.planner import ProblemError, check_solution, read_cordeau, solve, solve_baseline

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "pvrp"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark files not found in {SHARED}")


@needs_shared
def test_engine_beats_the_naive_baseline_on_p02() -> None:
    """p02: 50 customers over 5 days, mixed frequencies; balancing days first is ~19% above the best known."""
    problem = read_cordeau(SHARED / "p02.txt")
    plan = solve(problem, time_limit=2.0, seed=1)
    base = solve_baseline(problem, time_limit=2.0, seed=1)
    assert check_solution(plan) == [] and check_solution(base) == []
    assert plan.complete and base.complete
    assert plan.distance_km < 0.95 * base.distance_km
    assert plan.distance_km < 1.10 * 1322.87  # within 10% of the best-known cost after 2 s
    # every day uses at most the 3 vehicles
    per_day: dict[int, int] = {}
    for run in plan.runs:
        per_day[run.day.index] = per_day.get(run.day.index, 0) + 1
    assert max(per_day.values()) <= 3


@needs_shared
def test_p01_fleet_blocker_takes_a_van_on_day_one() -> None:
    problem = read_cordeau(SHARED / "p01.txt")
    plan = solve(problem, time_limit=1.0, seed=1)
    assert check_solution(plan) == []
    blocker_runs = [r for r in plan.runs if "51" in r.stops]
    assert len(blocker_runs) == 1
    run = blocker_runs[0]
    assert run.day.index == 0 and run.stops == ("51",) and run.distance_km == 0.0
    assert sum(1 for r in plan.runs if r.day.index == 0) <= 3


def test_solve_refuses_a_bad_time_limit() -> None:
    from .test_planner_timetable import ring_timetable

    with pytest.raises(ProblemError, match="time limit 0"):
        solve(ring_timetable(), time_limit=0)
