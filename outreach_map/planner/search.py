"""The periodic search: which days (pattern) each stop gets, and the order of every run.

Routing of the days is PyVRP's (one instance for the whole horizon, see
:mod:`~outreach_map.planner._compiled`); the choice of patterns is ours. The
search is a large-neighbourhood search over pattern assignments:

1. **Construction**: stops in order of difficulty (most visits first) each take
   the pattern whose days have the cheapest total insertion into the routes built
   so far; PyVRP's iterated local search then routes the whole horizon.
2. **Ruin and recreate**: remove up to a quarter of the stops (3 to 40; mostly
   those nearest a random seed stop, else at random) from every day they are on, and put them back one at a
   time by *regret* insertion over their patterns: a stop's cost for a pattern
   is the sum of its cheapest insertions on the pattern's days (vectorised over
   every edge of every run of the day, with capacity, duration and time-window
   penalties); the stop whose best pattern is most ahead of its second best
   goes first.
3. **Local search**: PyVRP's local search (relocate, swap, 2-opt* ... across
   all runs of all days; stops without a fixed day change day here) alternates
   with *pattern improvement*: each stop is taken out of all its days and put
   back with the pattern and positions of least cost, until neither improves.
4. **Acceptance**: record-to-record travel: a candidate replaces the current
   assignment if it serves no less population and drives less than the best
   plus a threshold that shrinks from 2 % to 0 over the run.
5. **Polish**: the last part of the time goes to PyVRP's iterated local search on
   the best assignment.

When vans are short, optional stops go back only where they fit without any
violation, highest population first, so the plan serves the most people; a
required stop is always inserted (with a penalty) and left for PyVRP to repair.
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from pyvrp import Activity, CostEvaluator, RandomNumberGenerator, Solution
from pyvrp import solve as pyvrp_solve
from pyvrp.search import OPERATORS, LocalSearch, compute_neighbours
from pyvrp.stop import MaxRuntime

from ..errors import ProblemError
from ._compiled import UNBOUNDED, Compiled
from ._insertion import DayTable, Insertion, RouteArrays

__all__ = ["Progress", "SearchParams", "SearchState"]

IntArray = npt.NDArray[np.int64]
_INF = float("inf")


@dataclass(frozen=True, slots=True)
class SearchParams:
    """Tuning of the periodic search (the defaults suit 20-300 stops).

    Parameters
    ----------
    ruin_min, ruin_max
        Bounds on the number of stops removed per iteration.
    ruin_fraction
        Upper share of the stops removed per iteration.
    related_share
        Share of iterations that remove stops near a seed stop (else at random).
    accept_start
        Record-to-record threshold at the start (relative to the best distance).
    polish_share
        Share of the time limit given to PyVRP's iterated local search at the end.
    construction_share
        Share of the time limit for routing the constructed assignment.
    """

    ruin_min: int = 3
    ruin_max: int = 40
    ruin_fraction: float = 0.25
    related_share: float = 0.9
    accept_start: float = 0.02
    polish_share: float = 0.1
    construction_share: float = 0.03

    def __post_init__(self) -> None:
        if not 1 <= self.ruin_min <= self.ruin_max:
            msg = f"search parameters: ruin_min {self.ruin_min}, ruin_max {self.ruin_max}; expected 1 <= ruin_min <= ruin_max"
            raise ProblemError(msg)
        for name in ("ruin_fraction", "related_share", "accept_start", "polish_share", "construction_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                msg = f"search parameters: {name} {getattr(self, name)}; expected between 0 and 1"
                raise ProblemError(msg)


@dataclass(frozen=True, slots=True)
class Progress:
    """A report to a progress callback: seconds elapsed, iterations, best distance (km) and population served."""

    elapsed: float
    iterations: int
    distance: float
    population: int
    phase: str


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
class _Choice:
    """A stop's chosen option with its insertion moves and anchor."""

    stop: int
    cost: float
    option: int
    moves: list[Move]
    anchor: int | None


