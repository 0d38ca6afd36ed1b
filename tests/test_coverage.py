from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from outreach_map.coverage import (
    CORE_AREA,
    CoverageResult,
    Facility,
    UnknownKindError,
    compute_coverage,
    facilities_of,
    load_candidate_sites,
    weekly_hours,
    what_if,
)
from outreach_map.dataset import Dataset, load_dataset
from outreach_map.directory import Schedule
from outreach_map.errors import DataFileError, OutreachError
from outreach_map.roads import load_roads
from outreach_map.traveltime import TravelTimes

from .conftest import write_csv


@pytest.fixture
def tiny(tiny_data: Path) -> tuple[Dataset, TravelTimes]:
    return load_dataset(tiny_data), TravelTimes(load_roads(tiny_data))


def _schedule(days: str, opens: str, closes: str, freq: str = "WEEKLY") -> Schedule:
    return Schedule("s", "", freq, 1, tuple(days.split(",")), opens, closes, False)


def test_weekly_hours_merges_overlaps_and_refuses_unstructured() -> None:
    hours = weekly_hours([_schedule("MO,TU", "09:00:00", "17:00:00"), _schedule("MO", "16:00", "18:30")])
    assert hours == ((0, 540, 1020), (0, 960, 1110), (1, 540, 1020))
    assert Facility("f", "F", 52.0, -1.0, "library", intervals=hours).weekly_hours == pytest.approx(17.5)
    assert weekly_hours([_schedule("MO", "09:00", "12:00", freq="MONTHLY")]) is None
    assert weekly_hours([Schedule("s", "Open 34 hours a week", None, None, (), None, None, False)]) is None
    fortnightly = Facility("f", "F", 52.0, -1.0, "library", intervals=((2, 600, 620),), weeks=2)
    assert fortnightly.weekly_hours == pytest.approx(20 / 60 / 2)


def test_facilities_are_open_public_points_of_a_kind(tiny: tuple[Dataset, TravelTimes]) -> None:
    data, _ = tiny
    assert [f.name for f in facilities_of(data.directory, "library")] == ["Daventry Library"]  # the defunct one is out
    assert facilities_of(data.directory, "domestic-abuse-support") == []  # the refuge is confidential
    with pytest.raises(UnknownKindError, match="unknown kind 'pub'; expected one of library, domestic-abuse-support"):
        facilities_of(data.directory, "pub")


def test_coverage_nearest_minutes_and_hours(tiny: tuple[Dataset, TravelTimes]) -> None:
    data, times = tiny
    villages = list(data.villages)
    libraries = facilities_of(data.directory, "library")
    result = compute_coverage(villages, libraries, times, kind="library", threshold=15)
    direct = times.matrix(villages, libraries).minutes[:, 0]
    np.testing.assert_allclose(result.minutes, direct)
    assert list(result.nearest) == [0] * 5
    assert result.approximate
    rows = {r["village_id"]: r for r in result.rows()}
    assert rows["daventry"]["nearest_service"] == "Daventry Library"
    assert rows["daventry"]["within_threshold"] is True
    assert rows["towcester"]["within_threshold"] is bool(direct[1] <= 15)
    assert rows["daventry"]["hours_per_week_within_threshold"] == 16.0  # Mondays and Tuesdays 09:00-17:00
    far = [r for r in rows.values() if not r["within_threshold"]]
    assert far and all(r["hours_per_week_within_threshold"] == 0.0 for r in far)


def test_summaries_are_population_weighted(tiny: tuple[Dataset, TravelTimes]) -> None:
    data, _ = tiny
    villages = tuple(data.villages)  # populations 28123, 9057, 2116, 640, 25
    result = CoverageResult(
        kind="library", mode="drive", threshold=30, villages=villages, facilities=(Facility("lib", "Lib", 52.2, -1.1, "library"),),
        minutes=np.array([0.0, 20.0, 40.0, math.inf, 10.0]), nearest=np.array([0, 0, 0, -1, 0]),
        approximate=False, network="test",
    )  # fmt: skip
    core = next(s for s in result.summaries() if s.area == CORE_AREA)
    assert core.population == 39_961
    assert core.average_minutes == pytest.approx((9057 * 20 + 2116 * 40 + 25 * 10) / (39_961 - 640))
    assert core.percent_within[15] == pytest.approx(100 * (28123 + 25) / 39_961)
    assert core.percent_within[30] == pytest.approx(100 * (28123 + 9057 + 25) / 39_961)
    assert core.unreachable_population == 640
    assert [g.village.id for g in result.gaps()] == ["kings-sutton", "badby"]


def test_what_if_moves_villages_in_and_out(tiny: tuple[Dataset, TravelTimes]) -> None:
    data, times = tiny
    villages = list(data.villages)
    libraries = facilities_of(data.directory, "library")
    towcester = next(v for v in villages if v.id == "towcester")
    new = Facility("new:towcester", "New site at Towcester", towcester.lat, towcester.lon, "library", candidate=True)
    scenario = what_if(villages, libraries, times, kind="library", threshold=5, add=[new], remove=[libraries[0].id])
    assert [v.id for v in scenario.moved_in] == ["towcester"]
    assert "daventry" in [v.id for v in scenario.moved_out]
    with pytest.raises(OutreachError, match="cannot remove 'nope'"):
        what_if(villages, libraries, times, kind="library", threshold=5, remove=["nope"])


def test_threshold_must_be_sensible(tiny: tuple[Dataset, TravelTimes]) -> None:
    data, times = tiny
    for bad in (0, -5, 10_000, math.nan):
        with pytest.raises(OutreachError, match="out of range"):
            compute_coverage(list(data.villages), [], times, kind="library", threshold=bad)


def test_candidate_file_and_its_errors(tmp_path: Path) -> None:
    header = ["id", "name", "lat", "lon"]
    good = write_csv(tmp_path / "c.csv", header, [["hall-1", "Badby Village Hall", "52.22", "-1.18"]])
    assert load_candidate_sites(good, kind="library")[0].name == "Badby Village Hall"
    bad_rows = {
        "field 'lat': 'north' is not a number": [["h", "Hall", "north", "-1.1"]],
        "line 3: field 'id': duplicate id 'h'": [["h", "Hall", "52.2", "-1.1"], ["h", "Hall 2", "52.3", "-1.1"]],
        "field 'name': is empty": [["h", "", "52.2", "-1.1"]],
        "field 'lon': 7.0 is out of range": [["h", "Hall", "52.2", "7.0"]],
    }
    for expected, rows in bad_rows.items():
        path = write_csv(tmp_path / "bad.csv", header, rows)
        with pytest.raises(DataFileError, match=expected):
            load_candidate_sites(path, kind="library")
