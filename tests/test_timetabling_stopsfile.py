"""Any area: a stops file, depots by coordinates, the proxy model, the fleet options, and their bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach_map.cli import main
from outreach_map.clock import format_clock
from outreach_map.planner.council import shared_timetables

from .conftest import PROJECT_ROOT

#: Four stops around Stratford-upon-Avon (outside every road network here), two sides of Wellesbourne among them.
FOUR_STOPS = """id,name,lat,lon,duration_min,frequency_weeks,weekdays,window,population,community,same_run
w-north,Church Street,52.1950,-1.5930,20,2,,,900,Wellesbourne,wellesbourne
w-south,Kineton Road,52.1890,-1.5890,15,2,,,600,Wellesbourne,wellesbourne
ettington,Village Hall,52.1380,-1.6010,20,2,Tue Thu,10:00-15:00,1000,Ettington,
tysoe,Post Office,52.0930,-1.5100,30,2,,,1100,Tysoe,
"""

REQUEST = """
[plan]
id = "stratford"
cycle_weeks = 2
start_date = "2027-01-04"
stops_file = "stops.csv"
travel = "proxy"
objective = "driving"
max_stops_per_run = 3

[[vans]]
id = "van"
depot = { name = "Stratford Library", lat = 52.1917, lon = -1.7073 }
shift = "09:30-16:30"
weekdays = ["Tue", "Thu"]
"""


def _files(tmp_path: Path, request: str = REQUEST, stops: str = FOUR_STOPS) -> Path:
    (tmp_path / "stops.csv").write_text(stops, encoding="utf-8")
    path = tmp_path / "request.toml"
    path.write_text(request, encoding="utf-8")
    return path


def _plan(tiny_data: Path, config: Path, out: Path, *extra: str) -> tuple[int, str]:
    args = ["--data-dir", str(tiny_data), "plan", "--config", str(config), "--out", str(out), "--time-limit", "2"]
    result = CliRunner().invoke(main, [*args, *extra])
    return result.exit_code, result.output


def test_a_stops_file_of_another_area_is_planned_on_the_proxy_model_and_checked(
    tiny_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "routes" / "stratford"
    code, output = _plan(tiny_data, _files(tmp_path), out, "--seed", "1")
    assert code == 0, output
    assert "4/4 stops served" in output and "APPROXIMATE (proxy model: straight line x 1.32 at 40 km/h" in output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["network"] == {"source": "proxy model: straight line x 1.32 at 40 km/h (approximate)",
                              "approximate": True, "model": "proxy", "detour": 1.32, "speed_kmh": 40.0}  # fmt: skip
    assert doc["vans"][0]["depot"]["name"] == "Stratford Library" and doc["vans"][0]["max_stops"] == 3
    stops = {s["id"]: s for s in doc["stops"]}
    assert stops["w-north"]["name"] == "Wellesbourne, Church Street" and stops["w-north"]["same_run"] == "wellesbourne"
    assert stops["ettington"]["weekday"] in ("Tue", "Thu")
    run = next(r for r in doc["runs"] if any(v["stop"] == "w-north" for v in r["visits"]))
    order = [v["stop"] for v in run["visits"]]
    assert order[order.index("w-north") + 1] == "w-south"
    checked = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "check-plan", str(out)])
    assert checked.exit_code == 0 and "plan OK" in checked.output, checked.output
    # the checker holds the file to its options: four stops on the run now break the van's limit of three
    doc["vans"][0]["max_stops"] = 1
    (out / "plan.json").write_text(json.dumps(doc), encoding="utf-8")
    broken = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "check-plan", str(out)])
    assert broken.exit_code == 1 and "the van's limit is 1 per run" in broken.output


def test_proxy_settings_change_the_model(tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outreach.toml").write_text("[roads]\nproxy_detour = 1.5\nproxy_speed_kmh = 30\n", encoding="utf-8")
    out = tmp_path / "routes" / "slow"
    code, output = _plan(tiny_data, _files(tmp_path), out)
    assert code == 0, output
    network = json.loads((out / "plan.json").read_text(encoding="utf-8"))["network"]
    assert (network["detour"], network["speed_kmh"]) == (1.5, 30.0)


def test_stops_outside_the_road_network_are_named(tiny_data: Path, tmp_path: Path) -> None:
    request = REQUEST.replace('travel = "proxy"\n', "")
    code, output = _plan(tiny_data, _files(tmp_path, request), tmp_path / "routes" / "x")
    assert code == 2 and len(output.strip().splitlines()) == 1, output
    assert "from the nearest drive road node" in output and 'travel = "proxy"' in output
    assert "error: stop 'Wellesbourne, Church Street' (52.19500, -1.59300) is" in output


BAD_ROWS = [
    ("w-north,Church Street,,-1.5930,20,2,,,900,Wellesbourne,", 2, "lat", "missing; expected a latitude"),
    ("w-north,Church Street,52.19,-1.59,400,2,,,900,Wellesbourne,", 2, "duration_min", "longer than a shift"),
    ("w-north,Church Street,52.19,-1.59,20,3,,,900,Wellesbourne,", 2, "frequency_weeks", "does not divide the 2-week"),
    ("w-north,Church Street,52.19,-1.59,20,2,Mon,,900,Wellesbourne,", 2, "weekdays", "Mon is a weekday no van works"),
    ("ettington,Church Street,52.19,-1.59,20,2,,,900,Wellesbourne,", 4, "id", "duplicate id 'ettington'"),
]


@pytest.mark.parametrize(("row", "line", "field", "message"), BAD_ROWS, ids=[b[2] for b in BAD_ROWS])
def test_a_bad_stops_file_exits_2_naming_file_line_and_field(
    tiny_data: Path, tmp_path: Path, row: str, line: int, field: str, message: str
) -> None:
    lines = FOUR_STOPS.splitlines()
    if field == "id":
        lines.insert(4, row)
        line = 5
    else:
        lines[1] = row
    code, output = _plan(tiny_data, _files(tmp_path, stops="\n".join(lines) + "\n"), tmp_path / "routes" / "x")
    assert code == 2 and len(output.strip().splitlines()) == 1, output
    assert f"stops.csv: line {line}: field '{field}'" in output and message in output
    assert "Traceback" not in output and not (tmp_path / "routes").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('objective = "driving"', 'objective = "coverage"'),
            "unknown objective 'coverage'; expected one of driving, service",
        ),
        (
            ("max_stops_per_run = 3", "max_stops = 3"),
            "field 'plan.max_stops': unknown setting; expected one of id, cycle_weeks",
        ),
        (('travel = "proxy"', 'travel = "crow"'), "unknown travel 'crow'; expected one of roads, proxy"),
        (("max_stops_per_run = 3", "max_stops_per_run = 0"), "0 is out of range; expected stops per run from 1 to 100"),
        (
            ('id = "van"', 'id = "van"\nbalanced = true'),
            "field 'vans[0].balanced': unknown setting; expected one of id, depot",
        ),
    ],
)
def test_an_unknown_objective_or_option_lists_the_valid_ones(
    tiny_data: Path, tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    code, output = _plan(tiny_data, _files(tmp_path, REQUEST.replace(*change)), tmp_path / "routes" / "x")
    assert code == 2 and message in output, output


def test_service_objective_with_the_fleet_options_on_villages(tiny_data: Path, tmp_path: Path) -> None:
    request = """
