"""Open Referral JSON: the ``Page`` object, nested records, and the lists, from the catalogue.

Shapes follow the Open Referral UK 3.0 OpenAPI file: list endpoints return
its ``Page`` object whose ``contents`` are the one-to-one records of
``compiled/*_list.json``; single records are fully nested as in
``compiled/service.json`` and ``compiled/service_at_location.json``. Only the
fields named here are copied from the records, so no future extension of the
data is published by accident.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, Final, TypeVar

from ..directory import ServicePoint
from ..directory.hours import DAY_CODES, LONDON, parse_clock, with_offset
from ..errors import InvalidEntryError, PointOutsideNetworkError
from ..geodesy import straight_lines_m
from ..lookup import Place
from ..traveltime import TravelTimes
from .catalogue import Catalogue, Record
from .queries import ListShape, PageRequest, ServiceAtLocationQuery, ServiceFilter

__all__ = [
    "OPENAPI_URL",
    "PROFILE_URL",
    "api_info",
    "list_service_at_locations",
    "list_services",
    "list_taxonomies",
    "list_taxonomy_terms",
    "paginate",
    "service_at_location_full",
    "service_full",
    "taxonomy_full",
    "taxonomy_term_full",
]

Json = dict[str, Any]
T = TypeVar("T")

PROFILE_URL: Final = "https://openreferraluk.org"
OPENAPI_URL: Final = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"
# Fields copied from the records (the rest, including any future extension, is never published).
_EXTENSIONS = ("example", "source")
_SERVICE = ("id", "organization_id", "name", "description", "url", "email", "status", "fees", "accreditations",
            "minimum_age", "maximum_age", "assured_date", "assurer_email", "alert", "last_modified",
            *_EXTENSIONS, "public_contact_service_id")  # fmt: skip
_ORGANIZATION = ("id", "name", "description", "email", "website", "logo", "uri", "parent_organization_id", "example")
_IDENTIFIER = ("id", "organization_id", "identifier_scheme", "identifier_type", "identifier")
_LOCATION = ("id", "location_type", "name", "description", "latitude", "longitude", "external_identifier",
             "external_identifier_type", *_EXTENSIONS, "coordinates_note")  # fmt: skip
_ADDRESS = ("id", "location_id", "attention", "address_1", "city", "region", "state_province", "postal_code",
            "country", "address_type")  # fmt: skip
_SCHEDULE = ("id", "service_id", "service_at_location_id", "valid_from", "valid_to", "dtstart", "freq", "interval",
             "byday", "bymonthday", "description", "opens_at", "closes_at", "schedule_link", "attending_type",
             "notes", "example")  # fmt: skip
_CONTACT = ("id", "service_id", "name", "title", "example")
_PHONE = ("id", "contact_id", "number", "description")
_ATTRIBUTE = ("id", "link_id", "taxonomy_term_id", "link_type")
_TAXONOMY = ("id", "name", "description", "uri", "version")
_TERM = ("id", "name", "description", "parent_id", "taxonomy", "taxonomy_id", "term_uri", "term")
_SAL = ("id", "service_id", "location_id", "example")


def _pick(record: Record, fields: Iterable[str]) -> Json:
    return {name: record[name] for name in fields if name in record}


def paginate(items: Sequence[T], request: PageRequest, serialise: Callable[[T], Json]) -> Json:
    """The Open Referral ``Page`` object of one page of ``items`` (only that page is serialised).

    A page after the last is empty (``size`` 0, ``empty`` true); an empty list
    has ``total_pages`` 0.

    Examples
    --------
    >>> page = paginate(list(range(5)), PageRequest(page=3, per_page=2), lambda i: {"n": i})
    >>> page["total_pages"], page["size"], page["last_page"], page["contents"]
    (3, 1, True, [{'n': 4}])
    """
    total = len(items)
    pages = math.ceil(total / request.per_page)
    start = (request.page - 1) * request.per_page
    contents = [serialise(item) for item in items[start : start + request.per_page]]
    return {
        "total_items": total, "total_pages": pages, "page_number": request.page, "size": len(contents),
        "first_page": request.page == 1, "last_page": request.page >= pages, "empty": not contents,
        "contents": contents,
    }  # fmt: skip


def api_info() -> Json:
    """The API root: HSDS version, profile and OpenAPI file, and the extensions used."""
    return {
        "version": "3.0",
        "profile": PROFILE_URL,
        "openapi_url": OPENAPI_URL,
        "extensions": {
            "example": "true on invented records, whose names start 'EXAMPLE - '",
            "public_contact_service_id, public_contact_service": "the safe contact route of a service whose "
            "location is confidential; such a location, and its service_at_location, are never published",
            "lat, lon, mode": "query parameters of /service_at_locations: a position instead of a postcode",
            "minimum_age, maximum_age, day, start_time, end_time, modified_after, full, minimal, format=ndjson": "supported as the Open Referral OpenAPI describes them; schedule times carry the Europe/London offset "
            "of the day of the answer; any other parameter is refused with 400",
            "travel_time_minutes, distance_km, straight_line_km, approximate": "with a position: road travel "
            "time and distance (approximate when the road network is), straight-line distance; nearest first",
        },
    }


def _term(catalogue: Catalogue, term_id: str) -> Json:
    return _pick(catalogue.terms[term_id], _TERM)


def _attribute(catalogue: Catalogue, record: Record) -> Json:
    out = _pick(record, _ATTRIBUTE)
    if record.get("taxonomy_term_id") in catalogue.terms:
        out["taxonomy_term"] = _term(catalogue, record["taxonomy_term_id"])
    return out


def _organization(catalogue: Catalogue, organization_id: str, *, full: bool) -> Json:
    record = catalogue.organizations[organization_id]
    out = _pick(record, _ORGANIZATION)
    if full:
        out["organization_identifiers"] = [_pick(i, _IDENTIFIER) for i in record.get("organization_identifiers", ())]
        out["attributes"] = [_attribute(catalogue, a) for a in record.get("attributes", ())]
    return out


def _service_summary(catalogue: Catalogue, service_id: str) -> Json:
    record = catalogue.services[service_id]
    return _pick(record, _SERVICE) | {"organization": _organization(catalogue, record["organization_id"], full=False)}


def _contacts(catalogue: Catalogue, service_id: str) -> list[Json]:
    return [
        _pick(c, _CONTACT) | {"phones": [_pick(p, _PHONE) for p in catalogue.phones.get(c["id"], ())]}
        for c in catalogue.contacts.get(service_id, ())
    ]


def _public_contact(catalogue: Catalogue, service_id: str) -> Json | None:
    contact_id = catalogue.services[service_id].get("public_contact_service_id")
    if not isinstance(contact_id, str) or contact_id not in catalogue.services:
        return None
    return _service_summary(catalogue, contact_id) | {"contacts": _contacts(catalogue, contact_id)}


def _location(catalogue: Catalogue, location_id: str, *, full: bool) -> Json:
    record = catalogue.locations[location_id]
    out = _pick(record, _LOCATION)
    if full:
        out["addresses"] = [_pick(a, _ADDRESS) for a in record.get("addresses", ())]
        out["accessibility"] = []
        out["attributes"] = [_attribute(catalogue, a) for a in record.get("attributes", ())]
    return out


def _sal_core(catalogue: Catalogue, sal_id: str, *, full: bool) -> Json:
    """A service_at_location without its service (public locations only: the catalogue holds no other)."""
    record = catalogue.service_at_locations[sal_id]
    out = _pick(record, _SAL)
    out["location"] = _location(catalogue, record["location_id"], full=full)
    return out


def _schedule(record: Record) -> Json:
    """A schedule with its times in Europe/London carrying the UTC offset of today, as the standard asks."""
    out = _pick(record, _SCHEDULE)
    today = datetime.now(LONDON).date()
    for key in ("opens_at", "closes_at"):
        if key in out:
            out[key] = with_offset(out[key], on=today)
    return out


def _schedules(catalogue: Catalogue, service_id: str, sal_id: str | None = None) -> list[Json]:
    return [
        _schedule(s)
        for s in catalogue.schedules.get(service_id, ())
        if sal_id is None or s.get("service_at_location_id") in (None, sal_id)
    ]


def _service_nested(catalogue: Catalogue, service_id: str, *, sal_id: str | None = None) -> Json:
    record = catalogue.services[service_id]
    out = _pick(record, _SERVICE) | {
        "organization": _organization(catalogue, record["organization_id"], full=True),
        "schedules": _schedules(catalogue, service_id, sal_id),
        "service_areas": [], "languages": [], "funding": [], "cost_options": [],
        "contacts": _contacts(catalogue, service_id),
        "attributes": [_attribute(catalogue, a) for a in record.get("attributes", ())],
    }  # fmt: skip
    contact = _public_contact(catalogue, service_id)
    if contact is not None:
        out["public_contact_service"] = contact
    return out


def service_full(catalogue: Catalogue, service_id: str) -> Json | None:
    """A fully nested service (``compiled/service.json``), or ``None`` for an unknown id."""
    if service_id not in catalogue.services:
        return None
    out = _service_nested(catalogue, service_id)
    out["service_at_locations"] = [
        _sal_core(catalogue, s, full=True) for s in catalogue.sals_by_service.get(service_id, ())
    ]
    return out


def service_at_location_full(catalogue: Catalogue, sal_id: str) -> Json | None:
    """A fully nested service_at_location (``compiled/service_at_location.json``), or ``None``."""
    if sal_id not in catalogue.service_at_locations:
        return None
    out = _sal_core(catalogue, sal_id, full=True)
    out["service"] = _service_nested(catalogue, out["service_id"], sal_id=sal_id)
    return out


def taxonomy_full(catalogue: Catalogue, taxonomy_id: str) -> Json | None:
    """A taxonomy with its terms, or ``None``."""
    if taxonomy_id not in catalogue.taxonomies:
        return None
    terms = [_term(catalogue, t) for t, r in catalogue.terms.items() if r.get("taxonomy_id") == taxonomy_id]
    return _pick(catalogue.taxonomies[taxonomy_id], _TAXONOMY) | {"taxonomy_terms": terms}


def taxonomy_term_full(catalogue: Catalogue, term_id: str) -> Json | None:
    """A taxonomy term, or ``None``."""
    return _term(catalogue, term_id) if term_id in catalogue.terms else None


def _matches(catalogue: Catalogue, service_id: str, where: ServiceFilter, extra_text: str = "") -> bool:
    record = catalogue.services[service_id]
    terms = catalogue.service_terms[service_id]
    if where.status is not None and record["status"] != where.status:
        return False
    if where.organization_id is not None and record["organization_id"] != where.organization_id:
        return False
    if where.taxonomy_term_id is not None and where.taxonomy_term_id not in terms:
        return False
    if where.taxonomy_id is not None and not any(
        catalogue.terms[t].get("taxonomy_id") == where.taxonomy_id for t in terms
    ):
        return False
    if not _matches_standard(catalogue, record, where):
        return False
    if where.search is not None:
        text = catalogue.service_text[service_id] + " " + extra_text
        return all(word in text for word in where.search.casefold().split())
    return True


def _matches_standard(catalogue: Catalogue, record: Record, where: ServiceFilter) -> bool:
    """The standard's optional filters: ages, a day and times of a schedule, modified after."""
    low, high = record.get("minimum_age"), record.get("maximum_age")
    if where.minimum_age is not None and (low is None or low < where.minimum_age):
        return False
    if where.maximum_age is not None and (high is None or high > where.maximum_age):
        return False
    if where.modified_after is not None:
        modified = record.get("last_modified")
        if not modified or datetime.fromisoformat(str(modified).replace("Z", "+00:00")) <= where.modified_after:
            return False
    if where.by_schedule:
        return any(_schedule_matches(s, where) for s in catalogue.schedules.get(record["id"], ()))
    return True


