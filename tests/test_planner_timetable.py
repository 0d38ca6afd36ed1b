"""Timetables: same weekday every f weeks, same clock time, lunch in its window, shifts kept."""

from __future__ import annotations

import numpy as np
import pytest

from outreach_map.clock import clock
from outreach_map.planner import PlanProblem, ProblemBuilder, ProblemError, check_solution, solve
from outreach_map.planner.timetable import RunSpec, align

#: Minutes between the depot (row 0) and five villages on a ring, 15-35 minutes apart.
RING = np.array(
    [
        [0, 20, 25, 30, 25, 20],
        [20, 0, 15, 25, 35, 30],
        [25, 15, 0, 15, 25, 35],
        [30, 25, 15, 0, 15, 25],
        [25, 35, 25, 15, 0, 15],
        [20, 30, 35, 25, 15, 0],
    ],
    dtype=float,
)


def ring_timetable(*, weekdays: tuple[str, ...] = ("Mon", "Wed"), cycle_weeks: int = 4) -> PlanProblem:
    """One van out of a depot on the ring; a weekly, two fortnightly and two four-weekly stops of 50-90 minutes."""
    builder = ProblemBuilder(cycle_weeks=cycle_weeks)
    builder.add_location("depot", name="Depot")
    builder.add_van("van-1", depot="depot", weekdays=weekdays)
    stops = [("alpha", 1, 90), ("bravo", 2, 75), ("charlie", 2, 60), ("delta", 4, 90), ("echo", 4, 50)]
    for name, weeks, minutes in stops:
        builder.add_location(name)
        builder.add_stop(name, location=name, frequency_weeks=min(weeks, cycle_weeks), duration=minutes, population=500)
    return builder.build(minutes=RING, km=RING * 0.67)


@pytest.fixture(scope="module")
def ring_plan() -> tuple[PlanProblem, object]:
    problem = ring_timetable()
    return problem, solve(problem, time_limit=1.5, seed=3)


def test_every_visit_same_weekday_every_f_weeks_at_the_same_time(ring_plan: tuple[PlanProblem, object]) -> None:
    problem, plan = ring_plan
    assert not plan.unserved  # type: ignore[attr-defined]
    assert check_solution(plan) == []  # type: ignore[arg-type]
    for entry in plan.assignments.values():  # type: ignore[attr-defined]
        stop = problem.stops[entry.stop_index]
        assert len(entry.days) == 4 // stop.frequency_weeks
        assert {problem.days[d].weekday for d in entry.days} == {entry.weekday}
        assert entry.weekday_name in ("Mon", "Wed")
        first = entry.weeks[0]
        assert entry.weeks == tuple(range(first, 5, stop.frequency_weeks))
        assert len(set(entry.times)) == 1, f"{entry.stop} visited at {entry.times}"
        assert entry.arrive % 5 == 0  # a roomy day: every time on the 5-minute grid


def test_lunch_in_its_window_and_shift_limits(ring_plan: tuple[PlanProblem, object]) -> None:
    _, plan = ring_plan
    for run in plan.runs:  # type: ignore[attr-defined]
        assert run.lunch is not None
        assert clock("12:00") <= run.lunch.start and run.lunch.end <= clock("14:00")
        assert run.lunch.end - run.lunch.start == pytest.approx(30)
        assert run.leave >= clock("09:30") and run.back <= clock("16:30")
        # the break never overlaps a visit
        assert all(v.depart <= run.lunch.start or v.arrive >= run.lunch.end for v in run.visits)
        # order and travel: each visit starts no earlier than the previous one ends plus the drive
        for prev, nxt in zip(run.visits, run.visits[1:], strict=False):
            assert nxt.arrive >= prev.depart + nxt.drive_min - 1e-9


def test_alignment_waits_so_a_shared_stop_keeps_its_time() -> None:
    """bravo (fortnightly, Monday weeks 1 and 3) is first in week 1 but second in week 3: week 1 waits."""
    problem = ring_timetable(weekdays=("Mon",))
    stop = {s.id: i for i, s in enumerate(problem.stops)}
    week1 = RunSpec(0, 0, (stop["bravo"], stop["alpha"]), (None, None))
    week3 = RunSpec(0, 14, (stop["delta"], stop["bravo"], stop["alpha"]), (None, None, None))
    result = align(problem, [week1, week3], step=5.0)
    assert not result.dropped
    t1, t3 = result.times
    assert t1 is not None and t3 is not None
    assert t1.starts[0] == t3.starts[1]  # bravo at the same time both weeks
    assert t1.starts[1] == t3.starts[2]  # alpha (weekly) too
    assert t1.starts[0] >= clock("09:30") + RING[0, 4] + 90 + RING[4, 2]  # after delta in week 3
    assert all(s % 5 == 0 for s in (*t1.starts, *t3.starts))
    for times in (t1, t3):
        assert times.break_start is not None and clock("12:00") <= times.break_start <= clock("13:30")


def test_impossible_alignment_drops_the_stop_with_a_reason() -> None:
    """bravo comes before alpha in week 1 but after it in week 3: no common times; bravo (fewer visits) goes."""
    problem = ring_timetable(weekdays=("Mon",))
    stop = {s.id: i for i, s in enumerate(problem.stops)}
    early = RunSpec(0, 0, (stop["bravo"], stop["delta"], stop["alpha"]), (None,) * 3)
    late = RunSpec(0, 14, (stop["echo"], stop["alpha"], stop["bravo"]), (None,) * 3)
    result = align(problem, [early, late], step=5.0)
    assert [(problem.stops[s].id, why.code, why.text) for s, why in result.dropped] == [
        ("bravo", "same_time", "could not keep the same time on every visit within the shifts and lunch breaks")
    ]


def test_a_locked_entry_keeps_its_weekday_weeks_and_time() -> None:
    """bravo locked to Wednesdays of weeks 2 and 4 at 10:00 (one weekday, first_week, a zero-width window)."""
    builder = ProblemBuilder(cycle_weeks=4)
    builder.add_location("depot")
    builder.add_van("van-1", depot="depot", weekdays=("Mon", "Wed"))
    for name, weeks, minutes in [("alpha", 1, 90), ("bravo", 2, 75), ("charlie", 2, 60)]:
        builder.add_location(name)
        locked = {"weekdays": ["Wed"], "first_week": 2, "time_windows": ["10:00-10:00"]} if name == "bravo" else {}
        builder.add_stop(name, location=name, frequency_weeks=weeks, duration=minutes, **locked)  # type: ignore[arg-type]
    with pytest.raises(ProblemError, match="first_week 3; expected a week from 1 to 2"):
        builder.add_stop("delta", location="alpha", frequency_weeks=2, first_week=3)
    problem = builder.build(minutes=RING[:4, :4], km=RING[:4, :4] * 0.67)
    plan = solve(problem, time_limit=1.0, seed=2)
    entry = plan.assignments["bravo"]
    assert (entry.weekday_name, entry.weeks, entry.arrive) == ("Wed", (2, 4), clock("10:00"))
    assert check_solution(plan) == []
