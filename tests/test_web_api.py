"""The JSON API through the Flask test client: Open Referral UK schemas, errors, CORS, confidentiality.

Responses are validated with jsonschema (Draft 2020-12) against the Open
Referral UK 3.0 schemas: the table schemas packaged in
``outreach_map/schemas/openreferral`` (relative ``$ref`` resolved through a
``referencing`` registry) always, and the compiled schemas of
``../shared/openreferral/schema/compiled`` when that folder is beside the
checkout. List responses are the OpenAPI ``Page`` object whose ``contents``
items are ``compiled/*_list.json`` records.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from outreach_map import openreferral as oruk
from outreach_map.dataset import load_dataset
from outreach_map.web import create_app

from .conftest import EMBEDDED_DATA, PROJECT_ROOT, write_directory
from .test_openreferral import (
    DA_TERM,
    HELPLINE,
    LIBRARY,
    LIBRARY_TERM,
    LOC_REFUGE,
    ORG_REFUGE,
    REFUGE,
    REFUGE_LAT,
    REFUGE_LON,
    SAL_LIBRARY,
    SAL_OLD,
    SAL_REFUGE,
    SECRETS,
    TAXONOMY,
    secret_refuge_tables,
    without_refuge,
)
from .test_published import tiny_plan

PACKAGE_SCHEMAS = PROJECT_ROOT / "outreach_map" / "schemas" / "openreferral"
SHARED_SCHEMAS = PROJECT_ROOT.parent / "shared" / "openreferral" / "schema"
BASE = "/api/openreferral"

#: ``components.schemas.Page`` of the Open Referral UK 3.0 OpenAPI file (CC BY-SA 4.0), with every field required.
PAGE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "total_items": {"type": "integer"}, "total_pages": {"type": "integer"}, "page_number": {"type": "integer"},
        "size": {"type": "integer"}, "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
    },
}  # fmt: skip
#: The response of ``GET /`` in the OpenAPI file.
INFO: dict[str, Any] = {
    "type": "object",
    "properties": {
        "version": {"type": "string"}, "profile": {"type": "string", "format": "uri"},
        "openapi_url": {"type": "string", "format": "uri"},
    },
}  # fmt: skip
#: Response shape -> (table schema in the package, compiled schema in ../shared).
SHAPES = {
    "service_list": ("service.json", "compiled/service_list.json"),
    "service": ("service.json", "compiled/service.json"),
    "service_at_location_list": ("service_at_location.json", "compiled/service_at_location_list.json"),
    "service_at_location": ("service_at_location.json", "compiled/service_at_location.json"),
    "taxonomy": ("taxonomy.json", None),
    "taxonomy_term": ("taxonomy_term.json", None),
}


class Schemas:
    """Validators for every response shape, with relative ``$ref`` resolved through one registry."""

    def __init__(self) -> None:
        registry: Registry[Any] = Registry()
        sources = [(PACKAGE_SCHEMAS, "")]
        self.compiled = (SHARED_SCHEMAS / "compiled").is_dir()
        if self.compiled:
            sources.append((SHARED_SCHEMAS / "compiled", "compiled/"))
        for folder, prefix in sources:
            for path in sorted(folder.glob("*.json")):
                contents = json.loads(path.read_text(encoding="utf-8"))
                resource = Resource.from_contents(contents, default_specification=DRAFT202012)
                registry = registry.with_resource(prefix + path.name, resource)
        self.registry = registry.crawl()

    def _validate(self, schema: dict[str, Any], instance: Any) -> None:
        cls = jsonschema.Draft202012Validator
        cls(schema, registry=self.registry, format_checker=cls.FORMAT_CHECKER).validate(instance)

    def _refs(self, shape: str) -> list[str]:
        table, compiled = SHAPES[shape]
        return [table] + ([compiled] if compiled and self.compiled else [])

    def record(self, shape: str, instance: Any) -> None:
        """Validate one record against its table schema and, when available, its compiled schema."""
        for ref in self._refs(shape):
            self._validate({"$ref": ref}, instance)
        for contact in instance.get("contacts", []) + instance.get("public_contact_service", {}).get("contacts", []):
            for phone in contact["phones"]:  # our extension, in the HSDS phone shape
                self._validate({"$ref": "phone.json"}, phone)
        if "public_contact_service" in instance:
            self.record("service_list", instance["public_contact_service"])
        if shape.startswith("service_at_location") and "service" in instance:
            self.record("service_list" if shape.endswith("_list") else "service", instance["service"])

    def page(self, shape: str, body: Any) -> None:
        """Validate a Page object whose contents are records of ``shape``."""
        for ref in self._refs(shape):
            schema = {
                "allOf": [PAGE], "required": [*PAGE["properties"], "contents"],
                "properties": {"contents": {"type": "array", "items": {"$ref": ref}}},
            }  # fmt: skip
            self._validate(schema, body)
        for item in body["contents"]:
            self.record(shape, item)

    def info(self, body: Any) -> None:
        self._validate({**INFO, "required": list(INFO["properties"])}, body)


SCHEMAS = Schemas()


def make_app(tmp: Path, data_dir: Path | None) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True, "ROUTES_DIR": str(tmp / "routes"), "TILES": "none", "SECRET_KEY": "test",
        "CACHE_DIR": str(tmp / "cache"),
    }  # fmt: skip
    if data_dir is not None:
        config["DATA_DIR"] = str(data_dir)
    return create_app(test_config=config)


def write_plan(routes: Path, plan: dict[str, Any]) -> None:
    path = routes / plan["plan_id"] / "plan.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plan), encoding="utf-8")


def near_refuge_plan() -> dict[str, Any]:
    """A plan whose second stop is at the refuge: the API must not publish it."""
    plan = tiny_plan() | {"plan_id": "careless"}
    plan["stops"][1] |= {"lat": REFUGE_LAT, "lon": REFUGE_LON}
    return plan


@pytest.fixture
def app(tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The tiny data with a refuge whose location has its own name, address and hours; two published plans."""
    monkeypatch.setenv("OUTREACH_INSTANCE_DIR", str(tmp_path / "instance"))
    write_directory(tiny_data / "services", secret_refuge_tables())
    write_plan(tmp_path / "routes", tiny_plan())
    write_plan(tmp_path / "routes", near_refuge_plan())
    return make_app(tmp_path, tiny_data)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True))
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.mimetype == "application/json"
    return response.get_json()


