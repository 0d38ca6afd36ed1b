"""Open Referral query parameters: pages, service filters, positions; refused naming the parameter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..errors import InvalidPostcodeError, QueryError, UnknownPostcodeError
from ..lookup import Place
from ..postcodes import Postcodes
from ..queryargs import choice_arg, integer_arg, number_arg, text_arg
from ..roads import MODES
from .catalogue import Catalogue

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "MAX_PROXIMITY_M",
    "STATUSES",
    "UNSUPPORTED",
    "PageRequest",
    "ServiceAtLocationQuery",
    "ServiceFilter",
    "parse_page",
    "parse_service_at_location_query",
    "parse_service_filter",
    "parse_taxonomy_term_query",
]

DEFAULT_PER_PAGE: Final = 50
MAX_PER_PAGE: Final = 100
MAX_PROXIMITY_M: Final = 200_000.0
#: Open Referral query parameters this API does not implement: refused rather than silently ignored.
UNSUPPORTED: Final = (
    "minimum_age", "maximum_age", "start_time", "end_time", "day", "modified_after", "minimal", "full",
    "full_service",
)  # fmt: skip
STATUSES: Final = ("active", "inactive", "defunct", "temporarily closed")


def _id(args: Mapping[str, str], name: str, known: Mapping[str, Any], listing: str) -> str | None:
    value = text_arg(args, name)
    if value is not None and value not in known:
        raise QueryError(name, f"matches no record; the ids are listed at {listing}")
    return value


def _refuse_unsupported(args: Mapping[str, str]) -> None:
    for name in UNSUPPORTED:
        if name in args:
            raise QueryError(name, "is not supported by this API")
    choice_arg(args, "format", ("json",), "json")


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
        search=text_arg(args, "search"),
        taxonomy_term_id=_id(args, "taxonomy_term_id", catalogue.terms, "/api/openreferral/taxonomy_terms"),
        taxonomy_id=_id(args, "taxonomy_id", catalogue.taxonomies, "/api/openreferral/taxonomies"),
        organization_id=_id(args, "organization_id", catalogue.organizations, "the organization_id of services"),
        status=choice_arg(args, "status", STATUSES, None),
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
