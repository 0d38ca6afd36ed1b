"""The web site's maps as plain data, drawn in the browser by ``web/static/map.js``.

A page carries its map as a JSON data block (``<script type="application/json">``):
the points, lines and layers to draw, the legend in words and the base map. Nothing
is rendered server-side and no script is inline, so a page costs a few dictionaries
and works under a strict Content-Security-Policy.

The base map is the site's own (:mod:`outreach_map.basemap`: district outline,
motorways, schematic links, place names): no other origin is asked for anything unless
the ``tiles`` setting names a tile server (``osm`` or a URL), an explicit choice.
Confidential locations never reach a map: the callers give only public service points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .maps import BAND_COLOURS, KIND_COLOURS, OSM_ATTRIBUTION, OSM_TILES, WEEKDAY_COLOURS

if TYPE_CHECKING:
    from .coverage import CoverageResult, Facility
    from .published import Timetable
    from .search import SearchResult

__all__ = [
    "MAP_ATTRIBUTION",
    "coverage_map_data",
    "place_map_data",
    "search_map_data",
    "tiles_of",
    "timetable_map_data",
]

#: Shown on every web map (the full credits are on the page's footer and /about).
MAP_ATTRIBUTION = "OS data &copy; Crown copyright 2024; GeoNames"
SEARCHED_COLOUR = "#000000"
DAY_NAMES = {"Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday", "Fri": "Friday",
             "Sat": "Saturday", "Sun": "Sunday"}  # fmt: skip


def tiles_of(tiles: str) -> dict[str, str] | None:
    """The external tile server a map may use: ``None`` for ``"none"`` (the site's own base map only)."""
    if tiles == "none":
        return None
    return {"url": OSM_TILES if tiles == "osm" else tiles, "attribution": OSM_ATTRIBUTION}


def _map(
    *,
    label: str,
    tiles: str,
    basemap: str | None,
    points: list[dict[str, Any]],
    lines: Sequence[dict[str, Any]] = (),
    legend: Sequence[dict[str, str]] = (),
    layers: Sequence[dict[str, Any]] = (),
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "label": label, "tiles": tiles_of(tiles), "basemap": basemap, "attribution": MAP_ATTRIBUTION,
        "points": points, "lines": list(lines), "layers": list(layers),
        "legend": {"title": "Key", "items": list(legend)}, "notes": list(notes),
    }  # fmt: skip


def _point(lat: float, lon: float, label: str, colour: str, css: str, **extra: Any) -> dict[str, Any]:
    return {"lat": round(lat, 5), "lon": round(lon, 5), "label": label, "colour": colour, "class": css, **extra}


def search_map_data(
    result: SearchResult, kind_names: Mapping[str, str], *, tiles: str, basemap: str | None
) -> dict[str, Any]:
    """The searched place and the public services found near it, coloured by kind (named in words)."""
    place = result.place
    points = [_point(place.lat, place.lon, place.name, "#ffffff", "searched-place", ring=SEARCHED_COLOUR, radius=8)]
    for kind, found in result.by_kind.items():
        for item in found:
            p = item.point
            label = f"{p.service.name}: {item.minutes:.0f} min by road" + (" (EXAMPLE)" if p.example else "")
            points.append(_point(p.lat, p.lon, label, KIND_COLOURS.get(kind, "#555555"), "service-marker", radius=7))
    legend = [{"shape": "ring", "colour": SEARCHED_COLOUR, "label": place.name}]
    legend += [{"shape": "dot", "colour": KIND_COLOURS.get(k, "#555555"), "label": kind_names.get(k, k)}
               for k in result.by_kind]  # fmt: skip
    notes = ["Travel times are approximate."] if result.approximate else []
    return _map(label=f"Map of services near {place.name}", tiles=tiles, basemap=basemap, points=points,
                legend=legend, notes=notes)  # fmt: skip


def place_map_data(
    name: str, places: Sequence[tuple[str, float, float]], *, kind: str, tiles: str, basemap: str | None
) -> dict[str, Any]:
    """A service's public locations (``(name, lat, lon)``) on the base map."""
    colour = KIND_COLOURS.get(kind, "#555555")
    points = [_point(lat, lon, label, colour, "service-marker", radius=8) for label, lat, lon in places]
    legend = [{"shape": "dot", "colour": colour, "label": name}]
    return _map(label=f"Map of where {name} is", tiles=tiles, basemap=basemap, points=points, legend=legend)


def _band(minutes: float) -> str:
    return next(colour for limit, colour, _ in BAND_COLOURS if minutes <= limit)


def _village_points(result: CoverageResult) -> list[dict[str, Any]]:
    points = []
    for i, v in enumerate(result.villages):
        minutes = float(result.minutes[i])
        gap = minutes > result.threshold
        nearest = result.nearest_facility(i)
        reach = f"{minutes:.0f} min to {nearest.name}" if nearest and math.isfinite(minutes) else "no service reachable"
        estimated = " (estimated)" if v.estimated else ""
        label = f"{v.name} ({v.district}): population {v.population:,}{estimated}; {reach}" + ("; GAP" if gap else "")
        points.append(_point(v.lat, v.lon, label, _band(minutes), "village gap" if gap else "village",
                             ring="#000000" if gap else "#444444", weight=3 if gap else 1,
                             radius=round(3 + math.sqrt(v.population) / 12, 1)))  # fmt: skip
    return points


def coverage_map_data(
    result: CoverageResult,
    *,
    kind_name: str,
    tiles: str,
    basemap: str | None,
    suggestions: Sequence[tuple[Facility, int]] = (),
    removed: Sequence[Facility] = (),
    service_areas: str | None = None,
) -> dict[str, Any]:
    """Villages coloured by time band (gaps ringed), service points, suggested and removed sites."""
    points = _village_points(result)
    for f in result.facilities:
        label = f.name + (" (EXAMPLE, not a real location)" if f.example else "")
        points.append(_point(f.lat, f.lon, label, "#ffffff" if f.example else "#2171b5",
                             "service example" if f.example else "service", ring="#08306b", weight=2, radius=6))  # fmt: skip
    for f in removed:
        points.append(_point(f.lat, f.lon, f"{f.name} (removed in this scenario)", "", "service removed",
                             ring="#b2182b", weight=3, radius=6))  # fmt: skip
    for f, population in suggestions:
        label = f"Suggested: {f.name}" + (f" (newly covers {population:,} people)" if population else "")
        points.append(_point(f.lat, f.lon, label, "#9e9ac8", "suggestion", ring="#54278f", weight=3, radius=9))
    legend = [{"shape": "dot", "colour": colour, "label": label} for _, colour, label in BAND_COLOURS]
    legend += [{"shape": "dot", "colour": "#2171b5", "label": f"{kind_name} (white: EXAMPLE)"},
               {"shape": "ring", "colour": "#000000", "label": "gap village (beyond the threshold)"}]  # fmt: skip
    if removed:
        legend.append({"shape": "ring", "colour": "#b2182b", "label": "closed in this scenario"})
    if suggestions:
        legend.append({"shape": "dot", "colour": "#9e9ac8", "label": "new or suggested site"})
    layers = [{"url": service_areas, "style": "service-areas"}] if service_areas else []
    if service_areas:
        legend.append({"shape": "area", "colour": "#6baed6", "label": "reached within 15/30/45/60 min"})
    title = f"{kind_name}: {result.mode} time to the nearest (threshold {result.threshold:g} min)"
    notes = ["Approximate travel times: the road network is an estimate."] if result.approximate else []
    spec = _map(label=f"Map of coverage: {title}", tiles=tiles, basemap=basemap, points=points, legend=legend,
                layers=layers, notes=notes)  # fmt: skip
    spec["legend"]["title"] = title
    return spec


def timetable_map_data(timetable: Timetable, *, tiles: str, basemap: str | None) -> dict[str, Any]:
    """Each van-day run as a line from its depot; stops with their timetable entry; unserved stops ringed."""
    lines = []
    for run in timetable.runs:
        depot = timetable.van(run.van).depot
        stops = [timetable.stop(v.stop) for v in run.visits]
        coords = [[depot.lat, depot.lon], *([s.lat, s.lon] for s in stops), [depot.lat, depot.lon]]
        label = f"{run.van} week {run.week} {run.weekday}: {len(run.visits)} stops, {run.distance_km} km"
        lines.append({"coords": [[round(a, 5), round(b, 5)] for a, b in coords], "label": label,
                      "colour": WEEKDAY_COLOURS.get(run.weekday, "#333333"), "class": "run-line"})  # fmt: skip
    points = []
    for s in timetable.stops:
        if s.entry is not None:
            text = f"{s.name}: {s.entry.weekday} {s.entry.arrive}-{s.entry.depart}, every {s.frequency_weeks} week(s)"
            points.append(_point(s.lat, s.lon, text, "#c51b7d" if s.outreach else "#ffffff", "plan-stop",
                                 ring="#222222", radius=5))  # fmt: skip
        else:
            points.append(_point(s.lat, s.lon, f"{s.name}: not served", "", "plan-unserved", ring="#b2182b",
                                 weight=3, radius=5))  # fmt: skip
    legend = [{"shape": "line", "colour": c, "label": f"{DAY_NAMES[d]} runs"} for d, c in WEEKDAY_COLOURS.items()
              if any(r.weekday == d for r in timetable.runs)]  # fmt: skip
    legend += [{"shape": "dot", "colour": "#c51b7d", "label": "outreach worker on board"},
               {"shape": "ring", "colour": "#b2182b", "label": "not served"}]  # fmt: skip
    spec = _map(label=f"Map of the runs of {timetable.plan_id}", tiles=tiles, basemap=basemap, points=points,
                lines=lines, legend=legend)  # fmt: skip
    spec["legend"]["title"] = "Runs by weekday"
    return spec
