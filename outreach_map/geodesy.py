"""Great-circle distance between WGS84 points (for proximity checks; travel uses the road network)."""

from __future__ import annotations

import math

__all__ = ["EARTH_RADIUS_M", "straight_line_m"]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8


def straight_line_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres.

    Examples
    --------
    >>> round(straight_line_m(52.0, -1.0, 52.0, -1.0))
    0
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
