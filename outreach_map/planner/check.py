"""The one independent checker: every constraint of a solution, recomputed from its request.

It uses only the request (stops, vans, days, matrices) and the solution's
runs and timetable entries, never the solver's internals, so it catches solver
bugs. A published timetable (``plan.json``) is checked by the same rules: it is
read back as a request and a solution first (see
:func:`outreach_map.published.check_timetable`), with a tolerance of a minute
for times written as ``HH:MM``.

Checks: vans work on their runs' days, one run per van and day; times follow
from travel, visit durations and the lunch break (waiting allowed); shift
start and end, duration limit, capacity, time windows, break length and
window, no visit during the break; each served stop visited once on each day
of one of its allowed patterns (the same weekday every ``f`` weeks in a
timetable) and at the same clock time when the request asks; every stop either
served or listed as unserved with a reason, every required stop served; the
timetable entries match the visits; distances and drive times recomputed from
the matrices; at most ``max_stops`` stops on a van's run; at least
``min_weeks_between_visits`` between two visits of a stop (around the cycle too);
stops of one ``same_run`` group all served or all not, on the same runs, one
after the other. A preferred weekday is a wish, not a constraint:
:func:`preferences_kept` counts the ones kept. The result is a list of sentences naming the run, stop or van;
an empty list means the solution is valid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from ..clock import WEEKDAYS, format_clock
from .problem import Day, PlanProblem, Stop, Van
from .solution import Run, Solution

__all__ = ["EXACT", "Tolerance", "check_solution", "preferences_kept"]


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far values may be off: ``minutes`` for each time, and for totals the larger of it and ``relative``."""

    minutes: float = 1e-6
    relative: float = 1e-9

    def total_differs(self, given: float, recomputed: float) -> bool:
        return abs(given - recomputed) > max(self.minutes, self.relative * abs(recomputed))


#: For the solver's own floating-point times.
EXACT = Tolerance()


def _fmt(minutes: float) -> str:
    return format_clock(minutes) if 0 <= minutes < 10 * 1440 else f"{minutes:.2f}"


def _every(weeks: int | None) -> str:
    return "every week" if weeks == 1 else f"every {weeks} weeks"


def check_solution(solution: Solution, *, tolerance: Tolerance = EXACT) -> list[str]:
    """Every violated constraint of ``solution``, as a sentence naming the run, stop or van."""
    p = solution.problem
    out: list[str] = []
    seen: Counter[tuple[str, int]] = Counter()
    visits_of: dict[int, list[tuple[int, float, float]]] = {}
    for n, run in enumerate(solution.runs, start=1):
        where = f"run {n} (van {run.van}, {run.day.label})"
        if not 0 <= run.van_index < len(p.vans) or p.vans[run.van_index].id != run.van:
            out.append(f"{where}: unknown van")
            continue
        out.extend(_run_problems(p, p.vans[run.van_index], run, where, tolerance))
        seen[(run.van, run.day.index)] += 1
        for v in run.visits:
            visits_of.setdefault(v.stop_index, []).append((run.day.index, v.arrive, v.depart))
    out.extend(
        f"van {v} has {k} runs on {p.days[d].label}; expected one" for (v, d), k in sorted(seen.items()) if k > 1
    )
    for i, stop in enumerate(p.stops):
        out.extend(_stop_problems(solution, stop, sorted(visits_of.get(i, [])), tolerance))
    out.extend(_group_problems(solution, set(visits_of)))
    return out


def preferences_kept(solution: Solution) -> tuple[int, int]:
    """(kept, asked): served stops with a preferred weekday, and how many are visited on it."""
    p = solution.problem
    asked = [a for a in solution.assignments.values() if p.stops[a.stop_index].preferred_weekday is not None]
    kept = sum(1 for a in asked if a.weekday == p.stops[a.stop_index].preferred_weekday)
    return kept, len(asked)


def _group_problems(solution: Solution, visited: set[int]) -> Iterator[str]:
    """Stops of a same-run group: all served or none, and on every run one of them is on, all of them, in a row."""
    p = solution.problem
    groups: dict[str, list[int]] = {}
    for i, stop in enumerate(p.stops):
        if stop.same_run is not None:
            groups.setdefault(stop.same_run, []).append(i)
    for label, members in groups.items():
        served = {i for i in members if i in visited}
        if served and len(served) != len(members):
            missing = ", ".join(p.stops[i].name for i in members if i not in served)
            yield f"same-run stops '{label}': {missing} not served while the others are"
            continue
        for n, run in enumerate(solution.runs, start=1):
            at = [k for k, v in enumerate(run.visits) if v.stop_index in members]
            if at and (len(at) != len(members) or at[-1] - at[0] != len(at) - 1):
                yield (
                    f"run {n} (van {run.van}, {run.day.label}): same-run stops '{label}' are not all on it "
                    "one after the other"
                )


