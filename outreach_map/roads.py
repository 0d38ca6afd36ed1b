"""Road networks: a directed graph per travel mode, stored compactly and loaded fast.

A :class:`RoadNetwork` holds one :class:`ModeGraph` per mode (``drive``,
``walk``). Graphs are assembled with networkx (parallel edges reduced to the
fastest, the largest strongly connected component kept) and then frozen into
CSR arrays for scipy's csgraph, which :mod:`outreach_map.traveltime` runs on.

Networks live in ``data/roads/NAME/`` as ``network.npz`` (arrays) and
``network.json`` (what it is, where it came from, whether it is approximate).
The embedded default, ``westnorthants-proxy``, is an honest approximation: see
:func:`build_proxy_network` and ``data/roads/README.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pyproj import Transformer
from scipy.spatial import Delaunay, cKDTree

from ._files import replace_folder
from .errors import DataFileError, RoadNetworkError

__all__ = [
    "DEFAULT_NETWORK",
    "MODES",
    "Edges",
    "ModeGraph",
    "ProxyParameters",
    "RoadNetwork",
    "build_proxy_network",
    "choose_crs",
    "graph_from_edges",
    "list_networks",
    "load_network",
    "load_roads",
    "metres_per_second",
    "network_dir",
    "save_network",
]

Mode = Literal["drive", "walk"]
MODES: tuple[Mode, ...] = ("drive", "walk")
DEFAULT_NETWORK = "westnorthants-proxy"
FORMAT_VERSION = 1

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def metres_per_second(speed_kmh: float) -> float:
    """Metres per second at ``speed_kmh`` km/h (the one place speeds change units).

    Examples
    --------
    >>> metres_per_second(36.0)
    10.0
    """
    return speed_kmh / 3.6


def choose_crs(lon: Iterable[float], lat: Iterable[float]) -> str:
    """A metric CRS for the points: British National Grid inside Great Britain, else their UTM zone."""
    lon_a, lat_a = np.asarray(list(lon), dtype=float), np.asarray(list(lat), dtype=float)
    if lon_a.size == 0:
        return "EPSG:27700"
    if lon_a.min() >= -9.0 and lon_a.max() <= 2.5 and lat_a.min() >= 49.0 and lat_a.max() <= 61.0:
        return "EPSG:27700"
    lon0, lat0 = float(np.median(lon_a)), float(np.median(lat_a))
    zone = int((lon0 + 180) // 6) + 1
    return f"EPSG:{32600 + zone if lat0 >= 0 else 32700 + zone}"


@cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_projected(crs: str, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS84 -> the graph's metric CRS."""
    transformer = _transformer("EPSG:4326", crs)
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_wgs84(crs: str, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The graph's metric CRS -> WGS84 (lon, lat)."""
    transformer = _transformer(crs, "EPSG:4326")
    lon, lat = transformer.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


@dataclass(frozen=True, eq=False)
class ModeGraph:
    """A directed road graph for one travel mode.

    Attributes
    ----------
    mode
        ``"drive"`` or ``"walk"``.
    crs
        Metric CRS of ``x``/``y`` (EPSG:27700 in Great Britain).
    x, y, lon, lat
        Node coordinates.
    time, length
        ``n x n`` CSR matrices with the same sparsity: seconds and metres of
        each directed edge (the fastest where several join the same nodes).
    snap_speed_mps
        Speed at which the straight line from a point to its nearest node is
        costed (walking or low speed; see :mod:`outreach_map.traveltime`).
    snappable
        Nodes a point may be snapped to (not motorway carriageways).
    """

    mode: Mode
    crs: str
    x: FloatArray
    y: FloatArray
    lon: FloatArray
    lat: FloatArray
    time: sp.csr_matrix
    length: sp.csr_matrix
    snap_speed_mps: float
    snappable: npt.NDArray[np.bool_]

    @property
    def n_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.time.nnz)

    @cached_property
    def time_t(self) -> sp.csr_matrix:
        """The reversed graph (for travel *to* a set of places)."""
        return self.time.transpose().tocsr()

    @cached_property
    def length_t(self) -> sp.csr_matrix:
        return self.length.transpose().tocsr()

    @cached_property
    def snap_nodes(self) -> IntArray:
        """Indices of the snappable nodes, in the order of :attr:`kdtree`."""
        return np.flatnonzero(self.snappable).astype(np.int64)

    @cached_property
    def kdtree(self) -> cKDTree:
        """KD-tree over the snappable nodes (metric CRS)."""
        nodes = self.snap_nodes
        return cKDTree(np.column_stack([self.x[nodes], self.y[nodes]]))


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A named road network with a graph per mode.

    ``approximate`` is true for the embedded proxy network: every result
    computed on it must say so.
    """

    name: str
    source: str
    approximate: bool
    graphs: Mapping[str, ModeGraph]
    notes: str = ""
    attribution: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def graph(self, mode: str) -> ModeGraph:
        """The graph of a mode.

        Raises
        ------
        RoadNetworkError
            If the network has no graph for that mode.
        """
        try:
            return self.graphs[mode]
        except KeyError:
            msg = f"network {self.name} has no '{mode}' graph; it has {', '.join(self.graphs)}"
            raise RoadNetworkError(msg) from None

    @cached_property
    def digest(self) -> str:
        """A hash of the graphs' contents, used to key cached matrices."""
        h = hashlib.sha256(self.name.encode())
        for mode in sorted(self.graphs):
            g = self.graphs[mode]
            for array in (g.x, g.y, g.time.indptr, g.time.indices, g.time.data, g.length.data):
                h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Edges:
    """Directed edges: from node ``u[i]`` to ``v[i]``, taking ``seconds[i]`` over ``metres[i]``."""

    u: Sequence[int] | IntArray
    v: Sequence[int] | IntArray
    seconds: Sequence[float] | FloatArray
    metres: Sequence[float] | FloatArray


