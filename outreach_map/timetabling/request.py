"""A timetable request (``routes/*.toml``, or the schedulers' web form): read, checked, frozen.

The request names the cycle, the vans (by the town of their depot, a library of
the data, or coordinates), the stops (villages of the data, or a stops file of
any area), per-stop overrides, the objective and the fleet's limits, and an
outreach worker; everything it leaves out comes from the planner settings
(``[planner]`` in ``outreach.toml``). Every mistake is a
:class:`~outreach_map.errors.DataFileError` naming the file and the field
(``vans[1].depot``) and what was expected; an unknown key lists the known ones.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..clock import WEEKDAYS, clock
from ..config import PlannerSettings
from ..errors import DataFileError, OutreachError
from ..planner.problem import DEFAULT_PROXY, PLANNER_DEFAULTS, Location, ProxyModel
from ..planner.service import OBJECTIVES
from ..published.model import plan_id_problem
from .stopsfile import StopRow, read_stops_csv

__all__ = [
    "OBJECTIVES",
    "TRAVEL_MODELS",
    "OutreachWorker",
    "StopOverride",
    "TimetableRequest",
    "VanRequest",
    "load_request",
    "parse_request",
]


@dataclass(frozen=True, slots=True)
class VanRequest:
    """A van of the request: its depot (resolved from the town named), shift, lunch and working weekdays."""

    id: str
    depot: Location
    shift_start: str
    shift_end: str
    lunch_minutes: float
    lunch_window: str
    weekdays: tuple[str, ...]
    max_stops: int | None = None

    @property
    def shift_minutes(self) -> float:
        """Minutes of the shift less the lunch break."""
        return clock(self.shift_end) - clock(self.shift_start) - self.lunch_minutes


@dataclass(frozen=True, slots=True)
class StopOverride:
    """Per-stop settings from ``[[stops]]``: frequency and its options, weekdays (allowed, preferred), time window,
    duration, the stops it shares a run with, or leave it out."""

    id: str
    frequency_weeks: int | None = None
    weekdays: tuple[str, ...] = ()
    time_window: str | None = None
    duration_min: float | None = None
    exclude: bool = False
    frequencies: tuple[int, ...] = ()
    preferred_weekday: str | None = None
    same_run: str | None = None


@dataclass(frozen=True, slots=True)
class OutreachWorker:
    """An outreach worker riding on runs: their agency's service kind and the weekdays they work."""

    name: str
    kind: str
    weekdays: tuple[str, ...]
    far_minutes: float = 20.0


@dataclass(frozen=True)
class TimetableRequest:
    """A checked timetable request (see ``routes/example-2-vans.toml``).

    Attributes
    ----------
    min_population, skip_with_library_km
        Villages picked automatically have at least this many people and no
        open static library this close.
    overrides
        ``[[stops]]`` by village id.
    roads, lock_from
        A road network and a published timetable to keep entries of, if named.
    defaults
        The planner settings the request was read with (durations and
        frequencies of stops it does not set come from them).
    source
        The file (or form) it came from, for error messages.
    objective
        ``driving`` (least driving) or ``service`` (the fleet's van-days used to visit more
        often where it serves most people per van-hour, then least driving).
    balance
        Spread the work evenly over vans and days.
    min_weeks_between_visits
        Fewest weeks between two visits of a stop (also bounds how far ``service`` raises a frequency).
    stops_file, stop_rows
        A stops file of any area and its rows (then the villages of the data are not picked).
    travel, proxy
        ``roads`` (a road network) or ``proxy`` (straight line x a detour factor at a speed,
        approximate, for any set of points), and the proxy model's figures.
    """

    plan_id: str
    cycle_weeks: int
    start_date: date
    vans: tuple[VanRequest, ...]
    min_population: int = 50
    skip_with_library_km: float = 1.5
    overrides: Mapping[str, StopOverride] = field(default_factory=dict)
    outreach: OutreachWorker | None = None
    roads: str | None = None
    lock_from: str | None = None
    defaults: PlannerSettings = PLANNER_DEFAULTS
    source: Path = Path("plan request")
    objective: str = "driving"
    balance: bool = False
    min_weeks_between_visits: int | None = None
    stops_file: Path | None = None
    stop_rows: tuple[StopRow, ...] = ()
    travel: str = "roads"
    proxy: ProxyModel = DEFAULT_PROXY


