"""Tiny named fixtures: a five-village data set that is easy to reason about."""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DATA = PROJECT_ROOT / "data"

VILLAGE_HEADER = [
    "id", "name", "kind", "lat", "lon", "district", "postcode_district",
    "population", "population_source", "source",
]  # fmt: skip

#: Five villages: two market towns, two villages and a hamlet, one estimated.
FIVE_VILLAGES = [
    ["daventry", "Daventry", "town", "52.2569", "-1.1607", "Daventry", "NN11", "28123", "geonames", "test"],
    ["towcester", "Towcester", "town", "52.131913", "-0.988511", "South Northamptonshire", "NN12", "9057", "geonames", "test"],
    ["kings-sutton", "King's Sutton", "village", "52.0216", "-1.2757", "South Northamptonshire", "OX17", "2116", "geonames", "test"],
    ["badby", "Badby", "village", "52.2245", "-1.1780", "Daventry", "NN11", "640", "estimated", "test"],
    ["nobottle", "Nobottle", "hamlet", "52.2440", "-0.9990", "Daventry", "NN7", "25", "estimated", "test"],
]  # fmt: skip

POSTCODE_HEADER = ["postcode", "lat", "lon", "source"]
THREE_POSTCODES = [
    ["NN11 4AB", "52.2560", "-1.1620", "os-open-names-2024"],
    ["NN12 6AA", "52.1330", "-0.9900", "os-open-names-2024"],
    ["OX17 3QA", "52.0200", "-1.2750", "codepoint-open-2014"],
]

U = "00000000-0000-4000-8000-{:012d}"


def uid(n: int) -> str:
    return U.format(n)


def tiny_directory() -> dict[str, list[dict[str, Any]]]:
    """Two kinds: an open and a closed library, an EXAMPLE confidential refuge and a helpline."""
    tax = uid(1)
    library, refuge_kind = uid(2), uid(3)
    org_lib, org_refuge = uid(10), uid(12)
    svc_lib, svc_old, svc_refuge, svc_line = uid(20), uid(21), uid(22), uid(23)
    loc_lib, loc_old, loc_refuge = uid(30), uid(31), uid(32)

    def attr(n: int, service: str, term: str) -> list[dict[str, Any]]:
        return [{"id": uid(n), "link_id": service, "link_type": "service", "taxonomy_term_id": term}]

    return {
        "taxonomies": [{"id": tax, "name": "kinds", "description": "Service kinds"}],
        "taxonomy_terms": [
            {"id": library, "term": "library", "name": "Library", "description": "Library", "taxonomy_id": tax},
            {"id": refuge_kind, "term": "domestic-abuse-support", "name": "DA", "description": "DA", "taxonomy_id": tax},
        ],
        "organizations": [
            {"id": org_lib, "name": "Northamptonshire Libraries", "description": "Libraries"},
            {"id": org_refuge, "name": "Refuge", "description": "Charity"},
        ],
        "services": [
            {"id": svc_lib, "organization_id": org_lib, "name": "Daventry Library", "status": "active",
             "attributes": attr(40, svc_lib, library)},
            {"id": svc_old, "organization_id": org_lib, "name": "Old Towcester Library", "status": "defunct",
             "attributes": attr(41, svc_old, library)},
            {"id": svc_refuge, "organization_id": org_refuge, "name": "EXAMPLE - Refuge", "status": "active",
             "example": True, "attributes": attr(42, svc_refuge, refuge_kind)},
            {"id": svc_line, "organization_id": org_refuge, "name": "Helpline", "status": "active",
             "attributes": attr(43, svc_line, refuge_kind)},
        ],
        "locations": [
            {"id": loc_lib, "location_type": "physical", "name": "Abbey Centre", "latitude": 52.2569,
             "longitude": -1.1607},
            {"id": loc_old, "location_type": "physical", "name": "Richmond Road", "latitude": 52.1319,
             "longitude": -0.9885},
            {"id": loc_refuge, "location_type": "physical", "name": "EXAMPLE - Refuge", "latitude": 52.19,
             "longitude": -1.07, "example": True, "confidential": True},
        ],
        "service_at_locations": [
            {"id": uid(50), "service_id": svc_lib, "location_id": loc_lib},
            {"id": uid(51), "service_id": svc_old, "location_id": loc_old},
            {"id": uid(52), "service_id": svc_refuge, "location_id": loc_refuge, "example": True},
        ],
        "schedules": [
            {"id": uid(60), "service_at_location_id": uid(50), "freq": "WEEKLY", "interval": 1, "byday": "MO,TU",
             "opens_at": "09:00:00", "closes_at": "17:00:00", "description": "Mondays and Tuesdays"},
        ],
        "contacts": [{"id": uid(70), "service_id": svc_line, "name": "Helpline"}],
        "phones": [{"id": uid(80), "contact_id": uid(70), "number": "0808 2000 247"}],
    }  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_directory(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, records in tables.items():
        (folder / f"{table}.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    return folder


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    """A data directory with five villages, three postcodes and the tiny directory."""
    data = tmp_path / "data"
    write_csv(data / "villages" / "villages.csv", VILLAGE_HEADER, FIVE_VILLAGES)
    write_csv(data / "postcodes" / "postcodes.csv", POSTCODE_HEADER, THREE_POSTCODES)
    write_directory(data / "services", tiny_directory())
    return data


@pytest.fixture
def make_directory(tmp_path: Path) -> Callable[[Callable[[dict[str, list[dict[str, Any]]]], None]], Path]:
    """Write the tiny directory after a mutation, for bad-input tests."""

    def make(mutate: Callable[[dict[str, list[dict[str, Any]]]], None]) -> Path:
        tables = copy.deepcopy(tiny_directory())
        mutate(tables)
        return write_directory(tmp_path / "services", tables)

    return make


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Matrices are cached in a temporary folder, never in the user's home."""
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
