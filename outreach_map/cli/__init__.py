"""The ``outreach-map`` command line.

Every user mistake (bad data file, unknown village, bad option) ends with a
one-line message on stderr and exit status 2, never a traceback. Commands
only parse their options, call the core (the same functions the web site
calls: :func:`~outreach_map.timetabling.make_timetable`,
:func:`~outreach_map.siting.suggest_sites`, :mod:`~outreach_map.tables`) and
print; the settings are loaded once by :func:`~outreach_map.config.load_settings`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .._files import write_text_atomic
from ..config import DATA_DIR_ENV, ROADS_ENV, Settings, load_settings
from ..coverage import (
    JTS_THRESHOLDS,
    CoverageResult,
    Facility,
    WhatIf,
    check_threshold,
    compute_coverage,
    facilities_of,
    load_candidate_sites,
    village_candidates,
    what_if,
)
from ..dataset import SOURCES, Dataset, load_dataset
from ..directory import services_dir
from ..directory.store import open_store
from ..errors import OutreachError
from ..geodesy import straight_line_m
from ..lookup import Place, resolve_place
from ..maps import MapSettings, coverage_map, geojson_villages, save_map
from ..places import CORE_DISTRICTS
from ..roads import DEFAULT_NETWORK, MODES, list_networks, load_roads, network_dir, save_network
from ..siting import Suggestion, suggest_sites
from ..tables import coverage_csv, suggestions_csv
from ..traveltime import TravelTimes

if TYPE_CHECKING:
    from ..planner import Progress
    from ..timetabling import Attempt, MadeTimetable

__all__ = ["main"]

EXIT_USER_ERROR = 2


class _Group(click.Group):
    """A group that turns :class:`OutreachError` into a message and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OutreachError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USER_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"Use another copy of data/ (also ${DATA_DIR_ENV}).",
)
@click.version_option(package_name="outreach-map")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """Service directory and outreach planner for rural West Northamptonshire."""
    ctx.obj = load_settings(data_dir=data_dir)


def _dataset(ctx: click.Context) -> Dataset:
    """The data, with the live directory from the database (seeded from ``data/services`` on first use)."""
    settings = _settings(ctx)
    files = load_dataset(settings.data_dir)  # every file checked before the database is touched
    store = open_store(settings)
    seeded, here = store.seeded_from(), services_dir(settings.data_dir)
    if seeded is not None and Path(seeded).resolve() != here.resolve():
        click.echo(
            f"note: the directory comes from the database (first filled from {seeded}), not from {here}; "
            "set OUTREACH_DATABASE_URL for a separate one",
            err=True,
        )
    return dataclasses.replace(files, directory=store.directory())


@main.command()
@click.pass_context
def info(ctx: click.Context) -> None:
    """Summarise the data: villages and population, services by kind, sources."""
    data = _dataset(ctx)
    echo = click.echo
    echo(f"Data: {data.data_dir}")
    echo("")
    echo("Villages and population by district")
    rows = _district_rows(data)
    echo(f"  {'district':<26}{'places':>7}{'population':>12}{'estimated':>11}")
    for name, places, population, estimated in rows:
        echo(f"  {name:<26}{places:>7}{population:>12,}{estimated:>11}")
    core = [r for r in rows if r[0] in CORE_DISTRICTS]
    echo(
        f"  Former Daventry + South Northamptonshire: {sum(r[1] for r in core)} places, "
        f"{sum(r[2] for r in core):,} people"
    )
    echo("")
    echo("Service points by kind (real = from open data; example = invented, labelled EXAMPLE)")
    echo(f"  {'kind':<24}{'real':>6}{'example':>9}{'closed':>8}{'confidential':>14}")
    for kind, c in data.directory.count_by_kind().items():
        echo(f"  {kind:<24}{c['real']:>6}{c['example']:>9}{c['closed']:>8}{c['confidential']:>14}")
    helplines = [
        s for s in data.directory.services.values() if not any(p.service.id == s.id for p in data.directory.points)
    ]
    echo(f"  plus {len(helplines)} services without a location (helplines): " + "; ".join(s.name for s in helplines))
    echo("")
    echo(f"Postcodes: {len(data.postcodes):,}")
    echo("")
    echo("Sources and licences")
    for source in SOURCES:
        echo(f"  {source.name} ({source.licence}): {source.used_for}.")
        echo(f"    {source.attribution}")


