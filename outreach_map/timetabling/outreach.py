"""An outreach worker on the runs that reach the most people far from their agency's own services."""

from __future__ import annotations

from ..coverage import facilities_of
from ..dataset import Dataset
from ..planner import Solution
from ..published import Outreach, RunKey
from ..traveltime import TravelTimes
from .request import OutreachWorker

__all__ = ["assign_outreach"]


def assign_outreach(solution: Solution, worker: OutreachWorker, data: Dataset, times: TravelTimes) -> Outreach:
    """Choose, for each day the worker works, the run that reaches most people far from the agency's services.

    A stop's people count when the village is more than ``far_minutes`` by
    road from every open, public service point of the worker's kind (examples
    included: they stand for the agency's bases). One run per working day of
    the cycle; runs are chosen greedily by that population.
    """
    far = _far_population(solution, worker, data, times)
    by_day: dict[tuple[int, str], list[tuple[int, str]]] = {}
    for run in solution.runs:
        if run.weekday_name in worker.weekdays and run.week_number is not None:
            score = sum(far.get(v.stop, 0) for v in run.visits)
            by_day.setdefault((run.week_number, run.weekday_name), []).append((score, run.van))
    chosen: list[RunKey] = []
    stops: set[str] = set()
    for (week, weekday), options in sorted(by_day.items()):
        score, van = max(options)
        if score <= 0:
            continue
        chosen.append(RunKey(van, week, weekday))
        run = next(r for r in solution.runs if (r.van, r.week_number, r.weekday_name) == (van, week, weekday))
        stops.update(v.stop for v in run.visits)
    reached = sum(far.get(s, 0) for s in stops)
    return Outreach(worker.name, worker.kind, worker.weekdays, worker.far_minutes, tuple(chosen), reached)


def _far_population(solution: Solution, worker: OutreachWorker, data: Dataset, times: TravelTimes) -> dict[str, int]:
    """People of each stop's village if it lies more than ``far_minutes`` from the worker's agency, else 0."""
    services = facilities_of(data.directory, worker.kind)
    villages = [v for s in solution.problem.stops if (v := data.villages.get(s.id)) is not None]
    if not villages:
        return {}
    nearest = times.nearest(villages, services)
    return {
        v.id: v.population if minutes > worker.far_minutes else 0
        for v, minutes in zip(villages, nearest.minutes, strict=True)
    }