[plan]
id = "tiny-service"
cycle_weeks = 4
start_date = "2027-01-04"
min_population = 20
objective = "service"
balance = true
min_weeks_between_visits = 2

[[vans]]
id = "north"
depot = "Daventry Library"
weekdays = ["Tue", "Thu"]

[[stops]]
id = "badby"
preferred_weekday = "Thu"
frequencies = [2, 4]
"""
    path = tmp_path / "request.toml"
    path.write_text(request, encoding="utf-8")
    out = tmp_path / "routes" / "tiny-service"
    code, output = _plan(tiny_data, path, out, "--seed", "1")
    assert code == 0, output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["vans"][0]["depot"]["name"] == "Daventry Library" and doc["vans"][0]["max_stops"] >= 1
    stops = {s["id"]: s for s in doc["stops"]}
    assert all(s["frequency_weeks"] >= 2 for s in stops.values())  # never closer than min_weeks_between_visits
    assert stops["badby"]["preferred_weekday"] == "Thu" and stops["badby"]["min_weeks_between_visits"] == 2
    assert doc["service"]["visits"] > len(stops)  # some stops are visited more often than every 4 weeks
    assert "objective service:" in output
    checked = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "check-plan", str(out)])
    assert checked.exit_code == 0, checked.output


SHARED_TIMETABLES = shared_timetables(PROJECT_ROOT)


def test_warwickshire_from_the_shared_timetables_is_planned_published_and_checked(
    tiny_data: Path, tmp_path: Path
) -> None:
    """The Done-when on a part of Warwickshire: the stops of its first six runs, made into a stops file and a
    request like the council's (as ``bench_council.py --write-stops --write-request`` makes for all 262; never
    committed), planned by ``outreach-map plan`` and accepted by ``check-plan``."""
    if not SHARED_TIMETABLES.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_TIMETABLES} is missing in CI")
        pytest.skip(f"{SHARED_TIMETABLES} not found (the shared LibrariesHacked timetables)")
    from dataclasses import replace

    from outreach_map.planner.council import read_council, write_request_toml, write_stops_csv

    council = read_council(SHARED_TIMETABLES, "Warwickshire")
    runs = council.runs[:6]
    part = replace(
        council, runs=runs, depots={v: d for v, d in council.depots.items() if any(r.van == v for r in runs)}
    )
    write_stops_csv(part, tmp_path / "warwickshire.csv")
    request = tmp_path / "warwickshire.toml"
    write_request_toml(part, request, "warwickshire.csv")
    text = request.read_text(encoding="utf-8")
    assert 'travel = "proxy"' in text and f"max_stops_per_run = {max(len(r.stops) for r in runs)}" in text
    (start, end), (lunch, _) = part.shift(), part.lunch()
    assert f"lunch_minutes = {lunch:g}" in text and f'shift = "{format_clock(start)}-{format_clock(end)}"' in text
    out = tmp_path / "routes" / "warwickshire"
    code, output = _plan(tiny_data, request, out, "--time-limit", "3", "--seed", "1")
    assert code == 0, output
    n = len(part.stops)
    assert f"{n}/{n} stops served" in output
    checked = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "check-plan", str(out)])
    assert checked.exit_code == 0 and "plan OK" in checked.output, checked.output
