"""End-to-end tests in headless Chromium (Debian's chromium) driven by Playwright.

A live server (waitress, in a thread, on a free loopback port) serves the
tiny test data with tiles off, so any request to another origin is a failure.
Skipped with a clear message where Chromium is absent, but never in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from outreach_map.accounts import add_user
from outreach_map.config import load_settings

from ..conftest import uid
from ..test_published import tiny_plan

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"Chromium is required in CI for the browser tests but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium chromium-driver")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Any]:
    """A local SMTP server (aiosmtpd) for the whole browser session; ``messages`` holds what it received."""
    import email

    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self) -> None:
            self.messages: list[email.message.Message] = []
            self.port = _free_port()

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.messages.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


#: The partner agencies of the browser tests, their staff and Women's Aid's outreach service.
WOMENS_AID, VICTIM_SUPPORT, WA_SERVICE = uid(14), uid(15), uid(24)
E2E_PASSWORD = "correct horse battery"


def _partners(engine: Any) -> None:
    from outreach_map.accounts import add_membership
    from outreach_map.db.engine import session_scope
    from outreach_map.db.models import Organization
    from outreach_map.directory.editing import Actor, save_entry
    from outreach_map.directory.stewards import set_steward
    from outreach_map.directory.tables import Entry

    with session_scope(engine) as session:
        session.add(Organization(id=WOMENS_AID, name="Women's Aid", description="Domestic abuse charity"))
        session.add(Organization(id=VICTIM_SUPPORT, name="Victim Support", description="Support for victims of crime"))
        session.flush()
        service = {"id": WA_SERVICE, "organization_id": WOMENS_AID, "name": "Women's Aid outreach", "status": "active",
                   "description": "Outreach support across West Northamptonshire.",
                   "attributes": [{"id": uid(44), "link_id": WA_SERVICE, "link_type": "service",
                                   "taxonomy_term_id": uid(3)}]}  # fmt: skip
        save_entry(session, Actor.system_actor("e2e"), Entry(service=service), base_version=None)
        set_steward(session, Actor.system_actor("e2e"), WA_SERVICE, "lead", mailbox="referrals@womensaid.test")
    add_user(engine, "ada", "admin", E2E_PASSWORD, email="ada@council.test")  # an admin of the lead agency
    for name, org in (("vicky", VICTIM_SUPPORT), ("wendy", WOMENS_AID), ("libby", uid(10))):
        add_user(engine, name, "editor", E2E_PASSWORD, email=f"{name}@partners.test")
        add_membership(engine, name, org)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, mailbox: Any) -> Iterator[str]:
    from waitress.server import create_server

    from outreach_map.web import create_app

    from ..conftest import (
        FIVE_VILLAGES,
        POSTCODE_HEADER,
        THREE_POSTCODES,
        VILLAGE_HEADER,
        tiny_directory,
        write_csv,
        write_directory,
    )

    root = tmp_path_factory.mktemp("e2e")
    data = root / "data"
    write_csv(data / "villages" / "villages.csv", VILLAGE_HEADER, FIVE_VILLAGES)
    write_csv(data / "postcodes" / "postcodes.csv", POSTCODE_HEADER, THREE_POSTCODES)
    write_directory(data / "services", tiny_directory())
    routes = root / "routes"
    (routes / "tiny").mkdir(parents=True)
    (routes / "tiny" / "plan.json").write_text(json.dumps(tiny_plan()), encoding="utf-8")
    previous = os.environ.get("OUTREACH_INSTANCE_DIR")
    os.environ["OUTREACH_INSTANCE_DIR"] = str(root / "instance")
    settings = load_settings(data_dir=data, environ={
        "OUTREACH_INSTANCE_DIR": str(root / "instance"), "OUTREACH_SMTP_HOST": "127.0.0.1",
        "OUTREACH_SMTP_PORT": str(mailbox.port), "OUTREACH_SITE_URL": "http://outreach.test",
        "OUTREACH_CACHE_DIR": str(root / "cache"),
    })  # fmt: skip
    app = create_app(
        settings,
        {
            "DATA_DIR": str(data), "ROUTES_DIR": str(routes), "TILES": "none", "SECRET_KEY": "e2e-secret",
            "DATABASE_URL": f"sqlite:///{root / 'users.db'}", "CACHE_DIR": str(root / "cache"),
        },
    )  # fmt: skip
    engine = app.extensions["outreach"].engine
    add_user(engine, "pat", "planner", "planner-password")
    add_user(engine, "sam", "scheduler", "scheduler-password")
    _partners(engine)
    port = _free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    worker = app.extensions["outreach"].jobs.worker()  # as `outreach-map worker` beside the site
    worker.start()
    yield f"http://127.0.0.1:{port}"
    worker.stop(graceful=False)
    server.close()
    if previous is None:
        os.environ.pop("OUTREACH_INSTANCE_DIR", None)
    else:
        os.environ["OUTREACH_INSTANCE_DIR"] = previous


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, live_server: str) -> Iterator[object]:
    """A fresh page that records every request going to another origin and fails on any CSP violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.foreign_requests = []  # type: ignore[attr-defined]
    page.csp_violations = []  # type: ignore[attr-defined]
    page.on(
        "request", lambda r: None if r.url.startswith((live_server, "data:")) else page.foreign_requests.append(r.url)
    )
    page.on("console", lambda m: page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert page.csp_violations == [], "the Content-Security-Policy blocked part of a page"
