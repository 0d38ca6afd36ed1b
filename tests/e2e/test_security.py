"""The Content-Security-Policy in a real browser: maps still draw, and script without the nonce does not run."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/search?q=Badby", "/village/towcester", "/search?q=nn12+6aa"])
def test_public_maps_draw_under_the_policy(page: Any, live_server: str, path: str) -> None:
    response = page.goto(live_server + path)
    assert "'nonce-" in response.headers["content-security-policy"]
    page.wait_for_selector("path.searched-place")
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator("details.map-legend").is_visible()  # the key in words, below the map
    assert page.evaluate("typeof L") == "object"
    assert page.csp_violations == [] and page.foreign_requests == []


def test_coverage_map_fetches_its_layers_under_the_policy(page: Any, live_server: str) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("User name").fill("pat")
    page.get_by_label("Password").fill("planner-password")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server + "/plan/?kind=library&threshold=15")
    page.wait_for_selector("path.village")
    assert page.locator("path.village").count() == 5
    assert page.csp_violations == []


def test_an_injected_script_without_the_nonce_does_not_run(page: Any, live_server: str) -> None:
    page.goto(live_server + "/search?q=Badby")
    page.wait_for_selector("path.searched-place")
    page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.injected = true";
            document.body.appendChild(s);
            document.body.insertAdjacentHTML("beforeend", '<img src="x" onerror="window.handler = true">');
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.injected === undefined && window.handler === undefined")
    blocked = list(page.csp_violations)
    assert any("inline script" in text or "script-src" in text for text in blocked), blocked
    page.csp_violations.clear()  # expected here: the policy did its job
