"""Staff accounts: users with hashed passwords, roles and memberships of partner organisations; logins.

The embedded default database is SQLite (``instance/outreach.db``); any
SQLAlchemy URL works (``OUTREACH_DATABASE_URL``, e.g. PostgreSQL). Passwords
are stored as salted hashes (werkzeug's scrypt), never in clear, and must pass
:func:`~outreach_map.passwords.check_password`. A user is a member (``editor``
or ``admin``) of the organisations whose entries they keep; a user with the
role ``admin`` administers the lead agency's side: every organisation, user
and approval.

Logins (:func:`log_in`) cost the same for a real and an unknown name (one
password hash each, against a hash made when the site starts), and a name
with :attr:`LoginPolicy.attempts` failures in a row is locked for a while,
real or not, so a lock tells nobody which names exist. A session holds
:func:`session_token`: the user's id and their current ``session_key``, which
is dropped at logout, a password reset and deactivation, so every copy of an
old cookie stops working. Logins, failures, locks, logouts and account changes
go to the audit log.
"""

from __future__ import annotations

import functools
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .audit import record_event
from .db.engine import database_url, open_engine, session_scope
from .db.migrate import upgrade
from .db.models import LoginFailure, Membership, Organization, User
from .errors import AccountError
from .passwords import MIN_PASSWORD_LENGTH, check_password

__all__ = [
    "MEMBERSHIP_ROLES",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "LoginPolicy",
    "LoginResult",
    "Member",
    "User",
    "add_membership",
    "add_user",
    "authenticate",
    "database_url",
    "list_users",
    "log_in",
    "log_out",
    "make_engine",
    "prepare_logins",
    "remove_membership",
    "remove_user",
    "session_scope",
    "session_token",
    "session_user",
    "unlock",
]

#: Roles and what they may do: planners see coverage, schedulers plan rounds,
#: editors keep their agency's entries current, admins do everything.
ROLES = ("planner", "scheduler", "editor", "admin")
#: What a member does for an organisation.
MEMBERSHIP_ROLES = ("editor", "admin")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")


def make_engine(url: str) -> Engine:
    """An engine on a database migrated to the newest schema."""
    engine = open_engine(url)
    upgrade(engine)
    return engine


def add_user(
    engine: Engine, name: str, role: str, password: str, *, email: str | None = None, by: str | None = None
) -> User:
    """Create a user, or replace the role, password (and email) of an existing one; the account is active.

    A reset ends every session of the account and lifts a lock on its name. Both are in the audit log,
    as done ``by`` the named operator.

    Raises
    ------
    AccountError
        For a bad name, an unknown role, a password that is short or easy to guess, or a malformed email.
    """
    if not _NAME_RE.match(name):
        msg = f"user name '{name}': expected 2-64 letters, digits, dots, dashes, underscores or @"
        raise AccountError(msg)
    if role not in ROLES:
        msg = f"unknown role '{role}'; expected one of {', '.join(ROLES)}"
        raise AccountError(msg)
    if email is not None and not _EMAIL_RE.match(email):
        msg = f"'{email}' is not an email address"
        raise AccountError(msg)
    check_password(password, name=name, email=email)
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            user = User(name=name, role=role, password_hash=generate_password_hash(password), email=email)
            session.add(user)
            record_event(session, "user-added", user_name=by, target=f"user {name}", detail=f"role {role}")
        else:
            was = "active" if user.active else "deactivated"
            user.role = role
            user.password_hash = generate_password_hash(password)
            user.email = email or user.email
            user.active, user.deactivated_at = True, None
            user.end_sessions()
            record_event(session, "user-reset", user_name=by, target=f"user {name}",
                         detail=f"password reset, role {role}, was {was}; sessions ended")  # fmt: skip
        session.execute(delete(LoginFailure).where(LoginFailure.name == _lock_name(name)))
        session.flush()
        return user


def remove_user(engine: Engine, name: str, *, by: str | None = None) -> None:
    """Delete an account (after :func:`~outreach_map.directory.stewards.deactivate_user` handed it over).

    Raises
    ------
    AccountError
        For an unknown user.
    """
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            msg = f"no user called '{name}'"
            raise AccountError(msg)
        session.delete(user)
        record_event(session, "user-removed", user_name=by, target=f"user {name}")


def _organization(session: Session, text: str) -> Organization:
    found = session.get(Organization, text) or session.scalar(select(Organization).where(Organization.name == text))
    if found is None:
        msg = f"no organisation with the id or name '{text}'"
        raise AccountError(msg)
    return found


def add_membership(
    engine: Engine, user_name: str, organization: str, role: str = "editor", *, by: str | None = None
) -> str:
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
        record_event(session, "membership", user_name=by, target=f"user {user_name}", detail=f"{role} of {org.id}")
        return org.id


def remove_membership(engine: Engine, user_name: str, organization: str, *, by: str | None = None) -> None:
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
            record_event(session, "unmembership", user_name=by, target=f"user {user_name}", detail=f"of {org.id}")


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


