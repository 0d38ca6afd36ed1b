"""Import an OpenStreetMap extract (``*.osm.pbf``) as a :class:`~outreach_map.roads.RoadNetwork`.

The extract is read with pyrosm (its ``driving`` and ``walking`` networks, one
row per segment between two OSM nodes) and turned into a ``drive`` and a
``walk`` graph with :func:`~outreach_map.roads.graph_from_edges`.

Speeds
------
OSM says what kind of road a way is (``highway=*``) and sometimes its speed
limit (``maxspeed=*``); it says nothing about how fast traffic actually moves.
The defaults of :class:`SpeedTable` are *average* car speeds for Great
Britain, deliberately below the limits, because journeys include junctions,
bends, villages, slower vehicles and other traffic:

=================  ======  =====================================================
``highway``         km/h   reasoning
=================  ======  =====================================================
motorway             100   limit 70 mph (113 km/h); lorries at 56 mph, traffic
motorway_link         60   slip roads: deceleration and a junction at the end
trunk                 80   limit 60-70 mph (97-113 km/h), mixed single/dual
                           carriageway A roads with roundabouts
trunk_link            50   slip roads and short connectors
primary               65   A roads: 60 mph limit outside, 30-40 mph through towns
primary_link          45
secondary             55   B roads: narrower, more bends and villages
secondary_link        40
tertiary              45   minor through roads
tertiary_link         35
unclassified          40   rural lanes, often narrow or single-track; 40 km/h is
                           also the average speed measured on 4,589 real local
                           legs for the proxy network (see :mod:`.roads`)
residential           30   20 mph (32 km/h) and 30 mph (48 km/h) streets, with
                           junctions and parked cars
living_street         15   walking pace is expected (limit usually 10-20 mph)
service               15   access roads, car parks
road                  30   ``highway=road``: type not yet known; also used for
                           any class not in the table
=================  ======  =====================================================

Where a way has a numeric ``maxspeed`` (``"30"``, ``"30 mph"``, ``"50 km/h"``,
``"50 kmh"``, ``"20 knots"``; a bare number is km/h, as in OSM) its speed is
the limit times ``maxspeed_factor`` (0.85 by default) instead of the class
default, in either direction (not capped by the class default): a limit is the
speed drivers may reach, not the average they achieve, and 0.85 turns 30 mph
into 41 km/h and 70 mph into 96 km/h, close to the class defaults above. A
``maxspeed`` that is not a number with a unit (``"none"``, ``"signals"``,
``"walk"``, ``"30;50"``, ``"fast"``) is ignored and the class default used.
So are the national-limit codes (``"national"``, ``"GB:nsl_single"``,
``"GB:nsl_dual"``, ``"GB:motorway"``, ...): a national limit is the absence of
a signed local limit, and 60 mph x 0.85 = 82 km/h would be far too fast for the
narrow rural lanes it applies to. Caveat: a lane tagged with the number
``"60 mph"`` still gets 82 km/h; tune ``maxspeed_factor`` or the class speeds
in ``[roads.speeds]`` if an area is mapped that way.

Walking is 4.8 km/h (3 mph) on every way of the walking network, both ways.
The straight line from a point to its nearest drive node is costed at
``snap_kmh`` = 15 km/h (a low speed: the point is usually on a lane or drive
that the network does not show) and, for walking, at the walking speed.

Directions (driving)
--------------------
``oneway=yes|true|1`` allows only the drawing direction, ``oneway=-1|reverse``
only the opposite one, and ``oneway=no|false|0`` both. Without an explicit
value, ``junction=roundabout|circular`` and ``highway=motorway`` imply one-way
in the drawing direction (OSM's convention, as OSRM applies it; pyrosm reports
the raw ``oneway`` tag and does not imply it). ``oneway=reversible|alternating``
(direction changes by time of day) is treated as two-way, as OSMnx does. Every
other way is two-way.

Drive nodes that only touch ``motorway``, ``motorway_link`` or ``trunk_link``
edges are not snappable: a village is never reached by stopping on a
carriageway. Every walk node is snappable.

Errors
------
A missing file, a file that is not an OSM PBF, or an extract without drivable
roads raises :class:`~outreach_map.errors.DataFileError` naming the file; an
invalid ``bbox`` or a ``bbox`` that selects no roads raises
:class:`~outreach_map.roads.RoadNetworkError` naming the box and the file.
pyrosm's own exceptions never get through.
"""

