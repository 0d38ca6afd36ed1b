from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point, shape

from outreach_map import traveltime
from outreach_map.roads import Edges, ModeGraph, RoadNetwork, graph_from_edges, to_wgs84
from outreach_map.traveltime import (
    PointOutsideNetworkError,
    Snap,
    TravelTimes,
    nearest_facility,
    od_matrix,
    snap_points,
)

from .test_geojson import assert_rfc7946

ORIGIN_X, ORIGIN_Y = 457_000.0, 262_000.0  # near Daventry, EPSG:27700


@dataclass(frozen=True)
class Spot:
    id: str
    lat: float
    lon: float
    name: str = ""
    confidential: bool = False


def spot(x: float, y: float, name: str = "p", *, confidential: bool = False) -> Spot:
    lon, lat = to_wgs84("EPSG:27700", [ORIGIN_X + x], [ORIGIN_Y + y])
    return Spot(name, float(lat[0]), float(lon[0]), name, confidential)


@pytest.fixture(scope="module")
def twelve_nodes() -> tuple[ModeGraph, nx.DiGraph]:
    """A 4 x 3 grid, 1 km apart: 60 s per edge both ways, except a one-way fast edge 0 -> 11 (30 s)
    and edge 5 -> 6 that is one-way (6 -> 5 is missing)."""
    coords = [(1000.0 * (i % 4), 1000.0 * (i // 4)) for i in range(12)]
    edges: list[tuple[int, int, float, float]] = []
    for i, (x, y) in enumerate(coords):
        for j, (x2, y2) in enumerate(coords):
            if abs(x - x2) + abs(y - y2) == 1000.0 and not (i == 6 and j == 5):
                edges.append((i, j, 60.0, 1000.0))
    edges.append((0, 11, 30.0, 3700.0))
    lon, lat = to_wgs84("EPSG:27700", [ORIGIN_X + c[0] for c in coords], [ORIGIN_Y + c[1] for c in coords])
    graph, kept = graph_from_edges(
        "drive", lon=lon, lat=lat, edges=Edges([e[0] for e in edges], [e[1] for e in edges],
                                               [e[2] for e in edges], [e[3] for e in edges]),
        snap_speed_mps=10.0, crs="EPSG:27700",
    )  # fmt: skip
    assert list(kept) == list(range(12))
    reference = nx.DiGraph()
    reference.add_weighted_edges_from(((u, v, t) for u, v, t, _ in edges), weight="time")
    return graph, reference


def test_graph_from_edges_keeps_fastest_parallel_edge_and_largest_component() -> None:
    lon, lat = to_wgs84("EPSG:27700", [ORIGIN_X, ORIGIN_X + 500, ORIGIN_X + 900, ORIGIN_X + 5000],
                        [ORIGIN_Y] * 4)  # fmt: skip
    graph, kept = graph_from_edges(
        "drive", lon=lon, lat=lat,
        edges=Edges(u=[0, 0, 1, 1, 2, 3], v=[1, 1, 0, 2, 1, 2], seconds=[50, 40, 45, 30, 30, 9],
                    metres=[600, 500, 500, 400, 400, 4100]),
        snap_speed_mps=5.0, crs="EPSG:27700",
    )  # fmt: skip
    assert list(kept) == [0, 1, 2]  # node 3 only leaves, never returns: not strongly connected
    assert graph.time[0, 1] == 40 and graph.length[0, 1] == 500


def test_snap_reports_distance_and_costs_it_at_snap_speed(twelve_nodes: tuple[ModeGraph, nx.DiGraph]) -> None:
    graph, _ = twelve_nodes
    snapped = snap_points(graph, [spot(0, 0), spot(2000, 1300)])
    assert list(snapped.node) == [0, 6]
    assert snapped.metres[0] == pytest.approx(0, abs=0.01)
    assert snapped.metres[1] == pytest.approx(300, abs=0.5)
    assert snapped.seconds[1] == pytest.approx(snapped.metres[1] / 10.0)


def test_snap_refuses_far_points_naming_them(twelve_nodes: tuple[ModeGraph, nx.DiGraph]) -> None:
    graph, _ = twelve_nodes
    with pytest.raises(PointOutsideNetworkError, match=r"'Far Farm' \(52\.\d+, -1\.\d+\) is 9\.0 km from the nearest"):
        snap_points(graph, [spot(0, 0), spot(3000, 11000, "Far Farm")], max_snap_m=5000)


def test_far_facilities_can_be_dropped_and_indices_still_refer_to_the_input(
    twelve_nodes: tuple[ModeGraph, nx.DiGraph],
) -> None:
    graph, _ = twelve_nodes
    network = RoadNetwork("grid", "test grid", False, {"drive": graph})
    facilities = [spot(0, 30000, "Corby"), spot(3000, 2000, "Far corner"), spot(0, 0, "Home")]
    result = TravelTimes(network).nearest([spot(3000, 1000), spot(100, 0)], facilities)
    assert list(result.facility) == [1, 2]
    dropped = snap_points(graph, facilities, drop_far=True)
    assert list(dropped.point) == [1, 2]


def test_snap_error_never_reveals_a_confidential_point(twelve_nodes: tuple[ModeGraph, nx.DiGraph]) -> None:
    graph, _ = twelve_nodes
    secret = spot(3000, 11000, "Refuge", confidential=True)
    with pytest.raises(PointOutsideNetworkError) as info:
        snap_points(graph, [secret], max_snap_m=5000)
    message = str(info.value)
    assert message.startswith("a confidential location is")
    assert "Refuge" not in message and f"{secret.lat:.3f}" not in message and f"{secret.lon:.3f}" not in message


def _brute_nearest(reference: nx.DiGraph, o_node: int, o_cost: float, facilities: list[tuple[int, float]]) -> float:
    lengths = nx.single_source_dijkstra_path_length(reference, o_node, weight="time")
    return min(o_cost + lengths[f] + c for f, c in facilities if f in lengths)


def test_nearest_matches_brute_force_networkx(twelve_nodes: tuple[ModeGraph, nx.DiGraph]) -> None:
    graph, reference = twelve_nodes
    rng = np.random.default_rng(7)
    for _ in range(20):
        points = [spot(float(x), float(y)) for x, y in rng.uniform([-200, -200], [3200, 2200], size=(9, 2))]
        origins = snap_points(graph, points[:5])
        facilities = snap_points(graph, points[5:])
        result = nearest_facility(graph, origins, facilities)
        fac = list(zip(facilities.node.tolist(), facilities.seconds.tolist(), strict=True))
        for i in range(5):
            expected = _brute_nearest(reference, int(origins.node[i]), float(origins.seconds[i]), fac)
            assert result.seconds[i] == pytest.approx(expected, abs=1e-6)
            f = int(result.facility[i])
            via = nx.single_source_dijkstra_path_length(reference, int(origins.node[i]), weight="time")
            chosen = origins.seconds[i] + via[int(facilities.node[f])] + facilities.seconds[f]
            assert chosen == pytest.approx(expected, abs=1e-6)


def _rows(snap: Snap, i: int) -> Snap:
    return Snap(snap.node[i : i + 1], snap.metres[i : i + 1], snap.seconds[i : i + 1], np.zeros(1, dtype=np.int64))


def test_nearest_respects_one_way_and_reports_road_distance(twelve_nodes: tuple[ModeGraph, nx.DiGraph]) -> None:
    graph, _ = twelve_nodes
    at = snap_points(graph, [spot(0, 0), spot(3000, 2000), spot(2000, 1000), spot(1000, 1000)])
    # From node 0 to node 11 the one-way fast edge takes 30 s over 3.7 km...
    there = nearest_facility(graph, _rows(at, 0), _rows(at, 1))
    assert there.seconds[0] == pytest.approx(30.0, abs=0.01)
    assert there.metres[0] == pytest.approx(3700.0, abs=1.0)
    # ...but back from 11 to 0 is five grid edges.
    back = nearest_facility(graph, _rows(at, 1), _rows(at, 0))
    assert back.seconds[0] == pytest.approx(300.0, abs=0.01)
    assert back.metres[0] == pytest.approx(5000.0, abs=1.0)
    # 6 -> 5 is missing: the way round is 3 edges.
    six_to_five = nearest_facility(graph, _rows(at, 2), _rows(at, 3))
    assert six_to_five.seconds[0] == pytest.approx(180.0, abs=0.01)


def test_nearest_limit(twelve_nodes: tuple[ModeGraph, nx.DiGraph]) -> None:
    graph, _ = twelve_nodes
    origins = snap_points(graph, [spot(0, 0), spot(3000, 2000)])
    facility = snap_points(graph, [spot(1000, 0)])
    result = nearest_facility(graph, origins, facility, limit=100.0)
    assert result.seconds[0] == pytest.approx(60.0, abs=0.01) and result.facility[0] == 0
    assert np.isinf(result.seconds[1]) and result.facility[1] == -1 and np.isnan(result.metres[1])


def test_matrix_matches_networkx_both_directions(twelve_nodes: tuple[ModeGraph, nx.DiGraph]) -> None:
    graph, reference = twelve_nodes
    points = [spot(1000.0 * (i % 4), 1000.0 * (i // 4), f"n{i}") for i in range(12)]
    all_pairs = dict(nx.all_pairs_dijkstra_path_length(reference, weight="time"))
    for origins, destinations in ((points[:3], points), (points, points[:3]), (points, points)):
        o, d = snap_points(graph, origins), snap_points(graph, destinations)
        matrix = od_matrix(graph, o, d, with_distance=True)
        for (i, a), (j, b) in itertools.product(enumerate(o.node), enumerate(d.node)):
            assert matrix.seconds[i, j] == pytest.approx(
                all_pairs[int(a)][int(b)] + o.seconds[i] + d.seconds[j], abs=1e-6
            )
        assert matrix.metres is not None
        assert np.all(matrix.metres >= 0)


def test_matrix_limit_and_distances(twelve_nodes: tuple[ModeGraph, nx.DiGraph]) -> None:
    graph, _ = twelve_nodes
    o = snap_points(graph, [spot(0, 0), spot(3000, 2000)])
    d = snap_points(graph, [spot(3000, 2000), spot(0, 0)])
    matrix = od_matrix(graph, o, d, limit=200.0, with_distance=True)
    assert matrix.seconds[0, 0] == pytest.approx(30.0, abs=0.01)
    assert matrix.metres is not None and matrix.metres[0, 0] == pytest.approx(3700.0, abs=1.0)
    assert np.isinf(matrix.seconds[1, 1]) and np.isnan(matrix.metres[1, 1])  # 300 s > 200 s


def test_travel_times_caches_the_planners_matrices_on_disk_in_a_private_folder(
    twelve_nodes: tuple[ModeGraph, nx.DiGraph], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    graph, _ = twelve_nodes
    network = RoadNetwork("grid", "test grid", True, {"drive": graph})
    cache = tmp_path / "cache" / "grid"
    points = [spot(0, 0), spot(3000, 2000)]
    first = TravelTimes(network, cache_dir=cache).matrix(points, points, store_on_disk=True)
    assert first.approximate
    assert len(list(cache.glob("matrix-*.npz"))) == 1
    assert stat.S_IMODE(cache.stat().st_mode) == stat.S_IMODE(cache.parent.stat().st_mode) == 0o700

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("should have come from the cache")

    monkeypatch.setattr(traveltime, "od_matrix", fail)
    again = TravelTimes(network, cache_dir=cache).matrix(points, points, store_on_disk=True)  # a new process
    np.testing.assert_array_equal(again.seconds, first.seconds)
    with pytest.raises(AssertionError, match="cache"):
        TravelTimes(network, cache_dir=cache).matrix(points, points, limit_minutes=1.0)  # another key: afresh


def test_searched_positions_leave_no_trace_on_disk_and_memory_is_bounded(
    twelve_nodes: tuple[ModeGraph, nx.DiGraph], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph, _ = twelve_nodes
    network = RoadNetwork("grid", "test grid", True, {"drive": graph})
    times = TravelTimes(network, cache_dir=tmp_path / "cache", memory_size=3)
    services = [spot(0, 0, "library"), spot(3000, 2000, "gp")]
    searched = [spot(100.0 * i, 50.0 * i, f"searched {i}") for i in range(5)]
    first = times.matrix([searched[0]], services, with_distance=True)
    for position in searched[1:]:
        times.matrix([position], services, with_distance=True)
    assert not (tmp_path / "cache").exists()  # nothing written, not even the folder
    assert len(times._memory) == 3  # the two oldest searches are forgotten
    last = times.matrix([searched[-1]], services, with_distance=True)
    assert last is times.matrix([searched[-1]], services, with_distance=True)  # from memory
    calls = []
    monkeypatch.setattr(traveltime, "od_matrix", lambda *a, **k: calls.append(a) or first)
    times.matrix([searched[0]], services, with_distance=True)
    assert len(calls) == 1  # forgotten: computed again
    with pytest.raises(ValueError, match="read-only"):
        last.seconds[0, 0] = 0.0  # one answer shared by every caller cannot be changed by one of them


def test_service_areas_nest_and_contain_the_facility(twelve_nodes: tuple[ModeGraph, nx.DiGraph]) -> None:
    graph, _ = twelve_nodes
    network = RoadNetwork("grid", "test grid", False, {"drive": graph})
    library = spot(1000, 1000)
    areas = TravelTimes(network).service_areas([library], minutes=(1, 2, 4))
    assert [f["properties"]["minutes"] for f in areas["features"]] == [4, 2, 1]
    assert_rfc7946(areas)
    polygons = [shape(f["geometry"]) for f in areas["features"]]
    here = Point(library.lon, library.lat)
    assert all(p.contains(here) for p in polygons)
    assert polygons[0].area > polygons[1].area > polygons[2].area
    far_corner = spot(3000, 2000)  # 3 edges = 3 minutes away
    assert polygons[0].contains(Point(far_corner.lon, far_corner.lat))
    assert not polygons[1].contains(Point(far_corner.lon, far_corner.lat))
