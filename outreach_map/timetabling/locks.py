"""Re-planning with locks: the entries of a published timetable keep their weekday, weeks and time.

A re-plan tries the strictest lock first and relaxes it only when that would
leave stops the published timetable serves unserved (see
:func:`~outreach_map.timetabling.pipeline.make_timetable`):

- ``"time"``: a locked stop keeps its weekday, its weeks and its arrival time
  (its only pattern, and a time window of its arrival);
- ``"day"``: it keeps its weekday and weeks, the time may move;
- ``"none"``: everything may move.

A stop is locked only if it is still asked for at the same frequency (or, with
the ``service`` objective, that frequency is still one of its options).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Final, Literal

from ..clock import WEEKDAYS
from ..errors import ProblemError
from ..planner.problem import PlanProblem
from ..published import Stop, Timetable
from .stops import StopChoice

__all__ = ["LOCK_LEVELS", "LockLevel", "lock_stop", "lock_weeks", "locked_entries"]

LockLevel = Literal["time", "day", "none"]
#: From the strictest: weekday, weeks and time; weekday and weeks; nothing.
LOCK_LEVELS: Final[tuple[LockLevel, ...]] = ("time", "day", "none")


def locked_entries(locked: Timetable | None, lock: str) -> dict[str, Stop]:
    """The served stops of ``locked`` whose entries a re-plan at level ``lock`` keeps, by id.

    Raises
    ------
    ProblemError
        For a lock level that is not one of :data:`LOCK_LEVELS`.
    """
    if lock not in LOCK_LEVELS:
        msg = f"lock '{lock}': expected one of {', '.join(LOCK_LEVELS)}"
        raise ProblemError(msg)
    if locked is None or lock == "none":
        return {}
    return {s.id: s for s in locked.served_stops}


def lock_stop(choice: StopChoice, old: Stop | None, lock: str, *, with_time: bool = True) -> StopChoice:
    """A stop choice with its published weekday, frequency (and, at ``"time"``, its arrival) when it is locked.

    A stop is locked if it is asked for at its published frequency, or (``service``) that frequency is one
    of its options. ``with_time=False`` keeps the time free (the later stops of a same-run group, whose
    times follow the first's).
    """
    if old is None or old.entry is None:
        return choice
    if old.frequency_weeks != choice.frequency_weeks and old.frequency_weeks not in choice.frequency_options:
        return choice
    timed = lock == "time" and with_time
    windows = (f"{old.entry.arrive}-{old.entry.arrive}",) if timed else choice.time_windows
    return replace(choice, weekdays=(old.entry.weekday,), time_windows=windows, frequency_weeks=old.frequency_weeks)


def lock_weeks(problem: PlanProblem, previous: Mapping[str, Stop]) -> PlanProblem:
    """Locked stops keep their weeks too: their only pattern is the published one (weekday and phase)."""
    if not previous:
        return problem
    stops = []
    for stop in problem.stops:
        old = previous.get(stop.id)
        if old is not None and old.entry is not None and old.frequency_weeks == stop.frequency_weeks:
            phase, weekday = old.entry.weeks[0] - 1, WEEKDAYS.index(old.entry.weekday)
            kept = [p for p in stop.patterns if p.phase == phase and p.weekday == weekday]
            stop = replace(stop, patterns=tuple(kept) or stop.patterns)
        stops.append(stop)
    return replace(problem, stops=tuple(stops))
