"""Opening the database: engines, sessions, SQLite settings and file permissions.

SQLite in the instance folder is the embedded default; any SQLAlchemy URL
(PostgreSQL through psycopg) is used as given. Every engine is opened here so
that SQLite always enforces foreign keys, uses write-ahead logging (the site
and the job worker write at the same time) and keeps its file private (0600).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..errors import DatabaseError

__all__ = ["database_url", "describe_url", "open_engine", "session_scope"]


def database_url(instance_dir: Path, configured: str | None = None) -> str:
    """The configured URL, else SQLite at ``instance_dir/outreach.db`` (the folder is created, mode 0700)."""
    if configured:
        return configured
    instance_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        instance_dir.chmod(0o700)
    return f"sqlite:///{instance_dir / 'outreach.db'}"


def describe_url(url: str | URL) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unreadable database URL)"


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _private(path: Path) -> None:
    """Create the SQLite file (and its WAL companions) readable by the owner only."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            candidate.chmod(0o600)


def open_engine(url: str) -> Engine:
    """An engine for ``url`` (no tables are created: see :func:`outreach_map.db.migrate.upgrade`).

    Raises
    ------
    DatabaseError
        For a URL SQLAlchemy cannot use (the password is never shown).
    """
    try:
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("psycopg2", ""):
            parsed = parsed.set(drivername="postgresql+psycopg")
        sqlite_file = _sqlite_file(parsed)
        if sqlite_file is not None:
            _private(sqlite_file)
            kwargs["connect_args"] = {"timeout": 30}
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, SQLAlchemyError, ImportError, OSError) as exc:
        msg = f"cannot open the database {describe_url(url)}: {exc.__class__.__name__}"
        raise DatabaseError(msg) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
