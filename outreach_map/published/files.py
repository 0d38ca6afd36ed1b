"""Timetable files: reading ``routes/<plan-id>/plan.json`` and finding the published ones.

Writing a timetable (with the files beside it) is :func:`outreach_map.exports.publish_timetable`.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import DataFileError
from .model import Timetable

__all__ = ["TIMETABLE_FILE", "list_timetables", "load_timetable"]

#: The timetable's file in its folder (the name DESIGN.md fixes).
TIMETABLE_FILE = "plan.json"


def load_timetable(path: Path) -> Timetable:
    """Read and check a ``plan.json``.

    Raises
    ------
    DataFileError
        Naming the file, the record and the field that is wrong.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(path, f"not valid JSON ({exc})") from None
    return Timetable.from_json(data, source=path)


def list_timetables(routes_dir: Path) -> list[Timetable]:
    """Every readable timetable under ``routes/``, newest start date first (broken ones are skipped)."""
    found = []
    if routes_dir.is_dir():
        for path in sorted(routes_dir.glob(f"*/{TIMETABLE_FILE}")):
            try:
                found.append(load_timetable(path))
            except DataFileError:
                continue
    return sorted(found, key=lambda t: (t.start_date, t.plan_id), reverse=True)
