"""When vans are short: serve the most population, and give every unserved stop its reason."""

from __future__ import annotations

import numpy as np
import pytest

from outreach_map.planner import PlanProblem, ProblemBuilder, Progress, check_solution, solve

#: Depot and five places: three villages 10-20 minutes out, one 4 hours away, one only open on Sundays.
MINUTES = np.array(
    [
        [0, 10, 15, 20, 240, 12],
        [10, 0, 8, 12, 235, 9],
        [15, 8, 0, 9, 230, 14],
        [20, 12, 9, 0, 228, 18],
        [240, 235, 230, 228, 0, 236],
        [12, 9, 14, 18, 236, 0],
    ],
    dtype=float,
)


def one_van_monday() -> PlanProblem:
    """One van, Mondays, weekly cycle: 390 minutes of work a day; three 150-minute stops of which two fit."""
    builder = ProblemBuilder(cycle_weeks=1, strict=False)
    builder.add_location("depot")
    builder.add_van("van-1", depot="depot", weekdays=["Mon"])
    for name, population in (("big", 900), ("middling", 500), ("small", 100)):
        builder.add_location(name)
        builder.add_stop(name, location=name, duration=150, population=population)
    builder.add_location("far")
    builder.add_stop("far-away", location="far", duration=20, population=5000)
    builder.add_location("market")
    builder.add_stop("sunday-market", location="market", duration=20, population=3000, weekdays=["Sun"])
    return builder.build(minutes=MINUTES, km=MINUTES * 0.67)


@pytest.fixture(scope="module")
def short_plan() -> object:
    return solve(one_van_monday(), time_limit=0.6, seed=1)


def test_chooses_the_higher_population_stops(short_plan: object) -> None:
    plan = short_plan
    assert set(plan.assignments) == {"big", "middling"}  # type: ignore[attr-defined]
    assert plan.population_served == 1400  # type: ignore[attr-defined]
    assert check_solution(plan) == []  # type: ignore[arg-type]


def test_reports_each_unserved_stop_with_its_reason(short_plan: object) -> None:
    reasons = {u.stop: (u.code, u.reason) for u in short_plan.unserved}  # type: ignore[attr-defined]
    assert set(reasons) == {"small", "far-away", "sunday-market"}
    assert reasons["small"][0] == "van_time"
    assert reasons["small"][1].startswith("not enough van time: lower priority (population 100)")
    assert reasons["far-away"][0] == "unreachable"
    assert reasons["far-away"][1].startswith("farther than a shift allows")
    assert reasons["sunday-market"] == ("no_van_day", "no van works on its allowed weekdays (Sun)")
    assert short_plan.feasible and not short_plan.complete  # type: ignore[attr-defined]


def test_with_a_second_van_everyone_reachable_is_served() -> None:
    builder = ProblemBuilder(cycle_weeks=1, strict=False)
    builder.add_location("depot")
    builder.add_van("van-1", depot="depot", weekdays=["Mon"])
    builder.add_van("van-2", depot="depot", weekdays=["Mon"])
    for name in ("big", "middling", "small"):
        builder.add_location(name)
        builder.add_stop(name, location=name, duration=150, population=100)
    problem = builder.build(minutes=MINUTES[:4, :4], km=MINUTES[:4, :4] * 0.67)
    events: list[Progress] = []
    plan = solve(problem, time_limit=0.5, seed=1, progress=events.append)
    assert set(plan.assignments) == {"big", "middling", "small"}
    assert events[-1].phase == "done" and events[-1].population == 300
    assert len(plan.runs) == 2 and check_solution(plan) == []
