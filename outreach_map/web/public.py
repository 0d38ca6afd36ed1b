"""Public pages: search by village, postcode or location; village and service pages.

No cookies for anonymous visitors, a quick exit on every page, and the search
works without JavaScript. Confidential locations never appear. What is the same
for every visitor (the services near a village, its next visits, the base map)
is computed once per version of the data and kept in memory.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from .._readers import text_problem
from ..db.engine import session_scope
from ..directory.feedback import MAX_MESSAGE, submit_feedback
from ..errors import (
    InvalidEntryError,
    InvalidPostcodeError,
    OutreachError,
    PointOutsideNetworkError,
    UnknownPostcodeError,
    UnknownVillageError,
)
from ..geodesy import straight_line_m
from ..lookup import Place, resolve_place
from ..mapdata import place_map_data, search_map_data
from ..places import Village
from ..published import NextVisit, next_visits
from ..search import SearchResult, nearby_services, nearest_village
from .limits import check_form_token, form_token, limiter
from .resources import resources

__all__ = ["bp"]

bp = Blueprint("public", __name__)
MAX_QUERY = 100
NEAR_STOP_KM = 1.0
BASEMAP_URL = "/basemap.geojson"
OUTSIDE = "That place is outside the area this directory covers (rural West Northamptonshire and around)."


@bp.get("/")
def home() -> ResponseReturnValue:
    data = resources().data
    names = sorted({v.name for v in data.villages if v.in_core_area})
    return render_template("home.html", village_names=names)


@bp.get("/about")
def about() -> ResponseReturnValue:
    from ..dataset import SOURCES

    return render_template("about.html", sources=SOURCES, network=resources().network)


@bp.get(BASEMAP_URL)
def basemap() -> ResponseReturnValue:
    """The site's own base map (outline, motorways, schematic links, place names): no tile server needed."""
    response = Response(resources().basemap, mimetype="application/geo+json")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def _nearby(place: Place) -> SearchResult:
    """The services near a place; for a village, from memory after the first visitor."""
    res = resources()
    data = res.data

    def compute() -> SearchResult:
        return nearby_services(data, res.times("drive"), place)

    if place.kind != "village":
        return compute()
    return res.memo.get((data.directory,), ("nearby", place.id), compute)  # type: ignore[no-any-return]


def _visits(village: Village) -> list[NextVisit]:
    """The next four visits to a village (or a stop within 1 km of it) in the timetables that run."""
    res = resources()
    timetables = res.public_timetables()
    today = date.today()

    def compute() -> list[NextVisit]:
        stop_ids = {
            stop.id for timetable in timetables for stop in timetable.stops
            if stop.id == village.id
            or straight_line_m(village.lat, village.lon, stop.lat, stop.lon) / 1000 <= NEAR_STOP_KM
        }  # fmt: skip
        return next_visits(timetables, stop_ids, today=today, count=4) if stop_ids else []

    return res.memo.get((res.data.directory, res.current_published()[0]), ("visits", village.id, today), compute)  # type: ignore[no-any-return]


def _map(result: SearchResult) -> dict[str, Any]:
    res = resources()
    kind_names = {k.term: k.name for k in res.data.directory.kinds}
    return search_map_data(result, kind_names, tiles=res.tiles, basemap=BASEMAP_URL)


def _search_page(place: Place, heading: str, *, status: int = 200) -> ResponseReturnValue:
    """Services near a postcode or a position, with the nearest village named and its visits."""
    res = resources()
    result = _nearby(place)
    near = nearest_village(res.data.villages, place.lat, place.lon)
    village, km = near if near else (None, math.inf)
    visits = _visits(village) if village is not None else []
    return render_template(
        "search.html", heading=heading, result=result, map=_map(result), village=village, village_km=km,
        visits=visits, from_place=village.id if village is not None else None,
    ), status  # fmt: skip


def _not_found(q: str, problem: str, suggestions: list[str] | None = None, status: int = 404) -> ResponseReturnValue:
    return render_template("not_found.html", q=q, suggestions=suggestions or [], problem=problem), status


@bp.get("/search")
def search() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()
    problem = text_problem(q, markup=False, limit=MAX_QUERY)
    if problem is not None:
        message = f"What you typed {problem}. Type a village, a postcode or latitude, longitude."
        return render_template("home.html", village_names=[], message=message), 400
    if not q:
        return render_template(
            "home.html", village_names=[], message="Type a village, a postcode or latitude, longitude."
        )
    data = resources().data
    try:
        place = resolve_place(data, q)
    except UnknownVillageError as exc:
        return _not_found(q, "village", exc.suggestions)
    except (InvalidPostcodeError, UnknownPostcodeError) as exc:
        return _not_found(q, str(exc))
    except OutreachError as exc:
        return _not_found(q, str(exc), status=400)
    if place.kind == "village":
        return village(place.id)
    try:
        return _search_page(place, place.name)
    except PointOutsideNetworkError:
        return _not_found(q, OUTSIDE)


