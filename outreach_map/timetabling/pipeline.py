"""The one way to make a timetable: :func:`make_timetable`, for the ``plan`` command and the schedulers' pages.

Request, stops, problem, solve, with the published entries locked as strictly
as they can be kept; then the outreach worker's runs, the timetable, and what
changed from the locked timetable. Publishing it is
:func:`outreach_map.exports.publish_timetable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..dataset import Dataset
from ..planner import PlanProblem, Progress, Solution, solve
from ..planner.service import solve_for_service
from ..published import Timetable, timetable_of
from ..traveltime import TravelTimes
from .build import build_problem
from .changes import timetable_changes
from .locks import LOCK_LEVELS, LockLevel, lock_obstacles, name_list
from .outreach import assign_outreach
from .repair import repair
from .request import TimetableRequest

__all__ = ["Attempt", "MadeTimetable", "SearchOptions", "make_timetable"]


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """How long the solver searches (seconds per attempt) and with which random seed."""

    time_limit: float = 60.0
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try of the lock-relaxation loop, reported before it is solved.

    ``relaxed_from`` is the stricter lock tried before and how many stops the
    published timetable serves it left unserved (``None`` for the first try).
    """

    lock: LockLevel
    problem: PlanProblem
    relaxed_from: tuple[LockLevel, int] | None = None


@dataclass(frozen=True)
class MadeTimetable:
    """A timetable ready to publish, the solution it comes from, and how it compares with the locked one.

    ``changes`` is ``None`` without a locked timetable (``compared_with`` names it); ``lock_notes`` say, in
    words, why entries of the locked timetable could not be kept (empty when every one was).
    """

    timetable: Timetable
    solution: Solution
    problem: PlanProblem
    lock: LockLevel
    changes: tuple[str, ...] | None = None
    compared_with: str | None = None
    objective: str = "driving"
    repaired: bool = False
    lock_notes: tuple[str, ...] = ()


_KEPT = {"time": "weekday, weeks and time", "day": "weekday and weeks"}
_THEN = {"day": "so visit times were allowed to move", "none": "so the timetable was planned afresh"}


def make_timetable(
    request: TimetableRequest,
    data: Dataset,
    times: TravelTimes | None,
    *,
    locked: Timetable | None = None,
    plan_id: str | None = None,
    search: SearchOptions = SearchOptions(),
    progress: Callable[[Progress], None] | None = None,
    on_attempt: Callable[[Attempt], None] | None = None,
) -> MadeTimetable:
    """Plan a timetable for a request, keeping the entries of ``locked`` where possible.

    With a locked (published) timetable, the published runs are first repaired
    (:func:`~.repair.repair`: only the stops that changed change, no other
    visit moves); if a new stop fits nowhere, the entries keep weekday, weeks
    and time in a re-plan; if that leaves any stop it serves unserved, they
    keep weekday and weeks; if still, everything is planned afresh. The request's objective
    is ``driving`` (:func:`~outreach_map.planner.solve`) or ``service``
    (:func:`~outreach_map.planner.service.solve_for_service`; locked entries keep their frequency).
    ``times`` may be ``None`` for a request on the proxy model.

    Parameters
    ----------
    plan_id
        The timetable's id (default: the request's).
    search
        Time limit and seed of each attempt.
    progress
        Called by the solver now and then.
    on_attempt
        Called before each attempt is solved.

    Raises
    ------
    OutreachError
        For a request the data cannot serve (see :func:`~.build.build_problem`).
    """
    locked = locked.with_entries() if locked is not None else None
    served_before = {s.id: s.name for s in locked.served_stops} if locked else {}
    relaxed: tuple[LockLevel, int] | None = None
    levels: tuple[LockLevel, ...] = LOCK_LEVELS if locked else ("none",)
    lock: LockLevel = "none"
    repaired = None
    notes: list[str] = []
    if locked is not None:  # first the smallest change: the published runs, with only the changed stops changed
        problem = build_problem(request, data, times, locked=None, lock="none")
        notes += lock_obstacles(locked, request, problem)
        repaired = repair(problem, locked)
        if repaired is not None:
            levels, lock, solution, problem = (), "time", repaired, repaired.problem
    for lock in levels:
        problem = build_problem(request, data, times, locked=locked, lock=lock)
        if on_attempt is not None:
            on_attempt(Attempt(lock, problem, relaxed))
        solution = _solve(request, problem, search, locked if lock != "none" else None, progress)
        lost = [u for u in solution.unserved if u.stop in served_before]
        if not lost or lock == "none":
            break
        relaxed = (lock, len(lost))
        names = name_list([served_before[u.stop] for u in lost])
        notes.append(
            f"Keeping the {_KEPT[lock]} of the published visits left {len(lost)} stop{'s' if len(lost) > 1 else ''} "
            f"it serves unserved ({names}; {lost[0].reason}), {_THEN['day' if lock == 'time' else 'none']}."
        )
    outreach = assign_outreach(solution, request.outreach, data, times) if request.outreach and times else None
    timetable = timetable_of(solution, plan_id=plan_id or request.plan_id, outreach=outreach)
    changes = tuple(timetable_changes(locked, timetable)) if locked else None
    compared = locked.plan_id if locked else None
    return MadeTimetable(
        timetable, solution, problem, lock, changes, compared, request.objective, repaired is not None, tuple(notes)
    )


def _solve(
    request: TimetableRequest,
    problem: PlanProblem,
    search: SearchOptions,
    locked: Timetable | None,
    progress: Callable[[Progress], None] | None,
) -> Solution:
    """Solve for the request's objective; with ``service``, the locked timetable's stops keep their frequency."""
    if request.objective == "service":
        fixed = {s.id for s in locked.served_stops} if locked is not None else set()
        return solve_for_service(problem, time_limit=search.time_limit, seed=search.seed, fixed=fixed,
                                 progress=progress)  # fmt: skip
    return solve(problem, time_limit=search.time_limit, seed=search.seed, progress=progress)
