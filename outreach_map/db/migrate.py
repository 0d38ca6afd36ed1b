"""Schema migrations with Alembic: ``outreach-map db upgrade`` and the automatic upgrade on first use.

The migration scripts live in ``outreach_map/db/migrations``. A database made
before migrations existed (a ``users`` table and nothing else) is recognised
and stamped at the first revision before upgrading, so no account is lost.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import DatabaseError
from .engine import describe_url

__all__ = ["FIRST_REVISION", "current_revision", "head_revision", "upgrade"]

#: The revision that matches the schema of databases made before migrations (staff accounts only).
FIRST_REVISION = "0001"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("outreach_map") / "db" / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision of the migration scripts."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty or pre-migration database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring the database to ``revision`` (the newest by default) and return the revision it is at.

    Raises
    ------
    DatabaseError
        When the database cannot be reached or a migration fails (nothing is half-applied on PostgreSQL,
        where DDL is transactional).
    """
    try:
        with engine.begin() as connection:
            tables = set(inspect(connection).get_table_names())
            context = MigrationContext.configure(connection)
            if context.get_current_revision() is None and "users" in tables and "services" not in tables:
                command.stamp(_config(connection), FIRST_REVISION)
            command.upgrade(_config(connection), revision)
            return MigrationContext.configure(connection).get_current_revision() or ""
    except SQLAlchemyError as exc:
        msg = f"cannot upgrade the database {describe_url(engine.url)}: {exc.__class__.__name__}: {exc.args[0]}"
        raise DatabaseError(msg) from None