from __future__ import annotations

import math
import re
import struct
import warnings
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import DataFileError, RoadNetworkError
from .roads import Edges, FloatArray, IntArray, ModeGraph, RoadNetwork, graph_from_edges, metres_per_second

__all__ = ["ATTRIBUTION", "HIGHWAY_CLASSES", "NO_SNAP_CLASSES", "SpeedTable", "import_osm", "parse_maxspeed"]

#: The licence notice every network imported from OSM carries.
ATTRIBUTION = "(c) OpenStreetMap contributors, ODbL"

#: Highway classes whose nodes points may not snap to (in the drive graph).
NO_SNAP_CLASSES = frozenset({"motorway", "motorway_link", "trunk_link"})

_OTHER_SETTINGS = ("walk_kmh", "snap_kmh", "maxspeed_factor")

Bbox = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class SpeedTable:
    """Average speeds (km/h) by OSM ``highway`` class, and how limits become speeds.

    The defaults and their reasoning are in the module docstring. Classes not in
    the table are driven at the ``road`` speed.

    Attributes
    ----------
    motorway ... road
        Default average speed of each class in :data:`HIGHWAY_CLASSES`, km/h.
    walk_kmh
        Walking speed, km/h.
    snap_kmh
        Speed of the straight line from a point to its nearest drive node, km/h.
    maxspeed_factor
        Share of a tagged ``maxspeed`` driven on average (greater than 0, at most 1).
    """

    motorway: float = 100.0
    motorway_link: float = 60.0
    trunk: float = 80.0
    trunk_link: float = 50.0
    primary: float = 65.0
    primary_link: float = 45.0
    secondary: float = 55.0
    secondary_link: float = 40.0
    tertiary: float = 45.0
    tertiary_link: float = 35.0
    unclassified: float = 40.0
    residential: float = 30.0
    living_street: float = 15.0
    service: float = 15.0
    road: float = 30.0
    walk_kmh: float = 4.8
    snap_kmh: float = 15.0
    maxspeed_factor: float = 0.85

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            problem = _problem(name, value)
            if problem:
                msg = f"speed table: {name} = {value!r}: {problem}"
                raise RoadNetworkError(msg)

    @property
    def walk_snap_kmh(self) -> float:
        """Speed of the straight line from a point to its nearest walk node: the walking speed."""
        return self.walk_kmh

    def class_kmh(self, highway: str) -> float:
        """The default speed of a ``highway`` class (the ``road`` speed for an unknown class)."""
        key = highway.strip().lower()
        return float(getattr(self, key)) if key in HIGHWAY_CLASSES else self.road

    def edge_kmh(self, highway: str, maxspeed: object = None) -> float:
        """The speed of a way: ``maxspeed`` x ``maxspeed_factor`` when it parses, else the class default."""
        limit = parse_maxspeed(maxspeed)
        return limit * self.maxspeed_factor if limit is not None else self.class_kmh(highway)

    def as_dict(self) -> dict[str, float]:
        """Every setting by name (JSON-ready)."""
        return {name: float(value) for name, value in asdict(self).items()}

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object], *, source: Path | str) -> SpeedTable:
        """The defaults overridden by ``mapping``, the ``[roads.speeds]`` table of ``outreach.toml``.

        Parameters
        ----------
        mapping
            Keys are highway classes (km/h) or ``walk_kmh``, ``snap_kmh``, ``maxspeed_factor``.
        source
            The file the table came from, for error messages.

        Raises
        ------
        DataFileError
            For an unknown key, or a value that is not a positive number (or a
            ``maxspeed_factor`` above 1); the field is ``roads.speeds.KEY``.
        """
        values: dict[str, float] = {}
        for key, value in mapping.items():
            field = f"roads.speeds.{key}"
            if key not in HIGHWAY_CLASSES and key not in _OTHER_SETTINGS:
                expected = f"a highway class ({', '.join(HIGHWAY_CLASSES)}) or {', '.join(_OTHER_SETTINGS)}"
                raise DataFileError(source, f"unknown key '{key}'; expected {expected}", field=field)
            problem = _problem(key, value)
            if problem:
                raise DataFileError(source, f"{value!r}: {problem}", field=field)
            values[key] = float(value)  # type: ignore[arg-type]  # checked by _problem
        return cls(**values)


