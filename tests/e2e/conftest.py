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

import pytest

from outreach_map.accounts import add_user

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
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
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
    app = create_app(
        test_config={
            "DATA_DIR": str(data), "ROUTES_DIR": str(routes), "TILES": "none", "SECRET_KEY": "e2e-secret",
            "DATABASE_URL": f"sqlite:///{root / 'users.db'}", "CACHE_DIR": str(root / "cache"),
        }
    )  # fmt: skip
    engine = app.extensions["outreach"].engine
    add_user(engine, "pat", "planner", "planner-password")
    add_user(engine, "sam", "scheduler", "scheduler-password")
    port = _free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
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
    """A fresh page that records every request going to another origin."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.foreign_requests = []  # type: ignore[attr-defined]
    page.on(
        "request", lambda r: None if r.url.startswith((live_server, "data:")) else page.foreign_requests.append(r.url)
    )
    yield page
    context.close()
