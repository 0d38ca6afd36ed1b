"""Great-circle distance between WGS84 points (for proximity checks; travel uses the road network)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["EARTH_RADIUS_M", "straight_line_m", "straight_lines_m"]

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


def straight_lines_m(lat: float, lon: float, lats: Sequence[float], lons: Sequence[float]) -> npt.NDArray[np.float64]:
    """Haversine distances in metres from one point to many (the same formula as :func:`straight_line_m`).

    Examples
    --------
    >>> [round(float(m)) for m in straight_lines_m(52.0, -1.0, [52.0, 52.0], [-1.0, -1.0])]
    [0, 0]
    """
    p1 = math.radians(lat)
    p2 = np.radians(np.asarray(lats, dtype=float))
    dlon = np.radians(np.asarray(lons, dtype=float) - lon)
    h = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    out: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return out