#: The highway classes of :class:`SpeedTable`, fastest first.
HIGHWAY_CLASSES: tuple[str, ...] = tuple(f.name for f in fields(SpeedTable) if f.name not in _OTHER_SETTINGS)


def _problem(name: str, value: object) -> str:
    """What is wrong with a speed-table value ("" when nothing)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        if name == "maxspeed_factor":
            return "expected a number greater than 0 and at most 1 (the share of a speed limit driven on average)"
        return "expected a positive number of km/h"
    if name == "maxspeed_factor" and value > 1:
        return "expected a number greater than 0 and at most 1 (the share of a speed limit driven on average)"
    return ""


_MAXSPEED = re.compile(r"(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?")
_UNIT_KMH = {None: 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}


@lru_cache(maxsize=1024)
def _parse_maxspeed_text(text: str) -> float | None:
    match = _MAXSPEED.fullmatch(text.strip().lower())
    if match is None:
        return None
    speed = float(match.group(1)) * _UNIT_KMH[match.group(2)]
    return speed if 0 < speed <= 300 else None


def parse_maxspeed(value: object) -> float | None:
    """An OSM ``maxspeed`` value in km/h, or ``None`` when it is not a usable number.

    ``"30"`` (km/h), ``"30 mph"``, ``"50 km/h"``, ``"50kmh"``, ``"20 knots"`` parse;
    missing values, words (``"none"``, ``"walk"``, ``"national"``), national-limit
    codes (``"GB:nsl_single"``), several values (``"30;50"``), zero and speeds
    above 300 km/h do not.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and 0 < value <= 300 else None
    if isinstance(value, str):
        return _parse_maxspeed_text(value)
    return None


# --- reading the extract -------------------------------------------------------------------------------------------

_FORWARD = frozenset({"yes", "true", "1"})
_BACKWARD = frozenset({"-1", "reverse"})
_BOTH = frozenset({"no", "false", "0", "reversible", "alternating"})
_IMPLIED_ONEWAY_JUNCTIONS = frozenset({"roundabout", "circular"})


def _text(value: object) -> str | None:
    """A tag value, stripped and lower-case; ``None`` when missing (pandas gives NaN)."""
    if isinstance(value, str):
        value = value.strip().lower()
        return value or None
    return None


def _direction(highway: str, oneway: str | None, junction: str | None) -> int:
    """+1: drawing direction only; -1: against it only; 0: both ways (see the module docstring)."""
    if oneway in _FORWARD:
        return 1
    if oneway in _BACKWARD:
        return -1
    if oneway in _BOTH:
        return 0
    if junction in _IMPLIED_ONEWAY_JUNCTIONS or highway == "motorway":
        return 1
    return 0


