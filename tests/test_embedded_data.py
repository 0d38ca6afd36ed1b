"""The embedded West Northamptonshire data meets what the foundation issue promises."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from outreach_map.dataset import Dataset, load_dataset
from outreach_map.directory import EXAMPLE_PREFIX
from outreach_map.places import CORE_DISTRICTS

from .conftest import EMBEDDED_DATA, PROJECT_ROOT

SHARED_SCHEMAS = PROJECT_ROOT.parent / "shared" / "openreferral" / "schema"
PROJECT_SCHEMAS = PROJECT_ROOT / "outreach_map" / "schemas" / "openreferral"


@pytest.fixture(scope="module")
def embedded() -> Dataset:
    return load_dataset(EMBEDDED_DATA)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def test_at_least_190_settlements_in_the_two_districts(embedded: Dataset) -> None:
    core = embedded.villages.in_districts(CORE_DISTRICTS)
    assert len(core) >= 190
    assert {v.kind for v in core} == {"town", "village", "hamlet"}


@pytest.mark.parametrize(
    ("name", "lat", "lon"), [("Daventry", 52.257, -1.161), ("Towcester", 52.132, -0.989), ("Brackley", 52.033, -1.144)]
)
def test_market_towns_within_1_km(embedded: Dataset, name: str, lat: float, lon: float) -> None:
    town = embedded.villages.find(name)
    assert town.kind == "town"
    assert _km(town.lat, town.lon, lat, lon) < 1.0


def test_gap_around_daventry_is_filled(embedded: Dataset) -> None:
    for name in ("Braunston", "Welton", "Kilsby", "Barby", "Crick", "Yelvertoft"):
        assert embedded.villages.find(name).district == "Daventry"


def test_every_settlement_has_population_and_source(embedded: Dataset) -> None:
    for village in embedded.villages:
        assert village.population > 0, village.id
        assert village.population_source in {"geonames", "census", "estimated"}


def test_district_populations_near_small_area_total(embedded: Dataset) -> None:
    total = sum(v.population for v in embedded.villages.in_districts(CORE_DISTRICTS))
    assert abs(total - 177_701) / 177_701 <= 0.15


def test_bounding_box_neighbours_are_included(embedded: Dataset) -> None:
    for name in ("Banbury", "Buckingham", "Northampton", "Rugby"):
        village = embedded.villages.find(name)
        assert not village.in_core_area
        assert 51.95 <= village.lat <= 52.45 and -1.45 <= village.lon <= -0.75


def test_sixty_real_locations_across_six_kinds(embedded: Dataset) -> None:
    real = [p for p in embedded.directory.points_of() if not p.example]
    assert len(real) >= 60
    assert len(Counter(p.kind for p in real)) >= 6


def test_real_and_example_points_by_kind(embedded: Dataset) -> None:
    """The counts data/services/README.md gives (closed libraries included)."""
    counts = {kind: dict(c) for kind, c in embedded.directory.count_by_kind().items() if c}
    real = {kind: c.get("real", 0) for kind, c in counts.items()}
    example = {kind: c.get("example", 0) for kind, c in counts.items() if c.get("example")}
    assert real == {
        "library": 53, "gp": 79, "school": 263, "hospital": 10, "hospice": 2, "care-home": 29,
        "community-venue": 4, "victim-support": 0, "domestic-abuse-support": 0, "police": 0, "childrens-centre": 0,
    }  # fmt: skip
    assert example == {"victim-support": 2, "domestic-abuse-support": 3, "police": 3, "childrens-centre": 3}


def test_community_venues_are_the_buildings_that_house_open_libraries(embedded: Dataset) -> None:
    venues = embedded.directory.points_of(["community-venue"], include_closed=True)
    assert sorted(p.service.name for p in venues) == [
        "Neithrop Community Centre", "Wolverton Town Hall", "Woodford Halse Village Hall", "Wootton Community Centre",
    ]  # fmt: skip
    libraries = {(p.location.lat, p.location.lon): p for p in embedded.directory.points_of(["library"])}
    for venue in venues:
        assert not venue.example and venue.is_open
        assert "DCMS Libraries Taskforce" in venue.service.source
        library = libraries[(venue.location.lat, venue.location.lon)]
        assert library.service.name in venue.service.description
        assert library.location.postcode == venue.location.postcode


#: Strict enough for the Open Referral validator: no whitespace, one "@", a dot in the domain.
STRICT_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def _emails(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("email") and isinstance(item, str):
                yield item
            else:
                yield from _emails(item)
    elif isinstance(value, list):
        for item in value:
            yield from _emails(item)


def test_every_email_in_the_directory_is_a_plain_address() -> None:
    services = json.loads((EMBEDDED_DATA / "services" / "services.json").read_text(encoding="utf-8"))
    emails = list(_emails(services))
    assert len(emails) >= 45
    assert "hunslib@firstforwellbeing.co.uk" in emails
    bad = [e for e in emails if not STRICT_EMAIL.fullmatch(e) or e.count("@") != 1]
    assert bad == []
    for table in (EMBEDDED_DATA / "services").glob("*.json"):
        others = [e for e in _emails(json.loads(table.read_text(encoding="utf-8"))) if not STRICT_EMAIL.fullmatch(e)]
        assert others == [], table.name


def test_daventry_library_is_at_the_abbey_centre(embedded: Dataset) -> None:
    daventry = next(p for p in embedded.directory.points_of(["library"]) if p.service.name == "Daventry Library")
    assert "Abbey Centre, St John's Square" in daventry.location.address
    closed = [p for p in embedded.directory.points_of(["library"], include_closed=True) if not p.is_open]
    assert {p.service.status for p in closed} == {"defunct"}
    assert len(closed) >= 3


def test_examples_and_confidential_entries_are_labelled(embedded: Dataset) -> None:
    records = embedded.directory.records
    examples = [r for table in records.values() for r in table if r.get("example")]
    assert examples
    for record in examples:
        text = record.get("name") or record.get("description") or ""
        assert text.startswith(EXAMPLE_PREFIX) or "name" not in record, record
    for location in records["locations"]:
        if location.get("confidential"):
            assert location.get("example") is True
            assert location["name"].startswith(EXAMPLE_PREFIX)
    for point in embedded.directory.points:
        if point.example:
            assert point.service.name.startswith(EXAMPLE_PREFIX)
            assert point.location.name.startswith(EXAMPLE_PREFIX)
    assert any(p.confidential for p in embedded.directory.points)


def test_embedded_postcodes_resolve(embedded: Dataset) -> None:
    assert len(embedded.postcodes) > 15_000
    found = embedded.postcodes.lookup("nn12 6ax")
    assert _km(found.lat, found.lon, 52.132, -0.989) < 3


@pytest.mark.skipif(not SHARED_SCHEMAS.is_dir(), reason="../shared/openreferral is not beside the checkout")
def test_project_schemas_are_the_shared_open_referral_uk_schemas() -> None:
    copies = sorted(PROJECT_SCHEMAS.glob("*.json"))
    assert len(copies) >= 9
    for copy in copies:
        original = SHARED_SCHEMAS / copy.name
        assert json.loads(copy.read_text(encoding="utf-8")) == json.loads(original.read_text(encoding="utf-8")), (
            copy.name
        )