def all_pages(client: FlaskClient, url: str, per_page: int) -> Iterator[Any]:
    page = 1
    while True:
        sep = "&" if "?" in url else "?"
        body = get_json(client, f"{url}{sep}page={page}&per_page={per_page}")
        yield body
        if body["last_page"]:
            return
        page += 1


# --- every endpoint against the schemas --------------------------------------------------------------------------


def test_root_is_the_api_info_object(client: FlaskClient) -> None:
    body = get_json(client, f"{BASE}/")
    SCHEMAS.info(body)
    assert body["version"] == "3.0"
    assert get_json(client, BASE) == body  # no redirect: a redirect without CORS headers fails in browsers
    assert get_json(client, "/api", 404)["status"] == 404


@pytest.mark.skipif(not SCHEMAS.compiled, reason="../shared/openreferral is not beside the checkout")
def test_embedded_page_and_info_schemas_are_the_openapi_ones() -> None:
    openapi = json.loads((SHARED_SCHEMAS / "openapi.json").read_text(encoding="utf-8"))
    page = openapi["components"]["schemas"]["Page"]
    assert {k: {"type": v["type"]} for k, v in page["properties"].items()} == PAGE["properties"]
    info = openapi["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {k: {f: v[f] for f in ("type", "format") if f in v} for k, v in info["properties"].items()} == INFO[
        "properties"
    ]


def test_services_page_and_full_service(client: FlaskClient) -> None:
    body = get_json(client, f"{BASE}/services")
    SCHEMAS.page("service_list", body)
    assert [s["name"] for s in body["contents"]] == [
        "Daventry Library",
        "Old Towcester Library",
        "EXAMPLE - Refuge",
        "Helpline",
    ]
    for item in body["contents"]:
        full = get_json(client, f"{BASE}/services/{item['id']}")
        SCHEMAS.record("service", full)
        assert {k: full[k] for k in item if k != "organization"} == {
            k: v for k, v in item.items() if k != "organization"
        }
    refuge = get_json(client, f"{BASE}/services/{REFUGE}")
    assert refuge["example"] is True and refuge["name"] == "EXAMPLE - Refuge"
    assert refuge["public_contact_service_id"] == HELPLINE
    assert refuge["service_at_locations"] == []
    assert refuge["public_contact_service"]["id"] == HELPLINE


