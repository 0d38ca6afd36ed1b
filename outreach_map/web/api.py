"""JSON API: Open Referral UK 3.0 read endpoints under /api/openreferral, plus villages, coverage, timetables.

Thin views: parse with :mod:`outreach_map.openreferral` (or :mod:`outreach_map.publicjson`), call the core, return
JSON. Every response (errors too) carries ``Access-Control-Allow-Origin: *``;
there are no API keys. Bad query parameters answer 400 with
``{"error": ..., "parameter": ...}``, unknown ids 404, anything unexpected
500, always as JSON and never with a traceback or the value that was sent.
Confidential locations are withheld by the core (see
:func:`outreach_map.openreferral.build_catalogue`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from .. import openreferral as oruk
from ..coverage import compute_coverage, facilities_of
from ..errors import OutreachError, QueryError
from ..publicjson import coverage_json, parse_coverage_query, timetable_json, villages_json
from .resources import resources

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api")
_CATALOGUE = "outreach.openreferral"
#: The area the directory covers, in words (a position outside it is refused).
AREA = "rural West Northamptonshire and around"


@bp.after_request
def cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.errorhandler(QueryError)
def bad_query(error: QueryError) -> ResponseReturnValue:
    return jsonify({"error": f"'{error.parameter}' {error.problem}", "parameter": error.parameter, "status": 400}), 400


@bp.errorhandler(OutreachError)
def user_error(error: OutreachError) -> ResponseReturnValue:
    return jsonify({"error": str(error), "status": 400}), 400


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    response = jsonify({"error": error.description or error.name, "status": code})
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, code


@bp.errorhandler(Exception)
def server_error(error: Exception) -> ResponseReturnValue:
    current_app.logger.exception("unhandled API error", exc_info=error)
    return jsonify({"error": "internal server error", "status": 500}), 500


def _catalogue() -> oruk.Catalogue:
    """The directory indexed for the API, built once per loaded directory."""
    directory = resources().data.directory
    cached: tuple[Any, oruk.Catalogue] | None = current_app.extensions.get(_CATALOGUE)
    if cached is None or cached[0] is not directory:
        cached = (directory, oruk.build_catalogue(directory))
        current_app.extensions[_CATALOGUE] = cached
    return cached[1]


def _found(body: Any, what: str) -> ResponseReturnValue:
    if body is None:
        raise NotFound(f"no {what} has this id")
    return jsonify(body)


@bp.get("/openreferral/", strict_slashes=False)
def root() -> ResponseReturnValue:
    return jsonify(oruk.api_info())


def _page_response(page: dict[str, Any], shape: oruk.ListShape) -> ResponseReturnValue:
    """The Page object as JSON, or its records one a line (``format=ndjson``)."""
    if shape.format == "ndjson":
        body = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in page["contents"])
        return Response(body, mimetype="application/x-ndjson")
    return jsonify(page)


@bp.get("/openreferral/services")
def services() -> ResponseReturnValue:
    catalogue = _catalogue()
    oruk.check_parameters(request.args, oruk.SERVICE_PARAMETERS)
    where = oruk.parse_service_filter(request.args, catalogue)
    shape = oruk.parse_list_shape(request.args)
    return _page_response(oruk.list_services(catalogue, where, oruk.parse_page(request.args), shape), shape)


@bp.get("/openreferral/services/<service_id>")
def service(service_id: str) -> ResponseReturnValue:
    return _found(oruk.service_full(_catalogue(), service_id), "service")


@bp.get("/openreferral/service_at_locations")
def service_at_locations() -> ResponseReturnValue:
    res = resources()
    catalogue = _catalogue()
    oruk.check_parameters(request.args, oruk.SERVICE_AT_LOCATION_PARAMETERS)
    query = oruk.parse_service_at_location_query(request.args, catalogue, res.data.postcodes)
    shape = oruk.parse_list_shape(request.args)
    times = res.times(query.mode) if query.origin is not None else None
    if times is not None and query.origin is not None and not times.on_network([query.origin]):
        raise QueryError("lat", f"and lon are outside the area this directory covers ({AREA})")
    return _page_response(oruk.list_service_at_locations(catalogue, query, times, shape), shape)


@bp.get("/openreferral/service_at_locations/<sal_id>")
def service_at_location(sal_id: str) -> ResponseReturnValue:
    return _found(oruk.service_at_location_full(_catalogue(), sal_id), "service_at_location")


@bp.get("/openreferral/organizations")
def organizations() -> ResponseReturnValue:
    oruk.check_parameters(request.args, oruk.PAGE_PARAMETERS)
    return jsonify(oruk.list_organizations(_catalogue(), oruk.parse_page(request.args)))


@bp.get("/openreferral/organizations/<organization_id>")
def organization(organization_id: str) -> ResponseReturnValue:
    return _found(oruk.organization_full(_catalogue(), organization_id), "organization")


@bp.get("/openreferral/taxonomies")
def taxonomies() -> ResponseReturnValue:
    oruk.check_parameters(request.args, oruk.PAGE_PARAMETERS)
    return jsonify(oruk.list_taxonomies(_catalogue(), oruk.parse_page(request.args)))


@bp.get("/openreferral/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str) -> ResponseReturnValue:
    return _found(oruk.taxonomy_full(_catalogue(), taxonomy_id), "taxonomy")


@bp.get("/openreferral/taxonomy_terms")
def taxonomy_terms() -> ResponseReturnValue:
    catalogue = _catalogue()
    oruk.check_parameters(request.args, oruk.TAXONOMY_TERM_PARAMETERS)
    taxonomy_id, page = oruk.parse_taxonomy_term_query(request.args, catalogue)
    return jsonify(oruk.list_taxonomy_terms(catalogue, taxonomy_id, page))


@bp.get("/openreferral/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str) -> ResponseReturnValue:
    return _found(oruk.taxonomy_term_full(_catalogue(), term_id), "taxonomy term")


@bp.get("/villages")
def villages() -> ResponseReturnValue:
    return jsonify(villages_json(resources().data.villages))


@bp.get("/coverage")
def coverage() -> ResponseReturnValue:
    res = resources()
    data = res.data
    query = parse_coverage_query(request.args, data.directory.kind_terms())
    facilities = facilities_of(data.directory, query.kind, include_examples=not query.real_only)
    result = compute_coverage(
        list(data.villages), facilities, res.times(query.mode), kind=query.kind, threshold=query.threshold
    )
    return jsonify(coverage_json(result))


@bp.get("/plans/<plan_id>")
def plan(plan_id: str) -> ResponseReturnValue:
    res = resources()
    found = next((t for t in res.timetables() if t.plan_id == plan_id), None)
    body = None if found is None else timetable_json(found, res.data.directory)
    if found is not None and body is None:
        current_app.logger.warning("plan %s withheld: a stop is at or near a confidential location", plan_id)
    return _found(body, "published plan")


@bp.route("/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], strict_slashes=False)
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str = "") -> ResponseReturnValue:
    """Anything else under /api: a JSON 404 (or 405 for a method the API does not offer)."""
    if request.method != "GET":
        raise MethodNotAllowed(valid_methods=["GET", "HEAD", "OPTIONS"])
    raise NotFound("no API resource at this address")
