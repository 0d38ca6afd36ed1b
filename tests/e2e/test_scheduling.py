"""The schedulers' form and job page in Chromium: the plan id's pattern works, the page follows the job."""

from __future__ import annotations

from typing import Any

from .forms import ask_for_small_plan
from .forms import log_in_as_scheduler as _login


def test_the_browser_refuses_a_plan_id_the_site_would_refuse(page: Any, live_server: str) -> None:
    _login(page, live_server)
    page.goto(live_server + "/schedule/new")
    field = page.get_by_label("Plan id")
    valid_pattern = page.evaluate(
        "() => { try { new RegExp('^(?:' + document.getElementById('plan_id').pattern + ')$', 'v'); return true; }"
        " catch (e) { return false; } }"
    )
    assert valid_pattern  # Chromium compiles pattern attributes with the v flag
    for bad in ("UX Small", "../../etc", "<script>", "-lead"):
        field.fill(bad)
        assert page.evaluate("() => document.getElementById('plan_id').validity.patternMismatch"), bad
    field.fill("ux-small")
    assert not page.evaluate("() => document.getElementById('plan_id').validity.patternMismatch")
    field.fill("UX Small")
    page.get_by_role("button", name="Make the plan").click()
    assert page.url.endswith("/schedule/new")  # the browser kept the form: nothing was sent
    assert page.evaluate("() => document.getElementById('plan_id').matches(':invalid')")


def test_the_job_page_follows_the_job_without_refreshing_itself(page: Any, live_server: str) -> None:
    _login(page, live_server)
    ask_for_small_plan(page, live_server, "e2e-follow")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    status = page.get_by_role("status")
    assert "Queued" in status.inner_text() or "Being made" in status.inner_text()
    page.wait_for_selector("#plan-summary", timeout=60_000)  # schedule.js reloads the page when it is ready
    assert "stops served" in page.inner_text("#plan-summary")
    assert page.foreign_requests == []
