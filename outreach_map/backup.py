"""Backups: the database and the published timetables (``routes/``) in one archive, and restoring them.

``outreach-map backup OUT`` writes a gzipped tar archive (mode 0600: it holds
staff password hashes and the encrypted referrals):

- ``manifest.json``: when, which database, its schema revision, the plans,
  and the SHA-256 of every other member;
- ``database.sqlite``: a consistent copy made with SQLite's online backup API
  while the site runs; or ``database.sql``: ``pg_dump`` of a PostgreSQL
  database (plain SQL that drops and recreates every table);
- ``routes/``: the files there (requests) and the live version of every
  published plan, never a hidden folder.

The archive is written beside ``OUT`` and renamed into place. ``restore IN``
checks the whole archive first (manifest, checksums, member names), then
restores the database in one transaction (the backup API into the live
SQLite file; ``psql --single-transaction`` for PostgreSQL), migrates it to
the newest schema, raises the directory's revision so running sites reload,
and publishes each plan atomically as a new version; plans that are not in
the backup are withdrawn. The referral key (``instance/referral.key`` or
``OUTREACH_REFERRAL_KEY``) is never in a backup: keep it apart.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from ._files import remove_folder, replace_folder, visible_folders, write_bytes_atomic
from .config import Settings
from .db.engine import database_url, describe_url, open_engine, session_scope
from .db.migrate import current_revision, head_revision, upgrade
from .db.models import DirectoryState
from .errors import BackupError, PublishError
from .published import TIMETABLE_FILE, check_plan_id

__all__ = ["BACKUP_FORMAT", "BackupSummary", "make_backup", "restore_backup"]

#: The archive layout's version (``manifest.json``'s ``format``).
BACKUP_FORMAT = 1
_MANIFEST = "manifest.json"
_SQLITE_MEMBER, _POSTGRES_MEMBER = "database.sqlite", "database.sql"
_MAX_MEMBER_BYTES = 2 * 1024**3


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a backup holds (or a restore restored): the database's kind and revision, plans, other files."""

    path: Path
    database: str
    revision: str | None
    plans: tuple[str, ...]
    files: tuple[str, ...]

    def describe(self) -> str:
        plans = ", ".join(self.plans) or "none"
        return (f"{self.path}: {self.database} database at revision {self.revision or 'none'}; "
                f"{len(self.plans)} published plan(s) ({plans}); {len(self.files)} other file(s) of routes/")  # fmt: skip


def _kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        msg = f"cannot back up a {backend} database ({describe_url(url)}); expected SQLite or PostgreSQL"
        raise BackupError(msg)
    return backend


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's environment for ``url`` (the password never on a command line)."""
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):  # fmt: skip
        if value is not None:
            env[key] = str(value)
    return env


def _run(command: list[str], url: URL, what: str) -> None:
    try:
        done = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True, check=False, timeout=3600)
    except FileNotFoundError:
        msg = f"{command[0]} not found: install PostgreSQL's client programs (Debian: postgresql-client)"
        raise BackupError(msg) from None
    if done.returncode != 0:
        first = next((line for line in done.stderr.splitlines() if line.strip()), "no message")
        msg = f"{what} {describe_url(url)} failed: {first}"
        raise BackupError(msg)


def _dump_database(url: URL, folder: Path) -> str:
    """The database into ``folder``; the member's name."""
    if _kind(url) == "sqlite":
        source = Path(url.database or "")
        if not source.is_file():
            msg = f"the database {source} does not exist"
            raise BackupError(msg)
        target = folder / _SQLITE_MEMBER
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        src.close()
        dst.close()
        return _SQLITE_MEMBER
    target = folder / _POSTGRES_MEMBER
    command = ["pg_dump", "--format=plain", "--clean", "--if-exists", "--no-owner", "--no-privileges",
               f"--file={target}"]  # fmt: skip
    _run(command, url, "pg_dump of")
    return _POSTGRES_MEMBER


