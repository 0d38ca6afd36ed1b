"""A published timetable is checked by the one checker of solutions, read back from the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from outreach_map.published import Timetable, check_timetable
from outreach_map.roads import load_roads
from outreach_map.traveltime import TravelTimes

from .test_published import tiny_plan


@pytest.fixture
def times(tiny_data: Path) -> TravelTimes:
    return TravelTimes(load_roads(tiny_data))


def checked(plan: dict[str, Any], times: TravelTimes) -> list[str]:
    return check_timetable(Timetable.from_json(plan, source=Path("plan.json")), times)


def test_the_tiny_timetable_has_only_its_made_up_driving_wrong(times: TravelTimes) -> None:
    problems = checked(tiny_plan(), times)
    assert problems and all("recomputed from the travel matrix" in p for p in problems)
    assert problems[0].startswith("run 1 (van van-1, week 1 Tue): distance 12 km, but ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: p["unserved"].append({"stop": "badby", "reason": "x"}),
            "stop Badby: served but also listed as unserved",
        ),
        (lambda p: p["runs"].pop(), "stop Nobottle: neither served nor listed as unserved with a reason"),
        (lambda p: p["runs"][0]["visits"][0].update(depart="10:50"), "stays 35 min at Badby; expected 20"),
        (
            lambda p: p["runs"][0].update(lunch={"start": "10:20", "end": "10:50"}),
            "the visit to badby 10:15-10:35 overlaps",
        ),
        (lambda p: p["vans"][0].update(break_minutes=30), "run 1 (van van-1, week 1 Tue): no lunch break (30 minutes"),
        (
            lambda p: p["vans"][0].update(weekdays=["Mon"]),
            "run 1 (van van-1, week 1 Tue): the van does not work on Tue",
        ),
        (lambda p: p["runs"][1].update(week=1, weekday="Tue"), "van van-1 has 2 runs on week 1 Tue; expected one"),
        (
            lambda p: p["stops"][0].update(weekday="Tue", weeks=[1], arrive="10:20", depart="10:40"),
            "stop Badby: its timetable entry does not match",
        ),
    ],
)
def test_faults_in_a_file_are_named(times: TravelTimes, change: Any, message: str) -> None:
    plan = tiny_plan()
    change(plan)
    assert any(message in p for p in checked(plan, times)), checked(plan, times)
