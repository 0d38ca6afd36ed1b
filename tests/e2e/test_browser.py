"""The site in a real browser: search, map markers, no third-party requests, quick exit, staff login."""

from __future__ import annotations

from typing import Any

import pytest

from .forms import ask_for_small_plan, log_in_as_scheduler

pytestmark = pytest.mark.e2e


def test_search_by_village_shows_services_and_map_markers(page: Any, live_server: str) -> None:
    page.goto(live_server + "/")
    page.get_by_label("Village, town or postcode").fill("Badby")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("h1:has-text('Badby')")
    assert page.locator("a", has_text="Daventry Library").count() >= 1
    page.wait_for_selector(".leaflet-interactive")
    assert page.locator("path.service-marker").count() >= 1
    assert page.locator("path.searched-place").count() == 1
    assert page.foreign_requests == []


def test_search_by_postcode(page: Any, live_server: str) -> None:
    page.goto(live_server + "/")
    page.get_by_label("Village, town or postcode").fill("nn12 6aa")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Services near NN12 6AA')")
    assert "min by road" in page.inner_text("main")
    assert page.foreign_requests == []


def test_unknown_village_suggests(page: Any, live_server: str) -> None:
    page.goto(live_server + "/search?q=Towcaster")
    page.get_by_role("link", name="Towcester").click()
    page.wait_for_selector("h1:has-text('Towcester')")


def test_quick_exit_button_replaces_the_history_entry(page: Any, live_server: str) -> None:
    page.route(
        "https://www.bbc.co.uk/**", lambda route: route.fulfill(status=200, body="<title>Weather</title>neutral")
    )
    page.goto(live_server + "/")
    page.goto(live_server + "/search?q=Badby")
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url("https://www.bbc.co.uk/weather")
    page.go_back()
    assert page.url == live_server + "/"  # the search page is no longer in the history


def test_escape_twice_leaves(page: Any, live_server: str) -> None:
    page.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(status=200, body="neutral"))
    page.goto(live_server + "/village/badby")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.bbc.co.uk/weather")


def test_keyboard_user_can_skip_to_content(page: Any, live_server: str) -> None:
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"


def test_staff_login_and_coverage_map(page: Any, live_server: str) -> None:
    page.goto(live_server + "/plan/")
    page.get_by_label("User name").fill("pat")
    page.get_by_label("Password").fill("planner-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("h1:has-text('Coverage and gaps')")
    page.get_by_role("button", name="Show coverage").click()
    page.wait_for_selector("#gap-table")
    page.wait_for_selector("path.village")
    assert page.locator("path.village").count() == 5
    minutes = "Array.from(document.querySelectorAll('#gap-table tbody tr td:nth-child(3)')).map(c => +c.dataset.value)"
    page.get_by_role("button", name="Minutes").click()
    ascending = page.evaluate(minutes)
    assert len(ascending) == 3 and ascending == sorted(ascending)
    page.get_by_role("button", name="Minutes").click()
    assert page.evaluate(minutes) == sorted(ascending, reverse=True)
    assert page.foreign_requests == []


def test_scheduler_runs_a_small_plan_and_publishes_it(page: Any, live_server: str) -> None:
    log_in_as_scheduler(page, live_server)
    ask_for_small_plan(page, live_server, "e2e-plan")
    page.wait_for_selector("text=Publish to routes/e2e-plan", timeout=60_000)
    page.wait_for_selector("path.run-line")
    page.get_by_role("button", name="Publish to routes/e2e-plan").click()
    page.wait_for_selector("th:has-text('e2e-plan')")
    assert page.foreign_requests == []
    page.goto(live_server + "/village/towcester")
    assert "mobile library at Towcester" in page.inner_text("main")
