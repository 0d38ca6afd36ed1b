"""Travel times on a road network: snapping, nearest facility, matrices, service areas.

Everything runs on scipy's csgraph Dijkstra over the CSR arrays of a
:class:`~outreach_map.roads.ModeGraph`. A point (a village, a service) is
*snapped* to its nearest snappable node (KD-tree in the graph's metric CRS,
EPSG:27700 in Great Britain); the straight line to the node is costed at the
graph's snap speed (walking or low speed) and reported. Points farther than
``max_snap_m`` from the network are refused, naming the point, unless it is
confidential, in which case its name and place are withheld.

Times are seconds in arrays (``minutes`` properties for display); every
result says whether it was computed on an approximate network.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ._files import private_folder
from .errors import PointOutsideNetworkError
from .geojson import clip_to_bbox, feature, feature_collection, geometry_of
from .roads import FloatArray, IntArray, ModeGraph, RoadNetwork, to_projected, to_wgs84

__all__ = [
    "SERVICE_AREA_MINUTES",
    "Located",
    "Matrix",
    "Nearest",
    "Snap",
    "TravelTimes",
    "nearest_facility",
    "od_matrix",
    "service_areas",
    "snap_points",
]

DEFAULT_MAX_SNAP_M = 5_000.0
#: Matrices kept in memory (public searches: never on disk), least recently used dropped first.
MEMORY_CACHE_SIZE = 256
SERVICE_AREA_MINUTES = (15, 30, 45, 60)
_NO_PRED = -9999


class Located(Protocol):
    """Anything with an id and a WGS84 position (villages, service points)."""

    @property
    def id(self) -> str: ...

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


@dataclass(frozen=True)
class Snap:
    """Points snapped to a graph.

    Attributes
    ----------
    node
        Graph node of each point.
    metres
        Straight-line distance from each point to its node.
    seconds
        Cost of that straight line at the graph's snap speed.
    point
        Index of each row's point in the input (points too far from the
        network are missing when they were dropped).
    """

    node: IntArray
    metres: FloatArray
    seconds: FloatArray
    point: IntArray

    def __len__(self) -> int:
        return int(self.node.shape[0])


@dataclass(frozen=True)
class Nearest:
    """The nearest facility of a set for each origin.

    ``facility`` indexes the facilities as given (not the snapped rows);
    ``seconds`` is ``inf`` and ``facility`` is -1 where none is within the
    limit. ``metres`` is the road distance of the fastest route (plus both
    snap lines), NaN where there is none or it was not asked for.
    """

    seconds: FloatArray
    facility: IntArray
    metres: FloatArray
    snap_metres: FloatArray
    approximate: bool

    @property
    def minutes(self) -> FloatArray:
        return self.seconds / 60.0


@dataclass(frozen=True)
class Matrix:
    """Origin-destination travel times (``origins x destinations``); ``inf`` beyond the limit."""

    seconds: FloatArray
    metres: FloatArray | None
    approximate: bool

    @property
    def minutes(self) -> FloatArray:
        return self.seconds / 60.0


def _describe(point: Located) -> str:
    if getattr(point, "confidential", False):
        return "a confidential location"
    return f"'{getattr(point, 'name', point.id)}' ({point.lat:.5f}, {point.lon:.5f})"


def snap_points(
    graph: ModeGraph,
    points: Sequence[Located],
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    drop_far: bool = False,
) -> Snap:
    """Snap points to their nearest snappable node.

    Parameters
    ----------
    drop_far
        Leave out points farther than ``max_snap_m`` (e.g. services beyond
        the network's area) instead of refusing them.

    Raises
    ------
    PointOutsideNetworkError
        For the first point farther than ``max_snap_m`` from every node,
        unless ``drop_far``.
    """
    if not points:
        empty = np.zeros(0)
        return Snap(np.zeros(0, dtype=np.int64), empty, empty, np.zeros(0, dtype=np.int64))
    x, y = to_projected(graph.crs, [p.lon for p in points], [p.lat for p in points])
    distance, index = graph.kdtree.query(np.column_stack([x, y]))
    distance = np.asarray(distance, dtype=float)
    far = np.flatnonzero(distance > max_snap_m)
    index = np.asarray(index, dtype=np.int64)
    if drop_far:
        near = np.flatnonzero(distance <= max_snap_m)
        node = graph.snap_nodes[index[near]]
        return Snap(node, distance[near], distance[near] / graph.snap_speed_mps, near.astype(np.int64))
    if far.size:
        i = int(far[0])
        msg = (
            f"{_describe(points[i])} is {distance[i] / 1000:.1f} km from the nearest {graph.mode} road node; "
            f"the maximum snap distance is {max_snap_m / 1000:.1f} km (is the point outside the network's area?)"
        )
        raise PointOutsideNetworkError(msg)
    node = graph.snap_nodes[index]
    return Snap(node, distance, distance / graph.snap_speed_mps, np.arange(len(points), dtype=np.int64))


def _augment(matrix: sp.csr_matrix, targets: IntArray, weights: FloatArray) -> sp.csr_matrix:
    """Add one virtual node per target with a single edge ``virtual -> target``."""
    n = matrix.shape[0]
    k = targets.shape[0]
    indptr = np.concatenate([matrix.indptr, matrix.indptr[-1] + np.arange(1, k + 1)])
    indices = np.concatenate([matrix.indices, targets.astype(matrix.indices.dtype)])
    data = np.concatenate([matrix.data, weights])
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))


def _tree_lengths(pred: IntArray, step: FloatArray) -> FloatArray:
    """Sum ``step`` along predecessor chains (pointer jumping); rows are independent trees.

    ``pred`` and ``step`` are ``(rows, n)``; ``step[r, v]`` is the length of the
    edge ``pred[r, v] -> v``. Returns the total length from each root.
    """
    rows, n = pred.shape
    offset = (np.arange(rows, dtype=np.int64) * n)[:, None]
    p = np.where(pred >= 0, pred + offset, -1).ravel()
    total = np.where(pred >= 0, step, 0.0).ravel().copy()
    active = np.flatnonzero(p >= 0)
    while active.size:
        parent = p[active]
        total[active] = total[active] + total[parent]
        p[active] = p[parent]
        active = active[p[active] >= 0]
    return total.reshape(rows, n)


def _edge_values(matrix: sp.csr_matrix, rows: IntArray, cols: IntArray) -> FloatArray:
    """``matrix[rows[i], cols[i]]`` for each i (0 where absent)."""
    if rows.size == 0:
        return np.zeros(0)
    return np.asarray(matrix[rows, cols], dtype=float).ravel()


def nearest_facility(
    graph: ModeGraph,
    origins: Snap,
    facilities: Snap,
    *,
    limit: float | None = None,
    with_distance: bool = True,
    approximate: bool = False,
) -> Nearest:
    """Travel time from each origin to its nearest facility (multi-source Dijkstra).

    Runs one Dijkstra on the reversed graph from every facility at once, each
    facility entering through a virtual node whose edge costs its snap line;
    scipy reports which facility reached each node first.

    Parameters
    ----------
    limit
        Seconds; origins beyond it get ``inf`` and facility -1.
    with_distance
        Also trace the road distance of each fastest route.
    """
    n_origins = len(origins)
    if len(facilities) == 0:
        return Nearest(
            np.full(n_origins, np.inf), np.full(n_origins, -1, dtype=np.int64), np.full(n_origins, np.nan),
            origins.metres, approximate,
        )  # fmt: skip
    n = graph.n_nodes
    k = len(facilities)
    reverse = _augment(graph.time_t, facilities.node, facilities.seconds)
    virtual = np.arange(n, n + k)
    dist, pred, source = dijkstra(
        reverse, indices=virtual, min_only=True, return_predecessors=True,
        limit=np.inf if limit is None else float(limit),
    )  # fmt: skip
    at = origins.node
    seconds = dist[at] + origins.seconds
    reached = np.isfinite(dist[at])
    facility = np.full(n_origins, -1, dtype=np.int64)
    facility[reached] = facilities.point[source[at[reached]] - n]
    if limit is not None:
        beyond = seconds > limit
        seconds[beyond] = np.inf
        facility[beyond] = -1
    metres = np.full(n_origins, np.nan)
    if with_distance:
        step = np.zeros(n + k)
        has = np.flatnonzero(pred >= 0)
        real = has[pred[has] < n]
        step[real] = _edge_values(graph.length_t, pred[real], real)
        via_virtual = has[pred[has] >= n]
        step[via_virtual] = facilities.metres[pred[via_virtual] - n]
        lengths = _tree_lengths(pred[None, :].astype(np.int64), step[None, :])[0]
        ok = facility >= 0
        metres[ok] = lengths[at[ok]] + origins.metres[ok]
    return Nearest(seconds, facility, metres, origins.metres, approximate)


def od_matrix(
    graph: ModeGraph,
    origins: Snap,
    destinations: Snap,
    *,
    limit: float | None = None,
    with_distance: bool = False,
    approximate: bool = False,
) -> Matrix:
    """Travel times from every origin to every destination.

    Dijkstra runs from whichever side has fewer distinct nodes (forward from
    origins, or on the reversed graph from destinations).
    """
    n_o, n_d = len(origins), len(destinations)
    if n_o == 0 or n_d == 0:
        return Matrix(np.zeros((n_o, n_d)), np.zeros((n_o, n_d)) if with_distance else None, approximate)
    o_nodes, o_inv = np.unique(origins.node, return_inverse=True)
    d_nodes, d_inv = np.unique(destinations.node, return_inverse=True)
    forward = o_nodes.size <= d_nodes.size
    sources, targets = (o_nodes, d_nodes) if forward else (d_nodes, o_nodes)
    time, length = (graph.time, graph.length) if forward else (graph.time_t, graph.length_t)
    result = dijkstra(
        time, indices=sources, return_predecessors=with_distance, limit=np.inf if limit is None else float(limit)
    )
    dist, pred = result if with_distance else (result, None)
    core = dist[:, targets]  # sources x targets
    road_metres = None
    if pred is not None:
        pred = pred.astype(np.int64)
        step = np.zeros(pred.shape)
        r, v = np.nonzero(pred >= 0)
        step[r, v] = _edge_values(length, pred[r, v], v)
        road_metres = _tree_lengths(pred, step)[:, targets]
    if not forward:
        core = core.T
        road_metres = None if road_metres is None else road_metres.T
    seconds = core[np.ix_(o_inv, d_inv)] + origins.seconds[:, None] + destinations.seconds[None, :]
    if limit is not None:
        seconds[seconds > limit] = np.inf
    metres = None
    if road_metres is not None:
        metres = road_metres[np.ix_(o_inv, d_inv)] + origins.metres[:, None] + destinations.metres[None, :]
        metres[~np.isfinite(seconds)] = np.nan
    return Matrix(seconds, metres, approximate)


#: Service areas are clipped to the network's extent widened by this much.
CLIP_MARGIN_M = 1000.0


def service_areas(
    graph: ModeGraph,
    facilities: Snap,
    *,
    minutes: Sequence[float] = SERVICE_AREA_MINUTES,
    approximate: bool = False,
    simplify_m: float = 50.0,
    max_radius_m: float = DEFAULT_MAX_SNAP_M,
) -> dict[str, Any]:
    """Isochrone polygons: where a facility can be reached from within each time, as GeoJSON.

    Each reachable node contributes a disc whose radius is the time left,
    at the snap speed, capped at ``max_radius_m``; the discs of a band are
    merged, simplified and clipped to the network's extent (plus :data:`CLIP_MARGIN_M`). Features are RFC 7946 GeoJSON
    (WGS84, outer rings counter-clockwise, 6 decimals), largest band first.
    """
    from shapely import MultiPolygon, Point, Polygon, simplify, transform, union_all

    if len(facilities) == 0:
        return feature_collection([])
    margin = min(max_radius_m, CLIP_MARGIN_M)  # the area: the network's extent and a margin round it
    xs = np.array([graph.x.min() - margin, graph.x.max() + margin])
    ys = np.array([graph.y.min() - margin, graph.y.max() + margin])
    lons, lats = to_wgs84(graph.crs, xs, ys)
    area = (float(np.min(lons)), float(np.min(lats)), float(np.max(lons)), float(np.max(lats)))
    n = graph.n_nodes
    reverse = _augment(graph.time_t, facilities.node, facilities.seconds)
    top = max(minutes) * 60.0
    dist = dijkstra(reverse, indices=np.arange(n, n + len(facilities)), min_only=True, limit=top)[:n]
    features = []
    for band in sorted(minutes, reverse=True):
        budget = band * 60.0
        inside = np.flatnonzero(dist <= budget)
        if inside.size == 0:
            continue
        radius = np.minimum((budget - dist[inside]) * graph.snap_speed_mps, max_radius_m)
        discs = [Point(graph.x[i], graph.y[i]).buffer(max(r, 1.0), 16) for i, r in zip(inside, radius, strict=True)]
        shape = simplify(union_all(discs), simplify_m)

        def to_lonlat(xy: FloatArray) -> FloatArray:
            return np.column_stack(to_wgs84(graph.crs, xy[:, 0], xy[:, 1]))

        geometry = clip_to_bbox(transform(shape, to_lonlat), area)
        if not isinstance(geometry, Polygon | MultiPolygon) or geometry.is_empty:  # pragma: no cover - union of discs
            continue
        properties = {"minutes": band, "mode": graph.mode, "approximate": approximate}
        features.append(feature(geometry_of(geometry), properties))
    return feature_collection(features)


class TravelTimes:
    """Travel times on one network and mode, with matrices cached in memory and, when asked, on disk.

    A public search (one position against the services) is kept in a bounded
    in-memory cache only, so no searched position is ever written down; the
    planners' big matrices (villages, stops, candidate sites) are also stored
    on disk with ``store_on_disk=True``, in a folder only the owner can read.

    Parameters
    ----------
    network
        The road network.
    mode
        ``"drive"`` or ``"walk"``.
    cache_dir
        Where stored matrices go, keyed by a hash of the network and points;
        ``None`` for none on disk.
    max_snap_m
        Points farther than this from the network are refused.
    memory_size
        How many matrices the in-memory cache keeps.
    """

    def __init__(
        self,
        network: RoadNetwork,
        mode: str = "drive",
        *,
        cache_dir: Path | None = None,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        memory_size: int = MEMORY_CACHE_SIZE,
    ) -> None:
        self.network = network
        self.graph = network.graph(mode)
        self.cache_dir = cache_dir
        self.max_snap_m = max_snap_m
        self.memory_size = memory_size
        self._snaps: dict[tuple[bool, tuple[tuple[float, float], ...]], Snap] = {}
        self._memory: OrderedDict[str, Matrix] = OrderedDict()
        self._memory_lock = threading.Lock()

    @property
    def approximate(self) -> bool:
        return self.network.approximate

    def snap(self, points: Sequence[Located], *, drop_far: bool = False) -> Snap:
        """Snap points (see :func:`snap_points`); the last few sets of points are remembered."""
        key = (drop_far, tuple((p.lat, p.lon) for p in points))
        found = self._snaps.get(key)
        if found is None:
            found = snap_points(self.graph, points, max_snap_m=self.max_snap_m, drop_far=drop_far)
            if len(self._snaps) >= 16:
                self._snaps.pop(next(iter(self._snaps)))
            self._snaps[key] = found
        return found

    def on_network(self, points: Sequence[Located]) -> list[int]:
        """Indices of the points within the snap limit of the network."""
        return [int(i) for i in self.snap(points, drop_far=True).point]

    def nearest(
        self, origins: Sequence[Located], facilities: Sequence[Located], *, limit_minutes: float | None = None
    ) -> Nearest:
        """Nearest facility for each origin (see :func:`nearest_facility`)."""
        limit = None if limit_minutes is None else limit_minutes * 60.0
        on_network = self.snap(facilities, drop_far=True)
        return nearest_facility(self.graph, self.snap(origins), on_network, limit=limit, approximate=self.approximate)

    def matrix(
        self,
        origins: Sequence[Located],
        destinations: Sequence[Located],
        *,
        limit_minutes: float | None = None,
        with_distance: bool = False,
        store_on_disk: bool = False,
    ) -> Matrix:
        """Origin-destination matrix (see :func:`od_matrix`), from the caches when they have it.

        Parameters
        ----------
        store_on_disk
            Also keep it in ``cache_dir`` (the planners' matrices; never a
            public search, whose position must leave no trace on disk).
        """
        o, d = self.snap(origins), self.snap(destinations)
        limit = None if limit_minutes is None else limit_minutes * 60.0
        key = self._cache_key(o, d, limit, with_distance)
        found = self._remembered(key)
        if found is not None:
            return found
        path = self.cache_dir / f"matrix-{key[:24]}.npz" if store_on_disk and self.cache_dir is not None else None
        if path is not None and path.is_file():
            with np.load(path) as cached:
                metres = cached["metres"] if with_distance else None
                result = Matrix(cached["seconds"], metres, self.approximate)
        else:
            result = od_matrix(self.graph, o, d, limit=limit, with_distance=with_distance, approximate=self.approximate)
            if path is not None:
                self._store(path, result)
        self._remember(key, result)
        return result

    def _remembered(self, key: str) -> Matrix | None:
        with self._memory_lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
            return found

    def _remember(self, key: str, result: Matrix) -> None:
        for array in (result.seconds, result.metres):
            if array is not None:
                array.setflags(write=False)  # shared by every caller: read-only
        with self._memory_lock:
            self._memory[key] = result
            self._memory.move_to_end(key)
            while len(self._memory) > self.memory_size:
                self._memory.popitem(last=False)

    def service_areas(
        self, facilities: Sequence[Located], *, minutes: Sequence[float] = SERVICE_AREA_MINUTES
    ) -> dict[str, Any]:
        """Isochrone polygons as GeoJSON (see :func:`service_areas`); facilities off the network are left out."""
        snapped = self.snap(facilities, drop_far=True)
        return service_areas(self.graph, snapped, minutes=minutes, approximate=self.approximate)

    def _cache_key(self, o: Snap, d: Snap, limit: float | None, with_distance: bool) -> str:
        h = hashlib.sha256()
        h.update(json.dumps([self.network.digest, self.graph.mode, limit, with_distance]).encode())
        for array in (o.node, o.seconds, o.metres, d.node, d.seconds, d.metres):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()

    @staticmethod
    def _store(path: Path, result: Matrix) -> None:
        private_folder(path.parent)
        arrays: dict[str, npt.NDArray[Any]] = {"seconds": result.seconds}
        if result.metres is not None:
            arrays["metres"] = result.metres
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", suffix=".tmp", delete=False) as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
            handle.flush()
            os.fsync(handle.fileno())
        Path(handle.name).replace(path)
