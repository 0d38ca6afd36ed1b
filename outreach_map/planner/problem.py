"""Plan requests: stops, vans, the cycle, and a builder that validates as you add.

Two kinds of horizon share one model:

- a **timetable** (``ProblemBuilder(cycle_weeks=R)``): a cycle of R weeks; day
  ``d = 7 * week + weekday`` (weeks and weekdays from 0, Monday = 0). A stop
  visited every ``f`` weeks (``f`` divides R) on one of its allowed weekdays has
  one *pattern* per (weekday, phase): the days ``7 * (phase + k f) + weekday``
  for ``k = 0 .. R/f - 1``. Every visit of a stop then falls on the same weekday,
  every ``f`` weeks; the planner also gives it the same clock time.
- a **general periodic** horizon (``ProblemBuilder(days=t)``), for the academic
  periodic VRP: each stop lists its allowed day patterns explicitly.

The builder checks each stop and van as it is added, then :meth:`ProblemBuilder.build`
freezes everything into an immutable :class:`PlanProblem` that holds a travel-time
(minutes) and distance (km) matrix over its locations. Times of day are minutes
after midnight; for benchmark instances, "minutes" and "km" are the instance's
own time and distance units.

Examples
--------
>>> b = ProblemBuilder(cycle_weeks=2)
>>> _ = b.add_van("van-1", depot=DEFAULT_DEPOTS["daventry"])
>>> _ = b.add_stop("badby", name="Badby", lat=52.2245, lon=-1.1780, population=640, frequency_weeks=2)
>>> problem = b.build()
>>> [len(s.patterns) for s in problem.stops]  # 5 weekdays x 2 phases
[10]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from ..errors import OutreachError

__all__ = [
    "CIRCUITY",
    "DEFAULT_BREAK_MINUTES",
    "DEFAULT_BREAK_WINDOW",
    "DEFAULT_DEPOTS",
    "DEFAULT_SHIFT_END",
    "DEFAULT_SHIFT_START",
    "DEFAULT_STOP_MINUTES",
    "DEFAULT_WEEKDAYS",
    "LOCAL_SPEED_KMH",
    "WEEKDAYS",
    "Day",
    "Location",
    "Pattern",
    "PlanProblem",
    "ProblemBuilder",
    "ProblemError",
    "Stop",
    "TimeWindow",
    "TravelFunction",
    "Van",
    "clock",
    "default_duration",
    "default_frequency",
    "format_clock",
    "straight_line_travel",
]

FloatArray = npt.NDArray[np.float64]

#: Weekday names, Monday first (index = weekday number).
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: A van day from 09:30 to 16:30 (real UK timetables: 09:30-10:00 to 16:30).
DEFAULT_SHIFT_START = 9 * 60 + 30.0
DEFAULT_SHIFT_END = 16 * 60 + 30.0
#: A 30-minute lunch taken between 12:00 and 14:00.
DEFAULT_BREAK_MINUTES = 30.0
#: Vans work Monday to Friday unless told otherwise.
DEFAULT_WEEKDAYS = (0, 1, 2, 3, 4)
#: The median stop of 5,482 real UK timetable stops lasts 20 minutes.
DEFAULT_STOP_MINUTES = 20.0
#: Road distance / straight line, and local speed, measured from 4,589 real mobile-library legs.
CIRCUITY = 1.32
LOCAL_SPEED_KMH = 40.0

_CLOCK_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ProblemError(OutreachError):
    """A plan request that is malformed or cannot be met (names the stop, van or field)."""


def clock(value: str | float) -> float:
    """Minutes after midnight from ``"HH:MM"`` (numbers pass through).

    Examples
    --------
    >>> clock("09:30")
    570.0
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _CLOCK_RE.match(str(value).strip())
    if match is None:
        msg = f"{value!r} is not a time of day; expected HH:MM"
        raise ProblemError(msg)
    return int(match.group(1)) * 60.0 + int(match.group(2))