def test_service_at_locations_page_and_detail(client: FlaskClient) -> None:
    body = get_json(client, f"{BASE}/service_at_locations")
    SCHEMAS.page("service_at_location_list", body)
    assert [s["id"] for s in body["contents"]] == [SAL_LIBRARY, SAL_OLD]
    assert client.get(f"{BASE}/service_at_locations/{SAL_REFUGE}").status_code == 404
    for item in body["contents"]:
        SCHEMAS.record("service_at_location", get_json(client, f"{BASE}/service_at_locations/{item['id']}"))
    library = get_json(client, f"{BASE}/service_at_locations/{SAL_LIBRARY}")
    assert library["location"]["name"] == "Abbey Centre" and library["service"]["id"] == LIBRARY
    assert [s["byday"] for s in library["service"]["schedules"]] == ["MO,TU"]


def test_taxonomies_and_terms(client: FlaskClient) -> None:
    taxonomies = get_json(client, f"{BASE}/taxonomies")
    SCHEMAS.page("taxonomy", taxonomies)
    taxonomy = get_json(client, f"{BASE}/taxonomies/{TAXONOMY}")
    SCHEMAS.record("taxonomy", taxonomy)
    assert len(taxonomy["taxonomy_terms"]) == 2
    terms = get_json(client, f"{BASE}/taxonomy_terms?taxonomy_id={TAXONOMY}")
    SCHEMAS.page("taxonomy_term", terms)
    assert [t["id"] for t in terms["contents"]] == [LIBRARY_TERM, DA_TERM]
    SCHEMAS.record("taxonomy_term", get_json(client, f"{BASE}/taxonomy_terms/{DA_TERM}"))


def test_paging_through_services(client: FlaskClient) -> None:
    pages = list(all_pages(client, f"{BASE}/services", 3))
    assert [(p["page_number"], p["size"], p["first_page"], p["last_page"]) for p in pages] == [
        (1, 3, True, False), (2, 1, False, True),
    ]  # fmt: skip
    assert {p["total_items"] for p in pages} == {4} and {p["total_pages"] for p in pages} == {2}
    beyond = get_json(client, f"{BASE}/services?page=3&per_page=3")
    SCHEMAS.page("service_list", beyond)
    assert beyond["empty"] and beyond["contents"] == [] and beyond["last_page"]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ({"taxonomy_term_id": LIBRARY_TERM}, [LIBRARY, "00000000-0000-4000-8000-000000000021"]),
        ({"organization_id": ORG_REFUGE}, [REFUGE, HELPLINE]),
        ({"taxonomy_id": TAXONOMY, "status": "active", "search": "help"}, [HELPLINE]),
        ({"search": "EXAMPLE"}, [REFUGE]),
    ],
)
def test_service_filters(client: FlaskClient, query: dict[str, str], ids: list[str]) -> None:
    body = get_json(client, f"{BASE}/services?{urlencode(query)}")
    SCHEMAS.page("service_list", body)
    assert [s["id"] for s in body["contents"]] == ids


def test_postcode_proximity_and_travel_times(client: FlaskClient) -> None:
    near = get_json(client, f"{BASE}/service_at_locations?postcode=NN11%204AB&proximity=5000")
    SCHEMAS.page("service_at_location_list", near)
    assert [s["id"] for s in near["contents"]] == [SAL_LIBRARY]
    assert near["contents"][0]["straight_line_km"] <= 5
    every = get_json(client, f"{BASE}/service_at_locations?postcode=nn126aa&mode=walk")
    SCHEMAS.page("service_at_location_list", every)
    assert [s["id"] for s in every["contents"]] == [SAL_OLD, SAL_LIBRARY]  # nearest first; the refuge never
    minutes = [s["travel_time_minutes"] for s in every["contents"]]
    assert minutes == sorted(minutes) and all(m > 0 for m in minutes)
    assert all(s["approximate"] is True and s["travel_mode"] == "walk" for s in every["contents"])
    by_point = get_json(client, f"{BASE}/service_at_locations?lat=52.133&lon=-0.99&taxonomy_term_id={LIBRARY_TERM}")
    assert [s["id"] for s in by_point["contents"]] == [SAL_OLD, SAL_LIBRARY]
    assert by_point["contents"][0]["distance_km"] is not None