def _schedule_matches(schedule: Record, where: ServiceFilter) -> bool:
    if where.day is not None:
        codes = {c.strip()[-2:] for c in str(schedule.get("byday") or "").split(",") if c.strip()}
        dated = schedule.get("valid_from") if not schedule.get("freq") else None
        weekday = date.fromisoformat(str(dated)).weekday() if dated else None
        if DAY_CODES[where.day] not in codes and weekday != where.day:
            return False
    for key, bound, later in (("opens_at", where.start_time, True), ("closes_at", where.end_time, False)):
        if bound is None:
            continue
        try:
            value = parse_clock(str(schedule.get(key) or ""))
        except InvalidEntryError:
            return False
        if (value < bound) if later else (value > bound):
            return False
    return True


def _service_item(catalogue: Catalogue, service_id: str, shape: ListShape) -> Json:
    if shape.full:
        return service_full(catalogue, service_id) or {}
    if shape.minimal:
        return _pick(catalogue.services[service_id], ("id", "name", "status"))
    return _service_summary(catalogue, service_id)


def list_services(
    catalogue: Catalogue, where: ServiceFilter, page: PageRequest, shape: ListShape | None = None
) -> Json:
    """A page of services (``compiled/service_list.json`` records; fully nested with ``full``) in directory order."""
    every = where.selects_all
    ids = [s for s in catalogue.services if every or _matches(catalogue, s, where)]
    return paginate(ids, page, lambda s: _service_item(catalogue, s, shape or ListShape()))