def format_clock(minutes: float) -> str:
    """``"HH:MM"`` for minutes after midnight, rounded to the nearest minute.

    Examples
    --------
    >>> format_clock(615)
    '10:15'
    """
    total = round(minutes)
    return f"{total // 60:02d}:{total % 60:02d}"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """An interval of the day in minutes after midnight (both ends included).

    For a stop it bounds the *start* of the visit; for a lunch break the whole
    break must lie inside it.
    """

    start: float
    end: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)) or self.start < 0 or self.end < self.start:
            msg = f"time window {self.start}-{self.end} is invalid; expected 0 <= start <= end (minutes)"
            raise ProblemError(msg)

    @classmethod
    def parse(cls, value: TimeWindow | str | tuple[str | float, str | float]) -> TimeWindow:
        """From ``"HH:MM-HH:MM"``, a pair of clock strings or minutes, or a window."""
        if isinstance(value, TimeWindow):
            return value
        if isinstance(value, str):
            parts = value.split("-")
            if len(parts) != 2:
                msg = f"{value!r} is not a time window; expected HH:MM-HH:MM"
                raise ProblemError(msg)
            return cls(clock(parts[0]), clock(parts[1]))
        start, end = value
        return cls(clock(start), clock(end))

    @property
    def minutes(self) -> float:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{format_clock(self.start)}-{format_clock(self.end)}"


#: Lunch between 12:00 and 14:00.
DEFAULT_BREAK_WINDOW = TimeWindow(12 * 60.0, 14 * 60.0)


@dataclass(frozen=True, slots=True)
class Location:
    """A row of the problem's matrices: a depot or a stop's place.

    Geographic places have ``lat``/``lon`` (WGS84); benchmark instances have
    plane coordinates ``x``/``y``; a location given only as a matrix index has
    neither.
    """

    id: str
    name: str
    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None

    @property
    def has_latlon(self) -> bool:
        return self.lat is not None and self.lon is not None


#: The three market-town libraries that served as mobile-library depots.
DEFAULT_DEPOTS: Mapping[str, Location] = MappingProxyType(
    {
        "daventry": Location("daventry-library", "Daventry Library", 52.2569, -1.1607),
        "towcester": Location("towcester-library", "Towcester Library", 52.133774, -0.98914),
        "brackley": Location("brackley-library", "Brackley Library", 52.028614, -1.150353),
    }
)


def default_duration(population: int) -> float:
    """Minutes a van stays at a stop, by population band.

    Real UK timetables: median 20 minutes, middle half 15-30, 90th percentile
    45. Hamlets (under 250 people) get 15, villages under 1,000 get 20, under
    2,500 get 30, larger places 45.
    """
    if population < 250:
        return 15.0
    if population < 1000:
        return DEFAULT_STOP_MINUTES
    if population < 2500:
        return 30.0
    return 45.0


def default_frequency(population: int, cycle_weeks: int) -> int:
    """Weeks between visits, by population band, made to divide the cycle.

    Real UK timetables visit most stops every 4 weeks (2,455 stops), many
    fortnightly (1,605), fewer every 3 weeks (771) and few weekly (65). Here:
    5,000 people or more weekly, 1,500 or more fortnightly, else every 4 weeks;
    then the divisor of ``cycle_weeks`` nearest to that (the less frequent one on
    a tie).

    Examples
    --------
    >>> default_frequency(2000, 4), default_frequency(2000, 3), default_frequency(300, 4)
    (2, 3, 4)
    """
    wanted = 1 if population >= 5000 else 2 if population >= 1500 else 4
    divisors = [f for f in range(1, cycle_weeks + 1) if cycle_weeks % f == 0]
    return min(divisors, key=lambda f: (abs(f - wanted), -f))


@dataclass(frozen=True, slots=True)
class Day:
    """One day of the horizon: ``index`` into the problem's days.

    In a timetable ``week`` (0-based) and ``weekday`` (Monday = 0) are set and
    ``index = 7 * week + weekday``; in a general horizon both are ``None``.
    """

    index: int
    week: int | None = None
    weekday: int | None = None

    @property
    def label(self) -> str:
        if self.week is None or self.weekday is None:
            return f"day {self.index + 1}"
        return f"week {self.week + 1} {WEEKDAYS[self.weekday]}"


@dataclass(frozen=True, slots=True)
class Pattern:
    """A set of days on which a stop can be visited (one visit per day).

    ``weekday`` and ``phase`` (week of the first visit, 0-based) are set for
    timetable patterns.
    """

    days: frozenset[int]
    weekday: int | None = None
    phase: int | None = None