def _district_rows(data: Dataset) -> list[tuple[str, int, int, int]]:
    totals: dict[str, list[int]] = {}
    for v in data.villages:
        t = totals.setdefault(v.district, [0, 0, 0])
        t[0] += 1
        t[1] += v.population
        t[2] += v.estimated
    order = sorted(totals, key=lambda d: (d not in CORE_DISTRICTS, d))
    return [(d, *totals[d]) for d in order]  # type: ignore[misc]


# --- roads and travel times ----------------------------------------------------------------------------------------

ROADS_OPTION = click.option(
    "--roads", "roads_name", default=None, metavar="NAME",
    help=f"Road network under data/roads/ (default: [roads] network, ${ROADS_ENV}, else the approximate {DEFAULT_NETWORK}).",
)  # fmt: skip
MODE_OPTION = click.option("--mode", type=click.Choice(MODES), default="drive", show_default=True)


def _travel_times(ctx: click.Context, roads_name: str | None, mode: str) -> TravelTimes:
    settings = _settings(ctx)
    network = load_roads(settings.data_dir, roads_name or settings.roads.network)
    return TravelTimes(
        network, mode, cache_dir=settings.cache_dir / network.name, max_snap_m=settings.roads.max_snap_km * 1000
    )


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None  # set by main()
    return settings


def _warn_if_approximate(times: TravelTimes) -> None:
    if times.approximate:
        click.echo(
            f"note: times are APPROXIMATE ({times.network.name}: {times.network.source}). "
            "Import a real road network with `outreach-map roads import`.",
            err=True,
        )


@main.group()
def roads() -> None:
    """Road networks: list them, import OpenStreetMap extracts."""


@roads.command("list")
@click.pass_context
def roads_list(ctx: click.Context) -> None:
    """List the road networks under data/roads/."""
    settings = _settings(ctx)
    found = list_networks(settings.data_dir)
    if not any(name == DEFAULT_NETWORK for name, _ in found):
        click.echo(f"{DEFAULT_NETWORK}  (not built here: made in memory from the villages when used)")
    for name, meta in found:
        modes = ", ".join(f"{m} {info['nodes']:,} nodes / {info['edges']:,} edges" for m, info in meta["modes"].items())
        label = "APPROXIMATE" if meta.get("approximate") else "real roads"
        click.echo(f"{name}  [{label}]  {modes}")
        click.echo(f"    {meta.get('source', '')}")


def _parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    parts = value.split(",")
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 4:
        msg = f"--bbox '{value}': expected four numbers MIN_LON,MIN_LAT,MAX_LON,MAX_LAT"
        raise click.BadParameter(msg)
    return numbers


