"""The published timetable (``routes/<plan-id>/plan.json``) as frozen, typed records.

A :class:`Timetable` is what a scheduler publishes and everything downstream
reads: the exports beside ``plan.json``, the checker, the public pages, the
API and the locks of a re-plan. :meth:`Timetable.from_json` checks a document
against the shape DESIGN.md fixes (required fields, types, references between
runs, stops and vans) and raises :class:`~outreach_map.errors.DataFileError`
naming the file, the record and the field; :meth:`Timetable.to_json` writes it
back. Fields beyond the shape are welcome: each record keeps the ones it does
not model in ``extra`` and writes them back, so reading and writing a file
changes nothing (an optional field given as ``null`` is left out).

Times of day are ``"HH:MM"`` as in the file; weekdays are ``"Mon"`` .. ``"Sun"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..clock import WEEKDAYS, is_clock
from ..errors import DataFileError
from ..planner.problem import UnservedCode

__all__ = [
    "PLAN_ID_RE",
    "Entry",
    "Lunch",
    "Network",
    "Outreach",
    "Place",
    "Run",
    "RunKey",
    "SolverInfo",
    "Stop",
    "Timetable",
    "Totals",
    "Unserved",
    "Van",
    "Visit",
    "plan_id_problem",
]

Json = dict[str, Any]
_NUMBER = (int, float)


#: A timetable's id: it names its folder under routes/ and appears in URLs.
PLAN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def plan_id_problem(plan_id: str) -> str | None:
    """What is wrong with a timetable id (``None`` when it is fine); the message does not repeat the id."""
    if PLAN_ID_RE.match(plan_id) and ".." not in plan_id:
        return None
    return "expected 1 to 64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit"


@dataclass(frozen=True, slots=True)
class _Reader:
    """Typed look-ups in one JSON record; errors name the file, the record and the field."""

    path: Path
    data: Mapping[str, Any]
    where: str | None = None

    def fail(self, field_name: str, problem: str) -> DataFileError:
        return DataFileError(self.path, problem, record=self.where, field=field_name)

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def value(self, name: str, kind: type | tuple[type, ...]) -> Any:
        value = self.data.get(name)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(name, f"missing or not {names}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(name, f"{value} is not a finite number")
        return value

    def optional(self, name: str, kind: type | tuple[type, ...]) -> Any:
        return self.value(name, kind) if self.has(name) else None

    def clock(self, name: str, *, required: bool = True) -> str | None:
        if not required and not self.has(name):
            return None
        value = self.data.get(name)
        if not is_clock(value):
            raise self.fail(name, f"{value!r}; expected a time of day HH:MM")
        return str(value)

    def weekday(self, name: str) -> str:
        value = self.value(name, str)
        if value not in WEEKDAYS:
            raise self.fail(name, f"expected one of {', '.join(WEEKDAYS)}")
        return str(value)

    def weekdays(self, name: str) -> tuple[str, ...] | None:
        values = self.optional(name, list)
        if values is not None and not all(v in WEEKDAYS for v in values):
            raise self.fail(name, f"expected weekdays among {', '.join(WEEKDAYS)}")
        return None if values is None else tuple(values)

    def records(self, name: str, label: str) -> Iterator[_Reader]:
        for i, item in enumerate(self.value(name, list), start=1):
            where = f"{label} {i}" if self.where is None else f"{self.where} {label} {i}"
            if not isinstance(item, dict):
                raise DataFileError(self.path, "expected an object", record=where)
            yield _Reader(self.path, item, where)

    def table(self, name: str) -> _Reader:
        return _Reader(self.path, self.value(name, dict), self.where)

    def extra(self, known: Sequence[str]) -> Mapping[str, Any]:
        return {k: v for k, v in self.data.items() if k not in known}

    def unique(self, name: str, label: str, items: Sequence[Any]) -> dict[str, Any]:
        """``items`` (records with an ``id``) by id, refusing a repeated id."""
        by_id: dict[str, Any] = {}
        for i, item in enumerate(items, start=1):
            if item.id in by_id:
                raise DataFileError(self.path, f"duplicate id '{item.id}'; expected unique ids", record=f"{label} {i}")
            by_id[item.id] = item
        return by_id


def _put(out: Json, **values: Any) -> Json:
    """``out`` with the values that are not ``None``."""
    out.update({k: v for k, v in values.items() if v is not None})
    return out


@dataclass(frozen=True, slots=True)
class Place:
    """A van's depot: its name and WGS84 position (and an id where known)."""

    name: str
    lat: float
    lon: float
    id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, r: _Reader) -> Place:
        return cls(
            r.value("name", str), r.value("lat", _NUMBER), r.value("lon", _NUMBER), r.optional("id", str),
            r.extra(("id", "name", "lat", "lon")),
        )  # fmt: skip

    def to_json(self) -> Json:
        return _put({}, id=self.id) | {"name": self.name, "lat": self.lat, "lon": self.lon} | dict(self.extra)


