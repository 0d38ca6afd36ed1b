"""Open Referral UK 3.0 API resources: the catalogue, query parsing, and the JSON shapes.

Pure functions over the :class:`~outreach_map.directory.Directory`; the web
layer (``outreach_map.web.api``) only parses the request, calls these and
serialises the result. The shapes follow the Open Referral UK 3.0 OpenAPI
file: list endpoints return its ``Page`` object whose ``contents`` are the
one-to-one records of ``compiled/*_list.json``; single records are fully
nested as in ``compiled/service.json`` and ``compiled/service_at_location.json``.

Confidentiality is structural. :func:`build_catalogue` drops the records of
confidential locations, their service_at_locations, their schedules and their
service points before any serialiser runs, so nothing downstream can reach a
confidential name, address, coordinate, id or count: every list, detail and
position query answers exactly as if the location did not exist. The service
itself stays public with its safe contact route (``public_contact_service``).

Extensions beyond the standard (allowed by the schemas, which do not forbid
extra properties): ``example``, ``source``, ``coordinates_note``,
``public_contact_service_id``, ``public_contact_service``, ``phones`` on
contacts; with a position, ``travel_time_minutes``,
``distance_km`` (road), ``straight_line_km``, ``travel_mode`` and
``approximate``.

Modules: :mod:`.catalogue` (records indexed, confidential locations withheld),
:mod:`.queries` (query parameters), :mod:`.serialise` (pages, records, lists).
The site's JSON beyond the standard (villages, coverage, timetables) is
:mod:`outreach_map.publicjson`.
"""

from __future__ import annotations

from .catalogue import Catalogue as Catalogue
from .catalogue import build_catalogue as build_catalogue
from .queries import DEFAULT_PER_PAGE as DEFAULT_PER_PAGE
from .queries import MAX_PER_PAGE as MAX_PER_PAGE
from .queries import PAGE_PARAMETERS as PAGE_PARAMETERS
from .queries import SERVICE_AT_LOCATION_PARAMETERS as SERVICE_AT_LOCATION_PARAMETERS
from .queries import SERVICE_PARAMETERS as SERVICE_PARAMETERS
from .queries import TAXONOMY_TERM_PARAMETERS as TAXONOMY_TERM_PARAMETERS
from .queries import ListShape as ListShape
from .queries import PageRequest as PageRequest
from .queries import ServiceAtLocationQuery as ServiceAtLocationQuery
from .queries import ServiceFilter as ServiceFilter
from .queries import check_parameters as check_parameters
from .queries import parse_list_shape as parse_list_shape
from .queries import parse_page as parse_page
from .queries import parse_service_at_location_query as parse_service_at_location_query
from .queries import parse_service_filter as parse_service_filter
from .queries import parse_taxonomy_term_query as parse_taxonomy_term_query
from .serialise import api_info as api_info
from .serialise import list_organizations as list_organizations
from .serialise import list_service_at_locations as list_service_at_locations
from .serialise import list_services as list_services
from .serialise import list_taxonomies as list_taxonomies
from .serialise import list_taxonomy_terms as list_taxonomy_terms
from .serialise import organization_full as organization_full
from .serialise import paginate as paginate
from .serialise import service_at_location_full as service_at_location_full
from .serialise import service_full as service_full
from .serialise import taxonomy_full as taxonomy_full
from .serialise import taxonomy_term_full as taxonomy_term_full

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "PAGE_PARAMETERS",
    "SERVICE_AT_LOCATION_PARAMETERS",
    "SERVICE_PARAMETERS",
    "TAXONOMY_TERM_PARAMETERS",
    "Catalogue",
    "ListShape",
    "PageRequest",
    "ServiceAtLocationQuery",
    "ServiceFilter",
    "api_info",
    "build_catalogue",
    "check_parameters",
    "list_organizations",
    "list_service_at_locations",
    "list_services",
    "list_taxonomies",
    "list_taxonomy_terms",
    "organization_full",
    "paginate",
    "parse_list_shape",
    "parse_page",
    "parse_service_at_location_query",
    "parse_service_filter",
    "parse_taxonomy_term_query",
    "service_at_location_full",
    "service_full",
    "taxonomy_full",
    "taxonomy_term_full",
]