class _Search:
    def __init__(
        self, cp: Compiled, *, seed: int, params: SearchParams, progress: Callable[[Progress], None] | None
    ) -> None:
        self.cp = cp
        self.params = params
        self.rng = random.Random(seed)
        self.seed = seed
        self.progress = progress
        self.ins = Insertion(cp)
        served_dist = [float(cp.dist[cp.classes[0].depot, cp.loc[i]]) for i in cp.active] if cp.classes else [1.0]
        mean_q = max(1.0, float(np.mean([cp.demand[i] for i in cp.active])) if cp.active else 1.0)
        self.ins.load_penalty = max(1.0, float(np.mean(served_dist)) / mean_q)
        self.ins.time_penalty = 1.0
        self.choice = [i for i in cp.active if not cp.free[i] and (len(cp.options[i]) > 1 or cp.shared[i])]
        self.day_option: list[dict[int, int]] = [
            {opt.days[0]: k for k, opt in enumerate(cp.options[i])} if cp.free[i] else {}
            for i in range(len(cp.options))
        ]
        self.iterations = 0
        self.ls_calls = 0
        self.last_report = 0.0
        self.neighbour_layout: tuple[int, ...] | None = None
        self.neighbours: dict[Activity, list[Activity]] = {}
        self.start = time.perf_counter()

    # -- helpers -----------------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def evaluate(self, state: SearchState) -> None:
        cp = self.cp
        total = 0
        for vc, stops in state.routes:
            depot = cp.classes[vc].depot
            path = np.array([depot, *(int(cp.loc[s]) for s in stops), depot])
            total += int(cp.dist[path[:-1], path[1:]].sum())
        state.distance = total
        state.unserved_prize = sum(int(cp.prize[i]) for i in cp.active if state.option[i] is None)
        if any(state.option[i] is None and cp.required[i] for i in cp.active):
            state.unserved_prize = UNBOUNDED

    def _window(self, stop: int, day: int, o: int) -> tuple[int, int]:
        cp = self.cp
        opt = cp.options[stop][o]
        if cp.free[stop]:
            return cp.window(stop, day, None)
        return cp.window(stop, day, opt)

    def remove(self, state: SearchState, stop: int, cache: dict[int, RouteArrays]) -> None:
        for rid, (_, stops) in enumerate(state.routes):
            if stop in stops:
                stops.remove(stop)
                cache.pop(rid, None)

    def option_cost(
        self,
        state: SearchState,
        stop: int,
        o: int,
        tables: dict[int, DayTable],
        cache: dict[int, RouteArrays],
    ) -> Offer:
        """Total cheapest insertion over the option's days."""
        cp = self.cp
        for day in cp.options[stop][o].days:
            if day not in tables:
                tables[day] = self.ins.day_table(state.routes, state.option, state.anchor, day, cache)
        if cp.shared[stop]:
            found = self.anchored_cost(stop, o, tables)
            if found.cost < _INF or not cp.required[stop]:
                return found
        feasible_only = not cp.required[stop]
        total = 0.0
        moves = []
        for day in cp.options[stop][o].days:
            place = self.ins.best(tables[day], stop, self._window(stop, day, o), feasible_only=feasible_only)
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
        cp = self.cp
        opt = cp.options[stop][o]
        c, svc, q = int(cp.loc[stop]), int(cp.service[stop]), int(cp.demand[stop])
        feasible_only = not cp.required[stop]
        parts: list[_DayIntervals] = []
        for day in opt.days:
            edges = tables[day].edges
            if edges is None:
                return _NO_OFFER
            base = day * cp.day_stride
            w_lo, w_hi = cp.window(stop, day, opt)
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
            if feasible_only:
                ok &= pen == 0
            if not ok.any():
                return _NO_OFFER
            parts.append(_DayIntervals(day, lo[ok], hi[ok], (cost + pen)[ok], rid[ok], pos[ok]))
        candidates = np.unique(np.concatenate([part.low for part in parts]))
        if candidates.size == 0:
            return _NO_OFFER
        total = np.zeros(candidates.size)
        picks = []
        for part in parts:
            inside = (part.low[None, :] <= candidates[:, None]) & (candidates[:, None] <= part.high[None, :])
            masked = np.where(inside, part.cost[None, :], _INF)
            k = np.argmin(masked, axis=1)
            total += masked[np.arange(candidates.size), k]
            picks.append(k)
        j = int(np.argmin(total))
        if total[j] == _INF:
            return _NO_OFFER
        moves = [
            Move(part.day, int(part.route[k[j]]), int(part.position[k[j]]))
            for part, k in zip(parts, picks, strict=True)
        ]
        return Offer(float(total[j]), moves, int(candidates[j]))

    def insert(
        self,
        state: SearchState,
        stop: int,
        o: int,
        moves: list[Move],
        anchor: int | None,
        tables: dict[int, DayTable],
        cache: dict[int, RouteArrays],
    ) -> None:
        state.option[stop] = o
        state.anchor[stop] = anchor
        for move in moves:
            if move.route < 0:
                state.routes.append((-1 - move.route, [stop]))
            else:
                state.routes[move.route][1].insert(move.position, stop)
                cache.pop(move.route, None)
            tables.pop(move.day, None)

    def days_of(self, state: SearchState, stop: int) -> set[int]:
        return {self.cp.classes[vc].day for vc, stops in state.routes if stop in stops}

    def compact(self, state: SearchState) -> None:
        state.routes = [(vc, s) for vc, s in state.routes if s]

    # -- construction ------------------------------------------------------------------------

    def construct(self) -> SearchState:
        cp = self.cp
        state = SearchState([None] * len(cp.options), [], [None] * len(cp.options))
        order = sorted(
            cp.active,
            key=lambda i: (
                not cp.required[i], -cp.problem.stops[i].visits * (1 if cp.required[i] else 0), -int(cp.prize[i]),
                cp.free[i], -len(cp.options[i]) * 0, -int(cp.dist[cp.classes[0].depot, cp.loc[i]]),
            ),
        )  # fmt: skip
        saved = self.ins.load_penalty, self.ins.time_penalty
        self.ins.load_penalty, self.ins.time_penalty = saved[0] * 1000, 1000.0
        self.recreate(state, order, regret=False)
        self.ins.load_penalty, self.ins.time_penalty = saved
        self.compact(state)
        return state

    def recreate(self, state: SearchState, pending: list[int], *, regret: bool = True) -> None:
        """Insert ``pending`` stops: in the given order, or by regret (required first, then by population)."""
        cp = self.cp
        tables: dict[int, DayTable] = {}
        cache: dict[int, RouteArrays] = {}
        todo = list(pending)
        while todo:
            if regret:
                best_key: tuple[float, ...] | None = None
                chosen: _Choice | None = None
                for stop in todo:
                    offers = sorted(self.choices(state, stop, tables, cache), key=lambda choice: choice.cost)
                    first = offers[0].cost
                    second = offers[1].cost if len(offers) > 1 else _INF
                    if first == _INF:
                        key: tuple[float, ...] = (float(cp.required[stop]), -1.0, 0.0, 0.0)
                    else:
                        reg = min(second - first, 1e15)
                        prize = 0.0 if cp.required[stop] else float(cp.prize[stop])
                        key = (float(cp.required[stop]), 1.0, prize, reg)
                    if best_key is None or key > best_key:
                        best_key, chosen = key, offers[0]
                assert chosen is not None
                todo.remove(chosen.stop)
            else:
                chosen = self.best_option(state, todo.pop(0), tables, cache)
            if chosen.cost < _INF:
                self.insert(state, chosen.stop, chosen.option, chosen.moves, chosen.anchor, tables, cache)
            else:
                state.option[chosen.stop] = None
                state.anchor[chosen.stop] = None

    def choices(
        self, state: SearchState, stop: int, tables: dict[int, DayTable], cache: dict[int, RouteArrays]
    ) -> list[_Choice]:
        """The cheapest insertion of ``stop`` with each of its options, in the order of the options."""
        out = []
        for o in range(len(self.cp.options[stop])):
            offer = self.option_cost(state, stop, o, tables, cache)
            out.append(_Choice(stop, offer.cost, o, offer.moves, offer.anchor))
        return out

    def best_option(
        self, state: SearchState, stop: int, tables: dict[int, DayTable], cache: dict[int, RouteArrays]
    ) -> _Choice:
        best = _Choice(stop, _INF, -1, [], None)
        for choice in self.choices(state, stop, tables, cache):
            if choice.cost < best.cost:
                best = choice
        return best

    # -- pattern improvement -----------------------------------------------------------------

    def pattern_improve(self, state: SearchState) -> int:
        """Take each stop out of all its days and put it back at the cheapest option; returns the number of moves."""
        cp = self.cp
        moved = 0
        candidates = list(self.choice)
        self.rng.shuffle(candidates)
        cache: dict[int, RouteArrays] = {}
        tables: dict[int, DayTable] = {}
        for stop in candidates:
            o_old = state.option[stop]
            if o_old is None:
                continue
            snapshot = {rid: list(s) for rid, (_, s) in enumerate(state.routes) if stop in s}
            gain = 0.0
            for rid in snapshot:
                vc, stops = state.routes[rid]
                k = stops.index(stop)
                depot = cp.classes[vc].depot
                prev = depot if k == 0 else int(cp.loc[stops[k - 1]])
                nxt = depot if k == len(stops) - 1 else int(cp.loc[stops[k + 1]])
                c = int(cp.loc[stop])
                gain += float(cp.dist[prev, c] + cp.dist[c, nxt] - cp.dist[prev, nxt])
            days = {cp.classes[state.routes[rid][0]].day for rid in snapshot}
            saved_tables = {day: tables.pop(day, None) for day in days}
            saved_cache = {rid: cache.pop(rid, None) for rid in snapshot}
            for rid in snapshot:
                state.routes[rid][1].remove(stop)
            best = self.best_option(state, stop, tables, cache)
            if best.cost < gain - 0.5:
                self.insert(state, stop, best.option, best.moves, best.anchor, tables, cache)
                moved += 1
            else:  # put everything back as it was, tables and memo included
                for rid, stops in snapshot.items():
                    state.routes[rid] = (state.routes[rid][0], stops)
                    arrays = saved_cache[rid]
                    if arrays is None:
                        cache.pop(rid, None)
                    else:
                        cache[rid] = arrays
                for day, table in saved_tables.items():
                    if table is None:
                        tables.pop(day, None)
                    else:
                        tables[day] = table
        # optional stops left out: put them in where they fit
        left = [i for i in cp.active if state.option[i] is None and not cp.required[i]]
        if left:
            before = sum(1 for i in left if state.option[i] is None)
            left.sort(key=lambda i: -int(cp.prize[i]))
            self.recreate(state, left, regret=False)
            moved += before - sum(1 for i in left if state.option[i] is None)
        return moved

    # -- PyVRP -------------------------------------------------------------------------------

    def local_search(self, state: SearchState) -> SearchState | None:
        """PyVRP local search on the whole horizon; ``None`` if the result is infeasible."""
        cp = self.cp
        self.compact(state)
        data, owner = cp.data(state.option, state.anchor)
        if not owner:
            return state
        init = cp.solution(data, owner, state.routes)
        # PyVRP's granular neighbourhood costs O(n^2); it is refreshed every few calls while the
        # clients stay the same stops (only some change days in between)
        layout = tuple(s for s, _ in owner)
        if self.neighbour_layout != layout or self.ls_calls % 6 == 0:
            self.neighbour_layout, self.neighbours = layout, compute_neighbours(data)
        ls = LocalSearch(data, RandomNumberGenerator(self.rng.randrange(1 << 30)), self.neighbours)
        for op in OPERATORS:
            if op.supports(data):
                ls.add_operator(op(data))
        dims = data.num_load_dimensions
        evaluator = CostEvaluator([self.ins.load_penalty] * dims, self.ins.time_penalty, 0.0)
        self.ls_calls += 1
        sol = ls(init, evaluator, exhaustive=True)
        return self._adopt(state, sol, owner)

    def _adopt(self, state: SearchState, sol: Solution, owner: list[tuple[int, int | None]]) -> SearchState | None:
        if not sol.is_feasible():
            return None
        routes = self.cp.routes(sol, owner)
        if routes is None:
            return None
        out = SearchState(list(state.option), routes, list(state.anchor))
        for vc, stops in routes:
            day = self.cp.classes[vc].day
            for s in stops:
                if self.cp.free[s]:
                    out.option[s] = self.day_option[s][day]
        self.evaluate(out)
        return out

    def pyvrp_ils(self, state: SearchState, seconds: float) -> SearchState | None:
        cp = self.cp
        self.compact(state)
        data, owner = cp.data(state.option, state.anchor)
        if not owner:
            return state
        init = cp.solution(data, owner, state.routes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = pyvrp_solve(
                data, MaxRuntime(max(seconds, 0.0)), seed=self.rng.randrange(1 << 30), collect_stats=False,
                display=False, initial_solution=init,
            )  # fmt: skip
        return self._adopt(state, res.best, owner)

    def improve(self, state: SearchState) -> SearchState | None:
        for _ in range(8):
            result = self.local_search(state)
            if result is None:
                return None
            state = result
            if self.pattern_improve(state) == 0:
                break
        self.compact(state)
        return state

    # -- ruin --------------------------------------------------------------------------------

    def ruin(self, state: SearchState) -> list[int]:
        cp = self.cp
        served = [i for i in cp.active if state.option[i] is not None]
        if not served:
            return []
        p = self.params
        upper = max(p.ruin_min, min(p.ruin_max, int(p.ruin_fraction * len(served))))
        k = min(len(served), self.rng.randint(p.ruin_min, upper))
        if self.rng.random() < p.related_share:
            seed = self.rng.choice(served)
            noise = np.array([self.rng.uniform(0.8, 1.25) for _ in served])
            near = cp.dur[cp.loc[seed], cp.loc[served]] * noise
            removed = [served[int(j)] for j in np.argsort(near)[:k]]
        else:
            removed = self.rng.sample(served, k)
        cache: dict[int, RouteArrays] = {}
        for stop in removed:
            self.remove(state, stop, cache)
            state.option[stop] = None
            state.anchor[stop] = None
        self.compact(state)
        return removed

    # -- main loop ---------------------------------------------------------------------------

    def report(self, phase: str, best: SearchState) -> None:
        if self.progress is not None:
            self.last_report = self.elapsed()
            pop = int(sum(int(self.cp.prize[i]) for i in self.cp.active)) - min(best.unserved_prize, UNBOUNDED)
            self.progress(Progress(self.last_report, self.iterations, best.distance / 1000.0, max(pop, 0), phase))

    def run(self, time_limit: float) -> SearchState:
        p = self.params
        state = self.construct()
        self.evaluate(state)
        routed = self.pyvrp_ils(state.copy(), max(0.2, p.construction_share * time_limit))
        tries = 0
        while routed is None and self.elapsed() < time_limit and tries < 20:
            tries += 1
            self.ins.load_penalty *= 2
            self.ins.time_penalty *= 2
            routed = self.pyvrp_ils(state.copy(), max(0.2, p.construction_share * time_limit))
        if routed is None:
            state.feasible = False
            return state
        best = current = routed
        self.report("construction", best)
        has_choice = bool(self.choice) or any(not self.cp.required[i] for i in self.cp.active)
        search_until = time_limit * (1.0 - p.polish_share) if has_choice else 0.0
        while self.elapsed() < search_until:
            self.iterations += 1
            candidate = current.copy()
            removed = self.ruin(candidate)
            extra = [i for i in self.cp.active if candidate.option[i] is None and i not in removed]
            self.recreate(candidate, removed + extra)
            self.compact(candidate)
            improved = self.improve(candidate)
            if improved is None:
                self.ins.load_penalty = min(self.ins.load_penalty * 1.3, 1e9)
                self.ins.time_penalty = min(self.ins.time_penalty * 1.3, 1e6)
                continue
            self.ins.load_penalty = max(1.0, self.ins.load_penalty * 0.97)
            self.ins.time_penalty = max(1.0, self.ins.time_penalty * 0.97)
            threshold = p.accept_start * max(0.0, 1.0 - self.elapsed() / max(search_until, 1e-9))
            if improved.key() < best.key():
                best = improved.copy()
                self.report("search", best)
            elif self.elapsed() - self.last_report > 0.5:
                self.report("search", best)
            if improved.unserved_prize < current.unserved_prize or (
                improved.unserved_prize == current.unserved_prize
                and (improved.distance < current.distance or improved.distance <= best.distance * (1 + threshold))
                and improved.unserved_prize <= best.unserved_prize
            ):
                current = improved
        remaining = time_limit - self.elapsed()
        if remaining > 0.05:
            polished = self.pyvrp_ils(best.copy(), remaining)
            if polished is not None and polished.key() <= best.key():
                best = polished
        best.stats = {
            "iterations": float(self.iterations),
            "local_searches": float(self.ls_calls),
            "runtime": self.elapsed(),
        }
        self.report("done", best)
        return best


def search(
    cp: Compiled,
    *,
    time_limit: float,
    seed: int = 0,
    params: SearchParams | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> SearchState:
    """Run the periodic search on a compiled problem for ``time_limit`` seconds."""
    engine = _Search(cp, seed=seed, params=params or SearchParams(), progress=progress)
    if not cp.active:
        return SearchState([None] * len(cp.options), [], [None] * len(cp.options))
    return engine.run(time_limit)


def baseline(cp: Compiled, *, time_limit: float, seed: int = 0) -> SearchState:
    """The naive method: balance the visits over the days, then route each day with PyVRP.

    Each stop (most visits first) takes the option whose busiest day is least
    loaded (demand per van when vans have a capacity, else visit minutes per
    van); each day is then routed separately for ``time_limit / days`` seconds.
    """
    engine = _Search(cp, seed=seed, params=SearchParams(), progress=None)
    state = SearchState([None] * len(cp.options), [], [None] * len(cp.options))
    load = dict.fromkeys(range(cp.n_days), 0.0)
    order = sorted(cp.active, key=lambda i: (-cp.problem.stops[i].visits, -int(cp.demand[i]), -int(cp.service[i])))
    capacity = {d: sum(len(cp.classes[vc].vans) for vc in cp.day_classes[d]) for d in range(cp.n_days)}
    by_demand = any(vc.capacity < UNBOUNDED for vc in cp.classes) and bool(cp.demand[cp.active].any())
    for i in order:
        if not cp.options[i]:
            continue
        # balance the load when vans have a capacity, else the visit time
        weight = float(cp.demand[i]) if by_demand else float(cp.service[i]) + 1.0
        best = min(
            range(len(cp.options[i])),
            key=lambda o: (
                max(load[d] / max(capacity[d], 1) for d in cp.options[i][o].days),
                sum(load[d] for d in cp.options[i][o].days),
                engine.rng.random(),
            ),
        )
        state.option[i] = best
        for d in cp.options[i][best].days:
            load[d] += weight
    days = [d for d in range(cp.n_days) if cp.day_classes[d]]
    per_day = time_limit / max(1, len(days))
    routes: list[tuple[int, list[int]]] = []
    for d in days:
        data, owner = cp.data(state.option, day=d, fixed=True)
        if not owner:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = pyvrp_solve(data, MaxRuntime(per_day), seed=seed, collect_stats=False, display=False)
        got = cp.routes(res.best, owner)
        if got is None or not res.best.is_feasible():
            state.feasible = False
            got = got or []
        routes.extend(got)
    state.routes = routes
    engine.evaluate(state)
    return state
