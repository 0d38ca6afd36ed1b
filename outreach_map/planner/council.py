"""A council's own mobile-library timetable, from the LibrariesHacked timetable format, rebuilt and costed.

The format (``organisation, mobile, route, community, stop, ..., geox, geoy,
day, type, arrival, departure, frequency, start, ...``) has one row per stop:
its van (``mobile``), its route, weekday, arrival and departure, a recurrence
rule (``FREQ=WEEKLY;INTERVAL=3``) and the date of its first visit. From it:
the cycle (the least common multiple of the intervals), each run (a van on a
weekday of a week of the cycle, its stops in arrival order), each stop's
duration (departure less arrival) and frequency (the interval), and the
council's working pattern: the shift (earliest departure to latest return,
driving from and to the depot on the proxy model) and the lunch break (the
longest pause of a run around midday).

The file does not say where a van's depot is; unless told, it is taken as the
point nearest every first and last stop of its runs (their geometric median),
the depot that makes the council's own depot legs as short as they can be.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from statistics import median

import numpy as np

from ..clock import WEEKDAYS, clock, format_clock
from ..errors import DataFileError
from .problem import DEFAULT_PROXY, ProxyModel

__all__ = [
    "SHARED_TIMETABLES",
    "CouncilRun",
    "CouncilStop",
    "CouncilTimetable",
    "describe_runs",
    "read_council",
    "shared_timetables",
    "write_request_toml",
    "write_stops_csv",
]

#: The LibrariesHacked timetables of every UK council, in the shared data folder beside the project.
SHARED_TIMETABLES = Path("shared") / "data" / "librarieshacked_mobile_library_stops_uk.csv"

_DAYS = {
    name: i for i, name in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
}


@dataclass(frozen=True, slots=True)
class CouncilStop:
    """A stop of the council's timetable (one row of the file)."""

    id: str
    name: str
    community: str
    lat: float
    lon: float
    arrive: float
    depart: float
    frequency_weeks: int

    @property
    def duration(self) -> float:
        return self.depart - self.arrive


@dataclass(frozen=True, slots=True)
class CouncilRun:
    """A van on one weekday of one week of the cycle (weeks and weekdays from 0), its stops in arrival order."""

    van: str
    week: int
    weekday: int
    stops: tuple[CouncilStop, ...]


