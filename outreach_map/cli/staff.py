"""Command-line groups for the partnership's staff side: ``db``, ``directory``, ``users``, ``referrals``, ``report``.

Registered on the main ``outreach-map`` group by :func:`register`, so every
user mistake ends, as for the other commands, with one line and exit status 2.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from ..accounts import (
    MEMBERSHIP_ROLES,
    ROLES,
    add_membership,
    add_user,
    list_users,
    remove_membership,
    remove_user,
    unlock,
)
from ..config import PROJECT_ROOT, Settings
from ..dataset import load_dataset
from ..db.engine import database_url, describe_url, open_engine, session_scope
from ..db.migrate import current_revision, head_revision, upgrade
from ..directory.editing import Actor
from ..directory.interchange import import_services, read_import_file, write_export
from ..directory.review import review_report
from ..directory.stewards import deactivate_user
from ..directory.store import open_store
from ..errors import ReportError
from ..published import list_timetables
from ..referrals.retention import purge_expired
from ..report import build_report, parse_period, write_report
from ..roads import load_roads
from ..traveltime import TravelTimes

__all__ = ["register"]


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None  # set by the main group
    return settings


def _url(ctx: click.Context) -> str:
    settings = _settings(ctx)
    return database_url(settings.instance_dir, settings.web.database_url)


def _operator(command: str) -> Actor:
    """The operator at the server's command line: trusted with every entry, named in versions and the audit log."""
    return Actor.system_actor(f"cli:{command}")


# --- db ---------------------------------------------------------------------------------------------------------


@click.group()
def db() -> None:
    """The database (SQLite in instance/, or OUTREACH_DATABASE_URL)."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Migrate the database to the newest schema (Alembic)."""
    url = _url(ctx)
    engine = open_engine(url)
    before = current_revision(engine)
    after = upgrade(engine)
    click.echo(f"database {describe_url(url)}: {before or 'empty'} -> {after} (newest {head_revision()})")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Print the schema revision of the database."""
    click.echo(current_revision(open_engine(_url(ctx))) or "empty (run `outreach-map db upgrade`)")


# --- directory --------------------------------------------------------------------------------------------------


@click.group()
def directory() -> None:
    """The shared directory: Open Referral UK export and import, the review report."""


@directory.command("export")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def directory_export(ctx: click.Context, out: Path) -> None:
    """Write every service, fully nested, as Open Referral UK 3.0 JSON (no confidential location)."""
    store = open_store(_settings(ctx))
    with session_scope(store.engine) as session:
        count = write_export(session, out)
    click.echo(f"{count} services written to {out} (Open Referral UK 3.0; validated)")


@directory.command("import")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--organization", "organization_id", default=None, metavar="ID",
              help="Import every service as this organisation's (which must exist).")  # fmt: skip
@click.pass_context
def directory_import(ctx: click.Context, source: Path, organization_id: str | None) -> None:
    """Import Open Referral UK 3.0 services: all or nothing, matched by id (importing twice changes nothing)."""
    documents = read_import_file(source)
    store = open_store(_settings(ctx))
    with session_scope(store.engine) as session:
        result = import_services(
            session, _operator("import"), documents, source=str(source), organization_id=organization_id
        )
    click.echo(f"{source}: {result.summary()}")


@directory.command("review-report")
@click.option("--all", "include_all", is_flag=True, help="List every organisation, not only the partner agencies.")
@click.pass_context
def directory_review_report(ctx: click.Context, include_all: bool) -> None:
    """Entries overdue for review, lost contacts and open handovers, by organisation."""
    store = open_store(_settings(ctx))
    with session_scope(store.engine) as session:
        report = review_report(session, today=datetime.now(UTC).date(), include_all=include_all)
    for line in report.lines():
        click.echo(line)


# --- users ------------------------------------------------------------------------------------------------------


@click.group()
def users() -> None:
    """Staff accounts and their organisations."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--email", default=None, help="Where the site may write to this person.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, email: str | None, password_stdin: bool) -> None:
    """Add a staff user (or reset their role and password, and reactivate them)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = open_store(_settings(ctx))
    add_user(store.engine, name, role, password, email=email, by="cli:users add")
    click.echo(f"user {name} ({role}) saved")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """Every account, its role, organisations and whether it is active."""
    store = open_store(_settings(ctx))
    for member in list_users(store.engine):
        orgs = "; ".join(f"{name} ({role})" for _, name, role in member.organizations) or "no organisation"
        state = "active" if member.active else "deactivated"
        click.echo(f"{member.name}\t{member.role}\t{state}\t{orgs}")


@users.command("member")
@click.argument("name")
@click.argument("organization")
@click.option("--role", type=click.Choice(MEMBERSHIP_ROLES), default="editor", show_default=True)
@click.pass_context
def users_member(ctx: click.Context, name: str, organization: str, role: str) -> None:
    """Make NAME an editor (or admin) of ORGANIZATION (its id or exact name)."""
    store = open_store(_settings(ctx))
    org_id = add_membership(store.engine, name, organization, role, by="cli:users member")
    click.echo(f"{name} is {role} of {organization} ({org_id})")


@users.command("unmember")
@click.argument("name")
@click.argument("organization")
@click.pass_context
def users_unmember(ctx: click.Context, name: str, organization: str) -> None:
    """End NAME's membership of ORGANIZATION."""
    remove_membership(open_store(_settings(ctx)).engine, name, organization, by="cli:users unmember")
    click.echo(f"{name} is no longer a member of {organization}")


