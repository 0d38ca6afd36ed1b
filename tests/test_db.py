"""The database layer: migrations to the models' schema, legacy databases, private files, clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from werkzeug.security import generate_password_hash

from outreach_map.accounts import authenticate
from outreach_map.db.engine import database_url, describe_url, open_engine
from outreach_map.db.migrate import current_revision, head_revision, upgrade
from outreach_map.db.models import Base
from outreach_map.errors import DatabaseError


def test_migrations_build_exactly_the_models_schema(empty_db_url: str) -> None:
    engine = open_engine(empty_db_url)
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert {"services", "versions", "memberships", "stewards", "feedback"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrade_twice_changes_nothing(empty_db_url: str) -> None:
    engine = open_engine(empty_db_url)
    upgrade(engine)
    before = sorted(inspect(engine).get_table_names())
    assert upgrade(engine) == head_revision()
    assert sorted(inspect(engine).get_table_names()) == before
    engine.dispose()


def test_a_database_made_before_migrations_keeps_its_accounts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    legacy = create_engine(url)
    with legacy.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, role VARCHAR(16) NOT NULL, "
                "password_hash VARCHAR(256) NOT NULL, created DATETIME NOT NULL)"
            )
        )
        connection.execute(text("CREATE UNIQUE INDEX ix_users_name ON users (name)"))
        connection.execute(
            text("INSERT INTO users (name, role, password_hash, created) VALUES ('olduser', 'planner', :h, :c)"),
            {"h": generate_password_hash("correct horse battery"), "c": "2026-01-05 10:00:00"},
        )
    legacy.dispose()
    engine = open_engine(url)
    assert upgrade(engine) == head_revision()
    user = authenticate(engine, "olduser", "correct horse battery")
    assert user is not None and user.active
    engine.dispose()


def test_sqlite_file_is_private_and_enforces_links(tmp_path: Path) -> None:
    url = database_url(tmp_path / "instance")
    engine = open_engine(url)
    upgrade(engine)
    path = tmp_path / "instance" / "outreach.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) == 0o700
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_bad_urls_are_clear_and_hide_passwords() -> None:
    with pytest.raises(DatabaseError) as info:
        open_engine("notadatabase://user:secret@host/db")
    assert "secret" not in str(info.value)
    assert "cannot open the database" in str(info.value)
    assert "secret" not in describe_url("postgresql://user:secret@host/db")
    engine = open_engine("postgresql://user:secret@127.0.0.1:1/nowhere")
    with pytest.raises(DatabaseError) as info:
        upgrade(engine)
    assert "secret" not in str(info.value)