@roads.command("import")
@click.argument("pbf", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--name", default=None, help="Network name (default: the file name without .osm.pbf).")
@click.option("--bbox", default=None, metavar="MIN_LON,MIN_LAT,MAX_LON,MAX_LAT", help="Keep only this box.")
@click.pass_context
def roads_import(ctx: click.Context, pbf: Path, name: str | None, bbox: str | None) -> None:
    """Import an OpenStreetMap extract (.osm.pbf) as a road network."""
    from ..osm import SpeedTable, import_osm

    settings = _settings(ctx)
    box = _parse_bbox(bbox)
    chosen = name or pbf.name.removesuffix(".pbf").removesuffix(".osm")
    if not chosen or chosen.startswith(".") or "/" in chosen:
        msg = f"--name '{chosen}': expected a plain name such as northants"
        raise click.BadParameter(msg)
    source = settings.roads.source or Path("outreach.toml")
    speeds = SpeedTable.from_mapping(settings.roads.speeds, source=source)
    network = import_osm(pbf, name=chosen, bbox=box, speeds=speeds)
    folder = network_dir(settings.data_dir, chosen)
    save_network(network, folder)
    for mode, graph in network.graphs.items():
        click.echo(f"{mode}: {graph.n_nodes:,} nodes, {graph.n_edges:,} edges")
    click.echo(f"saved {folder}")


@main.command()
@click.argument("origin")
@click.argument("destination")
@MODE_OPTION
@ROADS_OPTION
@click.pass_context
def travel(ctx: click.Context, origin: str, destination: str, mode: str, roads_name: str | None) -> None:
    """Travel time by road from ORIGIN to DESTINATION (village, postcode or "lat,lon")."""
    data = _dataset(ctx)
    a, b = resolve_place(data, origin), resolve_place(data, destination)
    times = _travel_times(ctx, roads_name, mode)
    matrix = times.matrix([a], [b], with_distance=True)
    seconds = float(matrix.seconds[0, 0])
    metres = float(matrix.metres[0, 0]) if matrix.metres is not None else float("nan")
    snapped = times.snap([a, b])
    straight = straight_line_m(a.lat, a.lon, b.lat, b.lon) / 1000
    click.echo(f"{a.name} -> {b.name} ({mode}): {seconds / 60:.1f} min, {metres / 1000:.1f} km by road")
    click.echo(
        f"  straight line {straight:.1f} km; road / straight = {metres / 1000 / straight:.2f}" if straight else ""
    )
    click.echo(f"  snap to network: {snapped.metres[0]:.0f} m at start, {snapped.metres[1]:.0f} m at end")
    click.echo(f"  network: {times.network.name}" + (" (APPROXIMATE)" if times.approximate else ""))
    _warn_if_approximate(times)


@main.command("service-areas")
@click.option("--kind", required=True, help="Service kind (see `outreach-map info`).")
@click.option("--minutes", default="15,30,45,60", show_default=True, help="Comma-separated time bands.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="GeoJSON file to write.")
@MODE_OPTION
@ROADS_OPTION
@click.pass_context
def service_areas_cmd(
    ctx: click.Context, kind: str, minutes: str, out: Path, mode: str, roads_name: str | None
) -> None:
    """Write service areas (isochrones) of the open, public service points of a kind as GeoJSON."""
    data = _dataset(ctx)
    known = data.directory.kind_terms()
    if kind not in known:
        msg = f"unknown kind '{kind}'; expected one of {', '.join(known)}"
        raise click.BadParameter(msg, param_hint="--kind")
    try:
        bands = [float(m) for m in minutes.split(",")]
    except ValueError:
        bands = []
    if not bands or any(not 0 < m <= 240 for m in bands):
        msg = f"'{minutes}': expected minutes between 0 and 240, e.g. 15,30,45,60"
        raise click.BadParameter(msg, param_hint="--minutes")
    points = data.directory.points_of([kind], include_confidential=False)
    if not points:
        raise click.ClickException(f"no open, public service points of kind '{kind}'")
    times = _travel_times(ctx, roads_name, mode)
    areas = times.service_areas(points, minutes=bands)
    for area in areas["features"]:  # RFC 7946: what describes the layer goes on its features
        area["properties"] |= {"kind": kind, "network": times.network.name}
    write_text_atomic(out, json.dumps(areas) + "\n")
    click.echo(f"wrote {out}: {len(areas['features'])} bands around {len(points)} {kind} points")
    _warn_if_approximate(times)


# --- coverage and suggestions --------------------------------------------------------------------------------------

TILES_OPTION = click.option(
    "--tiles", default="none", show_default=True, metavar="none|osm|URL",
    help="External tiles for --map: none (the default: the built-in base map only, no other origin), osm or a URL.",
)  # fmt: skip


def _facilities(data: Dataset, kind: str, real_only: bool) -> list[Facility]:
    facilities = facilities_of(data.directory, kind, include_examples=not real_only)
    examples = sum(f.example for f in facilities)
    if examples:
        click.echo(
            f"note: {examples} of the {len(facilities)} {kind} service points are EXAMPLES (invented locations); "
            "use --real-only to leave them out.",
            err=True,
        )
    return facilities


def _print_summaries(result: CoverageResult) -> None:
    bands = "".join(f"{'<=' + str(t):>8}" for t in JTS_THRESHOLDS)
    click.echo(f"  {'area':<42}{'people':>10}{'avg min':>9}{bands}   (% of people within)")
    for s in result.summaries():
        pcts = "".join(f"{s.percent_within[t]:>7.1f}%" for t in JTS_THRESHOLDS)
        click.echo(f"  {s.area:<42}{s.population:>10,}{s.average_minutes:>9.1f}{pcts}")


def _write_table(path: Path, result: CoverageResult) -> None:
    if path.suffix.lower() == ".geojson":
        write_text_atomic(path, json.dumps(geojson_villages(result), ensure_ascii=False) + "\n")
    elif path.suffix.lower() == ".csv":
        write_text_atomic(path, coverage_csv(result))
    else:
        msg = f"--out {path}: expected a .csv or .geojson file name"
        raise click.BadParameter(msg)


@dataclass(frozen=True, slots=True)
class _CoverageArgs:
    """The options of ``coverage``, as click passes them."""

    kind: str
    threshold: float
    mode: str
    out: Path | None
    map_path: Path | None
    add: tuple[str, ...]
    remove: tuple[str, ...]
    real_only: bool
    n_gaps: int
    tiles: str
    roads_name: str | None


@main.command()
@click.option("--kind", required=True, help="Service kind (see `outreach-map info`).")
@click.option("--threshold", type=float, required=True, help="Minutes: villages beyond it are gaps.")
@MODE_OPTION
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="Write one row per village (.csv or .geojson)."
)
@click.option("--map", "map_path", type=click.Path(path_type=Path, dir_okay=False), help="Write an HTML map.")
@click.option(
    "--add", "add", multiple=True, metavar="PLACE", help="What-if: a new site (village, postcode or lat,lon)."
)
@click.option(
    "--remove", "remove", multiple=True, metavar="SERVICE_ID", help="What-if: close a service point (its id)."
)
@click.option("--real-only", is_flag=True, help="Leave out EXAMPLE service points.")
@click.option("--gaps", "n_gaps", type=int, default=10, show_default=True, help="How many gap villages to list.")
@TILES_OPTION
@ROADS_OPTION
@click.pass_context
def coverage(ctx: click.Context, /, **options: Any) -> None:
    """Travel time from every village to the nearest service of a kind; gaps; what-if."""
    args = _CoverageArgs(**options)
    check_threshold(args.threshold)
    map_settings = MapSettings(tiles=args.tiles)
    data = _dataset(ctx)
    facilities = _facilities(data, args.kind, args.real_only)
    times = _travel_times(ctx, args.roads_name, args.mode)
    villages = list(data.villages)
    added = [_candidate(resolve_place(data, text), args.kind) for text in args.add]
    if added or args.remove:
        scenario = what_if(villages, facilities, times, kind=args.kind, threshold=args.threshold, add=added,
                           remove=args.remove)  # fmt: skip
        _print_what_if(scenario, args)
        result, removed = scenario.after, list(scenario.removed)
    else:
        result = compute_coverage(villages, facilities, times, kind=args.kind, threshold=args.threshold)
        click.echo(f"Coverage of {args.kind} by {args.mode} ({len(facilities)} service points, "
                   f"threshold {args.threshold:g} min)")  # fmt: skip
        _print_summaries(result)
        removed = []
    _print_gaps(result, args.n_gaps)
    if args.out is not None:
        _write_table(args.out, result)
        click.echo(f"wrote {args.out}")
    if args.map_path is not None:
        save_map(
            coverage_map(result, map_settings, suggestions=[(f, 0) for f in added], removed=removed), args.map_path
        )
        click.echo(f"wrote {args.map_path}")
    _warn_if_approximate(times)


def _print_what_if(scenario: WhatIf, args: _CoverageArgs) -> None:
    click.echo(
        f"What-if for {args.kind} within {args.threshold:g} min by {args.mode}: "
        f"+{len(scenario.added)} site(s), -{len(args.remove)}"
    )
    click.echo("Before:")
    _print_summaries(scenario.before)
    click.echo("After:")
    _print_summaries(scenario.after)
    for sign, label, moved in (("+", "brought within", scenario.moved_in), ("-", "pushed beyond", scenario.moved_out)):
        people = sum(v.population for v in moved)
        click.echo(f"Villages {label} {args.threshold:g} min: {len(moved)} ({people:,} people)")
        for v in moved[: args.n_gaps]:
            click.echo(f"  {sign} {v.name} ({v.population:,})")


def _print_gaps(result: CoverageResult, n_gaps: int) -> None:
    gaps = [g for g in result.gaps() if g.village.in_core_area]
    click.echo(
        f"Gaps in the core area beyond {result.threshold:g} min: {len(gaps)} villages, "
        f"{sum(g.village.population for g in gaps):,} people"
    )
    for g in gaps[:n_gaps]:
        estimate = " (estimated)" if g.village.estimated else ""
        click.echo(f"  {g.village.name:<28}{g.village.population:>8,}{estimate:<12}{g.minutes:>7.1f} min")


def _candidate(place: Place, kind: str) -> Facility:
    return Facility(id=f"new:{place.id}", name=f"New site at {place.name}", lat=place.lat, lon=place.lon,
                    kind=kind, candidate=True)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _SuggestArgs:
    """The options of ``suggest``, as click passes them."""

    kind: str
    sites: int | None
    cover_all: bool
    threshold: float
    candidates: Path | None
    mode: str
    out: Path | None
    map_path: Path | None
    real_only: bool
    whole_area: bool
    tiles: str
    roads_name: str | None


@main.command()
@click.option("--kind", required=True, help="Service kind (see `outreach-map info`).")
@click.option("--sites", type=int, default=None, help="How many new sites (maximal covering).")
@click.option("--cover-all", is_flag=True, help="Instead: the fewest sites that cover everyone reachable.")
@click.option("--threshold", type=float, required=True, help="Minutes within which a village counts as covered.")
@click.option("--candidates", type=click.Path(path_type=Path, dir_okay=False), help="CSV of venues: id,name,lat,lon.")
@MODE_OPTION
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None, help="CSV of the chosen sites.")
@click.option("--map", "map_path", type=click.Path(path_type=Path, dir_okay=False), help="Write an HTML map.")
@click.option("--real-only", is_flag=True, help="Leave out EXAMPLE service points.")
@click.option(
    "--whole-area", is_flag=True,
    help="Count people in every place of the bounding box, not just the former Daventry and South Northants districts.",
)  # fmt: skip
@TILES_OPTION
@ROADS_OPTION
@click.pass_context
def suggest(ctx: click.Context, /, **options: Any) -> None:
    """Where new sites would bring the most people within reach (solved exactly)."""
    args = _SuggestArgs(**options)
    check_threshold(args.threshold)
    if (args.sites is None) == (not args.cover_all):
        msg = "give --sites K (maximal covering) or --cover-all (set covering), not both"
        raise click.UsageError(msg)
    data = _dataset(ctx)
    facilities = _facilities(data, args.kind, args.real_only)
    kind = args.kind
    pool = (
        load_candidate_sites(args.candidates, kind=kind)
        if args.candidates
        else village_candidates(data.villages, kind=kind)
    )
    times = _travel_times(ctx, args.roads_name, args.mode)
    villages = [v for v in data.villages if args.whole_area or v.in_core_area]
    base = compute_coverage(villages, facilities, times, kind=kind, threshold=args.threshold)
    suggestion = suggest_sites(base, pool, times, sites=None if args.cover_all else args.sites)
    _print_suggestion(suggestion, args)
    out = args.out or Path(f"suggest-{kind}-{len(suggestion.sites)}-sites-{args.threshold:g}min.csv")
    write_text_atomic(out, suggestions_csv(suggestion))
    click.echo(f"wrote {out}")
    if args.map_path is not None:
        chosen = [(s.site, s.newly_covered_population) for s in suggestion.sites]
        save_map(coverage_map(base, MapSettings(tiles=args.tiles), suggestions=chosen), args.map_path)
        click.echo(f"wrote {args.map_path}")
    _warn_if_approximate(times)


