"""Mobile library and outreach rounds from a TOML request: stops from the villages, road times, locks, outreach.

This is the glue between the data set and :mod:`outreach_map.planner`:

- :func:`load_round_config` reads and checks a request (``routes/*.toml``);
- :func:`build_problem` turns it into a planner problem: stops from the
  villages (frequency and duration by population band unless given), vans at
  the market-town libraries, road travel times from the network, and entries
  locked from a published plan (same weekday, weeks and time);
- :func:`assign_outreach` puts an outreach worker on the runs that reach the
  most people far from the agency's own services, on the days they work;
- :func:`timetable_changes` reports what a re-plan changed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from .clock import WEEKDAYS, clock
from .coverage import facilities_of
from .dataset import Dataset
from .errors import DataFileError, OutreachError
from .geodesy import straight_line_m
from .planner import ProblemBuilder, Solution
from .planner.problem import DEFAULT_DEPOTS, PLANNER_DEFAULTS, PlanProblem, road_travel
from .published import Outreach, RunKey, Stop, Timetable
from .traveltime import TravelTimes

__all__ = [
    "LOCK_LEVELS",
    "OutreachWorker",
    "RoundConfig",
    "StopOverride",
    "VanConfig",
    "assign_outreach",
    "build_problem",
    "load_round_config",
    "parse_round_config",
    "timetable_changes",
]


@dataclass(frozen=True, slots=True)
class VanConfig:
    id: str
    depot: str
    shift_start: str = "09:30"
    shift_end: str = "16:30"
    lunch_minutes: float = 30.0
    lunch_window: str = "12:00-14:00"
    weekdays: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")


@dataclass(frozen=True, slots=True)
class StopOverride:
    """Per-stop settings from ``[[stops]]``: frequency, weekdays, time window, duration, or leave it out."""

    id: str
    frequency_weeks: int | None = None
    weekdays: tuple[str, ...] = ()
    time_window: str | None = None
    duration_min: float | None = None
    exclude: bool = False


@dataclass(frozen=True, slots=True)
class OutreachWorker:
    """An outreach worker riding on runs: their agency's service kind and the weekdays they work."""

    name: str
    kind: str
    weekdays: tuple[str, ...]
    far_minutes: float = 20.0


@dataclass(frozen=True)
class RoundConfig:
    """A plan request, as read from TOML (see ``routes/example-2-vans.toml``)."""

    plan_id: str
    cycle_weeks: int
    start_date: date
    vans: tuple[VanConfig, ...]
    min_population: int = 50
    skip_with_library_km: float = 1.5
    overrides: Mapping[str, StopOverride] = field(default_factory=dict)
    outreach: OutreachWorker | None = None
    roads: str | None = None
    lock_from: str | None = None
    source: Path | None = None


def _fail(path: Path, field_name: str, problem: str) -> DataFileError:
    return DataFileError(path, problem, field=field_name)


def _get(
    table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: Path, where: str, default: Any
) -> Any:
    value = table.get(key, default)
    if value is default:
        return value
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _fail(path, f"{where}{key}", f"{value!r} is not {names}")
    return value


