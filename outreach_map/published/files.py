"""Timetable files: reading ``routes/<plan-id>/plan.json`` and finding the published ones.

Writing a timetable (with the files beside it) is :func:`outreach_map.exports.publish_timetable`:
``routes/<plan-id>`` links to the live version in the hidden ``routes/.<plan-id>.versions/``.
Only folders whose names are not hidden are read, so a version being written, the one before, or
what a killed writer left is never listed. A plan that cannot be read is skipped and reported
(:func:`read_timetables`), never fatal to the pages that list plans.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from .._files import repair_folder, visible_folders
from ..errors import DataFileError, PublishError
from .model import Timetable, plan_id_problem

__all__ = [
    "TIMETABLE_FILE",
    "BrokenTimetable",
    "PublishedTimetables",
    "check_plan_id",
    "list_timetables",
    "load_timetable",
    "read_timetables",
    "repair_published",
]

LOG = logging.getLogger(__name__)

#: The timetable's file in its folder (the name DESIGN.md fixes).
TIMETABLE_FILE = "plan.json"


def check_plan_id(plan_id: str, *, field: str = "plan id") -> str:
    """The plan id if it can name a folder under ``routes/``.

    Raises
    ------
    PublishError
        Naming ``field`` and what is expected.

    Examples
    --------
    >>> check_plan_id("north-2027.1")
    'north-2027.1'
    """
    problem = plan_id_problem(plan_id)
    if problem is not None:
        shown = plan_id if len(plan_id) <= 80 else plan_id[:80] + "..."
        msg = f"{field} {shown!r}: {problem}"
        raise PublishError(msg)
    return plan_id


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
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(path, f"not valid JSON ({exc})") from None
    return Timetable.from_json(data, source=path)


@dataclass(frozen=True, slots=True)
class BrokenTimetable:
    """A published folder whose ``plan.json`` cannot be read, and why (the error's sentence)."""

    folder: str
    problem: str


@dataclass(frozen=True, slots=True)
class PublishedTimetables:
    """The readable timetables under ``routes/`` (newest start date first) and the folders skipped."""

    timetables: tuple[Timetable, ...]
    broken: tuple[BrokenTimetable, ...] = ()


def read_timetables(routes_dir: Path) -> PublishedTimetables:
    """Every timetable under ``routes/``; a broken one is skipped, logged and listed in ``broken``."""
    found, broken = [], []
    for folder in visible_folders(routes_dir):
        path = folder / TIMETABLE_FILE
        if not path.exists():
            continue  # not a plan folder
        try:
            found.append(load_timetable(path))
        except DataFileError as exc:
            problem = str(exc).replace(str(routes_dir), routes_dir.name, 1)  # no server path on a page
            _warn_once(folder.name, problem)
            broken.append(BrokenTimetable(folder.name, problem))
    found.sort(key=lambda t: (t.start_date, t.plan_id), reverse=True)
    return PublishedTimetables(tuple(found), tuple(broken))


@functools.lru_cache(maxsize=256)
def _warn_once(folder: str, problem: str) -> None:
    """Log a broken plan once per process (pages list plans on every request)."""
    LOG.warning("skipped the published plan %s: %s", folder, problem)


def list_timetables(routes_dir: Path) -> list[Timetable]:
    """Every readable timetable under ``routes/``, newest start date first (broken ones are skipped)."""
    return list(read_timetables(routes_dir).timetables)


def repair_published(routes_dir: Path) -> None:
    """After a publisher was killed: every plan's live version as it was, what the writer left removed."""
    if not routes_dir.is_dir():
        return
    names = {p.name for p in routes_dir.iterdir() if not p.name.startswith(".")}
    for hidden in routes_dir.glob(".*"):
        for suffix in (".versions", ".old"):
            if hidden.name.endswith(suffix):
                names.add(hidden.name[1 : -len(suffix)])
    for name in sorted(names):
        if plan_id_problem(name) is None:
            repair_folder(routes_dir / name)
