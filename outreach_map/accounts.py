"""Staff accounts: users with hashed passwords and roles, stored with SQLAlchemy.

The embedded default is SQLite (``instance/outreach.db``); any SQLAlchemy URL
works (``OUTREACH_DATABASE_URL``, e.g. PostgreSQL). Passwords are stored as
salted hashes (werkzeug's scrypt/pbkdf2), never in clear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, String, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import AccountError

__all__ = [
    "ROLES",
    "Base",
    "User",
    "add_user",
    "authenticate",
    "database_url",
    "get_user",
    "make_engine",
    "session_scope",
]

#: Roles and what they may do: planners see coverage, schedulers plan rounds,
#: editors keep their agency's entries current, admins do everything.
ROLES = ("planner", "scheduler", "editor", "admin")
MIN_PASSWORD_LENGTH = 10
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")


class Base(DeclarativeBase):
    pass


class User(Base):
    """A member of staff."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))

    def may(self, role: str) -> bool:
        """Whether this user may act in ``role`` (admins may act in every role)."""
        return self.role in (role, "admin")


def database_url(instance_dir: Path, configured: str | None = None) -> str:
    """The configured URL, else SQLite in the instance folder."""
    if configured:
        return configured
    instance_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_dir / 'outreach.db'}"


def make_engine(url: str) -> Engine:
    """An engine with the tables created."""
    try:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
    except SQLAlchemyError as exc:
        msg = f"cannot open the database {url.split('@')[-1]}: {exc.__class__.__name__}"
        raise AccountError(msg) from None
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def add_user(engine: Engine, name: str, role: str, password: str) -> User:
    """Create a user, or replace the role and password of an existing one.

    Raises
    ------
    AccountError
        For a bad name, an unknown role or a short password.
    """
    if not _NAME_RE.match(name):
        msg = f"user name '{name}': expected 2-64 letters, digits, dots, dashes, underscores or @"
        raise AccountError(msg)
    if role not in ROLES:
        msg = f"unknown role '{role}'; expected one of {', '.join(ROLES)}"
        raise AccountError(msg)
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"the password is too short; expected at least {MIN_PASSWORD_LENGTH} characters"
        raise AccountError(msg)
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            user = User(name=name, role=role, password_hash=generate_password_hash(password))
            session.add(user)
        else:
            user.role = role
            user.password_hash = generate_password_hash(password)
        session.flush()
        return user


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user if the password matches, else ``None`` (same answer for unknown names)."""
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            check_password_hash(generate_password_hash("timing"), password)  # similar time either way
            return None
        return user if check_password_hash(user.password_hash, password) else None


def get_user(engine: Engine, user_id: int) -> User | None:
    with session_scope(engine) as session:
        return session.get(User, user_id)