def graph_from_edges(
    mode: Mode,
    *,
    lon: Sequence[float] | FloatArray,
    lat: Sequence[float] | FloatArray,
    edges: Edges,
    snap_speed_mps: float,
    snappable: Sequence[bool] | npt.NDArray[np.bool_] | None = None,
    crs: str | None = None,
) -> tuple[ModeGraph, IntArray]:
    """Assemble a graph from directed edges with networkx and freeze it to CSR.

    Where several edges join the same two nodes, the fastest is kept. Only the
    largest strongly connected component is kept, so every node can reach
    every other. ``snappable`` marks the input nodes points may snap to (all
    when ``None``). Returns the graph and, for each kept node, its index in the
    input (to map external ids).

    Raises
    ------
    RoadNetworkError
        If there are no edges.
    """
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if len(edges.u) == 0:
        msg = f"no {mode} edges to build a graph from"
        raise RoadNetworkError(msg)
    digraph = nx.DiGraph()
    for a, b, t, m in zip(edges.u, edges.v, edges.seconds, edges.metres, strict=True):
        a, b = int(a), int(b)
        if a == b:
            continue
        current = digraph.get_edge_data(a, b)
        if current is None or t < current["time"]:
            digraph.add_edge(a, b, time=float(t), length=float(m))
    if digraph.number_of_edges() == 0:
        msg = f"no {mode} edges between distinct nodes"
        raise RoadNetworkError(msg)
    largest = max(nx.strongly_connected_components(digraph), key=lambda c: (len(c), -min(c)))
    keep = np.array(sorted(largest), dtype=np.int64)
    index = {int(node): i for i, node in enumerate(keep)}
    rows, cols, times, lengths = [], [], [], []
    for a, b, data in digraph.subgraph(largest).edges(data=True):
        rows.append(index[a])
        cols.append(index[b])
        times.append(data["time"])
        lengths.append(data["length"])
    n = keep.size
    order = np.lexsort((cols, rows))
    r, c = np.asarray(rows)[order], np.asarray(cols)[order]
    time = sp.csr_matrix((np.asarray(times)[order], (r, c)), shape=(n, n))
    length = sp.csr_matrix((np.asarray(lengths)[order], (r, c)), shape=(n, n))
    sub_lon, sub_lat = lon_a[keep], lat_a[keep]
    crs = crs or choose_crs(sub_lon, sub_lat)
    x, y = to_projected(crs, sub_lon, sub_lat)
    snap = np.ones(lon_a.size, dtype=bool) if snappable is None else np.asarray(snappable, dtype=bool)
    graph = ModeGraph(mode, crs, x, y, sub_lon, sub_lat, time, length, snap_speed_mps, snap[keep])
    return graph, keep