def list_organizations(catalogue: Catalogue, page: PageRequest) -> Json:
    """A page of organisations (``compiled/organization_list.json`` records)."""
    return paginate(list(catalogue.organizations), page, lambda o: _organization(catalogue, o, full=False))


def organization_full(catalogue: Catalogue, organization_id: str) -> Json | None:
    """An organisation with its identifiers and its services (``compiled/organization.json``), or ``None``."""
    if organization_id not in catalogue.organizations:
        return None
    services = [_pick(r, _SERVICE) for r in catalogue.services.values() if r["organization_id"] == organization_id]
    return _organization(catalogue, organization_id, full=True) | {"services": services}


def _sal_item(catalogue: Catalogue, sal_id: str, shape: ListShape) -> Json:
    if shape.full:
        return service_at_location_full(catalogue, sal_id) or {}
    if shape.minimal:
        return _pick(catalogue.service_at_locations[sal_id], ("id", "service_id", "location_id"))
    return _sal_summary(catalogue, sal_id)


def _sal_summary(catalogue: Catalogue, sal_id: str) -> Json:
    out = _sal_core(catalogue, sal_id, full=False)
    return out | {"service": _service_summary(catalogue, out["service_id"])}


def _road(times: TravelTimes, origin: Place, points: Sequence[ServicePoint]) -> dict[str, tuple[float, float]]:
    """Road minutes and metres from the origin to each reachable point (none when the origin is off the network)."""
    reachable = [points[i] for i in times.on_network(points)]
    if not reachable:
        return {}
    try:
        matrix = times.matrix([origin], reachable, with_distance=True)
    except PointOutsideNetworkError:
        return {}
    minutes = matrix.minutes[0]
    metres = matrix.metres[0] if matrix.metres is not None else [math.nan] * len(reachable)
    return {p.id: (float(minutes[j]), float(metres[j])) for j, p in enumerate(reachable) if math.isfinite(minutes[j])}


