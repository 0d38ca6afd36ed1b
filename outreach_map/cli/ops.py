"""Commands that keep an installation running: ``worker``, ``backup`` and ``restore``.

Registered on the main ``outreach-map`` group by :func:`register`, so every
user mistake ends, as for the other commands, with one line and exit status 2.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ..backup import make_backup, restore_backup
from ..config import Settings
from ..errors import BackupError
from ..jobs import open_queue, queue_description
from ..published import repair_published

__all__ = ["register"]


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None  # set by the main group
    return settings


@click.command()
@click.option("--workers", type=click.IntRange(1, 8), default=1, show_default=True,
              help="Jobs run at once (a plan uses a whole core).")  # fmt: skip
@click.pass_context
def worker(ctx: click.Context, workers: int) -> None:
    """Run the queued jobs (plans from /schedule/new) until Ctrl+C; started by `make run` beside the site."""
    settings = _settings(ctx)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)
    queue = open_queue(settings)
    repair_published(settings.routes_dir)
    runner = queue.worker(workers=workers, signals=True)
    requeued = runner.recover()
    click.echo(f"outreach-map worker: jobs from {queue_description(settings)}"
               f"{f'; {len(requeued)} queued job(s) put back on the queue' if requeued else ''} (Ctrl+C to stop)")  # fmt: skip
    runner.consumer.run()


@click.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def backup(ctx: click.Context, out: Path) -> None:
    """Back up the database and the published timetables of routes/ to the archive OUT (.tar.gz)."""
    if not out.name.endswith((".tar.gz", ".tgz")):
        msg = f"{out}: expected a .tar.gz file"
        raise BackupError(msg)
    summary = make_backup(_settings(ctx), out)
    click.echo(f"backed up {summary.describe()}")


@click.command()
@click.argument("source", metavar="IN", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database and routes/ with the backup's.")
@click.pass_context
def restore(ctx: click.Context, source: Path, yes: bool) -> None:
    """Restore the database and routes/ from a backup archive IN (checked in full first)."""
    if not yes:
        if not sys.stdin.isatty():
            msg = "restore replaces the database and the published plans: add --yes to do it without asking"
            raise BackupError(msg)
        click.confirm(f"Replace the database and the published plans with {source}?", abort=True)
    summary = restore_backup(_settings(ctx), source)
    click.echo(f"restored {summary.describe()}")


def register(main: click.Group) -> None:
    """Add the commands to the main command."""
    for command in (worker, backup, restore):
        main.add_command(command)
