"""Nothing confidential leaks: a crawler over every public page and API answer, and position queries around
each confidential location, compared with the answers when the location is deleted from the data.

Run on the embedded data and on a fixture with several confidential locations. A response leaks if it holds a
confidential location's id (or its service_at_location's or address's), its address or postcode, or a coordinate
pair within :data:`RADIUS_M` of it: WGS84 at any precision of 3 decimals or more (either order), or British National
Grid easting and northing.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Transformer

from outreach_map.geodesy import straight_line_m
from outreach_map.web import create_app

from .conftest import EMBEDDED_DATA, write_directory

RADIUS_M = 300.0
#: Offsets (degrees) around each confidential location at which positions are queried.
OFFSETS = (0.0, 0.0008, -0.0015, 0.004, -0.01, 0.03)
PROXIMITIES_M = (100, 500, 2000, 10_000, 50_000)
MAX_PAGES = 4000
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_DECIMAL = re.compile(r"-?\d{1,3}\.\d{3,}")
_GRID = re.compile(r"(?<![\d.])\d{6}(?:\.\d+)?(?![\d])")
#: Parts of a page that change between two runs for reasons other than the data.
_VOLATILE = re.compile(r'(name="form_token" value=")[^"]*|("last_modified": ?")[^"]*|(nonce=")[^"]*|(_)[0-9a-f]{32}\b')


@dataclass(frozen=True, slots=True)
class Secret:
    """What a confidential location must never let out."""

    ids: tuple[str, ...]
    texts: tuple[str, ...]
    lat: float
    lon: float
    easting: float
    northing: float


def secrets_of(services_dir: Path) -> list[Secret]:
    tables = {t: json.loads((services_dir / f"{t}.json").read_text(encoding="utf-8"))
              for t in ("locations", "service_at_locations")}  # fmt: skip
    out = []
    for loc in tables["locations"]:
        if not loc.get("confidential"):
            continue
        sals = [s["id"] for s in tables["service_at_locations"] if s["location_id"] == loc["id"]]
        addresses = loc.get("addresses") or []
        texts = [a.get(k, "") for a in addresses for k in ("address_1", "postal_code")]
        e, n = _TO_BNG.transform(loc["longitude"], loc["latitude"])
        out.append(Secret((loc["id"], *sals, *(a["id"] for a in addresses)), tuple(t for t in texts if len(t) > 3),
                          loc["latitude"], loc["longitude"], e, n))  # fmt: skip
    return out


def _numbers(pattern: re.Pattern[str], body: str) -> list[tuple[int, float]]:
    return [(m.start(), float(m.group())) for m in pattern.finditer(body)]


def leaks(body: str, secret: Secret, *, asked: tuple[float, float] | None = None) -> list[str]:
    """Every way ``body`` gives the secret away (empty when it does not).

    ``asked`` is the position the question itself gave (the visitor's own input, echoed back, is no leak).
    """
    found = [f"holds {text!r}" for text in (*secret.ids, *secret.texts) if text in body]
    numbers = _numbers(_DECIMAL, body)
    for (i, a), (j, b) in itertools.pairwise(numbers):
        if j - i > 60:
            continue
        for lat, lon in ((a, b), (b, a)):
            if asked is not None and abs(lat - asked[0]) < 1e-9 and abs(lon - asked[1]) < 1e-9:
                continue
            if 49 <= lat <= 61 and -9 <= lon <= 2.5 and straight_line_m(lat, lon, secret.lat, secret.lon) <= RADIUS_M:
                found.append(f"a position {lat}, {lon} within {RADIUS_M:g} m")
    grid = _numbers(_GRID, body)
    for (i, a), (j, b) in itertools.pairwise(grid):
        if j - i <= 60 and ((a - secret.easting) ** 2 + (b - secret.northing) ** 2) ** 0.5 <= RADIUS_M:
            found.append(f"a grid reference {a:.0f}, {b:.0f} within {RADIUS_M:g} m")
    return found


def _links(path: str, body: str, content_type: str) -> Iterable[str]:
    if "html" in content_type:
        for href in re.findall(r'href="([^"#]+)', body):
            parts = urlsplit(href.replace("&amp;", "&"))
            if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith(("/static", "/assets")):
                yield parts.path + (f"?{parts.query}" if parts.query else "")
        return
    if "json" not in content_type:
        return
    data = json.loads(body)
    base = path.split("?")[0]
    if isinstance(data, dict) and "total_pages" in data and "page=" not in path:
        joiner = "&" if "?" in path else "?"
        yield from (f"{path}{joiner}page={n}" for n in range(2, int(data["total_pages"]) + 1))
    if isinstance(data, dict) and isinstance(data.get("contents"), list) and base.startswith("/api/openreferral/"):
        for item in data["contents"]:
            if isinstance(item, dict) and "id" in item:
                yield f"{base}/{item['id']}"


def crawl(client: FlaskClient, roots: Iterable[str], *, limit: int = MAX_PAGES) -> dict[str, str]:
    """Every public page and API answer reachable from the roots (staff pages are left out)."""
    seen: dict[str, str] = {}
    queue = deque(roots)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or path.startswith(("/login", "/directory", "/referrals", "/pathways", "/report",
                                            "/plan", "/schedule")):  # fmt: skip
            continue
        response = client.get(path)
        body = response.get_data(as_text=True)
        seen[path] = body
        if response.status_code == 200:
            queue.extend(p for p in _links(path, body, response.content_type) if p not in seen)
    return seen


def position_queries(secret: Secret, villages: list[dict[str, Any]], kinds: list[str]) -> Iterator[str]:
    """Every question a determined person could ask about the places around a confidential location."""
    for dlat in OFFSETS:
        for dlon in OFFSETS:
            lat, lon = round(secret.lat + dlat, 6), round(secret.lon + dlon, 6)
            yield f"/api/openreferral/service_at_locations?lat={lat}&lon={lon}"
            yield f"/search?q={quote(f'{lat},{lon}')}"
            if abs(dlat) == abs(dlon):
                yield from (f"/api/openreferral/service_at_locations?lat={lat}&lon={lon}&proximity={p}"
                            for p in PROXIMITIES_M)  # fmt: skip
                yield f"/api/openreferral/service_at_locations?lat={lat}&lon={lon}&mode=walk&per_page=100"
    near = sorted(villages, key=lambda v: straight_line_m(v["lat"], v["lon"], secret.lat, secret.lon))[:6]
    for village in near:
        yield f"/village/{village['id']}"
        yield f"/search?q={quote(village['name'])}"
    for kind in kinds:
        yield f"/api/coverage?kind={kind}"
        yield f"/api/openreferral/services?search={quote(kind)}"


def _app(data_dir: Path, tmp: Path) -> Flask:
    return create_app(test_config={
        "TESTING": True, "DATA_DIR": str(data_dir), "ROUTES_DIR": str(EMBEDDED_DATA.parent / "routes"),
        "TILES": "none", "SECRET_KEY": "leak-test", "DATABASE_URL": f"sqlite:///{tmp / 'leak.db'}",
        "CACHE_DIR": str(tmp / "cache"),
    })  # fmt: skip


def _without_confidential(data_dir: Path, target: Path) -> Path:
    """A copy of the data with every confidential location, its service_at_locations and their schedules deleted."""
    import shutil

    shutil.copytree(data_dir, target, ignore=shutil.ignore_patterns("raw", "cache", "roads"))
    for folder in ("roads", "raw"):  # the same road network
        if (data_dir / folder).is_dir():
            (target / folder).symlink_to((data_dir / folder).resolve())
    services = target / "services"
    tables = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in services.glob("*.json")}
    secret = {loc["id"] for loc in tables["locations"] if loc.get("confidential")}
    sals = {s["id"] for s in tables["service_at_locations"] if s["location_id"] in secret}
    tables["locations"] = [loc for loc in tables["locations"] if loc["id"] not in secret]
    tables["service_at_locations"] = [s for s in tables["service_at_locations"] if s["id"] not in sals]
    tables["schedules"] = [s for s in tables.get("schedules", []) if s.get("service_at_location_id") not in sals]
    write_directory(services, tables)
    return target


def _asked(path: str) -> tuple[float, float] | None:
    """The position a question gave, if any (``lat=..&lon=..`` or ``q=lat,lon``)."""
    from urllib.parse import parse_qs

    query = parse_qs(urlsplit(path).query)
    try:
        if "lat" in query and "lon" in query:
            return float(query["lat"][0]), float(query["lon"][0])
        if "q" in query and "," in query["q"][0]:
            lat, lon = query["q"][0].split(",", 1)
            return float(lat), float(lon)
    except ValueError:
        return None
    return None


def _normalised(body: str) -> str:
    return _VOLATILE.sub(lambda m: m.group(1) or m.group(2) or m.group(3), body)


def _check(data_dir: Path, tmp: Path, *, crawl_limit: int = MAX_PAGES, secrets: list[Secret] | None = None) -> int:
    secrets = secrets_of(data_dir / "services") if secrets is None else secrets
    assert secrets, "the data must hold a confidential location to test"
    app = _app(data_dir, tmp)
    client = app.test_client()
    data = app.extensions["outreach"].data
    villages = [{"id": v.id, "name": v.name, "lat": v.lat, "lon": v.lon} for v in data.villages]
    kinds = data.directory.kind_terms()
    roots = ["/", "/about", "/api/openreferral/", "/api/openreferral/services", "/api/openreferral/service_at_locations",
             "/api/openreferral/organizations", "/api/openreferral/taxonomies", "/api/openreferral/taxonomy_terms",
             "/api/villages", *(f"/village/{v['id']}" for v in villages)]  # fmt: skip
    pages = crawl(client, roots, limit=crawl_limit)
    probes = sorted({q for s in secrets for q in position_queries(s, villages, kinds)})
    answers = {q: client.get(q).get_data(as_text=True) for q in probes}
    problems = sorted(
        {
            f"{path}: {what}"
            for path, body in {**pages, **answers}.items()
            for s in secrets
            for what in leaks(body, s, asked=_asked(path))
        }
    )
    assert problems == [], "\n".join(problems[:20])
    # The same questions asked of the data without the confidential locations get the same answers.
    other = _app(_without_confidential(data_dir, tmp / "without"), tmp / "without")
    other_client = other.test_client()
    different = [
        q for q in probes if _normalised(other_client.get(q).get_data(as_text=True)) != _normalised(answers[q])
    ]
    assert different == [], f"{len(different)} answers differ, e.g. {different[:5]}"
    return len(pages) + len(probes)


def test_nothing_confidential_leaks_from_the_embedded_data(tmp_path: Path) -> None:
    assert _check(EMBEDDED_DATA, tmp_path) > 1500


def several_refuges(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The tiny directory with four confidential locations: the refuge, and three more of the same service and
    of the helpline's organisation, each some 500 m from a village or the library (public places within
    :data:`RADIUS_M` of a refuge would themselves be flagged)."""
    out = copy.deepcopy(tables)
    refuge = next(s for s in out["services"] if s["name"] == "EXAMPLE - Refuge")
    places = [
        ("00000000-0000-4000-8000-000000000033", 52.2290, -1.1781, "EXAMPLE - beside Badby", "NN11 3AA"),
        ("00000000-0000-4000-8000-000000000034", 52.2520, -1.1609, "EXAMPLE - beside the library", "NN11 4AB"),
        ("00000000-0000-4000-8000-000000000035", 52.0260, -1.2758, "EXAMPLE - King's Sutton", "OX17 3QA"),
    ]
    for n, (lid, lat, lon, street, postcode) in enumerate(places, start=1):
        out["locations"].append({"id": lid, "location_type": "physical", "name": street, "latitude": lat,
                                 "longitude": lon, "example": True, "confidential": True,
                                 "addresses": [{"id": f"00000000-0000-4000-8000-00000000009{n}", "location_id": lid,
                                                "address_1": f"{street} {n} Hidden Lane", "city": "Northants",
                                                "state_province": "England", "postal_code": postcode,
                                                "country": "GB", "address_type": "physical"}]})  # fmt: skip
        sal = f"00000000-0000-4000-8000-00000000005{n + 2}"
        out["service_at_locations"].append({"id": sal, "service_id": refuge["id"], "location_id": lid, "example": True})
        out["schedules"].append({"id": f"00000000-0000-4000-8000-00000000006{n + 1}", "service_at_location_id": sal,
                                 "freq": "WEEKLY", "interval": 1, "byday": "WE", "opens_at": "10:00:00",
                                 "closes_at": "12:00:00", "description": f"EXAMPLE - hours {n}"})  # fmt: skip
    return out


def test_nothing_leaks_with_several_confidential_locations(tiny_data: Path, tmp_path: Path) -> None:
    from .conftest import tiny_directory

    write_directory(tiny_data / "services", several_refuges(tiny_directory()))
    assert len(secrets_of(tiny_data / "services")) == 4
    assert _check(tiny_data, tmp_path) > 200


def test_the_crawler_catches_a_refuge_that_is_not_flagged(tiny_data: Path, tmp_path: Path) -> None:
    """The check itself can fail: serve the refuge without its flag, and the crawler finds it."""
    from .conftest import tiny_directory

    secrets = secrets_of(tiny_data / "services")
    tables = tiny_directory()
    for location in tables["locations"]:
        location.pop("confidential", None)
    write_directory(tiny_data / "services", tables)
    with pytest.raises(AssertionError, match="holds"):
        _check(tiny_data, tmp_path, secrets=secrets)


@pytest.mark.parametrize(
    ("body", "caught"),
    [
        ('{"lat": 52.1873, "lon": -1.0712}', True),
        ("[-1.071, 52.187]", True),
        ("52.18901, -1.07300", True),
        ("52.19, -1.07", False),  # two decimals: no position
        ("52.1990, -1.0712", False),  # 1.3 km away
        ("465000, 255000", False),
    ],
)
def test_the_detector_finds_positions(body: str, caught: bool) -> None:
    secret = Secret(("x-id",), ("Hidden Lane",), 52.1873, -1.0712, *_TO_BNG.transform(-1.0712, 52.1873))
    assert bool(leaks(body, secret)) is caught
    e, n = secret.easting, secret.northing
    assert leaks(f"easting {e + 120:.0f}, northing {n - 80:.0f}", secret)
    assert leaks("at Hidden Lane", secret) and leaks("id x-id", secret)