@dataclass(frozen=True, slots=True)
class Stop:
    """A place the van stops at (a village or a venue).

    Attributes
    ----------
    id
        Stable identifier, unique among stops.
    location
        Row of the problem's matrices.
    duration
        Minutes spent at the stop on each visit.
    visits
        Visits in the horizon (``cycle_weeks / frequency_weeks`` in a timetable).
    patterns
        Allowed day sets, each with ``visits`` days; the planner picks one.
    frequency_weeks
        Weeks between visits (timetables only).
    weekdays
        Allowed weekdays (timetables only).
    time_windows
        Allowed start times of a visit; empty means any time in the van's shift.
        With several windows the planner picks one, the same for every visit.
    population
        People served: the prize when van time is short.
    demand
        Load per visit against the van's capacity (benchmarks; 0 for a library).
    outreach
        Whether an outreach worker should ride to this stop (used by later steps).
    required
        A required stop must be served (benchmarks); otherwise stops are chosen
        to maximise population served when vans are short.
    """

    id: str
    name: str
    location: int
    duration: float
    visits: int
    patterns: tuple[Pattern, ...]
    frequency_weeks: int | None = None
    weekdays: tuple[int, ...] = ()
    time_windows: tuple[TimeWindow, ...] = ()
    population: int = 0
    demand: int = 0
    outreach: bool = False
    required: bool = False

    def __post_init__(self) -> None:
        if not self.patterns:
            msg = f"stop '{self.id}': no allowed day pattern"
            raise ProblemError(msg)
        if any(len(p.days) != self.visits for p in self.patterns):
            msg = f"stop '{self.id}': every pattern must have {self.visits} days (one per visit)"
            raise ProblemError(msg)


@dataclass(frozen=True, slots=True)
class Van:
    """A van (vehicle) with its depot, shift and working days.

    Attributes
    ----------
    depot
        Row of the problem's matrices where each run starts and ends.
    shift_start, shift_end
        Earliest departure and latest return, minutes after midnight;
        ``shift_end`` is ``None`` for no limit (benchmarks).
    break_minutes
        Length of the lunch break (0 for none); it lies inside ``break_window``.
    days
        Indices of the days the van works.
    weekdays
        Working weekdays (timetables only).
    capacity
        Load limit per run (``None`` for none).
    max_duration
        Limit on a run's duration from departure to return, including visits,
        waiting and the break (``None`` for none beyond the shift).
    """

    id: str
    name: str
    depot: int
    days: frozenset[int]
    shift_start: float = DEFAULT_SHIFT_START
    shift_end: float | None = DEFAULT_SHIFT_END
    break_minutes: float = DEFAULT_BREAK_MINUTES
    break_window: TimeWindow = DEFAULT_BREAK_WINDOW
    weekdays: tuple[int, ...] = ()
    capacity: int | None = None
    max_duration: float | None = None

    @property
    def available_minutes(self) -> float:
        """Minutes of a run available for driving and visits (shift and duration limits less the break)."""
        limits = [math.inf]
        if self.shift_end is not None:
            limits.append(self.shift_end - self.shift_start)
        if self.max_duration is not None:
            limits.append(self.max_duration)
        return min(limits) - self.break_minutes


@dataclass(frozen=True, eq=False)
class PlanProblem:
    """An immutable, validated plan request with its matrices.

    Attributes
    ----------
    stops, vans, days
        The stops, vans and days of the horizon (``days[i].index == i``).
    locations
        Rows of ``minutes`` and ``km``: depots and stops' places.
    minutes, km
        Travel time and road distance between locations.
    cycle_weeks, start_date
        The timetable cycle and its first Monday (``None`` in a general horizon).
    same_time
        Whether every visit of a stop must be at the same clock time (timetables).
    unservable
        Stops no van can serve, with the reason (only when built with
        ``strict=False``; a strict build raises instead).
    network
        Where the travel times come from, and whether they are approximate.
    """

    name: str
    stops: tuple[Stop, ...]
    vans: tuple[Van, ...]
    days: tuple[Day, ...]
    locations: tuple[Location, ...]
    minutes: FloatArray
    km: FloatArray
    cycle_weeks: int | None = None
    start_date: date | None = None
    same_time: bool = False
    unservable: Mapping[str, str] = field(default_factory=dict)
    network_source: str = "unspecified"
    approximate: bool = True

    def __post_init__(self) -> None:
        n = len(self.locations)
        for name, matrix in (("minutes", self.minutes), ("km", self.km)):
            if matrix.shape != (n, n):
                msg = f"the {name} matrix is {matrix.shape}; expected {n} x {n} (one row per location)"
                raise ProblemError(msg)
            if not np.isfinite(matrix).all() or (matrix < 0).any():
                msg = f"the {name} matrix has negative or missing values; expected finite values >= 0"
                raise ProblemError(msg)
            matrix.setflags(write=False)
        object.__setattr__(self, "unservable", MappingProxyType(dict(self.unservable)))
        object.__setattr__(self, "_stop_index", {s.id: i for i, s in enumerate(self.stops)})
        object.__setattr__(self, "_van_index", {v.id: i for i, v in enumerate(self.vans)})

    def stop_index(self, stop_id: str) -> int:
        """Index of a stop by id."""
        index: dict[str, int] = getattr(self, "_stop_index")  # noqa: B009
        if stop_id not in index:
            msg = f"no stop with id '{stop_id}'"
            raise ProblemError(msg)
        return index[stop_id]

    def van_index(self, van_id: str) -> int:
        """Index of a van by id."""
        index: dict[str, int] = getattr(self, "_van_index")  # noqa: B009
        if van_id not in index:
            msg = f"no van with id '{van_id}'"
            raise ProblemError(msg)
        return index[van_id]

    def vans_on(self, day: int) -> list[int]:
        """Indices of the vans working on a day."""
        return [i for i, v in enumerate(self.vans) if day in v.days]

    @property
    def timetable(self) -> bool:
        return self.cycle_weeks is not None


