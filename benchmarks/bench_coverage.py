"""Benchmark: coverage tables on scipy csgraph vs a straightforward networkx implementation.

    python benchmarks/bench_coverage.py [--nodes 100000] [--facilities 200] [--threshold 30]

(a) the whole metrics table on the embedded data: every service kind, every
village, drive and walk (nearest service, minutes, hours a week within the
threshold, Journey Time Statistics summaries); (b) nearest-facility coverage
(time, which facility, within the threshold) on a generated road-like graph
of 100,000 nodes. The baseline uses networkx's multi-source Dijkstra with
paths (to know which facility) and, for hours, a Dijkstra from each village
cut off at the threshold. Results are checked equal. The last line reads
``coverage: Nx vs networkx`` (the smaller of the two ratios).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import numpy as np

from outreach_map.coverage import Facility, compute_coverage, facilities_of
from outreach_map.dataset import load_dataset
from outreach_map.roads import ModeGraph, load_roads
from outreach_map.traveltime import Snap, TravelTimes, nearest_facility, snap_points

DATA = Path(__file__).resolve().parent.parent / "data"
THRESHOLD = 30.0


def to_networkx_reversed(graph: ModeGraph) -> nx.DiGraph:
    coo = graph.time.tocoo()
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    g.add_weighted_edges_from(zip(coo.col.tolist(), coo.row.tolist(), coo.data.tolist(), strict=True))
    return g


def nx_nearest(g_rev: nx.DiGraph, n: int, origins: Snap, facilities: Snap) -> tuple[np.ndarray, np.ndarray]:
    """Minutes and facility index for each origin, the straightforward networkx way."""
    g = g_rev.copy()
    for k in range(len(facilities)):
        g.add_edge(("facility", k), int(facilities.node[k]), weight=float(facilities.seconds[k]))
    sources = {("facility", k) for k in range(len(facilities))}
    dist, paths = nx.multi_source_dijkstra(g, sources, weight="weight") if sources else ({}, {})
    seconds = np.array([dist.get(int(node), math.inf) for node in origins.node]) + origins.seconds
    which = np.array([paths[int(node)][0][1] if int(node) in paths else -1 for node in origins.node])
    return seconds / 60.0, which


def nx_hours(g_rev: nx.DiGraph, origins: Snap, facilities: Snap, table: Sequence[Facility], limit: float) -> list:
    g_fwd = g_rev.reverse(copy=False)
    out: list[float | None] = []
    for i in range(len(origins)):
        reach = nx.single_source_dijkstra_path_length(g_fwd, int(origins.node[i]), cutoff=limit * 60, weight="weight")
        near = [
            table[k] for k in range(len(facilities))
            if reach.get(int(facilities.node[k]), math.inf) + origins.seconds[i] + facilities.seconds[k] <= limit * 60
        ]  # fmt: skip
        if any(f.intervals is None for f in near):
            out.append(None)
            continue
        minutes_open: set[tuple[int, int]] = set()
        for f in near:
            for day, start, end in f.intervals or ():
                minutes_open.update((day, m) for m in range(start, end))
        out.append(len(minutes_open) / 60.0)
    return out


def embedded_table() -> tuple[float, float]:
    data = load_dataset(DATA)
    network = load_roads(DATA)
    villages = list(data.villages)
    kinds = [k for k in data.directory.kind_terms() if facilities_of(data.directory, k)]
    ours_total = base_total = 0.0
    for mode in ("drive", "walk"):
        graph = network.graph(mode)
        _ = graph.time_t
        g_rev = to_networkx_reversed(graph)
        for kind in kinds:
            facilities = facilities_of(data.directory, kind)
            best = math.inf
            for _ in range(3):  # a fresh TravelTimes each time: nothing remembered between runs
                times = TravelTimes(network, mode)
                start = time.perf_counter()
                result = compute_coverage(villages, facilities, times, kind=kind, threshold=THRESHOLD)
                result.summaries()
                best = min(best, time.perf_counter() - start)
            ours_total += best

            best = math.inf
            for _ in range(3):
                start = time.perf_counter()
                origins = snap_points(graph, villages)
                kept = snap_points(graph, facilities, drop_far=True)
                table = [facilities[int(k)] for k in kept.point]
                minutes, which = nx_nearest(g_rev, graph.n_nodes, origins, kept)
                hours = nx_hours(g_rev, origins, kept, table, THRESHOLD) if result.hours_within else []
                population = np.array([v.population for v in villages], dtype=float)
                finite = np.isfinite(minutes)
                _ = [float((minutes[finite] * population[finite]).sum() / population[finite].sum())] + [
                    float(population[minutes <= t].sum() / population.sum()) for t in (15, 30, 45, 60)
                ]
                best = min(best, time.perf_counter() - start)
            base_total += best

            assert np.allclose(result.minutes, minutes, atol=1e-6, equal_nan=True), (kind, mode)
            same = np.where(which >= 0, kept.point[np.maximum(which, 0)], -1)
            ties = result.nearest != same
            assert np.allclose(result.minutes[ties], minutes[ties], atol=1e-6), (kind, mode)
            if hours:
                for a, b in zip(result.hours_within, hours, strict=True):
                    assert (a is None and b is None) or abs((a or 0) - (b or 0)) < 1e-9, (kind, mode, a, b)
    n_tables = 2 * len(kinds)
    ratio = base_total / ours_total
    print(
        f"[embedded] {len(villages)} villages x {len(kinds)} kinds x drive/walk ({n_tables} tables): "
        f"ours {ours_total:.3f} s, networkx {base_total:.3f} s -> {ratio:.1f}x (best of 3 per table)"
    )
    return ours_total, ratio


def large_graph(n: int, n_fac: int, threshold: float, seed: int) -> float:
    from bench_traveltime import road_like_graph  # same generator as the travel-time benchmark

    graph = road_like_graph(n, seed)
    rng = np.random.default_rng(seed)
    facilities = rng.choice(graph.n_nodes, size=n_fac, replace=False)
    zeros = np.zeros(graph.n_nodes)
    everyone = Snap(np.arange(graph.n_nodes), zeros, zeros, np.arange(graph.n_nodes))
    fac = Snap(facilities.astype(np.int64), np.zeros(n_fac), np.zeros(n_fac), np.arange(n_fac))
    _ = graph.time_t
    g_rev = to_networkx_reversed(graph)
    best_ours = best_base = math.inf
    for _ in range(3):
        start = time.perf_counter()
        ours = nearest_facility(graph, everyone, fac, with_distance=False)
        covered = ours.minutes <= threshold
        best_ours = min(best_ours, time.perf_counter() - start)
        start = time.perf_counter()
        minutes, which = nx_nearest(g_rev, graph.n_nodes, everyone, fac)
        covered_nx = minutes <= threshold
        best_base = min(best_base, time.perf_counter() - start)
    assert np.allclose(ours.minutes, minutes, atol=1e-6 / 60)
    assert np.array_equal(covered, covered_nx)
    assert np.mean(ours.facility == which) > 0.999  # the same facility, but for exact ties
    ratio = best_base / best_ours
    print(
        f"[road-like] {graph.n_nodes:,} nodes, {n_fac} facilities, within {threshold:g} min: "
        f"ours {best_ours:.3f} s, networkx {best_base:.3f} s -> {ratio:.1f}x (best of 3)"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--facilities", type=int, default=200)
    parser.add_argument("--threshold", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ours_s, embedded_ratio = embedded_table()
    print(f"  full embedded table in {ours_s:.3f} s ({'under' if ours_s < 1 else 'OVER'} the 1 s target)")
    large_ratio = large_graph(args.nodes, args.facilities, args.threshold, args.seed)
    print(f"coverage: {min(embedded_ratio, large_ratio):.0f}x vs networkx")


if __name__ == "__main__":
    main()
