"""Published timetables (``routes/<plan-id>/plan.json``): the typed model and everything that reads it.

A *timetable* is what the planner publishes: vans, stops, the runs of a cycle
of weeks, and for every served stop its line in the public timetable.

- :mod:`.model`: :class:`Timetable` and its records (:class:`Van`, :class:`Stop`,
  :class:`Run`, :class:`Visit`...), frozen, with ``from_json``/``to_json``;
- :mod:`.files`: :func:`load_timetable`, :func:`read_timetables` (broken plans skipped and reported), the plan id rule;
- :mod:`.solution`: :func:`timetable_of`, the timetable of a solver's solution;
- :mod:`.check`: :func:`check_timetable`, every constraint by the one checker;
- :mod:`.visits`: :func:`next_visits`, dated visits for the public pages;
- :mod:`.retired`: :func:`retire_plan`, :func:`live_timetables`: plans that no longer run;
- :mod:`.privacy`: :func:`public_timetable`, the one confidentiality check for the API and the public pages.

Writing a timetable with the files beside it is :func:`outreach_map.exports.publish_timetable`.
"""

from __future__ import annotations

from .check import check_timetable as check_timetable
from .files import TIMETABLE_FILE as TIMETABLE_FILE
from .files import BrokenTimetable as BrokenTimetable
from .files import PublishedTimetables as PublishedTimetables
from .files import check_plan_id as check_plan_id
from .files import list_timetables as list_timetables
from .files import load_timetable as load_timetable
from .files import read_timetables as read_timetables
from .files import repair_published as repair_published
from .model import PLAN_ID_PATTERN as PLAN_ID_PATTERN
from .model import Entry as Entry
from .model import Lunch as Lunch
from .model import Network as Network
from .model import Outreach as Outreach
from .model import Place as Place
from .model import Run as Run
from .model import RunKey as RunKey
from .model import SolverInfo as SolverInfo
from .model import Stop as Stop
from .model import Timetable as Timetable
from .model import Totals as Totals
from .model import Unserved as Unserved
from .model import Van as Van
from .model import Visit as Visit
from .privacy import CONFIDENTIAL_RADIUS_M as CONFIDENTIAL_RADIUS_M
from .privacy import public_timetable as public_timetable
from .retired import Retirement as Retirement
from .retired import live_timetables as live_timetables
from .retired import retire_plan as retire_plan
from .retired import retired_plans as retired_plans
from .solution import timetable_of as timetable_of
from .visits import NextVisit as NextVisit
from .visits import next_visits as next_visits

__all__ = [
    "CONFIDENTIAL_RADIUS_M",
    "PLAN_ID_PATTERN",
    "TIMETABLE_FILE",
    "BrokenTimetable",
    "Entry",
    "Lunch",
    "Network",
    "NextVisit",
    "Outreach",
    "Place",
    "PublishedTimetables",
    "Retirement",
    "Run",
    "RunKey",
    "SolverInfo",
    "Stop",
    "Timetable",
    "Totals",
    "Unserved",
    "Van",
    "Visit",
    "check_plan_id",
    "check_timetable",
    "list_timetables",
    "live_timetables",
    "load_timetable",
    "next_visits",
    "public_timetable",
    "read_timetables",
    "repair_published",
    "retire_plan",
    "retired_plans",
    "timetable_of",
]
