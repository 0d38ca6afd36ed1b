"""Pattern moves: which option (days, window, anchor time) each stop gets, priced by cheapest insertion.

A stop's cost for an option is the sum of its cheapest insertions on the
option's days (see :mod:`~outreach_map.planner._insertion`). On top of that:

- **construction** and **recreate** put stops back one at a time, in a given
  order or by *regret* (the stop whose best option is most ahead of its second
  best goes first); every pending stop is priced on a day in one vectorised
  call, and only the days an insertion touched are priced again;
- **pattern improvement** moves a stop to another option when the exact
  change in distance (the saving of leaving its days, plus the cheapest
  insertions on its new days) is negative;
- **ruin** takes stops out: mostly those nearest a random seed stop.

A stop with the same clock time on every visit (a timetable's *shared* stop)
is priced with an *anchor*: the start time common to all its days.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ._compiled import UNBOUNDED, Compiled
from ._insertion import DayTable, Insertion, Pricing

__all__ = ["Move", "Offer", "Patterns", "SearchState", "evaluate"]

_INF = float("inf")


@dataclass
class SearchState:
    """A solution of the search: option per stop (``None`` = unserved) and routes as (vehicle class, stops)."""

    option: list[int | None]
    routes: list[tuple[int, list[int]]]
    anchor: list[int | None] = field(default_factory=list)
    distance: int = 0
    unserved_prize: int = 0
    feasible: bool = True
    stats: dict[str, float] = field(default_factory=dict)

    def copy(self) -> SearchState:
        return SearchState(
            list(self.option), [(vc, list(s)) for vc, s in self.routes], list(self.anchor), self.distance,
            self.unserved_prize, self.feasible, dict(self.stats),
        )  # fmt: skip

    def key(self) -> tuple[int, int]:
        return (self.unserved_prize, self.distance)

    def compact(self) -> None:
        """Drop empty routes (route ids change)."""
        self.routes = [(vc, s) for vc, s in self.routes if s]


def evaluate(cp: Compiled, state: SearchState) -> None:
    """Set the state's distance and unserved prize (``UNBOUNDED`` when a required stop is left out)."""
    total = 0
    for vc, stops in state.routes:
        depot = cp.classes[vc].depot
        path = np.array([depot, *cp.loc[stops].tolist(), depot])
        total += int(cp.dist[path[:-1], path[1:]].sum())
    state.distance = total
    state.unserved_prize = sum(int(cp.prize[i]) for i in cp.active if state.option[i] is None)
    if any(state.option[i] is None and cp.required[i] for i in cp.active):
        state.unserved_prize = UNBOUNDED


class Move(NamedTuple):
    """One visit of an insertion: on ``day``, into run ``route`` (``-1 - class``: a new run) at ``position``."""

    day: int
    route: int
    position: int


class Offer(NamedTuple):
    """The cheapest insertion of a stop with one option: total cost, its moves, and the anchor time."""

    cost: float
    moves: list[Move]
    anchor: int | None


_NO_OFFER = Offer(_INF, [], None)


class _DayIntervals(NamedTuple):
    """For one day of an anchored insertion: each place's interval of start times and its cost."""

    day: int
    low: npt.NDArray[np.int64]
    high: npt.NDArray[np.int64]
    cost: npt.NDArray[np.float64]
    route: npt.NDArray[np.int64]
    position: npt.NDArray[np.int64]


@dataclass(slots=True)
class Choice:
    """A stop's chosen option with its insertion moves and anchor."""

    stop: int
    cost: float
    option: int
    moves: list[Move]
    anchor: int | None