def _deactivate(ctx: click.Context, name: str, command: str) -> None:
    store = open_store(_settings(ctx))
    with session_scope(store.engine) as session:
        handovers = deactivate_user(session, _operator(command), name)
        for h in handovers:
            what = {"deputy-promoted": f"the deputy ({h.new_lead}) is now the lead",
                    "deputy-vacated": "no deputy now", "no-contact": "NOBODY is the contact now"}[h.outcome]  # fmt: skip
            click.echo(f"  service {h.service_id}: {what}")
    click.echo(f"user {name} deactivated; {len(handovers)} service contact(s) handed over (see /directory/handovers)")


@users.command("deactivate")
@click.argument("name")
@click.pass_context
def users_deactivate(ctx: click.Context, name: str) -> None:
    """Deactivate an account (someone left): their services pass to the deputies."""
    _deactivate(ctx, name, "deactivate")


@users.command("remove")
@click.argument("name")
@click.pass_context
def users_remove(ctx: click.Context, name: str) -> None:
    """Deactivate an account, hand its services over, then delete it (versions keep the name)."""
    _deactivate(ctx, name, "remove")
    remove_user(open_store(_settings(ctx)).engine, name, by="cli:users remove")
    click.echo(f"user {name} removed")


@users.command("unlock")
@click.argument("name")
@click.pass_context
def users_unlock(ctx: click.Context, name: str) -> None:
    """Lift the lock that failed logins put on NAME (a password reset with `users add` lifts it too)."""
    if unlock(open_store(_settings(ctx)).engine, name, by="cli:users unlock"):
        click.echo(f"user name {name} unlocked")
    else:
        click.echo(f"user name {name} had no failed logins")


# --- referrals and the report ----------------------------------------------------------------------------------


@click.group()
def referrals() -> None:
    """Referrals between partner agencies."""


@referrals.command("purge")
@click.pass_context
def referrals_purge(ctx: click.Context) -> None:
    """Delete client details of referrals that ended longer ago than the retention period; keep anonymous counts."""
    settings = _settings(ctx)
    store = open_store(settings)
    with session_scope(store.engine) as session:
        result = purge_expired(session, months=settings.referrals.retention_months)
    click.echo(
        f"{result.purged} referral(s) purged (ended over {settings.referrals.retention_months} months ago); "
        f"{result.kept} ended referral(s) kept"
    )


@click.command("report")
@click.option("--from", "start", required=True, metavar="YYYY-MM", help="First month.")
@click.option("--to", "end", required=True, metavar="YYYY-MM", help="Last month.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="HTML file to write.")
@click.pass_context
def report(ctx: click.Context, start: str, end: str, out: Path) -> None:
    """The partnership report for whole months: HTML (printable) and one CSV per table beside it."""
    settings = _settings(ctx)
    period = parse_period(start, end)
    if out.suffix.lower() not in (".html", ".htm"):
        msg = f"--out {out}: expected a .html file"
        raise ReportError(msg)
    store = open_store(settings)
    data = load_dataset(settings.data_dir, directory=store.directory())
    network = load_roads(settings.data_dir, settings.roads.network)
    times = TravelTimes(network, "drive", cache_dir=settings.cache_dir / network.name,
                        max_snap_m=settings.roads.max_snap_km * 1000)  # fmt: skip
    with session_scope(store.engine) as session:
        built = build_report(session, data, times, list_timetables(settings.routes_dir), period)
    written = write_report(built, out, PROJECT_ROOT / "templates")
    click.echo(f"report for {period.label}: {out} and {len(written) - 1} CSV tables beside it")


def register(main: click.Group) -> None:
    """Add the staff groups and commands to the main command."""
    for command in (db, directory, users, referrals, report):
        main.add_command(command)