def _print_suggestion(suggestion: Suggestion, args: _SuggestArgs) -> None:
    status = "optimal" if suggestion.choice.optimal else "NOT proven optimal (time limit)"
    area = "the whole bounding box" if args.whole_area else "the former Daventry and South Northamptonshire districts"
    click.echo(
        f"Suggested {args.kind} sites within {args.threshold:g} min by {args.mode}, for people in {area}: "
        f"{suggestion.description}, {status}"
    )
    click.echo(
        f"  uncovered before: {suggestion.uncovered_population:,} people; "
        f"newly covered: {suggestion.newly_covered_population:,}"
    )
    for s in suggestion.sites:
        click.echo(f"  {s.rank}. {s.site.name:<30} newly covers {s.newly_covered_population:>7,} people")
    if suggestion.unreachable:
        people = sum(v.population for v in suggestion.unreachable)
        click.echo(
            f"  no candidate reaches {len(suggestion.unreachable)} villages ({people:,} people) "
            f"within {args.threshold:g} min"
        )


# --- the web site and staff accounts -------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the web site with waitress (a production WSGI server)."""
    from ..web import create_app

    app = create_app(_settings(ctx))
    resources = app.extensions["outreach"]
    _ = resources.data, resources.network  # load before the first visitor, and fail early on bad data
    import socket

    from waitress.server import create_server

    with socket.socket() as probe:  # waitress leaves its socket open when it cannot bind: ask first
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            msg = f"cannot serve on {host} port {port}: {exc.strerror or exc}; is another server using it? (--port)"
            raise OutreachError(msg) from None
    server = create_server(app, host=host, port=port, threads=threads, ident="outreach-map")
    click.echo(f"outreach-map: serving http://{host}:{port}/ (Ctrl+C to stop)")
    server.run()


