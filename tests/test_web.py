from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from outreach_map.accounts import add_user, make_engine
from outreach_map.cli import main
from outreach_map.web import create_app

from .test_geojson import assert_rfc7946
from .test_published import tiny_plan

EXTERNAL = re.compile(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(?:https?:)?//', re.IGNORECASE)
REFUGE_TRACES = ("52.19,", "-1.07]", "52.19, -1.07", "000000000032", 'EXAMPLE - Refuge"')


@pytest.fixture
def app(tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    routes = tmp_path / "routes"
    (routes / "tiny").mkdir(parents=True)
    (routes / "tiny" / "plan.json").write_text(json.dumps(tiny_plan()), encoding="utf-8")
    monkeypatch.setenv("OUTREACH_INSTANCE_DIR", str(tmp_path / "instance"))
    app = create_app(
        test_config={
            "TESTING": True, "DATA_DIR": str(tiny_data), "ROUTES_DIR": str(routes), "TILES": "none",
            "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}",
            "CACHE_DIR": str(tmp_path / "cache"),
        }
    )  # fmt: skip
    engine = app.extensions["outreach"].engine
    add_user(engine, "pat", "planner", "planner-password")
    add_user(engine, "sam", "scheduler", "scheduler-password")
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def map_data(page: str, name: str = "map") -> dict[str, Any]:
    """The JSON data block a page's map is drawn from."""
    found = re.search(rf'<script type="application/json" id="{name}-data">(.*?)</script>', page, re.DOTALL)
    assert found, "no map data block"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def login(client: FlaskClient, name: str, password: str) -> str:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    response = client.post("/login", data={"csrf_token": token.group(1), "name": name, "password": password})
    return response.headers.get("Location", "")


PUBLIC_PAGES = ["/", "/search?q=Badby", "/search?q=nn12+6aa", "/village/towcester", "/about", "/search?q=Badbyy"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_have_quick_exit_skip_link_and_no_cookies(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 404)
    assert 'id="quick-exit"' in page and 'href="https://www.bbc.co.uk/weather"' in page
    assert 'class="skip-link" href="#main"' in page and 'id="main"' in page
    assert "Set-Cookie" not in response.headers
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    for trace in REFUGE_TRACES:
        assert trace not in page


def test_search_by_village_lists_services_with_road_times(client: FlaskClient) -> None:
    page = client.get("/search?q=badby").get_data(as_text=True)
    assert "<h1>Badby</h1>" in page
    assert re.search(r"Daventry Library</a>\s*<span class=\"meta\">\d+ min by road, [\d.]+ km</span>", page)
    assert "Travel times are approximate" in page
    spec = map_data(page)
    assert spec["tiles"] is None and spec["basemap"] == "/basemap.geojson"
    assert any(p["class"] == "searched-place" for p in spec["points"])
    assert "<script>" not in page and "folium" not in page  # no inline script: the map is drawn by static/map.js
    assert "Mondays and Tuesdays" in page  # opening hours from the schedule
    assert "Old Towcester Library" not in page  # closed services are not offered
    assert "Helpline" in page and "0808 2000 247" in page
    assert "the address is confidential" in page  # the refuge, by its public contact only


def test_search_by_postcode(client: FlaskClient) -> None:
    page = client.get("/search?q=NN12%206AA").get_data(as_text=True)
    assert "<h1>Services near NN12 6AA</h1>" in page
    assert "Daventry Library" in page


def test_unknown_place_gets_suggestions_not_an_error(client: FlaskClient) -> None:
    response = client.get("/search?q=Towcaster")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Did you mean" in page and 'href="/search?q=Towcester"' in page
    far = client.get("/search?q=51.5,-0.12")
    assert far.status_code == 404 and "outside the area this directory covers" in far.get_data(as_text=True)
    bad = client.get("/search?q=NN99+9ZZ")
    assert bad.status_code == 404 and "is not in the data" in bad.get_data(as_text=True)


def test_village_page_shows_next_visits_from_published_plans(client: FlaskClient) -> None:
    page = client.get("/village/badby").get_data(as_text=True)
    assert "Next visits to Badby" in page
    assert re.search(r"<strong>Tuesday \d+ \w+ 20\d\d</strong>, 10:15 to 10:35", page)
    assert "No mobile library or outreach visit to Towcester" in client.get("/village/towcester").get_data(as_text=True)


def test_service_page_of_a_confidential_service_withholds_the_place(client: FlaskClient) -> None:
    refuge = "00000000-0000-4000-8000-000000000022"
    page = client.get(f"/service/{refuge}").get_data(as_text=True)
    assert "The address is confidential" in page and "Helpline" in page
    assert "EXAMPLE:" in page
    for trace in REFUGE_TRACES:
        assert trace not in page
    assert client.get("/service/nope").status_code == 404


def test_assets_are_served_locally(client: FlaskClient) -> None:
    for url in (
        "/assets/leaflet/leaflet.js",
        "/assets/bootstrap/css/bootstrap.min.css",
        "/assets/jquery/jquery.min.js",
    ):
        with client.get(url) as response:
            assert response.status_code == 200
    assert client.get("/assets/evil/x.js").status_code == 404
    page = client.get("/search?q=Badby").get_data(as_text=True)
    assert 'src="/assets/leaflet/leaflet.js"' in page


def test_staff_pages_need_login_and_the_right_role(client: FlaskClient) -> None:
    assert client.get("/plan/").status_code == 302
    assert login(client, "pat", "wrong-password-x") == ""
    assert login(client, "pat", "planner-password") == "/"
    page = client.get("/plan/?kind=library&threshold=15").get_data(as_text=True)
    assert "Journey time statistics" in page and 'id="gap-table"' in page
    assert client.get("/schedule/").status_code == 403


def test_login_form_needs_its_csrf_token(client: FlaskClient) -> None:
    response = client.post("/login", data={"name": "pat", "password": "planner-password"})
    assert response.status_code == 400


def test_planner_what_if_suggestions_and_csv(client: FlaskClient) -> None:
    login(client, "pat", "planner-password")
    page = client.get("/plan/?kind=library&threshold=10&sites=1").get_data(as_text=True)
    assert "Suggested new sites (optimal)" in page
    csv_response = client.get("/plan/coverage.csv?kind=library&threshold=10")
    assert csv_response.mimetype == "text/csv"
    assert csv_response.get_data(as_text=True).splitlines()[0].startswith("village_id,name,district,population")
    bad = client.get("/plan/?kind=library&threshold=-4")
    assert bad.status_code == 400 and "out of range" in bad.get_data(as_text=True)
    unknown = client.get("/plan/?kind=pub&threshold=10")
    assert unknown.status_code == 400 and "unknown kind &#39;pub&#39;" in unknown.get_data(as_text=True)


def test_scheduler_sees_and_downloads_published_plans(client: FlaskClient) -> None:
    login(client, "sam", "scheduler-password")
    page = client.get("/schedule/").get_data(as_text=True)
    assert '<th scope="row">tiny</th>' in page
    with client.get("/schedule/tiny/plan.json") as response:
        assert response.status_code == 200 and json.loads(response.get_data())["plan_id"] == "tiny"
    assert client.get("/schedule/tiny/secrets.txt").status_code == 404


def test_error_pages_are_in_the_site_style(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("kaboom")

    client = app.test_client()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page and "kaboom" not in page and "Traceback" not in page
    assert 'id="quick-exit"' in page
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)


def test_users_add_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_INSTANCE_DIR", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(
        main, ["users", "add", "alex", "--role", "editor", "--password-stdin"], input="long-enough-pw\n"
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'outreach.db'}")
    from outreach_map.accounts import authenticate

    assert authenticate(engine, "alex", "long-enough-pw") is not None
    short = runner.invoke(main, ["users", "add", "alex", "--role", "editor", "--password-stdin"], input="short\n")
    assert short.exit_code == 2 and "too short" in short.output
    bad_role = runner.invoke(main, ["users", "add", "alex", "--role", "boss", "--password-stdin"], input="x" * 12)
    assert bad_role.exit_code == 2


def test_service_areas_layer_is_fetched_not_inlined(client: FlaskClient) -> None:
    login(client, "pat", "planner-password")
    page = client.get("/plan/?kind=library&threshold=15").get_data(as_text=True)
    assert map_data(page)["layers"] == [
        {"url": "/plan/layers/service-areas.geojson?kind=library&mode=drive&real_only=0", "style": "service-areas"}
    ]
    response = client.get("/plan/layers/service-areas.geojson?kind=library&mode=drive")
    assert response.mimetype == "application/geo+json"
    layer = response.get_json()
    assert [f["properties"]["minutes"] for f in layer["features"]] == [60, 45, 30, 15]
    assert_rfc7946(layer)
    assert client.get("/plan/layers/service-areas.geojson?kind=pub").status_code == 400
    areas = client.get("/plan/layers/service-areas.geojson?kind=domestic-abuse-support").get_json()
    assert areas["features"] == []  # the only point is the confidential refuge


def test_public_pages_never_use_a_plan_that_would_reveal_a_confidential_location(app: Flask, tmp_path: Path) -> None:
    plan = tiny_plan()
    plan["stops"][0].update(lat=52.1902, lon=-1.0701)  # within 100 m of the refuge
    routes = Path(app.config["ROUTES_DIR"])
    (routes / "tiny" / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    page = app.test_client().get("/village/badby").get_data(as_text=True)
    assert "No mobile library or outreach visit to Badby" in page


def _csrf(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page
    return token.group(1)


def test_create_app_takes_its_settings_and_reads_no_environment(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outreach_map.config import Settings, WebSettings

    monkeypatch.setenv("OUTREACH_TILES", "osm")
    monkeypatch.setenv("OUTREACH_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("OUTREACH_INSTANCE_DIR", str(tmp_path / "elsewhere"))
    settings = Settings(
        data_dir=tiny_data, instance_dir=tmp_path / "instance", routes_dir=tmp_path / "routes",
        web=WebSettings(tiles="none", quick_exit_url="https://example.org/away"),
    )  # fmt: skip
    app = create_app(settings)
    assert app.config["TILES"] == "none" and app.config["ROUTES_DIR"] == str(tmp_path / "routes")
    assert app.config["SECRET_KEY"] != "from-the-environment"
    assert (tmp_path / "instance" / "secret_key").is_file() and not (tmp_path / "elsewhere").exists()
    page = app.test_client().get("/").get_data(as_text=True)
    assert 'href="https://example.org/away"' in page


def test_a_user_mistake_no_view_answered_is_a_400_with_its_sentence(app: Flask) -> None:
    from outreach_map.errors import DataFileError

    @app.get("/mistake")
    def mistake() -> str:
        raise DataFileError("request.toml", "expected a Monday", field="plan.start_date")

    response = app.test_client().get("/mistake")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "field &#39;plan.start_date&#39;: expected a Monday" in page
    assert "Traceback" not in page and 'id="quick-exit"' in page
