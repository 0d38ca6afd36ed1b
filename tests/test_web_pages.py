"""The public and planner pages of issue 14 on the embedded data: what a new user hit, each checked as it now is.

Postcode and location searches, malformed postcodes, village and service pages, addresses, maps (the site's own
base map, human key, a note without JavaScript) and the planner's what-if. The browser-only parts (legend folded
on a phone, the coverage form on a 390 px screen) are in ``tests/e2e/test_pages.py``.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from outreach_map.accounts import add_user
from outreach_map.web import create_app

from .conftest import EMBEDDED_DATA
from .test_web import login

ROUTES = EMBEDDED_DATA.parent / "routes"
BYFIELD_POSTCODE = "NN11 6XN"  # a postcode inside Byfield
#: A library whose web address is on the abolished county council's site.
DEAD_LINK_SERVICE = "8fea1504-96b2-5326-9b38-2650c9a9f00a"


def _app(tmp: Path, **config: object) -> Flask:
    routes = tmp / "routes"
    if not routes.exists():
        shutil.copytree(ROUTES, routes)
    return create_app(test_config={
        "TESTING": True, "ROUTES_DIR": str(routes), "TILES": "none", "SECRET_KEY": "pages-test",
        "DATABASE_URL": f"sqlite:///{tmp / 'pages.db'}", "CACHE_DIR": str(tmp / "cache"), **config,
    })  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = _app(tmp_path_factory.mktemp("pages"))
    add_user(app.extensions["outreach"].engine, "pat", "planner", "planner-password")
    yield app


@pytest.fixture
def client(site: Flask) -> FlaskClient:
    return site.test_client()


def text(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def map_data(page: str) -> dict[str, Any]:
    """The JSON data block the page's map is drawn from (static/map.js draws it)."""
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.DOTALL)
    assert found, "no map data block"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def main_of(page: str) -> str:
    return page.split('id="main"', 1)[1]


# --- searches ---------------------------------------------------------------------------------------------------


def test_a_postcode_search_names_the_nearest_village_and_shows_its_visits(client: FlaskClient) -> None:
    page = main_of(text(client, "/search?q=" + BYFIELD_POSTCODE.replace(" ", "+")))
    assert "Next visits to Byfield" in page and "mobile library at Byfield" in page
    assert 'href="/village/byfield"' in page


def test_use_my_location_posts_the_position_and_never_shows_or_links_it(client: FlaskClient) -> None:
    assert 'data-action="/search/location"' in text(client, "/")  # site.js posts there (tests/e2e/test_pages.py)
    assert client.get("/search/location?lat=52.17&lon=-1.26").status_code == 405  # never in a URL
    page = client.post("/search/location", data={"lat": "52.1712", "lon": "-1.2634"}).get_data(as_text=True)
    assert "<h1>Services near your location</h1>" in page
    links = re.findall(r'(?:href|action)="([^"]*)"', page)
    assert links and not any("52.1" in link or "-1.2" in link for link in links)  # onward links name a village
    assert 'href="/service/' in page and "?from=byfield" in page


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("NN11+4G", "looks like a postcode but is incomplete"),
        ("NN114GJX", "looks like a postcode but has 8 letters and digits"),
    ],
)
def test_a_malformed_postcode_is_explained_not_called_an_unknown_village(
    client: FlaskClient, query: str, says: str
) -> None:
    page = client.get(f"/search?q={query}").get_data(as_text=True)
    assert says in page and "NN11 4GJ" in page
    assert "no town, village or hamlet" not in page


# --- village and service pages ----------------------------------------------------------------------------------


def test_a_village_page_leads_with_visits_and_the_nearest_of_each_kind_with_jump_links_examples_last(
    client: FlaskClient,
) -> None:
    page = main_of(text(client, "/village/byfield"))
    jumps = re.findall(r'href="#([a-z-]+)"', page.split("<h2", 1)[0])
    assert jumps[:2] == ["visits", "nearest"] and "examples" in jumps
    assert all(f'id="{j}"' in page for j in jumps)
    order = [page.index(f'id="{section}"') for section in ("visits", "nearest", "map-section", "examples")]
    assert order == sorted(order)
    assert "(van north, timetable example-2-vans)" in page  # which van and which plan
    nearest = page[page.index('id="nearest"') : page.index('id="map-section"')]
    assert "EXAMPLE" not in nearest  # placeholders only in their own, last, section


def test_addresses_do_not_repeat_the_postcode_district(client: FlaskClient) -> None:
    for url in ("/village/byfield", "/search?q=Byfield", "/village/welford", "/search?q=Towcester"):
        page = text(client, url)
        assert not re.search(r"\b([A-Z]{1,2}\d{1,2}), \1\b", page), url


def test_a_service_page_has_contacts_a_map_road_time_from_the_searched_place_and_a_way_back(
    client: FlaskClient,
) -> None:
    village = main_of(text(client, "/village/byfield"))
    link = re.search(r'href="(/service/[0-9a-f-]+\?from=byfield)"', village)
    assert link
    page = main_of(text(client, link.group(1)))
    assert "Back to services near Byfield" in page and 'href="/village/byfield"' in page
    assert "Contact" in page and ("mailto:" in page or "tel:" in page)
    assert re.search(r"\d+ min by road from Byfield, [\d.]+ km", page)
    assert map_data(page)["points"] and "Directions" in page


