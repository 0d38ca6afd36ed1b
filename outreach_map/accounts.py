"""Staff accounts: users with hashed passwords, roles and memberships of partner organisations.

The embedded default database is SQLite (``instance/outreach.db``); any
SQLAlchemy URL works (``OUTREACH_DATABASE_URL``, e.g. PostgreSQL). Passwords
are stored as salted hashes (werkzeug's scrypt), never in clear. A user is a
member (``editor`` or ``admin``) of the organisations whose entries they keep;
a user with the role ``admin`` administers the lead agency's side: every
organisation, user and approval.
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .db.engine import database_url, open_engine, session_scope
from .db.migrate import upgrade
from .db.models import Membership, Organization, User
from .errors import AccountError

__all__ = [
    "MEMBERSHIP_ROLES",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "Member",
    "User",
    "add_membership",
    "add_user",
    "authenticate",
    "database_url",
    "get_user",
    "list_users",
    "make_engine",
    "remove_membership",
    "session_scope",
]

#: Roles and what they may do: planners see coverage, schedulers plan rounds,
#: editors keep their agency's entries current, admins do everything.
ROLES = ("planner", "scheduler", "editor", "admin")
#: What a member does for an organisation.
MEMBERSHIP_ROLES = ("editor", "admin")
MIN_PASSWORD_LENGTH = 10
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")


def make_engine(url: str) -> Engine:
    """An engine on a database migrated to the newest schema."""
    engine = open_engine(url)
    upgrade(engine)
    return engine


def add_user(engine: Engine, name: str, role: str, password: str, *, email: str | None = None) -> User:
    """Create a user, or replace the role, password (and email) of an existing one; the account is active.

    Raises
    ------
    AccountError
        For a bad name, an unknown role, a short password or a malformed email.
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
    if email is not None and not _EMAIL_RE.match(email):
        msg = f"'{email}' is not an email address"
        raise AccountError(msg)
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            user = User(name=name, role=role, password_hash=generate_password_hash(password), email=email)
            session.add(user)
        else:
            user.role = role
            user.password_hash = generate_password_hash(password)
            user.email = email or user.email
            user.active, user.deactivated_at = True, None
        session.flush()
        return user


def _organization(session: Session, text: str) -> Organization:
    found = session.get(Organization, text) or session.scalar(select(Organization).where(Organization.name == text))
    if found is None:
        msg = f"no organisation with the id or name '{text}'"
        raise AccountError(msg)
    return found


def add_membership(engine: Engine, user_name: str, organization: str, role: str = "editor") -> str:
    """Make a user an editor or admin of an organisation (by id or exact name); returns the organisation's id.

    Raises
    ------
    AccountError
        For an unknown user or organisation or an unknown membership role.
    """
    if role not in MEMBERSHIP_ROLES:
        msg = f"unknown membership role '{role}'; expected one of {', '.join(MEMBERSHIP_ROLES)}"
        raise AccountError(msg)
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.name == user_name))
        if user is None:
            msg = f"no user called '{user_name}'"
            raise AccountError(msg)
        org = _organization(session, organization)
        member = session.scalar(
            select(Membership).where(Membership.user_id == user.id, Membership.organization_id == org.id)
        )
        if member is None:
            session.add(Membership(user_id=user.id, organization_id=org.id, role=role))
        else:
            member.role = role
        return org.id


def remove_membership(engine: Engine, user_name: str, organization: str) -> None:
    """End a user's membership of an organisation (nothing happens if there was none)."""
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.name == user_name))
        if user is None:
            msg = f"no user called '{user_name}'"
            raise AccountError(msg)
        org = _organization(session, organization)
        for member in session.scalars(
            select(Membership).where(Membership.user_id == user.id, Membership.organization_id == org.id)
        ):
            session.delete(member)


@dataclass(frozen=True, slots=True)
class Member:
    """A user as the account lists show it."""

    name: str
    role: str
    email: str | None
    active: bool
    created: datetime
    organizations: tuple[tuple[str, str, str], ...]  # (id, name, membership role)


def list_users(engine: Engine) -> list[Member]:
    """Every account, with its organisations."""
    with session_scope(engine) as session:
        orgs = {o.id: o.name for o in session.scalars(select(Organization))}
        out = []
        for user in session.scalars(select(User).order_by(User.name)):
            members = session.scalars(select(Membership).where(Membership.user_id == user.id))
            memberships = tuple(sorted((m.organization_id, orgs.get(m.organization_id, "?"), m.role) for m in members))
            out.append(Member(user.name, user.role, user.email, user.active, user.created, memberships))
        return out


@functools.cache
def _dummy_hash() -> str:
    """A hash checked for unknown names, so a wrong name costs as long as a wrong password."""
    return generate_password_hash(secrets.token_hex(16))


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The active user if the password matches, else ``None`` (same answer and similar time for unknown names)."""
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            check_password_hash(_dummy_hash(), password)  # the same work as for a real name: no timing clue
            return None
        if not check_password_hash(user.password_hash, password) or not user.active:
            return None
        return user


def get_user(engine: Engine, user_id: int) -> User | None:
    """The active user with this id (a deactivated account is logged out)."""
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        return user if user is not None and user.active else None
