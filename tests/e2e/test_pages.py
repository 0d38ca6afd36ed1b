"""Issue 14 in a real browser: maps without external tiles, the key on a phone, "use my location", the planner's
form on a 390 px screen, and pages without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_a_map_without_external_tiles_draws_the_sites_own_base_map(page: Any, live_server: str) -> None:
    with page.expect_response(lambda r: r.url.endswith("/basemap.geojson") and r.ok):
        page.goto(live_server + "/search?q=Badby")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(".map-wrap .leaflet-overlay-pane path", state="attached")
    drawn = page.evaluate("document.querySelectorAll('.map-wrap .leaflet-overlay-pane path').length")
    assert drawn >= 2, "the district outline and the links between places of the base map"
    assert page.locator(".map-wrap .leaflet-tile").count() == 0 and page.foreign_requests == []
    assert page.locator(".map-fallback").is_hidden()  # the no-JavaScript note goes once the map is drawn
    assert page.locator("details.map-legend").get_attribute("open") is not None  # unfolded on a desktop


def test_on_a_phone_the_key_is_folded_below_the_map_and_opens(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server + "/village/badby")
    page.wait_for_load_state("networkidle")
    legend = page.locator("details.map-legend").first
    assert legend.get_attribute("open") is None
    wrap, key = page.locator(".map-wrap").first.bounding_box(), legend.bounding_box()
    assert key["y"] >= wrap["y"] + wrap["height"]  # below the map, never over it
    legend.locator("summary").click()
    assert legend.get_attribute("open") is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_use_my_location_keeps_the_position_out_of_the_address_and_history(browser: Any, live_server: str) -> None:
    context = browser.new_context(geolocation={"latitude": 52.2249, "longitude": -1.1771}, permissions=["geolocation"])
    page = context.new_page()
    page.goto(live_server + "/")
    before = page.evaluate("window.history.length")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_selector("h1:has-text('Services near your location')")
    assert page.url == live_server + "/search/location"  # the position went in the body of a POST
    assert page.evaluate("window.history.length") == before + 1
    page.go_back()
    assert page.url == live_server + "/"
    context.close()


def test_the_coverage_form_fits_a_phone(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server + "/login?next=/plan/")
    page.get_by_label("User name").fill("pat")
    page.get_by_label("Password").fill("planner-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("h1:has-text('Coverage and gaps')")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cut = page.evaluate(
        "Array.from(document.querySelectorAll('main select, main input:not([type=checkbox]):not([type=radio]):not([type=hidden])')).filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth || e.getBoundingClientRect().width < 120).map(e => e.id || e.name)"
    )
    assert cut == [], "controls cut off or squeezed on a 390 px screen"
    context.close()


def test_without_javascript_the_search_works_and_the_map_says_where_its_facts_are(
    browser: Any, live_server: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_label("Village, town or postcode").fill("Badby")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("h1:has-text('Badby')")
    assert page.locator(".map-fallback").first.is_visible()
    assert "Everything on it is in" in page.locator(".map-fallback").first.inner_text()
    context.close()
