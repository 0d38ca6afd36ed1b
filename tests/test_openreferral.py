"""Open Referral UK API core: paging, query parsing, filters, and confidential locations withheld."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from outreach_map import openreferral as oruk
from outreach_map.dataset import Dataset, load_dataset
from outreach_map.directory import load_directory
from outreach_map.errors import QueryError
from outreach_map.lookup import Place
from outreach_map.roads import load_roads
from outreach_map.traveltime import TravelTimes

from .conftest import tiny_directory, uid, write_directory

Tables = dict[str, list[dict[str, Any]]]

# The tiny directory's ids (see conftest.tiny_directory).
TAXONOMY, LIBRARY_TERM, DA_TERM = uid(1), uid(2), uid(3)
ORG_LIBRARIES, ORG_REFUGE = uid(10), uid(12)
LIBRARY, OLD_LIBRARY, REFUGE, HELPLINE = uid(20), uid(21), uid(22), uid(23)
LOC_LIBRARY, LOC_OLD, LOC_REFUGE = uid(30), uid(31), uid(32)
SAL_LIBRARY, SAL_OLD, SAL_REFUGE = uid(50), uid(51), uid(52)
REFUGE_LAT, REFUGE_LON = 52.19, -1.07

#: Everything that would give the refuge away, as it appears in the data (see :func:`secret_refuge_tables`).
SECRETS = (
    "52.19", "-1.07", LOC_REFUGE, uid(33), "7 Hidden Lane", "NN11 9ZZ", "100031234567",
    "EXAMPLE - Refuge house on Hidden Lane", "EXAMPLE - the side door", uid(61),
)  # fmt: skip


def secret_refuge_tables() -> Tables:
    """The tiny directory, with a refuge whose location has its own name, address, UPRN and opening hours.

    Its service sends the public to the helpline (``public_contact_service_id``),
    so any of these strings in an API response would be a leak.
    """
    tables = tiny_directory()
    refuge = next(loc for loc in tables["locations"] if loc["id"] == LOC_REFUGE)
    refuge |= {
        "name": "EXAMPLE - Refuge house on Hidden Lane", "external_identifier": "100031234567",
        "external_identifier_type": "UPRN", "description": "EXAMPLE - behind the church",
        "addresses": [{"id": uid(33), "location_id": LOC_REFUGE, "address_1": "7 Hidden Lane", "city": "Badby",
                       "state_province": "England", "postal_code": "NN11 9ZZ", "country": "GB",
                       "address_type": "physical"}],
    }  # fmt: skip
    next(s for s in tables["services"] if s["id"] == REFUGE)["public_contact_service_id"] = HELPLINE
    tables["schedules"].append(
        {"id": uid(61), "service_at_location_id": SAL_REFUGE, "service_id": REFUGE, "example": True,
         "description": "EXAMPLE - the side door opens at 8"}
    )  # fmt: skip
    return tables


def without_refuge(tables: Tables) -> Tables:
    """The same directory with the refuge's location and service_at_location removed altogether."""
    tables = json.loads(json.dumps(tables))
    tables["locations"] = [r for r in tables["locations"] if r["id"] != LOC_REFUGE]
    tables["service_at_locations"] = [r for r in tables["service_at_locations"] if r["id"] != SAL_REFUGE]
    tables["schedules"] = [r for r in tables["schedules"] if r.get("service_at_location_id") != SAL_REFUGE]
    return tables


@pytest.fixture
def secret_data(tiny_data: Path) -> Path:
    """The tiny data directory with :func:`secret_refuge_tables` as its directory."""
    write_directory(tiny_data / "services", secret_refuge_tables())
    return tiny_data


@pytest.fixture
def data(secret_data: Path) -> Dataset:
    return load_dataset(secret_data)


@pytest.fixture
def catalogue(data: Dataset) -> oruk.Catalogue:
    return oruk.build_catalogue(data.directory)


def assert_no_secret(body: Any) -> None:
    text = json.dumps(body)
    for secret in SECRETS:
        assert secret not in text, secret


# --- paging -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "page", "per_page", "pages", "size", "first", "last"),
    [
        (5, 1, 2, 3, 2, True, False),
        (5, 2, 2, 3, 2, False, False),
        (5, 3, 2, 3, 1, False, True),
        (4, 2, 2, 2, 2, False, True),
        (5, 4, 2, 3, 0, False, True),  # after the last page: empty, not an error
        (0, 1, 10, 0, 0, True, True),
        (100, 1, 100, 1, 100, True, True),
    ],
)
def test_page_maths(total: int, page: int, per_page: int, pages: int, size: int, first: bool, last: bool) -> None:
    result = oruk.paginate(list(range(total)), oruk.PageRequest(page, per_page), lambda i: {"n": i})
    assert result == {
        "total_items": total, "total_pages": pages, "page_number": page, "size": size, "first_page": first,
        "last_page": last, "empty": size == 0,
        "contents": [{"n": i} for i in range((page - 1) * per_page, min(total, page * per_page))],
    }  # fmt: skip


