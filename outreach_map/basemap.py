"""The site's own base map: district outline, motorways, schematic links and place names.

Built by ``data/build_basemap.py`` into ``data/basemap/basemap.geojson`` (see its
docstring for how each layer is made and how exact it is) and served by the web
site itself, so the maps need no tile server. A data folder without the file
(a test's, or a user's own) gets a base map of its villages' names only.
"""

from __future__ import annotations

import json
from pathlib import Path

from .places import Villages

__all__ = ["BASEMAP_FILE", "basemap_file", "basemap_geojson"]

#: Where the base map lives in a data folder.
BASEMAP_FILE = Path("basemap") / "basemap.geojson"
_KIND_ORDER = {"town": 0, "village": 1, "hamlet": 2}


def basemap_file(data_dir: Path) -> Path:
    """The base map file of a data folder."""
    return data_dir / BASEMAP_FILE


def basemap_geojson(data_dir: Path, villages: Villages) -> bytes:
    """The base map as GeoJSON text: the built file, else the villages' names (towns first)."""
    path = basemap_file(data_dir)
    if path.is_file():
        return path.read_bytes()
    ordered = sorted(villages, key=lambda v: (_KIND_ORDER.get(v.kind, 3), -v.population, v.id))
    features = [
        {"type": "Feature", "properties": {"layer": "place", "name": v.name, "kind": v.kind, "population": v.population},
         "geometry": {"type": "Point", "coordinates": [round(v.lon, 5), round(v.lat, 5)]}}
        for v in ordered
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()
