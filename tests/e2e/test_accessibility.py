"""axe-core on every public and staff page, in headless Chromium, at a desktop and a phone's size: zero violations.

axe-core comes from ``tests/a11y/package-lock.json`` (``npm ci``, run by ``make test``); it is injected
into each page (the browser context bypasses the site's Content-Security-Policy for that alone).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import SVC_HELPLINE, SVC_LIBRARY, SVC_REFUGE
from .conftest import E2E_PASSWORD
from .forms import ask_for_small_plan

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 1000}

PUBLIC = [
    "/", "/search?q=", "/search?q=Badby", "/search?q=nn12+6aa", "/search?q=Badbyy", "/search?q=NN11+4G",
    "/village/towcester", "/village/nowhere", f"/service/{SVC_LIBRARY}", f"/service/{SVC_REFUGE}",
    f"/service/{SVC_HELPLINE}?from=badby", "/about", "/login", "/no-such-page",
]  # fmt: skip
STAFF = {
    "pat": ["/plan/", "/plan/?kind=library&threshold=15&mode=drive&sites=1&add=Badby%2C+Nobottle", "/pathways",
            "/pathways?q=Badby", "/referrals", "/report"],
    "sam": ["/schedule/", "/schedule/new"],
    "libby": ["/directory/", f"/directory/service/{SVC_LIBRARY}", f"/directory/service/{SVC_LIBRARY}/edit",
              f"/directory/service/{SVC_LIBRARY}/history", f"/directory/service/{SVC_LIBRARY}/contacts",
              "/directory/review", "/directory/activity", "/directory/feedback", "/directory/handovers",
              "/referrals/new"],
    "ada": ["/directory/approvals", "/directory/organizations", "/directory/users"],
}  # fmt: skip


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        message = f"axe-core is missing at {AXE}: run `npm ci --prefix tests/a11y` (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def violations(page: Any, axe_source: str) -> list[str]:
    """axe-core's violations on the page as it is now, one line each (rule, impact, where)."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in result["violations"]
    ]


@pytest.fixture(scope="module")
def contexts(browser: Any, live_server: str) -> Iterator[dict[str, Any]]:
    """A browser context per user (logged in) and for visitors, at a phone's and a desktop's size."""
    made: dict[str, Any] = {}

    def context(user: str | None, viewport: dict[str, int]) -> Any:
        key = f"{user}-{viewport['width']}"
        if key not in made:
            made[key] = browser.new_context(viewport=viewport, bypass_csp=True)
            if user:
                page = made[key].new_page()
                page.goto(live_server + "/login")
                page.get_by_label("User name").fill(user)
                page.get_by_label("Password").fill(PASSWORDS.get(user, E2E_PASSWORD))
                page.get_by_role("button", name="Log in").click()
                page.wait_for_load_state()
                page.close()
        return made[key]

    yield {"get": context}
    for c in made.values():
        c.close()


PASSWORDS = {"pat": "planner-password", "sam": "scheduler-password"}


def _check(contexts: dict[str, Any], live_server: str, axe_source: str, user: str | None, url: str) -> list[str]:
    found = []
    for viewport in (DESKTOP, PHONE):
        page = contexts["get"](user, viewport).new_page()
        page.goto(live_server + url)
        page.wait_for_load_state("networkidle")
        found += [f"{viewport['width']} px: {v}" for v in violations(page, axe_source)]
        page.close()
    return found


@pytest.mark.parametrize("url", PUBLIC)
def test_public_page_has_no_axe_violations(
    contexts: dict[str, Any], live_server: str, axe_source: str, url: str
) -> None:
    assert _check(contexts, live_server, axe_source, None, url) == []


@pytest.mark.parametrize(("user", "url"), [(u, url) for u, urls in STAFF.items() for url in urls])
def test_staff_page_has_no_axe_violations(
    contexts: dict[str, Any], live_server: str, axe_source: str, user: str, url: str
) -> None:
    assert _check(contexts, live_server, axe_source, user, url) == []


def test_a_plan_being_made_and_its_review_have_no_axe_violations(
    contexts: dict[str, Any], live_server: str, axe_source: str
) -> None:
    page = contexts["get"]("sam", DESKTOP).new_page()
    ask_for_small_plan(page, live_server, "a11y-plan")
    page.wait_for_selector("#plan-status, #plan-summary")
    waiting = violations(page, axe_source)
    page.wait_for_selector("#plan-summary", timeout=60_000)  # the page shows the plan itself when it is ready
    page.wait_for_load_state("networkidle")
    assert waiting == [] and violations(page, axe_source) == []