def _routes_members(routes_dir: Path) -> tuple[dict[str, Path], list[str], list[str]]:
    """``routes/...`` archive names of the files to back up, the plans and the other files."""
    members: dict[str, Path] = {}
    plans, files = [], []
    if routes_dir.is_dir():
        for entry in sorted(routes_dir.iterdir()):
            if entry.name.startswith(".") or not entry.is_file():
                continue
            members[f"routes/{entry.name}"] = entry
            files.append(entry.name)
        for folder in visible_folders(routes_dir):
            if not (folder / TIMETABLE_FILE).is_file():
                continue
            plans.append(folder.name)
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    members[f"routes/{folder.name}/{path.name}"] = path
    return members, plans, files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_backup(settings: Settings, out: Path) -> BackupSummary:
    """Write the backup archive ``out`` (see the module's description).

    Raises
    ------
    BackupError
        When the database cannot be copied or ``out`` cannot be written.
    """
    url = make_url(database_url(settings.instance_dir, settings.web.database_url))
    engine = open_engine(url.render_as_string(hide_password=False))
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    with tempfile.TemporaryDirectory(prefix="outreach-backup-") as scratch:
        folder = Path(scratch)
        database = _dump_database(url, folder)
        members, plans, files = _routes_members(settings.routes_dir)
        members = {database: folder / database} | members
        manifest = {
            "format": BACKUP_FORMAT, "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": _kind(url), "revision": revision, "plans": plans, "files": files,
            "sha256": {name: _sha256(path) for name, path in members.items()},
        }  # fmt: skip
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            _add_bytes(archive, _MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))
            for name, path in members.items():
                _add_bytes(archive, name, path.read_bytes())
    try:
        write_bytes_atomic(out, buffer.getvalue(), mode=0o600)
    except OSError as exc:
        msg = f"{out}: cannot be written ({exc.strerror or exc.__class__.__name__})"
        raise BackupError(msg) from None
    return BackupSummary(out, _kind(url), revision, tuple(plans), tuple(files))


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


# --- restore -----------------------------------------------------------------------------------------------------


def _safe_name(name: str, source: Path) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") or part.startswith(".") for part in path.parts):
        msg = f"{source}: member {name!r} is not a name this program writes; not a backup of outreach-map"
        raise BackupError(msg)
    return name


