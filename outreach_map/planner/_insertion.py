"""Cheapest insertion of stops into the runs of a day, vectorised with numpy.

A day's *table* (:class:`Edges`) has one entry per edge of every run of the day
(and one virtual depot-depot edge per idle van): its ends, the earliest
departure from its start and the latest start at its end (forward and backward
time-window propagation), and its run's load, capacity, duration and duration
limit. The cost of putting a stop on an edge is the extra distance plus
penalties for excess load, time warp and excess duration; the cheapest edge
wins. :meth:`Insertion.cheapest` evaluates many stops at once (one row per
stop and window), which is what the pattern search asks most often.

The figures of a run depend only on its van class, its stops and their
windows, so they are kept in a cache keyed by exactly that: most runs do not
change from one iteration of the search to the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ._compiled import Compiled

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
INF = float("inf")

#: Runs kept in the cache before it is emptied (a few MB at most).
_CACHE_LIMIT = 50_000


class Place(NamedTuple):
    """Where a stop goes on one day: the run (or ``-1 - class`` for a new run of an idle van) and position."""

    cost: float
    route: int
    position: int


class Requests(NamedTuple):
    """Stops to place on one day, one row each: the stop, its window for the visit's start, and whether the
    insertion must be free of any violation (optional stops)."""

    stop: IntArray
    low: IntArray
    high: IntArray
    feasible_only: BoolArray


class Places(NamedTuple):
    """The cheapest place of each row of :class:`Requests`: cost (``inf`` when nothing fits), run and position."""

    cost: FloatArray
    route: IntArray
    position: IntArray


@dataclass(frozen=True, slots=True)
class RunFigures:
    """One run's edges: ends, earliest departure and latest arrival, and the run's totals."""

    start: IntArray
    end: IntArray
    depart: IntArray
    latest: IntArray
    load: int
    capacity: int
    duration: int
    max_duration: int


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
    def of_runs(cls, runs: list[tuple[int, RunFigures]]) -> Edges:
        """The edges of ``runs`` given as (route id, figures)."""
        sizes = np.array([r.start.size for _, r in runs], dtype=np.int64)

        def per_run(values: list[int]) -> IntArray:
            return np.repeat(np.array(values, dtype=np.int64), sizes)

        return cls(
            start=np.concatenate([r.start for _, r in runs]),
            end=np.concatenate([r.end for _, r in runs]),
            depart=np.concatenate([r.depart for _, r in runs]),
            latest=np.concatenate([r.latest for _, r in runs]),
            load=per_run([r.load for _, r in runs]),
            capacity=per_run([r.capacity for _, r in runs]),
            duration=per_run([r.duration for _, r in runs]),
            max_duration=per_run([r.max_duration for _, r in runs]),
            route=per_run([rid for rid, _ in runs]),
            position=np.concatenate([np.arange(r.start.size, dtype=np.int64) for _, r in runs]),
        )


@dataclass(slots=True)
class DayTable:
    """Every edge of one day's runs, and a memo of the insertions evaluated on them."""

    edges: Edges | None
    memo: dict[tuple[int, tuple[int, int], bool], Place] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.edges is not None


def run_figures(
    cp: Compiled, vc: int, stops: list[int], option: list[int | None], anchor: list[int | None]
) -> RunFigures:
    """The edges of the run of van class ``vc`` through ``stops`` (forward and backward time propagation)."""
    cls = cp.classes[vc]
    n = len(stops) + 2
    la = np.empty(n, dtype=np.int64)
    la[0] = la[-1] = cls.depot
    la[1:-1] = cp.loc[stops]
    svc = [0, *cp.service[stops].tolist(), 0]
    early = [cls.tw_early]
    late = [cls.tw_late]
    for s in stops:
        o = option[s]
        e, lt = cp.window(s, cls.day, None if o is None else cp.options[s][o], anchor[s])
        early.append(e)
        late.append(lt)
    early.append(cls.tw_early)
    late.append(cls.tw_late)
    leg = cp.dur[la[:-1], la[1:]].tolist()
    es = [0] * n
    es[0] = early[0]
    for i in range(1, n):
        es[i] = max(early[i], es[i - 1] + svc[i - 1] + leg[i - 1])
    ls = [0] * n
    ls[-1] = late[-1]
    for i in range(n - 2, -1, -1):
        ls[i] = min(late[i], ls[i + 1] - svc[i] - leg[i])
    return RunFigures(
        start=la[:-1],
        end=la[1:],
        depart=np.array(es[:-1], dtype=np.int64) + np.array(svc[:-1], dtype=np.int64),
        latest=np.array(ls[1:], dtype=np.int64),
        load=int(cp.demand[stops].sum()),
        capacity=cls.capacity,
        duration=sum(leg) + sum(svc),
        max_duration=cls.max_duration,
    )


