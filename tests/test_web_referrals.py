"""Staff pages for pathways, referrals and the partnership report; the staff commands."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from outreach_map.accounts import add_membership, add_user
from outreach_map.cli import main
from outreach_map.config import load_settings
from outreach_map.db.engine import session_scope
from outreach_map.db.models import Location, Organization, Referral
from outreach_map.directory.store import bump_revision
from outreach_map.web import create_app

from .conftest import ORG_LIBRARIES, ORG_REFUGE, PASSWORD, SVC_HELPLINE, SVC_LIBRARY, uid

NAME = "Jo Quernby-Bloggs"


@pytest.fixture
def app(tiny_data: Path, tmp_path: Path, smtp_server: Any) -> Iterator[Flask]:
    settings = load_settings(data_dir=tiny_data, environ={
        "OUTREACH_INSTANCE_DIR": str(tmp_path / "instance"), "OUTREACH_SMTP_HOST": "127.0.0.1",
        "OUTREACH_SMTP_PORT": str(smtp_server.port), "OUTREACH_SITE_URL": "https://outreach.example",
        "OUTREACH_CACHE_DIR": str(tmp_path / "cache"),
    })  # fmt: skip
    app = create_app(settings, {"TESTING": True, "ROUTES_DIR": str(tmp_path / "routes"), "TILES": "none",
                                "SECRET_KEY": "test-secret"})  # fmt: skip
    engine = app.extensions["outreach"].engine
    with session_scope(engine) as session:
        session.add(Organization(id=uid(13), name="Northamptonshire Police", description="Police force"))
    for user, org in (("libby", ORG_LIBRARIES), ("rita", ORG_REFUGE), ("pc_patel", uid(13))):
        add_user(engine, user, "editor", PASSWORD, email=f"{user}@example.org")
        add_membership(engine, user, org)
    yield app


def _client(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    client.post("/login", data={"csrf_token": token.group(1), "name": name, "password": PASSWORD})
    return client


def _token(client: FlaskClient, url: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True))
    assert found
    return found.group(1)


def _refer(client: FlaskClient, **extra: str) -> Any:
    data = {"csrf_token": _token(client, "/referrals/new"), "service_id": SVC_HELPLINE, "need": "domestic-abuse",
            "name": NAME, "contact": "text 07700 900123 first", "safe_times": "after 2pm",
            "notes": "Has two children", "consent": "yes", "safeguarding": "yes"} | extra  # fmt: skip
    return client.post("/referrals/new", data=data)


def test_the_pathway_lists_services_for_a_need_with_refer(app: Flask) -> None:
    libby = _client(app, "libby")
    page = libby.get("/pathways?q=Badby&need=domestic-abuse").get_data(as_text=True)
    assert "Helpline" in page and "Safeguarding" in page
    assert f"/referrals/new?service_id={SVC_HELPLINE}" in page
    assert "52.19" not in page  # the refuge is given only through its safe route
    assert libby.get("/pathways?q=Badby&need=shopping").status_code == 400
    assert app.test_client().get("/pathways?q=Badby&need=health").status_code == 302  # staff only


def test_refer_accept_close_and_the_report_counts_it(app: Flask, smtp_server: Any) -> None:
    libby, rita = _client(app, "libby"), _client(app, "rita")
    response = _refer(libby)
    assert response.status_code == 302
    key = response.headers["Location"].rsplit("/", 1)[-1]
    [message] = smtp_server.messages
    assert message["To"] == "rita@example.org" and f"https://outreach.example/referrals/{key}" in message.as_string()
    assert NAME not in message.as_string()
    assert '>1<span class="sr-only"> new' in rita.get("/referrals").get_data(as_text=True)
    page = rita.get(f"/referrals/{key}").get_data(as_text=True)
    assert NAME in page and "opened" in page
    rita.post(f"/referrals/{key}/accept", data={"csrf_token": _token(rita, f"/referrals/{key}")})
    rita.post(f"/referrals/{key}/close", data={"csrf_token": _token(rita, f"/referrals/{key}"), "outcome": "supported"})
    assert "closed" in libby.get(f"/referrals/{key}").get_data(as_text=True)
    report = libby.get("/report").get_data(as_text=True)
    assert "Domestic abuse" in report and "<svg" in report and NAME not in report
    table = libby.get("/report/referrals-by-need.csv").get_data(as_text=True)
    rows = {r["need"]: r for r in csv.DictReader(io.StringIO(table))}
    assert rows["Domestic abuse"]["referrals"] == "1" and rows["Domestic abuse"]["accepted"] == "1"


def test_bad_referrals_are_refused_and_keep_the_form(app: Flask) -> None:
    libby = _client(app, "libby")
    response = _refer(libby, consent="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "consented" in page and NAME in page
    assert _refer(libby, safeguarding="").status_code == 400
    assert _refer(libby, service_id=SVC_LIBRARY, need="library-access").status_code == 400  # own organisation
    with session_scope(app.extensions["outreach"].engine) as session:
        assert session.scalar(select(Referral.id)) is None


def test_a_third_organisation_gets_403(app: Flask) -> None:
    key = _refer(_client(app, "libby")).headers["Location"].rsplit("/", 1)[-1]
    police = _client(app, "pc_patel")
    response = police.get(f"/referrals/{key}")
    assert response.status_code == 403 and NAME not in response.get_data(as_text=True)
    assert police.get("/referrals/not-a-key").status_code == 403
    token = _token(police, "/referrals/new")
    assert police.post(f"/referrals/{key}/accept", data={"csrf_token": token}).status_code == 403


def test_a_decline_without_a_reason_is_refused(app: Flask) -> None:
    key = _refer(_client(app, "libby")).headers["Location"].rsplit("/", 1)[-1]
    rita = _client(app, "rita")
    rita.post(f"/referrals/{key}/decline", data={"csrf_token": _token(rita, f"/referrals/{key}"), "reason": ""})
    with session_scope(app.extensions["outreach"].engine) as session:
        assert session.scalar(select(Referral.status)) == "opened"


def test_report_and_staff_commands(tiny_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(tiny_data)]
    out = tmp_path / "report.html"
    result = runner.invoke(main, [*base, "report", "--from", "2026-11", "--to", "2026-12", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "November 2026 to December 2026" in out.read_text(encoding="utf-8")
    assert (tmp_path / "report-referrals-by-need.csv").exists() and (tmp_path / "report-coverage.csv").exists()
    bad = runner.invoke(main, [*base, "report", "--from", "2026-13", "--to", "2026-12", "--out", str(out)])
    assert bad.exit_code == 2 and "--from: '2026-13' is not a month" in bad.output
    assert runner.invoke(main, [*base, "referrals", "purge"]).output.startswith("0 referral(s) purged")
    exported = tmp_path / "export.json"
    assert runner.invoke(main, [*base, "directory", "export", str(exported)]).exit_code == 0
    again = runner.invoke(main, [*base, "directory", "import", str(exported)])
    assert again.exit_code == 0 and "0 service(s) created, 0 updated, 4 unchanged" in again.output
    assert runner.invoke(main, [*base, "users", "add", "ann", "--role", "editor", "--password-stdin"],
                         input="long enough password\n").exit_code == 0  # fmt: skip
    assert runner.invoke(main, [*base, "users", "member", "ann", "Refuge"]).exit_code == 0
    assert "ann\teditor\tactive\tRefuge (editor)" in runner.invoke(main, [*base, "users", "list"]).output
    assert runner.invoke(main, [*base, "users", "deactivate", "ann"]).exit_code == 0
    assert "ann\teditor\tdeactivated" in runner.invoke(main, [*base, "users", "list"]).output
    assert runner.invoke(main, [*base, "users", "remove", "ann"]).exit_code == 0
    assert "ann" not in runner.invoke(main, [*base, "users", "list"]).output
    report = runner.invoke(main, [*base, "directory", "review-report"])
    assert report.exit_code == 0 and "Directory review report" in report.output
    unknown = runner.invoke(main, [*base, "directory", "import", str(tmp_path / "missing.json")])
    assert unknown.exit_code == 2 and "file not found" in unknown.output
    assert runner.invoke(main, [*base, "db", "upgrade"]).exit_code == 0


def test_the_report_chart_marks_coverage_that_counts_example_locations(app: Flask) -> None:
    def chart() -> str:
        report = _client(app, "libby").get("/report").get_data(as_text=True)
        body = report[report.index("% of people within 30 minutes") :]
        return body[: body.index("</svg>")]

    assert "Library" in chart() and "(EXAMPLES)" not in chart()  # the open library is real
    with session_scope(app.extensions["outreach"].engine) as session:
        session.get(Location, uid(30)).example = True  # pretend the library's place were invented
        bump_revision(session)
    assert "Library (EXAMPLES)" in chart()
