"""Re-planning with locks: the entries of a published timetable keep their weekday, weeks and time.

A re-plan tries the strictest lock first and relaxes it only when that would
leave stops the published timetable serves unserved (see
:func:`~outreach_map.timetabling.pipeline.make_timetable`):

- ``"time"``: a locked stop keeps its weekday, its weeks and its arrival time
  (its only pattern, and a time window of the minute of its arrival);
- ``"day"``: it keeps its weekday and weeks, the time may move;
- ``"none"``: everything may move.

A stop is locked only if it is still asked for at the same frequency (or, with
the ``service`` objective, that frequency is still one of its options) and a
van still works on its weekday; its weeks are counted in the calendar, so a
re-plan starting on another Monday keeps the same dates. What kept an entry
from being locked is said in words (:func:`lock_obstacles`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Final, Literal

from ..clock import WEEKDAYS, clock, format_clock
from ..errors import ProblemError
from ..planner.problem import PlanProblem
from ..published import Stop, Timetable
from .changes import visit_phase
from .request import TimetableRequest
from .stops import StopChoice

__all__ = ["LOCK_LEVELS", "LockLevel", "lock_obstacles", "lock_stop", "lock_weeks", "locked_entries", "name_list"]

LockLevel = Literal["time", "day", "none"]
#: From the strictest: weekday, weeks and time; weekday and weeks; nothing.
LOCK_LEVELS: Final[tuple[LockLevel, ...]] = ("time", "day", "none")


def locked_entries(locked: Timetable | None, lock: str, *, worked: Collection[str] | None = None) -> dict[str, Stop]:
    """The served stops of ``locked`` whose entries a re-plan at level ``lock`` keeps, by id.

    ``worked``: the weekdays some van of the request works (a stop on another day cannot keep it).

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
    return {
        s.id: s for s in locked.with_entries().served_stops if worked is None or (s.entry and s.entry.weekday in worked)
    }


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
    # The published arrival is rounded to the minute: the van may arrive within that minute (a window of
    # width zero at the rounded time cannot be met when the road time puts the arrival seconds after it).
    arrive = old.entry.arrive
    timed = lock == "time" and with_time
    windows = (f"{arrive}-{format_clock(clock(arrive) + 1)}",) if timed else choice.time_windows
    return replace(choice, weekdays=(old.entry.weekday,), time_windows=windows, frequency_weeks=old.frequency_weeks)


def lock_weeks(problem: PlanProblem, previous: Mapping[str, Stop], *, since: date | None = None) -> PlanProblem:
    """Locked stops keep their weeks too: their only pattern is the published one (weekday and phase).

    ``since`` is the locked timetable's start date: its weeks are moved to the same calendar weeks of
    the problem's cycle (the problem's own start date).
    """
    if not previous:
        return problem
    stops = []
    for stop in problem.stops:
        old = previous.get(stop.id)
        if old is not None and old.entry is not None and old.frequency_weeks == stop.frequency_weeks:
            f, week = stop.frequency_weeks or 1, old.entry.weeks[0]
            phase = week - 1
            if since is not None and problem.start_date is not None:
                phase = (visit_phase(since, week, f) - visit_phase(problem.start_date, 1, f)) % f
            weekday = WEEKDAYS.index(old.entry.weekday)
            kept = [p for p in stop.patterns if p.phase == phase and p.weekday == weekday]
            stop = replace(stop, patterns=tuple(kept) or stop.patterns)
        stops.append(stop)
    return replace(problem, stops=tuple(stops))


def name_list(names: Sequence[str], *, most: int = 8) -> str:
    """``A, B and C``; past ``most`` names, ``A, B, ... and 5 more``."""
    names = sorted(names)
    if len(names) > most:
        return ", ".join(names[:most]) + f" and {len(names) - most} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def lock_obstacles(locked: Timetable, request: TimetableRequest, problem: PlanProblem) -> list[str]:
    """Why entries of ``locked`` cannot be kept by this request at all, in words with village names.

    A published stop is not a stop of the request (population, exclusions), is
    visited at another frequency (often: another cycle length), or falls on a
    weekday no van works.
    """
    locked = locked.with_entries()
    asked = {s.id: s for s in problem.stops}
    worked = {d for v in request.vans for d in v.weekdays}
    gone, other_frequency, other_day = [], [], []
    for stop in locked.served_stops:
        now = asked.get(stop.id)
        if now is None:
            gone.append(stop.name)
        elif now.frequency_weeks != stop.frequency_weeks and stop.frequency_weeks not in now.frequency_options:
            other_frequency.append(stop.name)
        elif stop.entry is not None and stop.entry.weekday not in worked:
            other_day.append(stop.name)
    notes = []
    if gone:
        notes.append(f"{_stops(gone)} of {locked.plan_id} {_be(gone)} not a stop of this plan (its minimum "
                     f"population, exclusions or overrides): {name_list(gone)}.")  # fmt: skip
    if other_frequency:
        cycle = (f" (this plan has a {request.cycle_weeks}-week cycle, {locked.plan_id} a {locked.cycle_weeks}-week one)"
                 if request.cycle_weeks != locked.cycle_weeks else "")  # fmt: skip
        notes.append(f"{_stops(other_frequency)} {_be(other_frequency)} visited at another frequency in this "
                     f"plan{cycle}, so the published weeks cannot be kept: {name_list(other_frequency)}.")  # fmt: skip
    if other_day:
        days = sorted({s.entry.weekday for s in locked.served_stops if s.entry and s.entry.weekday not in worked},
                      key=WEEKDAYS.index)  # fmt: skip
        notes.append(f"{_stops(other_day)} {'was' if len(other_day) == 1 else 'were'} visited on "
                     f"{' or '.join(days)}, a day no van of this plan works: {name_list(other_day)}.")  # fmt: skip
    return notes


def _stops(names: Sequence[str]) -> str:
    return "1 stop" if len(names) == 1 else f"{len(names)} stops"


def _be(names: Sequence[str]) -> str:
    return "is" if len(names) == 1 else "are"
