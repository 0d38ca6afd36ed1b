"""Tables for people: the one CSV writer, and the CSV files the CLI and the web site both offer.

Every CSV the project writes (coverage by village, suggested sites, the public
timetable) goes through :func:`csv_text`, so they share one dialect: a header
row, ``\\n`` line ends, minimal quoting.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .coverage import CoverageResult
from .siting import Suggestion

__all__ = ["coverage_csv", "csv_text", "suggestions_csv"]


def csv_text(rows: Iterable[Mapping[str, Any]], *, columns: Sequence[str] | None = None) -> str:
    """CSV text of ``rows`` with a header: ``columns``, else the first row's keys.

    Examples
    --------
    >>> csv_text([{"a": 1, "b": "x,y"}])
    'a,b\\n1,"x,y"\\n'
    """
    rows = list(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns or (rows[0] if rows else ())), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def coverage_csv(result: CoverageResult) -> str:
    """One row per village: nearest service of the kind, minutes, within the threshold and the JTS bands."""
    rows = result.rows()
    return csv_text(rows, columns=None if rows else ("village_id",))


def suggestions_csv(suggestion: Suggestion) -> str:
    """One row per suggested site, best first, with what it achieves and how it was chosen."""
    base = suggestion.base
    return csv_text(
        {"rank": s.rank, "site_id": s.site.id, "name": s.site.name, "lat": s.site.lat, "lon": s.site.lon,
         "newly_covered_population": s.newly_covered_population, "kind": base.kind, "threshold_min": base.threshold,
         "mode": base.mode, "model": suggestion.model, "optimal": suggestion.choice.optimal,
         "approximate": base.approximate}
        for s in suggestion.sites
    )  # fmt: skip
