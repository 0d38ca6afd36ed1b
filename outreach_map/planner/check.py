"""An independent check of a plan against its request: every constraint, recomputed.

Uses only the request (stops, vans, days, matrices) and the plan's runs and
timetable, never the solver's internals, so it catches solver bugs. Returns the
violations as sentences; an empty list means the plan is valid.
"""

from __future__ import annotations

import math
from collections import Counter

from ..clock import WEEKDAYS, format_clock
from .solution import Plan, Run

__all__ = ["check_plan"]

_TOL = 1e-6


def _fmt(minutes: float) -> str:
    return format_clock(minutes) if 0 <= minutes < 10 * 1440 else f"{minutes:.2f}"


def check_plan(plan: Plan, *, tolerance: float = 1e-6) -> list[str]:
    """Every violated constraint of ``plan``, as a sentence naming the run, stop or van.

    Checks: vans work on their runs' days, one run per van and day; times
    follow from travel, visit durations and the break (waiting allowed); shift
    start and end, duration limit, capacity, time windows, break length and
    window; each served stop visited once on each day of one of its allowed
    patterns (so on the same weekday every ``f`` weeks in a timetable) and at the
    same clock time when the request asks; every stop either served or listed
    as unserved with a reason, and every required stop served; distances and
    drive times recomputed from the matrices.
    """
    p = plan.problem
    tol = max(tolerance, _TOL)
    out: list[str] = []
    seen_van_day: Counter[tuple[str, int]] = Counter()
    visits_of: dict[int, list[tuple[int, float]]] = {}
    for run in plan.runs:
        where = f"run of van '{run.van}' on {run.day.label}"
        if not 0 <= run.van_index < len(p.vans) or p.vans[run.van_index].id != run.van:
            out.append(f"{where}: unknown van")
            continue
        van = p.vans[run.van_index]
        if run.day.index not in van.days:
            out.append(f"{where}: the van does not work that day")
        seen_van_day[(van.id, run.day.index)] += 1
        if not run.visits:
            out.append(f"{where}: no visits")
            continue
        out.extend(_check_run(plan, run, where, tol))
        for v in run.visits:
            visits_of.setdefault(v.stop_index, []).append((run.day.index, v.arrive))
    out.extend(
        f"van '{v}' has {n} runs on day {d + 1}; expected at most 1" for (v, d), n in seen_van_day.items() if n > 1
    )
    unserved = {u.stop for u in plan.unserved}
    for i, stop in enumerate(p.stops):
        got = sorted(visits_of.get(i, []))
        if not got:
            if stop.id not in unserved:
                out.append(f"stop '{stop.id}' is neither served nor listed as unserved")
            elif stop.required:
                out.append(f"stop '{stop.id}' is required but not served")
            continue
        if stop.id in unserved:
            out.append(f"stop '{stop.id}' is served but also listed as unserved")
        days = [d for d, _ in got]
        if len(set(days)) != len(days):
            out.append(f"stop '{stop.id}' is visited twice on one day")
        if frozenset(days) not in {pat.days for pat in stop.patterns}:
            labels = ", ".join(p.days[d].label for d in days)
            out.append(f"stop '{stop.id}' is visited on {labels}, which is not one of its allowed patterns")
        if p.same_time and len({round(t, 6) for _, t in got}) > 1:
            times = ", ".join(_fmt(t) for _, t in got)
            out.append(f"stop '{stop.id}' is visited at different times ({times}); expected the same time every visit")
        a = plan.assignments.get(stop.id)
        if a is None:
            out.append(f"stop '{stop.id}' is served but has no timetable entry")
        elif tuple(days) != a.days or (p.same_time and abs(a.arrive - got[0][1]) > tol):
            out.append(f"stop '{stop.id}': the timetable entry does not match its visits")
        if p.timetable and stop.weekdays:
            off = {w for d in days if (w := p.days[d].weekday) is not None} - set(stop.weekdays)
            if off:
                out.append(f"stop '{stop.id}' is visited on {', '.join(WEEKDAYS[w] for w in sorted(off))}, not allowed")
    return out