@dataclass(frozen=True)
class CouncilTimetable:
    """A council's timetable: its cycle, runs, each van's depot, and its shift and lunch break."""

    authority: str
    cycle_weeks: int
    runs: tuple[CouncilRun, ...]
    depots: Mapping[str, tuple[float, float]]
    model: ProxyModel

    @property
    def vans(self) -> tuple[str, ...]:
        return tuple(sorted(self.depots))

    @property
    def stops(self) -> tuple[CouncilStop, ...]:
        return tuple(s for run in self.runs for s in run.stops)

    def weekdays(self, van: str) -> tuple[int, ...]:
        return tuple(sorted({r.weekday for r in self.runs if r.van == van}))

    def leg(self, a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
        """(minutes, km) from ``a`` to ``b`` (lat, lon) on the proxy model."""
        km = _haversine_km(a, b) * self.model.detour
        return km / self.model.speed_kmh * 60.0, km

    def run_cost(self, run: CouncilRun) -> tuple[float, float]:
        """(drive minutes, km) of a run: depot, its stops in order, depot."""
        places = [self.depots[run.van], *((s.lat, s.lon) for s in run.stops), self.depots[run.van]]
        legs = [self.leg(a, b) for a, b in pairwise(places)]
        return sum(m for m, _ in legs), sum(k for _, k in legs)

    def shift(self) -> tuple[float, float]:
        """Earliest departure and latest return over the runs (minutes, to 5 minutes outward)."""
        leave, back = [], []
        for run in self.runs:
            depot = self.depots[run.van]
            first, last = run.stops[0], run.stops[-1]
            leave.append(first.arrive - self.leg(depot, (first.lat, first.lon))[0])
            back.append(last.depart + self.leg((last.lat, last.lon), depot)[0])
        return 5 * math.floor(min(leave) / 5), 5 * math.ceil(max(back) / 5)

    def lunch(self) -> tuple[float, tuple[float, float]]:
        """The lunch break: minutes (median of each run's longest pause between 11:00 and 15:00, to 5 minutes down)
        and the window those pauses lie in."""
        pauses = []
        for run in self.runs:
            gaps = []
            for a, b in pairwise(run.stops):
                drive = self.leg((a.lat, a.lon), (b.lat, b.lon))[0]
                start, end = a.depart, b.arrive - drive
                if end - start > 0 and start >= 11 * 60 and end <= 15 * 60:
                    gaps.append((end - start, start, end))
            if gaps:
                pauses.append(max(gaps))
        if not pauses:
            return 0.0, (12 * 60.0, 14 * 60.0)
        minutes = 5 * math.floor(median(p[0] for p in pauses) / 5)
        return float(minutes), (
            5 * math.floor(min(p[1] for p in pauses) / 5),
            5 * math.ceil(max(p[2] for p in pauses) / 5),
        )


def shared_timetables(start: Path) -> Path:
    """The shared timetables file: ``shared/data/...`` in the nearest folder above ``start`` that has it.

    A checkout beside ``shared/`` and a worktree a level deeper find the same file; with none, the path
    beside ``start``'s parent is returned (for the caller's "not found" message).
    """
    for parent in start.resolve().parents:
        candidate = parent / SHARED_TIMETABLES
        if candidate.is_file():
            return candidate
    return start.resolve().parent / SHARED_TIMETABLES


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def _interval(path: Path, line: int, rule: str) -> int:
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if parts.get("FREQ") != "WEEKLY" or not parts.get("INTERVAL", "1").isdigit():
        raise DataFileError(path, f"recurrence {rule!r}; expected FREQ=WEEKLY;INTERVAL=n", line=line, field="frequency")
    return int(parts.get("INTERVAL", "1"))


def _rows(path: Path, authority: str) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [(n + 2, row) for n, row in enumerate(csv.DictReader(handle))]
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    mine = [(n, r) for n, r in rows if r.get("organisation") == authority]
    if not mine:
        known = sorted({r.get("organisation", "") for _, r in rows})
        raise DataFileError(
            path, f"no stops of '{authority}'; expected one of {', '.join(known)}", field="organisation"
        )
    return mine


def _geometric_median(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Weiszfeld's iteration (in degrees, with longitude scaled by the cosine of the latitude)."""
    pts = np.array(points, dtype=float)
    scale = math.cos(math.radians(float(pts[:, 0].mean())))
    xy = pts * [1.0, scale]
    guess = xy.mean(axis=0)
    for _ in range(200):
        d = np.maximum(np.linalg.norm(xy - guess, axis=1), 1e-9)
        new = (xy / d[:, None]).sum(axis=0) / (1 / d).sum()
        if np.linalg.norm(new - guess) < 1e-9:
            break
        guess = new
    return float(guess[0]), float(guess[1] / scale)


def read_council(
    path: Path,
    authority: str,
    *,
    depots: Mapping[str, tuple[float, float]] | None = None,
    model: ProxyModel = DEFAULT_PROXY,
) -> CouncilTimetable:
    """Rebuild an authority's timetable from a LibrariesHacked timetable file.

    Parameters
    ----------
    depots
        (lat, lon) of some vans' depots; the others are their runs' geometric median.

    Raises
    ------
    DataFileError
        For an authority the file does not have, or a row that cannot be read (naming its line and field).
    """
    rows = _rows(path, authority)
    intervals = {n: _interval(path, n, r["frequency"]) for n, r in rows}
    cycle = math.lcm(*intervals.values())
    first = min(date.fromisoformat(r["start"]) for _, r in rows)
    monday = first - timedelta(days=first.weekday())
    runs: dict[tuple[str, int, int], list[CouncilStop]] = {}
    for n, r in rows:
        try:
            weekday = _DAYS[r["day"]]
            week = ((date.fromisoformat(r["start"]) - monday).days // 7) % cycle
            stop = CouncilStop(f"{r['route']}-{n}", r["stop"], r["community"], float(r["geoy"]), float(r["geox"]),
                               clock(r["arrival"]), clock(r["departure"]), intervals[n])  # fmt: skip
        except (KeyError, ValueError) as exc:
            raise DataFileError(path, f"cannot be read ({exc})", line=n) from None
        runs.setdefault((r["mobile"], week, weekday), []).append(stop)
    built = tuple(
        CouncilRun(van, week, weekday, tuple(sorted(stops, key=lambda s: s.arrive)))
        for (van, week, weekday), stops in sorted(runs.items())
    )
    given = dict(depots or {})
    ends: dict[str, list[tuple[float, float]]] = {}
    for run in built:
        ends.setdefault(run.van, []).extend(
            [(run.stops[0].lat, run.stops[0].lon), (run.stops[-1].lat, run.stops[-1].lon)]
        )
    chosen = {van: given.get(van) or _geometric_median(points) for van, points in ends.items()}
    return CouncilTimetable(authority, cycle, built, chosen, model)


def write_stops_csv(council: CouncilTimetable, path: Path) -> None:
    """The council's stops as a stops file for ``outreach-map plan`` (same durations and frequencies)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "name", "lat", "lon", "duration_min", "frequency_weeks", "community", "population"])
        for s in council.stops:
            out.writerow([s.id, s.name, f"{s.lat:.6f}", f"{s.lon:.6f}", f"{s.duration:g}", s.frequency_weeks,
                          s.community, 100])  # fmt: skip


def write_request_toml(council: CouncilTimetable, path: Path, stops_file: str, *, plan_id: str | None = None) -> None:
    """A plan request for ``outreach-map plan`` like the council's own timetable, beside its stops file.

    The same cycle and vans (each at its depot, on its weekdays, with the council's shift and lunch), at
    most as many stops per run as the council's largest run, on the proxy model.
    """
    start, end = council.shift()
    lunch, (lo, hi) = council.lunch()
    largest = max(len(r.stops) for r in council.runs)
    ident = plan_id or "".join(c if c.isalnum() else "-" for c in council.authority.lower()).strip("-")
    lines = [
        f"# {council.authority}'s mobile library stops (LibrariesHacked), planned like its own timetable.",
        "[plan]", f'id = "{ident}"', f"cycle_weeks = {council.cycle_weeks}", 'start_date = "2027-01-04"',
        f'stops_file = "{stops_file}"', 'travel = "proxy"', f"max_stops_per_run = {largest}",
    ]  # fmt: skip
    for van in council.vans:
        lat, lon = council.depots[van]
        days = ", ".join(f'"{WEEKDAYS[d]}"' for d in council.weekdays(van))
        lines += [
            "", "[[vans]]", f'id = "{van}"', f'depot = {{ name = "{van} depot", lat = {lat:.6f}, lon = {lon:.6f} }}',
            f'shift = "{format_clock(start)}-{format_clock(end)}"', f"lunch_minutes = {lunch:g}",
            f'lunch_window = "{format_clock(lo)}-{format_clock(hi)}"', f"weekdays = [{days}]",
        ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def describe_runs(council: CouncilTimetable) -> list[str]:
    """One line per run: van, week, weekday, stops and times (for people)."""
    return [
        f"{run.van} week {run.week + 1} {WEEKDAYS[run.weekday]}: "
        + ", ".join(f"{s.community} {format_clock(s.arrive)}" for s in run.stops)
        for run in council.runs
    ]