def test_only_the_page_is_serialised() -> None:
    seen: list[int] = []

    def serialise(i: int) -> dict[str, Any]:
        seen.append(i)
        return {}

    oruk.paginate(list(range(1000)), oruk.PageRequest(3, 10), serialise)
    assert seen == list(range(20, 30))


def test_page_defaults_and_parsing() -> None:
    assert oruk.parse_page({}) == oruk.PageRequest(1, oruk.DEFAULT_PER_PAGE)
    assert oruk.parse_page({"page": " 2 ", "per_page": "100"}) == oruk.PageRequest(2, 100)
    assert oruk.parse_page({"page": "", "per_page": ""}) == oruk.PageRequest(1, oruk.DEFAULT_PER_PAGE)


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "abc"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "1.5"}, "per_page"),
        ({"per_page": "-3"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "9" * 30}, "page"),
    ],
)
def test_bad_page_names_the_parameter(args: dict[str, str], parameter: str) -> None:
    with pytest.raises(QueryError) as caught:
        oruk.parse_page(args)
    assert caught.value.parameter == parameter


def test_page_request_validates_itself() -> None:
    with pytest.raises(QueryError, match="per_page"):
        oruk.PageRequest(1, oruk.MAX_PER_PAGE + 1)
    with pytest.raises(QueryError, match="page"):
        oruk.PageRequest(0, 10)


# --- query parameters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"taxonomy_term_id": uid(99)}, "taxonomy_term_id"),
        ({"taxonomy_id": LIBRARY_TERM}, "taxonomy_id"),
        ({"organization_id": "nope"}, "organization_id"),
        ({"status": "open"}, "status"),
        ({"day": "Funday"}, "day"),
        ({"minimum_age": "-3"}, "minimum_age"),
        ({"start_time": "9am"}, "start_time"),
        ({"modified_after": "yesterday"}, "modified_after"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_service_filter_names_the_parameter(
    catalogue: oruk.Catalogue, args: dict[str, str], parameter: str
) -> None:
    with pytest.raises(QueryError) as caught:
        oruk.parse_service_filter(args, catalogue)
    assert caught.value.parameter == parameter


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"postcode": "NN11 4AB", "proximity": "-5"}, "proximity"),
        ({"postcode": "NN11 4AB", "proximity": "0"}, "proximity"),
        ({"postcode": "NN11 4AB", "proximity": "far"}, "proximity"),
        ({"postcode": "NN11 4AB", "proximity": "nan"}, "proximity"),
        ({"postcode": "NN11 4AB", "proximity": "inf"}, "proximity"),
        ({"postcode": "NN11 4AB", "proximity": "300000"}, "proximity"),
        ({"proximity": "1000"}, "proximity"),
        ({"lat": "52.19"}, "lon"),
        ({"lon": "-1.07"}, "lat"),
        ({"lat": "91", "lon": "-1"}, "lat"),
        ({"lat": "52", "lon": "-181"}, "lon"),
        ({"lat": "north", "lon": "-1"}, "lat"),
        ({"postcode": "not a postcode"}, "postcode"),
        ({"postcode": "NN11"}, "postcode"),
        ({"postcode": "ZZ1 1ZZ"}, "postcode"),
        ({"postcode": "NN11 4AB", "lat": "52", "lon": "-1"}, "postcode"),
        ({"lat": "52", "lon": "-1", "mode": "fly"}, "mode"),
        ({"per_page": "abc"}, "per_page"),
        ({"taxonomy_term_id": "x"}, "taxonomy_term_id"),
    ],
)
def test_bad_position_names_the_parameter(
    data: Dataset, catalogue: oruk.Catalogue, args: dict[str, str], parameter: str
) -> None:
    with pytest.raises(QueryError) as caught:
        oruk.parse_service_at_location_query(args, catalogue, data.postcodes)
    assert caught.value.parameter == parameter
    for value in args.values():  # messages never repeat what was sent
        if len(value) > 4:
            assert value not in str(caught.value)


