"""Plan requests: stops, vans, the cycle, and a builder that validates as you add.

Two kinds of horizon share one model:

- a **timetable** (``cycle_weeks=R``): a cycle of R weeks; day
  ``d = 7 * week + weekday`` (weeks and weekdays from 0, Monday = 0). A stop
  visited every ``f`` weeks (``f`` divides R) on one of its allowed weekdays has
  one *pattern* per (weekday, phase): the days ``7 * (phase + k f) + weekday``
  for ``k = 0 .. R/f - 1``. Every visit of a stop then falls on the same weekday,
  every ``f`` weeks; the planner also gives it the same clock time.
- a **general periodic** horizon (``days=t``), for the academic
  periodic VRP: each stop lists its allowed day patterns explicitly.

:class:`~outreach_map.planner.builder.ProblemBuilder` checks each stop and van as
it is added, then freezes everything into an immutable :class:`PlanProblem` that
holds a travel-time (minutes) and distance (km) matrix over its locations. Times of day are minutes
after midnight; for benchmark instances, "minutes" and "km" are the instance's
own time and distance units.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..clock import WEEKDAYS, clock, format_clock
from ..config import PlannerSettings
from ..errors import ProblemError

if TYPE_CHECKING:
    from ..traveltime import TravelTimes

__all__ = [
    "CIRCUITY",
    "DEFAULT_BREAK_MINUTES",
    "DEFAULT_BREAK_WINDOW",
    "DEFAULT_PROXY",
    "DEFAULT_SHIFT_END",
    "DEFAULT_SHIFT_START",
    "DEFAULT_WEEKDAYS",
    "LOCAL_SPEED_KMH",
    "PLANNER_DEFAULTS",
    "Day",
    "Location",
    "Pattern",
    "PlanProblem",
    "ProxyModel",
    "Reason",
    "Stop",
    "TimeWindow",
    "TravelFunction",
    "UnservedCode",
    "Van",
    "road_travel",
    "straight_line_travel",
]

FloatArray = npt.NDArray[np.float64]

#: The planner's defaults (real UK timetables), from :class:`~outreach_map.config.PlannerSettings`.
PLANNER_DEFAULTS = PlannerSettings()
#: A van day from 09:30 to 16:30, in minutes after midnight.
DEFAULT_SHIFT_START = clock(PLANNER_DEFAULTS.shift_start)
DEFAULT_SHIFT_END = clock(PLANNER_DEFAULTS.shift_end)
#: A 30-minute lunch (taken between 12:00 and 14:00: :data:`DEFAULT_BREAK_WINDOW`).
DEFAULT_BREAK_MINUTES = PLANNER_DEFAULTS.lunch_minutes
#: Vans work Monday to Friday unless told otherwise (weekday numbers).
DEFAULT_WEEKDAYS = tuple(WEEKDAYS.index(d) for d in PLANNER_DEFAULTS.weekdays)
#: Road distance / straight line, and local speed, measured from 4,589 real mobile-library legs.
CIRCUITY = 1.32
LOCAL_SPEED_KMH = 40.0


class UnservedCode(StrEnum):
    """Why a stop is not served, for programs (``code`` of an unserved stop in ``plan.json``)."""

    #: Too far for a shift, too heavy for the van, or its time windows cannot be reached.
    UNREACHABLE = "unreachable"
    #: No van works on its allowed days.
    NO_VAN_DAY = "no_van_day"
    #: Not enough van time: lower priority than the served stops, or no run has room.
    VAN_TIME = "van_time"
    #: One clock time could not be kept on every visit.
    SAME_TIME = "same_time"
    #: No room around the lunch break and the time windows.
    LUNCH = "lunch"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a stop is not served: a code for programs, a sentence for people (set where the reason is known)."""

    code: UnservedCode
    text: str

    def __str__(self) -> str:
        return self.text


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
DEFAULT_BREAK_WINDOW = TimeWindow.parse(PLANNER_DEFAULTS.lunch_window)


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
    frequency_options
        Frequencies (weeks) the stop may be visited at, its own included; the
        ``service`` objective raises the frequency within them (timetables only).
    min_weeks_between_visits
        Fewest weeks between two visits of the stop (timetables; ``None``: no limit).
    preferred_weekday
        A weekday the stop would rather be visited on (kept where the vans allow it).
    same_run
        Stops with the same label are visited together, one after the other, on the same run.
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
    frequency_options: tuple[int, ...] = ()
    min_weeks_between_visits: int | None = None
    preferred_weekday: int | None = None
    same_run: str | None = None

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
    max_stops
        Most stops on one run (``None`` for no limit); enforced as a capacity
        with one unit of demand per visit.
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
    max_stops: int | None = None

    @property
    def available_minutes(self) -> float:
        """Minutes of a run available for driving and visits (shift and duration limits less the break)."""
        limits = [math.inf]
        if self.shift_end is not None:
            limits.append(self.shift_end - self.shift_start)
        if self.max_duration is not None:
            limits.append(self.max_duration)
        return min(limits) - self.break_minutes


