"""What the public sees: services near a place, by kind, with road travel times.

Confidential locations never appear: a service whose location is confidential
(a refuge) is shown only through its public contact route (a helpline), with
no place, time or distance. Services without a location (national helplines)
are listed apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .dataset import Dataset
from .directory import Service, ServicePoint
from .geodesy import straight_line_m
from .lookup import Place
from .places import Village
from .traveltime import TravelTimes

__all__ = ["NearbyService", "SearchResult", "nearby_services", "nearest_village"]


@dataclass(frozen=True, slots=True)
class NearbyService:
    """A public service point with the road travel time and distance from the searched place."""

    point: ServicePoint
    minutes: float
    km: float


@dataclass(frozen=True)
class SearchResult:
    """Nearby services by kind (nearest first), helplines, and how the times were computed.

    ``by_kind`` holds up to ``per_kind`` real services and as many EXAMPLE ones of each kind;
    :meth:`real` and :meth:`examples` split them for the pages.
    """

    place: Place
    by_kind: dict[str, list[NearbyService]]
    helplines: list[Service]
    confidential_contacts: list[tuple[Service, Service | None]] = field(default_factory=list)
    approximate: bool = True
    snap_metres: float = 0.0
    mode: str = "drive"

    def real(self) -> dict[str, list[NearbyService]]:
        """Real (not EXAMPLE) services by kind, nearest first; kinds with none left out."""
        found = {k: [i for i in items if not i.point.example] for k, items in self.by_kind.items()}
        return {k: items for k, items in found.items() if items}

    def examples(self) -> list[NearbyService]:
        """The EXAMPLE (invented) services found, nearest first."""
        return sorted((i for items in self.by_kind.values() for i in items if i.point.example), key=lambda i: i.minutes)


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
            if sum(1 for b in bucket if b.point.example == point.example) < per_kind:  # real ones are never crowded out
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


def nearest_village(villages: Iterable[Village], lat: float, lon: float) -> tuple[Village, float] | None:
    """The settlement nearest to a position in a straight line, and how far it is in km (``None`` if none)."""
    best: tuple[Village, float] | None = None
    for v in villages:
        km = straight_line_m(lat, lon, v.lat, v.lon) / 1000
        if best is None or km < best[1]:
            best = (v, km)
    return best