def test_position_from_postcode_or_lat_lon(data: Dataset, catalogue: oruk.Catalogue) -> None:
    query = oruk.parse_service_at_location_query(
        {"postcode": "nn114ab", "proximity": "1500"}, catalogue, data.postcodes
    )
    assert query.origin is not None and (query.origin.lat, query.origin.lon) == (52.2560, -1.1620)
    assert query.proximity_m == 1500 and query.mode == "drive"
    query = oruk.parse_service_at_location_query(
        {"lat": "52.1", "lon": "-1", "mode": "walk"}, catalogue, data.postcodes
    )
    assert query.origin is not None and (query.origin.lat, query.origin.lon, query.mode) == (52.1, -1.0, "walk")
    assert oruk.parse_service_at_location_query({}, catalogue, data.postcodes).origin is None


# --- the catalogue withholds confidential locations ---------------------------------------------------------------


def test_catalogue_never_holds_the_confidential_location(catalogue: oruk.Catalogue) -> None:
    assert LOC_REFUGE not in catalogue.locations and LOC_REFUGE not in catalogue.location_text
    assert set(catalogue.points) == {SAL_LIBRARY, SAL_OLD}
    assert catalogue.redacted == {SAL_REFUGE}
    assert SAL_REFUGE not in catalogue.service_at_locations  # as if the location did not exist
    assert all(s["id"] != uid(61) for s in catalogue.schedules.get(REFUGE, ()))
    assert REFUGE not in catalogue.sals_by_service


def test_redacted_service_keeps_its_example_name_and_public_contact(catalogue: oruk.Catalogue) -> None:
    service = oruk.service_full(catalogue, REFUGE)
    assert service is not None
    assert_no_secret(service)
    assert service["name"] == "EXAMPLE - Refuge" and service["example"] is True
    assert service["service_at_locations"] == []
    assert service["public_contact_service_id"] == HELPLINE
    assert service["schedules"] == []
    contact = service["public_contact_service"]
    assert contact["id"] == HELPLINE and contact["contacts"][0]["phones"][0]["number"] == "0808 2000 247"
    assert oruk.service_at_location_full(catalogue, SAL_REFUGE) is None


def test_public_service_is_fully_nested(catalogue: oruk.Catalogue) -> None:
    service = oruk.service_full(catalogue, LIBRARY)
    assert service is not None
    assert service["organization"]["name"] == "Northamptonshire Libraries"
    assert service["attributes"][0]["taxonomy_term"]["term"] == "library"
    [sal] = service["service_at_locations"]
    assert sal["location"]["name"] == "Abbey Centre" and sal["location"]["latitude"] == 52.2569
    assert [s["description"] for s in service["schedules"]] == ["Mondays and Tuesdays"]
    assert oruk.service_full(catalogue, uid(99)) is None
    assert oruk.service_at_location_full(catalogue, LOC_LIBRARY) is None  # a location id is not a SAL id


def test_taxonomies_and_terms(catalogue: oruk.Catalogue) -> None:
    taxonomy = oruk.taxonomy_full(catalogue, TAXONOMY)
    assert taxonomy is not None and [t["term"] for t in taxonomy["taxonomy_terms"]] == [
        "library",
        "domestic-abuse-support",
    ]
    assert oruk.list_taxonomies(catalogue, oruk.PageRequest())["total_items"] == 1
    terms = oruk.list_taxonomy_terms(catalogue, TAXONOMY, oruk.PageRequest(2, 1))
    assert [t["id"] for t in terms["contents"]] == [DA_TERM] and terms["last_page"]
    assert oruk.taxonomy_term_full(catalogue, LIBRARY_TERM) == {
        "id": LIBRARY_TERM, "term": "library", "name": "Library", "description": "Library", "taxonomy_id": TAXONOMY,
    }  # fmt: skip
    assert oruk.taxonomy_full(catalogue, uid(99)) is None and oruk.taxonomy_term_full(catalogue, uid(99)) is None


# --- filters ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "names"),
    [
        (oruk.ServiceFilter(), ["Daventry Library", "Old Towcester Library", "EXAMPLE - Refuge", "Helpline"]),
        (oruk.ServiceFilter(taxonomy_term_id=LIBRARY_TERM), ["Daventry Library", "Old Towcester Library"]),
        (
            oruk.ServiceFilter(taxonomy_id=TAXONOMY),
            ["Daventry Library", "Old Towcester Library", "EXAMPLE - Refuge", "Helpline"],
        ),
        (oruk.ServiceFilter(organization_id=ORG_REFUGE), ["EXAMPLE - Refuge", "Helpline"]),
        (oruk.ServiceFilter(status="defunct"), ["Old Towcester Library"]),
        (oruk.ServiceFilter(search="towcester LIBRARY"), ["Old Towcester Library"]),
        (oruk.ServiceFilter(search="northamptonshire"), ["Daventry Library", "Old Towcester Library"]),  # organization
        (oruk.ServiceFilter(search="domestic-abuse"), ["EXAMPLE - Refuge", "Helpline"]),  # taxonomy term
        (oruk.ServiceFilter(search="hidden lane"), []),
    ],
)
def test_service_filters(catalogue: oruk.Catalogue, where: oruk.ServiceFilter, names: list[str]) -> None:
    page = oruk.list_services(catalogue, where, oruk.PageRequest())
    assert [s["name"] for s in page["contents"]] == names
    assert page["total_items"] == len(names)


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(oruk.ServiceFilter)])
def test_a_filter_with_any_field_set_does_not_select_all(name: str) -> None:
    assert oruk.ServiceFilter().selects_all
    assert not oruk.ServiceFilter(**{name: 0}).selects_all


