"""The periodic search: which days (pattern) each stop gets, and the order of every run.

Routing of the days is PyVRP's (one instance for the whole horizon, see
:mod:`~outreach_map.planner._compiled` and :mod:`~outreach_map.planner._routing`);
the choice of patterns is ours (:mod:`~outreach_map.planner._patterns`). The
search is a large-neighbourhood search over pattern assignments:

1. **Construction**: stops in order of difficulty (most visits first) each take
   the pattern whose days have the cheapest total insertion into the routes built
   so far; PyVRP's iterated local search then routes the whole horizon.
2. **Ruin and recreate**: remove up to a quarter of the stops (3 to 40; mostly
   those nearest a random seed stop, else at random) from every day they are on,
   and put them back by *regret* insertion over their patterns.
3. **Local search**: PyVRP's local search (relocate, swap, 2-opt* ... across
   all runs of all days; stops without a fixed day change day here) alternates
   with *pattern improvement*: a stop moves to another pattern when the exact
   change in distance is negative, until neither improves.
4. **Acceptance**: record-to-record travel: a candidate replaces the current
   assignment if it serves no less population and drives less than the best
   of the trajectory plus a threshold that shrinks from 2 % to 0 over the run.
5. **Restarts**: a trajectory that has not improved for ``restart_after``
   iterations starts again (the best solution is kept), half the time from a
   *child* of two elite solutions (the stops of one region take one parent's
   options, the rest keep the other's; see ``Patterns.relink``), else from a
   fresh, randomised construction.
6. **Slices**: the time is cut into slices of pattern search (steps 2-5) and
   of *routing*: pattern improvement on the best solution, then PyVRP's
   iterated local search on its options. Each slice goes to the phase that has
   lately improved the best distance fastest per second (with some chosen at
   random), so instances whose days are hard to route (many stops a day) give
   PyVRP most of the time and those whose choice of days is hard give it to the
   pattern search.
7. **Polish**: the last part of the time goes to PyVRP's iterated local search on
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
from dataclasses import dataclass
from functools import partial

import numpy as np
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxRuntime

from ..errors import ProblemError
from ._compiled import UNBOUNDED, Compiled
from ._insertion import Insertion
from ._patterns import Patterns, SearchState, evaluate
from ._routing import Router

__all__ = ["Progress", "SearchParams", "SearchState"]


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
    restart_after
        Iterations without improving a trajectory's best before a restart (0: never).
    slice_share
        Length of a slice of pattern search and one of routing together, as a share of the search time.
    routing_share
        Share of the search time for routing slices (``None``: from the visits per day).
    elites
        Distinct good solutions kept for restarts that combine two of them (fewer than 2: no such restarts).
    """

    ruin_min: int = 3
    ruin_max: int = 40
    ruin_fraction: float = 0.25
    related_share: float = 0.9
    accept_start: float = 0.02
    polish_share: float = 0.05
    construction_share: float = 0.03
    restart_after: int = 200
    slice_share: float = 0.2
    routing_share: float | None = None
    elites: int = 5

    def __post_init__(self) -> None:
        if not 1 <= self.ruin_min <= self.ruin_max:
            msg = f"search parameters: ruin_min {self.ruin_min}, ruin_max {self.ruin_max}; expected 1 <= ruin_min <= ruin_max"
            raise ProblemError(msg)
        shares = ("ruin_fraction", "related_share", "accept_start", "polish_share", "construction_share", "slice_share")
        for name in shares:
            if not 0.0 <= getattr(self, name) <= 1.0:
                msg = f"search parameters: {name} {getattr(self, name)}; expected between 0 and 1"
                raise ProblemError(msg)
        if self.routing_share is not None and not 0.0 <= self.routing_share <= 1.0:
            msg = f"search parameters: routing_share {self.routing_share}; expected between 0 and 1"
            raise ProblemError(msg)
        for name in ("restart_after", "elites"):
            if getattr(self, name) < 0:
                msg = f"search parameters: {name} {getattr(self, name)}; expected >= 0"
                raise ProblemError(msg)


