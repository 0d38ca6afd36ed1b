from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from outreach_map.directory import Directory, load_directory, services_dir
from outreach_map.errors import PublishError
from outreach_map.exports import EXPORT_FILES, publish_timetable
from outreach_map.planner import Location, ProblemBuilder, Solution, solve
from outreach_map.published import Timetable, load_timetable, next_visits, timetable_of

from .test_geojson import assert_rfc7946

STAMP = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
DAVENTRY_LIBRARY = Location("daventry-library", "Daventry Library", 52.2569, -1.1607)


@pytest.fixture(scope="module")
def small_plan() -> Solution:
    """One van from Daventry, a 2-week cycle: Badby weekly, Nobottle and Welton fortnightly, Nobottle with outreach."""
    builder = ProblemBuilder(cycle_weeks=2, start_date=date(2026, 11, 2), name="small")
    builder.add_van("van-1", depot=DAVENTRY_LIBRARY, weekdays=["Tue", "Thu"])
    builder.add_stop("badby", name="Badby", lat=52.2245, lon=-1.1780, population=640, frequency_weeks=1)
    builder.add_stop("nobottle", name="Nobottle", lat=52.2440, lon=-0.9990, population=25, frequency_weeks=2,
                     outreach=True)  # fmt: skip
    builder.add_stop("welton", name="Welton", lat=52.2893, lon=-1.1498, population=600, frequency_weeks=2)
    return solve(builder.build(), time_limit=2, seed=1)


def publish(solution: Solution, folder: Path, plan_id: str = "small", directory: Directory | None = None) -> Path:
    """Publish the timetable of a solution, generated at :data:`STAMP`."""
    return publish_timetable(timetable_of(solution, plan_id=plan_id, generated=STAMP), folder, directory=directory)


def test_publish_writes_every_file_atomically(small_plan: Solution, tmp_path: Path) -> None:
    folder = publish(small_plan, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(EXPORT_FILES)
    publish(small_plan, tmp_path)  # replacing leaves no temporary folders
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small"]


def test_plan_json_has_the_design_shape_and_reads_back(small_plan: Solution, tmp_path: Path) -> None:
    folder = publish(small_plan, tmp_path)
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert {"plan_id", "cycle_weeks", "start_date", "vans", "stops", "runs", "unserved", "network"} <= set(doc)
    assert doc["vans"][0]["depot"]["name"] == "Daventry Library"
    assert {"id", "name", "lat", "lon", "frequency_weeks", "duration_min", "population"} <= set(doc["stops"][0])
    for run in doc["runs"]:
        assert {"van", "week", "weekday", "visits", "drive_min", "distance_km"} <= set(run)
        assert run["weekday"] in ("Tue", "Thu")
    badby = next(s for s in doc["stops"] if s["id"] == "badby")
    assert badby["weeks"] == [1, 2]
    plan = load_timetable(folder / "plan.json")
    assert plan.to_json() == doc and Timetable.from_json(doc, source=folder) == plan
    visits = next_visits([plan], ["badby"], today=date(2026, 11, 2), count=2)
    assert [v.arrive for v in visits] == [badby["arrive"]] * 2
    assert (visits[1].date - visits[0].date).days == 7


def test_timetable_csv_is_one_row_per_served_stop(small_plan: Solution, tmp_path: Path) -> None:
    folder = publish(small_plan, tmp_path)
    rows = list(csv.DictReader(io.StringIO((folder / "timetable.csv").read_text(encoding="utf-8"))))
    assert [r["stop"] for r in rows] == ["Badby", "Nobottle", "Welton"]
    assert rows[0]["frequency"] == "every week" and rows[1]["frequency"] == "every 2 weeks"
    assert rows[1]["outreach_worker"] == ""  # no worker assigned in this plan
    assert date.fromisoformat(rows[0]["first_visit"]).weekday() in (1, 3)


def test_ics_is_rfc_5545(small_plan: Solution, tmp_path: Path) -> None:
    folder = publish(small_plan, tmp_path)
    raw = (folder / "timetable.ics").read_bytes()
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    text = raw.decode("utf-8").replace("\r\n ", "")
    assert text.count("BEGIN:VEVENT") == 3 == text.count("END:VEVENT")
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/London" in text
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=" in text and "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=" in text
    import icalendar

    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3
    for event in events:
        assert event.get("UID") and event.get("DTSTAMP") and event.get("DTSTART") and event.get("RRULE")
        start = event.decoded("DTSTART")
        assert str(start.tzinfo) in ("Europe/London", "GMT", "BST") or start.tzinfo is not None


def test_gpx_and_geojson(small_plan: Solution, tmp_path: Path) -> None:
    folder = publish(small_plan, tmp_path)
    root = ET.parse(folder / "runs.gpx").getroot()
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    assert root.tag == "{http://www.topografix.com/GPX/1/1}gpx" and root.get("version") == "1.1"
    assert len(root.findall("g:wpt", ns)) == 3
    tracks = root.findall("g:trk", ns)
    assert len(tracks) == len(small_plan.runs)
    points = tracks[0].findall("g:trkseg/g:trkpt", ns)
    assert points[0].get("lat") == points[-1].get("lat")  # a run starts and ends at the depot
    geo = json.loads((folder / "runs.geojson").read_text(encoding="utf-8"))
    assert_rfc7946(geo)
    kinds = [f["geometry"]["type"] for f in geo["features"]]
    assert kinds.count("LineString") == len(small_plan.runs) and kinds.count("Point") == 3


def test_bad_plan_id_and_confidential_places_are_refused(small_plan: Solution, tmp_path: Path, tiny_data: Path) -> None:
    with pytest.raises(PublishError, match=r"plan id '\.\./evil'"):
        publish(small_plan, tmp_path, plan_id="../evil")
    builder = ProblemBuilder(cycle_weeks=1, start_date=date(2026, 11, 2), name="secret")
    builder.add_van("van-1", depot=DAVENTRY_LIBRARY)
    builder.add_stop("near-refuge", name="Lay-by", lat=52.1901, lon=-1.0702, population=10, frequency_weeks=1)
    plan = solve(builder.build(), time_limit=1, seed=1)
    directory = load_directory(services_dir(tiny_data))
    with pytest.raises(PublishError, match="confidential location; such a plan is never published") as info:
        publish(plan, tmp_path, plan_id="secret", directory=directory)
    assert "52.19" not in str(info.value) and "Lay-by" not in str(info.value)
    assert not (tmp_path / "secret").exists()
