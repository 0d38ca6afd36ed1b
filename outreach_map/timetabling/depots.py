"""Depots from the data: the market-town libraries the vans leave from, or any library by name.

A depot is named by its town (``daventry``); it is the open, public static
library of the directory nearest the centre of a town of the core area, within
:data:`DEPOT_RADIUS_KM`. With the embedded data these are the libraries of
Daventry, Towcester and Brackley, the three that served as mobile-library depots.
"""

from __future__ import annotations

from ..dataset import Dataset
from ..geodesy import straight_line_m
from ..planner.problem import Location

__all__ = ["DEPOT_RADIUS_KM", "depot_choices", "market_town_depots"]

#: How far from a town's centre its library may be to serve as the town's depot.
DEPOT_RADIUS_KM = 2.0


def market_town_depots(data: Dataset) -> dict[str, Location]:
    """Depots by town id, the largest town first: each core-area town's nearest open, public library.

    Towns without such a library within :data:`DEPOT_RADIUS_KM` have no depot.

    Examples
    --------
    >>> from outreach_map.config import default_data_dir
    >>> from outreach_map.dataset import load_dataset
    >>> sorted(market_town_depots(load_dataset(default_data_dir())))
    ['brackley', 'daventry', 'towcester']
    """
    libraries = data.directory.points_of(["library"], include_confidential=False)
    towns = sorted((v for v in data.villages if v.kind == "town" and v.in_core_area), key=lambda v: -v.population)
    depots: dict[str, Location] = {}
    for town in towns:
        near = [(straight_line_m(town.lat, town.lon, p.lat, p.lon), p) for p in libraries]
        near = [(m, p) for m, p in near if m <= DEPOT_RADIUS_KM * 1000]
        if near:
            _, library = min(near, key=lambda item: item[0])
            depots[town.id] = Location(f"{town.id}-library", library.service.name, library.lat, library.lon)
    return depots


def depot_choices(data: Dataset) -> dict[str, Location]:
    """What a van's depot may name: the market towns (:func:`market_town_depots`), then every open, public library
    of the data by its name."""
    choices = market_town_depots(data)
    for point in data.directory.points_of(["library"], include_confidential=False):
        if point.is_open:
            choices.setdefault(point.service.name, Location(f"library:{point.id}", point.service.name, point.lat,
                                                           point.lon))  # fmt: skip
    return choices
