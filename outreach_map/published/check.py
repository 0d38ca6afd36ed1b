"""Check a published timetable against every constraint, with the one checker of solutions.

``outreach-map check-plan routes/ID`` reads ``plan.json`` only (and the road
network, to recompute travel times and distances): the timetable is read back
as a plan request (vans, stops, the cycle) and the solution it records (runs,
visits, lunch breaks, timetable entries), then checked by
:func:`outreach_map.planner.check_solution` with a tolerance of one minute per
time (the file rounds times to the minute) and 2% on totals.
"""

from __future__ import annotations

from ..clock import WEEKDAYS, clock
from ..errors import ProblemError
from ..planner.builder import ProblemBuilder
from ..planner.check import Tolerance, check_solution
from ..planner.problem import PLANNER_DEFAULTS, Location, PlanProblem, ProxyModel, TravelFunction, road_travel
from ..planner.solution import Assignment, Lunch, Run, Solution, SolveStats, Unserved, Visit
from ..traveltime import TravelTimes
from .model import Run as TimetableRun
from .model import Timetable

__all__ = ["FILE_TOLERANCE", "check_timetable", "travel_of"]

#: Times in the file are whole minutes: one minute per time; totals (drive, distance) within 2%.
FILE_TOLERANCE = Tolerance(minutes=1.0, relative=0.02)


def check_timetable(timetable: Timetable, times: TravelTimes | None) -> list[str]:
    """Every violated constraint of a published timetable, as sentences naming the run, stop or van.

    A timetable planned on the proxy model is checked on the same model (its
    detour factor and speed are in the file); any other on the road network of ``times``.

    Raises
    ------
    ProblemError
        If the vans or stops themselves cannot make a plan request (e.g. a
        lunch break that does not fit its window within the shift), or a
        timetable planned on roads is given no road network.
    """
    return check_solution(solution_of(timetable, travel_of(timetable, times)), tolerance=FILE_TOLERANCE)


def travel_of(timetable: Timetable, times: TravelTimes | None) -> TravelFunction:
    """The travel times a timetable was planned on: its proxy model, or the road network of ``times``."""
    network = timetable.network
    if network.detour is not None and network.speed_kmh is not None:
        return ProxyModel(network.detour, network.speed_kmh).travel()
    if times is None:
        msg = f"timetable '{timetable.plan_id}' was planned on a road network ({network.source}); give one to check it"
        raise ProblemError(msg)
    return road_travel(times)


def problem_of(timetable: Timetable, travel: TravelFunction) -> PlanProblem:
    """The plan request a timetable answers: its vans (every weekday, unless the file says), stops and cycle."""
    builder = ProblemBuilder(
        cycle_weeks=timetable.cycle_weeks, start_date=timetable.start_date, name=timetable.plan_id, strict=False
    )
    for van in timetable.vans:
        depot = Location(van.depot.id or f"depot:{van.id}", van.depot.name, van.depot.lat, van.depot.lon)
        builder.add_van(
            van.id, depot=depot, name=van.name, shift_start=van.shift_start, shift_end=van.shift_end,
            break_minutes=float(van.break_minutes or 0.0), break_window=van.break_window or PLANNER_DEFAULTS.lunch_window,
            weekdays=van.weekdays or WEEKDAYS, max_stops=van.max_stops,
        )  # fmt: skip
    for s in timetable.stops:
        builder.add_stop(
            s.id, name=s.name, lat=s.lat, lon=s.lon, duration=s.duration_min, frequency_weeks=s.frequency_weeks,
            population=s.population, min_weeks_between_visits=s.min_weeks_between_visits,
            preferred_weekday=s.preferred_weekday, same_run=s.same_run,
        )  # fmt: skip
    return builder.build(
        travel=travel, network_source=timetable.network.source, approximate=timetable.network.approximate
    )


def solution_of(timetable: Timetable, travel: TravelFunction) -> Solution:
    """The solution a timetable records, on the request :func:`problem_of` makes of it."""
    p = problem_of(timetable, travel)
    runs = tuple(_run(p, r) for r in timetable.runs)
    assignments = {a.stop: a for a in (_assignment(p, timetable, i, runs) for i in range(len(p.stops))) if a}
    unserved = tuple(Unserved(u.stop, p.stop_index(u.stop), u.code, u.reason) for u in timetable.unserved)
    return Solution(p, runs, assignments, unserved, SolveStats("published", 0.0, 0, 0, 0.0, 0.0, 1.0))


def _run(p: PlanProblem, run: TimetableRun) -> Run:
    van_index = p.van_index(run.van)
    van = p.vans[van_index]
    day = p.days[7 * (run.week - 1) + WEEKDAYS.index(run.weekday)]
    visits = tuple(
        Visit(v.stop, p.stop_index(v.stop), clock(v.arrive), clock(v.depart), 0.0, 0.0, 0.0) for v in run.visits
    )
    leave = van.shift_start if run.leave is None else clock(run.leave)
    back = (van.shift_end or 23 * 60 + 59.0) if run.back is None else clock(run.back)
    return Run(
        van=van.id, van_index=van_index, day=day, visits=visits, leave=leave, back=back,
        lunch=None if run.lunch is None else _lunch(clock(run.lunch.start), clock(run.lunch.end), visits, leave, back),
        drive_min=run.drive_min, distance_km=run.distance_km, wait_min=0.0, return_drive_min=0.0, return_km=0.0,
    )  # fmt: skip


def _lunch(start: float, end: float, visits: tuple[Visit, ...], leave: float, back: float) -> Lunch:
    """Where a break written only as times was taken: at the depot before leaving or after coming back, or after
    the visits that end by its start (at the last one's place)."""
    n = len(visits)
    if end <= leave + FILE_TOLERANCE.minutes:
        return Lunch(start, end, 0, True)
    if start >= back - FILE_TOLERANCE.minutes:
        return Lunch(start, end, n, True)
    return Lunch(start, end, sum(1 for v in visits if v.depart <= start + FILE_TOLERANCE.minutes), False)


def _assignment(p: PlanProblem, timetable: Timetable, index: int, runs: tuple[Run, ...]) -> Assignment | None:
    """A stop's timetable entry as the file gives it (or, where the file has none, as its visits imply)."""
    stop = p.stops[index]
    visits = sorted((r.day.index, v.arrive, v.depart, r.van) for r in runs for v in r.visits if v.stop_index == index)
    entry = timetable.stop(stop.id).entry
    if entry is None and not visits:
        return None
    if entry is None:
        days = tuple(d for d, *_ in visits)
        arrive, depart = visits[0][1], visits[0][2]
    else:
        days = tuple(sorted(7 * (w - 1) + WEEKDAYS.index(entry.weekday) for w in entry.weeks))
        arrive, depart = clock(entry.arrive), clock(entry.depart)
    pattern = next((pat for pat in stop.patterns if pat.days == frozenset(days)), stop.patterns[0])
    return Assignment(
        stop=stop.id, stop_index=index, pattern=pattern, days=days,
        weeks=tuple(w + 1 for d in days if (w := p.days[d].week) is not None), weekday=p.days[days[0]].weekday,
        arrive=arrive, depart=depart, times=tuple((a, b) for _, a, b, _ in visits), vans=tuple(v for *_, v in visits),
        window=None,
    )  # fmt: skip
