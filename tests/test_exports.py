from __future__ import annotations

import csv
import io
import json
import shutil
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
    for _ in range(3):
        publish(small_plan, tmp_path)  # each publish is a new version; the link switches to it
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == ["small"]
    versions = sorted(p.name for p in (tmp_path / ".small.versions").iterdir())
    assert len(versions) == 3 and versions[0] == "lock"  # the live version and the one before, no temporary folder
    assert folder.is_symlink() and (tmp_path / ".small.versions" / versions[2]).samefile(folder)


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


# --- no lost data: publishing killed at any moment, concurrent publishers, leftovers --------------------------------

PUBLISH_CHILD = """
import json, pathlib
from outreach_map.exports import publish_timetable
from outreach_map.published import Timetable
source = pathlib.Path("next.json")
publish_timetable(Timetable.from_json(json.loads(source.read_text()), source=source), pathlib.Path("routes"))
"""


def _generated(folder: Path) -> str:
    return str(json.loads((folder / "plan.json").read_text(encoding="utf-8"))["generated"])


def _assert_whole(folder: Path) -> str:
    """Every file of a published folder is complete and of one version; that version's stamp."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(EXPORT_FILES)
    stamp = _generated(folder)
    assert (folder / "timetable.ics").read_bytes().endswith(b"END:VCALENDAR\r\n")
    assert (folder / "runs.gpx").read_text(encoding="utf-8").rstrip().endswith("</gpx>")
    json.loads((folder / "runs.geojson").read_text(encoding="utf-8"))
    return stamp


def test_a_publisher_killed_at_any_moment_leaves_the_previous_version_live(
    small_plan: Solution, tmp_path: Path
) -> None:
    from outreach_map.published import read_timetables, repair_published

    from .killing import run_and_kill

    routes = tmp_path / "routes"
    old = timetable_of(small_plan, plan_id="small", generated=STAMP)
    new = timetable_of(small_plan, plan_id="small", generated=STAMP.replace(day=28))
    publish_timetable(old, routes)
    (tmp_path / "next.json").write_text(json.dumps(new.to_json()), encoding="utf-8")
    steps = run_and_kill(PUBLISH_CHILD, after=0, cwd=tmp_path, pause=0)  # a whole publish, to count its steps
    assert steps >= len(EXPORT_FILES) + 2
    for after in range(1, steps + 1):
        publish_timetable(old, routes)
        reached = run_and_kill(PUBLISH_CHILD, after=after, cwd=tmp_path, pause=0.1)
        assert reached == after
        listed = read_timetables(routes)
        assert [t.plan_id for t in listed.timetables] == ["small"] and listed.broken == ()
        stamp = _assert_whole(routes / "small")
        # before the link switched, the old version is live; after it, the new one is (whole, either way)
        assert stamp == (old.generated if after < steps else new.generated), after
        repair_published(routes)
        assert _assert_whole(routes / "small") == stamp
        leftovers = [p.name for p in (routes / ".small.versions").iterdir() if not p.name.startswith("v-")]
        assert leftovers == ["lock"], leftovers


def test_leftovers_of_a_killed_writer_are_never_listed_and_are_cleaned(small_plan: Solution, tmp_path: Path) -> None:
    """The earlier scheme's ``.<id>.old`` and ``.<id>.<tmp>`` folders: never read; a lost live folder comes back."""
    from outreach_map.published import read_timetables, repair_published

    folder = publish(small_plan, tmp_path)
    for hidden in (".small.old", ".small.k2j4h6g8", ".other.versions"):
        shutil.copytree(folder, tmp_path / hidden, symlinks=False)
    assert [t.plan_id for t in read_timetables(tmp_path).timetables] == ["small"]
    publish(small_plan, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.versions", ".small.versions", "small"]
    # killed in the earlier scheme's final rename: no live folder, the last complete one in .<id>.old
    shutil.rmtree(tmp_path / ".small.versions")
    (tmp_path / "small").unlink()
    (tmp_path / ".small.old").mkdir()
    for name in EXPORT_FILES:
        (tmp_path / ".small.old" / name).write_text((folder.parent / ".other.versions" / name).read_text())
    assert read_timetables(tmp_path).timetables == ()
    repair_published(tmp_path)
    assert [t.plan_id for t in read_timetables(tmp_path).timetables] == ["small"]
    assert not (tmp_path / ".small.old").exists()


def test_a_folder_from_before_versions_becomes_the_first_version(small_plan: Solution, tmp_path: Path) -> None:
    legacy = tmp_path / "small"
    legacy.mkdir()
    (legacy / "plan.json").write_text(json.dumps(timetable_of(small_plan, plan_id="small", generated=STAMP).to_json()))
    folder = publish(small_plan, tmp_path)
    assert folder.is_symlink() and sorted(p.name for p in folder.iterdir()) == sorted(EXPORT_FILES)
    kept = [p for p in (tmp_path / ".small.versions").iterdir() if p.name.endswith("-adopted")]
    assert len(kept) == 1 and [p.name for p in kept[0].iterdir()] == ["plan.json"]  # the one before, for its readers


def test_two_concurrent_publishers_of_one_plan_both_succeed_and_leave_no_orphan(
    small_plan: Solution, tmp_path: Path
) -> None:
    import subprocess
    import sys

    routes = tmp_path / "routes"
    (tmp_path / "next.json").write_text(json.dumps(timetable_of(small_plan, plan_id="small").to_json()))
    loop = "for _ in range(4):\n" + "".join(f"    {line}\n" for line in PUBLISH_CHILD.strip().splitlines()[-1:])
    script = PUBLISH_CHILD.rsplit("\n", 2)[0] + "\n" + loop
    children = [subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]  # fmt: skip
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0 and "Traceback" not in err, err
    assert sorted(p.name for p in routes.iterdir()) == [".small.versions", "small"]
    _assert_whole(routes / "small")
    inside = sorted(p.name for p in (routes / ".small.versions").iterdir())
    assert len(inside) == 3 and inside[0] == "lock" and all(n.startswith("v-") for n in inside[1:])


def test_a_second_publisher_waits_and_gives_up_with_a_sentence(
    small_plan: Solution, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl
    import os

    from outreach_map import _files

    publish(small_plan, tmp_path)
    monkeypatch.setattr(_files, "LOCK_TIMEOUT_S", 0.3)
    fd = os.open(tmp_path / ".small.versions" / "lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process is publishing small (a lock is per open file)
    try:
        with pytest.raises(PublishError, match="small is being written by another process; try again"):
            publish(small_plan, tmp_path)
    finally:
        os.close(fd)