# --- route plans ---------------------------------------------------------------------------------------------------


def _check_writable(out: Path) -> None:
    """Refuse an --out that cannot be written before any work is done (the first existing folder above it)."""
    import os

    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        msg = f"--out {out}: {parent} is not a folder this command can write to"
        raise OutreachError(msg)


@main.command("plan")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Plan request (TOML), e.g. routes/example-2-vans.toml.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="Folder routes/ID.")
@click.option("--time-limit", type=click.FloatRange(1, 3600), default=60.0, show_default=True, help="Seconds.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--lock-from", type=click.Path(path_type=Path, file_okay=False),
              help="A published plan whose entries keep their weekday, weeks and time.")  # fmt: skip
@click.option("--stops", "stops_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Stops of any area (CSV: id,name,lat,lon,duration_min,frequency_weeks,...) instead of villages.")  # fmt: skip
@ROADS_OPTION
@click.pass_context
def plan_cmd(
    ctx: click.Context, config_path: Path, out: Path, time_limit: float, seed: int, lock_from: Path | None,
    stops_file: Path | None, roads_name: str | None,
) -> None:  # fmt: skip
    """Plan a cyclic mobile library / outreach timetable and publish it to --out."""
    from ..exports import publish_timetable
    from ..planner.problem import ProxyModel
    from ..published import TIMETABLE_FILE, load_timetable
    from ..timetabling import SearchOptions, depot_choices, load_request, make_timetable

    settings = _settings(ctx)
    _check_writable(out)
    data = _dataset(ctx)
    proxy = ProxyModel(settings.roads.proxy_detour, settings.roads.proxy_speed_kmh)
    request = load_request(
        config_path, depots=depot_choices(data), defaults=settings.planner, proxy=proxy, stops_file=stops_file
    )
    times = None if request.travel == "proxy" else _travel_times(ctx, roads_name or request.roads, "drive")
    locked_dir = lock_from or (Path(request.lock_from) if request.lock_from else None)
    locked = load_timetable(locked_dir / TIMETABLE_FILE) if locked_dir else None
    bars = _ProgressBars(time_limit)
    try:
        made = make_timetable(
            request, data, times, locked=locked, plan_id=out.name, search=SearchOptions(time_limit, seed),
            progress=bars.progress, on_attempt=bars.attempt,
        )  # fmt: skip
    finally:
        bars.close()
    folder = publish_timetable(made.timetable, out.parent, directory=data.directory)
    _print_made(made)
    click.echo(f"published {folder}")
    if times is not None:
        _warn_if_approximate(times)
    else:
        click.echo(f"note: times are APPROXIMATE ({proxy.source}).", err=True)


