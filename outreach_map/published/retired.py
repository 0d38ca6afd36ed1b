"""Retired timetables: published plans that no longer run, kept for the record but not shown to the public.

A scheduler retires a plan when it stops, or replaces it by another when a new
timetable takes over; the public pages then show only the visits of the plans
that run. The list is ``routes/retired.json`` (beside the plan folders, whatever
their layout), written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .._files import write_text_atomic
from ..errors import DataFileError, PublishError
from .model import Timetable

__all__ = ["RETIRED_FILE", "Retirement", "live_timetables", "retire_plan", "retired_plans"]

#: The list of retired plans, in ``routes/``.
RETIRED_FILE = "retired.json"


@dataclass(frozen=True, slots=True)
class Retirement:
    """When a plan was retired, and which plan replaced it (if any)."""

    plan_id: str
    on: date
    replaced_by: str | None = None


def retired_plans(routes_dir: Path) -> dict[str, Retirement]:
    """The retired plans by id (none when the file is absent).

    Raises
    ------
    DataFileError
        When ``routes/retired.json`` is not such a list.
    """
    path = routes_dir / RETIRED_FILE
    if not path.is_file():
        return {}
    try:
        records = json.loads(path.read_text(encoding="utf-8"))["retired"]
        return {
            plan_id: Retirement(plan_id, date.fromisoformat(r["on"]), r.get("replaced_by"))
            for plan_id, r in records.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataFileError(path, f"not a list of retired plans ({exc})") from None


def retire_plan(
    routes_dir: Path, plan_id: str, *, known: Iterable[str], today: date, replaced_by: str | None = None
) -> Retirement:
    """Mark a published plan as retired (idempotent: retiring it again keeps the first date).

    Raises
    ------
    PublishError
        When no published plan has that id, or a plan would replace itself.
    """
    if plan_id not in set(known):
        msg = f"plan '{plan_id}': no published plan has that id"
        raise PublishError(msg)
    if replaced_by == plan_id:
        msg = f"plan '{plan_id}' cannot replace itself"
        raise PublishError(msg)
    current = retired_plans(routes_dir)
    found = current.get(plan_id) or Retirement(plan_id, today, replaced_by)
    current[plan_id] = found
    records = {
        r.plan_id: {"on": r.on.isoformat(), **({"replaced_by": r.replaced_by} if r.replaced_by else {})}
        for r in sorted(current.values(), key=lambda r: r.plan_id)
    }
    write_text_atomic(routes_dir / RETIRED_FILE, json.dumps({"retired": records}, indent=1) + "\n")
    return found


def live_timetables(timetables: Iterable[Timetable], retired: Mapping[str, Retirement]) -> list[Timetable]:
    """The timetables that run: every one not retired."""
    return [t for t in timetables if t.plan_id not in retired]
