"""From the solver's :class:`~outreach_map.planner.Solution` to the :class:`~.model.Timetable` that is published."""

from __future__ import annotations

from datetime import UTC, datetime

from ..clock import WEEKDAYS, format_clock
from ..errors import PublishError
from ..planner.problem import PlanProblem
from ..planner.solution import Run as SolvedRun
from ..planner.solution import Solution
from .model import (
    Entry,
    Lunch,
    Network,
    Outreach,
    Place,
    Run,
    SolverInfo,
    Stop,
    Timetable,
    Totals,
    Unserved,
    Van,
    Visit,
)

__all__ = ["timetable_of"]


def timetable_of(
    solution: Solution, *, plan_id: str, generated: datetime | None = None, outreach: Outreach | None = None
) -> Timetable:
    """The timetable of a solution: DESIGN.md's fields, plus times of every entry and the lunch breaks.

    With ``outreach``, the runs the worker rides on and their visits are marked
    and each stop lists the weeks the worker comes.

    Raises
    ------
    PublishError
        If the solution is not a cyclic timetable with a start date, or a place has no coordinates.
    """
    p = solution.problem
    if p.cycle_weeks is None or p.start_date is None:
        msg = "only a cyclic timetable (cycle_weeks and start_date) can be published"
        raise PublishError(msg)
    for loc in p.locations:
        if loc.lat is None or loc.lon is None:
            msg = f"place '{loc.name}' has no latitude/longitude; a published timetable needs them"
            raise PublishError(msg)
    ridden = {(k.van, k.week, k.weekday) for k in outreach.runs} if outreach else set()
    runs = tuple(_run(r, (r.van, r.week_number, r.weekday_name) in ridden, outreach) for r in _in_order(solution))
    outreach_weeks: dict[str, list[int]] = {}
    for run in runs:
        for v in run.visits if run.outreach else ():
            outreach_weeks.setdefault(v.stop, []).append(run.week)
    return Timetable(
        plan_id=plan_id, cycle_weeks=p.cycle_weeks, start_date=p.start_date, vans=_vans(p),
        stops=tuple(_stop(solution, i, sorted(outreach_weeks.get(s.id, []))) for i, s in enumerate(p.stops)), runs=runs,
        unserved=tuple(Unserved(u.stop, u.reason, u.code) for u in solution.unserved),
        network=_network(p), outreach=outreach,
        totals=Totals(
            round(solution.distance_km, 1), round(solution.drive_min, 1), round(solution.van_minutes, 1),
            solution.population_served, solution.population_total,
        ),
        generated=(generated or datetime.now(UTC)).replace(microsecond=0).isoformat(),
        solver=SolverInfo(solution.stats.method, solution.stats.seed, round(solution.stats.runtime, 1)),
        extra={"service": _service(solution)},
    )  # fmt: skip


def _network(p: PlanProblem) -> Network:
    if p.proxy is None:
        return Network(p.network_source, p.approximate)
    return Network(p.network_source, True, p.proxy.detour, p.proxy.speed_kmh)


def _service(solution: Solution) -> dict[str, int]:
    """What the timetable gives: visits and people-visits per cycle, van-days used of the fleet's."""
    p = solution.problem
    visits = sum(len(a.days) for a in solution.assignments.values())
    people = sum(p.stops[a.stop_index].population * len(a.days) for a in solution.assignments.values())
    return {"visits": visits, "people_visits": people, "van_days_used": len(solution.runs), "van_days": p.van_days}


def _in_order(solution: Solution) -> list[SolvedRun]:
    return sorted(solution.runs, key=lambda r: (r.day.index, r.van))


def _place(p: PlanProblem, index: int) -> Place:
    loc = p.locations[index]
    return Place(loc.name, float(loc.lat or 0.0), float(loc.lon or 0.0), loc.id)


def _vans(p: PlanProblem) -> tuple[Van, ...]:
    return tuple(
        Van(
            id=v.id, depot=_place(p, v.depot), shift_start=format_clock(v.shift_start),
            shift_end=None if v.shift_end is None else format_clock(v.shift_end), name=v.name,
            break_minutes=v.break_minutes, break_window=str(v.break_window),
            weekdays=tuple(WEEKDAYS[d] for d in v.weekdays), max_stops=v.max_stops,
        )
        for v in p.vans
    )  # fmt: skip


def _stop(solution: Solution, index: int, outreach_weeks: list[int]) -> Stop:
    s = solution.problem.stops[index]
    place = _place(solution.problem, s.location)
    a = solution.assignments.get(s.id)
    entry = None
    if a is not None and a.weekday_name is not None:
        entry = Entry(
            a.weekday_name, a.weeks, format_clock(a.arrive), format_clock(a.depart), a.vans[0] if a.vans else None
        )
    return Stop(
        id=s.id, name=s.name, lat=place.lat, lon=place.lon, frequency_weeks=s.frequency_weeks or 1,
        duration_min=s.duration, population=s.population, entry=entry, outreach=bool(outreach_weeks),
        outreach_weeks=tuple(outreach_weeks), min_weeks_between_visits=s.min_weeks_between_visits,
        preferred_weekday=None if s.preferred_weekday is None else WEEKDAYS[s.preferred_weekday], same_run=s.same_run,
    )  # fmt: skip


def _run(r: SolvedRun, with_worker: bool, outreach: Outreach | None) -> Run:
    return Run(
        van=r.van, week=r.week_number or 1, weekday=r.weekday_name or WEEKDAYS[0],
        visits=tuple(Visit(v.stop, format_clock(v.arrive), format_clock(v.depart), with_worker) for v in r.visits),
        drive_min=round(r.drive_min, 1), distance_km=round(r.distance_km, 2), leave=format_clock(r.leave),
        back=format_clock(r.back),
        lunch=None if r.lunch is None else Lunch(format_clock(r.lunch.start), format_clock(r.lunch.end)),
        outreach=outreach.worker if with_worker and outreach else None,
    )  # fmt: skip
