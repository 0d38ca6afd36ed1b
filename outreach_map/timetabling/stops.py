"""Which stops a timetable request serves, and how: stop selection.

Villages of the core area with at least ``min_population`` people and no open
static library within ``skip_with_library_km`` become stops, each with a
frequency and a visit length by population band (the planner settings) unless
a ``[[stops]]`` override says otherwise; an override can also add a village,
restrict its weekdays or time, prefer a weekday, put it on one run with
others, or leave it out. A request with a stops file serves that file's stops
instead (any area), with the same overrides by stop id.

With the ``service`` objective a stop may be visited more often than its
frequency: its options are those it names, else every divisor of the cycle
from its frequency down to ``min_weeks_between_visits``; a frequency an
override sets without options is kept as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..dataset import Dataset
from ..directory import ServicePoint
from ..errors import DataFileError
from ..geodesy import straight_line_m
from ..places import Village
from .request import StopOverride, TimetableRequest

__all__ = ["StopChoice", "choose_stops", "frequency_options"]


@dataclass(frozen=True, slots=True)
class StopChoice:
    """A stop to serve (a village of the data or a row of a stops file), with its frequency, visit length,
    the weekdays and time windows it allows, and its wishes."""

    id: str
    name: str
    lat: float
    lon: float
    population: int
    frequency_weeks: int
    duration_min: float
    weekdays: tuple[str, ...] = ()
    time_windows: tuple[str, ...] = ()
    frequency_options: tuple[int, ...] = ()
    preferred_weekday: str | None = None
    same_run: str | None = None


def choose_stops(request: TimetableRequest, data: Dataset) -> list[StopChoice]:
    """The stops of a request, in village (or file) order.

    Raises
    ------
    DataFileError
        For an override naming a village (or a stop of the stops file) that does not exist.
    """
    if request.stop_rows:
        return _file_stops(request)
    known = {v.id for v in data.villages}
    unknown = [s for s in request.overrides if s not in known]
    if unknown:
        raise DataFileError(request.source, f"no village with id '{unknown[0]}'", field="stops.id")
    libraries = data.directory.points_of(["library"], include_confidential=False)
    chosen = []
    for village in data.villages:
        override = request.overrides.get(village.id)
        if override is None and not _picked(request, village, libraries):
            continue
        if override is not None and override.exclude:
            continue
        chosen.append(_choice(request, village, override))
    return chosen


def _picked(request: TimetableRequest, village: Village, libraries: Sequence[ServicePoint]) -> bool:
    """Whether a village no override names is picked: core area, large enough, no library near."""
    if not village.in_core_area or village.population < request.min_population:
        return False
    limit_m = request.skip_with_library_km * 1000
    return not any(straight_line_m(village.lat, village.lon, p.lat, p.lon) <= limit_m for p in libraries)


def frequency_options(request: TimetableRequest, frequency: int, named: tuple[int, ...]) -> tuple[int, ...]:
    """The frequencies a stop may be visited at: its own, and (``service``) those named or every divisor up to it."""
    if request.objective != "service":
        return ()
    least = request.min_weeks_between_visits or 1
    cycle = request.cycle_weeks
    options = named or tuple(f for f in range(1, frequency + 1) if cycle % f == 0)
    return tuple(sorted({frequency, *(f for f in options if f >= least)}))


def _choice(request: TimetableRequest, village: Village, override: StopOverride | None) -> StopChoice:
    defaults = request.defaults
    frequency = (override.frequency_weeks if override else None) or _at_least(
        request, defaults.visit_frequency(village.population, request.cycle_weeks)
    )
    duration = (override.duration_min if override else None) or defaults.stop_duration(village.population)
    base = StopChoice(village.id, village.name, village.lat, village.lon, village.population, frequency, duration)
    return _overridden(request, base, override, ())


def _at_least(request: TimetableRequest, frequency: int) -> int:
    """A frequency from the population bands, made no closer than ``min_weeks_between_visits``."""
    least = max(frequency, request.min_weeks_between_visits or 1)
    return min(f for f in range(least, request.cycle_weeks + 1) if request.cycle_weeks % f == 0)


def _overridden(
    request: TimetableRequest, base: StopChoice, override: StopOverride | None, named: tuple[int, ...]
) -> StopChoice:
    if override is None:
        return replace(base, frequency_options=frequency_options(request, base.frequency_weeks, named))
    windows = (override.time_window,) if override.time_window else base.time_windows
    # a frequency the override sets is kept as it is, unless it also names the options
    fixed = override.frequency_weeks is not None and not override.frequencies
    options = () if fixed else frequency_options(request, base.frequency_weeks, override.frequencies or named)
    return replace(
        base, weekdays=override.weekdays or base.weekdays, time_windows=windows, frequency_options=options,
        preferred_weekday=override.preferred_weekday or base.preferred_weekday,
        same_run=override.same_run or base.same_run,
    )  # fmt: skip


def _file_stops(request: TimetableRequest) -> list[StopChoice]:
    """The stops of the request's stops file, with the overrides by id."""
    rows = {r.id: r for r in request.stop_rows}
    unknown = [s for s in request.overrides if s not in rows]
    if unknown:
        raise DataFileError(request.source, f"no stop with id '{unknown[0]}' in {request.stops_file}", field="stops.id")
    chosen = []
    for row in request.stop_rows:
        override = request.overrides.get(row.id)
        if override is not None and override.exclude:
            continue
        frequency = (override.frequency_weeks if override else None) or row.frequency_weeks
        duration = (override.duration_min if override else None) or row.duration_min
        base = StopChoice(
            row.id, row.label, row.lat, row.lon, row.population, frequency, duration, row.weekdays,
            (row.window,) if row.window else (), (), row.preferred_weekday, row.same_run,
        )  # fmt: skip
        chosen.append(_overridden(request, base, override, row.frequency_options))
    return chosen
