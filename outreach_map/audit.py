"""The audit log: refused attempts, logins, account changes and publishing, kept whatever else happens.

An event is written in the transaction of what it records (:func:`record_event`),
or in its own when the action is refused and rolled back (:func:`record_refusal`)
or happens outside the database (:func:`record_alone`, e.g. publishing a
timetable). Events name staff by user name and entries by id; they never hold
a client's details or a password.

Actions: ``login``, ``login-failed``, ``login-locked``, ``logout``, ``unlock``,
``user-added``, ``user-reset``, ``user-removed``, ``membership``, ``unmembership``,
``deactivate``, ``denied``, ``publish`` and ``retire``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .db.engine import session_scope
from .db.models import AuditEvent

__all__ = ["audit_events", "record_alone", "record_event", "record_refusal"]

log = logging.getLogger("outreach_map.audit")


def record_event(
    session: Session,
    action: str,
    *,
    user_name: str | None,
    target: str | None = None,
    detail: str = "",
    level: str = "info",
) -> None:
    """Record an event in the caller's transaction (it is kept if, and only if, the action is).

    ``level`` is the level of the line in the application's log (``"warning"`` for a lock).
    """
    session.add(AuditEvent(user_name=user_name, action=action, target=target, detail=detail[:2000]))
    log.log(logging.getLevelName(level.upper()), "audit %s by %s on %s: %s", action, user_name or "-",
            target or "-", detail)  # fmt: skip


def record_alone(
    engine: Engine, action: str, *, user_name: str | None, target: str | None = None, detail: str = ""
) -> None:
    """Record an event in a transaction of its own (an action done outside the database, such as publishing)."""
    with session_scope(engine) as session:
        record_event(session, action, user_name=user_name, target=target, detail=detail)


def record_refusal(
    where: Engine | Session, action: str, *, user_name: str | None, target: str | None = None, detail: str = ""
) -> None:
    """Record a refused attempt in a transaction of its own, so it stays on record when the caller rolls back.

    Call it before the caller's transaction writes anything (SQLite allows one writer at a time).
    """
    engine = where if isinstance(where, Engine) else where.get_bind()
    assert isinstance(engine, Engine)
    with session_scope(engine) as session:
        session.add(AuditEvent(user_name=user_name, action=action, target=target, detail=detail[:2000]))
    log.warning("audit %s by %s on %s: %s", action, user_name or "-", target or "-", detail)


def audit_events(
    session: Session, *, actions: Sequence[str] | None = None, since: datetime | None = None, limit: int = 200
) -> list[AuditEvent]:
    """Recent events, newest first."""
    statement = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if actions is not None:
        statement = statement.where(AuditEvent.action.in_(list(actions)))
    if since is not None:
        statement = statement.where(AuditEvent.at >= since)
    return list(session.scalars(statement.limit(limit)))
