"""Timetabling: requests, stops, depots, locks and the pipeline, mostly through the ``plan`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach_map.cli import main
from outreach_map.dataset import load_dataset
from outreach_map.errors import DataFileError
from outreach_map.published import Timetable
from outreach_map.roads import load_roads
from outreach_map.timetabling import (
    TimetableRequest,
    build_problem,
    load_request,
    market_town_depots,
    timetable_changes,
)
from outreach_map.traveltime import TravelTimes

TINY_REQUEST = """
[plan]
id = "tiny-round"
cycle_weeks = 2
start_date = "2027-01-04"
min_population = 20

[[vans]]
id = "north"
depot = "daventry"
shift = "09:30-16:30"
weekdays = ["Tue", "Thu"]

[outreach]
name = "Outreach worker"
kind = "domestic-abuse-support"
weekdays = ["Tue"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "request.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _load(path: Path, data_dir: Path) -> TimetableRequest:
    """A request read against the depots of a data set."""
    return load_request(path, depots=market_town_depots(load_dataset(data_dir)))


def test_depots_are_the_market_town_libraries_of_the_data(tiny_data: Path) -> None:
    from .conftest import EMBEDDED_DATA

    depots = market_town_depots(load_dataset(EMBEDDED_DATA))
    assert {d.id for d in depots.values()} == {"daventry-library", "towcester-library", "brackley-library"}
    assert list(depots) == ["daventry", "brackley", "towcester"]  # the largest town first
    assert depots["towcester"].name == "Towcester Library"
    assert list(market_town_depots(load_dataset(tiny_data))) == ["daventry"]  # Towcester's library is closed


def test_request_builds_stops_from_villages_without_a_library(tiny_data: Path, tmp_path: Path) -> None:
    config = _load(_write(tmp_path, TINY_REQUEST), tiny_data)
    data = load_dataset(tiny_data)
    problem = build_problem(config, data, TravelTimes(load_roads(tiny_data)))
    # Daventry has an open library in the town; Nobottle (25 people) is above min_population 20.
    assert sorted(s.id for s in problem.stops) == ["badby", "kings-sutton", "nobottle", "towcester"]
    towcester = next(s for s in problem.stops if s.id == "towcester")
    assert towcester.frequency_weeks == 1 and towcester.duration == 45  # 9,057 people: weekly, 45 minutes
    assert problem.approximate and "westnorthants-proxy" in problem.network_source


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (('depot = "daventry"', 'depot = "oxford"'), "vans[0].depot", "unknown depot 'oxford'"),
        (('start_date = "2027-01-04"', 'start_date = "2027-01-05"'), "plan.start_date", "is a Tue; expected a Monday"),
        (("cycle_weeks = 2", "cycle_weeks = 6"), "plan.cycle_weeks", "6 is out of range"),
        (('weekdays = ["Tue", "Thu"]', 'weekdays = ["Tuesday"]'), "vans[0].weekdays", "'Tuesday' is not a weekday"),
        (('shift = "09:30-16:30"', 'shift = "16:30-09:30"'), "vans[0].shift", "ends before it starts"),
    ],
)
def test_bad_requests_name_the_field(
    tiny_data: Path, tmp_path: Path, change: tuple[str, str], field: str, message: str
) -> None:
    path = _write(tmp_path, TINY_REQUEST.replace(*change))
    with pytest.raises(DataFileError) as info:
        _load(path, tiny_data)
    assert f"field '{field}'" in str(info.value) and message in str(info.value)


def test_frequency_must_divide_the_cycle(tiny_data: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, TINY_REQUEST + '\n[[stops]]\nid = "badby"\nfrequency_weeks = 3\n')
    with pytest.raises(DataFileError, match=r"field 'stops\[0\].frequency_weeks': 3 does not divide the 2-week cycle"):
        _load(path, tiny_data)


