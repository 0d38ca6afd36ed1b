"""Cheapest insertion of a stop into the runs of a day, vectorised with numpy.

A day's *table* (:class:`Edges`) has one entry per edge of every run of the day
(and one virtual depot-depot edge per idle van): its ends, the earliest
departure from its start and the latest start at its end (forward and backward
time-window propagation), and its run's load, capacity, duration and duration
limit. The cost of putting a stop on an edge is the extra distance plus
penalties for excess load, time warp and excess duration; ``best`` takes the
cheapest edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ._compiled import Compiled

IntArray = npt.NDArray[np.int64]
INF = float("inf")


class Place(NamedTuple):
    """Where a stop goes on one day: the run (or ``-1 - class`` for a new run of an idle van) and position."""

    cost: float
    route: int
    position: int


@dataclass(slots=True)
class Edges:
    """Edges of runs as parallel arrays, one entry per edge (the edge from ``start`` to ``end``)."""

    #: locations at the two ends
    start: IntArray
    end: IntArray
    #: earliest departure from ``start`` (after its visit) and latest start of the visit at ``end``
    depart: IntArray
    latest: IntArray
    #: figures of the edge's run: load, capacity, duration (driving and visits), duration limit
    load: IntArray
    capacity: IntArray
    duration: IntArray
    max_duration: IntArray
    #: the run (index into the routes, or ``-1 - class`` for an idle van) and the edge's position in it
    route: IntArray
    position: IntArray

    @property
    def size(self) -> int:
        return int(self.start.size)

    @classmethod
    def concatenate(cls, parts: list[Edges]) -> Edges:
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))


@dataclass(slots=True)
class DayTable:
    """Every edge of one day's runs, and a memo of the insertions evaluated on them."""

    edges: Edges | None
    memo: dict[tuple[int, tuple[int, int], bool], Place] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.edges is not None


def _full(value: int, size: int) -> IntArray:
    return np.full(size, value, dtype=np.int64)


class RouteArrays:
    """One run's edges, the block it adds to its day's table."""

    __slots__ = ("edges",)

    def __init__(
        self, cp: Compiled, vc: int, stops: list[int], option: list[int | None], anchor: list[int | None], rid: int
    ) -> None:
        cls = cp.classes[vc]
        locs = [cls.depot, *(int(cp.loc[s]) for s in stops), cls.depot]
        svc = [0, *(int(cp.service[s]) for s in stops), 0]
        early = [cls.tw_early]
        late = []
        for s in stops:
            o = option[s]
            opt = None if o is None else cp.options[s][o]
            e, lt = cp.window(s, cls.day, opt, anchor[s])
            early.append(e)
            late.append(lt)
        early.append(cls.tw_early)
        late = [cls.tw_late, *late, cls.tw_late]
        n = len(locs)
        la = np.array(locs, dtype=np.int64)
        leg = cp.dur[la[:-1], la[1:]].tolist()
        es = [0] * n
        es[0] = early[0]
        for i in range(1, n):
            es[i] = max(early[i], es[i - 1] + svc[i - 1] + leg[i - 1])
        ls = [0] * n
        ls[-1] = late[-1]
        for i in range(n - 2, -1, -1):
            ls[i] = min(late[i], ls[i + 1] - svc[i] - leg[i])
        m = n - 1
        self.edges = Edges(
            start=la[:-1],
            end=la[1:],
            depart=np.array(es[:-1], dtype=np.int64) + np.array(svc[:-1], dtype=np.int64),
            latest=np.array(ls[1:], dtype=np.int64),
            load=_full(sum(int(cp.demand[s]) for s in stops), m),
            capacity=_full(cls.capacity, m),
            duration=_full(sum(leg) + sum(svc), m),
            max_duration=_full(cls.max_duration, m),
            route=_full(rid, m),
            position=np.arange(m, dtype=np.int64),
        )


def _idle_edge(cp: Compiled, vc: int) -> Edges:
    """The virtual depot-depot edge of an idle van of class ``vc``."""
    cls = cp.classes[vc]
    return Edges(
        start=_full(cls.depot, 1),
        end=_full(cls.depot, 1),
        depart=_full(cls.tw_early, 1),
        latest=_full(cls.tw_late, 1),
        load=_full(0, 1),
        capacity=_full(cls.capacity, 1),
        duration=_full(0, 1),
        max_duration=_full(cls.max_duration, 1),
        route=_full(-1 - vc, 1),
        position=_full(0, 1),
    )


class Insertion:
    """Cheapest insertion of a stop into the runs of one day, vectorised over all edges."""

    def __init__(self, cp: Compiled) -> None:
        self.cp = cp
        self.load_penalty = 1.0  # per unit of excess load
        self.time_penalty = 1.0  # per scaled minute of time warp / excess duration

    def day_table(
        self,
        routes: list[tuple[int, list[int]]],
        option: list[int | None],
        anchor: list[int | None],
        day: int,
        cache: dict[int, RouteArrays],
    ) -> DayTable:
        """Every edge of every run of ``day`` (and one virtual edge per idle van), with its run's figures."""
        cp = self.cp
        blocks = []
        used = dict.fromkeys(cp.day_classes[day], 0)
        for rid, (vc, stops) in enumerate(routes):
            if cp.classes[vc].day != day:
                continue
            used[vc] += 1
            if rid not in cache:
                cache[rid] = RouteArrays(cp, vc, stops, option, anchor, rid)
            blocks.append(cache[rid].edges)
        for vc, count in used.items():
            if count < len(cp.classes[vc].vans):  # an idle van: a virtual depot-depot edge
                blocks.append(_idle_edge(cp, vc))
        if not blocks:
            return DayTable(None)
        return DayTable(Edges.concatenate(blocks))

    def best(self, table: DayTable, stop: int, window: tuple[int, int], *, feasible_only: bool) -> Place:
        """The cheapest place for ``stop`` on the day; cost ``inf`` when nothing fits."""
        if table.edges is None:
            return Place(INF, 0, 0)
        key = (stop, window, feasible_only)
        found = table.memo.get(key)
        if found is not None:
            return found
        result = self._best(table.edges, stop, window, feasible_only=feasible_only)
        table.memo[key] = result
        return result

    def _best(self, edges: Edges, stop: int, window: tuple[int, int], *, feasible_only: bool) -> Place:
        cp = self.cp
        c = int(cp.loc[stop])
        a, b = edges.start, edges.end
        ta, tb = cp.dur[a, c], cp.dur[c, b]
        delta = (cp.dist[a, c] + cp.dist[c, b] - cp.dist[a, b]).astype(float)
        svc = int(cp.service[stop])
        arrive = np.maximum(window[0], edges.depart + ta)
        warp = np.maximum(0, arrive - window[1]) + np.maximum(0, arrive + svc + tb - edges.latest)
        q = int(cp.demand[stop])
        excess = np.maximum(0, edges.load + q - edges.capacity) - np.maximum(0, edges.load - edges.capacity)
        over = np.maximum(0, edges.duration + ta + tb - cp.dur[a, b] + svc - edges.max_duration) - np.maximum(
            0, edges.duration - edges.max_duration
        )
        if feasible_only:
            cost = np.where((warp == 0) & (excess == 0) & (over == 0), delta, INF)
        else:
            cost = delta + self.load_penalty * excess + self.time_penalty * (warp + over)
        k = int(np.argmin(cost))
        return Place(float(cost[k]), int(edges.route[k]), int(edges.position[k]))