class _RegretBook:
    """The (stop, option) pairs of stops waiting for regret insertion, priced all at once.

    Pairs of one stop are contiguous, in the order of its options; stops are in
    the order they wait in, which breaks ties (the first wins).
    """

    def __init__(self, patterns: Patterns, stops: list[int], pricing: Pricing) -> None:
        cp = patterns.cp
        self.pricing = pricing
        pair_stop: list[int] = []
        pair_option: list[int] = []
        per_day: dict[int, list[tuple[int, int]]] = {}
        self.first_pair: dict[int, int] = {}
        for group, stop in enumerate(stops):
            self.first_pair[stop] = len(pair_stop)
            fo = not cp.required[stop]
            for o, opt in enumerate(cp.options[stop]):
                for d in opt.days:
                    per_day.setdefault(d, []).append(
                        (len(pair_stop), pricing.row(d, stop, patterns.window(stop, d, o), fo))
                    )
                pair_stop.append(group)
                pair_option.append(o)
        self.stops = np.array(stops, dtype=np.int64)
        self.group = np.array(pair_stop, dtype=np.int64)
        self.option = np.array(pair_option, dtype=np.int64)
        self.per_day = {d: (np.array([p for p, _ in v]), np.array([r for _, r in v])) for d, v in per_day.items()}
        self.alive = np.ones(len(stops), dtype=bool)
        self.required = cp.required[self.stops].astype(float)
        self.prize = np.where(cp.required[self.stops], 0.0, cp.prize[self.stops].astype(float))
        self.group_of = {stop: g for g, stop in enumerate(stops)}
        self.cp = cp

    @property
    def pending(self) -> bool:
        return bool(self.alive.any())

    def done(self, stop: int) -> None:
        if stop in self.group_of:
            self.alive[self.group_of[stop]] = False

    def pick(self) -> tuple[tuple[float, ...], Choice]:
        """The regret key and choice of the pending stop that goes next."""
        total = np.zeros(self.group.size)
        for day, (pairs, rows) in self.per_day.items():
            total[pairs] += self.pricing.day(day).cost[rows]
        order = np.lexsort((self.option, total, self.group))
        g, t = self.group[order], total[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        ends = np.r_[starts[1:], g.size]
        first = t[starts]
        second = np.where(starts + 1 < ends, t[np.minimum(starts + 1, g.size - 1)], np.inf)
        groups = g[starts]
        finite = first < np.inf
        both = finite & np.isfinite(second)
        regret = np.minimum(np.subtract(second, first, out=np.full(first.size, 1e15), where=both), 1e15)
        regret[~finite] = 0.0
        prize = np.where(finite, self.prize[groups], 0.0)
        required = np.where(self.alive[groups], self.required[groups], -1.0)
        k = int(np.lexsort((-groups, regret, prize, np.where(finite, 1.0, -1.0), required))[-1])
        stop = int(self.stops[groups[k]])
        pair = int(order[starts[k]])
        o = int(self.option[pair])
        key = (float(required[k]), 1.0 if finite[k] else -1.0, float(prize[k]), float(regret[k]))
        if not finite[k]:
            return key, Choice(stop, _INF, o, [], None)
        moves = []
        for day in self.cp.options[stop][o].days:
            pairs, rows = self.per_day[day]
            row = int(rows[np.flatnonzero(pairs == pair)[0]])
            places = self.pricing.day(day)
            moves.append(Move(day, int(places.route[row]), int(places.position[row])))
        return key, Choice(stop, float(first[k]), o, moves, None)


class Patterns:
    """Pattern moves on a compiled problem; ``ins`` holds the penalties for violations."""

    def __init__(self, cp: Compiled, rng: random.Random, ins: Insertion) -> None:
        self.cp = cp
        self.rng = rng
        self.ins = ins
        #: stops with a choice the pattern moves make (the others are fixed, or free: PyVRP moves them)
        self.choice = [i for i in cp.active if not cp.free[i] and (len(cp.options[i]) > 1 or cp.shared[i])]
        #: stops priced without anchors, with the same window on every option (vectorised improvement)
        self.plain = {
            i for i in self.choice if not cp.shared[i] and all(o.window is None for o in cp.options[i])
        }  # fmt: skip

    # -- state helpers -----------------------------------------------------------------------

    def window(self, stop: int, day: int, o: int) -> tuple[int, int]:
        cp = self.cp
        return cp.window(stop, day, None if cp.free[stop] else cp.options[stop][o])

    def table(self, state: SearchState, day: int, tables: dict[int, DayTable]) -> DayTable:
        found = tables.get(day)
        if found is None:
            found = tables[day] = self.ins.day_table(state.routes, state.option, state.anchor, day)
        return found

    @staticmethod
    def remove(state: SearchState, stop: int) -> None:
        for _, stops in state.routes:
            if stop in stops:
                stops.remove(stop)

    def insert(self, state: SearchState, choice: Choice, tables: dict[int, DayTable]) -> None:
        state.option[choice.stop] = choice.option
        state.anchor[choice.stop] = choice.anchor
        for move in choice.moves:
            if move.route < 0:
                state.routes.append((-1 - move.route, [choice.stop]))
            else:
                state.routes[move.route][1].insert(move.position, choice.stop)
            tables.pop(move.day, None)

    # -- pricing -----------------------------------------------------------------------------

    def option_cost(self, state: SearchState, stop: int, o: int, tables: dict[int, DayTable]) -> Offer:
        """Total cheapest insertion over the option's days."""
        cp = self.cp
        days = cp.options[stop][o].days
        for day in days:
            self.table(state, day, tables)
        if cp.shared[stop]:
            found = self.anchored_cost(stop, o, tables)
            if found.cost < _INF or not cp.required[stop]:
                return found
        feasible_only = not cp.required[stop]
        total = 0.0
        moves = []
        for day in days:
            place = self.ins.best(tables[day], stop, self.window(stop, day, o), feasible_only=feasible_only)
            if place.cost == _INF:
                return _NO_OFFER
            total += place.cost
            moves.append(Move(day, place.route, place.position))
        return Offer(total, moves, None)

    def anchored_cost(self, stop: int, o: int, tables: dict[int, DayTable]) -> Offer:
        """Cheapest insertion on every day of the option at one common working time (the anchor).

        For each day and position the visit can start anywhere in an interval
        (after the previous visit and the drive, before the next one must
        leave); the anchor is the time, among the intervals' starts, that
        minimises the sum over the days of the cheapest position whose interval
        contains it. A visit may not straddle the nominal break.
        """
        parts = [self._intervals(stop, o, day, tables[day]) for day in self.cp.options[stop][o].days]
        if any(part is None for part in parts):
            return _NO_OFFER
        found = [part for part in parts if part is not None]
        candidates = np.unique(np.concatenate([part.low for part in found]))
        if candidates.size == 0:
            return _NO_OFFER
        total = np.zeros(candidates.size)
        picks = []
        for part in found:
            inside = (part.low[None, :] <= candidates[:, None]) & (candidates[:, None] <= part.high[None, :])
            masked = np.where(inside, part.cost[None, :], _INF)
            k = np.argmin(masked, axis=1)
            total += masked[np.arange(candidates.size), k]
            picks.append(k)
        j = int(np.argmin(total))
        if total[j] == _INF:
            return _NO_OFFER
        moves = [Move(p.day, int(p.route[k[j]]), int(p.position[k[j]])) for p, k in zip(found, picks, strict=True)]
        return Offer(float(total[j]), moves, int(candidates[j]))

    def _intervals(self, stop: int, o: int, day: int, table: DayTable) -> _DayIntervals | None:
        """Each place's interval of anchor times on ``day``, and its cost; ``None`` when none fits."""
        cp = self.cp
        edges = table.edges
        if edges is None:
            return None
        c, svc, q = int(cp.loc[stop]), int(cp.service[stop]), int(cp.demand[stop])
        base = day * cp.day_stride
        w_lo, w_hi = cp.window(stop, day, cp.options[stop][o])
        a, b = edges.start, edges.end
        ta, tb = cp.dur[a, c], cp.dur[c, b]
        cost = (cp.dist[a, c] + cp.dist[c, b] - cp.dist[a, b]).astype(float)
        load, cap = edges.load, edges.capacity
        excess = np.maximum(0, load + q - cap) - np.maximum(0, load - cap)
        dur, maxdur = edges.duration, edges.max_duration
        over = np.maximum(0, dur + ta + tb - cp.dur[a, b] + svc - maxdur) - np.maximum(0, dur - maxdur)
        pen = self.ins.load_penalty * excess + self.ins.time_penalty * over
        lo = np.maximum(w_lo, edges.depart + ta) - base
        if cp.anchor_step > 1:  # anchors on the timetable's grid (e.g. 5 minutes)
            lo = -((-lo) // cp.anchor_step) * cp.anchor_step
        hi = np.minimum(w_hi, edges.latest - tb - svc) - base
        rid, pos = edges.route, edges.position
        if cp.break_at is not None:  # not across the nominal break
            lo = np.concatenate([lo, np.maximum(lo, cp.break_at)])
            hi = np.concatenate([np.minimum(hi, cp.break_at - svc), hi])
            cost, pen = np.concatenate([cost, cost]), np.concatenate([pen, pen])
            rid, pos = np.concatenate([rid, rid]), np.concatenate([pos, pos])
        ok = lo <= hi
        if not cp.required[stop]:
            ok &= pen == 0
        if not ok.any():
            return None
        return _DayIntervals(day, lo[ok], hi[ok], (cost + pen)[ok], rid[ok], pos[ok])

    def choices(self, state: SearchState, stop: int, tables: dict[int, DayTable]) -> list[Choice]:
        """The cheapest insertion of ``stop`` with each of its options, in the order of the options."""
        out = []
        for o in range(len(self.cp.options[stop])):
            offer = self.option_cost(state, stop, o, tables)
            out.append(Choice(stop, offer.cost, o, offer.moves, offer.anchor))
        return out

    def best_option(self, state: SearchState, stop: int, tables: dict[int, DayTable]) -> Choice:
        best = Choice(stop, _INF, -1, [], None)
        for choice in self.choices(state, stop, tables):
            if choice.cost < best.cost:
                best = choice
        return best

    # -- construction and recreate -----------------------------------------------------------

    def construct(self, *, randomised: bool = False) -> SearchState:
        """Stops in order of difficulty (required, most visits, then population) at their cheapest option.

        ``randomised`` shuffles stops of the same kind and weighs their visits
        with noise, for a fresh start elsewhere in the search space.
        """
        cp = self.cp
        state = SearchState([None] * len(cp.options), [], [None] * len(cp.options))
        noise = {i: self.rng.uniform(0.5, 1.5) if randomised else 1.0 for i in cp.active}
        far = {i: 0 if randomised else -int(cp.dist[cp.classes[0].depot, cp.loc[i]]) for i in cp.active}
        order = list(cp.active)
        if randomised:
            self.rng.shuffle(order)
        order.sort(
            key=lambda i: (
                not cp.required[i], -cp.problem.stops[i].visits * (1 if cp.required[i] else 0) * noise[i],
                -int(cp.prize[i]), cp.free[i], far[i],
            ),
        )  # fmt: skip
        saved = self.ins.load_penalty, self.ins.time_penalty
        self.ins.load_penalty, self.ins.time_penalty = saved[0] * 1000, 1000.0
        self.recreate(state, order, regret=False)
        self.ins.load_penalty, self.ins.time_penalty = saved
        state.compact()
        return state

    def recreate(self, state: SearchState, pending: list[int], *, regret: bool = True) -> None:
        """Insert ``pending`` stops: in the given order, or by regret (required first, then by population)."""
        if regret:
            self._by_regret(state, list(pending))
            return
        tables: dict[int, DayTable] = {}
        for stop in pending:
            self._place(state, self.best_option(state, stop, tables), tables)

    def _place(self, state: SearchState, choice: Choice, tables: dict[int, DayTable]) -> None:
        if choice.cost < _INF:
            self.insert(state, choice, tables)
        else:
            state.option[choice.stop] = None
            state.anchor[choice.stop] = None

    def _by_regret(self, state: SearchState, todo: list[int]) -> None:
        cp = self.cp
        tables: dict[int, DayTable] = {}
        pricing = Pricing(self.ins, state.routes, state.option, state.anchor)
        book = _RegretBook(self, [s for s in todo if not cp.shared[s]], pricing)
        pricing.freeze()
        position = {stop: k for k, stop in enumerate(todo)}
        while todo:
            best: tuple[tuple[float, ...], int] | None = None
            chosen: Choice | None = None
            if book.pending:
                key, chosen = book.pick()
                best = (key, -position[chosen.stop])
            for stop in todo:
                if cp.shared[stop]:
                    offers = sorted(self.choices(state, stop, tables), key=lambda choice: choice.cost)
                    mine = (self._regret_key(stop, offers), -position[stop])
                    if best is None or mine > best:
                        best, chosen = mine, offers[0]
            assert chosen is not None
            todo.remove(chosen.stop)
            book.done(chosen.stop)
            for move in chosen.moves:
                pricing.changed(move.day, len(state.routes) if move.route < 0 else move.route)
            self._place(state, chosen, tables)

    def _regret_key(self, stop: int, offers: list[Choice]) -> tuple[float, ...]:
        cp = self.cp
        first = offers[0].cost
        second = offers[1].cost if len(offers) > 1 else _INF
        if first == _INF:
            return (float(cp.required[stop]), -1.0, 0.0, 0.0)
        prize = 0.0 if cp.required[stop] else float(cp.prize[stop])
        return (float(cp.required[stop]), 1.0, prize, min(second - first, 1e15))

    # -- pattern improvement -----------------------------------------------------------------

    def improve(self, state: SearchState) -> list[int]:
        """Move stops to cheaper options until none improves by itself; returns the stops moved.

        Route ids stay valid (emptied routes are kept); optional stops left out
        go back where they fit, highest population first.
        """
        cp = self.cp
        candidates = list(self.choice)
        self.rng.shuffle(candidates)
        moved = self._improve_plain(state, [s for s in candidates if s in self.plain])
        tables: dict[int, DayTable] = {}
        for stop in candidates:
            if stop not in self.plain and self._improve_one(state, stop, tables):
                moved.append(stop)
        left = [i for i in cp.active if state.option[i] is None and not cp.required[i]]
        if left:
            left.sort(key=lambda i: -int(cp.prize[i]))
            self.recreate(state, left, regret=False)
            moved.extend(i for i in left if state.option[i] is not None)
        return moved

    def _improve_one(self, state: SearchState, stop: int, tables: dict[int, DayTable]) -> bool:
        """Take ``stop`` out of all its days and put it back at its cheapest option, if that is cheaper."""
        if state.option[stop] is None:
            return False
        snapshot = {rid: list(s) for rid, (_, s) in enumerate(state.routes) if stop in s}
        gain = sum(self._saving(state, rid, stop) for rid in snapshot)
        days = {self.cp.classes[state.routes[rid][0]].day for rid in snapshot}
        saved_tables = {day: tables.pop(day, None) for day in days}
        for rid in snapshot:
            state.routes[rid][1].remove(stop)
        best = self.best_option(state, stop, tables)
        if best.cost < gain - 0.5:
            self.insert(state, best, tables)
            return True
        for rid, stops in snapshot.items():  # put everything back as it was
            state.routes[rid] = (state.routes[rid][0], stops)
        for day, table in saved_tables.items():
            if table is None:
                tables.pop(day, None)
            else:
                tables[day] = table
        return False

    def _saving(self, state: SearchState, rid: int, stop: int) -> float:
        """Distance saved by taking ``stop`` out of route ``rid``."""
        cp = self.cp
        vc, stops = state.routes[rid]
        k = stops.index(stop)
        depot = cp.classes[vc].depot
        prev = depot if k == 0 else int(cp.loc[stops[k - 1]])
        nxt = depot if k == len(stops) - 1 else int(cp.loc[stops[k + 1]])
        c = int(cp.loc[stop])
        return float(cp.dist[prev, c] + cp.dist[c, nxt] - cp.dist[prev, nxt])

    def _improve_plain(self, state: SearchState, stops: list[int]) -> list[int]:
        """Pattern improvement with exact deltas for stops without windows or anchors.

        A stop keeps its visits on the days its old and new options share; the
        delta is the cheapest insertion on each new day minus the saving on each
        day it leaves, every day priced for all the stops at once.
        """
        cp = self.cp
        pricing = Pricing(self.ins, state.routes, state.option, state.anchor)
        rows = {
            s: [{d: pricing.row(d, s, self.window(s, d, o), not cp.required[s]) for d in opt.days}
                for o, opt in enumerate(cp.options[s])]
            for s in stops
        }  # fmt: skip
        pricing.freeze()
        where: dict[int, dict[int, int]] = {}
        for rid, (vc, route) in enumerate(state.routes):
            for s in route:
                where.setdefault(s, {})[cp.classes[vc].day] = rid
        moved = []
        for s in stops:
            o_old = state.option[s]
            if o_old is None or s not in where:
                continue
            best, best_delta = -1, -0.5
            for o, option_rows in enumerate(rows[s]):
                if o == o_old:
                    continue
                delta = sum(float(pricing.day(d).cost[r]) for d, r in option_rows.items() if d not in where[s])
                if delta == _INF:
                    continue
                delta -= sum(self._saving(state, rid, s) for day, rid in where[s].items() if day not in option_rows)
                if delta < best_delta:
                    best, best_delta = o, delta
            if best >= 0:
                self._move_plain(state, s, best, rows[s][best], where[s], pricing)
                moved.append(s)
        return moved

    def _move_plain(
        self, state: SearchState, stop: int, option: int, rows: dict[int, int], days: dict[int, int], pricing: Pricing
    ) -> None:
        """Move ``stop`` to ``option``: out of the days it leaves, into the new days at their cheapest places."""
        moves = []
        for day, row in rows.items():
            if day not in days:
                places = pricing.day(day)
                moves.append(Move(day, int(places.route[row]), int(places.position[row])))
        for day, rid in list(days.items()):
            if day not in rows:
                state.routes[rid][1].remove(stop)
                del days[day]
                pricing.changed(day, rid)
        state.option[stop] = option
        for move in moves:
            rid = len(state.routes) if move.route < 0 else move.route
            if move.route < 0:
                state.routes.append((-1 - move.route, [stop]))
            else:
                state.routes[rid][1].insert(move.position, stop)
            days[move.day] = rid
            pricing.changed(move.day, rid)

    # -- relinking ---------------------------------------------------------------------------

    def relink(self, state: SearchState, donor: SearchState, seed: int, share: float) -> list[int]:
        """Give the stops nearest ``seed`` (``share`` of the served ones) ``donor``'s options; returns those moved.

        Each such stop whose option differs leaves all its days and goes back
        with the donor's option at the cheapest places (its best option where
        the donor's no longer fits): a child of two good solutions, the
        donor's days in one region and ``state``'s elsewhere.
        """
        cp = self.cp
        served = [i for i in cp.active if state.option[i] is not None and donor.option[i] is not None]
        if not served:
            return []
        near = cp.dist[cp.loc[seed], cp.loc[served]]
        region = [served[int(j)] for j in np.argsort(near)[: max(1, int(share * len(served)))]]
        moved = [i for i in region if state.option[i] != donor.option[i]]
        for stop in moved:
            self.remove(state, stop)
        tables: dict[int, DayTable] = {}
        for stop in moved:
            o = donor.option[stop]
            assert o is not None
            offer = self.option_cost(state, stop, o, tables)
            choice = Choice(stop, offer.cost, o, offer.moves, offer.anchor)
            if offer.cost == _INF:
                choice = self.best_option(state, stop, tables)
            self._place(state, choice, tables)
        state.compact()
        return moved

    # -- ruin --------------------------------------------------------------------------------

    def ruin(self, state: SearchState, count: int, *, related: bool) -> list[int]:
        """Take ``count`` served stops out: those nearest a random seed stop, or at random."""
        cp = self.cp
        served = [i for i in cp.active if state.option[i] is not None]
        if not served:
            return []
        k = min(len(served), count)
        if related:
            seed = self.rng.choice(served)
            noise = np.array([self.rng.uniform(0.8, 1.25) for _ in served])
            near = cp.dur[cp.loc[seed], cp.loc[served]] * noise
            removed = [served[int(j)] for j in np.argsort(near)[:k]]
        else:
            removed = self.rng.sample(served, k)
        for stop in removed:
            self.remove(state, stop)
            state.option[stop] = None
            state.anchor[stop] = None
        state.compact()
        return removed
