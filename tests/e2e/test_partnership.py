"""The partnership's journeys in a real browser: an editor keeps an entry current, and a referral goes
from Victim Support to Women's Aid and back into the month's report."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ..conftest import SVC_LIBRARY
from .conftest import E2E_PASSWORD

pytestmark = pytest.mark.e2e


def _log_in(page: Any, live_server: str, name: str) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(E2E_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_an_editor_changes_hours_sees_them_public_then_restores(page: Any, live_server: str) -> None:
    _log_in(page, live_server, "libby")
    page.goto(live_server + "/directory/")
    page.get_by_role("link", name="Daventry Library").click()
    page.get_by_role("link", name="Edit").click()
    page.locator("#hours-0-opens").fill("10:15")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Saved as version")
    page.goto(live_server + f"/service/{SVC_LIBRARY}")
    assert "10:15" in page.inner_text("main")
    page.goto(live_server + f"/directory/service/{SVC_LIBRARY}/history")
    assert "opens at" in page.inner_text("main")
    page.get_by_role("button", name=re.compile(r"Restore version 1$")).click()
    page.wait_for_selector("text=restored as version")
    page.goto(live_server + f"/service/{SVC_LIBRARY}")
    text = page.inner_text("main")
    assert "10:15" not in text and "09:00" in text
    assert page.foreign_requests == []


def test_victim_support_refers_to_womens_aid_and_the_report_counts_it(
    page: Any, live_server: str, mailbox: Any, browser: Any
) -> None:
    _log_in(page, live_server, "vicky")
    page.goto(live_server + "/pathways")
    page.get_by_label("Village or postcode").fill("Badby")
    page.get_by_label("Need").select_option("domestic-abuse")
    page.get_by_role("button", name="Find services").click()
    page.get_by_role("link", name="Refer to Women's Aid outreach").click()
    page.get_by_label("Name or initials").fill("J. Q.")
    page.get_by_label("Safe way to make contact").fill("Call the refuge worker, ask for J.")
    page.get_by_label("Safe times").fill("Weekday mornings")
    page.get_by_label(re.compile("agrees to this referral")).check()
    page.get_by_label(re.compile("safeguarding procedure")).check()
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_selector("h1:has-text('Referral R-')")
    reference = page.inner_text("h1").split()[-1]
    message = next(m for m in mailbox.messages if reference in m["Subject"])
    assert message["To"] == "referrals@womensaid.test" and "J. Q." not in message.as_string()
    link = re.search(r"http://outreach\.test(/referrals/[0-9a-f-]+)", message.get_payload(decode=True).decode())
    assert link
    wendy = browser.new_context().new_page()
    _log_in(wendy, live_server, "wendy")
    wendy.goto(live_server + link.group(1))
    assert "J. Q." in wendy.inner_text("main")
    wendy.get_by_role("button", name="Accept").click()
    wendy.wait_for_selector("text=Accepted.")
    wendy.get_by_label("Outcome").select_option("supported")
    wendy.get_by_role("button", name="Close").click()
    wendy.wait_for_selector("text=Closed.")
    wendy.goto(live_server + "/report")
    report = wendy.inner_text("main")
    assert "Domestic abuse" in report and "J. Q." not in report
    row = wendy.locator("#referrals-by-need tr", has_text="Domestic abuse").inner_text()
    assert row.split("\t")[1:3] == ["1", "1"], row
    assert page.foreign_requests == []