#: Builds the (minutes, km) matrices over a list of locations.
TravelFunction = Callable[[Sequence[Location]], tuple[FloatArray, FloatArray]]


def straight_line_travel(*, circuity: float = CIRCUITY, speed_kmh: float = LOCAL_SPEED_KMH) -> TravelFunction:
    """Approximate road travel from straight lines: distance x ``circuity`` at ``speed_kmh``.

    The defaults are the medians of 4,589 real mobile-library legs. Locations
    need ``lat``/``lon``.
    """

    def travel(locations: Sequence[Location]) -> tuple[FloatArray, FloatArray]:
        lat = np.radians([loc.lat for loc in locations if loc.lat is not None])
        lon = np.radians([loc.lon for loc in locations if loc.lon is not None])
        if lat.size != len(locations) or lon.size != len(locations):
            missing = next(loc for loc in locations if not loc.has_latlon)
            msg = f"location '{missing.id}' has no lat/lon; give matrices or coordinates"
            raise ProblemError(msg)
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
        km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))) * circuity
        return km / speed_kmh * 60.0, km

    return travel


def _weekday_list(value: Iterable[int | str], *, who: str) -> tuple[int, ...]:
    days: list[int] = []
    for item in value:
        if isinstance(item, str):
            name = item.strip()[:3].title()
            if name not in WEEKDAYS:
                msg = f"{who}: {item!r} is not a weekday; expected one of {', '.join(WEEKDAYS)}"
                raise ProblemError(msg)
            days.append(WEEKDAYS.index(name))
        elif isinstance(item, int) and 0 <= item <= 6:
            days.append(item)
        else:
            msg = f"{who}: {item!r} is not a weekday; expected 0 (Mon) to 6 (Sun) or a name"
            raise ProblemError(msg)
    return tuple(sorted(set(days)))


@dataclass
class _StopDraft:
    id: str
    name: str
    location: int
    duration: float
    frequency: int | None
    weekdays: tuple[int, ...]
    windows: tuple[TimeWindow, ...]
    population: int
    demand: int
    outreach: bool
    required: bool
    patterns: tuple[frozenset[int], ...] | None
    first_week: int | None = None


