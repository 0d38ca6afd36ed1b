"""Published route plans (``routes/<plan-id>/plan.json``): reading them and finding next visits.

The plan file shape is fixed by DESIGN.md so any tool can check a plan; this
module reads it for the public site and the API (when does the library or an
outreach worker next come to a village?). Writing plans is the planner's job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .clock import WEEKDAYS
from .directory import Directory
from .errors import DataFileError
from .geodesy import straight_line_m

__all__ = [
    "CONFIDENTIAL_RADIUS_M",
    "PublishedPlan",
    "Visit",
    "list_plans",
    "load_plan",
    "next_visits",
    "public_plan",
]

#: A plan with a stop or depot this close to a confidential location is never shown to the public.
CONFIDENTIAL_RADIUS_M = 100.0


@dataclass(frozen=True, slots=True)
class Visit:
    """One dated visit of a stop."""

    date: date
    arrive: str
    depart: str
    stop_id: str
    stop_name: str
    van: str
    outreach: bool
    plan_id: str


@dataclass(frozen=True)
class PublishedPlan:
    """A validated plan file (the raw JSON is kept for the API)."""

    plan_id: str
    cycle_weeks: int
    start_date: date
    stops: Mapping[str, Mapping[str, Any]]
    runs: tuple[Mapping[str, Any], ...]
    approximate: bool
    path: Path
    raw: Mapping[str, Any]


def _require(path: Path, data: Mapping[str, Any], field: str, kind: type | tuple[type, ...], where: str = "") -> Any:
    value = data.get(field)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DataFileError(path, f"missing or not {names}", record=where or None, field=field)
    return value


def load_plan(path: Path) -> PublishedPlan:
    """Read and check a ``plan.json``.

    Raises
    ------
    DataFileError
        Naming the file, the record and the field that is wrong.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(path, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise DataFileError(path, "expected a JSON object")
    plan_id = _require(path, data, "plan_id", str)
    cycle = _require(path, data, "cycle_weeks", int)
    if not 1 <= cycle <= 4:
        raise DataFileError(path, f"{cycle} is out of range; expected 1 to 4", field="cycle_weeks")
    try:
        start = date.fromisoformat(_require(path, data, "start_date", str))
    except ValueError:
        raise DataFileError(path, "expected a date YYYY-MM-DD", field="start_date") from None
    if start.weekday() != 0:
        raise DataFileError(path, f"{start} is a {WEEKDAYS[start.weekday()]}; expected a Monday", field="start_date")
    stops: dict[str, Mapping[str, Any]] = {}
    for i, stop in enumerate(_require(path, data, "stops", list), start=1):
        where = f"stop {i}"
        if not isinstance(stop, dict):
            raise DataFileError(path, "expected an object", record=where)
        stops[_require(path, stop, "id", str, where)] = stop
        _require(path, stop, "name", str, where)
        _require(path, stop, "lat", (int, float), where)
        _require(path, stop, "lon", (int, float), where)
    runs = []
    for i, run in enumerate(_require(path, data, "runs", list), start=1):
        where = f"run {i}"
        if not isinstance(run, dict):
            raise DataFileError(path, "expected an object", record=where)
        week = _require(path, run, "week", int, where)
        if not 1 <= week <= cycle:
            raise DataFileError(path, f"week {week}; expected 1 to {cycle}", record=where, field="week")
        if _require(path, run, "weekday", str, where) not in WEEKDAYS:
            raise DataFileError(path, f"expected one of {', '.join(WEEKDAYS)}", record=where, field="weekday")
        for j, visit in enumerate(_require(path, run, "visits", list, where), start=1):
            if not isinstance(visit, dict) or visit.get("stop") not in stops:
                msg = "expected a visit whose 'stop' is the id of a stop in 'stops'"
                raise DataFileError(path, msg, record=f"{where} visit {j}", field="stop")
        runs.append(run)
    network = data.get("network") or {}
    return PublishedPlan(plan_id, cycle, start, stops, tuple(runs), bool(network.get("approximate", True)), path, data)


def list_plans(routes_dir: Path) -> list[PublishedPlan]:
    """Every readable plan under ``routes/``, newest start date first (broken ones are skipped)."""
    plans = []
    if routes_dir.is_dir():
        for path in sorted(routes_dir.glob("*/plan.json")):
            try:
                plans.append(load_plan(path))
            except DataFileError:
                continue
    return sorted(plans, key=lambda p: (p.start_date, p.plan_id), reverse=True)


def next_visits(plans: Iterable[PublishedPlan], stop_ids: Iterable[str], *, today: date, count: int = 3) -> list[Visit]:
    """The next ``count`` dated visits, from ``today`` on, of any of the stops, across plans."""
    wanted = set(stop_ids)
    found: list[Visit] = []
    for plan in plans:
        period = 7 * plan.cycle_weeks
        for run in plan.runs:
            offset = (run["week"] - 1) * 7 + WEEKDAYS.index(run["weekday"])
            first = plan.start_date + timedelta(days=offset)
            if first < today:
                cycles = (today - first).days // period + (1 if (today - first).days % period else 0)
                first += timedelta(days=cycles * period)
            for visit in run["visits"]:
                if visit["stop"] not in wanted:
                    continue
                stop = plan.stops[visit["stop"]]
                for k in range(count):
                    found.append(
                        Visit(
                            first + timedelta(days=k * period), visit.get("arrive", ""), visit.get("depart", ""),
                            visit["stop"], stop["name"], str(run.get("van", "")),
                            bool(visit.get("outreach") or stop.get("outreach")), plan.plan_id,
                        )
                    )  # fmt: skip
    return sorted(found, key=lambda v: (v.date, v.arrive))[:count]


def public_plan(plan: PublishedPlan, directory: Directory) -> Mapping[str, Any] | None:
    """A published plan as stored, or ``None`` if any stop or depot would reveal a confidential location.

    A stop whose id is a confidential location's (or its service_at_location's),
    or that lies within :data:`CONFIDENTIAL_RADIUS_M` of one, withholds the
    whole plan; the caller answers as for an unknown plan so the refusal
    itself reveals nothing.
    """
    secret = [p for p in directory.points if p.confidential]
    ids = {p.id for p in secret} | {p.location.id for p in secret}
    places = [s for s in plan.raw.get("stops", ()) if isinstance(s, Mapping)]
    places += [
        v["depot"] for v in plan.raw.get("vans", ()) if isinstance(v, Mapping) and isinstance(v.get("depot"), Mapping)
    ]
    for place in places:
        if place.get("id") in ids:
            return None
        lat, lon = place.get("lat"), place.get("lon")
        if (
            isinstance(lat, int | float)
            and isinstance(lon, int | float)
            and any(straight_line_m(lat, lon, p.lat, p.lon) <= CONFIDENTIAL_RADIUS_M for p in secret)
        ):
            return None
    return plan.raw
