"""Security headers on every response: the CSP and its nonce, HSTS, no-store, escaped service text."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from outreach_map.accounts import add_user
from outreach_map.config import load_settings
from outreach_map.web import create_app
from outreach_map.web.security import content_security_policy, tile_origin

from .conftest import tiny_directory, write_directory
from .test_published import tiny_plan
from .test_web import login

PUBLIC_RESULTS = ["/search?q=Badby", "/search?q=nn12+6aa", "/village/towcester", "/service/" + "0" * 8]
STAFF_PAGES = ["/plan/", "/plan/?kind=library&threshold=15", "/schedule/", "/directory/", "/referrals"]
EVERY_KIND = ["/", "/about", *PUBLIC_RESULTS, "/login", "/api/villages", "/api/openreferral/services", "/nowhere"]


def make_site(data: Path, tmp_path: Path, **config: Any) -> Flask:
    routes = tmp_path / "routes"
    (routes / "tiny").mkdir(parents=True, exist_ok=True)
    (routes / "tiny" / "plan.json").write_text(json.dumps(tiny_plan()), encoding="utf-8")
    app = create_app(
        test_config={
            "TESTING": True, "DATA_DIR": str(data), "ROUTES_DIR": str(routes), "TILES": "none",
            "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}",
            "CACHE_DIR": str(tmp_path / "cache"), **config,
        }
    )  # fmt: skip
    engine = app.extensions["outreach"].engine
    add_user(engine, "pat", "planner", "planner-password")
    add_user(engine, "sam", "scheduler", "scheduler-password")
    add_user(engine, "ada", "admin", "correct horse battery")
    return app


@pytest.fixture
def make_app(tiny_data: Path, tmp_path: Path) -> Callable[..., Flask]:
    return lambda **config: make_site(tiny_data, tmp_path, **config)


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> Iterator[FlaskClient]:
    yield make_app().test_client()


def _policy(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


@pytest.mark.parametrize("url", EVERY_KIND)
def test_every_response_has_the_security_headers(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'none'"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS would mean nothing


def test_the_policy_allows_no_other_origin_and_no_inline_script_without_the_nonce(client: FlaskClient) -> None:
    header = client.get("/search?q=Badby").headers["Content-Security-Policy"]
    assert "http" not in header and "*" not in header  # tiles "none": not one other origin
    policy = _policy(header)
    scripts = policy["script-src"]
    assert scripts[0] == "'self'" and len(scripts) == 2 and re.fullmatch(r"'nonce-[A-Za-z0-9_-]{20,}'", scripts[1])
    assert policy["style-src"] == scripts  # <style> elements by nonce too; style attributes cannot run script
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in header.split("style-src-attr")[0]
    assert policy["connect-src"] == ["'self'"] and policy["object-src"] == ["'none'"]


@pytest.mark.parametrize(
    ("tiles", "origin"),
    [
        ("none", None),
        ("osm", "https://tile.openstreetmap.org"),
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("https://{s}.tile.example.org/base/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("https://maps.example.org:8443/{z}/{x}/{y}.png?key=abc", "https://maps.example.org:8443"),
    ],
)
def test_the_tile_server_is_the_one_other_origin_and_only_for_images(tiles: str, origin: str | None) -> None:
    assert tile_origin(tiles) == origin
    policy = _policy(content_security_policy("n0nce", tiles))
    others = {value for values in policy.values() for value in values if "." in value}
    assert others == ({origin} if origin else set())
    if origin:
        assert origin in policy["img-src"]


def test_the_configured_tile_server_reaches_the_header(make_app: Callable[..., Flask]) -> None:
    header = make_app(TILES="osm").test_client().get("/").headers["Content-Security-Policy"]
    assert _policy(header)["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]


INLINE = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)


@pytest.mark.parametrize("url", ["/search?q=Badby", "/village/towcester", "/plan/?kind=library&threshold=15"])
def test_every_inline_script_and_style_carries_this_responses_nonce(client: FlaskClient, url: str) -> None:
    login(client, "pat", "planner-password")
    nonces = []
    for _ in range(2):
        response = client.get(url)
        nonce = _policy(response.headers["Content-Security-Policy"])["script-src"][1][len("'nonce-") : -1]
        page = response.get_data(as_text=True)
        inline = [attrs for tag, attrs in INLINE.findall(page) if tag.lower() == "style" or "src=" not in attrs]
        data = [attrs for attrs in inline if 'type="application/json"' in attrs]
        assert data, "the map's data block"  # data, never run: map.js (a file of this site) draws it
        assert all(f'nonce="{nonce}"' in attrs for attrs in inline if attrs not in data), inline
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", page)  # no onclick=... handlers, which no nonce allows
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_hsts_only_over_https_and_forwarded_headers_believed_only_with_proxy_fix(
    make_app: Callable[..., Flask],
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    direct = make_app().test_client()
    assert "Strict-Transport-Security" not in direct.get("/", headers=forwarded).headers  # not believed
    assert "Strict-Transport-Security" in direct.get("/", base_url="https://localhost").headers
    proxied = make_app(PROXY_FIX=1).test_client()
    assert proxied.get("/", headers=forwarded).headers["Strict-Transport-Security"] == "max-age=31536000"
    behind = make_app(BEHIND_HTTPS=True).test_client()
    assert "Strict-Transport-Security" in behind.get("/").headers


@pytest.mark.parametrize("url", [*PUBLIC_RESULTS, "/", "/api/openreferral/service_at_locations?postcode=NN11+4AB"])
def test_public_result_pages_are_never_stored(client: FlaskClient, url: str) -> None:
    assert client.get(url).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_are_never_stored(client: FlaskClient, url: str) -> None:
    login(client, "ada", "correct horse battery")
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Cache-Control"] == "no-store"


def test_static_assets_may_be_cached(client: FlaskClient) -> None:
    with client.get("/assets/leaflet/leaflet.js") as response:
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert "max-age" in response.headers["Cache-Control"]


def _session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if "session=" in c.split(";")[0]]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_session_cookie_is_httponly_and_lax_and_secure_behind_https(make_app: Callable[..., Flask]) -> None:
    plain = make_app().test_client()
    cookie = _session_cookie(plain.get("/login"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = make_app(BEHIND_HTTPS=True).test_client()
    cookie = _session_cookie(secure.get("/login", base_url="https://localhost"))
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/" in cookie and "Domain" not in cookie


@pytest.fixture
def marked_up_data(tiny_data: Path) -> Path:
    """The library's name and description carry markup and script, as a careless or hostile editor might type."""
    tables = tiny_directory()
    library = tables["services"][0]
    library["name"] = "Daventry <img src=x onerror=alert(1)> `${alert(2)}` \\u Library"
    library["description"] = "<script>alert(3)</script> Open <b>late</b>"
    write_directory(tiny_data / "services", tables)
    return tiny_data


