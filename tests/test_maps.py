from __future__ import annotations

import re
from pathlib import Path

import pytest

from outreach_map.coverage import compute_coverage, facilities_of
from outreach_map.dataset import load_dataset
from outreach_map.errors import OutreachError
from outreach_map.maps import MapSettings, coverage_map, render_html, save_map
from outreach_map.roads import load_roads
from outreach_map.traveltime import TravelTimes

EXTERNAL = re.compile(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', re.IGNORECASE)


@pytest.fixture
def library_map_html(tiny_data: Path) -> str:
    data = load_dataset(tiny_data)
    times = TravelTimes(load_roads(tiny_data))
    result = compute_coverage(
        list(data.villages), facilities_of(data.directory, "library"), times, kind="library", threshold=15
    )
    return render_html(coverage_map(result, MapSettings(tiles="none")))


def test_map_loads_nothing_from_another_origin(library_map_html: str) -> None:
    assert not EXTERNAL.search(library_map_html)
    assert "cdn" not in library_map_html.lower()
    assert "tile.openstreetmap.org" not in library_map_html
    assert "L.map(" in library_map_html and "Leaflet" in library_map_html  # Leaflet is inlined


def test_map_has_legend_warning_gaps_and_services(library_map_html: str) -> None:
    assert 'id="map-legend"' in library_map_html
    assert "Approximate travel times" in library_map_html
    assert library_map_html.count('"className": "village gap"') == 3  # Towcester, King's Sutton, Nobottle
    assert library_map_html.count('"className": "village"') == 2
    assert "Daventry Library" in library_map_html


def test_confidential_points_never_reach_a_map(tiny_data: Path) -> None:
    data = load_dataset(tiny_data)
    times = TravelTimes(load_roads(tiny_data))
    result = compute_coverage(
        list(data.villages), facilities_of(data.directory, "domestic-abuse-support"), times,
        kind="domestic-abuse-support", threshold=15,
    )  # fmt: skip
    page = render_html(coverage_map(result, MapSettings(tiles="osm")))
    assert "Refuge" not in page and "52.19," not in page and "-1.07]" not in page
    assert "tile.openstreetmap.org" in page


def test_tiles_setting_is_checked() -> None:
    with pytest.raises(OutreachError, match="expected osm, none or an https:// URL"):
        MapSettings(tiles="http://tiles.example/{z}/{x}/{y}.png")
    assert MapSettings(tiles="https://t.example/{z}/{x}/{y}.png").tiles.startswith("https://")


def test_save_map_writes_atomically(tmp_path: Path, tiny_data: Path) -> None:
    data = load_dataset(tiny_data)
    times = TravelTimes(load_roads(tiny_data))
    result = compute_coverage(list(data.villages), [], times, kind="library", threshold=15)
    path = tmp_path / "maps" / "gaps.html"
    save_map(coverage_map(result, MapSettings(tiles="none")), path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["gaps.html"]


def test_many_service_points_are_clustered_with_local_assets(tiny_data: Path) -> None:
    import numpy as np

    from outreach_map.coverage import CoverageResult, Facility

    data = load_dataset(tiny_data)
    villages = tuple(data.villages)
    facilities = tuple(Facility(f"s{i}", f"School {i}", 52.0 + i / 1000, -1.1, "school") for i in range(120))
    result = CoverageResult(
        kind="school", mode="drive", threshold=15, villages=villages, facilities=facilities,
        minutes=np.zeros(len(villages)), nearest=np.zeros(len(villages), dtype=np.int64), approximate=True,
        network="test",
    )  # fmt: skip
    web = MapSettings(
        tiles="none", leaflet_js="/assets/leaflet/leaflet.js", leaflet_css="/assets/leaflet/leaflet.css",
        markercluster_js="/static/vendor/mc.js", markercluster_css=("/static/vendor/mc.css",),
    )  # fmt: skip
    page = coverage_map(result, web).get_root().render()
    assert "L.markerClusterGroup(" in page
    assert '<script src="/static/vendor/mc.js"></script>' in page
    assert not EXTERNAL.search(page)
    few = (
        coverage_map(
            CoverageResult(**{**result.__dict__, "facilities": facilities[:5], "nearest": result.nearest}), web
        )
        .get_root()
        .render()
    )
    assert "L.markerClusterGroup(" not in few
