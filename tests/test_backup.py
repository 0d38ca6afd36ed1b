"""Backup and restore of the database (SQLite and PostgreSQL) and routes/: a round trip, and damaged archives."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from outreach_map.accounts import add_user, list_users
from outreach_map.cli import main
from outreach_map.config import load_settings
from outreach_map.db.engine import session_scope
from outreach_map.db.models import DirectoryState, Service
from outreach_map.directory.store import open_store
from outreach_map.exports import publish_timetable
from outreach_map.published import Timetable, read_timetables

from .test_published import tiny_plan


def _timetable(plan_id: str, generated: str) -> Timetable:
    plan = copy.deepcopy(tiny_plan()) | {"plan_id": plan_id, "generated": generated}
    return Timetable.from_json(plan, source=Path("test"))


@pytest.fixture
def site(db_url: str, tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An installation: the tiny data, a database with two accounts, routes/ with a plan and a request file."""
    monkeypatch.chdir(tmp_path)
    routes = tmp_path / "routes"
    (tmp_path / "outreach.toml").write_text(f'[data]\nroutes = "{routes}"\n', encoding="utf-8")
    monkeypatch.setenv("OUTREACH_DATA_DIR", str(tiny_data))
    monkeypatch.setenv("OUTREACH_DATABASE_URL", db_url)
    engine = open_store(load_settings()).engine  # migrated and seeded, as on first use
    add_user(engine, "ann", "scheduler", "correct horse battery")
    publish_timetable(_timetable("tiny", "2026-11-01T09:00:00+00:00"), routes)
    (routes / "north.toml").write_text('[plan]\nid = "north"\n', encoding="utf-8")
    yield {"engine": engine, "routes": routes, "url": db_url, "out": tmp_path / "backup.tar.gz"}
    engine.dispose()


def _state(site: dict[str, Any]) -> dict[str, Any]:
    """What a restore must bring back: accounts, services, every file under routes/ (resolved)."""
    routes: Path = site["routes"]
    files = {str(p.relative_to(routes)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(routes.rglob("*")) if p.is_file() and not any(part.startswith(".")
                                                                         for part in p.relative_to(routes).parts)}  # fmt: skip
    with session_scope(site["engine"]) as session:
        services = sorted((s.id, s.name) for s in session.scalars(select(Service)))
    return {"users": sorted(u.name for u in list_users(site["engine"])), "services": services, "routes": files}


def test_backup_and_restore_round_trip(site: dict[str, Any]) -> None:
    before = _state(site)
    result = CliRunner().invoke(main, ["backup", str(site["out"])])
    assert result.exit_code == 0, result.output
    assert "1 published plan(s) (tiny)" in result.output and (site["out"].stat().st_mode & 0o777) == 0o600
    # life goes on: an account, a plan, a republished plan, a renamed service, a changed request
    add_user(site["engine"], "bob", "editor", "another long password")
    publish_timetable(_timetable("extra", "2026-11-02T09:00:00+00:00"), site["routes"])
    publish_timetable(_timetable("tiny", "2026-11-03T09:00:00+00:00"), site["routes"])
    (site["routes"] / "north.toml").write_text('[plan]\nid = "changed"\n', encoding="utf-8")
    with session_scope(site["engine"]) as session:
        session.scalars(select(Service)).first().name = "Renamed"  # type: ignore[union-attr]
        revision = session.get(DirectoryState, 1).revision  # type: ignore[union-attr]
    assert _state(site) != before
    refused = CliRunner().invoke(main, ["restore", str(site["out"])])
    assert refused.exit_code == 2 and "--yes" in refused.output
    result = CliRunner().invoke(main, ["restore", "--yes", str(site["out"])])
    assert result.exit_code == 0, result.output
    assert _state(site) == before
    assert [t.plan_id for t in read_timetables(site["routes"]).timetables] == ["tiny"]
    assert not (site["routes"] / ".extra.versions").exists()  # the withdrawn plan leaves nothing behind
    with session_scope(site["engine"]) as session:
        assert session.get(DirectoryState, 1).revision > revision  # type: ignore[union-attr]  # sites reload


def test_a_damaged_or_foreign_archive_is_refused_and_changes_nothing(site: dict[str, Any], tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["backup", str(site["out"])]).exit_code == 0
    add_user(site["engine"], "bob", "editor", "another long password")
    before = _state(site)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(site["out"].read_bytes()[: site["out"].stat().st_size // 2])
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(site["out"]) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "routes/tiny/plan.json":
                data = data.replace(b"Badby", b"Badbx")
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as target:
        target.add(site["routes"] / "north.toml", arcname="../../etc/north.toml")
    cases = [(cut, "cut short"), (tampered, "'routes/tiny/plan.json' does not match its checksum"),
             (foreign, "is not a name this program writes"), (tmp_path / "none.tar.gz", "file not found")]  # fmt: skip
    for archive, words in cases:
        result = CliRunner().invoke(main, ["restore", "--yes", str(archive)])
        assert result.exit_code == 2 and words in result.output, result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert _state(site) == before
    assert CliRunner().invoke(main, ["backup", str(tmp_path / "x.zip")]).output.startswith("error: ")


def test_a_backup_of_one_kind_of_database_is_not_restored_into_another(site: dict[str, Any], tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["backup", str(site["out"])]).exit_code == 0
    with tarfile.open(site["out"]) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    other = "postgresql" if manifest["database"] == "sqlite" else "sqlite"
    relabelled = tmp_path / "relabelled.tar.gz"
    with tarfile.open(site["out"]) as source, tarfile.open(relabelled, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                data = json.dumps(manifest | {"database": other}).encode()
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    result = CliRunner().invoke(main, ["restore", "--yes", str(relabelled)])
    assert result.exit_code == 2 and "is missing" in result.output


def _rewrite(source: Path, target: Path, change: dict[str, bytes]) -> None:
    """Copy a backup archive with some members replaced, its manifest's checksums made to match."""
    with tarfile.open(source) as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive}  # type: ignore[union-attr]
    members |= change
    manifest = json.loads(members["manifest.json"])
    manifest["sha256"] = {n: hashlib.sha256(d).hexdigest() for n, d in members.items() if n != "manifest.json"}
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(target, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_a_database_that_refuses_the_backup_is_left_as_it_was(site: dict[str, Any], tmp_path: Path) -> None:
    """The database is restored in one transaction: a dump failing at its end changes nothing, routes/ neither."""
    assert CliRunner().invoke(main, ["backup", str(site["out"])]).exit_code == 0
    add_user(site["engine"], "bob", "editor", "another long password")
    publish_timetable(_timetable("extra", "2026-11-02T09:00:00+00:00"), site["routes"])
    before = _state(site)
    with tarfile.open(site["out"]) as archive:
        names = archive.getnames()
    if "database.sql" in names:
        with tarfile.open(site["out"]) as archive:
            dump = archive.extractfile("database.sql").read()  # type: ignore[union-attr]
        change = {"database.sql": dump + b"\nSELECT * FROM no_such_table;\n"}
        words = "no_such_table"
    else:
        change = {"database.sqlite": b"SQLite format 3\x00" + b"\x00" * 200}
        words = "database.sqlite is not a sound SQLite database"
    bad = tmp_path / "bad.tar.gz"
    _rewrite(site["out"], bad, change)
    result = CliRunner().invoke(main, ["restore", "--yes", str(bad)])
    assert result.exit_code == 2 and words in result.output, result.output
    assert _state(site) == before
