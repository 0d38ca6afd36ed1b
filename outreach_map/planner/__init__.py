"""Route planner: cyclic mobile-library timetables and the periodic VRP, on PyVRP.

Build a request, freeze it, solve it, check it::

    from outreach_map.planner import Location, ProblemBuilder, solve, check_solution

    builder = ProblemBuilder(cycle_weeks=4, start_date=date(2025, 1, 6))
    builder.add_van("van-1", depot=Location("daventry-library", "Daventry Library", 52.2569, -1.1607))
    builder.add_stop("badby", name="Badby", lat=52.2245, lon=-1.1780, population=640)
    solution = solve(builder.build(), time_limit=30)
    assert not check_solution(solution)

Modules: :mod:`.problem` (stops, vans, defaults), :mod:`.builder` (validation), :mod:`.instances` (benchmark
readers), :mod:`.search` (the periodic search on PyVRP), :mod:`.timetable`
(clock times, breaks, same time every visit), :mod:`.engine` (``solve``),
:mod:`.solution` (the answer), :mod:`.check` (the one independent checker, also of published timetables).
"""

from __future__ import annotations

from ..errors import ProblemError as ProblemError
from . import builder as builder
from . import check as check
from . import engine as engine
from . import instances as instances
from . import problem as problem
from . import search as search
from . import solution as solution
from . import timetable as timetable
from .builder import ProblemBuilder as ProblemBuilder
from .check import check_solution as check_solution
from .engine import solve as solve
from .engine import solve_baseline as solve_baseline
from .instances import read_cordeau as read_cordeau
from .instances import read_solomon as read_solomon
from .problem import Day as Day
from .problem import Location as Location
from .problem import Pattern as Pattern
from .problem import PlanProblem as PlanProblem
from .problem import Stop as Stop
from .problem import TimeWindow as TimeWindow
from .problem import Van as Van
from .search import Progress as Progress
from .search import SearchParams as SearchParams
from .solution import Assignment as Assignment
from .solution import Lunch as Lunch
from .solution import Run as Run
from .solution import Solution as Solution
from .solution import Unserved as Unserved
from .solution import Visit as Visit

__all__ = [
    "Assignment",
    "Day",
    "Location",
    "Lunch",
    "Pattern",
    "PlanProblem",
    "ProblemBuilder",
    "ProblemError",
    "Progress",
    "Run",
    "SearchParams",
    "Solution",
    "Stop",
    "TimeWindow",
    "Unserved",
    "Van",
    "Visit",
    "builder",
    "check",
    "check_solution",
    "engine",
    "instances",
    "problem",
    "read_cordeau",
    "read_solomon",
    "search",
    "solution",
    "solve",
    "solve_baseline",
    "timetable",
]
