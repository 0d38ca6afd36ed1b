"""Referral pathways: for a village or postcode and a need, the services that meet it, nearest by road first.

Each result says who runs the service, who it is for, how to refer, when it
is open, and how long the drive is; a service whose location is confidential
is given only through its safe contact route, with no place, time or
distance. The next mobile-library and outreach visits to the village come
from the published timetables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .dataset import Dataset
from .directory import Organization, Service, ServicePoint
from .directory.hours import describe
from .geodesy import straight_line_m
from .lookup import Place
from .places import Village
from .published import next_visits
from .referrals.workflow import NEEDS, Need
from .search import nearby_services
from .traveltime import TravelTimes

__all__ = ["NEAREST_VILLAGE_KM", "Pathway", "PathwayEntry", "find_pathway", "nearest_village"]

#: A postcode or position is said to be "in" the nearest village within this distance.
NEAREST_VILLAGE_KM = 3.0


@dataclass(frozen=True, slots=True)
class PathwayEntry:
    """One service on a pathway."""

    service: Service
    organization: Organization | None
    point: ServicePoint | None
    minutes: float | None
    km: float | None
    hours: tuple[str, ...]
    contact_route: Service | None = None

    @property
    def confidential(self) -> bool:
        """A service shown only through its safe contact route."""
        return self.point is None and self.contact_route is not None

    @property
    def eligibility(self) -> str:
        s = self.service
        ages = ""
        if s.minimum_age is not None or s.maximum_age is not None:
            low = f"{s.minimum_age:g}" if s.minimum_age is not None else "any age"
            ages = f"Ages {low}" + (f" to {s.maximum_age:g}" if s.maximum_age is not None else " and over")
        return " ".join(part for part in (s.eligibility, ages) if part) or "Anyone in the area"


@dataclass(frozen=True)
class Pathway:
    """The services for a need from a place, and the next visits to the place's village."""

    place: Place
    village: Village | None
    need: Need
    entries: tuple[PathwayEntry, ...]
    visits: tuple[object, ...]
    missing_kinds: tuple[str, ...]
    approximate: bool


def nearest_village(data: Dataset, place: Place, *, within_km: float = NEAREST_VILLAGE_KM) -> Village | None:
    """The village a place is in: itself for a village, else the nearest within ``within_km``."""
    if place.kind == "village":
        return data.villages.get(place.id)
    best = min(data.villages, key=lambda v: straight_line_m(place.lat, place.lon, v.lat, v.lon), default=None)
    if best is None or straight_line_m(place.lat, place.lon, best.lat, best.lon) > within_km * 1000:
        return None
    return best


def _hours(schedules: Iterable[object]) -> tuple[str, ...]:
    return tuple(text for s in schedules if (text := describe(s.as_record())))  # type: ignore[attr-defined]


def find_pathway(
    data: Dataset,
    times: TravelTimes,
    place: Place,
    need_code: str,
    timetables: Sequence[object],
    *,
    today: date,
    per_kind: int = 5,
) -> Pathway:
    """The pathway for ``need_code`` from ``place``.

    Raises
    ------
    KeyError
        For a need that is not in :data:`~outreach_map.referrals.workflow.NEEDS` (the caller checks first).
    PointOutsideNetworkError
        If the place is too far from the road network.
    """
    need = NEEDS[need_code]
    directory = data.directory
    known = set(directory.kind_terms())
    kinds = [k for k in need.kinds if k in known]
    found = nearby_services(data, times, place, kinds=kinds, per_kind=per_kind) if kinds else None
    entries: list[PathwayEntry] = []
    organizations = directory.organizations
    if found is not None:
        for kind in kinds:
            for near in found.by_kind.get(kind, []):
                s = near.point.service
                hours = _hours(near.point.schedules or s.schedules)
                entries.append(PathwayEntry(s, organizations.get(s.organization_id), near.point, near.minutes,
                                            near.km, hours))  # fmt: skip
        for service, route in found.confidential_contacts:
            entries.append(PathwayEntry(service, organizations.get(service.organization_id), None, None, None,
                                        _hours(service.schedules), route))  # fmt: skip
        entries += [PathwayEntry(s, organizations.get(s.organization_id), None, None, None, _hours(s.schedules))
                    for s in found.helplines]  # fmt: skip
    village = nearest_village(data, place)
    visits = tuple(next_visits(timetables, [village.id], today=today, count=4)) if village else ()  # type: ignore[arg-type]
    return Pathway(
        place, village, need, tuple(entries), visits, tuple(k for k in need.kinds if k not in known),
        found.approximate if found is not None else times.approximate,
    )  # fmt: skip