class ProblemBuilder:
    """Collects stops and vans, checking each as it is added; :meth:`build` freezes them.

    Give exactly one of ``cycle_weeks`` (a timetable of 1-4 weeks, or longer)
    and ``days`` (a general horizon, for benchmarks).

    Parameters
    ----------
    cycle_weeks
        Weeks in the timetable cycle.
    days
        Days in a general horizon.
    start_date
        First day of the cycle; must be a Monday.
    name
        A name for the plan.
    strict
        Refuse stops that no van can serve (too far for a shift, or no van on
        their weekdays) with an error; with ``strict=False`` they are kept and
        reported as unserved with the reason.
    same_time
        Require every visit of a stop at the same clock time (default: on for
        timetables, off for general horizons).
    """

    def __init__(
        self,
        *,
        cycle_weeks: int | None = None,
        days: int | None = None,
        start_date: date | None = None,
        name: str = "plan",
        strict: bool = True,
        same_time: bool | None = None,
    ) -> None:
        if (cycle_weeks is None) == (days is None):
            msg = "give exactly one of cycle_weeks (a timetable) and days (a general horizon)"
            raise ProblemError(msg)
        if cycle_weeks is not None and not (isinstance(cycle_weeks, int) and 1 <= cycle_weeks <= 52):
            msg = f"cycle_weeks is {cycle_weeks!r}; expected a whole number of weeks from 1 to 52"
            raise ProblemError(msg)
        if days is not None and not (isinstance(days, int) and 1 <= days <= 366):
            msg = f"days is {days!r}; expected a whole number of days from 1 to 366"
            raise ProblemError(msg)
        if start_date is not None and start_date.weekday() != 0:
            msg = f"start_date {start_date.isoformat()} is a {WEEKDAYS[start_date.weekday()]}; expected a Monday"
            raise ProblemError(msg)
        self.cycle_weeks = cycle_weeks
        self.n_days = 7 * cycle_weeks if cycle_weeks is not None else int(days or 0)
        self.start_date = start_date
        self.name = name
        self.strict = strict
        self.same_time = cycle_weeks is not None if same_time is None else same_time
        self._locations: list[Location] = []
        self._location_ids: dict[str, int] = {}
        self._stops: list[_StopDraft] = []
        self._vans: list[Van] = []

    # -- locations ---------------------------------------------------------------------------

    def add_location(
        self,
        id: str,
        *,
        name: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        x: float | None = None,
        y: float | None = None,
    ) -> int:
        """Add a matrix row (a depot or a place) and return its index; an existing id returns its row."""
        if id in self._location_ids:
            return self._location_ids[id]
        if (lat is None) != (lon is None):
            msg = f"location '{id}': give both lat and lon, or neither"
            raise ProblemError(msg)
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            msg = f"location '{id}': ({lat}, {lon}) is not a WGS84 position"
            raise ProblemError(msg)
        self._locations.append(Location(id, name or id, lat, lon, x, y))
        self._location_ids[id] = len(self._locations) - 1
        return len(self._locations) - 1

    def _resolve_location(
        self, who: str, where: Location | int | str | None, lat: float | None, lon: float | None
    ) -> int:
        if isinstance(where, Location):
            return self.add_location(where.id, name=where.name, lat=where.lat, lon=where.lon, x=where.x, y=where.y)
        if isinstance(where, str):
            if where in DEFAULT_DEPOTS:
                return self._resolve_location(who, DEFAULT_DEPOTS[where], None, None)
            if where not in self._location_ids:
                msg = f"{who}: no location '{where}'; add it first or give lat/lon"
                raise ProblemError(msg)
            return self._location_ids[where]
        if isinstance(where, int) and not isinstance(where, bool):
            if not 0 <= where < len(self._locations):
                msg = f"{who}: location index {where} is out of range; expected 0 to {len(self._locations) - 1}"
                raise ProblemError(msg)
            return where
        if lat is None or lon is None:
            msg = f"{who} has no coordinates; expected lat and lon (or a location)"
            raise ProblemError(msg)
        ident = who.split("'")[1] if "'" in who else who
        return self.add_location(ident, lat=lat, lon=lon)

    # -- vans --------------------------------------------------------------------------------

    def add_van(
        self,
        id: str,
        *,
        depot: Location | int | str,
        name: str | None = None,
        shift_start: str | float = DEFAULT_SHIFT_START,
        shift_end: str | float | None = DEFAULT_SHIFT_END,
        break_minutes: float = DEFAULT_BREAK_MINUTES,
        break_window: TimeWindow | str | tuple[str | float, str | float] = DEFAULT_BREAK_WINDOW,
        weekdays: Iterable[int | str] | None = None,
        days: Iterable[int] | None = None,
        capacity: int | None = None,
        max_duration: float | None = None,
    ) -> Van:
        """Add a van; ``weekdays`` in a timetable (default Monday-Friday), ``days`` in a general horizon.

        Raises
        ------
        ProblemError
            Duplicate id, no working day, a shift that ends before it starts, a
            break longer than the shift or outside it.
        """
        who = f"van '{id}'"
        if any(v.id == id for v in self._vans):
            msg = f"{who}: duplicate id; every van needs its own"
            raise ProblemError(msg)
        start = clock(shift_start)
        end = None if shift_end is None else clock(shift_end)
        if end is not None and end <= start:
            msg = f"{who}: shift ends ({format_clock(end)}) before it starts ({format_clock(start)})"
            raise ProblemError(msg)
        window = TimeWindow.parse(break_window)
        if break_minutes < 0 or not math.isfinite(break_minutes):
            msg = f"{who}: break of {break_minutes} minutes; expected 0 or more"
            raise ProblemError(msg)
        if break_minutes > 0:
            shift = math.inf if end is None else end - start
            if break_minutes >= shift:
                msg = f"{who}: a {break_minutes:g}-minute break is longer than the {shift:g}-minute shift"
                raise ProblemError(msg)
            lo, hi = max(window.start, start), min(window.end, math.inf if end is None else end)
            if hi - lo < break_minutes:
                msg = (
                    f"{who}: the {break_minutes:g}-minute break does not fit in its window {window} "
                    f"within the shift; expected a window inside the shift at least as long as the break"
                )
                raise ProblemError(msg)
        if capacity is not None and capacity < 0:
            msg = f"{who}: capacity {capacity}; expected 0 or more"
            raise ProblemError(msg)
        if max_duration is not None and max_duration <= break_minutes:
            msg = f"{who}: max_duration {max_duration:g} leaves no time beyond the break"
            raise ProblemError(msg)
        if self.cycle_weeks is not None:
            if days is not None:
                msg = f"{who}: a timetable van takes weekdays, not days"
                raise ProblemError(msg)
            wd = _weekday_list(DEFAULT_WEEKDAYS if weekdays is None else weekdays, who=who)
            working = frozenset(7 * w + d for w in range(self.cycle_weeks) for d in wd)
        else:
            if weekdays is not None:
                msg = f"{who}: a general-horizon van takes days, not weekdays"
                raise ProblemError(msg)
            wd = ()
            working = frozenset(range(self.n_days)) if days is None else frozenset(days)
            bad = [d for d in working if not (isinstance(d, int) and 0 <= d < self.n_days)]
            if bad:
                msg = f"{who}: day {bad[0]!r} is outside the horizon; expected 0 to {self.n_days - 1}"
                raise ProblemError(msg)
        if not working:
            msg = f"{who} has no working day; expected at least one weekday"
            raise ProblemError(msg)
        depot_index = self._resolve_location(who, depot, None, None)
        van = Van(
            id=id, name=name or id, depot=depot_index, days=working, shift_start=start, shift_end=end,
            break_minutes=float(break_minutes), break_window=window, weekdays=wd, capacity=capacity,
            max_duration=max_duration,
        )  # fmt: skip
        self._vans.append(van)
        return van

    # -- stops -------------------------------------------------------------------------------

    def add_stop(
        self,
        id: str,
        *,
        name: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        location: Location | int | str | None = None,
        duration: float | None = None,
        frequency_weeks: int | None = None,
        weekdays: Iterable[int | str] | None = None,
        time_windows: Iterable[TimeWindow | str | tuple[str | float, str | float]] = (),
        population: int = 0,
        demand: int = 0,
        outreach: bool = False,
        required: bool = False,
        patterns: Iterable[Iterable[int]] | None = None,
        first_week: int | None = None,
    ) -> None:
        """Add a stop.

        In a timetable, ``duration`` defaults by population (:func:`default_duration`)
        and ``frequency_weeks`` too (:func:`default_frequency`); ``weekdays`` are the
        allowed weekdays (default: any the vans work) and ``first_week`` (from 1,
        at most ``frequency_weeks``) fixes the weeks of the visits. A single
        weekday, ``first_week`` and a zero-width time window together lock a
        stop's timetable entry. In a general horizon give ``patterns``, the
        allowed day sets (default: any single day).

        Raises
        ------
        ProblemError
            Duplicate id, no coordinates, a frequency that does not divide the
            cycle, a bad duration, window or pattern.
        """
        who = f"stop '{id}'"
        if any(s.id == id for s in self._stops):
            msg = f"{who}: duplicate id; every stop needs its own"
            raise ProblemError(msg)
        if population < 0 or demand < 0:
            msg = f"{who}: population and demand must be 0 or more"
            raise ProblemError(msg)
        dur = default_duration(population) if duration is None else float(duration)
        if not (math.isfinite(dur) and dur >= 0):
            msg = f"{who}: duration {duration!r}; expected minutes >= 0"
            raise ProblemError(msg)
        windows = tuple(TimeWindow.parse(w) for w in time_windows)
        freq: int | None = None
        wd: tuple[int, ...] = ()
        explicit: tuple[frozenset[int], ...] | None = None
        if self.cycle_weeks is not None:
            if patterns is not None:
                msg = f"{who}: a timetable stop takes frequency_weeks and weekdays, not patterns"
                raise ProblemError(msg)
            freq = default_frequency(population, self.cycle_weeks) if frequency_weeks is None else frequency_weeks
            if not isinstance(freq, int) or freq < 1 or self.cycle_weeks % freq:
                divisors = [f for f in range(1, self.cycle_weeks + 1) if self.cycle_weeks % f == 0]
                msg = (
                    f"{who}: a visit every {freq} weeks does not divide the {self.cycle_weeks}-week cycle; "
                    f"expected one of {', '.join(map(str, divisors))}"
                )
                raise ProblemError(msg)
            wd = _weekday_list(range(7) if weekdays is None else weekdays, who=who)
            if not wd:
                msg = f"{who}: no allowed weekday"
                raise ProblemError(msg)
            if first_week is not None and not (isinstance(first_week, int) and 1 <= first_week <= freq):
                msg = f"{who}: first_week {first_week!r}; expected a week from 1 to {freq} (the visit frequency)"
                raise ProblemError(msg)
        else:
            if frequency_weeks is not None or weekdays is not None or first_week is not None:
                msg = f"{who}: a general-horizon stop takes patterns, not frequency_weeks or weekdays"
                raise ProblemError(msg)
            sets = (
                [frozenset([d]) for d in range(self.n_days)] if patterns is None else [frozenset(p) for p in patterns]
            )
            if not sets:
                msg = f"{who}: no allowed day pattern"
                raise ProblemError(msg)
            for p in sets:
                bad = [d for d in p if not (isinstance(d, int) and 0 <= d < self.n_days)]
                if bad or not p:
                    msg = f"{who}: pattern {sorted(p)} has a day outside the horizon 0-{self.n_days - 1}"
                    raise ProblemError(msg)
            if len({len(p) for p in sets}) != 1:
                msg = f"{who}: patterns have different numbers of days; expected one visit count"
                raise ProblemError(msg)
            explicit = tuple(dict.fromkeys(sets))
        if isinstance(location, Location | str) or (isinstance(location, int) and not isinstance(location, bool)):
            loc = self._resolve_location(who, location, None, None)
        else:
            loc = self._resolve_location(who, None, lat, lon)
            if name is not None:
                old = self._locations[loc]
                self._locations[loc] = Location(old.id, name, old.lat, old.lon, old.x, old.y)
        self._stops.append(
            _StopDraft(
                id,
                name or id,
                loc,
                dur,
                freq,
                wd,
                windows,
                int(population),
                int(demand),
                outreach,
                required,
                explicit,
                first_week,
            )
        )

    # -- build -------------------------------------------------------------------------------

    def build(
        self,
        *,
        minutes: npt.ArrayLike | None = None,
        km: npt.ArrayLike | None = None,
        travel: TravelFunction | None = None,
        network_source: str | None = None,
        approximate: bool | None = None,
    ) -> PlanProblem:
        """Freeze into a :class:`PlanProblem`.

        Travel comes from ``minutes`` and ``km`` (location x location, rows in
        the order locations were added), else from ``travel`` (e.g. a road
        network), else from straight lines (:func:`straight_line_travel`,
        labelled approximate).

        Raises
        ------
        ProblemError
            No van or no stop, bad matrices, and (when strict) any stop that no
            van can serve, naming the stop and why.
        """
        if not self._vans:
            msg = "no van; add at least one with add_van()"
            raise ProblemError(msg)
        if not self._stops:
            msg = "no stop; add at least one with add_stop()"
            raise ProblemError(msg)
        if (minutes is None) != (km is None):
            msg = "give both the minutes and the km matrix, or neither"
            raise ProblemError(msg)
        if minutes is not None and km is not None:
            t_matrix, d_matrix = np.array(minutes, dtype=float), np.array(km, dtype=float)
            source = network_source or "given matrices"
            approx = bool(approximate) if approximate is not None else False
        else:
            fn = travel or straight_line_travel()
            t_matrix, d_matrix = fn(self._locations)
            t_matrix, d_matrix = np.array(t_matrix, dtype=float), np.array(d_matrix, dtype=float)
            default_source = f"straight line x {CIRCUITY} at {LOCAL_SPEED_KMH:g} km/h"
            source = network_source or (default_source if travel is None else "travel function")
            approx = travel is None if approximate is None else approximate
        days = self._days()
        stops = [self._freeze_stop(s) for s in self._stops]
        problem = PlanProblem(
            name=self.name, stops=tuple(stops), vans=tuple(self._vans), days=days, locations=tuple(self._locations),
            minutes=t_matrix, km=d_matrix, cycle_weeks=self.cycle_weeks, start_date=self.start_date,
            same_time=self.same_time, network_source=source, approximate=approx,
        )  # fmt: skip
        unservable = {s.id: why for s in problem.stops if (why := unservable_reason(problem, s)) is not None}
        if unservable and self.strict:
            first = next(iter(unservable))
            more = f" (and {len(unservable) - 1} more)" if len(unservable) > 1 else ""
            msg = f"stop '{first}' cannot be served: {unservable[first]}{more}"
            raise ProblemError(msg)
        return PlanProblem(
            name=problem.name, stops=problem.stops, vans=problem.vans, days=days, locations=problem.locations,
            minutes=t_matrix, km=d_matrix, cycle_weeks=self.cycle_weeks, start_date=self.start_date,
            same_time=self.same_time, unservable=unservable, network_source=source, approximate=approx,
        )  # fmt: skip

    def _days(self) -> tuple[Day, ...]:
        if self.cycle_weeks is None:
            return tuple(Day(i) for i in range(self.n_days))
        return tuple(Day(7 * w + d, w, d) for w in range(self.cycle_weeks) for d in range(7))

    def _freeze_stop(self, s: _StopDraft) -> Stop:
        if s.patterns is not None:
            patterns = tuple(Pattern(p) for p in s.patterns)
            visits = len(s.patterns[0])
        else:
            assert self.cycle_weeks is not None and s.frequency is not None
            visits = self.cycle_weeks // s.frequency
            patterns = tuple(
                Pattern(frozenset(7 * (phase + k * s.frequency) + w for k in range(visits)), w, phase)
                for w in s.weekdays
                for phase in (range(s.frequency) if s.first_week is None else [s.first_week - 1])
            )
        return Stop(
            id=s.id, name=s.name, location=s.location, duration=s.duration, visits=visits, patterns=patterns,
            frequency_weeks=s.frequency, weekdays=s.weekdays, time_windows=s.windows, population=s.population,
            demand=s.demand, outreach=s.outreach, required=s.required,
        )  # fmt: skip


