"""The independent checker accepts a valid plan and catches deliberately broken ones."""

from __future__ import annotations

from dataclasses import replace

import pytest

from outreach_map.planner import Solution, check_solution, solve

from .test_planner_timetable import ring_timetable


@pytest.fixture(scope="module")
def valid_plan() -> Solution:
    return solve(ring_timetable(), time_limit=1.0, seed=5)


def with_run(plan: Solution, index: int, **changes: object) -> Solution:
    runs = list(plan.runs)
    runs[index] = replace(runs[index], **changes)  # type: ignore[arg-type]
    return replace(plan, runs=tuple(runs))


def test_valid_plan_passes(valid_plan: Solution) -> None:
    assert check_solution(valid_plan) == []


def test_catches_a_visit_before_the_van_can_be_there(valid_plan: Solution) -> None:
    run = valid_plan.runs[0]
    first = run.visits[0]
    early = replace(first, arrive=run.leave, depart=run.leave + (first.depart - first.arrive))
    broken = with_run(valid_plan, 0, visits=(early, *run.visits[1:]))
    problems = check_solution(broken)
    assert any(f"arrives at {first.stop} at" in p and "but the drive needs until" in p for p in problems)


def test_catches_different_times_for_a_repeated_stop(valid_plan: Solution) -> None:
    index, visit_index = next(
        (r, k)
        for r, run in enumerate(valid_plan.runs)
        for k, v in enumerate(run.visits)
        if valid_plan.problem.stops[v.stop_index].visits > 1 and k == len(run.visits) - 1
    )
    run = valid_plan.runs[index]
    v = run.visits[visit_index]
    later = replace(v, arrive=v.arrive + 5, depart=v.depart + 5)
    broken = with_run(valid_plan, index, visits=(*run.visits[:-1], later), back=run.back + 5)
    assert any(f"stop {v.stop}: visited at different times" in p for p in check_solution(broken))


def test_catches_a_missing_run_a_late_return_and_a_lunch_outside_its_window(valid_plan: Solution) -> None:
    dropped = replace(valid_plan, runs=valid_plan.runs[1:])
    lost = {v.stop for v in valid_plan.runs[0].visits}
    problems = check_solution(dropped)
    assert any("neither served nor listed as unserved" in p or "not one of its allowed patterns" in p for p in problems)
    assert any(stop in p for stop in lost for p in problems)
    late = with_run(valid_plan, 0, back=17 * 60.0)
    assert any("after the shift ends at 16:30" in p for p in check_solution(late))
    run = valid_plan.runs[0]
    assert run.lunch is not None
    bad_lunch = replace(run.lunch, start=14 * 60.0, end=14 * 60.0 + 30)
    assert any(
        "is outside its window 12:00-14:00" in p for p in check_solution(with_run(valid_plan, 0, lunch=bad_lunch))
    )


def test_catches_a_wrong_distance(valid_plan: Solution) -> None:
    broken = with_run(valid_plan, 0, distance_km=valid_plan.runs[0].distance_km - 1.0)
    assert any("recomputed" in p for p in check_solution(broken))
