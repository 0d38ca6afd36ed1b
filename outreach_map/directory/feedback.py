"""Feedback from the public: "report a problem with this entry", filed to the owning organisation's queue.

The message is all that is kept (no name, address, cookie or IP address); it
is shown only to the owning organisation's staff, who mark it acted on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import record_refusal
from ..db.models import Feedback, Service
from ..errors import EntryNotFoundError, InvalidEntryError, PermissionDeniedError
from .editing import Actor

__all__ = ["MAX_MESSAGE", "MIN_MESSAGE", "feedback_for", "mark_acted", "submit_feedback"]

MIN_MESSAGE = 5
MAX_MESSAGE = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def submit_feedback(session: Session, service_id: str, message: str) -> Feedback:
    """File a member of the public's report on a public service.

    Raises
    ------
    EntryNotFoundError
        For a service that does not exist.
    InvalidEntryError
        For a message that is too short or too long (``field`` is ``message``).
    """
    service = session.get(Service, service_id)
    if service is None:
        msg = "no such service"
        raise EntryNotFoundError(msg)
    text = _CONTROL.sub("", message).strip()
    if len(text) < MIN_MESSAGE:
        raise InvalidEntryError("message", f"is too short; say what is wrong in at least {MIN_MESSAGE} characters")
    if len(text) > MAX_MESSAGE:
        raise InvalidEntryError("message", f"is {len(text)} characters long; expected at most {MAX_MESSAGE}")
    item = Feedback(service_id=service_id, organization_id=service.organization_id, message=text)
    session.add(item)
    session.flush()
    return item


def feedback_for(session: Session, organization_ids: Sequence[str], *, status: str | None = "open") -> list[Feedback]:
    """Feedback on the organisations' entries, newest first."""
    statement = select(Feedback).where(Feedback.organization_id.in_(list(organization_ids)))
    if status is not None:
        statement = statement.where(Feedback.status == status)
    return list(session.scalars(statement.order_by(Feedback.created.desc())))


def mark_acted(session: Session, actor: Actor, feedback_id: int, note: str = "") -> None:
    """An editor of the owning organisation has acted on the feedback."""
    item = session.get(Feedback, feedback_id)
    if item is None:
        msg = f"no feedback {feedback_id}"
        raise EntryNotFoundError(msg)
    if not (actor.edits(item.organization_id) or actor.administers(item.organization_id)):
        record_refusal(session, "denied", user_name=actor.name, target=f"feedback {feedback_id}", detail="mark acted")
        msg = "you may not act on this feedback: it is about another organisation's entry"
        raise PermissionDeniedError(msg)
    item.status, item.acted_by, item.acted_at = "acted", actor.name, datetime.now(UTC)
    item.action_note = note.strip()[:2000] or None
