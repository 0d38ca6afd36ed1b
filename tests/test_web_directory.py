"""The directory's staff pages and the public side of upkeep: edit, history, restore, contacts, approvals,
the public "last checked" line and the feedback form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from outreach_map.accounts import add_membership, add_user
from outreach_map.audit import audit_events
from outreach_map.db.engine import session_scope
from outreach_map.db.models import Feedback, Organization, Service
from outreach_map.web import create_app

from .conftest import ORG_LIBRARIES, ORG_REFUGE, PASSWORD, SVC_HELPLINE, SVC_LIBRARY, SVC_REFUGE


@pytest.fixture
def app(tiny_data: Path, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        test_config={
            "TESTING": True, "DATA_DIR": str(tiny_data), "ROUTES_DIR": str(tmp_path / "routes"), "TILES": "none",
            "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{tmp_path / 'outreach.db'}",
            "CACHE_DIR": str(tmp_path / "cache"),
        }
    )  # fmt: skip
    engine = app.extensions["outreach"].engine
    add_user(engine, "libby", "editor", PASSWORD)
    add_membership(engine, "libby", ORG_LIBRARIES)
    add_user(engine, "rita", "editor", PASSWORD)
    add_membership(engine, "rita", ORG_REFUGE, "admin")
    add_user(engine, "ada", "admin", PASSWORD)
    yield app


def _client(app: Flask, name: str | None = None) -> FlaskClient:
    client = app.test_client()
    if name is not None:
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token
        client.post("/login", data={"csrf_token": token.group(1), "name": name, "password": PASSWORD})
    return client


def _form(client: FlaskClient, url: str) -> dict[str, object]:
    """Every field of the first form on a page, as a browser would post it."""
    page = client.get(url).get_data(as_text=True)
    form: dict[str, object] = {}
    for tag in re.findall(r"<(?:input|textarea|select)[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        key = name.group(1)
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                form.setdefault(key, []).append(value.group(1) if value else "on")  # type: ignore[union-attr]
            continue
        if tag.startswith("<textarea"):
            body = re.search(re.escape(tag) + r"(.*?)</textarea>", page, re.S)
            form[key] = body.group(1) if body else ""
        elif tag.startswith("<select"):
            block = re.search(re.escape(tag) + r"(.*?)</select>", page, re.S)
            chosen = (
                re.search(r'<option(?: value="([^"]*)")?[^>]*selected[^>]*>([^<]*)', block.group(1)) if block else None
            )
            form[key] = (chosen.group(1) if chosen.group(1) is not None else chosen.group(2)) if chosen else ""
        else:
            form[key] = value.group(1) if value else ""
    return {k: v[0] if isinstance(v, list) and len(v) == 1 and not k.endswith("-days") else v for k, v in form.items()}


def test_an_editor_changes_hours_and_the_public_page_follows(app: Flask) -> None:
    libby = _client(app, "libby")
    assert "Daventry Library" in libby.get("/directory/").get_data(as_text=True)
    form = _form(libby, f"/directory/service/{SVC_LIBRARY}/edit")
    assert form["hours-0-opens"] == "09:00"
    form["hours-0-opens"] = "10:00"
    response = libby.post(f"/directory/service/{SVC_LIBRARY}/edit", data=form)
    assert response.status_code == 302
    public = _client(app).get(f"/service/{SVC_LIBRARY}").get_data(as_text=True)
    assert "10:00" in public
    history = libby.get(f"/directory/service/{SVC_LIBRARY}/history").get_data(as_text=True)
    assert "Version 2: edit by libby" in history and "opens at" in history


def test_a_bad_time_is_a_400_naming_the_field_and_keeps_the_input(app: Flask) -> None:
    libby = _client(app, "libby")
    form = _form(libby, f"/directory/service/{SVC_LIBRARY}/edit")
    form |= {"hours-0-closes": "08:00", "service-description": "<b>kept</b>"}
    response = libby.post(f"/directory/service/{SVC_LIBRARY}/edit", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "before it opens" in page and "schedules.0.closes_at" in page
    assert "&lt;b&gt;kept&lt;/b&gt;" in page and "<b>kept</b>" not in page


def test_two_editors_the_later_save_shows_what_changed(app: Flask) -> None:
    first, second = _client(app, "libby"), _client(app, "libby")
    form_a = _form(first, f"/directory/service/{SVC_LIBRARY}/edit")
    form_b = _form(second, f"/directory/service/{SVC_LIBRARY}/edit")
    form_a["service-description"] = "Moved to the Abbey Centre."
    assert first.post(f"/directory/service/{SVC_LIBRARY}/edit", data=form_a).status_code == 302
    form_b["hours-0-closes"] = "16:00"
    response = second.post(f"/directory/service/{SVC_LIBRARY}/edit", data=form_b)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Moved to the Abbey Centre." in page and "changed this entry since you opened it" in page


def test_another_agencys_entry_is_403_and_logged(app: Flask) -> None:
    libby = _client(app, "libby")
    assert libby.get(f"/directory/service/{SVC_HELPLINE}/edit").status_code == 403
    form = _form(_client(app, "rita"), f"/directory/service/{SVC_HELPLINE}/edit")
    form["service-name"] = "Hijacked"
    form["csrf_token"] = _form(libby, f"/directory/service/{SVC_LIBRARY}/edit")["csrf_token"]
    assert libby.post(f"/directory/service/{SVC_HELPLINE}/edit", data=form).status_code == 403
    with session_scope(app.extensions["outreach"].engine) as session:
        assert session.get(Service, SVC_HELPLINE).name == "Helpline"  # type: ignore[union-attr]


def test_restore_from_history(app: Flask) -> None:
    libby = _client(app, "libby")
    form = _form(libby, f"/directory/service/{SVC_LIBRARY}/edit")
    form["service-name"] = "Renamed Library"
    libby.post(f"/directory/service/{SVC_LIBRARY}/edit", data=form)
    token = _form(libby, f"/directory/service/{SVC_LIBRARY}/history")["csrf_token"]
    response = libby.post(
        f"/directory/service/{SVC_LIBRARY}/restore/1", data={"csrf_token": token, "base_version": "2"}
    )
    assert response.status_code == 302
    assert "Daventry Library" in _client(app).get(f"/service/{SVC_LIBRARY}").get_data(as_text=True)
    assert "Version 3: restore by libby" in libby.get(f"/directory/service/{SVC_LIBRARY}/history").get_data(
        as_text=True
    )


def test_the_refuge_location_is_seen_only_by_its_agency(app: Flask) -> None:
    own = _client(app, "rita").get(f"/directory/service/{SVC_REFUGE}").get_data(as_text=True)
    assert "52.19" in own
    lead = _client(app, "ada").get(f"/directory/service/{SVC_REFUGE}")
    assert lead.status_code in (403, 200)
    assert "52.19" not in lead.get_data(as_text=True)
    assert _client(app, "libby").get(f"/directory/service/{SVC_REFUGE}").status_code == 403


def test_approval_queue(app: Flask) -> None:
    with session_scope(app.extensions["outreach"].engine) as session:
        session.get(Organization, ORG_LIBRARIES).requires_approval = True  # type: ignore[union-attr]
    libby = _client(app, "libby")
    form = _form(libby, f"/directory/service/{SVC_LIBRARY}/edit")
    form["service-description"] = "Awaiting approval."
    libby.post(f"/directory/service/{SVC_LIBRARY}/edit", data=form)
    assert "Awaiting approval." not in _client(app).get(f"/service/{SVC_LIBRARY}").get_data(as_text=True)
    ada = _client(app, "ada")
    queue = ada.get("/directory/approvals").get_data(as_text=True)
    assert "Awaiting approval." in queue
    assert libby.get("/directory/approvals").status_code == 403
    pending = re.search(r'action="/directory/approvals/(\d+)"', queue)
    assert pending
    token = _form(ada, "/directory/approvals")["csrf_token"]
    ada.post(f"/directory/approvals/{pending.group(1)}", data={"csrf_token": token, "decision": "approve"})
    assert "Awaiting approval." in _client(app).get(f"/service/{SVC_LIBRARY}").get_data(as_text=True)


def test_confirm_and_the_public_last_checked_line(app: Flask) -> None:
    public = _client(app)
    assert "Not yet checked by the agency" in public.get(f"/service/{SVC_LIBRARY}").get_data(as_text=True)
    libby = _client(app, "libby")
    token = _form(libby, f"/directory/service/{SVC_LIBRARY}")["csrf_token"]
    libby.post(f"/directory/service/{SVC_LIBRARY}/confirm", data={"csrf_token": token})
    assert "Last checked by the agency on" in public.get(f"/service/{SVC_LIBRARY}").get_data(as_text=True)


def test_feedback_from_the_public_reaches_the_owners_queue(app: Flask) -> None:
    public = _client(app)
    page = public.get(f"/service/{SVC_LIBRARY}").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token, "the feedback form carries a token"
    response = public.post(f"/service/{SVC_LIBRARY}/feedback",
                           data={"form_token": token.group(1), "message": "The phone number is wrong."})  # fmt: skip
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert public.post(f"/service/{SVC_LIBRARY}/feedback", data={"message": "no token here"}).status_code == 400
    libby = _client(app, "libby")
    assert "The phone number is wrong." in libby.get("/directory/feedback").get_data(as_text=True)
    assert "The phone number is wrong." not in _client(app, "rita").get("/directory/feedback").get_data(as_text=True)
    with session_scope(app.extensions["outreach"].engine) as session:
        assert session.scalar(select(Feedback.message)) == "The phone number is wrong."


def test_deactivating_from_the_accounts_page_hands_over(app: Flask) -> None:
    rita = _client(app, "rita")
    contacts = _form(rita, f"/directory/service/{SVC_HELPLINE}/contacts")
    contacts |= {"lead_user": "rita", "deputy_mailbox": "referrals@refuge.example.org", "deputy_label": "Referrals"}
    assert rita.post(f"/directory/service/{SVC_HELPLINE}/contacts", data=contacts).status_code == 302
    ada = _client(app, "ada")
    token = _form(ada, "/directory/users")["csrf_token"]
    ada.post("/directory/users", data={"csrf_token": token, "action": "deactivate", "user": "rita"})
    add_user(app.extensions["outreach"].engine, "rosa", "editor", PASSWORD)
    add_membership(app.extensions["outreach"].engine, "rosa", ORG_REFUGE, "admin")
    page = _client(app, "rosa").get("/directory/handovers").get_data(as_text=True)
    assert "Helpline" in page and "referrals@refuge.example.org" in page
    with session_scope(app.extensions["outreach"].engine) as session:
        assert [e.action for e in audit_events(session, actions=["deactivate"])] == ["deactivate"]


def test_feedback_is_rate_limited(app: Flask) -> None:
    public = _client(app)
    page = public.get(f"/service/{SVC_LIBRARY}").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token
    codes = [
        public.post(f"/service/{SVC_LIBRARY}/feedback", data={"form_token": token.group(1), "message": f"Problem {i}"})
        .status_code for i in range(7)
    ]  # fmt: skip
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_lead_admins_create_and_edit_organisations_and_accounts(app: Flask) -> None:
    ada = _client(app, "ada")
    token = _form(ada, "/directory/organizations")["csrf_token"]
    response = ada.post("/directory/organizations", data={"csrf_token": token, "name": "Women's Aid",
                                                          "description": "Domestic abuse charity"})  # fmt: skip
    assert response.status_code == 302
    page = ada.get("/directory/organizations").get_data(as_text=True)
    assert "Women&#39;s Aid" in page
    org_id = re.search(r'id="org-([0-9a-f-]+)"><td>Women', page)
    assert org_id
    ada.post("/directory/organizations", data={"csrf_token": token, "organization_id": org_id.group(1),
                                               "name": "Women's Aid", "description": "Local domestic abuse charity",
                                               "website": "https://www.womensaid.org.uk"})  # fmt: skip
    with session_scope(app.extensions["outreach"].engine) as session:
        from outreach_map.directory.versions import history

        versions = history(session, "organization", org_id.group(1), see_confidential=True)
        assert [v.action for v in versions] == ["edit", "create"]
        assert any(c["after"] == "https://www.womensaid.org.uk" for c in versions[0].changes)
    libby = _client(app, "libby")
    own = _form(libby, "/directory/")["csrf_token"]
    assert libby.post("/directory/organizations", data={"csrf_token": own, "name": "X", "description": "Y"}
                      ).status_code == 403  # fmt: skip
    users = _form(ada, "/directory/users")["csrf_token"]
    ada.post("/directory/users", data={"csrf_token": users, "action": "add", "user": "wendy", "role": "editor",
                                       "password": "a long first password", "email": "wendy@example.org"})  # fmt: skip
    assert "wendy" in ada.get("/directory/users").get_data(as_text=True)
