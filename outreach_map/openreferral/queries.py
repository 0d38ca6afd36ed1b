"""Open Referral query parameters: pages, service filters, positions; refused naming the parameter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, time
from typing import Any, Final

from ..directory.hours import parse_clock
from ..errors import InvalidEntryError, InvalidPostcodeError, QueryError, UnknownPostcodeError
from ..lookup import Place
from ..postcodes import Postcodes
from ..queryargs import choice_arg, integer_arg, number_arg, text_arg
from ..roads import MODES
from .catalogue import Catalogue

__all__ = [
    "DEFAULT_PER_PAGE",
    "FORMATS",
    "MAX_PER_PAGE",
    "MAX_PROXIMITY_M",
    "PAGE_PARAMETERS",
    "SERVICE_AT_LOCATION_PARAMETERS",
    "SERVICE_PARAMETERS",
    "STATUSES",
    "TAXONOMY_TERM_PARAMETERS",
    "ListShape",
    "PageRequest",
    "ServiceAtLocationQuery",
    "ServiceFilter",
    "check_parameters",
    "parse_list_shape",
    "parse_page",
    "parse_service_at_location_query",
    "parse_service_filter",
    "parse_taxonomy_term_query",
]

DEFAULT_PER_PAGE: Final = 50
MAX_PER_PAGE: Final = 100
MAX_PROXIMITY_M: Final = 200_000.0
STATUSES: Final = ("active", "inactive", "defunct", "temporarily closed")
#: The parameters of each list endpoint; any other is refused (400) rather than silently ignored.
SERVICE_PARAMETERS: Final = (
    "search", "page", "per_page", "taxonomy_term_id", "taxonomy_id", "organization_id", "status", "minimum_age",
    "maximum_age", "start_time", "end_time", "day", "modified_after", "full", "minimal", "format",
)  # fmt: skip
SERVICE_AT_LOCATION_PARAMETERS: Final = (*SERVICE_PARAMETERS, "postcode", "proximity", "lat", "lon", "mode")
PAGE_PARAMETERS: Final = ("page", "per_page", "format")
TAXONOMY_TERM_PARAMETERS: Final = (*PAGE_PARAMETERS, "taxonomy_id")
FORMATS: Final = ("json", "ndjson")
_DAYS: Final = {name: i for i, names in enumerate(
    (("mo", "mon", "monday"), ("tu", "tue", "tuesday"), ("we", "wed", "wednesday"), ("th", "thu", "thursday"),
     ("fr", "fri", "friday"), ("sa", "sat", "saturday"), ("su", "sun", "sunday"))) for name in names}  # fmt: skip
_BOOLEANS: Final = {"true": True, "1": True, "false": False, "0": False}


def _id(args: Mapping[str, str], name: str, known: Mapping[str, Any], listing: str) -> str | None:
    value = text_arg(args, name)
    if value is not None and value not in known:
        raise QueryError(name, f"matches no record; the ids are listed at {listing}")
    return value


def check_parameters(args: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    """Refuse a parameter the endpoint does not take, and a parameter given empty (``postcode=``)."""
    for name in args:
        if name not in allowed:
            raise QueryError(name, f"is not a parameter of this endpoint; expected one of {', '.join(allowed)}")
        if not str(args.get(name, "")).strip():
            raise QueryError(name, "is empty; give a value or leave the parameter out")


@dataclass(frozen=True, slots=True)
class ListShape:
    """How list records are written: ``full`` (fully nested), ``minimal`` (id and name) and the ``format``."""

    full: bool = False
    minimal: bool = False
    format: str = "json"


def _boolean(args: Mapping[str, str], name: str) -> bool:
    value = text_arg(args, name, max_chars=5)
    if value is None:
        return False
    if value.lower() not in _BOOLEANS:
        raise QueryError(name, "is not true or false")
    return _BOOLEANS[value.lower()]


def parse_list_shape(args: Mapping[str, str]) -> ListShape:
    """``full``, ``minimal`` and ``format`` (``json``, or ``ndjson``: one record a line)."""
    shape = ListShape(
        _boolean(args, "full"), _boolean(args, "minimal"), choice_arg(args, "format", FORMATS, "json") or "json"
    )
    if shape.full and shape.minimal:
        raise QueryError("minimal", "cannot be combined with full; choose one")
    return shape


def _day(args: Mapping[str, str]) -> int | None:
    value = text_arg(args, "day", max_chars=12)
    if value is None:
        return None
    if value.lower() not in _DAYS:
        raise QueryError("day", "is not a day of the week; expected e.g. MO or Monday")
    return _DAYS[value.lower()]


def _time(args: Mapping[str, str], name: str) -> time | None:
    value = text_arg(args, name, max_chars=16)
    if value is None:
        return None
    try:
        return parse_clock(value, field=name)
    except InvalidEntryError:
        raise QueryError(name, "is not a time of day; expected HH:MM") from None


def _moment(args: Mapping[str, str], name: str) -> datetime | None:
    value = text_arg(args, name, max_chars=40)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(name, "is not a date or date-time; expected e.g. 2026-11-30T00:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _age(args: Mapping[str, str], name: str) -> float | None:
    value = number_arg(args, name, "an age in years")
    if value is not None and not 0 <= value <= 130:
        raise QueryError(name, "is out of range; expected an age in years from 0")
    return value


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
        integer_arg(args, "page", 1, 1, 10**9), integer_arg(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    )


@dataclass(frozen=True, slots=True)
class ServiceFilter:
    """Filters shared by the service and service_at_location lists (``None`` = no filter)."""

    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    status: str | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    day: int | None = None
    start_time: time | None = None
    end_time: time | None = None
    modified_after: datetime | None = None

    @property
    def selects_all(self) -> bool:
        """No filter is set: every service matches."""
        return all(getattr(self, f.name) is None for f in fields(self))

    @property
    def by_schedule(self) -> bool:
        return self.day is not None or self.start_time is not None or self.end_time is not None


def parse_service_filter(args: Mapping[str, str], catalogue: Catalogue) -> ServiceFilter:
    """``search``, ``taxonomy_term_id``, ``taxonomy_id``, ``organization_id``, ``status``, and the standard's
    ``minimum_age`` (services whose minimum age is at least it), ``maximum_age`` (whose maximum age is at most it),
    ``day``, ``start_time`` (opening at or after it), ``end_time`` (closing at or before it) and ``modified_after``.

    Raises
    ------
    QueryError
        For an unknown id or status, too long a search, or a value that cannot be read.
    """
    return ServiceFilter(
        search=text_arg(args, "search"),
        taxonomy_term_id=_id(args, "taxonomy_term_id", catalogue.terms, "/api/openreferral/taxonomy_terms"),
        taxonomy_id=_id(args, "taxonomy_id", catalogue.taxonomies, "/api/openreferral/taxonomies"),
        organization_id=_id(args, "organization_id", catalogue.organizations, "the organization_id of services"),
        status=choice_arg(args, "status", STATUSES, None),
        minimum_age=_age(args, "minimum_age"),
        maximum_age=_age(args, "maximum_age"),
        day=_day(args),
        start_time=_time(args, "start_time"),
        end_time=_time(args, "end_time"),
        modified_after=_moment(args, "modified_after"),
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
    postcode = text_arg(args, "postcode", max_chars=10)
    lat = number_arg(args, "lat", "a latitude in degrees (WGS84)")
    lon = number_arg(args, "lon", "a longitude in degrees (WGS84)")
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
    proximity = number_arg(args, "proximity", "metres above 0")
    if proximity is not None:
        if not 0 < proximity <= MAX_PROXIMITY_M:
            raise QueryError("proximity", f"is out of range; expected metres above 0 and at most {MAX_PROXIMITY_M:g}")
        if origin is None:
            raise QueryError("proximity", "needs a position; give postcode, or lat and lon")
    mode = choice_arg(args, "mode", MODES, "drive") or "drive"
    return ServiceAtLocationQuery(service_filter, page, origin, proximity, mode)


def parse_taxonomy_term_query(args: Mapping[str, str], catalogue: Catalogue) -> tuple[str | None, PageRequest]:
    """An optional ``taxonomy_id`` filter and a page for the taxonomy term list."""
    return _id(args, "taxonomy_id", catalogue.taxonomies, "/api/openreferral/taxonomies"), parse_page(args)