def test_villages(client: FlaskClient) -> None:
    body = get_json(client, "/api/villages")
    assert body["total_items"] == 5
    assert set(body["villages"][0]) >= {
        "id",
        "name",
        "kind",
        "lat",
        "lon",
        "district",
        "population",
        "population_source",
    }
    assert [v["population_source"] for v in body["villages"]][-2:] == ["estimated", "estimated"]


def test_coverage(client: FlaskClient) -> None:
    body = get_json(client, "/api/coverage?kind=library&threshold=30&mode=drive")
    assert body["approximate"] is True and body["threshold_minutes"] == 30 and body["service_points"] == 1
    assert [r["village_id"] for r in body["villages"]] == ["daventry", "towcester", "kings-sutton", "badby", "nobottle"]
    assert body["villages"][0]["nearest_service_id"] == SAL_LIBRARY and body["villages"][0]["minutes"] == 0.0
    assert {s["area"] for s in body["summaries"]} >= {"Daventry", "South Northamptonshire"}
    refuge_kind = get_json(client, "/api/coverage?kind=domestic-abuse-support&threshold=60")
    assert refuge_kind["service_points"] == 0  # the confidential refuge is never a facility
    assert all(r["minutes"] is None and r["nearest_service_id"] is None for r in refuge_kind["villages"])


def test_plans_as_stored_and_withheld_near_a_refuge(client: FlaskClient) -> None:
    assert get_json(client, "/api/plans/tiny") == tiny_plan()
    unknown = get_json(client, "/api/plans/nowhere", 404)
    assert get_json(client, "/api/plans/careless", 404) == {**unknown, "error": "no published plan has this id"}
    get_json(client, "/api/plans/..%2F..%2Fetc", 404)


# --- errors -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (f"{BASE}/services?per_page=0", "per_page"),
        (f"{BASE}/services?per_page=abc", "per_page"),
        (f"{BASE}/services?per_page=101", "per_page"),
        (f"{BASE}/services?page=0", "page"),
        (f"{BASE}/services?taxonomy_term_id=nope", "taxonomy_term_id"),
        (f"{BASE}/services?day=Funday", "day"),
        (f"{BASE}/services?format=xml", "format"),
        (f"{BASE}/services?text=library", "text"),
        (f"{BASE}/services?foo=bar", "foo"),
        (f"{BASE}/service_at_locations?postcode=", "postcode"),
        (f"{BASE}/services?full=true&minimal=true", "minimal"),
        (f"{BASE}/service_at_locations?postcode=NN11%204AB&proximity=-5", "proximity"),
        (f"{BASE}/service_at_locations?proximity=500", "proximity"),
        (f"{BASE}/service_at_locations?lat=52.19", "lon"),
        (f"{BASE}/service_at_locations?lon=-1.07", "lat"),
        (f"{BASE}/service_at_locations?lat=52.19&lon=east", "lon"),
        (f"{BASE}/service_at_locations?postcode=XYZ", "postcode"),
        (f"{BASE}/service_at_locations?postcode=ZZ1%201ZZ", "postcode"),
        (f"{BASE}/service_at_locations?lat=52&lon=-1&mode=boat", "mode"),
        (f"{BASE}/service_at_locations?lat=51.5074&lon=-0.1278", "lat"),  # London: outside the area
        (f"{BASE}/taxonomies?per_page=1000", "per_page"),
        (f"{BASE}/taxonomy_terms?taxonomy_id=x", "taxonomy_id"),
        ("/api/coverage?kind=pub", "kind"),
        ("/api/coverage?threshold=-1", "threshold"),
        ("/api/coverage?mode=fly", "mode"),
    ],
)
def test_bad_parameter_is_400_naming_it(client: FlaskClient, url: str, parameter: str) -> None:
    body = get_json(client, url, 400)
    assert body["parameter"] == parameter and parameter in body["error"] and body["status"] == 400


