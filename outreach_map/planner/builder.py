"""The builder of plan requests: validates each stop and van as it is added, then freezes.

Examples
--------
>>> b = ProblemBuilder(cycle_weeks=2)
>>> _ = b.add_van("van-1", depot=Location("daventry-library", "Daventry Library", 52.2569, -1.1607))
>>> _ = b.add_stop("badby", name="Badby", lat=52.2245, lon=-1.1780, population=640, frequency_weeks=2)
>>> problem = b.build()
>>> [len(s.patterns) for s in problem.stops]  # 5 weekdays x 2 phases
[10]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TypedDict, Unpack

import numpy as np
import numpy.typing as npt

from ..clock import WEEKDAYS, clock, format_clock
from ..config import PlannerSettings
from ..errors import ProblemError
from .problem import (
    DEFAULT_BREAK_MINUTES,
    DEFAULT_BREAK_WINDOW,
    DEFAULT_SHIFT_END,
    DEFAULT_SHIFT_START,
    DEFAULT_WEEKDAYS,
    PLANNER_DEFAULTS,
    Day,
    Location,
    Pattern,
    PlanProblem,
    ProxyModel,
    Reason,
    Stop,
    TimeWindow,
    TravelFunction,
    UnservedCode,
    Van,
)

__all__ = [
    "ProblemBuilder",
    "StopOptions",
    "VanOptions",
    "limit_stops",
    "timetable_patterns",
    "unservable_reason",
    "with_frequencies",
]


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


Window = TimeWindow | str | tuple[str | float, str | float]


class VanOptions(TypedDict, total=False):
    """Options of :meth:`ProblemBuilder.add_van`.

    Attributes
    ----------
    name
        For people (default: the id).
    shift_start, shift_end
        Earliest departure and latest return (``"HH:MM"`` or minutes; ``shift_end`` ``None`` for no limit).
    break_minutes, break_window
        The lunch break (0 for none) and the window it lies in.
    weekdays
        Working weekdays in a timetable (names or 0-6; default Monday-Friday).
    days
        Working days in a general horizon (default: every day).
    capacity, max_duration
        Load limit per run, and limit on a run's length (``None`` for none).
    max_stops
        Most stops on one run (``None`` for no limit; not with ``capacity``).
    """

    name: str | None
    shift_start: str | float
    shift_end: str | float | None
    break_minutes: float
    break_window: Window
    weekdays: Iterable[int | str] | None
    days: Iterable[int] | None
    capacity: int | None
    max_duration: float | None
    max_stops: int | None


class StopOptions(TypedDict, total=False):
    """Options of :meth:`ProblemBuilder.add_stop`.

    Attributes
    ----------
    name
        For people (default: the id).
    lat, lon, location
        Where: a position, or a location already added (its id, index or itself).
    duration
        Minutes per visit (default by population).
    frequency_weeks, weekdays, first_week
        In a timetable: weeks between visits, allowed weekdays, and the week of the first visit.
    time_windows
        Allowed start times of a visit.
    population, demand
        People served (the prize when van time is short) and load per visit.
    outreach, required
        An outreach worker should ride here; the stop must be served.
    patterns
        In a general horizon: the allowed day sets.
    frequency_options
        In a timetable: the frequencies (weeks) the ``service`` objective may choose from.
    min_weeks_between_visits
        In a timetable: the fewest weeks between two visits.
    preferred_weekday
        In a timetable: the weekday the stop would rather have.
    same_run
        A label: stops with the same one are visited together on the same run.
    """

    name: str | None
    lat: float | None
    lon: float | None
    location: Location | int | str | None
    duration: float | None
    frequency_weeks: int | None
    weekdays: Iterable[int | str] | None
    time_windows: Iterable[Window]
    population: int
    demand: int
    outreach: bool
    required: bool
    patterns: Iterable[Iterable[int]] | None
    first_week: int | None
    frequency_options: Iterable[int] | None
    min_weeks_between_visits: int | None
    preferred_weekday: int | str | None
    same_run: str | None


def _check_keys(method: str, options: Mapping[str, object], kind: type) -> None:
    """Refuse an option the method does not take, as Python would."""
    unknown = sorted(set(options) - set(kind.__annotations__))
    if unknown:
        msg = f"{method}() got an unexpected keyword argument '{unknown[0]}'"
        raise TypeError(msg)


def _check_break(who: str, minutes: float, window: TimeWindow, start: float, end: float | None) -> None:
    """A break of ``minutes`` must fit in its window within the shift."""
    if minutes < 0 or not math.isfinite(minutes):
        msg = f"{who}: break of {minutes} minutes; expected 0 or more"
        raise ProblemError(msg)
    if minutes == 0:
        return
    shift = math.inf if end is None else end - start
    if minutes >= shift:
        msg = f"{who}: a {minutes:g}-minute break is longer than the {shift:g}-minute shift"
        raise ProblemError(msg)
    lo, hi = max(window.start, start), min(window.end, math.inf if end is None else end)
    if hi - lo < minutes:
        msg = (
            f"{who}: the {minutes:g}-minute break does not fit in its window {window} "
            f"within the shift; expected a window inside the shift at least as long as the break"
        )
        raise ProblemError(msg)


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
    any_weekday: bool = False
    options: tuple[int, ...] = ()
    min_weeks: int | None = None
    preferred: int | None = None
    same_run: str | None = None


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
    defaults
        Stop durations and visit frequencies by population for stops that give
        none (default: :data:`~outreach_map.planner.problem.PLANNER_DEFAULTS`).
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
        defaults: PlannerSettings = PLANNER_DEFAULTS,
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
        self.defaults = defaults
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

    def add_van(self, id: str, *, depot: Location | int | str, **options: Unpack[VanOptions]) -> Van:
        """Add a van; ``weekdays`` in a timetable (default Monday-Friday), ``days`` in a general horizon.

        The options are those of :class:`VanOptions`: a shift from 09:30 to
        16:30 and a 30-minute lunch between 12:00 and 14:00 unless given.

        Raises
        ------
        ProblemError
            Duplicate id, no working day, a shift that ends before it starts, a
            break longer than the shift or outside it.
        """
        _check_keys("add_van", options, VanOptions)
        who = f"van '{id}'"
        if any(v.id == id for v in self._vans):
            msg = f"{who}: duplicate id; every van needs its own"
            raise ProblemError(msg)
        start = clock(options.get("shift_start", DEFAULT_SHIFT_START))
        shift_end = options.get("shift_end", DEFAULT_SHIFT_END)
        end = None if shift_end is None else clock(shift_end)
        if end is not None and end <= start:
            msg = f"{who}: shift ends ({format_clock(end)}) before it starts ({format_clock(start)})"
            raise ProblemError(msg)
        break_minutes = options.get("break_minutes", DEFAULT_BREAK_MINUTES)
        window = TimeWindow.parse(options.get("break_window", DEFAULT_BREAK_WINDOW))
        _check_break(who, break_minutes, window, start, end)
        capacity, max_duration = options.get("capacity"), options.get("max_duration")
        if capacity is not None and capacity < 0:
            msg = f"{who}: capacity {capacity}; expected 0 or more"
            raise ProblemError(msg)
        max_stops = options.get("max_stops")
        if max_stops is not None:
            if not isinstance(max_stops, int) or isinstance(max_stops, bool) or max_stops < 1:
                msg = f"{who}: max_stops {max_stops!r}; expected a whole number of stops, 1 or more"
                raise ProblemError(msg)
            if capacity is not None:
                msg = f"{who}: give capacity or max_stops, not both (max_stops is a capacity of one per stop)"
                raise ProblemError(msg)
            capacity = max_stops
        if max_duration is not None and max_duration <= break_minutes:
            msg = f"{who}: max_duration {max_duration:g} leaves no time beyond the break"
            raise ProblemError(msg)
        weekdays, working = self._working_days(who, options.get("weekdays"), options.get("days"))
        van = Van(
            id=id, name=options.get("name") or id, depot=self._resolve_location(who, depot, None, None), days=working,
            shift_start=start, shift_end=end, break_minutes=float(break_minutes), break_window=window,
            weekdays=weekdays, capacity=capacity, max_duration=max_duration, max_stops=max_stops,
        )  # fmt: skip
        self._vans.append(van)
        return van

    def _working_days(
        self, who: str, weekdays: Iterable[int | str] | None, days: Iterable[int] | None
    ) -> tuple[tuple[int, ...], frozenset[int]]:
        """A van's weekdays (timetables) and the indices of the days it works."""
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
        return wd, working

    # -- stops -------------------------------------------------------------------------------

    def add_stop(self, id: str, **options: Unpack[StopOptions]) -> None:
        """Add a stop (the options are those of :class:`StopOptions`).

        In a timetable, ``duration`` and ``frequency_weeks`` default by population
        (:meth:`~outreach_map.config.PlannerSettings.stop_duration` and
        :meth:`~outreach_map.config.PlannerSettings.visit_frequency`); ``weekdays`` are the
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
        _check_keys("add_stop", options, StopOptions)
        who = f"stop '{id}'"
        if any(s.id == id for s in self._stops):
            msg = f"{who}: duplicate id; every stop needs its own"
            raise ProblemError(msg)
        population, demand = options.get("population", 0), options.get("demand", 0)
        if population < 0 or demand < 0:
            msg = f"{who}: population and demand must be 0 or more"
            raise ProblemError(msg)
        duration = options.get("duration")
        minutes = self.defaults.stop_duration(population) if duration is None else float(duration)
        if not (math.isfinite(minutes) and minutes >= 0):
            msg = f"{who}: duration {duration!r}; expected minutes >= 0"
            raise ProblemError(msg)
        if self.cycle_weeks is not None:
            freq, wd = self._timetable_visits(who, options)
            explicit = None
            choices, min_weeks, preferred = self._fleet_options(who, freq, wd, options)
        else:
            freq, wd, explicit = None, (), self._general_patterns(who, options)
            choices, min_weeks, preferred = (), None, None
        same_run = options.get("same_run")
        if same_run is not None and (not isinstance(same_run, str) or not same_run.strip()):
            msg = f"{who}: same_run {same_run!r}; expected a label shared by the stops of one run"
            raise ProblemError(msg)
        self._stops.append(
            _StopDraft(
                id=id, name=options.get("name") or id, location=self._stop_location(who, options), duration=minutes,
                frequency=freq, weekdays=wd, windows=tuple(TimeWindow.parse(w) for w in options.get("time_windows", ())),
                population=int(population), demand=int(demand), outreach=options.get("outreach", False),
                required=options.get("required", False), patterns=explicit, first_week=options.get("first_week"),
                any_weekday=self.cycle_weeks is not None and options.get("weekdays") is None, options=choices,
                min_weeks=min_weeks, preferred=preferred, same_run=same_run,
            )
        )  # fmt: skip

    def _timetable_visits(self, who: str, options: StopOptions) -> tuple[int, tuple[int, ...]]:
        """A timetable stop's frequency (weeks) and allowed weekdays, checked against the cycle."""
        assert self.cycle_weeks is not None
        if options.get("patterns") is not None:
            msg = f"{who}: a timetable stop takes frequency_weeks and weekdays, not patterns"
            raise ProblemError(msg)
        freq = options.get("frequency_weeks")
        if freq is None:
            freq = self.defaults.visit_frequency(options.get("population", 0), self.cycle_weeks)
        if not isinstance(freq, int) or freq < 1 or self.cycle_weeks % freq:
            divisors = [f for f in range(1, self.cycle_weeks + 1) if self.cycle_weeks % f == 0]
            msg = (
                f"{who}: a visit every {freq} weeks does not divide the {self.cycle_weeks}-week cycle; "
                f"expected one of {', '.join(map(str, divisors))}"
            )
            raise ProblemError(msg)
        weekdays = options.get("weekdays")
        wd = _weekday_list(range(7) if weekdays is None else weekdays, who=who)
        if not wd:
            msg = f"{who}: no allowed weekday"
            raise ProblemError(msg)
        first_week = options.get("first_week")
        if first_week is not None and not (isinstance(first_week, int) and 1 <= first_week <= freq):
            msg = f"{who}: first_week {first_week!r}; expected a week from 1 to {freq} (the visit frequency)"
            raise ProblemError(msg)
        return freq, wd

    def _fleet_options(
        self, who: str, freq: int, weekdays: tuple[int, ...], options: StopOptions
    ) -> tuple[tuple[int, ...], int | None, int | None]:
        """A timetable stop's frequency options, least weeks between visits and preferred weekday, checked."""
        assert self.cycle_weeks is not None
        cycle = self.cycle_weeks
        min_weeks = options.get("min_weeks_between_visits")
        if min_weeks is not None and not (isinstance(min_weeks, int) and 1 <= min_weeks <= cycle):
            msg = f"{who}: min_weeks_between_visits {min_weeks!r}; expected a whole number of weeks from 1 to {cycle}"
            raise ProblemError(msg)
        raw = options.get("frequency_options")
        choices = sorted({freq, *(raw or ())})
        bad = [f for f in choices if not isinstance(f, int) or f < 1 or cycle % f]
        if bad:
            msg = f"{who}: frequency option {bad[0]!r} does not divide the {cycle}-week cycle"
            raise ProblemError(msg)
        if min_weeks is not None:
            if freq < min_weeks and cycle // freq > 1:
                msg = (
                    f"{who}: a visit every {freq} weeks is closer than min_weeks_between_visits {min_weeks}; "
                    f"expected every {min_weeks} weeks or less often"
                )
                raise ProblemError(msg)
            choices = [f for f in choices if f >= min_weeks]
        preferred = options.get("preferred_weekday")
        day = None
        if preferred is not None:
            day = _weekday_list([preferred], who=who)[0]
            if options.get("weekdays") is not None and day not in weekdays:
                names = ", ".join(WEEKDAYS[d] for d in weekdays)
                msg = f"{who}: preferred weekday {WEEKDAYS[day]} is not one of its allowed weekdays ({names})"
                raise ProblemError(msg)
        return tuple(choices), min_weeks, day

    def _general_patterns(self, who: str, options: StopOptions) -> tuple[frozenset[int], ...]:
        """A general-horizon stop's allowed day sets (any single day unless given), checked."""
        if any(options.get(k) is not None for k in ("frequency_weeks", "weekdays", "first_week")):
            msg = f"{who}: a general-horizon stop takes patterns, not frequency_weeks or weekdays"
            raise ProblemError(msg)
        patterns = options.get("patterns")
        sets = [frozenset([d]) for d in range(self.n_days)] if patterns is None else [frozenset(p) for p in patterns]
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
        return tuple(dict.fromkeys(sets))

    def _stop_location(self, who: str, options: StopOptions) -> int:
        """The stop's matrix row: a location given, else its own place at ``lat``/``lon`` (named after it)."""
        location, name = options.get("location"), options.get("name")
        if isinstance(location, Location | str) or (isinstance(location, int) and not isinstance(location, bool)):
            return self._resolve_location(who, location, None, None)
        loc = self._resolve_location(who, None, options.get("lat"), options.get("lon"))
        if name is not None:
            old = self._locations[loc]
            self._locations[loc] = Location(old.id, name, old.lat, old.lon, old.x, old.y)
        return loc

    # -- build -------------------------------------------------------------------------------

    def build(
        self,
        *,
        minutes: npt.ArrayLike | None = None,
        km: npt.ArrayLike | None = None,
        travel: TravelFunction | None = None,
        network_source: str | None = None,
        approximate: bool | None = None,
        proxy: ProxyModel | None = None,
        balance: bool = False,
    ) -> PlanProblem:
        """Freeze into a :class:`PlanProblem`.

        Travel comes from ``minutes`` and ``km`` (location x location, rows in
        the order locations were added), else from ``travel`` (e.g. a road
        network), else from the proxy model (straight lines x a detour factor at a
        speed, ``proxy`` or the measured defaults; labelled approximate).
        ``balance`` spreads the work over the vans and days (see :class:`PlanProblem`).

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
            if travel is None:
                proxy = proxy or ProxyModel()
            fn = travel or (proxy or ProxyModel()).travel()
            t_matrix, d_matrix = fn(self._locations)
            t_matrix, d_matrix = np.array(t_matrix, dtype=float), np.array(d_matrix, dtype=float)
            default_source = proxy.source if proxy is not None else "travel function"
            source = network_source or default_source
            approx = (travel is None or proxy is not None) if approximate is None else approximate
        days = self._days()
        stops = [self._freeze_stop(s) for s in self._stops]
        _check_groups(stops)
        problem = PlanProblem(
            name=self.name, stops=tuple(stops), vans=tuple(self._vans), days=days, locations=tuple(self._locations),
            minutes=t_matrix, km=d_matrix, cycle_weeks=self.cycle_weeks, start_date=self.start_date,
            same_time=self.same_time, network_source=source, approximate=approx, proxy=proxy, balance=balance,
        )  # fmt: skip
        unservable = {s.id: why for s in problem.stops if (why := unservable_reason(problem, s)) is not None}
        if unservable and self.strict:
            first = next(iter(unservable))
            more = f" (and {len(unservable) - 1} more)" if len(unservable) > 1 else ""
            msg = f"stop '{first}' cannot be served: {unservable[first].text}{more}"
            raise ProblemError(msg)
        return replace(problem, unservable=unservable)

    def _days(self) -> tuple[Day, ...]:
        if self.cycle_weeks is None:
            return tuple(Day(i) for i in range(self.n_days))
        return tuple(Day(7 * w + d, w, d) for w in range(self.cycle_weeks) for d in range(7))

    def _freeze_stop(self, s: _StopDraft) -> Stop:
        who = f"stop '{s.id}'"
        if s.patterns is not None:
            patterns = tuple(Pattern(p) for p in s.patterns)
            visits = len(s.patterns[0])
        else:
            assert self.cycle_weeks is not None and s.frequency is not None
            visits = self.cycle_weeks // s.frequency
            weekdays = s.weekdays
            if s.any_weekday:  # no weekdays given: those the vans work
                weekdays = tuple(sorted({d for v in self._vans for d in v.weekdays}))
            if s.preferred is not None and s.preferred not in {d for v in self._vans for d in v.weekdays}:
                msg = f"{who}: preferred weekday {WEEKDAYS[s.preferred]} is a weekday no van works"
                raise ProblemError(msg)
            patterns = timetable_patterns(weekdays, s.frequency, self.cycle_weeks, s.first_week)
            s = _StopDraft(**{**s.__dict__, "weekdays": weekdays})
        demand = s.demand
        if any(v.max_stops is not None for v in self._vans):
            if s.demand:
                msg = f"{who}: a demand of {s.demand} cannot be combined with vans' max_stops (one unit per stop)"
                raise ProblemError(msg)
            demand = 1
        return Stop(
            id=s.id, name=s.name, location=s.location, duration=s.duration, visits=visits, patterns=patterns,
            frequency_weeks=s.frequency, weekdays=s.weekdays, time_windows=s.windows, population=s.population,
            demand=demand, outreach=s.outreach, required=s.required, frequency_options=s.options,
            min_weeks_between_visits=s.min_weeks, preferred_weekday=s.preferred, same_run=s.same_run,
        )  # fmt: skip


def timetable_patterns(
    weekdays: Iterable[int], frequency: int, cycle_weeks: int, first_week: int | None = None
) -> tuple[Pattern, ...]:
    """A timetable stop's patterns: each allowed weekday, every ``frequency`` weeks from each phase (or ``first_week``)."""
    visits = cycle_weeks // frequency
    return tuple(
        Pattern(frozenset(7 * (phase + k * frequency) + w for k in range(visits)), w, phase)
        for w in weekdays
        for phase in (range(frequency) if first_week is None else [first_week - 1])
    )