def test_a_link_to_an_abolished_councils_site_is_flagged_with_where_to_look(client: FlaskClient) -> None:
    page = text(client, f"/service/{DEAD_LINK_SERVICE}")
    assert 'class="dead-link"' in page and "Northamptonshire County Council was abolished" in page
    assert 'href="https://www.westnorthants.gov.uk/"' in page


def test_a_retired_plan_no_longer_shows_its_visits(tmp_path: Path) -> None:
    from outreach_map.published import list_timetables, retire_plan

    app = _app(tmp_path)
    client = app.test_client()
    assert "example-2-vans" in text(client, "/village/byfield")
    known = [t.plan_id for t in list_timetables(tmp_path / "routes")]
    retire_plan(tmp_path / "routes", "example-2-vans", known=known, today=date(2026, 12, 1))
    page = main_of(text(client, "/village/byfield"))
    assert "example-2-vans" not in page and "mobile library at Byfield" not in page


# --- maps ---------------------------------------------------------------------------------------------------------


def test_maps_draw_the_sites_own_base_map_with_a_human_key_and_a_note_without_javascript(client: FlaskClient) -> None:
    page = text(client, "/search?q=Byfield")
    spec = map_data(page)
    assert spec["tiles"] is None and spec["basemap"] == "/basemap.geojson"
    key = [item["label"] for item in spec["legend"]["items"]]
    assert "GP practice" in key and not any(re.fullmatch(r"[a-z]+(-[a-z]+)+", label) for label in key)
    assert '<details class="map-legend"' in page and "The map needs JavaScript. Everything on it is in" in page
    assert 'aria-hidden="true"' not in page.split('class="map-wrap', 1)[1].split("</figure>", 1)[0].split("<svg")[0]
    base = client.get("/basemap.geojson")
    assert base.mimetype == "application/geo+json"
    layers = {f["properties"]["layer"] for f in base.get_json()["features"]}
    assert {"outline", "motorway", "place", "link"} <= layers


def test_external_tiles_only_when_asked(tmp_path: Path) -> None:
    page = _app(tmp_path, TILES="osm").test_client().get("/search?q=Byfield").get_data(as_text=True)
    assert map_data(page)["tiles"]["url"].startswith("https://tile.openstreetmap.org/")
    assert "Background map from an external tile server" in page


def test_no_page_blocks_zoom_or_refreshes_itself(client: FlaskClient) -> None:
    for url in ("/", "/search?q=Byfield", "/village/byfield", f"/service/{DEAD_LINK_SERVICE}"):
        page = text(client, url)
        assert page.count('name="viewport"') == 1 and "user-scalable" not in page and "maximum-scale" not in page
        assert 'http-equiv="refresh"' not in page


def test_quick_exit_is_inside_a_landmark(client: FlaskClient) -> None:
    page = text(client, "/village/byfield")
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    assert 'id="quick-exit"' in header


# --- planner ------------------------------------------------------------------------------------------------------


def test_two_sites_in_one_field_are_two_sites(client: FlaskClient) -> None:
    login(client, "pat", "planner-password")
    page = text(client, "/plan/?kind=library&threshold=15&mode=drive&add=Byfield%2C+Welford")
    assert re.search(r"What if we open Byfield, Welford:", page)


def test_a_site_that_changes_nothing_says_so(client: FlaskClient) -> None:
    login(client, "pat", "planner-password")
    page = text(client, "/plan/?kind=library&threshold=60&mode=drive&add=Daventry")
    what_if = page.split('id="what-if"', 1)[1].split("</div>", 1)[0]
    assert "no village moves in or out of reach within 60 minutes" in what_if and "min before" in what_if


def test_the_coverage_table_has_no_row_repeating_another(client: FlaskClient) -> None:
    login(client, "pat", "planner-password")
    page = text(client, "/plan/?kind=library&threshold=15&mode=drive")
    table = page.split('id="summary-table"', 1)[1].split("</table>", 1)[0]
    rows = [re.sub(r"<th[^>]*>.*?</th>", "", r) for r in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1])]
    assert len(rows) == len(set(rows)), "two areas with the same figures"


def test_a_scheduler_retires_a_plan_from_the_site_and_the_public_stops_seeing_it(tmp_path: Path) -> None:
    from outreach_map.audit import audit_events
    from outreach_map.db.engine import session_scope

    app = _app(tmp_path)
    add_user(app.extensions["outreach"].engine, "sam", "scheduler", "scheduler-password")
    public, staff = app.test_client(), app.test_client()
    assert "example-2-vans" in text(public, "/village/byfield")
    login(staff, "sam", "scheduler-password")
    listing = text(staff, "/schedule/")
    assert "running (the public sees its visits)" in listing
    token = re.search(r'action="/schedule/example-2-vans/retire".*?name="csrf_token" value="([^"]+)"', listing, re.S)
    assert token
    refused = staff.post("/schedule/example-2-vans/retire", data={"csrf_token": token.group(1), "replaced_by": "nope"})
    assert refused.status_code == 302 and "example-2-vans" in text(public, "/village/byfield")
    done = staff.post("/schedule/example-2-vans/retire", data={"csrf_token": token.group(1)}, follow_redirects=True)
    assert "Retired example-2-vans: the public pages no longer show its visits" in done.get_data(as_text=True)
    assert "retired 20" in text(staff, "/schedule/")
    assert "mobile library at Byfield" not in main_of(text(public, "/village/byfield"))
    with session_scope(app.extensions["outreach"].engine) as session:
        events = [(e.action, e.user_name, e.target) for e in audit_events(session, actions=["retire"])]
    assert events == [("retire", "sam", "plan example-2-vans")]
