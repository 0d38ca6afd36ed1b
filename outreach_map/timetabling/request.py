"""A timetable request (``routes/*.toml``, or the schedulers' web form): read, checked, frozen.

The request names the cycle, the vans (by the town of their depot), per-stop
overrides and an outreach worker; everything it leaves out comes from the
planner settings (``[planner]`` in ``outreach.toml``). Every mistake is a
:class:`~outreach_map.errors.DataFileError` naming the file and the field
(``vans[1].depot``) and what was expected.
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
from ..planner.problem import PLANNER_DEFAULTS, Location
from ..published.model import plan_id_problem

__all__ = [
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


@dataclass(frozen=True, slots=True)
class _Table:
    """A table of the request with typed look-ups; errors name the file and the dotted field."""

    values: Mapping[str, Any]
    path: Path
    where: str = ""

    def fail(self, name: str, problem: str) -> DataFileError:
        return DataFileError(self.path, problem, field=f"{self.where}{name}")

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


#: The keys each table of a request may have.
REQUEST_KEYS = ("plan", "vans", "stops", "outreach")
PLAN_KEYS = ("id", "cycle_weeks", "start_date", "min_population", "skip_with_library_km", "roads", "lock_from")
VAN_KEYS = ("id", "depot", "shift", "lunch_minutes", "lunch_window", "weekdays")
STOP_KEYS = ("id", "frequency_weeks", "weekdays", "time_window", "duration_min", "exclude")
OUTREACH_KEYS = ("name", "kind", "weekdays", "far_minutes")


def load_request(
    path: Path, *, depots: Mapping[str, Location], defaults: PlannerSettings = PLANNER_DEFAULTS
) -> TimetableRequest:
    """Read and check a timetable request (TOML).

    Parameters
    ----------
    depots
        The depots a van may name (:func:`~outreach_map.timetabling.depots.market_town_depots`).
    defaults
        Settings for what the request leaves out.

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
    return parse_request(data, path, depots=depots, defaults=defaults)


def parse_request(
    data: Mapping[str, Any],
    path: Path,
    *,
    depots: Mapping[str, Location],
    defaults: PlannerSettings = PLANNER_DEFAULTS,
) -> TimetableRequest:
    """Check a timetable request given as nested tables (TOML, or a web form), naming ``path`` in errors.

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
    return TimetableRequest(
        plan_id=plan_id, cycle_weeks=cycle, start_date=_start_date(plan),
        vans=_vans(top, depots, defaults), min_population=plan.get("min_population", int, 50),
        skip_with_library_km=float(plan.get("skip_with_library_km", (int, float), 1.5)),
        overrides=_overrides(top, cycle), outreach=_outreach(top), roads=plan.get("roads", str, None),
        lock_from=plan.get("lock_from", str, None), defaults=defaults, source=path,
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


def _vans(top: _Table, depots: Mapping[str, Location], defaults: PlannerSettings) -> tuple[VanRequest, ...]:
    tables = top.tables("vans")
    if not tables:
        raise top.fail("vans", "no van; expected at least one [[vans]] table")
    vans = []
    for i, table in enumerate(tables):
        table.only(*VAN_KEYS)
        depot = table.get("depot", str, next(iter(depots), ""))
        if depot not in depots:
            known = ", ".join(depots) or "a town with a library (this data has none)"
            raise table.fail("depot", f"unknown depot '{depot}'; expected one of {known}")
        shift = table.window("shift", defaults.shift) or defaults.shift
        start, _, end = shift.partition("-")
        vans.append(
            VanRequest(
                id=table.get("id", str, f"van-{i + 1}"), depot=depots[depot], shift_start=start.strip(),
                shift_end=end.strip(), lunch_minutes=float(table.get("lunch_minutes", (int, float), defaults.lunch_minutes)),
                lunch_window=table.window("lunch_window", defaults.lunch_window) or defaults.lunch_window,
                weekdays=table.weekdays("weekdays", defaults.weekdays),
            )
        )  # fmt: skip
    return tuple(vans)


def _overrides(top: _Table, cycle: int) -> dict[str, StopOverride]:
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
        overrides[stop_id] = StopOverride(
            stop_id, freq, table.weekdays("weekdays", ()), table.window("time_window", None),
            table.get("duration_min", (int, float), None), bool(table.get("exclude", bool, False)),
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
