from __future__ import annotations

import itertools

import numpy as np
import pytest

from outreach_map.errors import SitingError
from outreach_map.siting import maximal_covering, set_covering


def _brute_mclp(reach: np.ndarray, pop: np.ndarray, covered: np.ndarray, k: int) -> int:
    best = 0
    for combo in itertools.combinations(range(reach.shape[1]), k):
        hit = reach[:, list(combo)].any(axis=1) & ~covered
        best = max(best, int(pop[hit].sum()))
    return best


def _brute_lscp(reach: np.ndarray, covered: np.ndarray) -> int:
    need = ~covered & reach.any(axis=1)
    for k in range(reach.shape[1] + 1):
        for combo in itertools.combinations(range(reach.shape[1]), k):
            if np.all(reach[need][:, list(combo)].any(axis=1)) if k else not need.any():
                return k
    raise AssertionError


@pytest.mark.parametrize("seed", range(12))
def test_maximal_covering_is_optimal_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    minutes = rng.uniform(0, 40, size=(9, 7))
    pop = rng.integers(10, 1000, size=9)
    covered = rng.random(9) < 0.2
    for k in (1, 2, 3):
        choice = maximal_covering(minutes, pop, sites=k, threshold=15, already_covered=covered)
        assert len(choice.chosen) == k
        assert choice.optimal
        assert choice.newly_covered_population(pop) == _brute_mclp(minutes <= 15, pop, covered, k)
        assert sum(choice.per_site_population) == choice.newly_covered_population(pop)


@pytest.mark.parametrize("seed", range(12))
def test_set_covering_is_optimal_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    minutes = rng.uniform(0, 40, size=(10, 7))
    pop = rng.integers(10, 1000, size=10)
    covered = rng.random(10) < 0.2
    choice = set_covering(minutes, pop, threshold=12, already_covered=covered)
    reach = minutes <= 12
    assert len(choice.chosen) == _brute_lscp(reach, covered)
    need = ~covered & reach.any(axis=1)
    assert np.array_equal(choice.newly_covered, need)
    assert np.array_equal(choice.unreachable, ~covered & ~reach.any(axis=1))


def test_three_village_example() -> None:
    minutes = np.array([[5.0, 50.0, 9.0], [50.0, 5.0, 9.0], [8.0, 60.0, 70.0]])
    pop = [100, 300, 50]
    assert maximal_covering(minutes, pop, sites=1, threshold=10).chosen == (2,)  # covers 100 + 300
    two = maximal_covering(minutes, pop, sites=2, threshold=10)
    assert two.newly_covered_population(pop) == 450
    assert set_covering(minutes, pop, threshold=10).chosen in ((0, 1), (1, 0), (2, 0), (0, 2))


def test_per_site_population_counts_each_village_once_for_its_nearest_site() -> None:
    minutes = np.array([[2.0, 4.0], [9.0, 3.0]])
    choice = maximal_covering(minutes, [10, 20], sites=2, threshold=10)
    assert dict(zip(choice.chosen, choice.per_site_population, strict=True)) == {1: 20, 0: 10}


def test_bad_requests() -> None:
    minutes = np.ones((3, 2))
    with pytest.raises(SitingError, match="asked for 3 sites but there are 2 candidates"):
        maximal_covering(minutes, [1, 2, 3], sites=3, threshold=5)
    with pytest.raises(SitingError, match="expected one per village"):
        maximal_covering(minutes, [1, 2], sites=1, threshold=5)