class _ProgressBars:
    """A progress bar on stderr for each attempt of the planner (seconds of the time limit)."""

    def __init__(self, time_limit: float) -> None:
        self.length = int(time_limit)
        self.bar: Any = None
        self.done = 0

    def attempt(self, attempt: Attempt) -> None:
        self.close()
        if attempt.relaxed_from is not None:
            lock, lost = attempt.relaxed_from
            click.echo(f"  locking '{lock}' leaves {lost} previously served stop(s) unserved; relaxing", err=True)
        p = attempt.problem
        locks = f"; published entries locked: {attempt.lock}" if attempt.lock != "none" or attempt.relaxed_from else ""
        click.echo(
            f"{len(p.stops)} stops ({sum(s.population for s in p.stops):,} people), {len(p.vans)} vans, "
            f"{p.cycle_weeks}-week cycle from {p.start_date}{locks}"
        )
        self.bar = click.progressbar(length=self.length, label="planning", file=sys.stderr)
        self.bar.__enter__()
        self.done = 0

    def progress(self, report: Progress) -> None:
        step = min(int(report.elapsed), self.length) - self.done
        if step > 0 and self.bar is not None:
            self.bar.update(step)
            self.done += step

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.length - self.done)
            self.bar.__exit__(None, None, None)
            self.bar = None


