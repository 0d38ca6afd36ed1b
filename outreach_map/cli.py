"""The ``outreach-map`` command line.

Every user mistake (bad data file, unknown village, bad option) ends with a
one-line message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .config import DATA_DIR_ENV, Settings, load_settings
from .dataset import SOURCES, Dataset, load_dataset
from .errors import OutreachError
from .places import CORE_DISTRICTS

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
    settings: Settings = ctx.find_object(Settings)  # type: ignore[assignment]
    return load_dataset(settings.data_dir)


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
