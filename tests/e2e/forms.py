"""Form filling shared by the browser tests: logging in as the scheduler, asking for a small plan."""

from __future__ import annotations

from typing import Any

__all__ = ["ask_for_small_plan", "log_in_as_scheduler"]


def log_in_as_scheduler(page: Any, live_server: str) -> None:
    """Log in as ``sam``, the seeded scheduler."""
    page.goto(live_server + "/login")
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill("scheduler-password")
    page.get_by_role("button", name="Log in").click()


def ask_for_small_plan(page: Any, live_server: str, plan_id: str) -> None:
    """Ask ``/schedule/new`` for a 2-week plan of the villages of 20 people or more, 5 s of search."""
    page.goto(live_server + "/schedule/new")
    page.get_by_label("Plan id").fill(plan_id)
    page.get_by_label("Cycle (weeks)").select_option("2")
    page.get_by_label("First Monday").fill("2027-01-04")
    page.get_by_label("Minimum population").fill("20")
    page.get_by_label("Search time (s)").fill("5")
    page.locator("#van1_id").fill("")
    page.get_by_label("Agency's service kind").select_option("domestic-abuse-support")
    page.get_by_role("button", name="Make the plan").click()