@dataclass(frozen=True, slots=True)
class ProxyModel:
    """The proxy travel model: road distance = straight line x ``detour``, driven at ``speed_kmh`` (approximate)."""

    detour: float = CIRCUITY
    speed_kmh: float = LOCAL_SPEED_KMH

    def __post_init__(self) -> None:
        if not (math.isfinite(self.detour) and 1.0 <= self.detour <= 3.0):
            msg = f"detour factor {self.detour}; expected a number from 1 to 3 (road distance / straight line)"
            raise ProblemError(msg)
        if not (math.isfinite(self.speed_kmh) and 5.0 <= self.speed_kmh <= 130.0):
            msg = f"speed {self.speed_kmh} km/h; expected 5 to 130"
            raise ProblemError(msg)

    @property
    def source(self) -> str:
        return f"proxy model: straight line x {self.detour:g} at {self.speed_kmh:g} km/h (approximate)"

    def travel(self) -> TravelFunction:
        return straight_line_travel(circuity=self.detour, speed_kmh=self.speed_kmh)


#: The proxy model with the measured figures.
DEFAULT_PROXY = ProxyModel()


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
        Stops no van can serve, with the :class:`Reason` (only when built with
        ``strict=False``; a strict build raises instead).
    network
        Where the travel times come from, and whether they are approximate.
    proxy
        The proxy travel model the matrices come from, if they do (a checker recomputes them from it).
    balance
        Spread the work evenly over the vans and days: the engine limits every run to a few
        more stops than the visits per van-day (written on the vans as ``max_stops``).
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
    unservable: Mapping[str, Reason] = field(default_factory=dict)
    network_source: str = "unspecified"
    approximate: bool = True
    proxy: ProxyModel | None = None
    balance: bool = False

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

    @property
    def van_days(self) -> int:
        """Days worked by all the vans over the horizon."""
        return sum(len(v.days) for v in self.vans)

    @property
    def visits(self) -> int:
        """Visits asked for over the horizon (every stop at its frequency)."""
        return sum(s.visits for s in self.stops)


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


@dataclass(frozen=True, slots=True)
class _Spot:
    id: str
    lat: float
    lon: float


def road_travel(times: TravelTimes) -> TravelFunction:
    """Travel by road on a network: minutes and km between locations (zero on the diagonal).

    Locations need ``lat``/``lon``; they are snapped to the network as any place is.
    """

    def travel(locations: Sequence[Location]) -> tuple[FloatArray, FloatArray]:
        missing = [loc.id for loc in locations if loc.lat is None or loc.lon is None]
        if missing:
            msg = f"location '{missing[0]}' has no lat/lon; a road network needs coordinates"
            raise ProblemError(msg)
        spots = [_Spot(loc.id, float(loc.lat or 0.0), float(loc.lon or 0.0)) for loc in locations]
        matrix = times.matrix(spots, spots, with_distance=True, store_on_disk=True)
        metres = matrix.metres if matrix.metres is not None else np.zeros_like(matrix.seconds)
        minutes, km = matrix.minutes.copy(), metres / 1000.0
        np.fill_diagonal(minutes, 0.0)
        np.fill_diagonal(km, 0.0)
        return minutes, km

    return travel
