from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from outreach_map.errors import DataFileError
from outreach_map.published import Timetable, list_timetables, load_timetable, next_visits


def tiny_plan() -> dict[str, Any]:
    """Two-week cycle from Monday 2 Nov 2026: Badby on Tuesdays of week 1, Nobottle on Thursdays of week 2."""
    return {
        "plan_id": "tiny", "cycle_weeks": 2, "start_date": "2026-11-02",
        "vans": [{"id": "van-1", "depot": {"name": "Daventry Library", "lat": 52.2569, "lon": -1.1607},
                  "shift_start": "09:30", "shift_end": "16:30"}],
        "stops": [
            {"id": "badby", "name": "Badby", "lat": 52.2245, "lon": -1.178, "frequency_weeks": 2,
             "duration_min": 20, "population": 640},
            {"id": "nobottle", "name": "Nobottle", "lat": 52.244, "lon": -0.999, "frequency_weeks": 2,
             "duration_min": 20, "population": 25, "outreach": True},
        ],
        "runs": [
            {"van": "van-1", "week": 1, "weekday": "Tue", "visits": [{"stop": "badby", "arrive": "10:15", "depart": "10:35"}],
             "drive_min": 20.0, "distance_km": 12.0},
            {"van": "van-1", "week": 2, "weekday": "Thu", "visits": [{"stop": "nobottle", "arrive": "11:00", "depart": "11:20"}],
             "drive_min": 30.0, "distance_km": 20.0},
        ],
        "unserved": [], "network": {"source": "test", "approximate": True},
    }  # fmt: skip


def _write(folder: Path, plan: dict[str, Any]) -> Path:
    path = folder / plan["plan_id"] / "plan.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def test_next_visits_follow_the_cycle(tmp_path: Path) -> None:
    plan = load_timetable(_write(tmp_path, tiny_plan()))
    visits = next_visits([plan], ["badby"], today=date(2026, 11, 27))
    assert [v.date for v in visits] == [date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 29)]
    assert visits[0].arrive == "10:15" and visits[0].stop_name == "Badby" and not visits[0].outreach
    on_the_day = next_visits([plan], ["badby"], today=date(2026, 11, 3), count=1)
    assert on_the_day[0].date == date(2026, 11, 3)
    outreach = next_visits([plan], ["nobottle"], today=date(2026, 11, 3), count=1)[0]
    assert outreach.date == date(2026, 11, 12) and outreach.outreach


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(start_date="2026-11-03"), "field 'start_date': 2026-11-03 is a Tue; expected a Monday"),
        (lambda p: p.update(cycle_weeks=6), "field 'cycle_weeks': 6 is out of range"),
        (lambda p: p["runs"][1].update(week=3), "run 2: field 'week': week 3; expected 1 to 2"),
        (lambda p: p["runs"][0]["visits"][0].update(stop="crick"), "run 1 visit 1: field 'stop'"),
        (lambda p: p["stops"][0].pop("lat"), "stop 1: field 'lat': missing or not int or float"),
    ],
)
def test_bad_plans_are_refused_naming_the_field(tmp_path: Path, change: Any, message: str) -> None:
    plan = tiny_plan()
    change(plan)
    path = _write(tmp_path, plan)
    with pytest.raises(DataFileError) as info:
        load_timetable(path)
    assert message in str(info.value)
    assert list_timetables(tmp_path) == []  # a broken plan is skipped, not served


def test_a_timetable_reads_and_writes_back_unchanged(tmp_path: Path) -> None:
    from .conftest import PROJECT_ROOT

    example = json.loads((PROJECT_ROOT / "routes" / "example-2-vans" / "plan.json").read_text(encoding="utf-8"))
    timetable = Timetable.from_json(example, source=Path("plan.json"))
    assert timetable.to_json() == example
    assert len(timetable.served_stops) == 151 and timetable.outreach is not None
    plan = tiny_plan() | {"custom": {"by": "hand"}}
    plan["stops"][0]["note"] = "by the church"
    assert Timetable.from_json(plan, source=tmp_path).to_json() == plan  # fields beyond the shape are kept


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["stops"].append(dict(p["stops"][0])), "stop 3: duplicate id 'badby'"),
        (lambda p: p["runs"][0].update(van="van-9"), "run 1: field 'van': expected the id of a van in 'vans'"),
        (lambda p: p["runs"][0]["visits"][0].update(arrive="10.15"), "run 1 visit 1: field 'arrive': '10.15'"),
        (lambda p: p["unserved"].append({"stop": "badby", "reason": "x", "code": "tired"}), "field 'code': 'tired'"),
        (lambda p: p.update(totals={"distance_km": 3}), "field 'drive_min': missing or not int or float"),
        (lambda p: p["vans"][0].update(weekdays=["Someday"]), "van 1: field 'weekdays': expected weekdays among"),
        (lambda p: p["stops"][0].update(weekday="Tue", weeks=[3]), "stop 1: field 'weeks': expected a list of weeks"),
        (lambda p: p.pop("network"), "field 'network': missing or not dict"),
    ],
)
def test_malformed_timetables_are_refused_naming_the_record(tmp_path: Path, change: Any, message: str) -> None:
    plan = tiny_plan()
    change(plan)
    with pytest.raises(DataFileError) as info:
        load_timetable(_write(tmp_path, plan))
    assert message in str(info.value)