def _weekdays(values: Any, path: Path, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _fail(path, where, 'expected a list of weekdays such as ["Tue", "Thu"]')
    bad = [v for v in values if v not in WEEKDAYS]
    if bad:
        raise _fail(path, where, f"'{bad[0]}' is not a weekday; expected one of {', '.join(WEEKDAYS)}")
    return tuple(values)


def _window(text: Any, path: Path, where: str) -> str:
    try:
        start, end = (clock(part.strip()) for part in str(text).split("-"))
    except (ValueError, OutreachError):
        raise _fail(path, where, f"'{text}' is not a time window; expected HH:MM-HH:MM") from None
    if end <= start:
        raise _fail(path, where, f"'{text}' ends before it starts")
    return str(text)


def load_round_config(path: Path) -> RoundConfig:
    """Read and check a plan request.

    Raises
    ------
    DataFileError
        Naming the file and the field (e.g. ``vans[2].depot``) and what was expected.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(path, f"not valid TOML ({exc})") from None
    return parse_round_config(data, path)


def parse_round_config(data: Mapping[str, Any], path: Path) -> RoundConfig:
    """Check a plan request given as nested tables (TOML, or a web form), naming ``path`` in errors.

    Raises
    ------
    DataFileError
        Naming the field and what was expected.
    """
    plan = _get(data, "plan", dict, path, "", None)
    if plan is None:
        raise _fail(path, "plan", "missing; expected a [plan] table with id, cycle_weeks and start_date")
    plan_id = _get(plan, "id", str, path, "plan.", None) or path.stem
    cycle = _get(plan, "cycle_weeks", int, path, "plan.", 4)
    if not 1 <= cycle <= 4:
        raise _fail(path, "plan.cycle_weeks", f"{cycle} is out of range; expected 1 to 4")
    start_raw = plan.get("start_date")
    try:
        start = start_raw if isinstance(start_raw, date) else date.fromisoformat(str(start_raw))
    except ValueError:
        raise _fail(path, "plan.start_date", f"{start_raw!r} is not a date; expected YYYY-MM-DD (a Monday)") from None
    if start.weekday() != 0:
        raise _fail(path, "plan.start_date", f"{start} is a {WEEKDAYS[start.weekday()]}; expected a Monday")
    vans = []
    van_tables = _get(data, "vans", list, path, "", [])
    if not van_tables:
        raise _fail(path, "vans", "no van; expected at least one [[vans]] table")
    for i, table in enumerate(van_tables):
        where = f"vans[{i}]."
        depot = _get(table, "depot", str, path, where, "daventry")
        if depot not in DEFAULT_DEPOTS:
            raise _fail(path, f"{where}depot", f"unknown depot '{depot}'; expected one of {', '.join(DEFAULT_DEPOTS)}")
        shift = _window(_get(table, "shift", str, path, where, "09:30-16:30"), path, f"{where}shift")
        vans.append(
            VanConfig(
                id=_get(table, "id", str, path, where, f"van-{i + 1}"), depot=depot,
                shift_start=shift.split("-")[0].strip(), shift_end=shift.split("-")[1].strip(),
                lunch_minutes=float(_get(table, "lunch_minutes", (int, float), path, where, 30)),
                lunch_window=_window(_get(table, "lunch_window", str, path, where, "12:00-14:00"), path, f"{where}lunch_window"),
                weekdays=_weekdays(table.get("weekdays", list(WEEKDAYS[:5])), path, f"{where}weekdays"),
            )
        )  # fmt: skip
    overrides = {}
    for i, table in enumerate(_get(data, "stops", list, path, "", [])):
        where = f"stops[{i}]."
        stop_id = _get(table, "id", str, path, where, None)
        if stop_id is None:
            raise _fail(path, f"{where}id", "missing; expected the village id, e.g. kings-sutton")
        freq = _get(table, "frequency_weeks", int, path, where, None)
        if freq is not None and (freq < 1 or cycle % freq):
            raise _fail(path, f"{where}frequency_weeks", f"{freq} does not divide the {cycle}-week cycle")
        window = table.get("time_window")
        overrides[stop_id] = StopOverride(
            stop_id, freq, _weekdays(table.get("weekdays", []), path, f"{where}weekdays"),
            None if window is None else _window(window, path, f"{where}time_window"),
            _get(table, "duration_min", (int, float), path, where, None), bool(table.get("exclude", False)),
        )  # fmt: skip
    outreach = None
    if "outreach" in data:
        table = _get(data, "outreach", dict, path, "", {})
        outreach = OutreachWorker(
            name=_get(table, "name", str, path, "outreach.", "Outreach worker"),
            kind=_get(table, "kind", str, path, "outreach.", "victim-support"),
            weekdays=_weekdays(table.get("weekdays", []), path, "outreach.weekdays"),
            far_minutes=float(_get(table, "far_minutes", (int, float), path, "outreach.", 20)),
        )
    return RoundConfig(
        plan_id=plan_id, cycle_weeks=cycle, start_date=start, vans=tuple(vans),
        min_population=_get(plan, "min_population", int, path, "plan.", 50),
        skip_with_library_km=float(_get(plan, "skip_with_library_km", (int, float), path, "plan.", 1.5)),
        overrides=overrides, outreach=outreach, roads=_get(plan, "roads", str, path, "plan.", None),
        lock_from=_get(plan, "lock_from", str, path, "plan.", None), source=path,
    )  # fmt: skip


#: How strictly a re-plan keeps the published entries: weekday, weeks and time; weekday and weeks; nothing.
LOCK_LEVELS = ("time", "day", "none")


def build_problem(
    config: RoundConfig,
    data: Dataset,
    times: TravelTimes,
    *,
    locked: Timetable | None = None,
    lock: str = "time",
) -> PlanProblem:
    """The planner problem for a request: core-area villages as stops, the vans, road times, locks.

    Villages with an open static library within ``skip_with_library_km`` are
    left out (they have a library), as are those under ``min_population`` and
    those an override excludes. Entries of ``locked`` keep their weekday,
    weeks and time (``lock="time"``: their only pattern and a time window of
    their arrival), or their weekday and weeks (``lock="day"``).

    Raises
    ------
    ProblemError, OutreachError
        For an override naming an unknown village, or a request no van can serve.
    """
    libraries = list(data.directory.points_of(["library"], include_confidential=False))
    builder = ProblemBuilder(cycle_weeks=config.cycle_weeks, start_date=config.start_date, name=config.plan_id,
                             strict=False)  # fmt: skip
    for van in config.vans:
        builder.add_van(
            van.id, depot=DEFAULT_DEPOTS[van.depot], shift_start=van.shift_start, shift_end=van.shift_end,
            break_minutes=van.lunch_minutes, break_window=van.lunch_window, weekdays=list(van.weekdays),
        )  # fmt: skip
    known = {v.id for v in data.villages}
    unknown = [s for s in config.overrides if s not in known]
    if unknown:
        where = config.source or Path("plan request")
        raise DataFileError(where, f"no village with id '{unknown[0]}'", field="stops.id")
    if config.outreach is not None:
        facilities_of(data.directory, config.outreach.kind)  # an unknown kind is refused now, naming the known ones
    if lock not in LOCK_LEVELS:
        msg = f"lock '{lock}': expected one of {', '.join(LOCK_LEVELS)}"
        raise OutreachError(msg)
    previous = {s.id: s for s in locked.served_stops} if locked and lock != "none" else {}
    for village in data.villages:
        override = config.overrides.get(village.id)
        if override is not None and override.exclude:
            continue
        if override is None and (not village.in_core_area or village.population < config.min_population):
            continue
        if override is None and any(
            straight_line_m(village.lat, village.lon, p.lat, p.lon) / 1000 <= config.skip_with_library_km
            for p in libraries
        ):
            continue
        freq = (override.frequency_weeks if override else None) or PLANNER_DEFAULTS.visit_frequency(
            village.population, config.cycle_weeks
        )
        kwargs: dict[str, Any] = {
            "name": village.name, "lat": village.lat, "lon": village.lon, "population": village.population,
            "frequency_weeks": freq,
            "duration": (override.duration_min if override else None) or PLANNER_DEFAULTS.stop_duration(village.population),
        }  # fmt: skip
        if override and override.weekdays:
            kwargs["weekdays"] = list(override.weekdays)
        if override and override.time_window:
            kwargs["time_windows"] = [override.time_window]
        old = previous.get(village.id)
        if old is not None and old.entry is not None and old.frequency_weeks == freq:
            kwargs["weekdays"] = [old.entry.weekday]
            if lock == "time":
                kwargs["time_windows"] = [f"{old.entry.arrive}-{old.entry.arrive}"]
        builder.add_stop(village.id, **kwargs)
    problem = builder.build(
        travel=road_travel(times),
        network_source=f"{times.network.name}: {times.network.source}",
        approximate=times.approximate,
    )
    asked = [s for s in config.overrides if s in problem.unservable]
    if asked:
        # A stop the request names must be servable; villages picked automatically are reported as unserved instead.
        msg = f"stop '{asked[0]}' cannot be served: {problem.unservable[asked[0]].text}"
        raise OutreachError(msg)
    return _lock_weeks(problem, previous)


def _lock_weeks(problem: PlanProblem, previous: Mapping[str, Stop]) -> PlanProblem:
    """Locked stops keep their weeks too: their only pattern is the published one (weekday and phase)."""
    if not previous:
        return problem
    stops = []
    for stop in problem.stops:
        old = previous.get(stop.id)
        if old is not None and old.entry is not None and old.frequency_weeks == stop.frequency_weeks:
            phase, weekday = old.entry.weeks[0] - 1, WEEKDAYS.index(old.entry.weekday)
            kept = [p for p in stop.patterns if p.phase == phase and p.weekday == weekday]
            stop = replace(stop, patterns=tuple(kept) or stop.patterns)
        stops.append(stop)
    return replace(problem, stops=tuple(stops))


def assign_outreach(plan: Solution, worker: OutreachWorker, data: Dataset, times: TravelTimes) -> Outreach:
    """Choose, for each day the worker works, the run that reaches most people far from the agency's services.

    A stop's people count when the village is more than ``far_minutes`` by
    road from every open, public service point of the worker's kind (examples
    included: they stand for the agency's bases). One run per working day of
    the cycle; runs are chosen greedily by that population.
    """
    services = facilities_of(data.directory, worker.kind)
    stop_ids = [s.id for s in plan.problem.stops]
    villages = [data.villages.get(s) for s in stop_ids]
    present = [v for v in villages if v is not None]
    far: dict[str, int] = {}
    if present:
        nearest = times.nearest(present, services)
        for v, minutes in zip(present, nearest.minutes, strict=True):
            far[v.id] = v.population if minutes > worker.far_minutes else 0
    by_day: dict[tuple[int, str], list[tuple[int, str, int]]] = {}
    for run in plan.runs:
        if run.weekday_name not in worker.weekdays or run.week_number is None:
            continue
        score = sum(far.get(v.stop, 0) for v in run.visits)
        by_day.setdefault((run.week_number, run.weekday_name), []).append((score, run.van, run.week_number))
    chosen: list[tuple[str, int, str]] = []
    stops: set[str] = set()
    for (week, weekday), options in sorted(by_day.items()):
        score, van, _ = max(options, key=lambda o: (o[0], o[1]))
        if score <= 0:
            continue
        chosen.append((van, week, weekday))
        run = next(r for r in plan.runs if r.van == van and r.week_number == week and r.weekday_name == weekday)
        stops.update(v.stop for v in run.visits)
    return Outreach(
        worker.name,
        worker.kind,
        worker.weekdays,
        worker.far_minutes,
        tuple(RunKey(*k) for k in chosen),
        sum(far.get(s, 0) for s in stops),
    )


def timetable_changes(before: Timetable, after: Timetable) -> list[str]:
    """What a re-plan changed in the public timetable: entries added, removed, moved (weekday, weeks or time)."""

    def entries(timetable: Timetable) -> dict[str, tuple[str, tuple[int, ...], str, str]]:
        return {s.id: (e.weekday, e.weeks, e.arrive, e.depart) for s in timetable.stops if (e := s.entry) is not None}

    old, new = entries(before), entries(after)
    changes = [
        f"added {k}: {new[k][0]} weeks {list(new[k][1])} {new[k][2]}-{new[k][3]}"
        for k in sorted(new.keys() - old.keys())
    ]
    changes += [f"removed {k}" for k in sorted(old.keys() - new.keys())]
    for k in sorted(old.keys() & new.keys()):
        if old[k] != new[k]:
            changes.append(
                f"moved {k}: {old[k][0]} weeks {list(old[k][1])} {old[k][2]} -> {new[k][0]} weeks {list(new[k][1])} {new[k][2]}"
            )
    return changes
