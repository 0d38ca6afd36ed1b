"""Straight-line distances: one pair at a time and one point to many agree."""

from __future__ import annotations

import math

import pytest

from outreach_map.geodesy import straight_line_m, straight_lines_m

#: Daventry, Towcester, Brackley and a point on the antipode of Daventry.
PLACES = [(52.2569, -1.1607), (52.1336, -0.9910), (52.0320, -1.1470), (-52.2569, 178.8393)]


@pytest.mark.parametrize("origin", PLACES)
def test_many_agree_with_one_at_a_time(origin: tuple[float, float]) -> None:
    lats, lons = [p[0] for p in PLACES], [p[1] for p in PLACES]
    many = straight_lines_m(origin[0], origin[1], lats, lons)
    one = [straight_line_m(origin[0], origin[1], lat, lon) for lat, lon in PLACES]
    assert many.tolist() == pytest.approx(one, abs=1e-6)


def test_daventry_to_towcester_is_about_18_km() -> None:
    km = straight_lines_m(52.2569, -1.1607, [52.1336], [-0.9910])[0] / 1000
    assert 17.0 < km < 19.0


def test_antipode_is_half_the_circumference() -> None:
    far = straight_lines_m(52.2569, -1.1607, [-52.2569], [178.8393])[0]
    assert far == pytest.approx(math.pi * 6_371_008.8, rel=1e-9)


def test_no_points_give_an_empty_array() -> None:
    assert straight_lines_m(52.0, -1.0, [], []).shape == (0,)
