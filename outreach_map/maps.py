"""Maps: folium (Leaflet) maps whose scripts and styles never come from a CDN.

Leaflet comes from the ``xstatic-leaflet`` package. A map saved by the CLI
inlines it, so the file opens with no network access at all; the web site
serves the same files itself (:func:`leaflet_files`). The only other origin
a map may contact is the base-map tile server, which is a setting and may be
``"none"``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._files import write_text_atomic
from .coverage import CoverageResult, Facility
from .errors import OutreachError
from .geojson import feature, feature_collection, point

if TYPE_CHECKING:
    import folium


__all__ = [
    "BAND_COLOURS",
    "KIND_COLOURS",
    "OSM_ATTRIBUTION",
    "OSM_TILES",
    "WEEKDAY_COLOURS",
    "MapSettings",
    "coverage_map",
    "geojson_villages",
    "leaflet_files",
    "render_html",
    "save_map",
]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"
DATA_ATTRIBUTION = (
    "Contains OS data &copy; Crown copyright and database right 2024; GeoNames CC BY 4.0; "
    "NHS ODS and DCMS data under OGL v3"
)

#: Time bands (upper bound in minutes) and their colours, colour-blind safe-ish (viridis-like).
BAND_COLOURS: tuple[tuple[float, str, str], ...] = (
    (15, "#1a9850", "up to 15 min"),
    (30, "#91cf60", "15-30 min"),
    (45, "#fee08b", "30-45 min"),
    (60, "#fc8d59", "45-60 min"),
    (math.inf, "#b2182b", "over 60 min or none"),
)

#: Service points are clustered on web maps from this many points.
CLUSTER_FROM = 100

_LEAFLET_JS_MARK = "outreach-map-local:leaflet.js"
_LEAFLET_CSS_MARK = "outreach-map-local:leaflet.css"


@dataclass(frozen=True, slots=True)
class MapSettings:
    """Base map and asset choices.

    Attributes
    ----------
    tiles
        ``"osm"`` for OpenStreetMap tiles, ``"none"`` for no base map (no
        request to any other origin), or a tile URL template.
    leaflet_js, leaflet_css
        URLs of Leaflet when served by the web site; ``None`` to inline the
        files (standalone HTML).
    markercluster_js, markercluster_css
        URLs of Leaflet.markercluster (served by the web site); without them
        many points are drawn unclustered.
    """

    tiles: str = "osm"
    leaflet_js: str | None = None
    leaflet_css: str | None = None
    markercluster_js: str | None = None
    markercluster_css: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.tiles not in ("osm", "none") and not (
            self.tiles.startswith("https://") and "{z}" in self.tiles and "{x}" in self.tiles and "{y}" in self.tiles
        ):
            msg = f"tiles '{self.tiles}': expected osm, none or an https:// URL with {{z}}, {{x}} and {{y}}"
            raise OutreachError(msg)


def leaflet_files() -> tuple[Path, Path]:
    """Leaflet's JavaScript and CSS from the xstatic-leaflet package."""
    import xstatic.pkg.leaflet as leaflet

    base = Path(leaflet.BASE_DIR)
    return base / "leaflet.js", base / "leaflet.css"


def _tip(text: str) -> str:
    """Text for a tooltip: HTML-escaped, and inert in the JavaScript template literal folium puts it in."""
    return html.escape(text).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _band_colour(minutes: float) -> str:
    return next(colour for limit, colour, _ in BAND_COLOURS if minutes <= limit)


def new_map(settings: MapSettings, *, center: tuple[float, float], zoom: int = 10) -> folium.Map:
    """A folium map whose default assets are Leaflet only, from local files."""
    import folium

    m = folium.Map(location=list(center), zoom_start=zoom, tiles=None, control_scale=True)
    m.default_js = [("leaflet", settings.leaflet_js or _LEAFLET_JS_MARK)]
    m.default_css = [("leaflet_css", settings.leaflet_css or _LEAFLET_CSS_MARK)]
    if settings.tiles != "none":
        url = OSM_TILES if settings.tiles == "osm" else settings.tiles
        folium.TileLayer(tiles=url, attr=f"{OSM_ATTRIBUTION}; {DATA_ATTRIBUTION}", name="base map").add_to(m)
    else:
        folium.TileLayer(tiles="", attr=DATA_ATTRIBUTION, name="no base map").add_to(m)
    return m


def _legend(title: str, approximate: bool, extra: Sequence[tuple[str, str]] = ()) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
        f'background:{colour};margin-right:6px;border:1px solid #333"></span>{html.escape(label)}</div>'
        for _, colour, label in BAND_COLOURS
    )
    rows += "".join(f"<div>{symbol} {html.escape(label)}</div>" for symbol, label in extra)
    warning = (
        '<div role="alert" style="margin-top:6px;padding:4px;background:#fff3cd;border:1px solid #b58900">'
        "<strong>Approximate travel times</strong>: the road network is an estimate (settlements joined "
        "to neighbours, real motorways).</div>"
        if approximate
        else ""
    )
    return (
        '<div id="map-legend" style="position:absolute;z-index:1000;bottom:56px;left:10px;max-width:260px;'
        'background:white;padding:8px;border:1px solid #555;font:13px/1.4 sans-serif;color:#111">'
        f"<strong>{html.escape(title)}</strong>{rows}{warning}</div>"
    )


