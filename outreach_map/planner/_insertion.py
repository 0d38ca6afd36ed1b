"""Cheapest insertion of a stop into the runs of a day, vectorised with numpy.

A day's *table* has one column per edge of every run of the day (and one
virtual depot-depot edge per idle van): its ends, the earliest departure from
its start and the latest start at its end (forward and backward time-window
propagation), and its run's load, capacity, duration and duration limit. The
cost of putting a stop on an edge is the extra distance plus penalties for
excess load, time warp and excess duration; ``best`` takes the cheapest edge.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._compiled import Compiled

IntArray = npt.NDArray[np.int64]
INF = float("inf")

COLUMNS = ("a", "b", "dep", "late", "load", "cap", "dur", "maxdur", "rid", "pos")


class DayTable(dict[str, IntArray]):
    """Columns over every edge of a day's runs, and a memo of insertions evaluated on them."""

    def __init__(self, columns: dict[str, IntArray]) -> None:
        super().__init__(columns)
        self.memo: dict[tuple[object, ...], object] = {}


class RouteArrays:
    """One run's edges as a block of the day table (rows as in ``COLUMNS``)."""

    __slots__ = ("block",)

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
        block = np.empty((len(COLUMNS), m), dtype=np.int64)
        block[0] = la[:-1]
        block[1] = la[1:]
        block[2] = np.array(es[:-1], dtype=np.int64) + np.array(svc[:-1], dtype=np.int64)
        block[3] = ls[1:]
        block[4] = sum(int(cp.demand[s]) for s in stops)
        block[5] = cls.capacity
        block[6] = sum(leg) + sum(svc)
        block[7] = cls.max_duration
        block[8] = rid
        block[9] = np.arange(m)
        self.block = block


class Insertion:
    """Cheapest insertion of a stop into the runs of one day, vectorised over all edges."""

    def __init__(self, cp: Compiled) -> None:
        self.cp = cp
        self.pl = 1.0  # penalty per unit of excess load
        self.pt = 1.0  # penalty per scaled minute of time warp / excess duration

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
            blocks.append(cache[rid].block)
        for vc, count in used.items():
            cls = cp.classes[vc]
            if count < len(cls.vans):  # an idle van: a virtual depot-depot edge
                idle = (
                    cls.depot,
                    cls.depot,
                    cls.tw_early,
                    cls.tw_late,
                    0,
                    cls.capacity,
                    0,
                    cls.max_duration,
                    -1 - vc,
                    0,
                )
                blocks.append(np.array(idle, dtype=np.int64)[:, None])
        if not blocks:
            return DayTable({})
        table = np.concatenate(blocks, axis=1)
        return DayTable({k: table[i] for i, k in enumerate(COLUMNS)})

    def best(
        self, table: DayTable, stop: int, window: tuple[int, int], *, feasible_only: bool
    ) -> tuple[float, int, int]:
        """(cost, route id or -1-class for a new run, position); cost ``inf`` when nothing fits."""
        if not table:
            return INF, 0, 0
        key = (stop, window, feasible_only)
        found = table.memo.get(key)
        if found is not None:
            return found  # type: ignore[return-value]
        result = self._best(table, stop, window, feasible_only=feasible_only)
        table.memo[key] = result
        return result

    def _best(
        self, table: DayTable, stop: int, window: tuple[int, int], *, feasible_only: bool
    ) -> tuple[float, int, int]:
        cp = self.cp
        c = int(cp.loc[stop])
        a, b = table["a"], table["b"]
        ta, tb = cp.dur[a, c], cp.dur[c, b]
        delta = (cp.dist[a, c] + cp.dist[c, b] - cp.dist[a, b]).astype(float)
        svc = int(cp.service[stop])
        arrive = np.maximum(window[0], table["dep"] + ta)
        warp = np.maximum(0, arrive - window[1]) + np.maximum(0, arrive + svc + tb - table["late"])
        q = int(cp.demand[stop])
        load, cap = table["load"], table["cap"]
        excess = np.maximum(0, load + q - cap) - np.maximum(0, load - cap)
        dur, maxdur = table["dur"], table["maxdur"]
        over = np.maximum(0, dur + ta + tb - cp.dur[a, b] + svc - maxdur) - np.maximum(0, dur - maxdur)
        if feasible_only:
            cost = np.where((warp == 0) & (excess == 0) & (over == 0), delta, INF)
        else:
            cost = delta + self.pl * excess + self.pt * (warp + over)
        k = int(np.argmin(cost))
        return float(cost[k]), int(table["rid"][k]), int(table["pos"][k])