def test_service_text_with_markup_is_shown_escaped_in_pages_and_maps(marked_up_data: Path, tmp_path: Path) -> None:
    client = make_site(marked_up_data, tmp_path).test_client()
    page = client.get("/search?q=Badby").get_data(as_text=True)
    assert "Daventry &lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page and "alert(3)</script>" not in page
    block = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S)
    assert block, "the map's data block"
    assert "<" not in block.group(1)  # JSON with <, > and & escaped: the block cannot be closed early
    labels = [p["label"] for p in json.loads(block.group(1))["points"]]
    assert any(label.startswith("Daventry <img src=x onerror=alert(1)> `${alert(2)}`") for label in labels)
    assert "innerHTML" not in (Path(__file__).parents[1] / "outreach_map/web/static/map.js").read_text()
    service = client.get("/service/" + tiny_directory()["services"][0]["id"]).get_data(as_text=True)
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in service and "<b>late</b>" not in service


def test_the_instance_database_its_wal_files_and_keys_are_private(tiny_data: Path, tmp_path: Path) -> None:
    """``instance/outreach.db`` is 0600, and so are the WAL files SQLite makes later and the secret key."""
    import os
    import stat

    instance = tmp_path / "instance"
    previous = os.umask(0o022)  # the usual umask: files would be 0644 unless made private
    try:
        app = create_app(
            load_settings(data_dir=tiny_data, environ={"OUTREACH_INSTANCE_DIR": str(instance)}),
            {"TESTING": True, "ROUTES_DIR": str(tmp_path / "routes"), "TILES": "none", "SECRET_KEY": None},
        )
        add_user(app.extensions["outreach"].engine, "pat", "planner", "planner-password")
        client = app.test_client()
        login(client, "pat", "planner-password")
        login(client, "pat", "a wrong password")
    finally:
        os.umask(previous)
    files = ["outreach.db", "outreach.db-wal", "outreach.db-shm", "secret_key"]
    assert {name: oct(stat.S_IMODE((instance / name).stat().st_mode)) for name in files} == dict.fromkeys(
        files, oct(0o600)
    )
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