@bp.post("/search/location")
def search_location() -> ResponseReturnValue:
    """ "Use my location": the position comes in the form body, so it is never in an address or the history."""
    try:
        lat, lon = float(request.form.get("lat", "")), float(request.form.get("lon", ""))
    except ValueError:
        return _not_found("your location", "The position sent was not a latitude and longitude.", status=400)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return _not_found("your location", "The position sent was not a latitude and longitude.", status=400)
    place = Place("your-location", "your location", lat, lon, "point")
    try:
        return _search_page(place, "your location")
    except PointOutsideNetworkError:
        return _not_found("your location", OUTSIDE)


@bp.get("/village/<village_id>")
def village(village_id: str) -> ResponseReturnValue:
    res = resources()
    found = res.data.villages.get(village_id)
    if found is None:
        suggestions = res.data.villages.suggest(village_id.replace("-", " "))
        return _not_found(village_id, "village", suggestions)
    place = Place(found.id, found.name, found.lat, found.lon, "village")

    def body() -> Markup:
        result = _nearby(place)
        return Markup(render_template("_village_body.html", village=found, result=result, visits=_visits(found),
                                      map=_map(result), from_place=found.id))  # fmt: skip

    # The page's body is the same for every visitor on a day: made once per version of the data; the page
    # around it (header, per-request script nonces) is made for each request.
    generation = (res.data.directory, res.current_published()[0], date.today(), res.tiles)
    content = res.memo.get(generation, ("village-page", found.id), body)
    return render_template("village.html", village=found, body=content, map=True)


def _from_place(text: str | None) -> tuple[Place | None, str | None]:
    """The place a visitor came from (a village id or a postcode in ``?from=``), or why it was not understood."""
    if not text:
        return None, None
    data = resources().data
    found = data.villages.get(text)
    if found is not None:
        return Place(found.id, found.name, found.lat, found.lon, "village"), None
    try:
        place = resolve_place(data, text[:MAX_QUERY])
    except OutreachError as exc:
        return None, str(exc)
    return (place, None) if place.kind != "point" else (None, None)  # positions never come by address


def _service_page(service_id: str, *, status: int = 200, **extra: object) -> ResponseReturnValue:
    res = resources()
    directory = res.data.directory
    found = directory.services.get(service_id)
    if found is None:
        abort(404)
    points = [p for p in directory.points if p.service.id == service_id]
    public_points = [p for p in points if not p.confidential]
    origin, origin_problem = _from_place(request.args.get("from"))
    times: dict[str, tuple[float, float]] = {}
    if origin is not None and public_points:
        try:
            matrix = res.times("drive").matrix([origin], public_points, with_distance=True)
            metres = matrix.metres[0] if matrix.metres is not None else [math.nan] * len(public_points)
            times = {p.id: (float(matrix.minutes[0][i]), float(metres[i]) / 1000) for i, p in enumerate(public_points)}
        except PointOutsideNetworkError:
            origin_problem = OUTSIDE
    spec = None
    if public_points:
        spec = place_map_data(found.name, [(p.location.name or found.name, p.lat, p.lon) for p in public_points],
                              kind=found.kind, tiles=res.tiles, basemap=BASEMAP_URL)  # fmt: skip
    return render_template(
        "service.html", service=found, points=public_points, withheld=len(points) - len(public_points),
        contact=directory.services.get(found.public_contact_service_id or ""), map=spec,
        organization=directory.organizations.get(found.organization_id), origin=origin, times=times,
        origin_problem=origin_problem, form_token=form_token("feedback", service_id), **extra,
    ), status  # fmt: skip


@bp.get("/service/<service_id>")
def service(service_id: str) -> ResponseReturnValue:
    return _service_page(service_id)


@bp.post("/service/<service_id>/feedback")
@limiter.limit("5 per hour; 20 per day")
def feedback(service_id: str) -> ResponseReturnValue:
    """A member of the public reports a problem with an entry (no cookie; a form token; rate-limited)."""
    if not check_form_token("feedback", service_id, request.form.get("form_token")):
        return _service_page(
            service_id, status=400, feedback_error="This form has expired. Please write your message again."
        )
    try:
        with session_scope(resources().engine) as session:
            submit_feedback(session, service_id, request.form.get("message", "")[: MAX_MESSAGE * 2])
    except InvalidEntryError as exc:
        return _service_page(service_id, status=400, feedback_error=f"Not sent: the message {exc.problem}.",
                             message=request.form.get("message", "")[:MAX_MESSAGE])  # fmt: skip
    return _service_page(service_id, feedback_sent=True)
