"""Where to open new sites: maximal covering (MCLP) and set covering (LSCP), solved exactly.

Both models take a villages x candidates matrix of road travel times (never
straight lines) and are solved as integer programmes with scipy's ``milp``
(HiGHS). Like spopt's models they can be built straight from a cost matrix,
so they are testable on a 3 x 3 matrix with no geometry.

- :func:`maximal_covering`: choose exactly ``sites`` candidates to maximise the
  population newly brought within the threshold.
- :func:`set_covering`: the fewest candidates that bring every reachable
  uncovered village within the threshold.

:func:`suggest_sites` is the one way the CLI (``outreach-map suggest``) and
the planners' coverage page ask for new sites: road times from the villages
of a coverage result to the candidates, then one of the two models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from .coverage import CoverageResult, Facility
from .errors import SitingError
from .places import Village
from .traveltime import TravelTimes

__all__ = ["SiteChoice", "SuggestedSite", "Suggestion", "maximal_covering", "set_covering", "suggest_sites"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SiteChoice:
    """Chosen candidate sites and what they achieve.

    Attributes
    ----------
    chosen
        Candidate indices, in order of the population each newly covers.
    newly_covered
        Per village, whether the chosen sites bring it within the threshold
        (it was not covered before).
    per_site_population
        Population each chosen site newly covers; a village within reach of
        several chosen sites counts for the nearest.
    unreachable
        Uncovered villages that no candidate reaches within the threshold.
    optimal
        Whether HiGHS proved the solution optimal.
    """

    chosen: tuple[int, ...]
    newly_covered: BoolArray
    per_site_population: tuple[int, ...]
    unreachable: BoolArray
    optimal: bool

    def newly_covered_population(self, population: Sequence[int] | npt.NDArray[np.int64]) -> int:
        return int(np.asarray(population)[self.newly_covered].sum())


def _prepare(
    minutes: FloatArray, population: Sequence[int] | IntArray, threshold: float, already_covered: BoolArray | None
) -> tuple[FloatArray, IntArray, BoolArray, BoolArray]:
    minutes = np.asarray(minutes, dtype=float)
    if minutes.ndim != 2:
        msg = "expected a villages x candidates matrix of minutes"
        raise SitingError(msg)
    pop = np.asarray(population, dtype=np.int64)
    if pop.shape != (minutes.shape[0],):
        msg = f"population has {pop.size} entries; expected one per village ({minutes.shape[0]})"
        raise SitingError(msg)
    covered = np.zeros(minutes.shape[0], dtype=bool) if already_covered is None else np.asarray(already_covered)
    reach = minutes <= threshold
    return minutes, pop, covered, reach


def _choice(
    chosen: list[int], minutes: FloatArray, pop: IntArray, covered: BoolArray, reach: BoolArray, optimal: bool
) -> SiteChoice:
    n = minutes.shape[0]
    newly = np.zeros(n, dtype=bool)
    per_site = dict.fromkeys(chosen, 0)
    if chosen:
        sub = np.where(reach[:, chosen], minutes[:, chosen], np.inf)
        best = np.argmin(sub, axis=1)
        newly = ~covered & np.isfinite(sub.min(axis=1))
        for i in np.flatnonzero(newly):
            per_site[chosen[int(best[i])]] += int(pop[i])
    order = sorted(chosen, key=lambda j: (-per_site[j], j))
    unreachable = ~covered & ~reach.any(axis=1)
    return SiteChoice(tuple(order), newly, tuple(per_site[j] for j in order), unreachable, optimal)


def maximal_covering(
    minutes: FloatArray,
    population: Sequence[int] | IntArray,
    *,
    sites: int,
    threshold: float,
    already_covered: BoolArray | None = None,
    time_limit: float = 60.0,
) -> SiteChoice:
    """Choose ``sites`` candidates that bring the most uncovered people within ``threshold`` minutes.

    Integer programme: maximise sum(pop_i * y_i) over uncovered villages,
    subject to y_i <= sum of x_j over candidates j within the threshold of
    village i, sum(x_j) = sites, x and y binary.

    Examples
    --------
    >>> m = np.array([[5.0, 50.0], [50.0, 5.0], [8.0, 60.0]])
    >>> maximal_covering(m, [100, 300, 50], sites=1, threshold=10).chosen
    (1,)
    """
    minutes, pop, covered, reach = _prepare(minutes, population, threshold, already_covered)
    n_candidates = minutes.shape[1]
    if not 1 <= sites <= n_candidates:
        msg = f"asked for {sites} sites but there are {n_candidates} candidates; expected 1 to {n_candidates}"
        raise SitingError(msg)
    targets = np.flatnonzero(~covered & reach.any(axis=1))
    if targets.size == 0:
        return _choice(list(range(sites)), minutes, pop, covered, reach, True)
    n_x, n_y = n_candidates, targets.size
    # Maximise population; among equal optima prefer shorter total time to the chosen sites (tiny weight).
    mean_time = np.where(reach[targets], minutes[targets], 0).sum(axis=0) / max(n_y, 1)
    tiny = 1e-6 / (1 + mean_time.max(initial=0))
    cost = np.concatenate([tiny * mean_time, -pop[targets].astype(float)])
    rows, cols, vals = [], [], []
    for r, i in enumerate(targets):
        rows.append(r)
        cols.append(n_x + r)
        vals.append(1.0)
        for j in np.flatnonzero(reach[i]):
            rows.append(r)
            cols.append(int(j))
            vals.append(-1.0)
    link = LinearConstraint(csr_matrix((vals, (rows, cols)), shape=(n_y, n_x + n_y)), -np.inf, 0.0)
    count = LinearConstraint(np.concatenate([np.ones(n_x), np.zeros(n_y)])[None, :], sites, sites)
    result = milp(
        cost, constraints=[link, count], integrality=np.ones(n_x + n_y), bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "mip_rel_gap": 0.0},
    )  # fmt: skip
    if result.x is None:
        msg = f"the solver found no solution ({result.message})"
        raise SitingError(msg)
    chosen = [int(j) for j in np.flatnonzero(result.x[:n_x] > 0.5)]
    return _choice(chosen, minutes, pop, covered, reach, result.status == 0)


def set_covering(
    minutes: FloatArray,
    population: Sequence[int] | IntArray,
    *,
    threshold: float,
    already_covered: BoolArray | None = None,
    time_limit: float = 60.0,
) -> SiteChoice:
    """The fewest candidates that bring every reachable uncovered village within ``threshold`` minutes.

    Villages no candidate reaches within the threshold are reported in
    ``unreachable`` and left out of the model.
    """
    minutes, pop, covered, reach = _prepare(minutes, population, threshold, already_covered)
    n_candidates = minutes.shape[1]
    targets = np.flatnonzero(~covered & reach.any(axis=1))
    if targets.size == 0:
        return _choice([], minutes, pop, covered, reach, True)
    a = reach[targets].astype(float)
    mean_time = np.where(reach[targets], minutes[targets], 0).sum(axis=0) / targets.size
    cost = np.ones(n_candidates) + 1e-6 * mean_time / (1 + mean_time.max(initial=0))
    result = milp(
        cost, constraints=[LinearConstraint(csr_matrix(a), 1.0, np.inf)], integrality=np.ones(n_candidates),
        bounds=Bounds(0, 1), options={"time_limit": time_limit, "mip_rel_gap": 0.0},
    )  # fmt: skip
    if result.x is None:
        msg = f"the solver found no solution ({result.message})"
        raise SitingError(msg)
    chosen = [int(j) for j in np.flatnonzero(result.x > 0.5)]
    return _choice(chosen, minutes, pop, covered, reach, result.status == 0)


@dataclass(frozen=True, slots=True)
class SuggestedSite:
    """A chosen candidate, its rank and the people it newly brings within the threshold."""

    rank: int
    site: Facility
    newly_covered_population: int


@dataclass(frozen=True)
class Suggestion:
    """New sites for a kind of service: which, what they achieve, and who no candidate reaches.

    Attributes
    ----------
    base
        The coverage the sites improve on (its kind, threshold, mode, villages).
    model
        ``"MCLP"`` (maximal covering, a number of sites) or ``"LSCP"`` (set covering, everyone reachable).
    """

    base: CoverageResult
    model: str
    choice: SiteChoice
    sites: tuple[SuggestedSite, ...]
    unreachable: tuple[Village, ...]
    uncovered_population: int
    newly_covered_population: int

    @property
    def description(self) -> str:
        if self.model == "LSCP":
            return "set covering (fewest sites covering everyone reachable)"
        return f"maximal covering ({len(self.sites)} sites)"


def suggest_sites(
    base: CoverageResult, candidates: Sequence[Facility], times: TravelTimes, *, sites: int | None = None
) -> Suggestion:
    """Where new sites would bring the most people within reach of ``base``, solved exactly on road times.

    With ``sites``, the ``sites`` candidates that bring the most uncovered
    people within the threshold (:func:`maximal_covering`); without, the
    fewest that bring everyone reachable (:func:`set_covering`).

    Raises
    ------
    SitingError
        For more sites than candidates, or no solution.
    """
    villages = list(base.villages)
    population = [v.population for v in villages]
    matrix = times.matrix(villages, list(candidates), limit_minutes=base.threshold, store_on_disk=True).minutes
    covered = base.within()
    if sites is None:
        choice = set_covering(matrix, population, threshold=base.threshold, already_covered=covered)
    else:
        choice = maximal_covering(matrix, population, sites=sites, threshold=base.threshold, already_covered=covered)
    chosen = tuple(
        SuggestedSite(rank, candidates[j], people)
        for rank, (j, people) in enumerate(zip(choice.chosen, choice.per_site_population, strict=True), start=1)
    )
    return Suggestion(
        base=base, model="LSCP" if sites is None else "MCLP", choice=choice, sites=chosen,
        unreachable=tuple(v for v, far in zip(villages, choice.unreachable, strict=True) if far),
        uncovered_population=sum(p for p, c in zip(population, covered, strict=True) if not c),
        newly_covered_population=choice.newly_covered_population(population),
    )  # fmt: skip