# --- storage -------------------------------------------------------------------------------------------------------


def network_dir(data_dir: Path, name: str) -> Path:
    """Where a named network is stored."""
    return data_dir / "roads" / name


def save_network(network: RoadNetwork, folder: Path) -> None:
    """Write a network atomically (temporary folder, then rename)."""
    with replace_folder(folder) as tmp:
        arrays: dict[str, np.ndarray] = {}
        modes = {}
        for mode, g in network.graphs.items():
            arrays |= {
                f"{mode}_lon": g.lon, f"{mode}_lat": g.lat,
                f"{mode}_indptr": g.time.indptr.astype(np.int64), f"{mode}_indices": g.time.indices.astype(np.int64),
                f"{mode}_time": g.time.data, f"{mode}_length": g.length.data, f"{mode}_snappable": g.snappable,
            }  # fmt: skip
            modes[mode] = {
                "crs": g.crs, "nodes": g.n_nodes, "edges": g.n_edges, "snap_speed_mps": g.snap_speed_mps,
            }  # fmt: skip
        with (tmp / "network.npz").open("wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
        meta = {
            "format": FORMAT_VERSION, "name": network.name, "source": network.source,
            "approximate": network.approximate, "notes": network.notes, "attribution": network.attribution,
            "parameters": dict(network.parameters), "modes": modes,
        }  # fmt: skip
        (tmp / "network.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _load_graphs(path: Path, meta: dict[str, Any]) -> dict[str, ModeGraph]:
    graphs = {}
    with path.open("rb") as handle, np.load(handle) as arrays:
        for mode, info in meta["modes"].items():
            lon, lat = arrays[f"{mode}_lon"], arrays[f"{mode}_lat"]
            n = lon.shape[0]
            indptr, indices = arrays[f"{mode}_indptr"], arrays[f"{mode}_indices"]
            time = sp.csr_matrix((arrays[f"{mode}_time"], indices, indptr), shape=(n, n))
            length = sp.csr_matrix((arrays[f"{mode}_length"], indices, indptr), shape=(n, n))
            x, y = to_projected(info["crs"], lon, lat)
            graphs[mode] = ModeGraph(
                mode, info["crs"], x, y, lon, lat, time, length, float(info["snap_speed_mps"]),
                arrays[f"{mode}_snappable"].astype(bool),
            )  # fmt: skip
    return graphs


def load_network(folder: Path) -> RoadNetwork:
    """Load a network saved by :func:`save_network`.

    Raises
    ------
    RoadNetworkError, DataFileError
        If the folder is not a network or its files are damaged.
    """
    meta_path = folder / "network.json"
    if not meta_path.is_file():
        known = ", ".join(n for n, _ in list_networks(folder.parent.parent)) or "none"
        msg = f"no road network '{folder.name}' in {folder.parent}; known networks: {known}"
        raise RoadNetworkError(msg)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(meta_path, f"damaged road network ({exc}); rebuild or re-import it") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise DataFileError(meta_path, f"format {found}; expected {FORMAT_VERSION}", field="format")
    arrays_path = folder / "network.npz"
    try:
        graphs = _load_graphs(arrays_path, meta)
    except (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        msg = f"damaged road network ({exc.__class__.__name__}); rebuild or re-import it"
        raise DataFileError(arrays_path, msg) from None
    return RoadNetwork(
        name=meta["name"], source=meta["source"], approximate=bool(meta["approximate"]), graphs=graphs,
        notes=meta.get("notes", ""), attribution=meta.get("attribution", ""), parameters=meta.get("parameters", {}),
    )  # fmt: skip


MOTORWAYS_FILE = Path("raw") / "os_openroads_motorways_westnorthants_bbox.geojson"


def load_roads(data_dir: Path, name: str | None = None) -> RoadNetwork:
    """The network called ``name`` under ``data_dir/roads`` (the embedded proxy by default).

    If the default proxy network has not been built for this data directory
    (e.g. a copy of ``data/`` with other villages), it is built in memory from
    the villages, with the motorways when ``raw/`` has them.
    """
    chosen = name or DEFAULT_NETWORK
    folder = network_dir(data_dir, chosen)
    if chosen == DEFAULT_NETWORK and not (folder / "network.json").is_file():
        from .places import load_villages, villages_file

        villages = load_villages(villages_file(data_dir))
        motorways = data_dir / MOTORWAYS_FILE
        return build_proxy_network([(v.lat, v.lon) for v in villages], motorways if motorways.is_file() else None)
    return load_network(folder)


def list_networks(data_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    """``(name, metadata)`` of every network stored under ``data_dir/roads``."""
    root = data_dir / "roads"
    found = []
    if root.is_dir():
        for meta_path in sorted(root.glob("*/network.json")):
            try:
                found.append((meta_path.parent.name, json.loads(meta_path.read_text(encoding="utf-8"))))
            except (OSError, ValueError):
                continue
    return found


# --- the embedded proxy network ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProxyParameters:
    """How the approximate network is made (defaults measured; see ``data/roads/README.md``).

    Attributes
    ----------
    circuity
        Road distance / straight line: 1.32, the median over the real
        mobile-library legs of 29 UK authorities that the calibration kept
        (3,021 of 4,589; ``derived_mobile_library_leg_calibration_by_authority.csv``).
    local_speed_kmh
        Average speed on local roads: 40 km/h, the median over the same legs.
    motorway_speed_kmh
        Average speed on motorways (limit 70 mph = 113 km/h; 100 km/h allows for traffic).
    walk_speed_kmh
        Walking speed (4.8 km/h, 3 mph).
    neighbours
        Each settlement is joined to at least this many nearest settlements.
    max_edge_km
        Delaunay edges longer than this are dropped unless needed for connectivity.
    junction_km
        A settlement within this distance of a motorway junction gets a link to it.
    """

    circuity: float = 1.32
    local_speed_kmh: float = 40.0
    motorway_speed_kmh: float = 100.0
    walk_speed_kmh: float = 4.8
    neighbours: int = 4
    max_edge_km: float = 12.0
    junction_km: float = 4.0

    def __post_init__(self) -> None:
        if not 1.0 <= self.circuity <= 3.0:
            msg = f"circuity {self.circuity} is implausible; expected between 1 and 3"
            raise RoadNetworkError(msg)
        for name in ("local_speed_kmh", "motorway_speed_kmh", "walk_speed_kmh", "max_edge_km", "junction_km"):
            if getattr(self, name) <= 0:
                msg = f"{name} must be positive"
                raise RoadNetworkError(msg)


def _motorway_lines(path: Path) -> list[list[tuple[float, float]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(path, f"not readable GeoJSON ({exc})") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise DataFileError(path, "expected a FeatureCollection with a list of features", field="features")
    lines: list[list[tuple[float, float]]] = []
    for i, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in ("LineString", "MultiLineString"):
            raise DataFileError(path, "expected a LineString", record=f"feature {i}", field="geometry")
        coordinates = geometry.get("coordinates")  # type: ignore[union-attr]
        parts = [coordinates] if kind == "LineString" else coordinates
        if not isinstance(parts, list):
            raise DataFileError(path, "expected a list of positions", record=f"feature {i}", field="coordinates")
        lines.extend(_positions(path, i, part) for part in parts)
    return lines


def _positions(path: Path, feature: int, part: object) -> list[tuple[float, float]]:
    """``[lon, lat]`` pairs in WGS84 ranges, or a named error."""
    out = []
    for position in part if isinstance(part, list) else [part]:
        ok = isinstance(position, list) and len(position) >= 2
        ok = ok and all(isinstance(c, int | float) and not isinstance(c, bool) for c in position[:2])  # type: ignore[index]
        if not ok or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):  # type: ignore[index]
            msg = f"{str(position)[:40]!s} is not a [longitude, latitude] position in degrees"
            raise DataFileError(path, msg, record=f"feature {feature}", field="coordinates")
        out.append((float(position[0]), float(position[1])))  # type: ignore[index]
    if len(out) < 2:
        raise DataFileError(
            path, "a line needs at least two positions", record=f"feature {feature}", field="coordinates"
        )
    return out


#: An edge of the proxy network: u, v, metres, drive seconds, walkable.
_ProxyEdge = tuple[int, int, float, float, bool]


def _local_pairs(x: FloatArray, y: FloatArray, params: ProxyParameters) -> set[tuple[int, int]]:
    """Settlements to join: Delaunay neighbours up to ``max_edge_km``, the nearest ``neighbours``, and a spanning tree."""
    n_places = x.size
    pairs: set[tuple[int, int]] = set()
    tri = Delaunay(np.column_stack([x, y]))
    triangle_sides = [(int(s[a]), int(s[b])) for s in tri.simplices for a, b in ((0, 1), (1, 2), (0, 2))]
    for a, b in triangle_sides:
        i, j = sorted((a, b))
        if math.hypot(x[i] - x[j], y[i] - y[j]) <= params.max_edge_km * 1000:
            pairs.add((i, j))
    tree = cKDTree(np.column_stack([x, y]))
    _, nearest = tree.query(np.column_stack([x, y]), k=min(params.neighbours + 1, n_places))
    for i, row in enumerate(nearest):
        for j in row[1:]:
            pairs.add((min(i, int(j)), max(i, int(j))))
    complete = nx.Graph()
    complete.add_weighted_edges_from((i, j, math.hypot(x[i] - x[j], y[i] - y[j])) for i, j in triangle_sides)
    pairs |= {(min(i, j), max(i, j)) for i, j in nx.minimum_spanning_edges(complete, data=False)}
    return pairs


def _motorway_edges(
    motorways: Path, x: FloatArray, y: FloatArray, params: ProxyParameters
) -> tuple[list[_ProxyEdge], list[float], list[float]]:
    """Motorway carriageways in their real geometry, and links from each junction to the settlements near it.

    Motorway nodes are numbered after the ``x.size`` settlements; their positions are returned (lon, lat).
    """
    crs, n_places = "EPSG:27700", x.size
    node_of: dict[tuple[int, int], int] = {}
    ends: set[int] = set()
    mx_all: list[float] = []
    my_all: list[float] = []

    def node(px: float, py: float) -> int:
        key = (round(px), round(py))
        if key not in node_of:
            node_of[key] = n_places + len(mx_all)
            mx_all.append(px)
            my_all.append(py)
        return node_of[key]

    edges: list[_ProxyEdge] = []
    motorway_speed = metres_per_second(params.motorway_speed_kmh)
    for line in _motorway_lines(motorways):
        lx, ly = to_projected(crs, [p[0] for p in line], [p[1] for p in line])
        ids = [node(float(a), float(b)) for a, b in zip(lx, ly, strict=True)]
        ends.update((ids[0], ids[-1]))
        for k in range(len(ids) - 1):
            if ids[k] == ids[k + 1]:
                continue
            metres = math.hypot(lx[k + 1] - lx[k], ly[k + 1] - ly[k])
            edges += [(ids[k], ids[k + 1], metres, metres / motorway_speed, False),
                      (ids[k + 1], ids[k], metres, metres / motorway_speed, False)]  # fmt: skip
    tree = cKDTree(np.column_stack([x, y]))
    local_speed = metres_per_second(params.local_speed_kmh)
    for junction in sorted(ends):
        jx, jy = mx_all[junction - n_places], my_all[junction - n_places]
        for i in tree.query_ball_point([jx, jy], params.junction_km * 1000):
            metres = math.hypot(x[i] - jx, y[i] - jy) * params.circuity
            edges += [
                (i, junction, metres, metres / local_speed, False),
                (junction, i, metres, metres / local_speed, False),
            ]
    m_lon, m_lat = to_wgs84(crs, mx_all, my_all)
    return edges, list(m_lon), list(m_lat)


def build_proxy_network(
    places: Sequence[tuple[float, float]],
    motorways: Path | None,
    *,
    params: ProxyParameters = ProxyParameters(),
    name: str = DEFAULT_NETWORK,
) -> RoadNetwork:
    """The approximate network: settlements joined to their neighbours, plus real motorways.

    Local edges join each settlement to its Delaunay neighbours (up to
    ``max_edge_km``) and its ``neighbours`` nearest settlements, with the
    minimum spanning tree added so the graph is connected; an edge is the
    straight line times ``circuity`` at ``local_speed_kmh``. Motorways follow
    their real geometry at ``motorway_speed_kmh``, and each motorway junction
    (an end of an OS Open Roads link) is joined to the settlements within
    ``junction_km``. Node ``i`` of the result for ``i < len(places)`` is
    ``places[i]``.

    Parameters
    ----------
    places
        ``(lat, lon)`` of each settlement.
    motorways
        OS Open Roads motorway GeoJSON (WGS84), or ``None`` for none.
    """
    if len(places) < 3:
        msg = "a proxy network needs at least 3 places"
        raise RoadNetworkError(msg)
    crs = "EPSG:27700"
    lat = np.array([p[0] for p in places], dtype=float)
    lon = np.array([p[1] for p in places], dtype=float)
    x, y = to_projected(crs, lon, lat)
    n_places = lat.size
    local_speed, walk_speed = metres_per_second(params.local_speed_kmh), metres_per_second(params.walk_speed_kmh)
    edges: list[_ProxyEdge] = []  # u, v, metres, drive seconds, walkable
    for i, j in sorted(_local_pairs(x, y, params)):
        metres = math.hypot(x[i] - x[j], y[i] - y[j]) * params.circuity
        edges += [(i, j, metres, metres / local_speed, True), (j, i, metres, metres / local_speed, True)]
    all_lon, all_lat = list(lon), list(lat)
    if motorways is not None:
        more, m_lon, m_lat = _motorway_edges(motorways, x, y, params)
        edges += more
        all_lon += m_lon
        all_lat += m_lat
    is_place = np.arange(len(all_lon)) < n_places
    drive, kept = graph_from_edges(
        "drive", lon=all_lon, lat=all_lat, edges=Edges([e[0] for e in edges], [e[1] for e in edges],
                                                       [e[3] for e in edges], [e[2] for e in edges]),
        snap_speed_mps=local_speed / params.circuity, snappable=is_place, crs=crs,
    )  # fmt: skip
    walkable = [e for e in edges if e[4]]
    walk, walk_kept = graph_from_edges(
        "walk", lon=all_lon, lat=all_lat, edges=Edges([e[0] for e in walkable], [e[1] for e in walkable],
                                                      [e[2] / walk_speed for e in walkable], [e[2] for e in walkable]),
        snap_speed_mps=walk_speed / params.circuity, snappable=is_place, crs=crs,
    )  # fmt: skip
    for graph_kept, mode in ((kept, "drive"), (walk_kept, "walk")):
        if not np.array_equal(graph_kept[:n_places], np.arange(n_places)):
            msg = f"the {mode} proxy network does not connect every place"
            raise RoadNetworkError(msg)
    return RoadNetwork(
        name=name,
        source="approximate proxy network: settlements joined to their neighbours (straight line x "
        f"{params.circuity} at {params.local_speed_kmh:g} km/h) plus OS Open Roads motorways",
        approximate=True,
        graphs={"drive": drive, "walk": walk},
        notes="No real local road network is embedded. Times are estimates calibrated on real "
        "mobile-library legs (median circuity 1.32, median speed 40 km/h); treat them as approximate.",
        attribution="Contains OS data (c) Crown copyright and database right 2024 (OS Open Roads, OS Open Names)",
        parameters={k: getattr(params, k) for k in params.__slots__},
    )