def test_plan_publish_check_and_replan_with_locks(tiny_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    request = _write(tmp_path, TINY_REQUEST)
    out = tmp_path / "routes" / "tiny-round"
    args = ["--data-dir", str(tiny_data), "plan", "--config", str(request), "--time-limit", "2", "--seed", "1"]
    result = runner.invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4/4 stops served" in result.output and f"published {out}" in result.output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["outreach"]["runs"] and all(r["weekday"] == "Tue" for r in doc["outreach"]["runs"])
    assert any(v.get("outreach") for run in doc["runs"] for v in run["visits"])
    checked = runner.invoke(main, ["--data-dir", str(tiny_data), "check-plan", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "plan OK" in checked.output

    # Re-plan with one stop fewer, locking the published entries: the others keep weekday, weeks and time.
    fewer = _write(tmp_path, TINY_REQUEST + '\n[[stops]]\nid = "nobottle"\nexclude = true\n')
    again = tmp_path / "routes" / "tiny-round-2"
    result = runner.invoke(main, ["--data-dir", str(tiny_data), "plan", "--config", str(fewer), "--time-limit", "2",
                                  "--seed", "2", "--out", str(again), "--lock-from", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "changes from tiny-round: 1" in result.output
    assert "  Nobottle: no longer visited (it is not a stop of this plan); was " in result.output
    assert "not kept: 1 stop of tiny-round is not a stop of this plan" in result.output
    before, after = (Timetable.from_json(json.loads((f / "plan.json").read_text(encoding="utf-8")), source=f)
                     for f in (out, again))  # fmt: skip
    assert [c.split(";")[0] for c in timetable_changes(before, after)] == [
        "Nobottle: no longer visited (it is not a stop of this plan)"
    ]


def test_a_replan_that_adds_a_stop_or_changes_a_frequency_moves_no_other_entry(tiny_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(tiny_data), "plan", "--time-limit", "2", "--seed", "1"]
    without = _write(tmp_path, TINY_REQUEST + '\n[[stops]]\nid = "nobottle"\nexclude = true\n')
    first = tmp_path / "routes" / "tiny-round"
    result = runner.invoke(main, [*base, "--config", str(without), "--out", str(first)])
    assert result.exit_code == 0, result.output

    def replan(text: str, name: str) -> tuple[list[str], str]:
        request = tmp_path / f"{name}.toml"
        request.write_text(text, encoding="utf-8")
        out = tmp_path / "routes" / name
        done = runner.invoke(main, [*base, "--config", str(request), "--out", str(out), "--lock-from", str(first)])
        assert done.exit_code == 0, done.output
        checked = runner.invoke(main, ["--data-dir", str(tiny_data), "check-plan", str(out)])
        assert checked.exit_code == 0, checked.output
        before, after = (Timetable.from_json(json.loads((f / "plan.json").read_text(encoding="utf-8")), source=f)
                         for f in (first, out))  # fmt: skip
        return timetable_changes(before, after), done.output

    # a new stop goes into the gaps of the published runs: nothing else moves
    added, output = replan(TINY_REQUEST, "with-nobottle")
    assert len(added) == 1 and added[0].startswith("Nobottle: now visited"), added
    assert "published entries locked" in output, output
    # a stop visited more often changes its own entry only
    weekly, _ = replan(TINY_REQUEST + '\n[[stops]]\nid = "nobottle"\nexclude = true\n'
                       '\n[[stops]]\nid = "badby"\nfrequency_weeks = 1\n', "badby-weekly")  # fmt: skip
    assert len(weekly) == 1 and weekly[0].startswith("Badby: "), weekly


def test_check_plan_finds_violations(tiny_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "routes" / "tiny-round"
    request = _write(tmp_path, TINY_REQUEST)
    result = runner.invoke(main, ["--data-dir", str(tiny_data), "plan", "--config", str(request), "--time-limit", "2",
                                  "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    run = next(r for r in doc["runs"] if len(r["visits"]) >= 2)
    first, second = run["visits"][0], run["visits"][1]
    second["arrive"] = first["depart"]  # no time to drive
    run["back"] = "18:00"  # after the shift
    towcester = next(r for r in doc["runs"] for v in r["visits"] if v["stop"] == "towcester")
    next(v for v in towcester["visits"] if v["stop"] == "towcester")["arrive"] = "06:00"
    (out / "plan.json").write_text(json.dumps(doc), encoding="utf-8")
    checked = runner.invoke(main, ["--data-dir", str(tiny_data), "check-plan", str(out)])
    assert checked.exit_code == 1
    assert "after the shift ends at 16:30" in checked.output
    assert "but the drive needs until" in checked.output
    assert "stop Towcester: visited at different times" in checked.output


def test_plan_bad_config_exits_2(tiny_data: Path, tmp_path: Path) -> None:
    request = _write(tmp_path, TINY_REQUEST.replace('depot = "daventry"', 'depot = "oxford"'))
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "plan", "--config", str(request),
                                       "--out", str(tmp_path / "routes" / "x")])  # fmt: skip
    assert result.exit_code == 2
    assert "unknown depot 'oxford'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "routes").exists()


def test_the_published_example_plan_passes_check_plan() -> None:
    from outreach_map.published import check_timetable, load_timetable

    from .conftest import EMBEDDED_DATA, PROJECT_ROOT

    plan = load_timetable(PROJECT_ROOT / "routes" / "example-2-vans" / "plan.json")
    assert check_timetable(plan, TravelTimes(load_roads(EMBEDDED_DATA))) == []
    assert plan.cycle_weeks == 4 and len(plan.vans) == 2
    assert any(s.outreach for s in plan.stops)


def test_a_named_stop_that_cannot_be_served_is_refused(tiny_data: Path, tmp_path: Path) -> None:
    from outreach_map.errors import OutreachError

    # King's Sutton only on Mondays, but the van works Tuesdays and Thursdays: refused as the request is read.
    request = _write(tmp_path, TINY_REQUEST + '\n[[stops]]\nid = "kings-sutton"\nweekdays = ["Mon"]\n')
    with pytest.raises(DataFileError, match=r"field 'stops\[0\].weekdays': Mon: no van works them; the vans work Tue"):
        _load(request, tiny_data)
    # King's Sutton only before the van's shift starts: refused when the problem is built.
    request = _write(tmp_path, TINY_REQUEST + '\n[[stops]]\nid = "kings-sutton"\ntime_window = "06:00-07:00"\n')
    config = _load(request, tiny_data)
    with pytest.raises(OutreachError, match=r"stop 'kings-sutton' cannot be served: .*"):
        build_problem(config, load_dataset(tiny_data), TravelTimes(load_roads(tiny_data)))


def test_a_van_that_is_not_a_table_is_refused_without_a_traceback(tiny_data: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, 'vans = ["north"]\n[plan]\nid = "x"\nstart_date = "2027-01-04"\n')
    with pytest.raises(DataFileError, match=r"field 'vans\[0\]': 'north' is not a table"):
        _load(path, tiny_data)
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "plan", "--config", str(path),
                                       "--out", str(tmp_path / "routes" / "x")])  # fmt: skip
    assert result.exit_code == 2 and "Traceback" not in result.output and "is not a table" in result.output


def test_make_timetable_relaxes_locks_that_would_leave_served_stops_out(tiny_data: Path, tmp_path: Path) -> None:
    from outreach_map.timetabling import Attempt, SearchOptions, make_timetable

    data = load_dataset(tiny_data)
    times = TravelTimes(load_roads(tiny_data))
    first = make_timetable(_load(_write(tmp_path, TINY_REQUEST), tiny_data), data, times,
                           search=SearchOptions(time_limit=1, seed=1))  # fmt: skip
    assert first.changes is None and first.lock == "none" and len(first.timetable.served_stops) == 4
    # A later shift: no published arrival before 11:00 can be kept, but weekdays and weeks can.
    later = _load(_write(tmp_path, TINY_REQUEST.replace("09:30-16:30", "11:00-17:30")), tiny_data)
    attempts: list[Attempt] = []
    again = make_timetable(later, data, times, locked=first.timetable, search=SearchOptions(time_limit=1, seed=1),
                           on_attempt=attempts.append)  # fmt: skip
    early = [s.id for s in first.timetable.served_stops if s.entry and s.entry.arrive < "11:00"]
    assert early and attempts[0].lock == "time" and attempts[0].relaxed_from is None
    relaxed = attempts[1].relaxed_from
    assert attempts[1].lock == "day" and relaxed is not None and relaxed[0] == "time" and relaxed[1] >= len(early)
    assert again.lock != "time" and again.compared_with == "tiny-round" and again.changes is not None
    names = [s.name for s in first.timetable.served_stops if s.id in early]
    assert all(any(c.startswith(f"{name}: ") for c in again.changes) for name in names), again.changes
    assert any(
        n.startswith("Keeping the weekday, weeks and time of the published visits left")
        and "so visit times were allowed to move" in n
        and names[0] in n
        for n in again.lock_notes
    ), again.lock_notes


def test_a_replan_that_adds_or_refrequencies_a_stop_keeps_every_other_entry(tiny_data: Path, tmp_path: Path) -> None:
    from outreach_map.timetabling import SearchOptions, make_timetable

    data = load_dataset(tiny_data)
    times = TravelTimes(load_roads(tiny_data))
    search = SearchOptions(time_limit=1, seed=1)
    first = make_timetable(_load(_write(tmp_path, TINY_REQUEST), tiny_data), data, times, search=search)
    more = _load(
        _write(tmp_path, TINY_REQUEST + '\n[[stops]]\nid = "daventry"\nfrequency_weeks = 2\nduration_min = 15\n'),
        tiny_data,
    )
    added = make_timetable(more, data, times, locked=first.timetable, search=search)
    assert added.lock == "time" and added.changes is not None
    assert added.changes[0].startswith("Daventry: now visited")
    # nothing else moved but a visit the search cannot hold to its minute: one across the nominal break 12:45-13:15
    across = {
        s.name
        for s in first.timetable.served_stops
        if s.entry and s.entry.arrive < "13:15" and s.entry.depart > "12:45"
    }
    moved = {c.split(":")[0] for c in added.changes[1:]}
    assert moved <= across, added.changes
    ids = {s.name: s.id for s in first.timetable.served_stops}
    assert all(added.timetable.stop(ids[n]).entry.weekday == first.timetable.stop(ids[n]).entry.weekday for n in moved)  # type: ignore[union-attr]
    weekly = _load(_write(tmp_path, TINY_REQUEST + '\n[[stops]]\nid = "badby"\nfrequency_weeks = 1\n'), tiny_data)
    changed = make_timetable(weekly, data, times, locked=first.timetable, search=search)
    assert changed.changes is not None and all(c.startswith("Badby: ") for c in changed.changes), changed.changes