def list_service_at_locations(
    catalogue: Catalogue, query: ServiceAtLocationQuery, times: TravelTimes | None, shape: ListShape | None = None
) -> Json:
    """A page of service_at_locations (``compiled/service_at_location_list.json`` records).

    Without a position: directory order.
    With a position (``times`` is then required): public locations only,
    within ``proximity_m`` in a straight line if given, nearest first by road
    time (then, without a route, by straight line), each with its travel time
    and distances.
    """
    every = query.filter.selects_all
    ids = [
        sal_id
        for sal_id, r in catalogue.service_at_locations.items()
        if every
        or _matches(catalogue, r["service_id"], query.filter, catalogue.location_text.get(r.get("location_id", ""), ""))
    ]
    origin = query.origin
    if origin is None:
        return paginate(ids, query.page, lambda s: _sal_item(catalogue, s, shape or ListShape()))
    if times is None:
        msg = "travel times are needed for a query with a position"
        raise ValueError(msg)  # a caller bug, never a user's: the API passes times with a position
    points = [catalogue.points[s] for s in ids if s in catalogue.points]
    lines = straight_lines_m(origin.lat, origin.lon, [p.lat for p in points], [p.lon for p in points])
    straight = {p.id: float(m) for p, m in zip(points, lines, strict=True)}
    if query.proximity_m is not None:
        points = [p for p in points if straight[p.id] <= query.proximity_m]
    road = _road(times, origin, points)
    points.sort(key=lambda p: (p.id not in road, road.get(p.id, (0.0, 0.0))[0], straight[p.id]))

    def located(point: ServicePoint) -> Json:
        minutes, metres = road.get(point.id, (math.nan, math.nan))
        return _sal_item(catalogue, point.id, shape or ListShape()) | {
            "travel_time_minutes": round(minutes, 1) if math.isfinite(minutes) else None,
            "distance_km": round(metres / 1000, 2) if math.isfinite(metres) else None,
            "straight_line_km": round(straight[point.id] / 1000, 2),
            "travel_mode": query.mode,
            "approximate": times.approximate,
        }

    return paginate(points, query.page, located)


def list_taxonomies(catalogue: Catalogue, page: PageRequest) -> Json:
    """A page of taxonomies (``taxonomy.json`` records without their terms)."""
    return paginate(list(catalogue.taxonomies.values()), page, lambda r: _pick(r, _TAXONOMY))


def list_taxonomy_terms(catalogue: Catalogue, taxonomy_id: str | None, page: PageRequest) -> Json:
    """A page of taxonomy terms (``taxonomy_term.json`` records), optionally of one taxonomy."""
    ids = [t for t, r in catalogue.terms.items() if taxonomy_id is None or r.get("taxonomy_id") == taxonomy_id]
    return paginate(ids, page, lambda t: _term(catalogue, t))
