"""Open Referral UK 3.0 API resources: query parsing, filters, paging and JSON shapes.

Pure functions over the :class:`~outreach_map.directory.Directory`; the web
layer (``outreach_map.web.api``) only parses the request, calls these and
serialises the result. The shapes follow the Open Referral UK 3.0 OpenAPI
file: list endpoints return its ``Page`` object whose ``contents`` are the
one-to-one records of ``compiled/*_list.json``; single records are fully
nested as in ``compiled/service.json`` and ``compiled/service_at_location.json``.

Confidentiality is structural. :func:`build_catalogue` drops the records of
confidential locations, the ``location_id`` of their service_at_locations,
their schedules and their service points before any serialiser runs, so
nothing downstream can reach a confidential name, address or coordinate. A
service_at_location whose location is confidential keeps only its id, its
service and ``"location_redacted": true`` (the HSDS proposal's
``location_type: "redacted"`` is not in the UK profile's enum, so the
location object is left out rather than made invalid) with the service's
public contact route. Queries with a position (``postcode``, ``lat``/``lon``)
leave such records out entirely, so distances, times, order and counts cannot
be used to triangulate them.

Extensions beyond the standard (allowed by the schemas, which do not forbid
extra properties): ``example``, ``source``, ``coordinates_note``,
``public_contact_service_id``, ``public_contact_service``, ``phones`` on
contacts, ``location_redacted`` and ``location_note``; with a position, ``travel_time_minutes``,
``distance_km`` (road), ``straight_line_km``, ``travel_mode`` and
``approximate``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from .coverage import CoverageResult, check_threshold
from .directory import Directory, ServicePoint
from .errors import InvalidPostcodeError, OutreachError, PointOutsideNetworkError, QueryError, UnknownPostcodeError
from .geodesy import straight_line_m
from .lookup import Place
from .places import Village
from .postcodes import Postcodes
from .roads import MODES
from .traveltime import TravelTimes

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "Catalogue",
    "CoverageQuery",
    "PageRequest",
    "ServiceAtLocationQuery",
    "ServiceFilter",
    "api_info",
    "build_catalogue",
    "coverage_json",
    "list_service_at_locations",
    "list_services",
    "list_taxonomies",
    "list_taxonomy_terms",
    "paginate",
    "parse_coverage_query",
    "parse_page",
    "parse_service_at_location_query",
    "parse_service_filter",
    "parse_taxonomy_term_query",
    "service_at_location_full",
    "service_full",
    "taxonomy_full",
    "taxonomy_term_full",
    "villages_json",
]

Record = Mapping[str, Any]
Json = dict[str, Any]
T = TypeVar("T")

DEFAULT_PER_PAGE: Final = 50
MAX_PER_PAGE: Final = 100
MAX_SEARCH_CHARS: Final = 200
MAX_PROXIMITY_M: Final = 200_000.0
#: A published plan with a stop this close to a confidential location is withheld.
PROFILE_URL: Final = "https://openreferraluk.org"
OPENAPI_URL: Final = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"
REDACTED_NOTE: Final = (
    "The location of this service is confidential and is not published; "
    "contact the service through its public contact route."
)
#: Open Referral query parameters this API does not implement: refused rather than silently ignored.
UNSUPPORTED: Final = (
    "minimum_age", "maximum_age", "start_time", "end_time", "day", "modified_after", "minimal", "full",
    "full_service",
)  # fmt: skip
STATUSES: Final = ("active", "inactive", "defunct", "temporarily closed")

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


# --- the catalogue: records indexed once, confidential locations already gone ----------------------------------


@dataclass(frozen=True)
class Catalogue:
    """The directory's records indexed for the API, with every confidential location withheld.

    ``locations`` and ``points`` hold public locations only; ``redacted`` names
    the service_at_locations whose location is confidential (their records
    here have no ``location_id``); schedules of those are dropped.
    """

    taxonomies: Mapping[str, Record]
    terms: Mapping[str, Record]
    organizations: Mapping[str, Record]
    services: Mapping[str, Record]
    locations: Mapping[str, Record]
    service_at_locations: Mapping[str, Record]
    redacted: frozenset[str]
    points: Mapping[str, ServicePoint]
    contacts: Mapping[str, tuple[Record, ...]]
    phones: Mapping[str, tuple[Record, ...]]
    schedules: Mapping[str, tuple[Record, ...]]
    sals_by_service: Mapping[str, tuple[str, ...]]
    service_terms: Mapping[str, frozenset[str]]
    service_text: Mapping[str, str]
    location_text: Mapping[str, str]


def _group(records: Iterable[Record], key: str) -> dict[str, tuple[Record, ...]]:
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(record[key], []).append(record)
    return {k: tuple(v) for k, v in groups.items()}


def build_catalogue(directory: Directory) -> Catalogue:
    """Index a directory's validated records for the API, withholding confidential locations."""
    records = directory.records
    by_id = {table: {r["id"]: r for r in rows} for table, rows in records.items()}
    secret = {lid for lid, loc in directory.locations.items() if loc.confidential}
    sals: dict[str, Record] = {}
    redacted: set[str] = set()
    for r in records["service_at_locations"]:
        if r["location_id"] in secret:
            redacted.add(r["id"])
            sals[r["id"]] = {k: v for k, v in r.items() if k != "location_id"}
        else:
            sals[r["id"]] = r
    schedules: dict[str, list[Record]] = {}
    for r in records["schedules"]:
        sal = r.get("service_at_location_id")
        if sal in redacted:
            continue
        service_id = r["service_id"] if "service_id" in r else sals[r["service_at_location_id"]]["service_id"]
        schedules.setdefault(service_id, []).append(r)
    terms = by_id["taxonomy_terms"]
    service_terms = {
        sid: frozenset(a["taxonomy_term_id"] for a in r.get("attributes", ()) if a.get("taxonomy_term_id") in terms)
        for sid, r in by_id["services"].items()
    }
    service_text = {
        sid: " ".join(
            [r["name"], r.get("description", ""), by_id["organizations"][r["organization_id"]]["name"]]
            + [terms[t]["name"] + " " + terms[t].get("term", "") for t in service_terms[sid]]
        ).casefold()
        for sid, r in by_id["services"].items()
    }
    locations = {lid: r for lid, r in by_id["locations"].items() if lid not in secret}
    location_text = {
        lid: " ".join(
            [r.get("name", ""), r.get("description", "")]
            + [str(a.get(f, "")) for a in r.get("addresses", ()) for f in ("address_1", "city", "postal_code")]
        ).casefold()
        for lid, r in locations.items()
    }
    return Catalogue(
        taxonomies=by_id["taxonomies"], terms=terms, organizations=by_id["organizations"],
        services=by_id["services"], locations=locations, service_at_locations=sals, redacted=frozenset(redacted),
        points={p.id: p for p in directory.points if not p.confidential},
        contacts=_group(records["contacts"], "service_id"), phones=_group(records["phones"], "contact_id"),
        schedules={k: tuple(v) for k, v in schedules.items()},
        sals_by_service={k: tuple(r["id"] for r in v) for k, v in _group(sals.values(), "service_id").items()},
        service_terms=service_terms, service_text=service_text, location_text=location_text,
    )  # fmt: skip