@dataclass(frozen=True, slots=True)
class Van:
    """A van: its depot, shift (``HH:MM``), lunch break and working weekdays (``None``: not given)."""

    id: str
    depot: Place
    shift_start: str
    shift_end: str | None
    name: str | None = None
    break_minutes: float | None = None
    break_window: str | None = None
    weekdays: tuple[str, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("id", "name", "depot", "shift_start", "shift_end", "break_minutes", "break_window", "weekdays")

    @classmethod
    def from_json(cls, r: _Reader) -> Van:
        window = r.optional("break_window", str)
        parts = (window or "").split("-")
        if window is not None and (len(parts) != 2 or not all(is_clock(p) for p in parts)):
            raise r.fail("break_window", f"{window!r}; expected HH:MM-HH:MM")
        return cls(
            id=r.value("id", str), depot=Place.from_json(r.table("depot")), shift_start=str(r.clock("shift_start")),
            shift_end=r.clock("shift_end", required=False), name=r.optional("name", str),
            break_minutes=r.optional("break_minutes", _NUMBER), break_window=window, weekdays=r.weekdays("weekdays"),
            extra=r.extra(cls._KEYS),
        )  # fmt: skip

    def to_json(self) -> Json:
        out = _put({"id": self.id}, name=self.name)
        out |= {"depot": self.depot.to_json(), "shift_start": self.shift_start, "shift_end": self.shift_end}
        weekdays = None if self.weekdays is None else list(self.weekdays)
        return _put(out, break_minutes=self.break_minutes, break_window=self.break_window, weekdays=weekdays) | dict(
            self.extra
        )


@dataclass(frozen=True, slots=True)
class Entry:
    """A served stop's line in the public timetable: weekday, weeks of the cycle, times, van."""

    weekday: str
    weeks: tuple[int, ...]
    arrive: str
    depart: str
    van: str | None = None


@dataclass(frozen=True, slots=True)
class Stop:
    """A stop of the timetable; ``entry`` is its timetable entry when it is served (and the file says so)."""

    id: str
    name: str
    lat: float
    lon: float
    frequency_weeks: int
    duration_min: float
    population: int
    entry: Entry | None = None
    outreach: bool | None = None
    outreach_weeks: tuple[int, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("id", "name", "lat", "lon", "frequency_weeks", "duration_min", "population", "outreach",
             "weekday", "weeks", "arrive", "depart", "van", "outreach_weeks")  # fmt: skip

    @classmethod
    def from_json(cls, r: _Reader, cycle_weeks: int) -> Stop:
        frequency = r.value("frequency_weeks", int)
        if not 1 <= frequency <= cycle_weeks:
            raise r.fail("frequency_weeks", f"{frequency}; expected 1 to {cycle_weeks}")
        return cls(
            id=r.value("id", str), name=r.value("name", str), lat=r.value("lat", _NUMBER), lon=r.value("lon", _NUMBER),
            frequency_weeks=frequency, duration_min=r.value("duration_min", _NUMBER),
            population=r.value("population", int), entry=_entry(r, cycle_weeks), outreach=r.optional("outreach", bool),
            outreach_weeks=_weeks(r, "outreach_weeks", cycle_weeks, required=False), extra=r.extra(cls._KEYS),
        )  # fmt: skip

    def to_json(self) -> Json:
        out: Json = {"id": self.id, "name": self.name, "lat": self.lat, "lon": self.lon,
                     "frequency_weeks": self.frequency_weeks, "duration_min": self.duration_min,
                     "population": self.population}  # fmt: skip
        _put(out, outreach=self.outreach)
        if self.entry is not None:
            e = self.entry
            _put(out, weekday=e.weekday, weeks=list(e.weeks), arrive=e.arrive, depart=e.depart, van=e.van)
        if self.outreach_weeks:
            out["outreach_weeks"] = list(self.outreach_weeks)
        return out | dict(self.extra)


def _weeks(r: _Reader, name: str, cycle_weeks: int, *, required: bool = True) -> tuple[int, ...]:
    if not required and not r.has(name):
        return ()
    weeks = r.value(name, list)
    if not weeks or not all(isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= cycle_weeks for w in weeks):
        raise r.fail(name, f"expected a list of weeks from 1 to {cycle_weeks}")
    return tuple(weeks)


def _entry(r: _Reader, cycle_weeks: int) -> Entry | None:
    if not r.has("weekday"):
        return None
    return Entry(
        r.weekday("weekday"), _weeks(r, "weeks", cycle_weeks), str(r.clock("arrive")), str(r.clock("depart")),
        r.optional("van", str),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Visit:
    """A visit of a run: the stop (its id) and the times; ``outreach`` when the worker is on board."""

    stop: str
    arrive: str
    depart: str
    outreach: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, r: _Reader, stops: Mapping[str, Stop]) -> Visit:
        if r.data.get("stop") not in stops:
            raise r.fail("stop", "expected a visit whose 'stop' is the id of a stop in 'stops'")
        return cls(
            r.value("stop", str), str(r.clock("arrive")), str(r.clock("depart")), bool(r.optional("outreach", bool)),
            r.extra(("stop", "arrive", "depart", "outreach")),
        )  # fmt: skip

    def to_json(self) -> Json:
        out: Json = {"stop": self.stop, "arrive": self.arrive, "depart": self.depart}
        return (out | {"outreach": True} if self.outreach else out) | dict(self.extra)


@dataclass(frozen=True, slots=True)
class Lunch:
    """A run's lunch break."""

    start: str
    end: str


@dataclass(frozen=True, slots=True)
class RunKey:
    """Which run: van, week of the cycle (from 1) and weekday."""

    van: str
    week: int
    weekday: str

    def to_json(self) -> Json:
        return {"van": self.van, "week": self.week, "weekday": self.weekday}


@dataclass(frozen=True, slots=True)
class Run:
    """One van on one day of the cycle: the visits in order, driving, and (when known) times and lunch.

    ``outreach`` names the outreach worker riding on this run, if any.
    """

    van: str
    week: int
    weekday: str
    visits: tuple[Visit, ...]
    drive_min: float
    distance_km: float
    leave: str | None = None
    back: str | None = None
    lunch: Lunch | None = None
    outreach: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("van", "week", "weekday", "leave", "back", "lunch", "visits", "drive_min", "distance_km", "outreach")

    @property
    def key(self) -> RunKey:
        return RunKey(self.van, self.week, self.weekday)

    @classmethod
    def from_json(cls, r: _Reader, cycle_weeks: int, vans: Mapping[str, Van], stops: Mapping[str, Stop]) -> Run:
        if r.data.get("van") not in vans:
            raise r.fail("van", "expected the id of a van in 'vans'")
        week = r.value("week", int)
        if not 1 <= week <= cycle_weeks:
            raise r.fail("week", f"week {week}; expected 1 to {cycle_weeks}")
        weekday = r.weekday("weekday")
        visits = tuple(Visit.from_json(v, stops) for v in r.records("visits", "visit"))
        lunch = None
        if r.has("lunch"):
            table = r.table("lunch")
            lunch = Lunch(str(table.clock("start")), str(table.clock("end")))
        return cls(
            van=r.value("van", str), week=week, weekday=weekday, visits=visits, drive_min=r.value("drive_min", _NUMBER),
            distance_km=r.value("distance_km", _NUMBER), leave=r.clock("leave", required=False),
            back=r.clock("back", required=False), lunch=lunch, outreach=r.optional("outreach", str),
            extra=r.extra(cls._KEYS),
        )  # fmt: skip

    def to_json(self) -> Json:
        out = _put({"van": self.van, "week": self.week, "weekday": self.weekday}, leave=self.leave, back=self.back)
        if self.lunch is not None:
            out["lunch"] = {"start": self.lunch.start, "end": self.lunch.end}
        out |= {"visits": [v.to_json() for v in self.visits], "drive_min": self.drive_min,
                "distance_km": self.distance_km}  # fmt: skip
        return _put(out, outreach=self.outreach) | dict(self.extra)


@dataclass(frozen=True, slots=True)
class Unserved:
    """A stop not served, why (for people) and, when the file says, the code (for programs)."""

    stop: str
    reason: str
    code: UnservedCode | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, r: _Reader, stops: Mapping[str, Stop]) -> Unserved:
        if r.data.get("stop") not in stops:
            raise r.fail("stop", "expected the id of a stop in 'stops'")
        code = r.optional("code", str)
        if code is not None and code not in set(UnservedCode):
            raise r.fail("code", f"{code!r}; expected one of {', '.join(UnservedCode)}")
        return cls(
            r.value("stop", str), r.value("reason", str), None if code is None else UnservedCode(code),
            r.extra(("stop", "reason", "code")),
        )  # fmt: skip

    def to_json(self) -> Json:
        return _put({"stop": self.stop, "reason": self.reason}, code=self.code) | dict(self.extra)


@dataclass(frozen=True, slots=True)
class Network:
    """Where the travel times came from, and whether they are approximate."""

    source: str
    approximate: bool


@dataclass(frozen=True, slots=True)
class Outreach:
    """The outreach worker: who, which service kind, the days they work, and the runs they ride on.

    ``population_far_reached`` counts the people in the villages reached who
    live more than ``far_minutes`` from the agency's own services.
    """

    worker: str
    kind: str
    weekdays: tuple[str, ...]
    far_minutes: float
    runs: tuple[RunKey, ...]
    population_far_reached: int

    @classmethod
    def from_json(cls, r: _Reader, vans: Mapping[str, Van]) -> Outreach:
        keys = list(r.records("runs", "run"))
        if any(k.data.get("van") not in vans for k in keys):
            raise r.fail("runs", "expected runs whose 'van' is the id of a van in 'vans'")
        runs = tuple(RunKey(k.value("van", str), k.value("week", int), k.weekday("weekday")) for k in keys)
        return cls(
            r.value("worker", str), r.value("kind", str), r.weekdays("weekdays") or (),
            r.value("far_minutes", _NUMBER), runs, r.value("population_far_reached", int),
        )  # fmt: skip

    def to_json(self) -> Json:
        return {"worker": self.worker, "kind": self.kind, "weekdays": list(self.weekdays),
                "far_minutes": self.far_minutes, "runs": [k.to_json() for k in self.runs],
                "population_far_reached": self.population_far_reached}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Totals:
    """Totals over the cycle."""

    distance_km: float
    drive_min: float
    van_minutes: float
    population_served: int
    population_total: int

    @classmethod
    def from_json(cls, r: _Reader) -> Totals:
        return cls(
            r.value("distance_km", _NUMBER), r.value("drive_min", _NUMBER), r.value("van_minutes", _NUMBER),
            r.value("population_served", int), r.value("population_total", int),
        )  # fmt: skip

    def to_json(self) -> Json:
        return {"distance_km": self.distance_km, "drive_min": self.drive_min, "van_minutes": self.van_minutes,
                "population_served": self.population_served, "population_total": self.population_total}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SolverInfo:
    """How the timetable was planned."""

    method: str
    seed: int
    runtime_s: float

    @classmethod
    def from_json(cls, r: _Reader) -> SolverInfo:
        return cls(r.value("method", str), r.value("seed", int), r.value("runtime_s", _NUMBER))

    def to_json(self) -> Json:
        return {"method": self.method, "seed": self.seed, "runtime_s": self.runtime_s}


_TOP = ("plan_id", "cycle_weeks", "start_date", "vans", "stops", "runs", "unserved", "network", "outreach", "totals",
        "generated", "solver")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Timetable:
    """A published timetable: a cycle of ``cycle_weeks`` weeks from ``start_date`` (a Monday).

    Attributes
    ----------
    plan_id
        The folder name under ``routes/``.
    vans, stops, runs, unserved
        As in ``plan.json``; every run's van and every visit's stop refer to them.
    network
        Where the travel times came from.
    outreach, totals, generated, solver
        Written by the planner; ``None`` in a file that leaves them out.
    extra
        Top-level fields beyond these, kept as they are.
    """

    plan_id: str
    cycle_weeks: int
    start_date: date
    vans: tuple[Van, ...]
    stops: tuple[Stop, ...]
    runs: tuple[Run, ...]
    unserved: tuple[Unserved, ...]
    network: Network
    outreach: Outreach | None = None
    totals: Totals | None = None
    generated: str | None = None
    solver: SolverInfo | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    _stops: Mapping[str, Stop] = field(init=False, repr=False, compare=False)
    _vans: Mapping[str, Van] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_stops", {s.id: s for s in self.stops})
        object.__setattr__(self, "_vans", {v.id: v for v in self.vans})

    @property
    def served_stops(self) -> tuple[Stop, ...]:
        """The stops with a timetable entry."""
        return tuple(s for s in self.stops if s.entry is not None)

    def stop(self, stop_id: str) -> Stop:
        """A stop by id (``KeyError`` if there is none)."""
        return self._stops[stop_id]

    def van(self, van_id: str) -> Van:
        """A van by id (``KeyError`` if there is none)."""
        return self._vans[van_id]

    def first_date(self, week: int, weekday: str) -> date:
        """The date of a weekday of a week of the first cycle."""
        return self.start_date + timedelta(days=7 * (week - 1) + WEEKDAYS.index(weekday))

    @classmethod
    def from_json(cls, data: object, *, source: Path) -> Timetable:
        """Check a ``plan.json`` document and read it.

        Raises
        ------
        DataFileError
            Naming ``source``, the record (``stop 3``, ``run 2 visit 1``) and the field that is wrong.
        """
        if not isinstance(data, dict):
            raise DataFileError(source, "expected a JSON object")
        r = _Reader(source, data)
        cycle, start = _cycle(r)
        vans = r.unique("vans", "van", [Van.from_json(x) for x in r.records("vans", "van")])
        stops = r.unique("stops", "stop", [Stop.from_json(x, cycle) for x in r.records("stops", "stop")])
        return cls(
            plan_id=r.value("plan_id", str), cycle_weeks=cycle, start_date=start, vans=tuple(vans.values()),
            stops=tuple(stops.values()), runs=tuple(Run.from_json(x, cycle, vans, stops) for x in r.records("runs", "run")),
            unserved=tuple(Unserved.from_json(x, stops) for x in r.records("unserved", "unserved")),
            network=_network(r), outreach=Outreach.from_json(r.table("outreach"), vans) if r.has("outreach") else None,
            totals=Totals.from_json(r.table("totals")) if r.has("totals") else None,
            generated=r.optional("generated", str),
            solver=SolverInfo.from_json(r.table("solver")) if r.has("solver") else None, extra=r.extra(_TOP),
        )  # fmt: skip

    def to_json(self) -> Json:
        """The ``plan.json`` document (DESIGN.md's shape, and every other field the timetable has)."""
        out: Json = {
            "plan_id": self.plan_id, "cycle_weeks": self.cycle_weeks, "start_date": self.start_date.isoformat(),
            "vans": [v.to_json() for v in self.vans], "stops": [s.to_json() for s in self.stops],
            "runs": [r.to_json() for r in self.runs], "unserved": [u.to_json() for u in self.unserved],
            "network": {"source": self.network.source, "approximate": self.network.approximate},
        }  # fmt: skip
        if self.outreach is not None:
            out["outreach"] = self.outreach.to_json()
        if self.totals is not None:
            out["totals"] = self.totals.to_json()
        _put(out, generated=self.generated)
        if self.solver is not None:
            out["solver"] = self.solver.to_json()
        return out | dict(self.extra)


def _cycle(r: _Reader) -> tuple[int, date]:
    cycle = r.value("cycle_weeks", int)
    if not 1 <= cycle <= 4:
        raise r.fail("cycle_weeks", f"{cycle} is out of range; expected 1 to 4")
    try:
        start = date.fromisoformat(r.value("start_date", str))
    except ValueError:
        raise r.fail("start_date", "expected a date YYYY-MM-DD") from None
    if start.weekday() != 0:
        raise r.fail("start_date", f"{start} is a {WEEKDAYS[start.weekday()]}; expected a Monday")
    return cycle, start


def _network(r: _Reader) -> Network:
    table = r.table("network")
    return Network(table.value("source", str), table.value("approximate", bool))