@dataclass(frozen=True, slots=True)
class _Segments:
    """The segments pyrosm read for one network, with nodes numbered 0..n-1."""

    lon: FloatArray
    lat: FloatArray
    u: IntArray
    v: IntArray
    metres: FloatArray
    frame: Any  # the edge GeoDataFrame, rows aligned with u/v

    def column(self, name: str) -> list[str | None]:
        """A tag column as clean text (all ``None`` when pyrosm did not make the column)."""
        if name not in self.frame.columns:
            return [None] * self.u.size
        return [_text(value) for value in self.frame[name].to_numpy(dtype=object)]

    def highways(self) -> list[str]:
        """The ``highway`` class of each segment (the first of ``a;b``; ``road`` when missing)."""
        return [(h or "road").split(";")[0].strip() for h in self.column("highway")]


def _segments(mode: str, nodes: Any, edges: Any) -> _Segments:
    """Number the nodes 0..n-1 and keep the segments with known nodes and a length."""
    if edges is None or nodes is None or len(edges) == 0 or len(nodes) == 0:
        msg = f"no {mode} segments"
        raise _NothingReadError(msg)
    ids = nodes["id"].to_numpy(dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]

    def index(osm_ids: npt.NDArray[np.int64]) -> IntArray:
        pos = np.minimum(np.searchsorted(sorted_ids, osm_ids), sorted_ids.size - 1)
        return np.where(sorted_ids[pos] == osm_ids, order[pos], -1).astype(np.int64)

    u = index(edges["u"].to_numpy(dtype=np.int64))
    v = index(edges["v"].to_numpy(dtype=np.int64))
    metres = edges["length"].to_numpy(dtype=float)
    ok = (u >= 0) & (v >= 0) & np.isfinite(metres) & (metres >= 0)
    if not ok.any():
        msg = f"no {mode} segments with known nodes and lengths"
        raise RoadNetworkError(msg)
    frame = edges.iloc[np.flatnonzero(ok)]
    return _Segments(
        lon=nodes["lon"].to_numpy(dtype=float),
        lat=nodes["lat"].to_numpy(dtype=float),
        u=u[ok],
        v=v[ok],
        metres=metres[ok],
        frame=frame,
    )


class _NothingReadError(Exception):
    """pyrosm found no segments (internal; turned into a message naming the file or bbox)."""


def _is_unreadable(exc: Exception) -> bool:
    """Whether an exception from pyrosm means the file is not a readable OSM PBF."""
    if isinstance(exc, OSError | EOFError | zlib.error | struct.error | UnicodeDecodeError):
        return True
    for cls in type(exc).__mro__:
        module = cls.__module__ or ""
        if module.startswith(("pyrosm.exceptions", "google.protobuf")):
            return True
    return False


def _pyrosm_reason(exc: Exception) -> str:
    """The cause in one of pyrosm's messages, without the file name and the sermon around it."""
    text = " ".join(str(exc).split())
    match = re.search(r"\(([^()]+)\)\.?$", text)
    return match.group(1) if match else (text or type(exc).__name__)


def _read(path: Path, bbox: Bbox | None) -> tuple[tuple[Any, Any], tuple[Any, Any], str]:
    """``(nodes, edges)`` of the driving and walking networks, and pyrosm's version.

    pyrosm is imported here so that the module (and :class:`SpeedTable`) loads
    without it. Its warnings (e.g. "could not find any edges") are silenced:
    empty results are checked and reported by :func:`import_osm`.
    """
    try:
        import pyrosm
    except ImportError as exc:
        msg = f"cannot import {path}: pyrosm is not installed ({exc})"
        raise RoadNetworkError(msg) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            osm = pyrosm.OSM(str(path), bounding_box=list(bbox) if bbox else None, progress=False)
            drive = osm.get_network(network_type="driving", nodes=True)
            walk = osm.get_network(network_type="walking", nodes=True)
    except Exception as exc:  # pyrosm and the libraries under it raise many kinds
        if _is_unreadable(exc):
            problem = (
                f"not a readable OSM PBF file ({_pyrosm_reason(exc)}); expected an OpenStreetMap extract (.osm.pbf)"
            )
            raise DataFileError(path, problem) from None
        msg = f"pyrosm could not read {path}: {type(exc).__name__}: {exc}"
        raise RoadNetworkError(msg) from exc
    return _pair(drive), _pair(walk), str(getattr(pyrosm, "__version__", "unknown"))


