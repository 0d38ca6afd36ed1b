"""The site's own JSON: villages, coverage (no infinity), coverage queries, and timetables withheld near a refuge."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from outreach_map.coverage import CoverageResult, Facility
from outreach_map.dataset import Dataset, load_dataset
from outreach_map.errors import QueryError
from outreach_map.publicjson import CoverageQuery, coverage_json, parse_coverage_query, timetable_json, villages_json
from outreach_map.published import Timetable, public_timetable

from .conftest import write_directory
from .test_openreferral import LOC_REFUGE, REFUGE_LAT, REFUGE_LON, SAL_LIBRARY, SAL_REFUGE, secret_refuge_tables
from .test_published import tiny_plan


@pytest.fixture
def data(tiny_data: Path) -> Dataset:
    """The tiny data with a refuge whose location has its own name, address and hours."""
    write_directory(tiny_data / "services", secret_refuge_tables())
    return load_dataset(tiny_data)


def test_villages_json(data: Dataset) -> None:
    body = villages_json(data.villages)
    assert body["total_items"] == 5
    assert body["villages"][3] == {
        "id": "badby", "name": "Badby", "kind": "village", "lat": 52.2245, "lon": -1.178, "district": "Daventry",
        "population": 640, "population_source": "estimated", "estimated": True,
    }  # fmt: skip


def test_coverage_json_has_no_infinity(data: Dataset) -> None:
    villages = tuple(data.villages)
    result = CoverageResult(
        kind="library", mode="drive", threshold=30, villages=villages,
        facilities=(Facility(SAL_LIBRARY, "Daventry Library", 52.2569, -1.1607, "library"),),
        minutes=np.array([0.0, 20.0, 40.0, math.inf, 10.0]), nearest=np.array([0, 0, 0, -1, 0]),
        approximate=True, network="test",
    )  # fmt: skip
    body = coverage_json(result)
    json.dumps(body, allow_nan=False)
    badby = body["villages"][3]
    assert badby["minutes"] is None and badby["nearest_service_id"] is None and badby["within_threshold"] is False
    assert body["approximate"] is True and body["service_points"] == 1
    # two districts and the core area; the whole bounding box holds the same five villages, so it is left out
    assert [s["area"] for s in body["summaries"]][-1] == "Former Daventry + South Northamptonshire"
    assert len(body["summaries"]) == 3


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"kind": "pub"}, "kind"),
        ({"threshold": "0"}, "threshold"),
        ({"threshold": "500"}, "threshold"),
        ({"threshold": "soon"}, "threshold"),
        ({"mode": "fly"}, "mode"),
        ({"real_only": "perhaps"}, "real_only"),
    ],
)
def test_bad_coverage_query_names_the_parameter(args: dict[str, str], parameter: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_coverage_query(args, ["library", "gp"])
    assert caught.value.parameter == parameter


def test_coverage_query_defaults() -> None:
    assert parse_coverage_query({}, ["gp", "library"]) == CoverageQuery("library", 15.0, "drive", False)
    query = parse_coverage_query({"kind": "gp", "threshold": "45", "mode": "walk", "real_only": "true"}, ["gp"])
    assert query == CoverageQuery("gp", 45.0, "walk", True)


def _plan(change: Callable[[dict[str, Any]], None] | None = None) -> Timetable:
    raw = tiny_plan()
    if change is not None:
        change(raw)
    return Timetable.from_json(raw, source=Path("plan.json"))


def _stop(stop_id: str, name: str, lat: float, lon: float) -> dict[str, Any]:
    return {"id": stop_id, "name": name, "lat": lat, "lon": lon, "frequency_weeks": 2, "duration_min": 20,
            "population": 10}  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p["stops"].append(_stop("x", "Somewhere", REFUGE_LAT, REFUGE_LON)),
        lambda p: p["stops"].append(_stop("x", "Near", REFUGE_LAT + 0.0005, REFUGE_LON)),
        lambda p: p["stops"].append(_stop(SAL_REFUGE, "Stop", 52.0, -1.0)),
        lambda p: p["stops"].append(_stop(LOC_REFUGE, "Stop", 52.0, -1.0)),
        lambda p: p["vans"][0]["depot"].update(lat=REFUGE_LAT, lon=REFUGE_LON),
    ],
)
def test_plan_touching_a_confidential_location_is_withheld(
    data: Dataset, change: Callable[[dict[str, Any]], None]
) -> None:
    assert public_timetable(_plan(change), data.directory) is None
    assert timetable_json(_plan(change), data.directory) is None


def test_ordinary_plan_is_served_as_stored(data: Dataset) -> None:
    plan = _plan()
    shown = public_timetable(plan, data.directory)
    assert shown is not None and shown.to_json() == tiny_plan()
    assert timetable_json(plan, data.directory) == tiny_plan()