def unservable_reason(problem: PlanProblem, stop: Stop) -> str | None:
    """Why no van can ever serve ``stop`` (``None`` when some van can).

    Checks, for each van working on some day of an allowed pattern, that a
    run from its depot to the stop and back, with the visit and the break,
    fits the shift, the duration limit, the capacity and a time window.
    """
    working = [v for v in problem.vans if any(p.days & v.days for p in stop.patterns)]
    # a pattern is usable only if a van works on each of its days
    usable = [p for p in stop.patterns if all(problem.vans_on(d) for d in p.days)]
    if not working or not usable:
        if problem.timetable:
            names = ", ".join(WEEKDAYS[d] for d in stop.weekdays)
            return f"no van works on its allowed weekdays ({names})"
        return "no van works on any of its allowed day patterns"
    reasons: list[str] = []
    for van in working:
        out = float(problem.minutes[van.depot, stop.location])
        back = float(problem.minutes[stop.location, van.depot])
        if van.capacity is not None and stop.demand > van.capacity:
            reasons.append(f"its demand {stop.demand} exceeds van '{van.id}' capacity {van.capacity}")
            continue
        if out + stop.duration + back > van.available_minutes + 1e-9:
            reasons.append(
                f"farther than a shift allows: {out:.0f} min out + {stop.duration:g} min visit + {back:.0f} min back "
                f"from van '{van.id}' depot exceeds the {van.available_minutes:g} minutes available"
            )
            continue
        earliest = van.shift_start + out
        latest = math.inf if van.shift_end is None else van.shift_end - back - stop.duration
        windows = [(w.start, w.end) for w in stop.time_windows] or [(0.0, math.inf)]
        if not any(max(earliest, lo) <= min(latest, hi) + 1e-9 for lo, hi in windows):
            reasons.append(f"none of its time windows can be reached within van '{van.id}' shift")
            continue
        return None
    return "; ".join(dict.fromkeys(reasons))