def _pair(result: Any) -> tuple[Any, Any]:
    """pyrosm's ``(nodes, edges)``; it returns ``None`` (or ``(None, None)``) when nothing matched."""
    if result is None:
        return None, None
    nodes, edges = result
    return nodes, edges


def _file_extent(path: Path) -> str:
    """The extent in the file's header, as text ("" when it has none or cannot be read)."""
    try:
        from pyrosm.utils import get_bounding_box

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = get_bounding_box(str(path))
        if box is None:
            return ""
        min_lon, min_lat, max_lon, max_lat = (float(b) for b in box.bounds)
    except Exception:  # only a hint for a message: never fail because of it
        return ""
    return f"; the file covers lon {min_lon:.4f} to {max_lon:.4f}, lat {min_lat:.4f} to {max_lat:.4f}"


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataFileError(path, "file not found; expected an OpenStreetMap extract (.osm.pbf)")
    if not path.is_file():
        raise DataFileError(path, "not a file; expected an OpenStreetMap extract (.osm.pbf)")
    if not path.name.endswith(".pbf"):
        raise DataFileError(path, "expected an OpenStreetMap extract in PBF format, named *.osm.pbf")
    if path.stat().st_size == 0:
        raise DataFileError(path, "the file is empty; expected an OpenStreetMap extract (.osm.pbf)")


def _check_bbox(path: Path, bbox: object) -> Bbox:
    """``bbox`` as four floats, or :class:`RoadNetworkError` saying what is wrong."""
    expected = "expected (min_lon, min_lat, max_lon, max_lat) in degrees"
    try:
        values = tuple(float(b) for b in bbox)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        values = ()
    if len(values) != 4:
        msg = f"invalid bbox {bbox!r} for {path}: {expected}"
        raise RoadNetworkError(msg)
    min_lon, min_lat, max_lon, max_lat = values
    problem = ""
    if not all(math.isfinite(b) for b in values):
        problem = "not all numbers are finite"
    elif not -180 <= min_lon < max_lon <= 180:
        problem = "longitudes must satisfy -180 <= min_lon < max_lon <= 180"
    elif not -90 <= min_lat < max_lat <= 90:
        problem = "latitudes must satisfy -90 <= min_lat < max_lat <= 90"
    if problem:
        msg = f"invalid bbox {bbox!r} for {path}: {problem}; {expected}"
        raise RoadNetworkError(msg)
    return min_lon, min_lat, max_lon, max_lat


def _check_name(name: str) -> None:
    if not name or name.strip() != name or name.startswith(".") or "/" in name or "\\" in name:
        msg = f"network name {name!r}: expected a plain name such as northants"
        raise RoadNetworkError(msg)


# --- building the graphs -------------------------------------------------------------------------------------------


def _drive_graph(segments: _Segments, speeds: SpeedTable) -> ModeGraph:
    highways = segments.highways()
    oneway, junction, maxspeed = segments.column("oneway"), segments.column("junction"), segments.column("maxspeed")
    mps = np.array([metres_per_second(speeds.edge_kmh(h, m)) for h, m in zip(highways, maxspeed, strict=True)])
    seconds = segments.metres / mps
    direction = np.array([_direction(h, o, j) for h, o, j in zip(highways, oneway, junction, strict=True)])
    along, against = direction >= 0, direction <= 0
    u = np.concatenate([segments.u[along], segments.v[against]])
    v = np.concatenate([segments.v[along], segments.u[against]])
    snap_ok = np.array([h not in NO_SNAP_CLASSES for h in highways], dtype=bool)
    snappable = np.zeros(segments.lon.size, dtype=bool)
    snappable[segments.u[snap_ok]] = True
    snappable[segments.v[snap_ok]] = True
    graph, _ = graph_from_edges(
        "drive", lon=segments.lon, lat=segments.lat,
        edges=Edges(u, v, np.concatenate([seconds[along], seconds[against]]),
                    np.concatenate([segments.metres[along], segments.metres[against]])),
        snap_speed_mps=metres_per_second(speeds.snap_kmh), snappable=snappable,
    )  # fmt: skip
    return graph


