"""Check a published plan file against every constraint, independently of the solver.

``outreach-map check-plan routes/ID`` reads ``plan.json`` only (and the road
network to recompute travel times) and lists every violation: van working
days and one run per van and day, shift start and end, the lunch break
(length, window, not during a visit), visit durations, travel time between
consecutive places, every stop served on the same weekday every
``frequency_weeks`` weeks at the same time, drive minutes per run, and every
stop either served or given a reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .clock import WEEKDAYS, clock
from .published import PublishedPlan
from .traveltime import TravelTimes

__all__ = ["PlanPlace", "check_plan_file"]

#: Times in the file are whole minutes: allow one minute of rounding per leg.
ROUNDING_MIN = 1.0
DEFAULT_LUNCH_WINDOW = ("12:00", "14:00")


@dataclass(frozen=True, slots=True)
class PlanPlace:
    id: str
    name: str
    lat: float
    lon: float


def _minutes(text: str) -> float:
    return clock(text)


def check_plan_file(plan: PublishedPlan, times: TravelTimes) -> list[str]:
    """Every violated constraint of a published plan, as sentences naming the run, stop or van."""
    raw = plan.raw
    out: list[str] = []
    vans = {v["id"]: v for v in raw.get("vans", [])}
    stops: Mapping[str, Mapping[str, Any]] = plan.stops
    places: dict[str, PlanPlace] = {}
    for van in vans.values():
        depot = van["depot"]
        places[f"depot:{van['id']}"] = PlanPlace(f"depot:{van['id']}", depot["name"], depot["lat"], depot["lon"])
    for stop_id, stop in stops.items():
        places[stop_id] = PlanPlace(stop_id, stop["name"], stop["lat"], stop["lon"])
    order = list(places)
    matrix = times.matrix([places[k] for k in order], [places[k] for k in order]).minutes
    index = {k: i for i, k in enumerate(order)}

    def travel(a: str, b: str) -> float:
        return 0.0 if a == b else float(matrix[index[a], index[b]])

    seen: defaultdict[tuple[str, int, str], int] = defaultdict(int)
    visits_of: defaultdict[str, list[tuple[int, str, str, str]]] = defaultdict(list)
    for n, run in enumerate(raw.get("runs", []), start=1):
        van = vans.get(run.get("van"))
        where = f"run {n} (van {run.get('van')}, week {run.get('week')} {run.get('weekday')})"
        if van is None:
            out.append(f"{where}: unknown van")
            continue
        seen[(van["id"], run["week"], run["weekday"])] += 1
        if van.get("weekdays") and run["weekday"] not in van["weekdays"]:
            out.append(f"{where}: the van does not work on {run['weekday']}")
        leave = _minutes(run.get("leave", van["shift_start"]))
        back = _minutes(run.get("back", van["shift_end"] or "23:59"))
        if leave < _minutes(van["shift_start"]):
            out.append(f"{where}: leaves at {run.get('leave')}, before the shift starts at {van['shift_start']}")
        if van.get("shift_end") and back > _minutes(van["shift_end"]):
            out.append(f"{where}: returns at {run.get('back')}, after the shift ends at {van['shift_end']}")
        lunch = run.get("lunch")
        need = float(van.get("break_minutes", 0) or 0)
        window = van.get("break_window") or "-".join(DEFAULT_LUNCH_WINDOW)
        low, high = (_minutes(t) for t in window.split("-"))
        if need > 0 and lunch is None:
            out.append(f"{where}: no lunch break ({need:g} minutes needed)")
        elif lunch is not None:
            start, end = _minutes(lunch["start"]), _minutes(lunch["end"])
            if end - start < need - 1e-6:
                out.append(f"{where}: lunch {lunch['start']}-{lunch['end']} is shorter than {need:g} minutes")
            if start < low or end > high:
                out.append(f"{where}: lunch {lunch['start']}-{lunch['end']} is outside {window}")
        previous, free_at = f"depot:{van['id']}", leave
        for visit in run.get("visits", []):
            stop = stops[visit["stop"]]
            arrive, depart = _minutes(visit["arrive"]), _minutes(visit["depart"])
            label = f"{where}: {stop['name']}"
            if abs((depart - arrive) - float(stop["duration_min"])) > ROUNDING_MIN:
                out.append(f"{label}: stays {depart - arrive:g} min; expected {stop['duration_min']:g}")
            earliest = free_at + travel(previous, visit["stop"])
            if (
                lunch is not None
                and _minutes(lunch["start"]) >= free_at - 1e-6
                and _minutes(lunch["end"]) <= arrive + 1e-6
            ):
                earliest += _minutes(lunch["end"]) - _minutes(lunch["start"])
            if arrive < earliest - ROUNDING_MIN:
                out.append(f"{label}: arrives {visit['arrive']}, but the drive needs until {_clock(earliest)}")
            if (
                lunch is not None
                and arrive < _minutes(lunch["end"]) - 1e-6
                and depart > _minutes(lunch["start"]) + 1e-6
            ):
                out.append(f"{label}: the visit {visit['arrive']}-{visit['depart']} overlaps the lunch break")
            visits_of[visit["stop"]].append((run["week"], run["weekday"], visit["arrive"], visit["depart"]))
            previous, free_at = visit["stop"], depart
        home = free_at + travel(previous, f"depot:{van['id']}")
        if lunch is not None and free_at - 1e-6 <= _minutes(lunch["start"]) < back:
            home += _minutes(lunch["end"]) - _minutes(lunch["start"])  # lunch on the way home
        if back < home - ROUNDING_MIN:
            out.append(f"{where}: back at {run.get('back')}, but the drive home needs until {_clock(home)}")
        legs = [f"depot:{van['id']}", *(v["stop"] for v in run.get("visits", [])), f"depot:{van['id']}"]
        driving = sum(travel(a, b) for a, b in pairwise(legs))
        if "drive_min" in run and abs(run["drive_min"] - driving) > max(1.0, 0.02 * driving):
            out.append(f"{where}: drive_min {run['drive_min']} but the network gives {driving:.1f}")
    for (van_id, week, weekday), count in sorted(seen.items()):
        if count > 1:
            out.append(f"van {van_id} has {count} runs in week {week} on {weekday}; expected one")
    unserved = {u["stop"]: u for u in raw.get("unserved", [])}
    for stop_id, stop in stops.items():
        visits = visits_of.get(stop_id, [])
        if not visits:
            if stop_id not in unserved or not unserved[stop_id].get("reason"):
                out.append(f"stop {stop['name']}: neither visited nor listed as unserved with a reason")
            continue
        freq = stop["frequency_weeks"]
        expected = plan.cycle_weeks // freq
        weeks = sorted(w for w, *_ in visits)
        if len(visits) != expected:
            out.append(
                f"stop {stop['name']}: {len(visits)} visits in the cycle; expected {expected} (every {freq} weeks)"
            )
        if len({d for _, d, *_ in visits}) > 1:
            out.append(f"stop {stop['name']}: visited on several weekdays; expected the same weekday every time")
        if len({(a, b) for *_, a, b in visits}) > 1:
            out.append(f"stop {stop['name']}: visited at different times; expected the same time every visit")
        if any(b - a != freq for a, b in pairwise(weeks)):
            out.append(f"stop {stop['name']}: visited in weeks {weeks}; expected every {freq} weeks")
        if any(d not in WEEKDAYS for _, d, *_ in visits):
            out.append(f"stop {stop['name']}: unknown weekday")
    return out


def _clock(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"
