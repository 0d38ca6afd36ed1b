"""PyVRP's side of the periodic search: routing a whole horizon for a given choice of options.

:class:`Router` turns a :class:`~outreach_map.planner._patterns.SearchState`
into PyVRP data (:meth:`Compiled.data`), runs PyVRP's local search or its
iterated local search on it, and reads the routes back. Stops that may go on
any day change day here (their option follows the day they end up on).

The granular neighbourhood is PyVRP's own proximity (distance plus a weight
on the least waiting time; pairs that cannot follow each other in time are
last), computed with numpy so that the many changes of days the pattern search
makes do not each pay for PyVRP's sort of every row.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from pyvrp import Activity, ActivityType, CostEvaluator, ProblemData, RandomNumberGenerator, Solution
from pyvrp import solve as pyvrp_solve
from pyvrp.search import OPERATORS, LocalSearch
from pyvrp.stop import MaxRuntime

from ._compiled import UNBOUNDED, Compiled
from ._insertion import Insertion
from ._patterns import SearchState, evaluate

__all__ = ["Router", "neighbours"]

FloatArray = npt.NDArray[np.float64]
Owner = list[tuple[int, int | None]]

#: PyVRP's defaults: neighbours per client, weight of the least waiting time.
NUM_NEIGHBOURS = 50
WEIGHT_WAIT_TIME = 0.2


def proximity(data: ProblemData) -> FloatArray:
    """PyVRP's proximity between clients (symmetric; ``inf`` on the diagonal, a huge value where infeasible)."""
    clients = data.clients()
    loc = np.array([c.location for c in clients], dtype=np.int64)
    early = np.array([c.tw_early for c in clients], dtype=float)
    late = np.array([c.tw_late for c in clients], dtype=float)
    service = np.array([c.service_duration for c in clients], dtype=float)
    dist = np.asarray(data.distance_matrix(0))[loc[:, None], loc[None, :]].astype(float)
    dur = np.asarray(data.duration_matrix(0))[loc[:, None], loc[None, :]].astype(float)
    wait = early[None, :] - dur - service[:, None] - late[:, None]
    arc = dist + WEIGHT_WAIT_TIME * np.maximum(wait, 0.0)
    arc[early[:, None] + service[:, None] + dur > late[None, :]] = np.finfo(float).max
    prox: FloatArray = np.minimum(arc, arc.T)
    np.fill_diagonal(prox, np.inf)
    return prox


class _Activities:
    """One PyVRP ``Activity`` per client index, made once."""

    def __init__(self) -> None:
        self.items: list[Activity] = []

    def upto(self, n: int) -> list[Activity]:
        while len(self.items) < n:
            self.items.append(Activity(ActivityType.CLIENT, len(self.items)))
        return self.items


_ACTIVITIES = _Activities()


def neighbours(data: ProblemData, count: int = NUM_NEIGHBOURS) -> dict[Activity, list[Activity]]:
    """The ``count`` nearest clients of every client by :func:`proximity` (ties by index)."""
    n = data.num_clients
    acts = _ACTIVITIES.upto(n)
    k = min(count, n - 1)
    if k <= 0:
        return {acts[i]: [] for i in range(n)}
    prox = proximity(data)
    nearest = np.argpartition(prox, k - 1, axis=1)[:, :k] if k < n - 1 else np.argsort(prox, axis=1)[:, :k]
    values = np.take_along_axis(prox, nearest, axis=1)
    order = np.lexsort((nearest, values), axis=1)
    nearest = np.take_along_axis(nearest, order, axis=1)
    return {acts[i]: [acts[j] for j in row] for i, row in enumerate(nearest.tolist())}


class _Watch:
    """A stopping criterion that also reports each new best cost (the distance: every client is required)."""

    def __init__(self, stop: MaxRuntime, on_best: Callable[[int], None] | None) -> None:
        self.stop = stop
        self.on_best = on_best
        self.best = UNBOUNDED

    def __call__(self, best_cost: int) -> bool:
        if self.on_best is not None and best_cost < self.best:
            self.best = best_cost
            self.on_best(best_cost)
        return bool(self.stop(best_cost))


class Router:
    """PyVRP searches on the whole horizon; penalties for violations come from ``ins``."""

    def __init__(self, cp: Compiled, rng: random.Random, ins: Insertion) -> None:
        self.cp = cp
        self.rng = rng
        self.ins = ins
        self.calls = 0
        self._owner: Owner | None = None
        self._neighbours: dict[Activity, list[Activity]] = {}
        #: the option of a free stop on each day
        self.day_option: list[dict[int, int]] = [
            {opt.days[0]: k for k, opt in enumerate(cp.options[i])} if cp.free[i] else {}
            for i in range(len(cp.options))
        ]

    def evaluator(self, data: ProblemData) -> CostEvaluator:
        return CostEvaluator([self.ins.load_penalty] * data.num_load_dimensions, self.ins.time_penalty, 0.0)

    def neighbours(self, data: ProblemData, owner: Owner) -> dict[Activity, list[Activity]]:
        if owner != self._owner:
            self._owner, self._neighbours = owner, neighbours(data)
        return self._neighbours

    def instance(self, state: SearchState) -> tuple[ProblemData, Owner, Solution] | None:
        """PyVRP data, client owners and the initial solution of ``state``; ``None`` when nothing is served."""
        state.compact()
        data, owner = self.cp.data(state.option, state.anchor)
        if not owner:
            return None
        return data, owner, self.cp.solution(data, owner, state.routes)

    def local_search(self, state: SearchState) -> SearchState | None:
        """PyVRP's local search to a local optimum on the whole horizon; ``None`` if the result is infeasible."""
        found = self.instance(state)
        if found is None:
            return state
        data, owner, init = found
        ls = LocalSearch(data, RandomNumberGenerator(self.rng.randrange(1 << 30)), self.neighbours(data, owner))
        for op in OPERATORS:
            if op.supports(data):
                ls.add_operator(op(data))
        self.calls += 1
        return self.adopt(state, ls(init, self.evaluator(data), exhaustive=True), owner)

    def iterated(
        self, state: SearchState, seconds: float, on_best: Callable[[int], None] | None = None
    ) -> SearchState | None:
        """PyVRP's iterated local search from ``state`` for ``seconds``.

        ``on_best`` is called with the distance of each new best feasible routing.
        """
        found = self.instance(state)
        if found is None:
            return state
        data, owner, init = found
        stop = _Watch(MaxRuntime(max(seconds, 0.0)), on_best)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = pyvrp_solve(
                data, stop, seed=self.rng.randrange(1 << 30), collect_stats=False, display=False, initial_solution=init
            )
        return self.adopt(state, res.best, owner)

    def adopt(self, state: SearchState, sol: Solution, owner: Owner) -> SearchState | None:
        """The state of a feasible PyVRP solution (free stops take the option of their day)."""
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
        evaluate(self.cp, out)
        return out
