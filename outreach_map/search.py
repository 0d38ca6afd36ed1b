"""What the public sees: services near a place, by kind, with road travel times.

Confidential locations never appear: a service whose location is confidential
(a refuge) is shown only through its public contact route (a helpline), with
no place, time or distance. Services without a location (national helplines)
are listed apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .dataset import Dataset
from .directory import Service, ServicePoint
from .lookup import Place
from .traveltime import TravelTimes

__all__ = ["NearbyService", "SearchResult", "nearby_services"]


@dataclass(frozen=True, slots=True)
class NearbyService:
    """A public service point with the road travel time and distance from the searched place."""

    point: ServicePoint
    minutes: float
    km: float


@dataclass(frozen=True)
class SearchResult:
    """Nearby services by kind (nearest first), helplines, and how the times were computed."""

    place: Place
    by_kind: dict[str, list[NearbyService]]
    helplines: list[Service]
    confidential_contacts: list[tuple[Service, Service | None]] = field(default_factory=list)
    approximate: bool = True
    snap_metres: float = 0.0
    mode: str = "drive"


def nearby_services(
    data: Dataset,
    times: TravelTimes,
    place: Place,
    *,
    kinds: Sequence[str] | None = None,
    per_kind: int = 3,
    max_minutes: float | None = None,
) -> SearchResult:
    """The nearest open, public service points of each kind from ``place``.

    Raises
    ------
    PointOutsideNetworkError
        If the place is too far from the road network.
    """
    directory = data.directory
    public = list(directory.points_of(kinds, include_confidential=False))
    reachable = [public[i] for i in times.on_network(public)]
    by_kind: dict[str, list[NearbyService]] = {}
    snap = times.snap([place])
    if reachable:
        matrix = times.matrix([place], reachable, with_distance=True)
        minutes = matrix.minutes[0]
        metres = matrix.metres[0] if matrix.metres is not None else np.full(len(reachable), np.nan)
        order = np.argsort(minutes, kind="stable")
        for j in order:
            if not np.isfinite(minutes[j]) or (max_minutes is not None and minutes[j] > max_minutes):
                continue
            point = reachable[int(j)]
            bucket = by_kind.setdefault(point.kind, [])
            if len(bucket) < per_kind:
                bucket.append(NearbyService(point, float(minutes[j]), float(metres[j]) / 1000))
    # A service with no public location is given by phone, or through its safe contact route; the same whether
    # it has a confidential location or none at all, so the page says nothing about a hidden place.
    located = {p.service.id for p in directory.points if not p.confidential}
    wanted = None if kinds is None else set(kinds)
    unlocated = [
        s for s in directory.services.values()
        if s.id not in located and s.is_open and (wanted is None or s.kind in wanted)
    ]  # fmt: skip
    routes = {s.id: directory.services.get(s.public_contact_service_id or "") for s in unlocated}
    helplines = [s for s in unlocated if routes[s.id] is None]
    confidential = [(s, routes[s.id]) for s in unlocated if routes[s.id] is not None]
    ordered = {k: by_kind[k] for k in directory.kind_terms() if k in by_kind}
    return SearchResult(
        place=place, by_kind=ordered, helplines=helplines, confidential_contacts=confidential,
        approximate=times.approximate, snap_metres=float(snap.metres[0]), mode=times.graph.mode,
    )  # fmt: skip
