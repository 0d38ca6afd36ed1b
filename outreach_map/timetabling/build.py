"""From a checked request to the solver's problem: vans at their depots, the stops, travel times, locks."""

from __future__ import annotations

from ..clock import clock
from ..coverage import facilities_of
from ..dataset import Dataset
from ..errors import PointOutsideNetworkError, ProblemError
from ..planner import ProblemBuilder
from ..planner.problem import PlanProblem, road_travel
from ..published import Entry, Timetable
from ..traveltime import TravelTimes
from .locks import lock_stop, lock_weeks, locked_entries
from .request import TimetableRequest
from .stops import StopChoice, choose_stops

__all__ = ["ANCHOR_MINUTES", "build_problem"]

#: The grid on which the search keeps the times of a stop's repeated visits.
ANCHOR_MINUTES = 5


def build_problem(
    request: TimetableRequest,
    data: Dataset,
    times: TravelTimes | None,
    *,
    locked: Timetable | None = None,
    lock: str = "time",
) -> PlanProblem:
    """The solver's problem for a request: the chosen stops, the vans, travel times, and the locked entries.

    Travel times come from the road network of ``times``, or (``travel = "proxy"``)
    from the proxy model, for any set of points. Entries of ``locked`` keep their
    weekday, weeks and time (``lock="time"``) or their weekday and weeks
    (``lock="day"``); see :mod:`.locks`.

    Raises
    ------
    DataFileError, UnknownKindError, ProblemError
        For an override naming an unknown village, an outreach worker of an
        unknown kind, a bad lock level, a stop the request names that no van
        can serve (villages picked automatically are reported as unserved
        instead), or a stop outside the road network's area.
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
            max_stops=van.max_stops,
        )  # fmt: skip
    grouped: set[str] = set()
    choices = choose_stops(request, data)
    if times is not None and request.travel == "roads":
        _on_network(times, choices)
    for choice in choices:
        first = choice.same_run is None or choice.same_run not in grouped
        if choice.same_run is not None:
            grouped.add(choice.same_run)
        old = previous.get(choice.id)
        timed = first and (old is None or old.entry is None or not _time_not_holdable(request, old.entry))
        _add_stop(builder, request, lock_stop(choice, old, lock, with_time=timed))
    problem = _build(builder, request, times)
    asked = [s for s in request.overrides if s in problem.unservable]
    if request.stop_rows:
        asked += [s.id for s in problem.stops if s.id in problem.unservable]
    if asked:
        msg = f"stop '{asked[0]}' cannot be served: {problem.unservable[asked[0]].text}"
        raise ProblemError(msg)
    return lock_weeks(problem, previous, since=locked.start_date if locked is not None else None)


def _add_stop(builder: ProblemBuilder, request: TimetableRequest, choice: StopChoice) -> None:
    builder.add_stop(
        choice.id, name=choice.name, lat=choice.lat, lon=choice.lon, population=choice.population,
        frequency_weeks=choice.frequency_weeks, duration=choice.duration_min, weekdays=list(choice.weekdays) or None,
        time_windows=choice.time_windows, frequency_options=choice.frequency_options or None,
        min_weeks_between_visits=request.min_weeks_between_visits, preferred_weekday=choice.preferred_weekday,
        same_run=choice.same_run,
    )  # fmt: skip


def _time_not_holdable(request: TimetableRequest, entry: Entry) -> bool:
    """Whether the search cannot hold a published visit to its minute: one off the 5-minute grid it anchors
    repeated visits on, or across the nominal break it works around (the middle of the lunch window, when every
    van has the same lunch). Such a visit keeps its weekday and weeks, but not its time."""
    kinds = {(v.lunch_minutes, v.lunch_window) for v in request.vans}
    if len(kinds) != 1:
        return False
    minutes, window = next(iter(kinds))
    lo, hi = (clock(part) for part in window.split("-"))
    start = lo + (hi - lo - minutes) / 2
    off_grid = clock(entry.arrive) % ANCHOR_MINUTES != 0  # the search anchors repeated visits on this grid
    return off_grid or (minutes > 0 and clock(entry.arrive) < start + minutes and clock(entry.depart) > start)


def _on_network(times: TravelTimes, choices: list[StopChoice]) -> None:
    """Refuse a stop off the road network, naming it (before the depots, which the matrix would name first)."""
    try:
        times.snap(choices)
    except PointOutsideNetworkError as exc:
        msg = f'stop {exc}; plan stops of another area on the proxy model (travel = "proxy") or import its roads'
        raise PointOutsideNetworkError(msg) from None


def _build(builder: ProblemBuilder, request: TimetableRequest, times: TravelTimes | None) -> PlanProblem:
    """Freeze on the proxy model or the road network; a stop off the network is named with its file line."""
    if request.travel == "proxy":
        return builder.build(proxy=request.proxy, balance=request.balance)
    if times is None:
        msg = 'no road network to plan on; name one (--roads) or plan on the proxy model (travel = "proxy")'
        raise ProblemError(msg)
    try:
        return builder.build(
            travel=road_travel(times), network_source=f"{times.network.name}: {times.network.source}",
            approximate=times.approximate, balance=request.balance,
        )  # fmt: skip
    except PointOutsideNetworkError as exc:
        msg = f'{exc}; plan stops of another area on the proxy model (travel = "proxy") or import its roads'
        raise PointOutsideNetworkError(msg) from None