# --- logins -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How many failed logins lock a user name, and for how long (``[web] login_attempts``, ``lockout_minutes``)."""

    attempts: int = 5
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The answer to a login: the user, or ``None`` (and until when the name is locked, if it is)."""

    user: User | None
    locked_until: datetime | None = None


@functools.cache
def _dummy_hash() -> str:
    """A hash checked for unknown names, so a wrong name costs as long as a wrong password."""
    return generate_password_hash(secrets.token_hex(16))


def prepare_logins() -> None:
    """Make the hash that unknown names are checked against now (the site calls it at start).

    Otherwise the first unknown name would pay for making it: twice the time of a real name.
    """
    _dummy_hash()


def _lock_name(name: str) -> str:
    """The key failed logins are counted under (so ``Pat`` and ``pat`` share one count)."""
    return name.strip().lower()[:64]


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time stored here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _password_matches(user: User | None, password: str) -> bool:
    """Exactly one password hash is checked whether or not the user exists: no timing clue."""
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The active user if the password matches, else ``None`` (no lock is counted: see :func:`log_in`)."""
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.name == name))
        if not _password_matches(user, password) or user is None or not user.active:
            return None
        return user


def _failure_row(session: Session, key: str, moment: datetime) -> LoginFailure:
    """The name's row, made if missing, read under a write lock (so concurrent failures are all counted).

    The insert comes first: on SQLite it is what takes the write lock, so the read after it cannot be stale.
    """
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    session.execute(insert(LoginFailure).values(name=key, failures=0, first_at=moment).on_conflict_do_nothing())
    row = session.get(LoginFailure, key, with_for_update=True, populate_existing=True)
    assert row is not None
    return row


def _count_failure(session: Session, key: str, moment: datetime, policy: LoginPolicy) -> datetime | None:
    """One more failure for ``key``; lock it at :attr:`LoginPolicy.attempts`. Returns the end of the lock, if any."""
    row = _failure_row(session, key, moment)
    if row.locked_until is not None and _aware(row.locked_until) > moment:
        return _aware(row.locked_until)  # locked meanwhile by a login running beside this one
    if row.locked_until is not None or moment - _aware(row.first_at) > policy.lockout:
        row.failures, row.first_at, row.locked_until = 0, moment, None  # a new run of failures
    row.failures += 1
    if row.failures >= policy.attempts:
        row.locked_until = moment + policy.lockout
        record_event(session, "login-locked", user_name=None, target=f"user {key}", level="warning",
                     detail=f"{row.failures} failed logins; locked until {row.locked_until:%Y-%m-%d %H:%M} UTC")  # fmt: skip
    session.flush()
    return row.locked_until


def log_in(
    engine: Engine, name: str, password: str, *, policy: LoginPolicy | None = None, now: datetime | None = None
) -> LoginResult:
    """Check a login, count and lock failures, and record it in the audit log.

    A locked name is refused without looking at the password, real or not. On success the
    user has a ``session_key`` (see :func:`session_token`) and the name's failures are forgotten.
    """
    policy = policy or LoginPolicy()
    moment = now or datetime.now(UTC)
    key = _lock_name(name)
    with session_scope(engine) as session:
        row = session.get(LoginFailure, key, with_for_update=True)
        if row is not None and row.locked_until is not None and _aware(row.locked_until) > moment:
            record_event(session, "login-failed", user_name=None, target=f"user {key}", detail="name locked")
            return LoginResult(None, _aware(row.locked_until))
        user = session.scalar(select(User).where(User.name == name))
        if _password_matches(user, password) and user is not None and user.active:
            if row is not None:
                session.delete(row)
            user.session_key = user.session_key or secrets.token_urlsafe(24)
            record_event(session, "login", user_name=user.name)
            session.flush()
            return LoginResult(user)
        why = "unknown user name" if user is None else "wrong password" if user.active else "account deactivated"
        record_event(session, "login-failed", user_name=None, target=f"user {key}", detail=why)
        until = _count_failure(session, key, moment, policy)
        return LoginResult(None, until)


def session_token(user: User) -> str:
    """What a logged-in session holds: the user's id and current session key."""
    if user.session_key is None:
        msg = f"user '{user.name}' has no session key: log in first"
        raise AccountError(msg)
    return f"{user.id}:{user.session_key}"


def session_user(engine: Engine, token: str) -> User | None:
    """The active user a session's token belongs to, or ``None`` when those sessions were ended."""
    ident, _, key = token.partition(":")
    if not ident.isdigit() or not key:
        return None
    with session_scope(engine) as session:
        user = session.get(User, int(ident))
        if user is None or not user.active or user.session_key is None:
            return None
        return user if hmac.compare_digest(user.session_key.encode(), key.encode()) else None


def log_out(engine: Engine, user_id: int) -> None:
    """End every session of the user (a copy of the cookie stops working too) and record it."""
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        if user is not None:
            user.end_sessions()
            record_event(session, "logout", user_name=user.name)


def unlock(engine: Engine, name: str, *, by: str | None = None) -> bool:
    """Lift the lock on a user name and forget its failed logins; ``False`` if it had none."""
    key = _lock_name(name)
    with session_scope(engine) as session:
        row = session.get(LoginFailure, key)
        if row is None:
            return False
        session.delete(row)
        record_event(session, "unlock", user_name=by, target=f"user {key}")
        return True