def coverage_map(
    result: CoverageResult,
    settings: MapSettings,
    *,
    suggestions: Sequence[tuple[Facility, int]] = (),
    removed: Sequence[Facility] = (),
) -> folium.Map:
    """Villages coloured by time band, gap villages outlined, service points, suggested sites and a legend."""
    import folium

    if not result.villages:
        msg = "no villages to map"
        raise OutreachError(msg)
    lats = [v.lat for v in result.villages]
    lons = [v.lon for v in result.villages]
    m = new_map(settings, center=(sum(lats) / len(lats), sum(lons) / len(lons)))
    villages = folium.FeatureGroup(name="villages").add_to(m)
    for i, v in enumerate(result.villages):
        minutes = float(result.minutes[i])
        gap = minutes > result.threshold
        nearest = result.nearest_facility(i)
        text = (
            f"{v.name} ({v.district}): population {v.population:,}"
            + (" (estimated)" if v.estimated else "")
            + (
                f"; {minutes:.0f} min to {nearest.name}"
                if nearest and math.isfinite(minutes)
                else "; no service reachable"
            )
            + ("; GAP" if gap else "")
        )
        folium.CircleMarker(
            location=[v.lat, v.lon], radius=3 + math.sqrt(v.population) / 12,
            color="#000000" if gap else "#444444", weight=3 if gap else 1,
            fill=True, fill_color=_band_colour(minutes), fill_opacity=0.85, tooltip=_tip(text),
            class_name="village gap" if gap else "village",
        ).add_to(villages)  # fmt: skip
    services: Any = folium.FeatureGroup(name="service points").add_to(m)
    if settings.markercluster_js and len(result.facilities) > CLUSTER_FROM:
        from folium.plugins import MarkerCluster

        cluster = MarkerCluster(name="service points", options={"disableClusteringAtZoom": 13})  # type: ignore[no-untyped-call]
        cluster.default_js = [("markercluster", settings.markercluster_js)]
        cluster.default_css = [(f"markercluster_{i}", url) for i, url in enumerate(settings.markercluster_css)]
        services = cluster.add_to(m)
    for f in result.facilities:
        label = f"{f.name}" + (" (EXAMPLE, not a real location)" if f.example else "")
        folium.CircleMarker(
            location=[f.lat, f.lon], radius=6, color="#08306b", weight=2, fill=True,
            fill_color="#ffffff" if f.example else "#2171b5", fill_opacity=1.0, tooltip=_tip(label),
            class_name="service example" if f.example else "service",
        ).add_to(services)  # fmt: skip
    for f in removed:
        folium.CircleMarker(
            location=[f.lat, f.lon], radius=6, color="#b2182b", weight=3, fill=False,
            tooltip=_tip(f"{f.name} (removed in this scenario)"), class_name="service removed",
        ).add_to(services)  # fmt: skip
    if suggestions:
        suggested = folium.FeatureGroup(name="suggested sites").add_to(m)
        for f, population in suggestions:
            folium.CircleMarker(
                location=[f.lat, f.lon], radius=9, color="#54278f", weight=3, fill=True, fill_color="#9e9ac8",
                fill_opacity=1.0, tooltip=_tip(f"Suggested: {f.name} (newly covers {population:,} people)"),
                class_name="suggestion",
            ).add_to(suggested)  # fmt: skip
    extra = [("&#9679; blue", "service point (white: EXAMPLE)"), ("&#9711; black ring", "gap village")]
    if suggestions:
        extra.append(("&#9679; purple", "suggested site"))
    title = f"{result.kind}: {result.mode} time to nearest (threshold {result.threshold:g} min)"
    m.get_root().html.add_child(folium.Element(_legend(title, result.approximate, extra)))  # type: ignore[attr-defined]
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    return m


def render_html(m: folium.Map) -> str:
    """The map's HTML, with Leaflet inlined where no URL was configured."""
    page = m.get_root().render()
    js_path, css_path = leaflet_files()
    if _LEAFLET_JS_MARK in page:
        script = js_path.read_text(encoding="utf-8").replace("</script", "<\\/script")
        page = page.replace(f'<script src="{_LEAFLET_JS_MARK}"></script>', f"<script>{script}</script>")
    if _LEAFLET_CSS_MARK in page:
        style = css_path.read_text(encoding="utf-8")
        page = page.replace(f'<link rel="stylesheet" href="{_LEAFLET_CSS_MARK}"/>', f"<style>{style}</style>")
    if _LEAFLET_JS_MARK in page or _LEAFLET_CSS_MARK in page:  # pragma: no cover - folium changed its markup
        msg = "could not inline Leaflet into the map; folium's page layout has changed"
        raise OutreachError(msg)
    return page


def save_map(m: folium.Map, path: Path) -> None:
    """Write a standalone HTML map atomically."""
    write_text_atomic(path, render_html(m))


def geojson_villages(result: CoverageResult) -> dict[str, Any]:
    """The coverage table as GeoJSON points (one feature per village; RFC 7946)."""
    return feature_collection(
        feature(point(v.lon, v.lat), row) for row, v in zip(result.rows(), result.villages, strict=True)
    )


#: A colour per service kind for public maps.
KIND_COLOURS = {
    "library": "#1b9e77", "mobile-library-stop": "#66a61e", "police": "#1f4e9e", "gp": "#d95f02",
    "victim-support": "#7570b3", "domestic-abuse-support": "#e7298a", "childrens-centre": "#e6ab02",
    "school": "#a6761d", "hospital": "#c0392b", "hospice": "#8e44ad", "care-home": "#666666",
    "community-venue": "#17a2b8",
}  # fmt: skip


#: A colour per weekday for run lines.
WEEKDAY_COLOURS = {"Mon": "#1b9e77", "Tue": "#d95f02", "Wed": "#7570b3", "Thu": "#e7298a", "Fri": "#66a61e",
                   "Sat": "#e6ab02", "Sun": "#a6761d"}  # fmt: skip
