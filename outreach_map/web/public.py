"""Public pages: search by village, postcode or location; village and service pages.

No cookies for anonymous visitors, a quick exit on every page, and the search
works without JavaScript. Confidential locations never appear.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

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
from ..maps import render_fragments, search_map
from ..published import next_visits, public_timetable
from ..search import nearby_services
from .limits import check_form_token, form_token, limiter
from .resources import resources

__all__ = ["bp"]

bp = Blueprint("public", __name__)
MAX_QUERY = 100
NEAR_STOP_KM = 1.0


@bp.get("/")
def home() -> ResponseReturnValue:
    data = resources().data
    names = sorted({v.name for v in data.villages if v.in_core_area})
    return render_template("home.html", village_names=names)


@bp.get("/about")
def about() -> ResponseReturnValue:
    from ..dataset import SOURCES

    return render_template("about.html", sources=SOURCES, network=resources().network)


def _search_page(place: Place, q: str) -> ResponseReturnValue:
    res = resources()
    result = nearby_services(res.data, res.times("drive"), place)
    fragments = render_fragments(search_map(result, res.map_settings()))
    return render_template("search.html", q=q, result=result, map=fragments)


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
        return render_template("not_found.html", q=q, suggestions=exc.suggestions, problem="village"), 404
    except (InvalidPostcodeError, UnknownPostcodeError) as exc:
        return render_template("not_found.html", q=q, suggestions=[], problem=str(exc)), 404
    except OutreachError as exc:
        return render_template("not_found.html", q=q, suggestions=[], problem=str(exc)), 400
    if place.kind == "village":
        return village(place.id)
    try:
        return _search_page(place, q)
    except PointOutsideNetworkError:
        problem = "That place is outside the area this directory covers (rural West Northamptonshire and around)."
        return render_template("not_found.html", q=q, suggestions=[], problem=problem), 404


@bp.get("/village/<village_id>")
def village(village_id: str) -> ResponseReturnValue:
    res = resources()
    found = res.data.villages.get(village_id)
    if found is None:
        suggestions = res.data.villages.suggest(village_id.replace("-", " "))
        return render_template("not_found.html", q=village_id, suggestions=suggestions, problem="village"), 404
    place = Place(found.id, found.name, found.lat, found.lon, "village")
    result = nearby_services(res.data, res.times("drive"), place)
    timetables = [t for t in res.timetables() if public_timetable(t, res.data.directory) is not None]
    stop_ids = {
        stop.id for timetable in timetables for stop in timetable.stops
        if stop.id == found.id or straight_line_m(found.lat, found.lon, stop.lat, stop.lon) / 1000 <= NEAR_STOP_KM
    }  # fmt: skip
    visits = next_visits(timetables, stop_ids, today=date.today(), count=4) if stop_ids else []
    fragments = render_fragments(search_map(result, res.map_settings()))
    return render_template("village.html", village=found, result=result, visits=visits, map=fragments)


def _service_page(service_id: str, *, status: int = 200, **extra: object) -> ResponseReturnValue:
    directory = resources().data.directory
    found = directory.services.get(service_id)
    if found is None:
        abort(404)
    points = [p for p in directory.points if p.service.id == service_id]
    public_points = [p for p in points if not p.confidential]
    contact = directory.services.get(found.public_contact_service_id or "")
    organization = directory.organizations.get(found.organization_id)
    return render_template(
        "service.html", service=found, points=public_points, withheld=len(points) - len(public_points),
        contact=contact, organization=organization, form_token=form_token("feedback", service_id),
        **extra,
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
