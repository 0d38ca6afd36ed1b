"""The site's own JSON beyond Open Referral: villages, coverage, and published timetables.

Pure functions for :mod:`outreach_map.web.api` (``/api/villages``,
``/api/coverage``, ``/api/plans/<id>``). Confidential locations never reach
them: coverage uses only public service points, and a timetable that would
reveal one is withheld (:func:`outreach_map.published.public_timetable`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .coverage import CoverageResult, check_threshold
from .directory import Directory
from .errors import OutreachError, QueryError
from .places import Village
from .published import Timetable, public_timetable
from .queryargs import choice_arg, number_arg
from .roads import MODES

__all__ = ["CoverageQuery", "coverage_json", "parse_coverage_query", "timetable_json", "villages_json"]

Json = dict[str, Any]


def villages_json(villages: Iterable[Village]) -> Json:
    """Every village with its position, district and population (and where the figure comes from)."""
    rows = [
        {"id": v.id, "name": v.name, "kind": v.kind, "lat": v.lat, "lon": v.lon, "district": v.district,
         "population": v.population, "population_source": v.population_source, "estimated": v.estimated}
        for v in villages
    ]  # fmt: skip
    return {"total_items": len(rows), "villages": rows}


@dataclass(frozen=True, slots=True)
class CoverageQuery:
    """A coverage request: service kind, threshold in minutes, mode, and whether to leave out examples."""

    kind: str = "library"
    threshold: float = 15.0
    mode: str = "drive"
    real_only: bool = False


def parse_coverage_query(args: Mapping[str, str], kinds: Sequence[str]) -> CoverageQuery:
    """``kind``, ``threshold`` (minutes), ``mode`` and ``real_only`` (true or false).

    Raises
    ------
    QueryError
        Naming the parameter that cannot be used.
    """
    kind = choice_arg(args, "kind", kinds, "library" if "library" in kinds else kinds[0]) or kinds[0]
    threshold = number_arg(args, "threshold", "minutes above 0")
    try:
        threshold = check_threshold(15.0 if threshold is None else threshold)
    except OutreachError as exc:
        raise QueryError("threshold", str(exc).split("; ", 1)[-1]) from None
    mode = choice_arg(args, "mode", MODES, "drive") or "drive"
    real_only = choice_arg(args, "real_only", ("true", "false", "1", "0"), "false") in ("true", "1")
    return CoverageQuery(kind, threshold, mode, real_only)


def _finite(value: Any) -> Any:
    """JSON has no infinity: non-finite numbers and CSV blanks become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return None if value == "" else value


def coverage_json(result: CoverageResult) -> Json:
    """Per-village rows and Journey Time Statistics summaries of a coverage result (confidential points never in it)."""
    return {
        "kind": result.kind, "mode": result.mode, "threshold_minutes": result.threshold,
        "approximate": result.approximate, "network": result.network, "service_points": len(result.facilities),
        "uses_examples": result.uses_examples,
        "summaries": [{k: _finite(v) for k, v in s.as_row().items()} for s in result.summaries()],
        "villages": [{k: _finite(v) for k, v in row.items()} for row in result.rows()],
    }  # fmt: skip


def timetable_json(timetable: Timetable, directory: Directory) -> Json | None:
    """A published timetable as stored, or ``None`` if it would reveal a confidential location."""
    shown = public_timetable(timetable, directory)
    return None if shown is None else shown.to_json()
