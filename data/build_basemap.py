"""Rebuild the site's own base map ``data/basemap/basemap.geojson`` from the raw copies in ``data/raw/``.

Run from the project root (``make data`` does this)::

    python data/build_basemap.py [--out DIR]

The web maps draw it instead of a third party's tiles, so a visitor's browser asks no
other server for anything. Four layers, each feature saying what it is and how exact:

- ``outline``: the former Daventry and South Northamptonshire districts, APPROXIMATE: every
  1 km grid square of the area goes to the district of its nearest Code-Point Open 2014
  postcode (within 4 km); the squares are merged, rounded off (900 m) and simplified (300 m).
- ``motorway``: the real motorways (OS Open Roads), simplified to about 25 m.
- ``link``: SCHEMATIC, not real roads: the straight links between neighbouring settlements
  of the embedded proxy road network (``data/roads/westnorthants-proxy``) that the
  approximate travel times are computed on.
- ``place``: the towns, villages and hamlets of ``data/villages/villages.csv`` (OS Open Names
  and GeoNames) with their kind and population, for the names on the map.

The build is deterministic (integer grid, fixed rounding, sorted output).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely import box, simplify, unary_union
from shapely import transform as transform_xy
from shapely.geometry import LineString, mapping, shape

DATA = Path(__file__).resolve().parent
RAW = DATA / "raw"
#: The districts outlined (Code-Point Open 2014 admin_district codes).
DISTRICTS = {"E07000151": "Daventry", "E07000155": "South Northamptonshire"}
CELL_M = 1000
MAX_NEAREST_M = 4000
OUTLINE_SIMPLIFY_M = 300
SMOOTH_M = 900
MOTORWAY_SIMPLIFY_DEG = 0.00025
DECIMALS = 5
TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def _rounded(coordinates: Any) -> Any:
    if isinstance(coordinates, tuple | list) and coordinates and isinstance(coordinates[0], float | int):
        return [round(float(c), DECIMALS) for c in coordinates[:2]]
    return [_rounded(c) for c in coordinates]


def _feature(geometry: Any, properties: dict[str, Any]) -> dict[str, Any]:
    geo = mapping(geometry)
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": geo["type"], "coordinates": _rounded(geo["coordinates"])}}  # fmt: skip


def _to_wgs84(xy: Any) -> Any:
    return np.column_stack(TO_WGS84.transform(xy[:, 0], xy[:, 1]))


def outlines() -> list[dict[str, Any]]:
    """The approximate outline of each district, from the postcodes nearest to each 1 km square."""
    with (RAW / "codepoint_open_2014_postcodes_westnorthants_bbox.csv").open(encoding="utf-8") as handle:
        rows = [(float(r["easting"]), float(r["northing"]), r["admin_district"]) for r in csv.DictReader(handle)
                if r["easting"] and r["northing"] and float(r["easting"]) > 0]  # fmt: skip
    xy = np.array([(e, n) for e, n, _ in rows])
    district = np.array([d for _, _, d in rows])
    tree = cKDTree(xy)
    core = xy[np.isin(district, list(DISTRICTS))]
    x0, y0 = (np.floor(core.min(axis=0) / CELL_M) - 5) * CELL_M
    x1, y1 = (np.ceil(core.max(axis=0) / CELL_M) + 5) * CELL_M
    xs, ys = np.meshgrid(np.arange(x0, x1, CELL_M), np.arange(y0, y1, CELL_M))
    centres = np.column_stack([xs.ravel() + CELL_M / 2, ys.ravel() + CELL_M / 2])
    distance, nearest = tree.query(centres)
    features = []
    for code, name in DISTRICTS.items():
        chosen = centres[(district[nearest] == code) & (distance <= MAX_NEAREST_M)]
        cells = [box(x - CELL_M / 2, y - CELL_M / 2, x + CELL_M / 2, y + CELL_M / 2) for x, y in chosen]
        merged = unary_union(cells).buffer(SMOOTH_M).buffer(-SMOOTH_M)  # round off the grid's staircase
        merged = simplify(merged, OUTLINE_SIMPLIFY_M)
        features.append(_feature(transform_xy(merged, _to_wgs84), {
            "layer": "outline", "name": name, "approximate": True,
            "method": "nearest Code-Point Open 2014 postcode of each 1 km square",
        }))  # fmt: skip
    return features


def motorways() -> list[dict[str, Any]]:
    """The real motorways (OS Open Roads), simplified."""
    data = json.loads((RAW / "os_openroads_motorways_westnorthants_bbox.geojson").read_text(encoding="utf-8"))
    features = []
    for item in data["features"]:
        geometry = simplify(shape(item["geometry"]), MOTORWAY_SIMPLIFY_DEG)
        ref = item["properties"].get("road_classification_number") or "motorway"
        features.append(_feature(geometry, {"layer": "motorway", "name": ref, "approximate": False}))
    return sorted(features, key=lambda f: (f["properties"]["name"], json.dumps(f["geometry"]["coordinates"][0])))


def links() -> list[dict[str, Any]]:
    """The proxy network's straight links between neighbouring settlements (schematic, not real roads)."""
    with np.load(DATA / "roads" / "westnorthants-proxy" / "network.npz") as network:
        lon, lat = network["walk_lon"], network["walk_lat"]
        indptr, indices = network["walk_indptr"], network["walk_indices"]
    pairs = sorted({(min(i, int(j)), max(i, int(j))) for i in range(len(lon)) for j in indices[indptr[i]:indptr[i + 1]]
                    if i != int(j)})  # fmt: skip
    return [
        _feature(LineString([(lon[i], lat[i]), (lon[j], lat[j])]), {"layer": "link", "schematic": True})
        for i, j in pairs
    ]


def places() -> list[dict[str, Any]]:
    """Every settlement's name, kind and population (for labels: towns first)."""
    with (DATA / "villages" / "villages.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    order = {"town": 0, "village": 1, "hamlet": 2}
    rows.sort(key=lambda r: (order.get(r["kind"], 3), -int(r["population"]), r["id"]))
    return [
        {"type": "Feature", "properties": {"layer": "place", "name": r["name"], "kind": r["kind"],
                                           "population": int(r["population"])},
         "geometry": {"type": "Point", "coordinates": _rounded([float(r["lon"]), float(r["lat"])])}}
        for r in rows
    ]  # fmt: skip


def build() -> dict[str, Any]:
    """The whole base map as one RFC 7946 FeatureCollection."""
    return {"type": "FeatureCollection", "features": [*outlines(), *motorways(), *links(), *places()]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    target = args.out / "basemap" / "basemap.geojson"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(build(), ensure_ascii=False, separators=(",", ":"))
    target.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
