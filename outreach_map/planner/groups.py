"""Stops on the same run (two sides of a village): solved as one stop, then split back.

Stops that share a ``same_run`` label are merged into one *compound* stop
before the search: its visit lasts the members' visits plus the drives between
them, and it has a row of its own in the matrices that is reached like the
first member and left like the last (``minutes[x, G] = minutes[x, first]``,
``minutes[G, y] = minutes[last, y]``), so every run costs exactly what the
split run costs. Its patterns are those every member allows, its population
the members' sum, and its load the members' count (so a limit on stops per run
counts each of them). After solving, each compound visit becomes the members'
visits one after the other, and the run's legs are recomputed from the
request's own matrices; the checker then sees only the request's stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from .builder import unservable_reason
from .problem import Location, PlanProblem, Stop
from .solution import Assignment, Lunch, Run, Solution, Unserved, Visit

__all__ = ["Merged", "merge_groups", "split_solution"]


@dataclass(frozen=True, slots=True)
class Merged:
    """A request with its same-run groups merged: for each stop of ``problem``, the request's stops it stands for.

    ``offsets[i]`` are the minutes from the compound visit's start to each member's arrival.
    """

    original: PlanProblem
    problem: PlanProblem
    members: tuple[tuple[int, ...], ...]
    offsets: tuple[tuple[float, ...], ...]


def _groups(problem: PlanProblem) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, stop in enumerate(problem.stops):
        if stop.same_run is not None:
            groups.setdefault(stop.same_run, []).append(i)
    return groups


def _compound(problem: PlanProblem, label: str, members: list[int], location: int) -> tuple[Stop, tuple[float, ...]]:
    stops = [problem.stops[i] for i in members]
    offsets = [0.0]
    for a, b in pairwise(stops):
        offsets.append(offsets[-1] + a.duration + float(problem.minutes[a.location, b.location]))
    common = frozenset.intersection(*(frozenset(p.days for p in s.patterns) for s in stops))
    first = stops[0]
    options = set.intersection(*(set(s.frequency_options) for s in stops)) if first.frequency_options else set()
    gaps = [s.min_weeks_between_visits for s in stops if s.min_weeks_between_visits is not None]
    preferred = next((s.preferred_weekday for s in stops if s.preferred_weekday is not None), None)
    compound = Stop(
        id=f"same-run {label}", name=" + ".join(s.name for s in stops), location=location,
        duration=offsets[-1] + stops[-1].duration, visits=first.visits,
        patterns=tuple(p for p in first.patterns if p.days in common), frequency_weeks=first.frequency_weeks,
        weekdays=first.weekdays, time_windows=first.time_windows, population=sum(s.population for s in stops),
        demand=sum(s.demand for s in stops), outreach=any(s.outreach for s in stops),
        required=any(s.required for s in stops), frequency_options=tuple(sorted(options)),
        min_weeks_between_visits=max(gaps) if gaps else None, preferred_weekday=preferred,
    )  # fmt: skip
    return compound, tuple(offsets)


def _matrix(matrix: np.ndarray, ends: Sequence[tuple[int, int]]) -> np.ndarray:
    """``matrix`` with a row and column per compound: reached like its first member, left like its last."""
    n, g = matrix.shape[0], len(ends)
    out = np.zeros((n + g, n + g))
    out[:n, :n] = matrix
    firsts = [f for f, _ in ends]
    lasts = [last for _, last in ends]
    out[:n, n:] = matrix[:, firsts]
    out[n:, :n] = matrix[lasts, :]
    out[n:, n:] = matrix[np.ix_(lasts, firsts)]
    np.fill_diagonal(out[n:, n:], 0.0)
    return out


def merge_groups(problem: PlanProblem) -> Merged | None:
    """The request with each same-run group as one stop (``None`` when it has no group)."""
    groups = _groups(problem)
    if not groups:
        return None
    grouped = {i for members in groups.values() for i in members}
    stops: list[Stop] = []
    members: list[tuple[int, ...]] = []
    offsets: list[tuple[float, ...]] = []
    for i, stop in enumerate(problem.stops):
        if i not in grouped:
            stops.append(stop)
            members.append((i,))
            offsets.append((0.0,))
    n = len(problem.locations)
    locations = list(problem.locations)
    ends = []
    for k, (label, group) in enumerate(groups.items()):
        first, last = problem.stops[group[0]], problem.stops[group[-1]]
        place = problem.locations[first.location]
        locations.append(Location(f"same-run:{label}", place.name, place.lat, place.lon, place.x, place.y))
        ends.append((first.location, last.location))
        compound, steps = _compound(problem, label, group, n + k)
        stops.append(compound)
        members.append(tuple(group))
        offsets.append(steps)
    merged = replace(
        problem, stops=tuple(stops), locations=tuple(locations), minutes=_matrix(problem.minutes, ends),
        km=_matrix(problem.km, ends), unservable={},
    )  # fmt: skip
    unservable = {}
    for stop, ids in zip(stops, members, strict=True):
        why = next((problem.unservable[problem.stops[i].id] for i in ids if problem.stops[i].id in problem.unservable),
                   None) or (unservable_reason(merged, stop) if len(ids) > 1 else None)  # fmt: skip
        if why is not None:
            unservable[stop.id] = why
    return Merged(problem, replace(merged, unservable=unservable), tuple(members), tuple(offsets))


def _split_run(m: Merged, run: Run) -> Run:
    p = m.original
    van = p.vans[run.van_index]
    visits: list[Visit] = []
    after: int | None = None
    here = van.depot
    for k, v in enumerate(run.visits):
        if run.lunch is not None and run.lunch.after == k:
            after = len(visits)
        for member, offset in zip(m.members[v.stop_index], m.offsets[v.stop_index], strict=True):
            stop = p.stops[member]
            arrive = v.arrive + offset
            leg_min, leg_km = float(p.minutes[here, stop.location]), float(p.km[here, stop.location])
            visits.append(Visit(stop.id, member, arrive, arrive + stop.duration, v.wait if offset == 0 else 0.0,
                                leg_min, leg_km))  # fmt: skip
            here = stop.location
    lunch = run.lunch
    if lunch is not None:
        lunch = Lunch(lunch.start, lunch.end, len(visits) if after is None else after, lunch.at_depot)
    back_min, back_km = float(p.minutes[here, van.depot]), float(p.km[here, van.depot])
    return replace(
        run, visits=tuple(visits), lunch=lunch, drive_min=sum(v.drive_min for v in visits) + back_min,
        distance_km=sum(v.distance_km for v in visits) + back_km, return_drive_min=back_min, return_km=back_km,
    )  # fmt: skip


def split_solution(m: Merged, solution: Solution) -> Solution:
    """The solution of the merged request as a solution of the request: each compound visit split into its stops."""
    p = m.original
    runs = tuple(_split_run(m, run) for run in solution.runs)
    assignments: dict[str, Assignment] = {}
    for a in solution.assignments.values():
        for member, offset in zip(m.members[a.stop_index], m.offsets[a.stop_index], strict=True):
            stop = p.stops[member]
            pattern = next(pat for pat in stop.patterns if pat.days == a.pattern.days)
            assignments[stop.id] = replace(
                a, stop=stop.id, stop_index=member, pattern=pattern, arrive=a.arrive + offset,
                depart=a.arrive + offset + stop.duration,
                times=tuple((t + offset, t + offset + stop.duration) for t, _ in a.times),
                window=a.window if offset == 0 else None,
            )  # fmt: skip
    unserved = tuple(
        Unserved(p.stops[member].id, member, u.code, u.reason)
        for u in solution.unserved
        for member in m.members[u.stop_index]
    )
    return Solution(p, runs, assignments, unserved, solution.stats)
