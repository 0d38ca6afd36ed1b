"""Stops of any area from a CSV file: ``id, name, lat, lon, duration_min, frequency_weeks`` and optional columns.

Optional columns: ``weekdays`` (allowed weekdays, e.g. ``Tue Thu``),
``window`` (``HH:MM-HH:MM``, when a visit may start), ``population``,
``community`` (the village; the public timetable names a stop
``community, name``), ``frequency_options`` (frequencies the ``service``
objective may choose, e.g. ``2 4``), ``preferred_weekday`` and ``same_run`` (a
label shared by stops visited together on one run, such as two sides of a
village). Every row is checked against the request's cycle and vans; a
mistake is a :class:`~outreach_map.errors.DataFileError` naming the file, the
line and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._readers import csv_rows
from ..clock import WEEKDAYS, clock
from ..errors import DataFileError, OutreachError

__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "StopRow", "read_stops_csv"]

REQUIRED_COLUMNS = ("id", "name", "lat", "lon", "duration_min", "frequency_weeks")
OPTIONAL_COLUMNS = (
    "weekdays", "window", "population", "community", "frequency_options", "preferred_weekday", "same_run",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StopRow:
    """A stop of a stops file, checked."""

    id: str
    name: str
    lat: float
    lon: float
    duration_min: float
    frequency_weeks: int
    line: int
    weekdays: tuple[str, ...] = ()
    window: str | None = None
    population: int = 0
    community: str | None = None
    frequency_options: tuple[int, ...] = ()
    preferred_weekday: str | None = None
    same_run: str | None = None

    @property
    def label(self) -> str:
        """The stop's name for people: ``community, name`` unless the name already says the community."""
        if self.community and self.community.lower() not in self.name.lower():
            return f"{self.community}, {self.name}"
        return self.name


@dataclass(frozen=True, slots=True)
class _Row:
    path: Path
    line: int
    values: dict[str, str]

    def fail(self, name: str, problem: str) -> DataFileError:
        return DataFileError(self.path, problem, line=self.line, field=name)

    def text(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def number(self, name: str, low: float, high: float, expected: str) -> float:
        raw = self.text(name)
        if not raw:
            raise self.fail(name, f"missing; expected {expected}")
        try:
            value = float(raw)
        except ValueError:
            raise self.fail(name, f"{raw!r} is not a number; expected {expected}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise self.fail(name, f"{raw} is out of range; expected {expected}")
        return value

    def frequency(self, name: str, raw: str, cycle: int) -> int:
        divisors = [f for f in range(1, cycle + 1) if cycle % f == 0]
        if not raw.isdigit() or int(raw) not in divisors:
            raise self.fail(
                name,
                f"every {raw!r} weeks does not divide the {cycle}-week cycle; expected one of "
                + ", ".join(map(str, divisors)),
            )
        return int(raw)

    def weekday(self, name: str, raw: str, working: Sequence[str]) -> str:
        day = raw[:3].title()
        if day not in WEEKDAYS:
            raise self.fail(name, f"{raw!r} is not a weekday; expected one of {', '.join(WEEKDAYS)}")
        if day not in working:
            raise self.fail(name, f"{day} is a weekday no van works; the vans work {', '.join(working)}")
        return day


def _words(raw: str) -> list[str]:
    return [w for w in re.split(r"[\s;,|/]+", raw) if w]


def _window(row: _Row) -> str | None:
    raw = row.text("window")
    if not raw:
        return None
    try:
        start, end = (clock(part.strip()) for part in raw.split("-"))
    except (ValueError, OutreachError):
        raise row.fail("window", f"{raw!r} is not a time window; expected HH:MM-HH:MM") from None
    if end < start:
        raise row.fail("window", f"{raw!r} ends before it starts")
    return raw


def _stop(row: _Row, cycle: int, working: Sequence[str], shift_minutes: float) -> StopRow:
    ident = row.text("id")
    if not ident:
        raise row.fail("id", "missing; expected an id for the stop")
    duration = row.number("duration_min", 0, 24 * 60, "minutes per visit")
    if duration > shift_minutes:
        raise row.fail(
            "duration_min", f"a {duration:g}-minute visit is longer than a shift ({shift_minutes:g} minutes less lunch)"
        )
    frequency = row.frequency("frequency_weeks", row.text("frequency_weeks"), cycle)
    options = tuple(
        sorted({row.frequency("frequency_options", w, cycle) for w in _words(row.text("frequency_options"))})
    )
    population = row.text("population") or "0"
    if not population.isdigit():
        raise row.fail("population", f"{population!r}; expected a whole number of people, 0 or more")
    preferred = row.text("preferred_weekday")
    return StopRow(
        id=ident, name=row.text("name") or ident, lat=row.number("lat", -90, 90, "a latitude (WGS84 degrees)"),
        lon=row.number("lon", -180, 180, "a longitude (WGS84 degrees)"), duration_min=duration,
        frequency_weeks=frequency, line=row.line,
        weekdays=tuple(row.weekday("weekdays", w, working) for w in _words(row.text("weekdays"))),
        window=_window(row), population=int(population), community=row.text("community") or None,
        frequency_options=options, preferred_weekday=row.weekday("preferred_weekday", preferred, working) if preferred else None,
        same_run=row.text("same_run") or None,
    )  # fmt: skip


def read_stops_csv(path: Path, *, cycle_weeks: int, weekdays: Sequence[str], shift_minutes: float) -> list[StopRow]:
    """Read and check a stops file.

    Parameters
    ----------
    cycle_weeks
        The timetable cycle: every frequency must divide it.
    weekdays
        The weekdays some van works: every weekday of a stop must be one of them.
    shift_minutes
        The longest shift less its lunch break: no visit may be longer.

    Raises
    ------
    DataFileError
        Naming the file, the line and the field: a missing or bad coordinate, a
        visit longer than a shift, a frequency that does not divide the cycle, a
        weekday no van works, a repeated id, a file with no stop.
    """
    stops: list[StopRow] = []
    seen: dict[str, int] = {}
    for line, values in csv_rows(path, REQUIRED_COLUMNS):
        row = _Row(path, line, values)
        stop = _stop(row, cycle_weeks, weekdays, shift_minutes)
        if stop.id in seen:
            raise row.fail("id", f"duplicate id '{stop.id}' (first on line {seen[stop.id]}); expected unique ids")
        seen[stop.id] = line
        stops.append(stop)
    if not stops:
        raise DataFileError(path, "no stop; expected a row per stop under the header")
    return stops
