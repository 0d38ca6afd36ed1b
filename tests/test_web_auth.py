"""Staff login on the site: throttled, locked after failures, sessions that really end, safe ``next``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from outreach_map.accounts import add_user
from outreach_map.audit import audit_events
from outreach_map.db.engine import session_scope
from outreach_map.directory.editing import Actor
from outreach_map.directory.stewards import deactivate_user
from outreach_map.web import auth
from outreach_map.web.limits import limiter

from .test_web_security import make_site

PASSWORD = "planner-password"


@pytest.fixture
def app(tiny_data: Path, tmp_path: Path) -> Flask:
    """The site on the tiny data; pat is a planner."""
    return make_site(tiny_data, tmp_path)


def _post_login(client: FlaskClient, name: str, password: str, next_url: str | None = None) -> tuple[int, str, str]:
    """(status, Location, page text) of one login as a browser sends it."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    url = "/login" + (f"?next={next_url}" if next_url is not None else "")
    response = client.post(url, data={"csrf_token": token.group(1), "name": name, "password": password})
    return response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)


def _events(app: Flask, *actions: str) -> list[tuple[str, str | None, str | None]]:
    with session_scope(app.extensions["outreach"].engine) as session:
        return [(e.action, e.user_name, e.target) for e in reversed(audit_events(session, actions=list(actions)))]


def test_49_wrong_passwords_then_the_right_one_is_refused_and_the_lock_is_logged(app: Flask) -> None:
    client = app.test_client()
    statuses = []
    for _ in range(49):
        statuses.append(_post_login(client, "pat", "not-the-password")[0])
    assert statuses[:5] == [200] * 5 and 429 in statuses  # the address is throttled as well
    limiter.reset()  # as if from another address: that one is not throttled, but the name stays locked
    client = app.test_client()
    status, location, page = _post_login(client, "pat", PASSWORD)
    assert status == 200 and location == ""
    assert "Too many failed logins for this user name" in page
    assert client.get("/plan/").status_code == 302
    events = _events(app, "login-locked", "login")
    assert events == [("login-locked", None, "user pat")]


def test_failed_logins_from_one_address_are_throttled_whatever_the_names(app: Flask) -> None:
    client = app.test_client()
    statuses = [_post_login(client, f"name{i}", "not-the-password")[0] for i in range(12)]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]


def test_successful_logins_do_not_use_up_the_addresss_allowance(app: Flask) -> None:
    client = app.test_client()
    for _ in range(12):
        status, location, _ = _post_login(client, "pat", PASSWORD)
        assert (status, location) == (302, "/")
        client.post("/logout", data={"csrf_token": _csrf(client)})


def _csrf(client: FlaskClient) -> str:
    page = client.get("/plan/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page
    return token.group(1)


def _stolen_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, cookie: str) -> int:
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/plan/").status_code


def test_a_session_cookie_stops_working_after_logout(app: Flask) -> None:
    client = app.test_client()
    assert _post_login(client, "pat", PASSWORD)[:2] == (302, "/")
    cookie = _stolen_cookie(client)
    assert _replay(app, cookie) == 200
    assert client.post("/logout", data={"csrf_token": _csrf(client)}).status_code == 302
    assert _replay(app, cookie) == 302  # sent to the login page
    assert [e[0] for e in _events(app, "login", "logout")] == ["login", "logout"]


def test_a_session_cookie_stops_working_after_a_password_reset(app: Flask) -> None:
    client = app.test_client()
    _post_login(client, "pat", PASSWORD)
    cookie = _stolen_cookie(client)
    add_user(app.extensions["outreach"].engine, "pat", "planner", "a brand new passphrase")
    assert _replay(app, cookie) == 302
    assert client.get("/plan/").status_code == 302


def test_a_session_cookie_stops_working_after_deactivation_even_once_reactivated(app: Flask) -> None:
    client = app.test_client()
    _post_login(client, "pat", PASSWORD)
    cookie = _stolen_cookie(client)
    engine = app.extensions["outreach"].engine
    with session_scope(engine) as session:
        deactivate_user(session, Actor.system_actor("cli:deactivate"), "pat")
    assert _replay(app, cookie) == 302
    add_user(engine, "pat", "planner", PASSWORD)
    assert _replay(app, cookie) == 302


def test_a_session_ends_after_its_hours_however_busy(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    client = app.test_client()
    _post_login(client, "pat", PASSWORD)
    assert client.get("/plan/").status_code == 200
    later = time.time() + auth.SESSION_HOURS * 3600 + 60
    monkeypatch.setattr(auth.time, "time", lambda: later)
    assert client.get("/plan/").status_code == 302


def test_logins_and_failed_logins_are_in_the_audit_log(app: Flask) -> None:
    client = app.test_client()
    _post_login(client, "pat", "not-the-password")
    _post_login(client, "nobody", "not-the-password")
    _post_login(client, "pat", PASSWORD)
    assert _events(app, "login", "login-failed") == [
        ("login-failed", None, "user pat"), ("login-failed", None, "user nobody"), ("login", "pat", None),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/%09/evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        " //evil.example",
        "/\u202e/evil",
        "evil.example",
        "",
    ],
)
def test_next_goes_only_to_this_site(app: Flask, target: str) -> None:
    from urllib.parse import quote

    status, location, _ = _post_login(app.test_client(), "pat", PASSWORD, next_url=quote(target, safe=""))
    assert status == 302
    assert location == "/" or (location.startswith("/") and not location.startswith(("//", "/\\")))
    if target in ("/%09/evil.example",):  # an encoded tab is a path of this site, still here
        assert location.startswith("/%")
    elif target:
        assert location == "/", location


@pytest.mark.parametrize("target", ["/plan/?kind=library&threshold=15", "/schedule/", "/directory/"])
def test_next_goes_back_to_the_staff_page_asked_for(app: Flask, target: str) -> None:
    from urllib.parse import quote

    assert _post_login(app.test_client(), "pat", PASSWORD, next_url=quote(target, safe=""))[1] == target
