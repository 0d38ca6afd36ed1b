"""GeoJSON as RFC 7946 asks: WGS84 longitude, latitude at 6 decimals, outer rings counter-clockwise and holes
clockwise, no foreign members on a FeatureCollection, served as ``application/geo+json``.

Every GeoJSON the project writes or serves (timetable runs, service areas,
coverage, map layers) is made with :func:`feature` and
:func:`feature_collection`; metadata goes on each feature or in a sidecar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "MEDIA_TYPE",
    "PRECISION",
    "clip_to_bbox",
    "feature",
    "feature_collection",
    "geometry_of",
    "line",
    "point",
]

MEDIA_TYPE = "application/geo+json"
#: Six decimals of a degree: about 0.1 m, as RFC 7946 section 11.2 suggests.
PRECISION = 6


def _round(coordinates: Any) -> Any:
    if isinstance(coordinates, list | tuple) and coordinates and isinstance(coordinates[0], int | float):
        return [round(float(c), PRECISION) for c in coordinates[:2]]
    return [_round(c) for c in coordinates]


def point(lon: float, lat: float) -> dict[str, Any]:
    """A Point geometry."""
    return {"type": "Point", "coordinates": _round([lon, lat])}


def line(positions: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """A LineString geometry through ``(lon, lat)`` positions."""
    return {"type": "LineString", "coordinates": _round([list(p) for p in positions])}


def geometry_of(shape: Any) -> dict[str, Any]:
    """The RFC 7946 geometry of a shapely geometry in WGS84: polygons oriented (outer CCW, holes CW), rounded."""
    from shapely import MultiPolygon, Polygon, set_precision
    from shapely.geometry import mapping
    from shapely.geometry.polygon import orient

    if isinstance(shape, Polygon):
        shape = orient(shape, sign=1.0)
    elif isinstance(shape, MultiPolygon):
        shape = MultiPolygon([orient(p, sign=1.0) for p in shape.geoms])
    rounded = set_precision(shape, 10**-PRECISION)
    if isinstance(rounded, Polygon):
        rounded = orient(rounded, sign=1.0)
    elif isinstance(rounded, MultiPolygon):
        rounded = MultiPolygon([orient(p, sign=1.0) for p in rounded.geoms])
    out = dict(mapping(rounded))
    out["coordinates"] = _round(out["coordinates"])
    return out


def clip_to_bbox(shape: Any, bbox: tuple[float, float, float, float]) -> Any:
    """The part of a WGS84 shapely geometry inside ``(west, south, east, north)``."""
    from shapely import box

    return shape.intersection(box(*bbox))


def feature(
    geometry: Mapping[str, Any], properties: Mapping[str, Any] | None = None, *, fid: str | None = None
) -> dict[str, Any]:
    """A Feature (its ``properties`` always present, as RFC 7946 requires)."""
    out: dict[str, Any] = {"type": "Feature", "geometry": dict(geometry), "properties": dict(properties or {})}
    if fid is not None:
        out["id"] = fid
    return out


def feature_collection(features: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection with nothing but its features (metadata belongs on the features)."""
    return {"type": "FeatureCollection", "features": [dict(f) for f in features]}
