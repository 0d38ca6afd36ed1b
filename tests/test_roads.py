from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from outreach_map.errors import DataFileError
from outreach_map.places import load_villages, villages_file
from outreach_map.roads import (
    DEFAULT_NETWORK,
    ProxyParameters,
    RoadNetwork,
    RoadNetworkError,
    build_proxy_network,
    list_networks,
    load_network,
    load_roads,
    network_dir,
    save_network,
    to_projected,
)
from outreach_map.traveltime import TravelTimes

from .conftest import EMBEDDED_DATA


@pytest.fixture(scope="module")
def embedded_network() -> RoadNetwork:
    return load_network(network_dir(EMBEDDED_DATA, DEFAULT_NETWORK))


@pytest.fixture(scope="module")
def embedded_times(embedded_network: RoadNetwork) -> TravelTimes:
    return TravelTimes(embedded_network)


def test_embedded_network_is_connected_and_approximate(embedded_network: RoadNetwork) -> None:
    assert embedded_network.approximate
    for mode in ("drive", "walk"):
        graph = embedded_network.graph(mode)
        assert connected_components(graph.time, connection="strong")[0] == 1
    villages = load_villages(villages_file(EMBEDDED_DATA))
    snapped = TravelTimes(embedded_network).snap(list(villages))
    assert float(snapped.metres.max()) < 1.0  # every settlement is a node


def test_unknown_mode_is_refused(embedded_network: RoadNetwork) -> None:
    with pytest.raises(RoadNetworkError, match="has no 'cycle' graph; it has drive, walk"):
        embedded_network.graph("cycle")


def _straight_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    x, y = to_projected("EPSG:27700", [a[1], b[1]], [a[0], b[0]])
    return math.hypot(x[1] - x[0], y[1] - y[0]) / 1000


@pytest.mark.parametrize(("origin", "destination"), [("daventry", "towcester"), ("brackley", "daventry")])
def test_market_town_times_are_plausible(embedded_times: TravelTimes, origin: str, destination: str) -> None:
    villages = load_villages(villages_file(EMBEDDED_DATA))
    a, b = villages.find(origin), villages.find(destination)
    matrix = embedded_times.matrix([a], [b], with_distance=True)
    assert matrix.approximate
    straight = _straight_km((a.lat, a.lon), (b.lat, b.lon))
    road_km = float(matrix.metres[0, 0]) / 1000  # type: ignore[index]
    minutes = float(matrix.minutes[0, 0])
    # Road distance between 1.2x and 1.6x the straight line; average speed 30-70 km/h.
    assert 1.2 * straight <= road_km <= 1.6 * straight
    assert 30 <= road_km / (minutes / 60) <= 70


def test_no_settlement_is_a_detour_from_its_neighbours(embedded_times: TravelTimes) -> None:
    villages = list(load_villages(villages_file(EMBEDDED_DATA)))
    matrix = embedded_times.matrix(villages, villages, with_distance=True)
    x, y = to_projected("EPSG:27700", [v.lon for v in villages], [v.lat for v in villages])
    straight = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    close = (straight > 0) & (straight < 8_000)
    ratio = matrix.metres[close] / (straight[close] * ProxyParameters().circuity)  # type: ignore[index]
    assert np.percentile(ratio, 99) < 1.35
    # Each place has a direct road to its nearest neighbour, straight line x circuity long.
    nodes = embedded_times.snap(villages).node
    nearest = np.argsort(np.where(straight > 0, straight, np.inf), axis=1)[:, 0]
    lengths = embedded_times.graph.length[nodes, nodes[nearest]]
    expected = straight[np.arange(len(villages)), nearest] * ProxyParameters().circuity
    assert np.allclose(np.asarray(lengths).ravel(), expected, rtol=1e-9)


def test_motorway_makes_long_trips_faster(embedded_network: RoadNetwork) -> None:
    villages = list(load_villages(villages_file(EMBEDDED_DATA)))
    crick = next(v for v in villages if v.id == "crick")
    northampton = next(v for v in villages if v.id == "northampton")
    with_m1 = TravelTimes(embedded_network).matrix([crick], [northampton]).minutes[0, 0]
    local_only = build_proxy_network([(v.lat, v.lon) for v in villages], None)
    without = TravelTimes(local_only).matrix([crick], [northampton]).minutes[0, 0]
    assert with_m1 < 0.9 * without


def test_calibration_matches_the_mobile_library_legs() -> None:
    """The proxy's factors are the medians over all authorities' mobile-library legs (the ALL row)."""
    text = (EMBEDDED_DATA / "raw" / "derived_mobile_library_leg_calibration_by_authority.csv").read_text(
        encoding="utf-8"
    )
    rows = {r["authority"]: r for r in csv.DictReader(text.splitlines())}
    everyone = rows.pop("ALL")
    assert int(everyone["legs"]) == sum(int(r["legs"]) for r in rows.values())
    params = ProxyParameters()
    assert round(float(everyone["median_circuity"]), 2) == params.circuity
    assert round(float(everyone["median_speed_kmh"])) == params.local_speed_kmh


def test_save_and_load_round_trip(tmp_path: Path, embedded_network: RoadNetwork) -> None:
    folder = tmp_path / "roads" / "copy"
    save_network(embedded_network, folder)
    again = load_network(folder)
    assert again.digest == embedded_network.digest
    assert again.approximate and again.source == embedded_network.source
    save_network(embedded_network, folder)  # overwriting is atomic and leaves no temporary folders
    assert sorted(p.name for p in (tmp_path / "roads").iterdir()) == ["copy"]
    assert [name for name, _ in list_networks(tmp_path)] == ["copy"]


def test_unknown_network_lists_the_known_ones(tmp_path: Path, embedded_network: RoadNetwork) -> None:
    save_network(embedded_network, network_dir(tmp_path, "northants"))
    with pytest.raises(RoadNetworkError, match=r"no road network .london. .* known networks: northants"):
        load_roads(tmp_path, "london")


def test_default_network_is_built_in_memory_when_missing(tiny_data: Path) -> None:
    network = load_roads(tiny_data)
    assert network.approximate
    assert network.graph("drive").n_nodes == 5


def test_damaged_network_file(tmp_path: Path, embedded_network: RoadNetwork) -> None:
    folder = network_dir(tmp_path, "broken")
    save_network(embedded_network, folder)
    (folder / "network.npz").write_bytes(b"not a zip")
    with pytest.raises(DataFileError, match=r"network\.npz: damaged road network"):  # names the damaged file
        load_network(folder)


def test_bad_parameters() -> None:
    with pytest.raises(RoadNetworkError, match=r"circuity 0\.5 is implausible"):
        ProxyParameters(circuity=0.5)
    with pytest.raises(RoadNetworkError, match="at least 3 places"):
        build_proxy_network([(52.0, -1.0)], None)


def test_rebuild_reproduces_the_embedded_network(tmp_path: Path, embedded_network: RoadNetwork) -> None:
    subprocess.run([sys.executable, str(EMBEDDED_DATA / "build_roads.py"), "--out", str(tmp_path)], check=True)
    rebuilt = network_dir(tmp_path, DEFAULT_NETWORK)
    assert load_network(rebuilt).digest == embedded_network.digest
    meta = json.loads((rebuilt / "network.json").read_text(encoding="utf-8"))
    assert meta == json.loads(
        (network_dir(EMBEDDED_DATA, DEFAULT_NETWORK) / "network.json").read_text(encoding="utf-8")
    )
