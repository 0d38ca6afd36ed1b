"""From a checked request to the solver's problem: vans at their depots, the stops, road times, locks."""

from __future__ import annotations

from ..coverage import facilities_of
from ..dataset import Dataset
from ..errors import ProblemError
from ..planner import ProblemBuilder
from ..planner.problem import PlanProblem, road_travel
from ..published import Timetable
from ..traveltime import TravelTimes
from .locks import lock_stop, lock_weeks, locked_entries
from .request import TimetableRequest
from .stops import choose_stops

__all__ = ["build_problem"]


def build_problem(
    request: TimetableRequest,
    data: Dataset,
    times: TravelTimes,
    *,
    locked: Timetable | None = None,
    lock: str = "time",
) -> PlanProblem:
    """The solver's problem for a request: the chosen stops, the vans, road times, and the locked entries.

    Entries of ``locked`` keep their weekday, weeks and time (``lock="time"``)
    or their weekday and weeks (``lock="day"``); see :mod:`.locks`.

    Raises
    ------
    DataFileError, UnknownKindError, ProblemError
        For an override naming an unknown village, an outreach worker of an
        unknown kind, a bad lock level, or a stop the request names that no
        van can serve (villages picked automatically are reported as unserved instead).
    """
    previous = locked_entries(locked, lock, worked={d for v in request.vans for d in v.weekdays})
    if request.outreach is not None:
        facilities_of(data.directory, request.outreach.kind)  # an unknown kind is refused now, naming the known ones
    builder = ProblemBuilder(cycle_weeks=request.cycle_weeks, start_date=request.start_date, name=request.plan_id,
                             strict=False, defaults=request.defaults)  # fmt: skip
    for van in request.vans:
        builder.add_van(
            van.id, depot=van.depot, shift_start=van.shift_start, shift_end=van.shift_end,
            break_minutes=van.lunch_minutes, break_window=van.lunch_window, weekdays=list(van.weekdays),
        )  # fmt: skip
    for choice in choose_stops(request, data):
        choice = lock_stop(choice, previous.get(choice.village.id), lock)
        v = choice.village
        builder.add_stop(
            v.id, name=v.name, lat=v.lat, lon=v.lon, population=v.population, frequency_weeks=choice.frequency_weeks,
            duration=choice.duration_min, weekdays=list(choice.weekdays) or None, time_windows=choice.time_windows,
        )  # fmt: skip
    problem = builder.build(
        travel=road_travel(times), network_source=f"{times.network.name}: {times.network.source}",
        approximate=times.approximate,
    )  # fmt: skip
    asked = [s for s in request.overrides if s in problem.unservable]
    if asked:
        msg = f"stop '{asked[0]}' cannot be served: {problem.unservable[asked[0]].text}"
        raise ProblemError(msg)
    return lock_weeks(problem, previous, since=locked.start_date if locked is not None else None)