# --- query parameters -------------------------------------------------------------------------------------------


def _text(args: Mapping[str, str], name: str, *, max_chars: int = MAX_SEARCH_CHARS) -> str | None:
    value = (args.get(name) or "").strip()
    if len(value) > max_chars:
        raise QueryError(name, f"is too long; expected at most {max_chars} characters")
    return value or None


def _integer(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = _text(args, name, max_chars=20)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(name, f"is not a whole number; expected an integer from {low} to {high}") from None
    if not low <= value <= high:
        raise QueryError(name, f"is out of range; expected an integer from {low} to {high}")
    return value


def _number(args: Mapping[str, str], name: str, what: str) -> float | None:
    text = _text(args, name, max_chars=40)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise QueryError(name, f"is not a number; expected {what}") from None
    if not math.isfinite(value):
        raise QueryError(name, f"is not a finite number; expected {what}")
    return value


def _choice(args: Mapping[str, str], name: str, choices: Sequence[str], default: str | None) -> str | None:
    value = _text(args, name)
    if value is None:
        return default
    if value not in choices:
        raise QueryError(name, f"is not allowed; expected one of {', '.join(choices)}")
    return value


def _id(args: Mapping[str, str], name: str, known: Mapping[str, Any], listing: str) -> str | None:
    value = _text(args, name)
    if value is not None and value not in known:
        raise QueryError(name, f"matches no record; the ids are listed at {listing}")
    return value


def _refuse_unsupported(args: Mapping[str, str]) -> None:
    for name in UNSUPPORTED:
        if name in args:
            raise QueryError(name, "is not supported by this API")
    _choice(args, "format", ("json",), "json")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a list: ``page`` from 1, ``per_page`` from 1 to :data:`MAX_PER_PAGE`."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def __post_init__(self) -> None:
        if self.page < 1:
            raise QueryError("page", "is out of range; expected an integer from 1")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError("per_page", f"is out of range; expected an integer from 1 to {MAX_PER_PAGE}")


def parse_page(args: Mapping[str, str]) -> PageRequest:
    """``page`` and ``per_page`` from query arguments.

    Raises
    ------
    QueryError
        Naming the parameter that is not a whole number in range.
    """
    return PageRequest(
        _integer(args, "page", 1, 1, 10**9), _integer(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    )


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


@dataclass(frozen=True, slots=True)
class ServiceFilter:
    """Filters shared by the service and service_at_location lists (``None`` = no filter)."""

    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    status: str | None = None


def parse_service_filter(args: Mapping[str, str], catalogue: Catalogue) -> ServiceFilter:
    """``search``, ``taxonomy_term_id``, ``taxonomy_id``, ``organization_id`` and ``status``.

    Raises
    ------
    QueryError
        For an unknown id or status, too long a search, or an Open Referral
        parameter this API does not implement.
    """
    _refuse_unsupported(args)
    return ServiceFilter(
        search=_text(args, "search"),
        taxonomy_term_id=_id(args, "taxonomy_term_id", catalogue.terms, "/api/openreferral/taxonomy_terms"),
        taxonomy_id=_id(args, "taxonomy_id", catalogue.taxonomies, "/api/openreferral/taxonomies"),
        organization_id=_id(args, "organization_id", catalogue.organizations, "the organization_id of services"),
        status=_choice(args, "status", STATUSES, None),
    )


@dataclass(frozen=True, slots=True)
class ServiceAtLocationQuery:
    """A service_at_location list query: filters, an optional origin and proximity, a mode and a page."""

    filter: ServiceFilter
    page: PageRequest
    origin: Place | None = None
    proximity_m: float | None = None
    mode: str = "drive"


def _origin(args: Mapping[str, str], postcodes: Postcodes) -> Place | None:
    postcode = _text(args, "postcode", max_chars=10)
    lat = _number(args, "lat", "a latitude in degrees (WGS84)")
    lon = _number(args, "lon", "a longitude in degrees (WGS84)")
    if postcode is not None and (lat is not None or lon is not None):
        raise QueryError("postcode", "cannot be combined with lat and lon; give one position")
    if lat is None and lon is not None:
        raise QueryError("lat", "is missing; lon needs lat")
    if lon is None and lat is not None:
        raise QueryError("lon", "is missing; lat needs lon")
    if lat is not None and lon is not None:
        if not -90 <= lat <= 90:
            raise QueryError("lat", "is out of range; expected degrees from -90 to 90")
        if not -180 <= lon <= 180:
            raise QueryError("lon", "is out of range; expected degrees from -180 to 180")
        return Place("origin", "origin", lat, lon, "point")
    if postcode is None:
        return None
    try:
        found = postcodes.lookup(postcode)
    except InvalidPostcodeError:
        raise QueryError("postcode", "is not a full UK postcode; expected e.g. NN11 4AB") from None
    except UnknownPostcodeError:
        raise QueryError("postcode", "is not a postcode of the area this directory covers") from None
    return Place("origin", "origin", found.lat, found.lon, "postcode")


def parse_service_at_location_query(
    args: Mapping[str, str], catalogue: Catalogue, postcodes: Postcodes
) -> ServiceAtLocationQuery:
    """The service filters, a page, ``postcode`` or ``lat``/``lon``, ``proximity`` (metres) and ``mode``.

    Raises
    ------
    QueryError
        Naming the first parameter that cannot be used.
    """
    service_filter = parse_service_filter(args, catalogue)
    page = parse_page(args)
    origin = _origin(args, postcodes)
    proximity = _number(args, "proximity", "metres above 0")
    if proximity is not None:
        if not 0 < proximity <= MAX_PROXIMITY_M:
            raise QueryError("proximity", f"is out of range; expected metres above 0 and at most {MAX_PROXIMITY_M:g}")
        if origin is None:
            raise QueryError("proximity", "needs a position; give postcode, or lat and lon")
    mode = _choice(args, "mode", MODES, "drive") or "drive"
    return ServiceAtLocationQuery(service_filter, page, origin, proximity, mode)


def parse_taxonomy_term_query(args: Mapping[str, str], catalogue: Catalogue) -> tuple[str | None, PageRequest]:
    """An optional ``taxonomy_id`` filter and a page for the taxonomy term list."""
    return _id(args, "taxonomy_id", catalogue.taxonomies, "/api/openreferral/taxonomies"), parse_page(args)


# --- serialisers ------------------------------------------------------------------------------------------------


def api_info() -> Json:
    """The API root: HSDS version, profile and OpenAPI file, and the extensions used."""
    return {
        "version": "3.0",
        "profile": PROFILE_URL,
        "openapi_url": OPENAPI_URL,
        "extensions": {
            "example": "true on invented records, whose names start 'EXAMPLE - '",
            "location_redacted": "true on a service_at_location whose location is confidential; "
            "contact it through public_contact_service_id",
            "lat, lon, mode": "query parameters of /service_at_locations: a position instead of a postcode",
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
    """A service_at_location without its service: the location, or the redaction."""
    record = catalogue.service_at_locations[sal_id]
    out = _pick(record, _SAL)
    if sal_id in catalogue.redacted:
        out |= {"location_redacted": True, "location_note": REDACTED_NOTE}
        contact = catalogue.services[record["service_id"]].get("public_contact_service_id")
        if contact is not None:
            out["public_contact_service_id"] = contact
    else:
        out["location"] = _location(catalogue, record["location_id"], full=full)
    return out


def _schedules(catalogue: Catalogue, service_id: str, sal_id: str | None = None) -> list[Json]:
    return [
        _pick(s, _SCHEDULE)
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


# --- lists --------------------------------------------------------------------------------------------------------


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
    if where.search is not None:
        text = catalogue.service_text[service_id] + " " + extra_text
        return all(word in text for word in where.search.casefold().split())
    return True


def list_services(catalogue: Catalogue, where: ServiceFilter, page: PageRequest) -> Json:
    """A page of services (``compiled/service_list.json`` records) in directory order."""
    ids = [s for s in catalogue.services if _matches(catalogue, s, where)]
    return paginate(ids, page, lambda s: _service_summary(catalogue, s))


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


def list_service_at_locations(catalogue: Catalogue, query: ServiceAtLocationQuery, times: TravelTimes | None) -> Json:
    """A page of service_at_locations (``compiled/service_at_location_list.json`` records).

    Without a position: directory order, those with a redacted location last.
    With a position (``times`` is then required): public locations only,
    within ``proximity_m`` in a straight line if given, nearest first by road
    time (then, without a route, by straight line), each with its travel time
    and distances.
    """
    ids = [
        sal_id
        for sal_id, r in catalogue.service_at_locations.items()
        if _matches(catalogue, r["service_id"], query.filter, catalogue.location_text.get(r.get("location_id", ""), ""))
    ]
    origin = query.origin
    if origin is None:
        ordered = [s for s in ids if s not in catalogue.redacted] + [s for s in ids if s in catalogue.redacted]
        return paginate(ordered, query.page, lambda s: _sal_summary(catalogue, s))
    if times is None:
        msg = "travel times are needed for a query with a position"
        raise ValueError(msg)
    points = [catalogue.points[s] for s in ids if s in catalogue.points]
    straight = {p.id: straight_line_m(origin.lat, origin.lon, p.lat, p.lon) for p in points}
    if query.proximity_m is not None:
        points = [p for p in points if straight[p.id] <= query.proximity_m]
    road = _road(times, origin, points)
    points.sort(key=lambda p: (p.id not in road, road.get(p.id, (0.0, 0.0))[0], straight[p.id]))

    def located(point: ServicePoint) -> Json:
        minutes, metres = road.get(point.id, (math.nan, math.nan))
        return _sal_summary(catalogue, point.id) | {
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


# --- villages, coverage and published plans ------------------------------------------------------------------------


def villages_json(villages: Iterable[Village]) -> Json:
    """Every village with its position, district and population (and where the figure comes from)."""
    rows = [
        {"id": v.id, "name": v.name, "kind": v.kind, "lat": v.lat, "lon": v.lon, "district": v.district,
         "population": v.population, "population_source": v.population_source, "estimated": v.estimated}
        for v in villages
    ]  # fmt: skip
    return {"total_items": len(rows), "villages": rows}


@dataclass(frozen=True, slots=True)
class CoverageQuery:
    """A coverage request: service kind, threshold in minutes, mode, and whether to leave out examples."""

    kind: str = "library"
    threshold: float = 15.0
    mode: str = "drive"
    real_only: bool = False


def parse_coverage_query(args: Mapping[str, str], kinds: Sequence[str]) -> CoverageQuery:
    """``kind``, ``threshold`` (minutes), ``mode`` and ``real_only`` (true or false).

    Raises
    ------
    QueryError
        Naming the parameter that cannot be used.
    """
    kind = _choice(args, "kind", kinds, "library" if "library" in kinds else kinds[0]) or kinds[0]
    threshold = _number(args, "threshold", "minutes above 0")
    try:
        threshold = check_threshold(15.0 if threshold is None else threshold)
    except OutreachError as exc:
        raise QueryError("threshold", str(exc).split("; ", 1)[-1]) from None
    mode = _choice(args, "mode", MODES, "drive") or "drive"
    real_only = _choice(args, "real_only", ("true", "false", "1", "0"), "false") in ("true", "1")
    return CoverageQuery(kind, threshold, mode, real_only)


def _finite(value: Any) -> Any:
    """JSON has no infinity: non-finite numbers and CSV blanks become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return None if value == "" else value


def coverage_json(result: CoverageResult) -> Json:
    """Per-village rows and Journey Time Statistics summaries of a coverage result (confidential points never in it)."""
    return {
        "kind": result.kind, "mode": result.mode, "threshold_minutes": result.threshold,
        "approximate": result.approximate, "network": result.network, "service_points": len(result.facilities),
        "uses_examples": result.uses_examples,
        "summaries": [{k: _finite(v) for k, v in s.as_row().items()} for s in result.summaries()],
        "villages": [{k: _finite(v) for k, v in row.items()} for row in result.rows()],
    }  # fmt: skip