def _check_run(plan: Plan, run: Run, where: str, tol: float) -> list[str]:
    p = plan.problem
    van = p.vans[run.van_index]
    out: list[str] = []
    here = van.depot
    t = run.leave
    drive = dist = 0.0
    load = 0
    n = len(run.visits)
    lunch = run.lunch
    if van.break_minutes > 0:
        if lunch is None:
            out.append(f"{where}: no lunch break")
        else:
            if abs((lunch.end - lunch.start) - van.break_minutes) > tol:
                out.append(f"{where}: the break lasts {lunch.end - lunch.start:g} min; expected {van.break_minutes:g}")
            bw = van.break_window
            if lunch.start < bw.start - tol or lunch.end > bw.end + tol:
                out.append(f"{where}: the break {_fmt(lunch.start)}-{_fmt(lunch.end)} is outside its window {bw}")
    if run.leave < van.shift_start - tol:
        out.append(f"{where}: leaves at {_fmt(run.leave)}, before the shift starts ({_fmt(van.shift_start)})")
    if (
        lunch is not None
        and lunch.at_depot
        and lunch.after == 0
        and (lunch.start < van.shift_start - tol or lunch.end > run.leave + tol)
    ):
        out.append(f"{where}: the break at the depot does not fit before leaving")
    for k, v in enumerate(run.visits):
        if not 0 <= v.stop_index < len(p.stops) or p.stops[v.stop_index].id != v.stop:
            out.append(f"{where}: unknown stop '{v.stop}'")
            return out
        stop = p.stops[v.stop_index]
        if lunch is not None and lunch.after == k and k > 0:
            if lunch.start < t - tol:
                out.append(f"{where}: the break starts before the visit to '{run.visits[k - 1].stop}' ends")
            t = max(t, lunch.end)
        leg = float(p.minutes[here, stop.location])
        if v.arrive < t + leg - tol:
            out.append(
                f"{where}: arrives at '{stop.id}' at {_fmt(v.arrive)}, but cannot be there before {_fmt(t + leg)}"
            )
        if abs(v.depart - v.arrive - stop.duration) > tol:
            out.append(
                f"{where}: the visit to '{stop.id}' lasts {v.depart - v.arrive:g} min; expected {stop.duration:g}"
            )
        if stop.time_windows and not any(w.start - tol <= v.arrive <= w.end + tol for w in stop.time_windows):
            windows = ", ".join(str(w) for w in stop.time_windows)
            out.append(f"{where}: '{stop.id}' at {_fmt(v.arrive)} is outside its time windows ({windows})")
        drive += leg
        dist += float(p.km[here, stop.location])
        load += stop.demand
        here = stop.location
        t = v.depart
    if lunch is not None and lunch.after == n and n > 0 and not lunch.at_depot:
        if lunch.start < t - tol:
            out.append(f"{where}: the break starts before the last visit ends")
        t = max(t, lunch.end)
    leg = float(p.minutes[here, van.depot])
    if run.back < t + leg - tol:
        out.append(f"{where}: back at {_fmt(run.back)}, but cannot be back before {_fmt(t + leg)}")
    end = run.back
    if lunch is not None and lunch.at_depot and lunch.after == n and n > 0:
        if lunch.start < run.back - tol:
            out.append(f"{where}: the break at the depot starts before the van is back")
        end = max(end, lunch.end)
    drive += leg
    dist += float(p.km[here, van.depot])
    if van.shift_end is not None and end > van.shift_end + tol:
        out.append(f"{where}: ends at {_fmt(end)}, after the shift ends ({_fmt(van.shift_end)})")
    if van.max_duration is not None and end - run.leave > van.max_duration + tol:
        out.append(f"{where}: lasts {end - run.leave:g} min; the limit is {van.max_duration:g}")
    if van.capacity is not None and load > van.capacity:
        out.append(f"{where}: load {load} exceeds the capacity {van.capacity}")
    if not math.isclose(dist, run.distance_km, rel_tol=1e-9, abs_tol=1e-6):
        out.append(f"{where}: distance {run.distance_km:.6f} km; recomputed {dist:.6f}")
    if not math.isclose(drive, run.drive_min, rel_tol=1e-9, abs_tol=1e-6):
        out.append(f"{where}: driving {run.drive_min:.6f} min; recomputed {drive:.6f}")
    return out