def _read_archive(source: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every member, checked (names, sizes, checksums)."""
    contents: dict[str, bytes] = {}
    try:
        with tarfile.open(source, mode="r:gz") as archive:
            for member in archive:
                name = _safe_name(member.name, source)
                if not member.isfile() or member.size > _MAX_MEMBER_BYTES:
                    msg = f"{source}: member {name!r} is not a regular file of a backup"
                    raise BackupError(msg)
                handle = archive.extractfile(member)
                assert handle is not None
                contents[name] = handle.read()
    except FileNotFoundError:
        msg = f"{source}: file not found"
        raise BackupError(msg) from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        msg = f"{source}: not a backup archive, or damaged or cut short ({exc.__class__.__name__})"
        raise BackupError(msg) from None
    return _check_manifest(source, contents), contents


def _check_manifest(source: Path, contents: Mapping[str, bytes]) -> dict[str, Any]:
    try:
        manifest = json.loads(contents[_MANIFEST])
        sums = dict(manifest["sha256"])
        assert manifest["format"] == BACKUP_FORMAT and manifest["database"] in ("sqlite", "postgresql")
    except (KeyError, ValueError, TypeError, AssertionError):
        msg = f"{source}: no readable manifest.json of backup format {BACKUP_FORMAT}"
        raise BackupError(msg) from None
    missing = sorted(set(sums) - set(contents))
    extra = sorted(set(contents) - set(sums) - {_MANIFEST})
    if missing or extra:
        msg = f"{source}: member {(missing or extra)[0]!r} {'is missing' if missing else 'is unknown'}"
        raise BackupError(msg)
    for name, expected in sums.items():
        if hashlib.sha256(contents[name]).hexdigest() != expected:
            msg = f"{source}: member {name!r} does not match its checksum (the archive is damaged)"
            raise BackupError(msg)
    database = _SQLITE_MEMBER if manifest["database"] == "sqlite" else _POSTGRES_MEMBER
    if database not in contents:
        msg = f"{source}: member {database!r} is missing"
        raise BackupError(msg)
    for name in contents:
        parts = PurePosixPath(name).parts
        if name not in (_MANIFEST, database) and not (parts[0] == "routes" and len(parts) in (2, 3)):
            msg = f"{source}: member {name!r} is not part of a backup"
            raise BackupError(msg)
        if len(parts) == 3:
            try:
                check_plan_id(parts[1])
            except PublishError as exc:
                msg = f"{source}: member {name!r}: {exc}"
                raise BackupError(msg) from None
    return dict(manifest)


@contextmanager
def _scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="outreach-restore-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _restore_sqlite(url: URL, data: bytes, source: Path) -> None:
    target = Path(url.database or "")
    with _scratch() as folder:
        copy = folder / _SQLITE_MEMBER
        copy.write_bytes(data)
        try:
            with sqlite3.connect(copy) as check:
                ok = check.execute("PRAGMA integrity_check").fetchone()
            check.close()
        except sqlite3.DatabaseError:
            ok = None
        if not ok or ok[0] != "ok":
            msg = f"{source}: {_SQLITE_MEMBER} is not a sound SQLite database"
            raise BackupError(msg)
        engine = open_engine(url.render_as_string(hide_password=False))  # creates the file, private, with WAL
        engine.dispose()
        with sqlite3.connect(copy) as src, sqlite3.connect(target, timeout=30) as dst:
            src.backup(dst)  # one step: other connections see the old database or the restored one
        src.close()
        dst.close()


def _restore_postgres(url: URL, data: bytes) -> None:
    with _scratch() as folder:
        dump = folder / _POSTGRES_MEMBER
        dump.write_bytes(data)
        _run(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1", f"--file={dump}"],
             url, "restoring")  # fmt: skip


def _restore_database(settings: Settings, manifest: Mapping[str, Any], contents: Mapping[str, bytes],
                      source: Path) -> str | None:  # fmt: skip
    url = make_url(database_url(settings.instance_dir, settings.web.database_url))
    kind = _kind(url)
    if manifest["database"] != kind:
        msg = (f"{source}: a backup of a {manifest['database']} database cannot be restored into "
               f"{describe_url(url)} ({kind})")  # fmt: skip
        raise BackupError(msg)
    engine = open_engine(url.render_as_string(hide_password=False))
    try:
        with session_scope(engine) as session:
            state = session.get(DirectoryState, 1) if current_revision(engine) else None
            before = state.revision if state is not None else 0
    except SQLAlchemyError as exc:
        msg = f"cannot reach the database {describe_url(url)}: {exc.__class__.__name__}"
        raise BackupError(msg) from None
    finally:
        engine.dispose()
    if kind == "sqlite":
        _restore_sqlite(url, contents[_SQLITE_MEMBER], source)
    else:
        _restore_postgres(url, contents[_POSTGRES_MEMBER])
    engine = open_engine(url.render_as_string(hide_password=False))
    try:
        revision = upgrade(engine)  # a backup from an older version is brought to this one's schema
        with session_scope(engine) as session:  # running sites see a new revision and reload the directory
            restored = session.get(DirectoryState, 1)
            if restored is not None:
                session.execute(update(DirectoryState).where(DirectoryState.id == 1)
                                .values(revision=max(before, restored.revision) + 1))  # fmt: skip
    finally:
        engine.dispose()
    return revision


def _restore_routes(routes_dir: Path, contents: Mapping[str, bytes]) -> None:
    plans: dict[str, dict[str, bytes]] = {}
    for name, data in contents.items():
        parts = PurePosixPath(name).parts
        if parts[0] != "routes":
            continue
        if len(parts) == 2:
            write_bytes_atomic(routes_dir / parts[1], data)
        elif len(parts) == 3:
            plans.setdefault(parts[1], {})[parts[2]] = data
    for plan_id, files in sorted(plans.items()):
        with replace_folder(routes_dir / plan_id) as tmp:
            for filename, data in files.items():
                (tmp / filename).write_bytes(data)
    for folder in visible_folders(routes_dir):
        if (folder / TIMETABLE_FILE).exists() and folder.name not in plans:
            remove_folder(folder)


def restore_backup(settings: Settings, source: Path) -> BackupSummary:
    """Restore the database and ``routes/`` from a backup archive (checked in full before anything changes).

    Raises
    ------
    BackupError
        For a missing, damaged or foreign archive, a backup of another kind of
        database, or a database that refuses it (then nothing else is restored).
    """
    manifest, contents = _read_archive(source)
    revision = _restore_database(settings, manifest, contents, source)
    _restore_routes(settings.routes_dir, contents)
    if revision is not None and revision != head_revision():  # pragma: no cover - upgrade() reaches the head
        msg = f"{source}: the database is at revision {revision}, not {head_revision()}"
        raise BackupError(msg)
    return BackupSummary(source, manifest["database"], manifest.get("revision"), tuple(manifest.get("plans", ())),
                         tuple(manifest.get("files", ())))  # fmt: skip