def test_a_position_outside_the_area_is_refused_not_answered_without_distances(client: FlaskClient) -> None:
    """London used to get every service with ``distance_km: null``; the site itself says "outside the area"."""
    body = get_json(client, f"{BASE}/service_at_locations?lat=51.5074&lon=-0.1278", 400)
    assert "outside the area" in body["error"]
    inside = get_json(client, f"{BASE}/service_at_locations?lat=52.133&lon=-0.99")
    assert inside["contents"] and all(item["distance_km"] is not None for item in inside["contents"])


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/services/00000000-0000-4000-8000-000000000099",
        f"{BASE}/services/{LOC_REFUGE}",
        f"{BASE}/service_at_locations/{LOC_REFUGE}",
        f"{BASE}/service_at_locations/{REFUGE}",
        f"{BASE}/taxonomies/{LIBRARY_TERM}",
        f"{BASE}/taxonomy_terms/{TAXONOMY}",
        f"{BASE}/locations",
        "/api/",
        "/api/plans/",
    ],
)
def test_unknown_is_404_json(client: FlaskClient, url: str) -> None:
    body = get_json(client, url, 404)
    assert body["status"] == 404 and body["error"]
    assert LOC_REFUGE not in json.dumps(body)


def test_other_methods_are_json_errors_with_cors(client: FlaskClient) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response = client.open(f"{BASE}/services", method=method)
        assert 400 <= response.status_code < 500
        assert response.headers["Access-Control-Allow-Origin"] == "*" and response.is_json
    options = client.options(f"{BASE}/services")
    assert options.status_code == 200 and options.headers["Access-Control-Allow-Origin"] == "*"


