"""Timetabling: from a request to a timetable ready to publish, in one pipeline.

:func:`make_timetable` is the one entry point (the ``plan`` command and the
schedulers' web pages both call it). Its steps, one module each:

- :mod:`.request`: read and check a request (TOML or the web form), with the
  planner settings for what it leaves out;
- :mod:`.depots`: the vans' depots, the market-town libraries of the data;
- :mod:`.stops`: which villages (or stops of a stops file, :mod:`.stopsfile`) are served, how often and how long;
- :mod:`.locks`: keeping a published timetable's entries in a re-plan;
- :mod:`.build`: the solver's problem (vans, stops, road times, locks);
- :mod:`.outreach`: the runs an outreach worker rides on;
- :mod:`.changes`: what a re-plan changed;
- :mod:`.pipeline`: all of it, with the lock-relaxation loop.
"""

from __future__ import annotations

from .build import build_problem as build_problem
from .changes import timetable_changes as timetable_changes
from .depots import depot_choices as depot_choices
from .depots import market_town_depots as market_town_depots
from .locks import LOCK_LEVELS as LOCK_LEVELS
from .locks import LockLevel as LockLevel
from .outreach import assign_outreach as assign_outreach
from .pipeline import Attempt as Attempt
from .pipeline import MadeTimetable as MadeTimetable
from .pipeline import SearchOptions as SearchOptions
from .pipeline import make_timetable as make_timetable
from .request import OBJECTIVES as OBJECTIVES
from .request import OutreachWorker as OutreachWorker
from .request import StopOverride as StopOverride
from .request import TimetableRequest as TimetableRequest
from .request import VanRequest as VanRequest
from .request import load_request as load_request
from .request import parse_request as parse_request
from .stops import StopChoice as StopChoice
from .stops import choose_stops as choose_stops

__all__ = [
    "LOCK_LEVELS",
    "OBJECTIVES",
    "Attempt",
    "LockLevel",
    "MadeTimetable",
    "OutreachWorker",
    "SearchOptions",
    "StopChoice",
    "StopOverride",
    "TimetableRequest",
    "VanRequest",
    "assign_outreach",
    "build_problem",
    "choose_stops",
    "depot_choices",
    "load_request",
    "make_timetable",
    "market_town_depots",
    "parse_request",
    "timetable_changes",
]
