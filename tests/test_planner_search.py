"""The periodic search's tuning: bad parameters are refused with the project's error, naming the field."""

from __future__ import annotations

import pytest

from outreach_map.errors import OutreachError
from outreach_map.planner import ProblemError, SearchParams


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ruin_min": 0}, "ruin_min 0"),
        ({"ruin_min": 5, "ruin_max": 4}, "ruin_max 4"),
        ({"ruin_fraction": 1.5}, "ruin_fraction 1.5"),
        ({"related_share": -0.1}, "related_share -0.1"),
        ({"polish_share": 2.0}, "polish_share 2.0"),
    ],
)
def test_search_params_refuse_values_out_of_range(changes: dict[str, float], field: str) -> None:
    with pytest.raises(ProblemError, match=field) as caught:
        SearchParams(**changes)  # type: ignore[arg-type]
    assert isinstance(caught.value, OutreachError)  # the CLI turns it into one line, exit 2


def test_search_params_defaults_are_valid() -> None:
    params = SearchParams()
    assert 1 <= params.ruin_min <= params.ruin_max