def _idle_run(cp: Compiled, vc: int) -> RunFigures:
    """The virtual depot-depot edge of an idle van of class ``vc``."""
    cls = cp.classes[vc]

    def one(value: int) -> IntArray:
        return np.array([value], dtype=np.int64)

    return RunFigures(
        one(cls.depot), one(cls.depot), one(cls.tw_early), one(cls.tw_late), 0, cls.capacity, 0, cls.max_duration
    )


class Insertion:
    """Cheapest insertion of stops into the runs of one day, vectorised over all edges (and over stops)."""

    def __init__(self, cp: Compiled) -> None:
        self.cp = cp
        self.load_penalty = 1.0  # per unit of excess load
        self.time_penalty = 1.0  # per scaled minute of time warp / excess duration
        self._runs: dict[tuple[int, tuple[int, ...], tuple[object, ...]], RunFigures] = {}

    def run(self, vc: int, stops: list[int], option: list[int | None], anchor: list[int | None]) -> RunFigures:
        """The figures of one run, from the cache when the same run was seen before."""
        key = (vc, tuple(stops), tuple((option[s], anchor[s]) for s in stops))
        found = self._runs.get(key)
        if found is None:
            if len(self._runs) >= _CACHE_LIMIT:
                self._runs.clear()
            found = self._runs[key] = run_figures(self.cp, vc, stops, option, anchor)
        return found

    def day_table(
        self, routes: list[tuple[int, list[int]]], option: list[int | None], anchor: list[int | None], day: int
    ) -> DayTable:
        """Every edge of every run of ``day`` (and one virtual edge per idle van), with its run's figures."""
        cp = self.cp
        runs: list[tuple[int, RunFigures]] = []
        used = dict.fromkeys(cp.day_classes[day], 0)
        for rid, (vc, stops) in enumerate(routes):
            if cp.classes[vc].day != day:
                continue
            used[vc] += 1
            runs.append((rid, self.run(vc, stops, option, anchor)))
        for vc, count in used.items():
            if count < len(cp.classes[vc].vans):  # an idle van: a virtual depot-depot edge
                runs.append((-1 - vc, _idle_run(cp, vc)))
        if not runs:
            return DayTable(None)
        return DayTable(Edges.of_runs(runs))

    def best(self, table: DayTable, stop: int, window: tuple[int, int], *, feasible_only: bool) -> Place:
        """The cheapest place for ``stop`` on the day; cost ``inf`` when nothing fits."""
        if table.edges is None:
            return Place(INF, 0, 0)
        key = (stop, window, feasible_only)
        found = table.memo.get(key)
        if found is None:
            rows = Requests(
                np.array([stop], dtype=np.int64), np.array([window[0]], dtype=np.int64),
                np.array([window[1]], dtype=np.int64), np.array([feasible_only]),
            )  # fmt: skip
            got = self.cheapest(table.edges, rows)
            found = table.memo[key] = Place(float(got.cost[0]), int(got.route[0]), int(got.position[0]))
        return found

    def cheapest(self, edges: Edges, rows: Requests) -> Places:
        """The cheapest edge for every row (vectorised over rows and edges)."""
        cost = self.costs(edges, rows)
        k = np.argmin(cost, axis=1)
        picked = cost[np.arange(k.size), k]
        return Places(picked, edges.route[k], edges.position[k])

    def costs(self, edges: Edges, rows: Requests) -> FloatArray:
        """The cost of every row on every edge: extra distance plus penalties (``inf``: not allowed)."""
        cp = self.cp
        c = cp.loc[rows.stop][:, None]
        a, b = edges.start[None, :], edges.end[None, :]
        ta, tb = cp.dur[a, c], cp.dur[c, b]
        delta = (cp.dist[a, c] + cp.dist[c, b] - cp.dist[a, b]).astype(float)
        svc = cp.service[rows.stop][:, None]
        arrive = np.maximum(rows.low[:, None], edges.depart[None, :] + ta)
        warp = np.maximum(0, arrive - rows.high[:, None]) + np.maximum(0, arrive + svc + tb - edges.latest[None, :])
        load, cap = edges.load[None, :], edges.capacity[None, :]
        q = cp.demand[rows.stop][:, None]
        excess = np.maximum(0, load + q - cap) - np.maximum(0, load - cap)
        dur, limit = edges.duration[None, :], edges.max_duration[None, :]
        over = np.maximum(0, dur + ta + tb - cp.dur[a, b] + svc - limit) - np.maximum(0, dur - limit)
        cost = delta + self.load_penalty * excess + self.time_penalty * (warp + over)
        if rows.feasible_only.any():
            violated = (warp > 0) | (excess > 0) | (over > 0)
            cost = np.where(rows.feasible_only[:, None] & violated, INF, cost)
        out: FloatArray = cost
        return out