def _run_problems(p: PlanProblem, van: Van, run: Run, where: str, tol: Tolerance) -> list[str]:
    out = []
    if run.day.index not in van.days:
        day = run.day.label if run.day.weekday is None else WEEKDAYS[run.day.weekday]
        out.append(f"{where}: the van does not work on {day}")
    if not run.visits:
        return [*out, f"{where}: no visits"]
    bad = [v.stop for v in run.visits if not 0 <= v.stop_index < len(p.stops) or p.stops[v.stop_index].id != v.stop]
    if bad:
        return [*out, f"{where}: unknown stop '{bad[0]}'"]
    out.extend(_lunch_problems(van, run, where, tol))
    out.extend(_timing_problems(p, van, run, where, tol))
    out.extend(_total_problems(p, van, run, where, tol))
    return out


def _lunch_problems(van: Van, run: Run, where: str, tol: Tolerance) -> Iterator[str]:
    lunch = run.lunch
    if van.break_minutes > 0 and lunch is None:
        yield f"{where}: no lunch break ({van.break_minutes:g} minutes needed)"
    if lunch is None:
        return
    text = f"the lunch break {_fmt(lunch.start)}-{_fmt(lunch.end)}"
    if abs((lunch.end - lunch.start) - van.break_minutes) > tol.minutes:
        yield f"{where}: {text} lasts {lunch.end - lunch.start:g} min; expected {van.break_minutes:g}"
    window = van.break_window
    if lunch.start < window.start - tol.minutes or lunch.end > window.end + tol.minutes:
        yield f"{where}: {text} is outside its window {window}"
    for v in run.visits:
        if v.arrive < lunch.end - tol.minutes and v.depart > lunch.start + tol.minutes:
            yield f"{where}: the visit to {v.stop} {_fmt(v.arrive)}-{_fmt(v.depart)} overlaps the lunch break"


def _timing_problems(p: PlanProblem, van: Van, run: Run, where: str, tol: Tolerance) -> Iterator[str]:
    """The day in order: leave, each drive and visit, the break where it is taken, the drive home."""
    lunch = run.lunch
    if run.leave < van.shift_start - tol.minutes:
        yield f"{where}: leaves at {_fmt(run.leave)}, before the shift starts at {_fmt(van.shift_start)}"
    if lunch is not None and lunch.at_depot and lunch.after == 0 and lunch.end > run.leave + tol.minutes:
        yield f"{where}: the lunch break at the depot does not fit before leaving"
    here, free = van.depot, run.leave
    for k, v in enumerate(run.visits):
        stop = p.stops[v.stop_index]
        if lunch is not None and lunch.after == k and k > 0:
            if lunch.start < free - tol.minutes:
                before = p.stops[run.visits[k - 1].stop_index].name
                yield f"{where}: the lunch break starts before the visit to {before} ends"
            free = max(free, lunch.end)
        earliest = free + float(p.minutes[here, stop.location])
        if v.arrive < earliest - tol.minutes:
            yield f"{where}: arrives at {stop.name} at {_fmt(v.arrive)}, but the drive needs until {_fmt(earliest)}"
        if abs(v.depart - v.arrive - stop.duration) > tol.minutes:
            yield f"{where}: stays {v.depart - v.arrive:g} min at {stop.name}; expected {stop.duration:g}"
        windows_ok = any(w.start - tol.minutes <= v.arrive <= w.end + tol.minutes for w in stop.time_windows)
        if stop.time_windows and not windows_ok:
            windows = ", ".join(str(w) for w in stop.time_windows)
            yield f"{where}: arrives at {stop.name} at {_fmt(v.arrive)}, outside its time windows ({windows})"
        here, free = stop.location, v.depart
    yield from _homecoming_problems(p, van, run, where, tol, here, free)


def _homecoming_problems(
    p: PlanProblem, van: Van, run: Run, where: str, tol: Tolerance, here: int, free: float
) -> Iterator[str]:
    lunch, n = run.lunch, len(run.visits)
    if lunch is not None and lunch.after == n and not lunch.at_depot:
        if lunch.start < free - tol.minutes:
            yield f"{where}: the lunch break starts before the last visit ends"
        free = max(free, lunch.end)
    home = free + float(p.minutes[here, van.depot])
    if run.back < home - tol.minutes:
        yield f"{where}: back at {_fmt(run.back)}, but the drive home needs until {_fmt(home)}"
    end = run.back
    if lunch is not None and lunch.at_depot and lunch.after == n:
        if lunch.start < run.back - tol.minutes:
            yield f"{where}: the lunch break at the depot starts before the van is back"
        end = max(end, lunch.end)
    if van.shift_end is not None and end > van.shift_end + tol.minutes:
        yield f"{where}: returns at {_fmt(end)}, after the shift ends at {_fmt(van.shift_end)}"
    if van.max_duration is not None and end - run.leave > van.max_duration + tol.minutes:
        yield f"{where}: lasts {end - run.leave:g} min; the limit is {van.max_duration:g}"