def test_unexpected_fault_is_500_json_without_traceback(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> Any:
        msg = f"boom at {REFUGE_LAT}"
        raise RuntimeError(msg)

    monkeypatch.setattr(oruk, "list_taxonomies", broken)
    body = get_json(client, f"{BASE}/taxonomies", 500)
    assert body == {"error": "internal server error", "status": 500}
    assert "boom" in caplog.text  # logged on the server, not sent


# --- confidentiality ----------------------------------------------------------------------------------------------


POSITIONS = [
    f"lat={REFUGE_LAT}&lon={REFUGE_LON}", "lat=52.1901&lon=-1.0699", "lat=52.2245&lon=-1.178", "postcode=NN11%204AB",
    "postcode=NN12%206AA", "postcode=OX17%203QA",
]  # fmt: skip
PROXIMITIES = ["", "&proximity=1", "&proximity=50", "&proximity=1000", "&proximity=5000", "&proximity=20000",
               "&proximity=200000"]  # fmt: skip
FILTERS = ["", f"&taxonomy_term_id={DA_TERM}", "&search=refuge", "&search=hidden", "&mode=walk", "&per_page=1"]


def crawl(client: FlaskClient) -> Iterator[tuple[str, str]]:
    """(url, body) of every endpoint, every page, every detail, positions around the refuge and errors."""
    urls = [f"{BASE}/", "/api/villages", "/api/plans/tiny", "/api/plans/careless", f"{BASE}/nowhere"]
    for listing in ("services", "service_at_locations", "taxonomies", "taxonomy_terms"):
        for search in ("", "?search=refuge", "?search=hidden", "?search=badby") if "service" in listing else ("",):
            for page in all_pages(client, f"{BASE}/{listing}{search}", 1):
                urls += [f"{BASE}/{listing}/{item['id']}" for item in page["contents"]]
                yield f"{BASE}/{listing}{search}", json.dumps(page)
    urls += [f"{BASE}/service_at_locations?{p}{d}{f}" for p in POSITIONS for d in PROXIMITIES for f in FILTERS]
    urls += [f"/api/coverage?kind={k}&mode={m}&threshold={t}" for k in ("library", "domestic-abuse-support")
             for m in ("drive", "walk") for t in (15, 240)]  # fmt: skip
    urls += [f"{BASE}/service_at_locations/{LOC_REFUGE}", f"{BASE}/services/{LOC_REFUGE}",
             f"{BASE}/service_at_locations?lat={REFUGE_LAT}", f"{BASE}/service_at_locations?lon={REFUGE_LON}",
             f"{BASE}/service_at_locations?lat={REFUGE_LAT}&lon={REFUGE_LON}&proximity=-1",
             f"{BASE}/service_at_locations?search=" + "x" * 300]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        assert response.is_json and "Traceback" not in response.get_data(as_text=True), url
        yield url, response.get_data(as_text=True)


def positions(value: Any) -> Iterator[tuple[float, float]]:
    """Every (lat, lon) pair in a JSON value, under either naming."""
    if isinstance(value, dict):
        for lat, lon in (("latitude", "longitude"), ("lat", "lon")):
            if isinstance(value.get(lat), int | float) and isinstance(value.get(lon), int | float):
                yield value[lat], value[lon]
        for item in value.values():
            yield from positions(item)
    elif isinstance(value, list):
        for item in value:
            yield from positions(item)


def assert_nothing_leaks(
    crawled: Iterator[tuple[str, str]], secrets: list[str], spots: list[tuple[float, float]]
) -> int:
    count = 0
    for url, text in crawled:
        count += 1
        for secret in secrets:
            assert secret not in text, (url, secret)
        for lat, lon in positions(json.loads(text)):
            for s_lat, s_lon in spots:
                assert math.dist((lat, lon), (s_lat, s_lon)) > 0.005, (url, lat, lon)
    return count


def test_confidential_refuge_never_leaves_the_server(client: FlaskClient) -> None:
    assert assert_nothing_leaks(crawl(client), list(SECRETS), [(REFUGE_LAT, REFUGE_LON)]) > 250


def test_positional_answers_are_the_same_as_if_the_refuge_did_not_exist(
    client: FlaskClient, tiny_data: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    write_directory(other / "data" / "services", without_refuge(secret_refuge_tables()))
    for name in ("villages", "postcodes"):
        (other / "data" / name).mkdir(parents=True)
        (other / "data" / name / f"{name}.csv").write_bytes((tiny_data / name / f"{name}.csv").read_bytes())
    twin = make_app(other, other / "data").test_client()
    for position in POSITIONS:
        for proximity in PROXIMITIES:
            for extra in FILTERS:
                url = f"{BASE}/service_at_locations?{position}{proximity}{extra}"
                assert client.get(url).get_json() == twin.get(url).get_json(), url


# --- the embedded data ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The app on the embedded data (the default DATA_DIR)."""
    tmp = tmp_path_factory.mktemp("real")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTREACH_INSTANCE_DIR", str(tmp / "instance"))
        patch.setenv("OUTREACH_CACHE_DIR", str(tmp / "cache"))
        yield make_app(tmp, None).test_client()


def test_real_services_validate(real: FlaskClient) -> None:
    seen = 0
    for page in all_pages(real, f"{BASE}/services", 100):
        SCHEMAS.page("service_list", page)
        for item in page["contents"]:
            SCHEMAS.record("service", get_json(real, f"{BASE}/services/{item['id']}"))
            if item.get("example"):
                assert item["name"].startswith("EXAMPLE - ")
            seen += 1
    assert seen == page["total_items"] >= 400


def test_real_service_at_locations_validate(real: FlaskClient) -> None:
    seen = 0
    for page in all_pages(real, f"{BASE}/service_at_locations", 100):
        SCHEMAS.page("service_at_location_list", page)
        for item in page["contents"]:
            SCHEMAS.record("service_at_location", get_json(real, f"{BASE}/service_at_locations/{item['id']}"))
            assert "location" in item
            seen += 1
    assert seen == page["total_items"] == 450  # every service point but the one confidential location
    for query in ("postcode=NN12%206AX&proximity=5000", "lat=52.2569&lon=-1.1607&per_page=100", "postcode=NN11%204AB"):
        body = get_json(real, f"{BASE}/service_at_locations?{query}")
        SCHEMAS.page("service_at_location_list", body)
        minutes = [s["travel_time_minutes"] for s in body["contents"] if s["travel_time_minutes"] is not None]
        assert body["contents"] and minutes == sorted(minutes)


def test_real_taxonomies_validate(real: FlaskClient) -> None:
    for taxonomy in get_json(real, f"{BASE}/taxonomies")["contents"]:
        SCHEMAS.record("taxonomy", get_json(real, f"{BASE}/taxonomies/{taxonomy['id']}"))
    terms = get_json(real, f"{BASE}/taxonomy_terms")
    SCHEMAS.page("taxonomy_term", terms)
    assert terms["total_items"] >= 10
    SCHEMAS.info(get_json(real, f"{BASE}/"))


def test_real_refuge_never_leaves_the_server(real: FlaskClient) -> None:
    directory = load_dataset(EMBEDDED_DATA).directory
    secret = [r for r in directory.records["locations"] if r.get("confidential")]
    public_names = {r["name"] for r in directory.records["services"]}
    assert secret
    words: list[str] = []
    for r in secret:
        words += [r["id"], str(r["latitude"]), str(r["longitude"])]
        words += [r["name"]] if r["name"] not in public_names else []
        words += [a["id"] for a in r.get("addresses", [])] + [a["address_1"] for a in r.get("addresses", [])]
    spots = [(r["latitude"], r["longitude"]) for r in secret]
    urls = [f"{BASE}/service_at_locations?lat={lat}&lon={lon}&proximity={d}&per_page=100"
            for lat, lon in spots for d in (10, 1000, 5000)]  # fmt: skip
    urls += ["/api/villages", *[f"/api/coverage?kind={k}" for k in directory.kind_terms()]]

    def crawled() -> Iterator[tuple[str, str]]:
        for listing in ("services", "service_at_locations"):
            for page in all_pages(real, f"{BASE}/{listing}", 100):
                yield listing, json.dumps(page)
        for point in directory.points:
            if point.service.kind == "domestic-abuse-support":
                urls.extend([f"{BASE}/service_at_locations/{point.id}", f"{BASE}/services/{point.service.id}"])
        for url in urls:
            yield url, real.get(url).get_data(as_text=True)

    assert assert_nothing_leaks(crawled(), words, spots) > 20


def test_the_standards_optional_filters(client: FlaskClient) -> None:
    """minimum_age, maximum_age, day, start_time, end_time and modified_after, as the OpenAPI file describes them."""

    def ids(query: str) -> list[str]:
        return [s["id"] for s in get_json(client, f"{BASE}/services?{query}")["contents"]]

    assert ids("day=MO") == [LIBRARY] == ids("day=monday")
    assert ids("day=WE") == []
    assert ids("day=TU&start_time=09:00&end_time=17:00") == [LIBRARY]
    assert ids("start_time=09:30") == [] and ids("end_time=16:00") == []
    assert ids("minimum_age=0") == [] and ids("maximum_age=99") == []
    assert set(ids("modified_after=2000-01-01")) >= {LIBRARY}
    assert ids("modified_after=2999-01-01T00:00:00Z") == []
    sal = get_json(client, f"{BASE}/service_at_locations?day=TU")
    assert [s["service"]["id"] for s in sal["contents"]] == [LIBRARY]


def test_full_minimal_and_ndjson_lists(client: FlaskClient) -> None:
    full = get_json(client, f"{BASE}/services?full=true")
    assert all("service_at_locations" in s for s in full["contents"])
    SCHEMAS.page("service_list", get_json(client, f"{BASE}/services"))
    minimal = get_json(client, f"{BASE}/services?minimal=true")
    assert all(set(s) <= {"id", "name", "status"} for s in minimal["contents"])
    response = client.get(f"{BASE}/services?format=ndjson")
    assert response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [s["id"] for s in lines] == [s["id"] for s in full["contents"]]


def test_schedule_times_carry_their_offset(client: FlaskClient) -> None:
    library = get_json(client, f"{BASE}/services/{LIBRARY}")
    for schedule in library["schedules"]:
        assert re.fullmatch(r"\d\d:\d\d:\d\d[+-]\d\d:\d\d", schedule["opens_at"]), schedule["opens_at"]


def test_organizations(client: FlaskClient) -> None:
    page = get_json(client, f"{BASE}/organizations")
    assert page["total_items"] == 2
    first = get_json(client, f"{BASE}/organizations/{page['contents'][0]['id']}")
    assert first["services"] and all(s["organization_id"] == first["id"] for s in first["services"])
    assert client.get(f"{BASE}/organizations/nope").status_code == 404