class Pricing:
    """Cheapest places of many rows (stop and window) on each day, kept per run.

    Rows are registered with :meth:`row`, then :meth:`freeze` fixes them. Each
    run's cheapest places are kept until the run changes (:meth:`changed`), so
    an insertion costs the pricing of one run, not of the whole day. The routes
    of ``state`` must keep their ids while the pricing is in use.
    """

    def __init__(self, ins: Insertion, routes: list[tuple[int, list[int]]], option: list[int | None],
                 anchor: list[int | None]) -> None:  # fmt: skip
        self.ins = ins
        self.routes = routes
        self.option = option
        self.anchor = anchor
        self.keys: dict[int, dict[tuple[int, int, int, bool], int]] = {}
        self.requests: dict[int, Requests] = {}
        self._runs: dict[int, dict[int, Places]] = {}
        self._best: dict[int, Places] = {}

    def row(self, day: int, stop: int, window: tuple[int, int], feasible_only: bool) -> int:
        keys = self.keys.setdefault(day, {})
        return keys.setdefault((stop, window[0], window[1], feasible_only), len(keys))

    def freeze(self) -> None:
        for day, keys in self.keys.items():
            rows = np.array([k[:3] for k in keys], dtype=np.int64).reshape(-1, 3)
            self.requests[day] = Requests(
                rows[:, 0], rows[:, 1], rows[:, 2], np.array([k[3] for k in keys], dtype=bool)
            )

    def changed(self, day: int, rid: int) -> None:
        """Run ``rid`` of ``day`` changed (or was added: then pass ``-1 - class``, the idle van's id)."""
        self._runs.get(day, {}).pop(rid, None)
        self._best.pop(day, None)

    def day(self, day: int) -> Places:
        """The cheapest place of every row of ``day``."""
        found = self._best.get(day)
        if found is None:
            found = self._best[day] = self._price(day)
        return found

    def _price(self, day: int) -> Places:
        cp = self.ins.cp
        runs = self._runs.setdefault(day, {})
        used = dict.fromkeys(cp.day_classes[day], 0)
        ids = []
        missing: list[tuple[int, RunFigures]] = []
        for rid, (vc, stops) in enumerate(self.routes):
            if cp.classes[vc].day == day:
                used[vc] += 1
                ids.append(rid)
                if rid not in runs:
                    missing.append((rid, self.ins.run(vc, stops, self.option, self.anchor)))
        for vc, count in used.items():
            if count < len(cp.classes[vc].vans):
                ids.append(-1 - vc)
                if -1 - vc not in runs:
                    missing.append((-1 - vc, _idle_run(cp, vc)))
        if missing:
            self._price_runs(day, missing)
        n = len(self.keys[day])
        if not ids:
            return Places(np.full(n, INF), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64))
        cost = np.vstack([runs[rid].cost for rid in ids])
        k = np.argmin(cost, axis=0)
        cols = np.arange(n)
        route = np.vstack([runs[rid].route for rid in ids])[k, cols]
        position = np.vstack([runs[rid].position for rid in ids])[k, cols]
        return Places(cost[k, cols], route, position)

    def _price_runs(self, day: int, missing: list[tuple[int, RunFigures]]) -> None:
        """Price ``missing`` runs of ``day`` in one call, then take each run's cheapest edge."""
        rows = self.requests[day]
        cost = self.ins.costs(Edges.of_runs(missing), rows)
        runs = self._runs[day]
        n = rows.stop.size
        at = 0
        for rid, fig in missing:
            block = cost[:, at : at + fig.start.size]
            at += fig.start.size
            k = np.argmin(block, axis=1)
            runs[rid] = Places(block[np.arange(n), k], np.full(n, rid, dtype=np.int64), k.astype(np.int64))
