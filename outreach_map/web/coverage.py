"""Planners' coverage pages: coverage map and gaps by kind, threshold and mode; what-if; suggested sites.

The blueprint is ``coverage``; its pages stay at ``/plan/`` (the address
planners know, and DESIGN.md's). Thin views: the what-if is
:func:`outreach_map.coverage.what_if`, the sites :func:`outreach_map.siting.suggest_sites`
and the CSV :func:`outreach_map.tables.coverage_csv`, as for the CLI.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..coverage import Facility, WhatIf, check_threshold, facilities_of, village_candidates, what_if
from ..errors import OutreachError
from ..geojson import MEDIA_TYPE as GEOJSON_MEDIA_TYPE
from ..lookup import resolve_place
from ..mapdata import coverage_map_data
from ..siting import Suggestion, suggest_sites
from ..tables import coverage_csv as coverage_csv_text
from .auth import role_required
from .public import BASEMAP_URL
from .resources import resources

__all__ = ["bp", "split_sites"]

bp = Blueprint("coverage", __name__, url_prefix="/plan")


@dataclass(frozen=True)
class Query:
    kind: str
    threshold: float
    mode: str
    add: tuple[str, ...]
    remove: tuple[str, ...]
    sites: int
    real_only: bool


def _query() -> Query:
    args = request.args
    try:
        threshold = float(args.get("threshold", "15"))
        sites = int(args.get("sites", "0") or 0)
    except ValueError:
        msg = "threshold and sites must be numbers"
        raise OutreachError(msg) from None
    mode = args.get("mode", "drive")
    if mode not in ("drive", "walk"):
        msg = f"mode '{mode}': expected drive or walk"
        raise OutreachError(msg)
    if not 0 <= sites <= 20:
        msg = f"sites {sites}: expected 0 to 20"
        raise OutreachError(msg)
    add = tuple(site for value in args.getlist("add") for site in split_sites(value))[:10]
    return Query(
        args.get("kind", "library"), check_threshold(threshold), mode, add, tuple(args.getlist("remove")),
        sites, args.get("real_only") == "1",
    )  # fmt: skip


_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def split_sites(text: str) -> list[str]:
    """Places typed in one field, separated by commas or semicolons ("Byfield, Welford"); a "lat, lon" stays whole.

    Examples
    --------
    >>> split_sites("Byfield, Welford; NN11 4GJ")
    ['Byfield', 'Welford', 'NN11 4GJ']
    >>> split_sites("52.17, -1.24, Byfield")
    ['52.17, -1.24', 'Byfield']
    """
    parts = [p.strip() for p in re.split(r"[,;]", text) if p.strip()]
    sites: list[str] = []
    for part in parts:
        if sites and _NUMBER.match(part) and _NUMBER.match(sites[-1]):
            sites[-1] = f"{sites[-1]}, {part}"
        else:
            sites.append(part)
    return sites


def _compute(q: Query) -> tuple[WhatIf, list[Facility], Suggestion | None]:
    """The what-if (or plain coverage) of the core area, the service points, and the suggested sites if asked."""
    res = resources()
    data = res.data
    facilities = facilities_of(data.directory, q.kind, include_examples=not q.real_only)
    times = res.times(q.mode)
    villages = [v for v in data.villages if v.in_core_area]
    added = []
    for text in q.add:
        place = resolve_place(data, text)
        added.append(
            Facility(f"new:{place.id}", f"New site at {place.name}", place.lat, place.lon, q.kind, candidate=True)
        )
    scenario = what_if(villages, facilities, times, kind=q.kind, threshold=q.threshold, add=added, remove=q.remove)
    suggestion = None
    if q.sites:
        suggestion = suggest_sites(scenario.after, village_candidates(data.villages, kind=q.kind), times, sites=q.sites)
    return scenario, facilities, suggestion


def _kind_names() -> dict[str, str]:
    return {k.term: k.name for k in resources().data.directory.kinds}


@bp.get("/")
@role_required("planner")
def coverage_page() -> ResponseReturnValue:
    data = resources().data
    try:
        q = _query()
        scenario, facilities, suggestion = _compute(q)
    except OutreachError as exc:
        return render_template("coverage.html", error=str(exc), kinds=data.directory.kind_terms(), q=None), 400
    result = scenario.after
    suggestions = [(s.site, s.newly_covered_population) for s in suggestion.sites] if suggestion else []
    layer = url_for("coverage.service_areas_layer", kind=q.kind, mode=q.mode, real_only="1" if q.real_only else "0")
    spec = coverage_map_data(
        result, kind_name=_kind_names().get(q.kind, q.kind), tiles=resources().tiles, basemap=BASEMAP_URL,
        suggestions=[*[(f, 0) for f in scenario.added], *suggestions], removed=list(scenario.removed),
        service_areas=layer,
    )  # fmt: skip
    return render_template(
        "coverage.html", q=q, result=result, summaries=result.summaries(), gaps=result.gaps(), facilities=facilities,
        kinds=data.directory.kind_terms(), map=spec, suggestions=suggestions, scenario=scenario,
        choice=suggestion.choice if suggestion else None, error=None, query_string=request.query_string.decode(),
    )  # fmt: skip


@bp.get("/coverage.csv")
@role_required("planner")
def coverage_csv() -> ResponseReturnValue:
    try:
        result = _compute(_query())[0].after
    except OutreachError as exc:
        return Response(f"error: {exc}\n", status=400, mimetype="text/plain")
    name = f"coverage-{result.kind}-{result.threshold:g}min-{result.mode}.csv"
    return Response(
        coverage_csv_text(result), mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@bp.get("/layers/service-areas.geojson")
@role_required("planner")
def service_areas_layer() -> ResponseReturnValue:
    """Simplified 15/30/45/60-minute service areas of the open, public points of a kind (fetched by the map)."""
    res = resources()
    kind = request.args.get("kind", "library")
    mode = request.args.get("mode", "drive")
    if mode not in ("drive", "walk"):
        return jsonify({"error": f"mode '{mode}': expected drive or walk", "parameter": "mode"}), 400
    try:
        facilities = facilities_of(res.data.directory, kind, include_examples=request.args.get("real_only") != "1")
    except OutreachError as exc:
        return jsonify({"error": str(exc), "parameter": "kind"}), 400
    body = json.dumps(res.times(mode).service_areas(facilities), ensure_ascii=False)
    return Response(body, mimetype=GEOJSON_MEDIA_TYPE)
