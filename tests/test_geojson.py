"""RFC 7946 GeoJSON, checked by an independent validator (geojson-validator) as well as by hand."""

from __future__ import annotations

import logging
from typing import Any

import geojson_validator
import pytest
from shapely import Polygon

from outreach_map.geojson import clip_to_bbox, feature, feature_collection, geometry_of, line, point


def assert_rfc7946(collection: dict[str, Any]) -> None:
    """Winding, closure, structure (geojson-validator), no FeatureCollection foreign members, 6 decimals."""
    logging.getLogger("geojson_validator").setLevel(logging.ERROR)
    assert set(collection) == {"type", "features"}, "a FeatureCollection carries nothing but its features"
    assert geojson_validator.validate_structure(collection, check_crs=True) == {}
    geometries = geojson_validator.validate_geometries(collection)
    assert geometries["invalid"] == {}, geometries["invalid"]
    problems = {k: v for k, v in geometries["problematic"].items() if k != "holes"}
    assert problems == {}, problems

    def decimals(c: Any) -> None:
        if isinstance(c, float):
            assert len(repr(c).split(".")[-1]) <= 6 or "e" in repr(c), c
        elif isinstance(c, list):
            for x in c:
                decimals(x)

    for f in collection["features"]:
        assert "properties" in f
        decimals(f["geometry"]["coordinates"])


def test_a_clockwise_polygon_with_a_hole_comes_out_right() -> None:
    outer = [(-1.2, 52.1), (-1.2, 52.2), (-1.0, 52.2), (-1.0, 52.1)]  # clockwise
    hole = [(-1.15, 52.15), (-1.05, 52.15), (-1.05, 52.17), (-1.15, 52.17)]  # counter-clockwise
    shape = Polygon(outer, [hole])
    collection = feature_collection([feature(geometry_of(shape), {"minutes": 15})])
    assert_rfc7946(collection)


def test_the_validator_does_catch_wrong_winding() -> None:
    logging.getLogger("geojson_validator").setLevel(logging.ERROR)
    wrong = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}}]}  # fmt: skip
    assert "exterior_not_ccw" in geojson_validator.validate_geometries(wrong)["invalid"]


def test_points_lines_and_clipping() -> None:
    p = point(-1.16071234567, 52.25691234567)
    assert p["coordinates"] == [-1.160712, 52.256912]
    assert line([(-1.1, 52.1), (-1.0, 52.2)])["coordinates"] == [[-1.1, 52.1], [-1.0, 52.2]]
    big = Polygon([(-2, 51), (0, 51), (0, 53), (-2, 53)])
    clipped = clip_to_bbox(big, (-1.45, 51.95, -0.75, 52.45))
    assert clipped.bounds == pytest.approx((-1.45, 51.95, -0.75, 52.45))
    assert_rfc7946(feature_collection([feature(geometry_of(clipped)), feature(p, fid="x")]))