def _check_groups(stops: list[Stop]) -> None:
    """Stops on the same run: at least two, one frequency, a common pattern, time windows on the first only."""
    groups: dict[str, list[Stop]] = {}
    for stop in stops:
        if stop.same_run is not None:
            groups.setdefault(stop.same_run, []).append(stop)
    for label, members in groups.items():
        who = f"same_run '{label}'"
        if len(members) < 2:
            msg = f"stop '{members[0].id}': {who} has no other stop; expected two or more stops with this label"
            raise ProblemError(msg)
        if len({m.frequency_weeks for m in members}) > 1 or len({m.visits for m in members}) > 1:
            msg = f"stop '{members[1].id}': {who} mixes frequencies; expected every stop of a run at one frequency"
            raise ProblemError(msg)
        if not frozenset.intersection(*(frozenset(p.days for p in m.patterns) for m in members)):
            msg = f"stop '{members[1].id}': {who} has no weekday and week that every stop of it allows"
            raise ProblemError(msg)
        windowed = [m.id for m in members[1:] if m.time_windows]
        if windowed:
            msg = f"stop '{windowed[0]}': {who}: only the first stop of a same-run group may have a time window"
            raise ProblemError(msg)


def with_frequencies(problem: PlanProblem, frequencies: Mapping[str, int]) -> PlanProblem:
    """The same request with some stops visited at another frequency (their weekdays kept), e.g. by the service objective.

    Raises
    ------
    ProblemError
        For a frequency that is not one of the stop's options.
    """
    if problem.cycle_weeks is None:
        msg = "only a timetable has visit frequencies"
        raise ProblemError(msg)
    stops = []
    for stop in problem.stops:
        f = frequencies.get(stop.id, stop.frequency_weeks)
        if f != stop.frequency_weeks and f is not None:
            if f not in stop.frequency_options:
                msg = f"stop '{stop.id}': every {f} weeks is not one of its frequency options {list(stop.frequency_options)}"
                raise ProblemError(msg)
            weekdays = sorted({p.weekday for p in stop.patterns if p.weekday is not None})
            patterns = timetable_patterns(weekdays, f, problem.cycle_weeks)
            stop = replace(stop, frequency_weeks=f, visits=problem.cycle_weeks // f, patterns=patterns)
        stops.append(stop)
    return replace(problem, stops=tuple(stops))


def limit_stops(problem: PlanProblem, most: int) -> PlanProblem:
    """The same request with every run limited to ``most`` stops (one unit of demand per stop against the vans).

    Raises
    ------
    ProblemError
        If stops carry another demand, or vans another capacity.
    """
    if any(s.demand not in (0, 1) for s in problem.stops) or any(
        v.capacity is not None and v.max_stops is None for v in problem.vans
    ):
        msg = "a limit on stops per run cannot be combined with loads and capacities"
        raise ProblemError(msg)
    vans = tuple(replace(v, max_stops=min(most, v.max_stops or most), capacity=min(most, v.max_stops or most))
                 for v in problem.vans)  # fmt: skip
    stops = tuple(replace(s, demand=1) for s in problem.stops)
    return replace(problem, vans=vans, stops=stops)


def unservable_reason(problem: PlanProblem, stop: Stop) -> Reason | None:
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
            return Reason(UnservedCode.NO_VAN_DAY, f"no van works on its allowed weekdays ({names})")
        return Reason(UnservedCode.NO_VAN_DAY, "no van works on any of its allowed day patterns")
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
    return Reason(UnservedCode.UNREACHABLE, "; ".join(dict.fromkeys(reasons)))