def _print_made(made: MadeTimetable) -> None:
    """The summary of a planned timetable: stops served, van time and driving, outreach, changes."""
    solution, problem, outreach = made.solution, made.problem, made.timetable.outreach
    click.echo(solution.summary())
    shift = sum(v.available_minutes + v.break_minutes for v in problem.vans) / len(problem.vans)
    days = len(solution.runs)
    click.echo(
        f"van-days {days}, van-hours {solution.van_minutes / 60:.1f}, driving {solution.drive_min / 60:.1f} h "
        f"({100 * solution.drive_min / max(days * shift, 1):.0f}% of the shifts), {solution.distance_km:.0f} km per cycle"
    )
    service = made.timetable.extra.get("service", {})
    click.echo(
        f"objective {made.objective}: {service.get('visits', 0)} visits and {service.get('people_visits', 0):,} "
        f"people-visits per cycle, {service.get('van_days_used', days)} of {problem.van_days} van-days used"
    )
    if outreach is not None:
        click.echo(
            f"outreach: {outreach.worker} rides {len(outreach.runs)} runs, reaching {outreach.population_far_reached:,} "
            f"people more than {outreach.far_minutes:g} min from a {outreach.kind} service"
        )
    if made.repaired:
        click.echo("published entries locked: time; the published runs repaired (only the changed stops changed)")
    if made.changes is not None:
        click.echo(f"changes from {made.compared_with}: {len(made.changes)}")
        for line in made.changes:
            click.echo(f"  {line}")
    for note in made.lock_notes:
        click.echo(f"not kept: {note}")


@main.command("check-plan")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@ROADS_OPTION
@click.pass_context
def check_plan_cmd(ctx: click.Context, folder: Path, roads_name: str | None) -> None:
    """Re-check every constraint of a published plan, independently of the solver (exit 1 on violations)."""
    from ..published import TIMETABLE_FILE, check_timetable, load_timetable

    plan = load_timetable(folder / TIMETABLE_FILE)
    times = None if plan.network.proxy else _travel_times(ctx, roads_name, "drive")
    problems = check_timetable(plan, times)
    if problems:
        click.echo(f"{folder}: {len(problems)} violation(s)")
        for line in problems:
            click.echo(f"  - {line}")
        ctx.exit(1)
    wishes = [s for s in plan.served_stops if s.preferred_weekday is not None and s.entry is not None]
    if wishes:
        kept = sum(1 for s in wishes if s.entry is not None and s.entry.weekday == s.preferred_weekday)
        click.echo(f"preferred weekdays kept: {kept} of {len(wishes)} (a wish, not a constraint)")
    click.echo(f"{folder}: plan OK ({len(plan.runs)} runs, {len(plan.stops)} stops, every constraint holds)")


from .ops import register as _register_ops_commands  # noqa: E402 - the groups need main
from .staff import register as _register_staff_commands  # noqa: E402 - the staff groups need main

_register_staff_commands(main)
_register_ops_commands(main)
