"""Coverage: who is how far from each kind of service, who is left out, and what would help.

Metrics follow the Department for Transport's Journey Time Statistics: for each
village, the minimum travel time to the nearest open service point of a kind;
for an area, the population-weighted average minimum time and the share of
people within 15, 30, 45 and 60 minutes. Confidential locations (refuges) are
never used: they are not walk-in services and their whereabouts must not leak
through a nearest-service column or a time.

The choice of new sites is in :mod:`outreach_map.siting`; this module turns
villages, services and a network into the tables planners read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ._readers import csv_rows, parse_float
from .clock import ICAL_WEEKDAYS
from .directory import Directory, Schedule, ServicePoint
from .errors import DataFileError, OutreachError, UnknownKindError
from .places import CORE_DISTRICTS, LAT_RANGE, LON_RANGE, Village
from .traveltime import TravelTimes

__all__ = [
    "JTS_THRESHOLDS",
    "AreaSummary",
    "CoverageGap",
    "CoverageResult",
    "Facility",
    "WhatIf",
    "check_threshold",
    "compute_coverage",
    "facilities_of",
    "load_candidate_sites",
    "village_candidates",
    "weekly_hours",
    "what_if",
]

#: The time bands of the DfT Journey Time Statistics, in minutes.
JTS_THRESHOLDS = (15, 30, 45, 60)
MAX_THRESHOLD_MIN = 240.0
CORE_AREA = "Former Daventry + South Northamptonshire"
WHOLE_AREA = "Whole bounding box"

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def check_threshold(minutes: float) -> float:
    """A travel-time threshold in minutes, refused when not positive or absurd (over 4 hours)."""
    if not math.isfinite(minutes) or not 0 < minutes <= MAX_THRESHOLD_MIN:
        msg = f"threshold {minutes:g} min is out of range; expected minutes above 0 and at most {MAX_THRESHOLD_MIN:g}"
        raise OutreachError(msg)
    return float(minutes)


@dataclass(frozen=True, slots=True)
class Facility:
    """A place where a kind of service can be had, for coverage.

    ``intervals`` are the weekly opening intervals ``(weekday 0-6, start
    minute, end minute)`` where the schedule is structured, else ``None``;
    ``weeks`` is how often they recur (1 = every week, 4 = every 4 weeks).
    """

    id: str
    name: str
    lat: float
    lon: float
    kind: str
    example: bool = False
    candidate: bool = False
    intervals: tuple[tuple[int, int, int], ...] | None = None
    weeks: int = 1

    @property
    def weekly_hours(self) -> float | None:
        """Average opening hours per week, or ``None`` when unknown."""
        if self.intervals is None:
            return None
        return sum(end - start for _, start, end in _merge(self.intervals)) / 60.0 / self.weeks


def _minutes_of(text: str | None) -> int | None:
    match = _TIME_RE.match(text or "")
    if match is None:
        return None
    return int(match.group(1)) * 60 + int(match.group(2))


def weekly_hours(schedules: Iterable[Schedule]) -> tuple[tuple[int, int, int], ...] | None:
    """Weekly intervals of structured schedules (``WEEKLY`` with days and times), else ``None``."""
    intervals = []
    for s in schedules:
        start, end = _minutes_of(s.opens_at), _minutes_of(s.closes_at)
        if s.freq != "WEEKLY" or (s.interval or 1) != 1 or not s.byday or start is None or end is None:
            return None
        end = 24 * 60 if end < start or s.closes_at in ("23:59:59", "23:59") else end
        intervals += [(ICAL_WEEKDAYS.index(day), start, end) for day in s.byday if day in ICAL_WEEKDAYS]
    return tuple(sorted(intervals)) if intervals else None


def _merge(intervals: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for day, start, end in sorted(intervals):
        if merged and merged[-1][0] == day and start <= merged[-1][2]:
            merged[-1] = (day, merged[-1][1], max(end, merged[-1][2]))
        else:
            merged.append((day, start, end))
    return merged


def facility_from_point(point: ServicePoint) -> Facility:
    """A directory service point as a facility (with its weekly hours where structured)."""
    schedules = point.schedules or point.service.schedules
    return Facility(
        id=point.id, name=point.service.name, lat=point.lat, lon=point.lon, kind=point.kind,
        example=point.example, intervals=weekly_hours(schedules) if schedules else None,
    )  # fmt: skip


def facilities_of(directory: Directory, kind: str, *, include_examples: bool = True) -> list[Facility]:
    """The open, non-confidential service points of a kind, as facilities.

    Raises
    ------
    UnknownKindError
        Listing the known kinds.
    """
    known = directory.kind_terms()
    if kind not in known:
        raise UnknownKindError(kind, known)
    return [
        facility_from_point(p)
        for p in directory.points_of([kind], include_confidential=False)
        if include_examples or not p.example
    ]


@dataclass(frozen=True, slots=True)
class AreaSummary:
    """Journey Time Statistics for an area: population-weighted average minimum time, % within each band."""

    area: str
    villages: int
    population: int
    average_minutes: float
    percent_within: Mapping[int, float]
    unreachable_population: int

    def as_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "area": self.area, "villages": self.villages, "population": self.population,
            "average_minutes": round(self.average_minutes, 1),
        }  # fmt: skip
        row |= {f"pct_within_{t}": round(p, 1) for t, p in self.percent_within.items()}
        return row


@dataclass(frozen=True, slots=True)
class CoverageGap:
    """A village beyond the threshold from every service point of a kind."""

    village: Village
    minutes: float
    nearest: Facility | None


@dataclass(frozen=True)
class CoverageResult:
    """Minimum travel time from every village to a kind of service.

    ``nearest[i]`` indexes ``facilities`` (-1 when none is reachable);
    ``minutes[i]`` is ``inf`` then.
    """

    kind: str
    mode: str
    threshold: float
    villages: tuple[Village, ...]
    facilities: tuple[Facility, ...]
    minutes: FloatArray
    nearest: IntArray
    approximate: bool
    network: str
    hours_within: tuple[float | None, ...] = field(default=())

    @property
    def uses_examples(self) -> bool:
        return any(f.example for f in self.facilities)

    def within(self, minutes: float | None = None) -> BoolArray:
        return self.minutes <= (self.threshold if minutes is None else minutes)

    def nearest_facility(self, i: int) -> Facility | None:
        j = int(self.nearest[i])
        return self.facilities[j] if j >= 0 else None

    def gaps(self, threshold: float | None = None) -> list[CoverageGap]:
        """Villages beyond the threshold, largest population first."""
        outside = np.flatnonzero(~self.within(threshold))
        gaps = [CoverageGap(self.villages[i], float(self.minutes[i]), self.nearest_facility(int(i))) for i in outside]
        return sorted(gaps, key=lambda g: (-g.village.population, g.village.name))

    def summaries(self, thresholds: Sequence[int] = JTS_THRESHOLDS) -> list[AreaSummary]:
        """Per core district, the core area, and the whole bounding box (a row that covers the same villages
        as one before it, such as the whole area when only the core area's villages were given, is left out)."""
        areas: list[tuple[str, BoolArray]] = []
        districts = np.array([v.district for v in self.villages])
        for district in CORE_DISTRICTS:
            areas.append((district, districts == district))
        areas.append((CORE_AREA, np.isin(districts, CORE_DISTRICTS)))
        areas.append((WHOLE_AREA, np.ones(len(self.villages), dtype=bool)))
        distinct = [(name, mask) for i, (name, mask) in enumerate(areas)
                    if mask.any() and not any(np.array_equal(mask, other) for _, other in areas[:i])]  # fmt: skip
        return [self._summary(name, mask, thresholds) for name, mask in distinct]

    def _summary(self, name: str, mask: BoolArray, thresholds: Sequence[int]) -> AreaSummary:
        population = np.array([v.population for v in self.villages], dtype=float)[mask]
        minutes = self.minutes[mask]
        total = float(population.sum())
        reachable = np.isfinite(minutes)
        weight = population[reachable]
        average = float((minutes[reachable] * weight).sum() / weight.sum()) if weight.sum() > 0 else math.inf
        pct = {t: 100.0 * float(population[minutes <= t].sum()) / total if total else 0.0 for t in thresholds}
        return AreaSummary(name, int(mask.sum()), int(total), average, pct, int(population[~reachable].sum()))

    def rows(self) -> list[dict[str, Any]]:
        """One row per village (the CSV the CLI writes)."""
        rows = []
        for i, v in enumerate(self.villages):
            facility = self.nearest_facility(i)
            minutes = float(self.minutes[i])
            hours = self.hours_within[i] if self.hours_within else None
            rows.append(
                {
                    "village_id": v.id, "name": v.name, "district": v.district, "population": v.population,
                    "population_source": v.population_source, "kind": self.kind, "mode": self.mode,
                    "nearest_service_id": facility.id if facility else "",
                    "nearest_service": facility.name if facility else "",
                    "nearest_is_example": bool(facility and facility.example),
                    "minutes": round(minutes, 1) if math.isfinite(minutes) else "",
                    "within_threshold": bool(minutes <= self.threshold),
                    **{f"within_{t}": bool(minutes <= t) for t in JTS_THRESHOLDS},
                    "hours_per_week_within_threshold": "" if hours is None else round(hours, 1),
                    "approximate": self.approximate,
                }
            )  # fmt: skip
        return rows


def compute_coverage(
    villages: Sequence[Village],
    facilities: Sequence[Facility],
    times: TravelTimes,
    *,
    kind: str,
    threshold: float,
) -> CoverageResult:
    """Nearest facility and minimum time for every village; hours available within the threshold.

    Facilities farther than the network's snap limit from any road are left
    out (they cannot be reached on this network).
    """
    threshold = check_threshold(threshold)
    nearest = times.nearest(villages, facilities)
    hours: tuple[float | None, ...] = ()
    if any(f.intervals is not None for f in facilities):
        hours = _hours_within(villages, facilities, times, threshold)
    return CoverageResult(
        kind=kind, mode=times.graph.mode, threshold=threshold, villages=tuple(villages),
        facilities=tuple(facilities), minutes=nearest.minutes, nearest=nearest.facility,
        approximate=times.approximate, network=times.network.name, hours_within=hours,
    )  # fmt: skip


def _hours_within(
    villages: Sequence[Village], facilities: Sequence[Facility], times: TravelTimes, threshold: float
) -> tuple[float | None, ...]:
    """Opening hours a week of the facilities each village reaches within the threshold.

    Weekly schedules are merged so overlapping hours count once; services
    that recur every few weeks add their hours divided by the weeks. ``None``
    where a reachable facility has no structured hours (then the total is unknown).
    Villages reaching the same set of facilities share one computation.
    """
    reachable = [facilities[j] for j in times.on_network(facilities)]
    if not reachable:
        return tuple(0.0 for _ in villages)
    within = np.isfinite(times.matrix(villages, reachable, limit_minutes=threshold, store_on_disk=True).minutes)
    memo: dict[bytes, float | None] = {}
    out: list[float | None] = []
    for row in within:
        key = np.packbits(row).tobytes()
        if key not in memo:
            near = [reachable[j] for j in np.flatnonzero(row)]
            if any(f.intervals is None for f in near):
                memo[key] = None
            else:
                weekly = [iv for f in near if f.weeks == 1 for iv in (f.intervals or ())]
                periodic = sum(f.weekly_hours or 0.0 for f in near if f.weeks != 1)
                memo[key] = sum(end - start for _, start, end in _merge(weekly)) / 60.0 + periodic
        out.append(memo[key])
    return tuple(out)


@dataclass(frozen=True)
class WhatIf:
    """The effect of adding and removing sites: before, after, and who moves in or out of coverage."""

    before: CoverageResult
    after: CoverageResult
    added: tuple[Facility, ...]
    removed: tuple[Facility, ...]

    @property
    def moved_in(self) -> list[Village]:
        gained = self.after.within() & ~self.before.within()
        return [self.before.villages[i] for i in np.flatnonzero(gained)]

    @property
    def moved_out(self) -> list[Village]:
        lost = self.before.within() & ~self.after.within()
        return [self.before.villages[i] for i in np.flatnonzero(lost)]

    def summary_changes(self) -> list[tuple[AreaSummary, AreaSummary]]:
        return list(zip(self.before.summaries(), self.after.summaries(), strict=True))


def what_if(
    villages: Sequence[Village],
    facilities: Sequence[Facility],
    times: TravelTimes,
    *,
    kind: str,
    threshold: float,
    add: Sequence[Facility] = (),
    remove: Sequence[str] = (),
) -> WhatIf:
    """Coverage before and after adding candidate sites and removing existing ones (by id).

    Raises
    ------
    OutreachError
        If an id to remove is not a service point of this kind.
    """
    by_id = {f.id: f for f in facilities}
    unknown = [r for r in remove if r not in by_id]
    if unknown:
        msg = f"cannot remove '{unknown[0]}': no open service point of kind '{kind}' has that id"
        raise OutreachError(msg)
    kept = [f for f in facilities if f.id not in set(remove)]
    before = compute_coverage(villages, facilities, times, kind=kind, threshold=threshold)
    after = compute_coverage(villages, [*kept, *add], times, kind=kind, threshold=threshold)
    return WhatIf(before, after, tuple(add), tuple(by_id[r] for r in remove))


def load_candidate_sites(path: Path, *, kind: str) -> list[Facility]:
    """Candidate venues from a CSV with columns ``id,name,lat,lon``.

    Raises
    ------
    DataFileError
        Naming the line and field of a bad row (missing column, duplicate id,
        coordinate that is not a number or not in Great Britain).
    """
    sites: list[Facility] = []
    seen: dict[str, int] = {}
    for line, row in csv_rows(path, ("id", "name", "lat", "lon")):
        if not row["id"]:
            raise DataFileError(path, "is empty; expected an identifier", line=line, field="id")
        if row["id"] in seen:
            msg = f"duplicate id '{row['id']}' (first on line {seen[row['id']]}); expected unique ids"
            raise DataFileError(path, msg, line=line, field="id")
        seen[row["id"]] = line
        if not row["name"]:
            raise DataFileError(path, "is empty; expected the venue's name", line=line, field="name")
        lat = parse_float(
            path, line, "lat", row["lat"], low=LAT_RANGE[0], high=LAT_RANGE[1], what="a latitude in Great Britain"
        )
        lon = parse_float(
            path, line, "lon", row["lon"], low=LON_RANGE[0], high=LON_RANGE[1], what="a longitude in Great Britain"
        )
        sites.append(Facility(id=row["id"], name=row["name"], lat=lat, lon=lon, kind=kind, candidate=True))
    if not sites:
        raise DataFileError(path, "has a header but no candidate sites")
    return sites


def village_candidates(villages: Iterable[Village], *, kind: str) -> list[Facility]:
    """Every village of the core area as a candidate site."""
    return [
        Facility(id=v.id, name=v.name, lat=v.lat, lon=v.lon, kind=kind, candidate=True)
        for v in villages
        if v.in_core_area
    ]
