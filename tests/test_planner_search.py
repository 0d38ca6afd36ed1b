"""The periodic search's tuning: bad parameters are refused with the project's error, naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach_map.errors import OutreachError
from outreach_map.planner import PlanProblem, ProblemError, SearchParams, read_cordeau
from outreach_map.planner._compiled import Compiled
from outreach_map.planner._patterns import SearchState, evaluate
from outreach_map.planner.search import _Search

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "pvrp"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark files not found in {SHARED}")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ruin_min": 0}, "ruin_min 0"),
        ({"ruin_min": 5, "ruin_max": 4}, "ruin_max 4"),
        ({"ruin_fraction": 1.5}, "ruin_fraction 1.5"),
        ({"related_share": -0.1}, "related_share -0.1"),
        ({"polish_share": 2.0}, "polish_share 2.0"),
        ({"slice_share": 1.5}, "slice_share 1.5"),
        ({"routing_share": -0.5}, "routing_share -0.5"),
        ({"elites": -1}, "elites -1"),
        ({"restart_after": -3}, "restart_after -3"),
    ],
)
def test_search_params_refuse_values_out_of_range(changes: dict[str, float], field: str) -> None:
    with pytest.raises(ProblemError, match=field) as caught:
        SearchParams(**changes)  # type: ignore[arg-type]
    assert isinstance(caught.value, OutreachError)  # the CLI turns it into one line, exit 2


def test_search_params_defaults_are_valid() -> None:
    params = SearchParams()
    assert 1 <= params.ruin_min <= params.ruin_max


def engine(problem: PlanProblem, **params: object) -> _Search:
    cp = Compiled(problem, [i for i, s in enumerate(problem.stops) if s.id not in problem.unservable])
    return _Search(cp, seed=3, params=SearchParams(**params), progress=None)  # type: ignore[arg-type]


def days_of(search: _Search, state: SearchState) -> dict[int, list[int]]:
    """The days each stop is visited on, from the routes."""
    out: dict[int, list[int]] = {}
    for vc, stops in state.routes:
        for s in stops:
            out.setdefault(s, []).append(search.cp.classes[vc].day)
    return {s: sorted(d) for s, d in out.items()}


@needs_shared
def test_relink_gives_the_stops_near_the_seed_the_donors_options_and_keeps_the_rest() -> None:
    search = engine(read_cordeau(SHARED / "p02.txt"))
    cp = search.cp
    base = search.patterns.construct()
    donor = search.patterns.construct(randomised=True)
    differ = [i for i in cp.active if base.option[i] != donor.option[i]]
    assert differ, "the randomised construction should choose other options for some stops"
    seed = differ[0]
    child = base.copy()
    moved = search.patterns.relink(child, donor, seed, 0.3)
    near = sorted(cp.active, key=lambda i: cp.dist[cp.loc[seed], cp.loc[i]])[: int(0.3 * len(cp.active))]
    assert seed in moved and set(moved) <= set(near)
    for i in cp.active:
        assert child.option[i] == (donor.option[i] if i in near else base.option[i])
    # every stop is on exactly the days of its option, once a day
    on = days_of(search, child)
    for i in cp.active:
        option = child.option[i]
        assert option is not None
        assert on[i] == list(cp.options[i][option].days)
    evaluate(cp, child)
    assert child.unserved_prize == 0


@needs_shared
def test_routing_gets_more_of_the_time_where_days_hold_more_visits() -> None:
    small = engine(read_cordeau(SHARED / "p02.txt"))  # about 27 visits a day
    large = engine(read_cordeau(SHARED / "pr05.txt"))  # 120 visits a day
    assert 0.1 <= small.routing_share() < large.routing_share() <= 0.6
    assert engine(read_cordeau(SHARED / "p02.txt"), routing_share=0.8).routing_share() == 0.8


@needs_shared
def test_search_with_restarts_from_elites_stays_feasible_and_improves_on_its_construction() -> None:
    search = engine(read_cordeau(SHARED / "p02.txt"), restart_after=5)
    start = search.patterns.construct()
    evaluate(search.cp, start)
    best = search.run(3.0)
    assert best.feasible and best.unserved_prize == 0
    assert search.restarts > 0 and len(search.elites) >= 2
    assert best.distance < start.distance
    on = days_of(search, best)
    assert all(on[i] == list(search.cp.options[i][best.option[i]].days) for i in search.cp.active)  # type: ignore[index]