#: Where travel times come from: a road network, or the proxy model for any set of points.
TRAVEL_MODELS = ("roads", "proxy")

#: The keys each table of a request may have (anything else is refused, listing these).
REQUEST_KEYS = ("plan", "vans", "stops", "outreach")
PLAN_KEYS = ("id", "cycle_weeks", "start_date", "min_population", "skip_with_library_km", "roads", "lock_from",
             "objective", "balance", "max_stops_per_run", "min_weeks_between_visits", "stops_file", "travel")  # fmt: skip
VAN_KEYS = ("id", "depot", "shift", "lunch_minutes", "lunch_window", "weekdays", "max_stops_per_run")
STOP_KEYS = (
    "id",
    "frequency_weeks",
    "frequencies",
    "weekdays",
    "preferred_weekday",
    "time_window",
    "duration_min",
    "exclude",
    "same_run",
)
OUTREACH_KEYS = ("name", "kind", "weekdays", "far_minutes")
DEPOT_KEYS = ("name", "lat", "lon")


@dataclass(frozen=True, slots=True)
class _Table:
    """A table of the request with typed look-ups; errors name the file and the dotted field."""

    values: Mapping[str, Any]
    path: Path
    where: str = ""

    def fail(self, name: str, problem: str) -> DataFileError:
        return DataFileError(self.path, problem, field=f"{self.where}{name}")

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(key, str, default)
        if value not in choices:
            raise self.fail(key, f"unknown {key} {value!r}; expected one of {', '.join(choices)}")
        return str(value)

    def count(self, key: str, low: int, high: int, what: str) -> int | None:
        value = self.get(key, int, None)
        if value is not None and not low <= value <= high:
            raise self.fail(key, f"{value} is out of range; expected {what} from {low} to {high}")
        return None if value is None else int(value)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = self.values.get(key, default)
        if value is default:
            return value
        numeric = kind in (int, float, (int, float))
        if not isinstance(value, kind) or (isinstance(value, bool) and numeric):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(key, f"{value!r} is not {names}")
        return value

    def only(self, *known: str) -> _Table:
        """Refuse a key the table does not have (a misspelt ``shfit`` is an error, never ignored)."""
        for key in self.values:
            if key not in known:
                raise self.fail(str(key)[:40], f"unknown setting; expected one of {', '.join(known)}")
        return self

    def tables(self, key: str) -> list[_Table]:
        """``[[key]]``: a list of tables, each with its place (``key[2].``) for error messages."""
        items = self.get(key, list, [])
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"{key}[{i}]", f"{item!r} is not a table; expected [[{key}]] with keys")
        return [_Table(item, self.path, f"{self.where}{key}[{i}].") for i, item in enumerate(items)]

    def table(self, key: str) -> _Table | None:
        value = self.get(key, dict, None)
        return None if value is None else _Table(value, self.path, f"{self.where}{key}.")

    def weekdays(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        values = self.values.get(key, list(default))
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self.fail(key, 'expected a list of weekdays such as ["Tue", "Thu"]')
        bad = [v for v in values if v not in WEEKDAYS]
        if bad:
            raise self.fail(key, f"'{bad[0]}' is not a weekday; expected one of {', '.join(WEEKDAYS)}")
        return tuple(values)

    def window(self, key: str, default: str | None) -> str | None:
        text = self.get(key, str, default)
        if text is None:
            return None
        try:
            start, end = (clock(part.strip()) for part in str(text).split("-"))
        except (ValueError, OutreachError):
            raise self.fail(key, f"'{text}' is not a time window; expected HH:MM-HH:MM") from None
        if end <= start:
            raise self.fail(key, f"'{text}' ends before it starts")
        return str(text)


def load_request(
    path: Path,
    *,
    depots: Mapping[str, Location],
    defaults: PlannerSettings = PLANNER_DEFAULTS,
    proxy: ProxyModel = DEFAULT_PROXY,
    stops_file: Path | None = None,
) -> TimetableRequest:
    """Read and check a timetable request (TOML).

    Parameters
    ----------
    depots
        The depots a van may name (:func:`~outreach_map.timetabling.depots.depot_choices`).
    defaults
        Settings for what the request leaves out.
    proxy
        The proxy model's detour factor and speed (the ``[roads]`` settings).
    stops_file
        A stops file to use instead of the one the request names.

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
    return parse_request(data, path, depots=depots, defaults=defaults, proxy=proxy, stops_file=stops_file)


def parse_request(
    data: Mapping[str, Any],
    path: Path,
    *,
    depots: Mapping[str, Location],
    defaults: PlannerSettings = PLANNER_DEFAULTS,
    proxy: ProxyModel = DEFAULT_PROXY,
    stops_file: Path | None = None,
) -> TimetableRequest:
    """Check a timetable request given as nested tables (TOML, or a web form), naming ``path`` in errors.

    A stops file the request names is read relative to the request's folder.

    Raises
    ------
    DataFileError
        Naming the field and what was expected.
    """
    top = _Table(data, path).only(*REQUEST_KEYS)
    plan = top.table("plan")
    if plan is None:
        raise top.fail("plan", "missing; expected a [plan] table with id, cycle_weeks and start_date")
    plan.only(*PLAN_KEYS)
    cycle = plan.get("cycle_weeks", int, 4)
    if not 1 <= cycle <= 4:
        raise plan.fail("cycle_weeks", f"{cycle} is out of range; expected 1 to 4")
    plan_id = plan.get("id", str, None) or path.stem
    problem = plan_id_problem(plan_id)
    if problem is not None:
        raise plan.fail("id", problem)
    for key in ("min_population", "skip_with_library_km"):
        if plan.get(key, (int, float), 0) < 0:
            raise plan.fail(key, "is negative; expected 0 or more")
    vans = _vans(top, depots, defaults, plan.count("max_stops_per_run", 1, 100, "stops per run"))
    named = plan.get("stops_file", str, None)
    file = stops_file or (None if named is None else path.parent / named)
    rows: tuple[StopRow, ...] = ()
    working = tuple(d for d in WEEKDAYS if any(d in v.weekdays for v in vans))
    if file is not None:
        shift = max(v.shift_minutes for v in vans)
        rows = tuple(read_stops_csv(file, cycle_weeks=cycle, weekdays=working, shift_minutes=shift))
    return TimetableRequest(
        plan_id=plan_id, cycle_weeks=cycle, start_date=_start_date(plan),
        vans=vans, min_population=plan.get("min_population", int, 50),
        skip_with_library_km=float(plan.get("skip_with_library_km", (int, float), 1.5)),
        overrides=_overrides(top, cycle, working), outreach=_outreach(top), roads=plan.get("roads", str, None),
        lock_from=plan.get("lock_from", str, None), defaults=defaults, source=path,
        objective=plan.choice("objective", OBJECTIVES, "driving"), balance=bool(plan.get("balance", bool, False)),
        min_weeks_between_visits=plan.count("min_weeks_between_visits", 1, cycle, "weeks"), stops_file=file,
        stop_rows=rows, travel=plan.choice("travel", TRAVEL_MODELS, "roads"), proxy=proxy,
    )  # fmt: skip


def _start_date(plan: _Table) -> date:
    raw = plan.values.get("start_date")
    if isinstance(raw, datetime):
        raise plan.fail("start_date", "has a time of day; expected a date only, YYYY-MM-DD (a Monday)")
    try:
        start = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    except ValueError:
        raise plan.fail("start_date", f"{raw!r} is not a date; expected YYYY-MM-DD (a Monday)") from None
    if start.weekday() != 0:
        raise plan.fail("start_date", f"{start} is a {WEEKDAYS[start.weekday()]}; expected a Monday")
    return start


def _depot(table: _Table, depots: Mapping[str, Location]) -> Location:
    """A van's depot: a town or a library of the data by name, or ``{name, lat, lon}``."""
    if isinstance(table.values.get("depot"), dict):
        where = _Table(table.values["depot"], table.path, f"{table.where}depot.")
        where.only(*DEPOT_KEYS)
        lat, lon = where.get("lat", (int, float), None), where.get("lon", (int, float), None)
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise where.fail("lat", "expected the depot's lat and lon (WGS84 degrees)")
        name = where.get("name", str, None) or "Depot"
        return Location(f"depot:{name.lower().replace(' ', '-')}", name, float(lat), float(lon))
    depot = table.get("depot", str, next(iter(depots), ""))
    by_name = {k.lower(): v for k, v in depots.items()}
    if depot.lower() not in by_name:
        towns = [k for k in depots if k.islower() and " " not in k]
        known = ", ".join(towns) or "a town with a library (this data has none)"
        raise table.fail(
            "depot", f"unknown depot '{depot}'; expected one of {known}, a library's name, or {{name, lat, lon}}"
        )
    return by_name[depot.lower()]


def _vans(
    top: _Table, depots: Mapping[str, Location], defaults: PlannerSettings, max_stops: int | None
) -> tuple[VanRequest, ...]:
    tables = top.tables("vans")
    if not tables:
        raise top.fail("vans", "no van; expected at least one [[vans]] table")
    vans = []
    for i, table in enumerate(tables):
        table.only(*VAN_KEYS)
        shift = table.window("shift", defaults.shift) or defaults.shift
        start, _, end = shift.partition("-")
        vans.append(
            VanRequest(
                id=table.get("id", str, f"van-{i + 1}"), depot=_depot(table, depots), shift_start=start.strip(),
                shift_end=end.strip(), lunch_minutes=float(table.get("lunch_minutes", (int, float), defaults.lunch_minutes)),
                lunch_window=table.window("lunch_window", defaults.lunch_window) or defaults.lunch_window,
                weekdays=table.weekdays("weekdays", defaults.weekdays),
                max_stops=table.count("max_stops_per_run", 1, 100, "stops per run") or max_stops,
            )
        )  # fmt: skip
    return tuple(vans)


def _overrides(top: _Table, cycle: int, working: tuple[str, ...] = WEEKDAYS) -> dict[str, StopOverride]:
    """The ``[[stops]]`` tables; ``working`` are the weekdays some van works (a stop's days must include one)."""
    overrides = {}
    for table in top.tables("stops"):
        table.only(*STOP_KEYS)
        stop_id = table.get("id", str, None)
        if stop_id is None:
            raise table.fail("id", "missing; expected the village id, e.g. kings-sutton")
        if stop_id in overrides:
            raise table.fail("id", f"{stop_id[:40]!r} appears twice; expected one [[stops]] table per stop")
        freq = table.get("frequency_weeks", int, None)
        if freq is not None and (freq < 1 or cycle % freq):
            raise table.fail("frequency_weeks", f"{freq} does not divide the {cycle}-week cycle")
        options = table.get("frequencies", list, [])
        if not all(isinstance(f, int) and not isinstance(f, bool) and f >= 1 and cycle % f == 0 for f in options):
            raise table.fail(
                "frequencies", f"{options!r}; expected weeks that divide the {cycle}-week cycle, e.g. [2, 4]"
            )
        preferred = table.get("preferred_weekday", str, None)
        if preferred is not None and preferred not in WEEKDAYS:
            raise table.fail(
                "preferred_weekday", f"'{preferred}' is not a weekday; expected one of {', '.join(WEEKDAYS)}"
            )
        if preferred is not None and preferred not in working:
            worked = ", ".join(working)
            raise table.fail("preferred_weekday", f"{preferred} is a weekday no van works; the vans work {worked}")
        days = table.weekdays("weekdays", ())
        if days and not set(days) & set(working):
            raise table.fail("weekdays", f"{', '.join(days)}: no van works them; the vans work {', '.join(working)}")
        overrides[stop_id] = StopOverride(
            stop_id, freq, days, table.window("time_window", None),
            table.get("duration_min", (int, float), None), bool(table.get("exclude", bool, False)), tuple(options),
            preferred, table.get("same_run", str, None),
        )  # fmt: skip
    return overrides


def _outreach(top: _Table) -> OutreachWorker | None:
    table = top.table("outreach")
    if table is None:
        return None
    table.only(*OUTREACH_KEYS)
    if table.get("far_minutes", (int, float), 20) < 0:
        raise table.fail("far_minutes", "is negative; expected minutes (0 or more)")
    return OutreachWorker(
        name=table.get("name", str, "Outreach worker"),
        kind=table.get("kind", str, "victim-support"),
        weekdays=table.weekdays("weekdays", ()),
        far_minutes=float(table.get("far_minutes", (int, float), 20)),
    )