def _sal_query(**kwargs: Any) -> oruk.ServiceAtLocationQuery:
    where = kwargs.pop("where", oruk.ServiceFilter())
    return oruk.ServiceAtLocationQuery(where, oruk.PageRequest(), **kwargs)


def test_service_at_locations_without_position_leave_the_confidential_one_out(catalogue: oruk.Catalogue) -> None:
    page = oruk.list_service_at_locations(catalogue, _sal_query(), None)
    assert [s["id"] for s in page["contents"]] == [SAL_LIBRARY, SAL_OLD]
    assert page["total_items"] == 2
    assert_no_secret(page)


@pytest.mark.parametrize(
    ("search", "ids"),
    [("abbey", [SAL_LIBRARY]), ("refuge", []), ("hidden lane", []), ("badby", []), ("nn11 9zz", [])],
)
def test_search_never_matches_a_confidential_location(catalogue: oruk.Catalogue, search: str, ids: list[str]) -> None:
    page = oruk.list_service_at_locations(catalogue, _sal_query(where=oruk.ServiceFilter(search=search)), None)
    assert [s["id"] for s in page["contents"]] == ids


@pytest.fixture
def times(secret_data: Path) -> TravelTimes:
    return TravelTimes(load_roads(secret_data))


def _origin(lat: float, lon: float) -> Place:
    return Place("origin", "origin", lat, lon, "point")


def test_position_gives_public_points_nearest_first_with_times(catalogue: oruk.Catalogue, times: TravelTimes) -> None:
    towcester = _origin(52.1330, -0.9900)
    page = oruk.list_service_at_locations(catalogue, _sal_query(origin=towcester), times)
    assert [s["id"] for s in page["contents"]] == [SAL_OLD, SAL_LIBRARY]
    first, second = page["contents"]
    assert 0 <= first["travel_time_minutes"] < second["travel_time_minutes"]
    assert first["distance_km"] >= first["straight_line_km"] > 0
    assert first["approximate"] is True and first["travel_mode"] == "drive"
    near = oruk.list_service_at_locations(catalogue, _sal_query(origin=towcester, proximity_m=1000), times)
    assert [s["id"] for s in near["contents"]] == [SAL_OLD] and near["total_items"] == 1
    with pytest.raises(ValueError, match="travel times"):
        oruk.list_service_at_locations(catalogue, _sal_query(origin=towcester), None)


def test_origin_off_the_network_still_gets_straight_line_order(catalogue: oruk.Catalogue, times: TravelTimes) -> None:
    page = oruk.list_service_at_locations(catalogue, _sal_query(origin=_origin(REFUGE_LAT, REFUGE_LON)), times)
    assert [s["id"] for s in page["contents"]] == [SAL_OLD, SAL_LIBRARY]
    assert all(s["travel_time_minutes"] is None and s["distance_km"] is None for s in page["contents"])
    assert_no_secret(page)


@pytest.mark.parametrize("proximity", [None, 1.0, 100.0, 1000.0, 10_000.0, 200_000.0])
@pytest.mark.parametrize(("lat", "lon"), [(REFUGE_LAT, REFUGE_LON), (52.2245, -1.178), (52.2569, -1.1607)])
def test_proximity_around_the_refuge_is_the_same_as_without_it(
    secret_data: Path, times: TravelTimes, proximity: float | None, lat: float, lon: float
) -> None:
    with_refuge = oruk.build_catalogue(load_directory(secret_data / "services"))
    folder = write_directory(secret_data.parent / "no-refuge", without_refuge(secret_refuge_tables()))
    no_refuge = oruk.build_catalogue(load_directory(folder))
    for where in (
        oruk.ServiceFilter(),
        oruk.ServiceFilter(taxonomy_term_id=DA_TERM),
        oruk.ServiceFilter(search="refuge"),
    ):
        query = _sal_query(where=where, origin=_origin(lat, lon), proximity_m=proximity)
        seen = oruk.list_service_at_locations(with_refuge, query, times)
        assert seen == oruk.list_service_at_locations(no_refuge, query, times)
        assert_no_secret(seen)
