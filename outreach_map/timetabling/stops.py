"""Which villages a timetable request serves, and how: stop selection.

Villages of the core area with at least ``min_population`` people and no open
static library within ``skip_with_library_km`` become stops, each with a
frequency and a visit length by population band (the planner settings) unless
a ``[[stops]]`` override says otherwise; an override can also add a village,
restrict its weekdays or time, or leave it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..dataset import Dataset
from ..directory import ServicePoint
from ..errors import DataFileError
from ..geodesy import straight_line_m
from ..places import Village
from .request import StopOverride, TimetableRequest

__all__ = ["StopChoice", "choose_stops"]


@dataclass(frozen=True, slots=True)
class StopChoice:
    """A village to serve, with its frequency, visit length and the weekdays and time windows it allows."""

    village: Village
    frequency_weeks: int
    duration_min: float
    weekdays: tuple[str, ...] = ()
    time_windows: tuple[str, ...] = ()


def choose_stops(request: TimetableRequest, data: Dataset) -> list[StopChoice]:
    """The stops of a request, in village order.

    Raises
    ------
    DataFileError
        For an override naming a village the data does not have.
    """
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


def _choice(request: TimetableRequest, village: Village, override: StopOverride | None) -> StopChoice:
    defaults = request.defaults
    frequency = (override.frequency_weeks if override else None) or defaults.visit_frequency(
        village.population, request.cycle_weeks
    )
    duration = (override.duration_min if override else None) or defaults.stop_duration(village.population)
    if override is None:
        return StopChoice(village, frequency, duration)
    windows = (override.time_window,) if override.time_window else ()
    return StopChoice(village, frequency, duration, override.weekdays, windows)