def _walk_graph(segments: _Segments, speeds: SpeedTable) -> ModeGraph:
    seconds = segments.metres / metres_per_second(speeds.walk_kmh)
    graph, _ = graph_from_edges(
        "walk", lon=segments.lon, lat=segments.lat,
        edges=Edges(np.concatenate([segments.u, segments.v]), np.concatenate([segments.v, segments.u]),
                    np.concatenate([seconds, seconds]), np.concatenate([segments.metres, segments.metres])),
        snap_speed_mps=metres_per_second(speeds.walk_snap_kmh),
    )  # fmt: skip
    return graph


def import_osm(
    path: Path,
    *,
    name: str,
    bbox: Bbox | None = None,
    speeds: SpeedTable = SpeedTable(),
) -> RoadNetwork:
    """Read an OpenStreetMap extract into a network with a ``drive`` and a ``walk`` graph.

    Each graph keeps only its largest strongly connected component (see
    :func:`~outreach_map.roads.graph_from_edges`), so every node reaches every
    other. Speeds, one-way rules and snappable nodes are described in the
    module docstring.

    Parameters
    ----------
    path
        An ``*.osm.pbf`` file, e.g. a Geofabrik county extract.
    name
        The network's name (its folder under ``data/roads/``).
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)``: keep only the roads in this box.
    speeds
        Average speeds by highway class.

    Raises
    ------
    DataFileError
        If the file is missing, not an OSM PBF file, or has no drivable roads.
    RoadNetworkError
        If ``bbox`` is invalid or selects no roads, or ``name`` is not a plain name.
    """
    path = Path(path)
    _check_name(name)
    _check_file(path)
    box = None if bbox is None else _check_bbox(path, bbox)
    (drive_nodes, drive_edges), (walk_nodes, walk_edges), reader = _read(path, box)
    graphs: dict[str, ModeGraph] = {}
    counts: dict[str, int] = {}
    for mode, nodes, edges in (("drive", drive_nodes, drive_edges), ("walk", walk_nodes, walk_edges)):
        try:
            segments = _segments(mode, nodes, edges)
            build = _drive_graph if mode == "drive" else _walk_graph
            graphs[mode] = build(segments, speeds)
        except (_NothingReadError, RoadNetworkError) as exc:
            roads = "drivable roads" if mode == "drive" else "walkable ways"
            if box is not None:
                msg = f"the bbox {box} selects no {roads} in {path}{_file_extent(path)}"
                raise RoadNetworkError(msg) from None
            detail = "" if isinstance(exc, _NothingReadError) else f" ({exc})"
            raise DataFileError(path, f"no {roads} in this extract{detail}") from None
        counts[mode] = segments.lon.size
    drive, walk = graphs["drive"], graphs["walk"]
    where = f"{path.name}" + (f", bbox {list(box)}" if box else "")
    return RoadNetwork(
        name=name,
        source=f"OpenStreetMap extract {where} (ODbL)",
        approximate=False,
        graphs=graphs,
        notes=(
            f"Imported with pyrosm {reader}. Drive: {drive.n_nodes:,} of {counts['drive']:,} nodes kept "
            f"(largest strongly connected component); walk: {walk.n_nodes:,} of {counts['walk']:,}. "
            f"Speeds are averages by road class or {speeds.maxspeed_factor:g} x the tagged limit; no turn costs, "
            "traffic or junction delays."
        ),
        attribution=ATTRIBUTION,
        parameters={"speeds_kmh": speeds.as_dict(), "bbox": list(box) if box else None, "file": path.name},
    )
