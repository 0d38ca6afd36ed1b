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

__all__ = ["csv_text"]


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
