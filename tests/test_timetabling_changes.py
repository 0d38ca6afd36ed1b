"""What a re-plan changed, in words with village names, and why published entries could not be kept."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from outreach_map.clock import clock, format_clock
from outreach_map.dataset import load_dataset
from outreach_map.published import Timetable
from outreach_map.roads import load_roads
from outreach_map.timetabling import SearchOptions, build_problem, make_timetable, timetable_changes
from outreach_map.timetabling.locks import lock_obstacles
from outreach_map.traveltime import TravelTimes

from .test_published import tiny_plan
from .test_timetabling import TINY_REQUEST, _load, _write


def _plan(start: str = "2026-11-02", badby: tuple[str, int, str] = ("Tue", 1, "10:15"),
          nobottle: tuple[str, int, str] | None = ("Thu", 2, "11:00"), **extra: Any) -> Timetable:  # fmt: skip
    """The tiny plan with Badby and Nobottle on the given weekday, week and arrival (Nobottle possibly unserved)."""
    doc = copy.deepcopy(tiny_plan()) | {"start_date": start}
    runs, unserved = [], []
    for stop in doc["stops"]:
        slot = badby if stop["id"] == "badby" else nobottle
        if slot is None:
            unserved.append({"stop": stop["id"], "reason": "no van has time for it"})
            continue
        day, week, arrive = slot
        depart = format_clock(clock(arrive) + 20)
        stop |= {"weekday": day, "weeks": [week], "arrive": arrive, "depart": depart, "van": "van-1"}
        runs.append({"van": "van-1", "week": week, "weekday": day, "drive_min": 20.0, "distance_km": 12.0,
                     "visits": [{"stop": stop["id"], "arrive": arrive, "depart": depart}]})  # fmt: skip
    doc |= {"runs": runs, "unserved": unserved, **extra}
    return Timetable.from_json(doc, source=Path("test"))


def test_the_same_dates_from_another_monday_are_no_change() -> None:
    before = _plan()
    # One week later, the weeks of the cycle swap: Badby is still on 3 Nov, 17 Nov ..., Nobottle on 12 Nov ...
    assert timetable_changes(before, _plan("2026-11-09", ("Tue", 2, "10:15"), ("Thu", 1, "11:00"))) == []
    assert timetable_changes(before, before) == []


def test_changes_are_told_in_words_with_village_names() -> None:
    before = _plan()
    after = _plan(badby=("Wed", 1, "10:15"), nobottle=None)
    assert timetable_changes(before, after) == [
        "Badby: now Wednesday 10:15-10:35, every 2 weeks from 4 Nov 2026 (was Tuesday 10:15-10:35, every 2 weeks "
        "from 3 Nov 2026)",
        "Nobottle: no longer visited (no van has time for it); was Thursday 11:00-11:20, every 2 weeks from 12 Nov 2026",
    ]
    later = _plan(badby=("Tue", 1, "10:40"))
    assert timetable_changes(before, later) == ["Badby: same Tuesdays, now 10:40-11:00 (was 10:15-10:35)"]
    other_week = _plan(badby=("Tue", 2, "10:15"))
    assert timetable_changes(before, other_week) == [
        "Badby: now Tuesday 10:15-10:35, every 2 weeks from 10 Nov 2026 (was Tuesday 10:15-10:35, every 2 weeks "
        "from 3 Nov 2026)"
    ]
    assert timetable_changes(after, before)[1].startswith("Nobottle: now visited, Thursday 11:00-11:20")


def test_why_published_entries_cannot_be_kept_is_said(tiny_data: Path, tmp_path: Path) -> None:
    data = load_dataset(tiny_data)
    times = TravelTimes(load_roads(tiny_data))
    published = _plan("2027-01-04", ("Mon", 1, "10:15"), ("Thu", 2, "11:00"), plan_id="tiny")
    request = _load(_write(tmp_path, TINY_REQUEST), tiny_data)  # the van works Tuesdays and Thursdays
    problem = build_problem(request, data, times, locked=published)
    assert lock_obstacles(published, request, problem) == [
        "1 stop was visited on Mon, a day no van of this plan works: Badby."
    ]
    weekly = _load(_write(tmp_path, TINY_REQUEST.replace("cycle_weeks = 2", "cycle_weeks = 1")), tiny_data)
    notes = lock_obstacles(published, weekly, build_problem(weekly, data, times, locked=published))
    assert notes == [
        "2 stops are visited at another frequency in this plan (this plan has a 1-week cycle, tiny a 2-week one), "
        "so the published weeks cannot be kept: Badby and Nobottle."
    ]


def test_a_replan_from_a_later_monday_keeps_the_published_dates(tiny_data: Path, tmp_path: Path) -> None:
    """Locked weeks are counted in the calendar: starting a week later, a stop keeps its dates, not its week number."""
    data = load_dataset(tiny_data)
    times = TravelTimes(load_roads(tiny_data))
    first = make_timetable(_load(_write(tmp_path, TINY_REQUEST), tiny_data), data, times,
                           search=SearchOptions(time_limit=1, seed=1))  # fmt: skip
    later = _load(_write(tmp_path, TINY_REQUEST.replace("2027-01-04", "2027-01-11")), tiny_data)
    again = make_timetable(later, data, times, locked=first.timetable, search=SearchOptions(time_limit=1, seed=1))
    assert again.lock in ("time", "day") and again.changes is not None
    assert all(": same " in c for c in again.changes), again.changes  # at most a time moved, never a date
    dates = {s.id: first.timetable.first_date(s.entry.weeks[0], s.entry.weekday) for s in first.timetable.served_stops
             if s.entry}  # fmt: skip
    for stop in again.timetable.served_stops:
        assert stop.entry is not None
        moved = again.timetable.first_date(stop.entry.weeks[0], stop.entry.weekday) - dates[stop.id]
        assert moved.days % (7 * stop.frequency_weeks) == 0, stop.id  # the same dates (weekly, fortnightly)