@dataclass(frozen=True, slots=True)
class Progress:
    """A report to a progress callback: seconds elapsed, iterations, best distance (km) and population served."""

    elapsed: float
    iterations: int
    distance: float
    population: int
    phase: str


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
        self.patterns = Patterns(cp, self.rng, self.ins)
        self.router = Router(cp, self.rng, self.ins)
        self.iterations = 0
        self.restarts = 0
        self.elites: list[SearchState] = []
        self.last_report = 0.0
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def report(self, phase: str, best: SearchState) -> None:
        if self.progress is not None:
            self.last_report = self.elapsed()
            pop = int(sum(int(self.cp.prize[i]) for i in self.cp.active)) - min(best.unserved_prize, UNBOUNDED)
            self.progress(Progress(self.last_report, self.iterations, best.distance / 1000.0, max(pop, 0), phase))

    def report_distance(self, best: SearchState, distance: int) -> None:
        """Report a new best routing of ``best``'s patterns found by PyVRP (polish)."""
        if distance < best.distance:
            shown = best.copy()
            shown.distance = distance
            self.report("polish", shown)

    # -- steps -------------------------------------------------------------------------------

    def improve(self, state: SearchState) -> SearchState | None:
        """PyVRP's local search and pattern improvement in turn, until the patterns stay."""
        for _ in range(8):
            result = self.router.local_search(state)
            if result is None:
                return None
            state = result
            if not self.patterns.improve(state):
                break
        state.compact()
        return state

    def ruin_count(self, served: int) -> int:
        p = self.params
        upper = max(p.ruin_min, min(p.ruin_max, int(p.ruin_fraction * served)))
        return self.rng.randint(p.ruin_min, upper)

    def candidate(self, current: SearchState) -> SearchState | None:
        """Ruin and recreate ``current``, then improve it; ``None`` when the result is infeasible."""
        cp = self.cp
        candidate = current.copy()
        served = sum(1 for i in cp.active if candidate.option[i] is not None)
        related = self.rng.random() < self.params.related_share
        removed = self.patterns.ruin(candidate, self.ruin_count(served), related=related)
        extra = [i for i in cp.active if candidate.option[i] is None and i not in removed]
        self.patterns.recreate(candidate, removed + extra)
        candidate.compact()
        return self.improve(candidate)

    def adapt_penalties(self, feasible: bool) -> None:
        ins = self.ins
        if feasible:
            ins.load_penalty = max(1.0, ins.load_penalty * 0.97)
            ins.time_penalty = max(1.0, ins.time_penalty * 0.97)
        else:
            ins.load_penalty = min(ins.load_penalty * 1.3, 1e9)
            ins.time_penalty = min(ins.time_penalty * 1.3, 1e6)

    def first_routing(self, state: SearchState, seconds: float, until: float) -> SearchState | None:
        """PyVRP's iterated local search on a constructed state, doubling the penalties until it is feasible."""
        routed = self.router.iterated(state.copy(), seconds)
        tries = 0
        while routed is None and self.elapsed() < until and tries < 20:
            tries += 1
            self.ins.load_penalty *= 2
            self.ins.time_penalty *= 2
            routed = self.router.iterated(state.copy(), seconds)
        return routed

    def restart(self, seconds: float) -> SearchState | None:
        """A fresh trajectory: a child of two elite solutions (half the time, once there are two), else a
        randomised construction routed by PyVRP; then improved."""
        if len(self.elites) >= 2 and self.rng.random() < 0.5:
            base, donor = self.rng.sample(self.elites, 2)
            child = base.copy()
            served = [i for i in self.cp.active if child.option[i] is not None]
            if served and self.patterns.relink(child, donor, self.rng.choice(served), self.rng.uniform(0.2, 0.6)):
                return self.improve(child)
        state = self.patterns.construct(randomised=True)
        evaluate(self.cp, state)
        routed = self.router.iterated(state, seconds)
        return None if routed is None else self.improve(routed)

    def remember(self, state: SearchState) -> None:
        """Keep ``state`` among the elites (the best few distinct choices of options)."""
        if any(e.option == state.option for e in self.elites):
            return
        self.elites.append(state.copy())
        self.elites.sort(key=SearchState.key)
        del self.elites[self.params.elites :]

    # -- main loop ---------------------------------------------------------------------------

    def run(self, time_limit: float) -> SearchState:
        p = self.params
        state = self.patterns.construct()
        evaluate(self.cp, state)
        routed = self.first_routing(state, max(0.2, p.construction_share * time_limit), time_limit)
        if routed is None:
            state.feasible = False
            return state
        self.report("construction", routed)
        has_choice = bool(self.patterns.choice) or any(not self.cp.required[i] for i in self.cp.active)
        search_until = time_limit * (1.0 - p.polish_share) if has_choice else 0.0
        best = self.alternate(routed, search_until, max(0.2, p.construction_share * time_limit))
        remaining = time_limit - self.elapsed()
        if remaining > 0.05:
            best = self.polish(best, remaining)
        best.stats = {
            "iterations": float(self.iterations),
            "local_searches": float(self.router.calls),
            "restarts": float(self.restarts),
            "runtime": self.elapsed(),
        }
        self.report("done", best)
        return best

    def polish(self, best: SearchState, seconds: float) -> SearchState:
        """PyVRP's iterated local search on ``best``'s options for ``seconds``; the better of the two."""
        polished = self.router.iterated(best.copy(), seconds, partial(self.report_distance, best))
        if polished is not None and polished.key() <= best.key():
            return polished
        return best

    def routing_share(self) -> float:
        """Share of the search time for routing slices: grows with the visits per day (their routing is harder)."""
        p = self.params
        if p.routing_share is not None:
            return p.routing_share
        cp = self.cp
        visits = sum(len(cp.options[i][0].days) for i in cp.active if cp.options[i])
        per_day = visits / max(1, sum(1 for d in range(cp.n_days) if cp.day_classes[d]))
        return min(0.6, max(0.1, per_day / 200.0))

    def alternate(self, start: SearchState, until: float, restart_seconds: float) -> SearchState:
        """Slices of pattern search (ruin and recreate) and of routing (PyVRP's ILS) until ``until``.

        Each slice goes to the phase furthest behind its share of the time
        (:meth:`routing_share` for routing). The pattern search's trajectory
        carries on from slice to slice, and takes each better routing the ILS
        finds.
        """
        p = self.params
        track = _Trajectory(start, start, start, self.elapsed(), 0)
        share = self.routing_share()
        spent = {"patterns": 0.0, "routing": 0.0}
        length = max(0.5, p.slice_share * until)
        while self.elapsed() < until - 0.05:
            total = sum(spent.values())
            phase = "routing" if spent["routing"] < share * total else "patterns"
            if total == 0.0:
                phase = "patterns"
            began = self.elapsed()
            end = min(until, began + length * (share if phase == "routing" else 1.0 - share))
            if phase == "patterns":
                self.lns(track, end, until, restart_seconds)
            else:
                self.route(track, end - began)
            spent[phase] += self.elapsed() - began
        return track.best

    def route(self, track: _Trajectory, seconds: float) -> None:
        began = self.elapsed()
        """One routing slice: pattern improvement on the best state, then PyVRP's ILS; the trajectory follows."""
        best = track.best
        start = best.copy()
        if self.patterns.improve(start):
            start = self.improve(start) or best
        polished = self.polish(start, seconds - (self.elapsed() - began))
        if polished.key() >= best.key():
            return
        track.best = polished
        self.report("search", polished)
        if polished.key() < track.current.key():
            track.current = polished
        if polished.key() < track.trajectory.key():
            track.trajectory, track.stalled = polished, 0

    def lns(self, track: _Trajectory, until: float, end: float, restart_seconds: float) -> None:
        """Ruin and recreate with record-to-record acceptance until ``until`` (the threshold reaches 0 at ``end``)."""
        p = self.params
        while self.elapsed() < until:
            if p.restart_after and track.stalled >= p.restart_after:
                self.remember(track.trajectory)
                fresh = self.restart(restart_seconds)
                track.stalled = 0
                if fresh is not None:
                    self.restarts += 1
                    track.current = track.trajectory = fresh
                    track.began = self.elapsed()
                    if fresh.key() < track.best.key():
                        track.best = fresh.copy()
                        self.report("search", track.best)
                continue
            self.iterations += 1
            improved = self.candidate(track.current)
            self.adapt_penalties(improved is not None)
            if improved is None:
                continue
            track.stalled += 1
            if improved.key() < track.trajectory.key():
                track.trajectory, track.stalled = improved, 0
            if improved.key() < track.best.key():
                track.best = improved.copy()
                self.report("search", track.best)
            elif self.elapsed() - self.last_report > 0.5:
                self.report("search", track.best)
            left = max(0.0, 1.0 - (self.elapsed() - track.began) / max(end - track.began, 1e-9))
            if self.accepts(improved, track, p.accept_start * left):
                track.current = improved

    @staticmethod
    def accepts(candidate: SearchState, track: _Trajectory, threshold: float) -> bool:
        """Record-to-record travel: serve no fewer people, and drive less, or within the threshold of the record."""
        current, record = track.current, track.trajectory
        if candidate.unserved_prize < current.unserved_prize:
            return True
        return (
            candidate.unserved_prize == current.unserved_prize
            and (candidate.distance < current.distance or candidate.distance <= record.distance * (1 + threshold))
            and candidate.unserved_prize <= record.unserved_prize
        )


@dataclass(slots=True)
class _Trajectory:
    """The pattern search's state between slices: current, best of this trajectory, best overall."""

    current: SearchState
    trajectory: SearchState
    best: SearchState
    began: float
    stalled: int


_INF = float("inf")


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
    rng = random.Random(seed)
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
                rng.random(),
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
    evaluate(cp, state)
    return state