def _total_problems(p: PlanProblem, van: Van, run: Run, where: str, tol: Tolerance) -> Iterator[str]:
    places = [van.depot, *(p.stops[v.stop_index].location for v in run.visits), van.depot]
    legs = list(pairwise(places))
    load = sum(p.stops[v.stop_index].demand for v in run.visits)
    if van.max_stops is not None and len(run.visits) > van.max_stops:
        yield f"{where}: {len(run.visits)} stops; the van's limit is {van.max_stops} per run"
    elif van.capacity is not None and load > van.capacity:
        yield f"{where}: load {load} exceeds the capacity {van.capacity}"
    distance = sum(float(p.km[a, b]) for a, b in legs)
    if tol.total_differs(run.distance_km, distance):
        yield f"{where}: distance {run.distance_km:g} km, but {distance:.2f} km recomputed from the travel matrix"
    drive = sum(float(p.minutes[a, b]) for a, b in legs)
    if tol.total_differs(run.drive_min, drive):
        yield f"{where}: driving {run.drive_min:g} min, but {drive:.1f} min recomputed from the travel matrix"


def _stop_problems(
    solution: Solution, stop: Stop, got: list[tuple[int, float, float]], tol: Tolerance
) -> Iterator[str]:
    p = solution.problem
    label = f"stop {stop.name}"
    unserved = {u.stop: u.reason for u in solution.unserved}
    if not got:
        if not unserved.get(stop.id):
            yield f"{label}: neither served nor listed as unserved with a reason"
        elif stop.required:
            yield f"{label}: required but not served"
        return
    if stop.id in unserved:
        yield f"{label}: served but also listed as unserved"
    days = [d for d, *_ in got]
    if len(set(days)) != len(days):
        yield f"{label}: visited twice on one day"
    if frozenset(days) not in {pattern.days for pattern in stop.patterns}:
        labels = ", ".join(p.days[d].label for d in days)
        yield f"{label}: visited on {labels}, which is not one of its allowed patterns{_why(p.days, stop, days)}"
    if p.same_time and len({(round(a, 6), round(d, 6)) for _, a, d in got}) > 1:
        times = ", ".join(f"{_fmt(a)}-{_fmt(d)}" for _, a, d in got)
        yield f"{label}: visited at different times ({times}); expected the same time every visit"
    yield from _gap_problems(p, stop, days, label)
    entry = solution.assignments.get(stop.id)
    if entry is None:
        yield f"{label}: served but has no timetable entry"
    elif tuple(days) != entry.days or (p.same_time and abs(entry.arrive - got[0][1]) > tol.minutes):
        yield f"{label}: its timetable entry does not match its visits"


def _gap_problems(p: PlanProblem, stop: Stop, days: list[int], label: str) -> Iterator[str]:
    """At least ``min_weeks_between_visits`` weeks between visits, around the cycle too."""
    if stop.min_weeks_between_visits is None or len(days) < 2 or p.cycle_weeks is None:
        return
    horizon = 7 * p.cycle_weeks
    ordered = sorted(days)
    gaps = [b - a for a, b in pairwise(ordered)] + [ordered[0] + horizon - ordered[-1]]
    if min(gaps) < 7 * stop.min_weeks_between_visits:
        yield (
            f"{label}: visits {min(gaps)} days apart; expected at least {stop.min_weeks_between_visits} weeks "
            "between visits"
        )


def _why(days: tuple[Day, ...], stop: Stop, visited: list[int]) -> str:
    """What is wrong with the days of a timetable stop (empty in a general horizon)."""
    if stop.frequency_weeks is None:
        return ""
    weekdays = {days[d].weekday for d in visited}
    weeks = sorted(w + 1 for d in visited if (w := days[d].week) is not None)
    if len(visited) != stop.visits:
        return f": {len(visited)} visits in the cycle; expected {stop.visits} ({_every(stop.frequency_weeks)})"
    if len(weekdays) > 1:
        return ": visited on several weekdays; expected the same weekday every time"
    if any(b - a != stop.frequency_weeks for a, b in pairwise(weeks)):
        return f": visited in weeks {weeks}; expected {_every(stop.frequency_weeks)}"
    if weekdays - set(stop.weekdays):
        return f": expected one of its weekdays ({', '.join(WEEKDAYS[w] for w in stop.weekdays)})"
    return ""
