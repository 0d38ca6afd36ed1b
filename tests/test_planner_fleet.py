"""Using the fleet: stops per run, weeks between visits, same-run stops, preferred weekdays, balance, service."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from outreach_map.planner import Location, PlanProblem, ProblemBuilder, ProblemError, check_solution, solve
from outreach_map.planner.builder import with_frequencies
from outreach_map.planner.check import preferences_kept
from outreach_map.planner.engine import balanced
from outreach_map.planner.service import people_visits, solve_for_service

DEPOT = Location("daventry-library", "Daventry Library", 52.2569, -1.1607)
#: Eight villages within 12 km of Daventry, with their people (two sides of Badby among them).
EIGHT = [
    ("badby-north", 52.2260, -1.1790, 400), ("badby-south", 52.2215, -1.1770, 300), ("byfield", 52.1780, -1.2440, 1300),
    ("welton", 52.2880, -1.1440, 600), ("norton", 52.2660, -1.1010, 500), ("staverton", 52.2650, -1.2050, 450),
    ("newnham", 52.2290, -1.1330, 550), ("everdon", 52.2050, -1.1160, 300),
]  # fmt: skip


def eight_stops(*, weekdays: tuple[str, ...] = ("Mon", "Tue", "Wed"), van: dict[str, Any] | None = None,
                stop: dict[str, dict[str, Any]] | None = None, balance: bool = False, cycle: int = 2) -> PlanProblem:  # fmt: skip
    """One van from Daventry on a 2-week cycle, eight fortnightly 20-minute stops (options per stop id)."""
    builder = ProblemBuilder(cycle_weeks=cycle, start_date=date(2027, 1, 4))
    builder.add_van("van", depot=DEPOT, weekdays=weekdays, **(van or {}))
    for ident, lat, lon, people in EIGHT:
        options: dict[str, Any] = {"frequency_weeks": cycle, "duration": 20, **(stop or {}).get(ident, {})}
        builder.add_stop(ident, lat=lat, lon=lon, population=people, **options)
    return builder.build(balance=balance)


def test_max_stops_per_run_is_a_limit_the_plan_keeps_and_the_checker_checks() -> None:
    plan = solve(eight_stops(van={"max_stops": 3}), time_limit=1.5, seed=1)
    assert not plan.unserved and check_solution(plan) == []
    assert max(len(r.visits) for r in plan.runs) == 3 and len(plan.runs) == 3
    crowded = replace(plan.runs[0], visits=plan.runs[0].visits + plan.runs[1].visits)
    broken = replace(plan, runs=(crowded, *plan.runs[1:]))
    assert any("the van's limit is 3 per run" in p for p in check_solution(broken))
    with pytest.raises(ProblemError, match="max_stops 0; expected a whole number"):
        eight_stops(van={"max_stops": 0})
    with pytest.raises(ProblemError, match="give capacity or max_stops, not both"):
        eight_stops(van={"max_stops": 3, "capacity": 4})


def test_min_weeks_between_visits_refuses_a_closer_frequency_and_is_checked() -> None:
    with pytest.raises(ProblemError, match="stop 'welton': a visit every 1 weeks is closer than min_weeks"):
        eight_stops(stop={"welton": {"frequency_weeks": 1, "min_weeks_between_visits": 2}}, cycle=4)
    problem = eight_stops(stop={"welton": {"frequency_weeks": 2, "min_weeks_between_visits": 2}}, cycle=4)
    plan = solve(problem, time_limit=1.0, seed=1)
    assert check_solution(plan) == []
    stricter = replace(problem, stops=tuple(replace(s, min_weeks_between_visits=3) if s.id == "welton" else s
                                            for s in problem.stops))  # fmt: skip
    assert any("stop welton: visits 14 days apart; expected at least 3 weeks" in p
               for p in check_solution(replace(plan, problem=stricter)))  # fmt: skip


def test_same_run_stops_are_visited_one_after_the_other_on_every_run() -> None:
    sides = {"badby-north": {"same_run": "badby"}, "badby-south": {"same_run": "badby"}}
    plan = solve(eight_stops(van={"max_stops": 3}, stop=sides), time_limit=1.5, seed=2)
    assert not plan.unserved and check_solution(plan) == []
    run = next(r for r in plan.runs if "badby-north" in r.stops)
    k = run.stops.index("badby-north")
    assert run.stops[k + 1] == "badby-south"
    north, south = run.visits[k], run.visits[k + 1]
    assert south.arrive == pytest.approx(north.depart + south.drive_min)
    apart = replace(
        plan, runs=tuple(replace(r, visits=tuple(reversed(r.visits))) if r is run else r for r in plan.runs)
    )
    problems = check_solution(apart)
    assert problems  # reversed, the times no longer follow from the drives either
    others = [r for r in plan.runs if r is not run]
    moved = replace(run, visits=tuple(v for v in run.visits if v.stop != "badby-south"))
    split = replace(plan, runs=(moved, *others))
    assert any("badby-south not served while the others are" in p for p in check_solution(split))


def test_same_run_groups_are_validated() -> None:
    with pytest.raises(ProblemError, match="same_run 'badby' has no other stop"):
        eight_stops(stop={"badby-north": {"same_run": "badby"}})
    with pytest.raises(ProblemError, match="mixes frequencies"):
        eight_stops(stop={"badby-north": {"same_run": "b"}, "badby-south": {"same_run": "b", "frequency_weeks": 1}})
    with pytest.raises(ProblemError, match="has no weekday and week that every stop of it allows"):
        eight_stops(stop={"badby-north": {"same_run": "b", "weekdays": ["Mon"]},
                          "badby-south": {"same_run": "b", "weekdays": ["Tue"]}})  # fmt: skip


def test_a_preferred_weekday_is_kept_where_the_vans_allow_it() -> None:
    wishes = {"welton": {"preferred_weekday": "Wed"}, "everdon": {"preferred_weekday": "Mon"}}
    plan = solve(eight_stops(van={"max_stops": 4}, stop=wishes), time_limit=1.5, seed=1)
    assert check_solution(plan) == [] and not plan.unserved
    assert plan.assignments["welton"].weekday_name == "Wed" and plan.assignments["everdon"].weekday_name == "Mon"
    assert preferences_kept(plan) == (2, 2)
    with pytest.raises(ProblemError, match="preferred weekday Fri is a weekday no van works"):
        eight_stops(stop={"welton": {"preferred_weekday": "Fri"}})


def test_balance_limits_each_run_to_a_little_more_than_the_visits_per_van_day() -> None:
    problem = eight_stops(balance=True)  # 8 visits over 6 van-days: at most 3 per run
    assert {v.max_stops for v in balanced(problem).vans} == {3}
    plan = solve(problem, time_limit=1.5, seed=1)
    assert check_solution(plan) == [] and not plan.unserved
    assert max(len(r.visits) for r in plan.runs) <= 3
    assert {v.max_stops for v in plan.problem.vans} == {3}


def test_with_frequencies_repatterns_only_within_the_stop_options() -> None:
    problem = eight_stops(stop={"byfield": {"frequency_options": [1, 2]}})
    weekly = with_frequencies(problem, {"byfield": 1})
    byfield = weekly.stops[weekly.stop_index("byfield")]
    assert (byfield.frequency_weeks, byfield.visits, len(byfield.patterns)) == (1, 2, 3)
    with pytest.raises(ProblemError, match="every 1 weeks is not one of its frequency options"):
        with_frequencies(problem, {"welton": 1})


def test_service_objective_visits_more_often_with_the_idle_van_days_and_serves_everyone() -> None:
    options = {ident: {"frequency_options": [1, 2]} for ident, *_ in EIGHT}
    problem = eight_stops(van={"max_stops": 4}, stop=options)
    driving = solve(problem, time_limit=1.0, seed=1)
    service = solve_for_service(problem, time_limit=6.0, seed=1)
    assert not service.unserved and check_solution(service) == []
    assert people_visits(service) > people_visits(driving)
    assert len(service.runs) > len(driving.runs) and len(service.runs) <= problem.van_days
    raised = {s.id for s in service.problem.stops if s.frequency_weeks == 1}
    biggest = max(EIGHT, key=lambda row: row[3])[0]
    assert biggest in raised  # the most people per van-minute are raised first
