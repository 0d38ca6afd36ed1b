"""Lasting contacts: each service's lead contact and deputy, and what happens when someone leaves.

A steward is a staff account of the owning organisation or a named role
mailbox (``referrals@...``), which outlives any one person. When an account
is deactivated, every service it led passes to its deputy, every deputy
place it held is left open, and each case is put on the organisation's
handover list; a service left with neither lead nor deputy is flagged as a
lost contact until someone is named.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import record_event, record_refusal
from ..db.models import Handover, Membership, Service, Steward, User
from ..errors import EntryNotFoundError, InvalidEntryError, PermissionDeniedError
from .editing import Actor

__all__ = [
    "DUTIES",
    "StewardView",
    "acknowledge_handover",
    "deactivate_user",
    "lost_contacts",
    "open_handovers",
    "set_steward",
    "stewards_of",
]

DUTIES = ("lead", "deputy")
_MAILBOX = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")


@dataclass(frozen=True, slots=True)
class StewardView:
    """A lead contact or deputy as staff pages show it."""

    duty: str
    user_name: str | None
    mailbox: str | None
    label: str | None

    @property
    def display(self) -> str:
        if self.user_name:
            return self.user_name
        return f"{self.label} <{self.mailbox}>" if self.label else str(self.mailbox)

    @property
    def email(self) -> str | None:
        """Where to write to this steward (the role mailbox; a person's account email is looked up by the caller)."""
        return self.mailbox


def stewards_of(session: Session, service_id: str) -> dict[str, StewardView]:
    """The service's named stewards by duty (a duty with nobody is absent)."""
    out: dict[str, StewardView] = {}
    for steward in session.scalars(select(Steward).where(Steward.service_id == service_id)):
        user = session.get(User, steward.user_id) if steward.user_id is not None else None
        if user is None and not steward.mailbox:
            continue
        out[steward.duty] = StewardView(steward.duty, user.name if user else None, steward.mailbox, steward.label)
    return out


def _service(session: Session, actor: Actor, service_id: str) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        msg = f"no service {service_id}"
        raise EntryNotFoundError(msg)
    if not (actor.edits(service.organization_id) or actor.administers(service.organization_id)):
        record_refusal(session, "denied", user_name=actor.name, target=f"service {service_id}", detail="set contact")
        msg = "you may not change this entry's contacts: it belongs to another organisation"
        raise PermissionDeniedError(msg)
    return service


def set_steward(
    session: Session,
    actor: Actor,
    service_id: str,
    duty: str,
    *,
    user_name: str | None = None,
    mailbox: str | None = None,
    label: str | None = None,
) -> StewardView | None:
    """Name a service's lead contact or deputy (a staff account of its organisation, or a role mailbox).

    With neither ``user_name`` nor ``mailbox`` the place is cleared.

    Raises
    ------
    InvalidEntryError
        For an unknown duty, a user who is not active staff of the organisation, or a malformed mailbox.
    """
    if duty not in DUTIES:
        raise InvalidEntryError("duty", f"{duty!r} is not a duty; expected lead or deputy")
    service = _service(session, actor, service_id)
    user: User | None = None
    if user_name:
        user = session.scalar(select(User).where(User.name == user_name))
        member = user is not None and session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organization_id == service.organization_id
            )
        )
        if user is None or not user.active or not member:
            raise InvalidEntryError(duty, f"'{user_name}' is not active staff of the organisation that owns the entry")
    if mailbox and not _MAILBOX.match(mailbox.strip()):
        raise InvalidEntryError(f"{duty}_mailbox", f"{mailbox!r} is not an email address")
    row = session.scalar(select(Steward).where(Steward.service_id == service_id, Steward.duty == duty))
    if row is None:
        row = Steward(service_id=service_id, duty=duty)
        session.add(row)
    row.user_id = user.id if user else None
    row.mailbox = mailbox.strip() if mailbox and not user else None
    row.label = (label or "").strip()[:300] or None if row.mailbox else None
    session.flush()
    return stewards_of(session, service_id).get(duty)


def deactivate_user(session: Session, actor: Actor, user_name: str, *, now: datetime | None = None) -> list[Handover]:
    """Deactivate an account (a person left): pass each service they led to its deputy and list every case.

    Raises
    ------
    EntryNotFoundError
        For an unknown user.
    PermissionDeniedError
        Unless the actor is a lead admin or an admin of every organisation the user belongs to.
    """
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None:
        msg = f"no user called '{user_name}'"
        raise EntryNotFoundError(msg)
    orgs = list(session.scalars(select(Membership.organization_id).where(Membership.user_id == user.id)))
    if not (actor.lead_admin or (orgs and all(actor.administers(o) for o in orgs))):
        record_refusal(session, "denied", user_name=actor.name, target=f"user {user_name}", detail="deactivate")
        msg = f"you may not deactivate '{user_name}': only their organisations' admins may"
        raise PermissionDeniedError(msg)
    moment = now or datetime.now(UTC)
    user.active, user.deactivated_at = False, moment
    user.end_sessions()  # a copy of their session cookie stops working, even if the account is reactivated
    handovers: list[Handover] = []
    for steward in list(session.scalars(select(Steward).where(Steward.user_id == user.id))):
        service = session.get(Service, steward.service_id)
        assert service is not None
        handovers.append(_hand_over(session, steward, service, user_name, moment))
    session.flush()
    record_event(session, "deactivate", user_name=actor.name, target=f"user {user_name}",
                 detail=f"{len(handovers)} service contact(s) handed over")  # fmt: skip
    return handovers


def _hand_over(session: Session, steward: Steward, service: Service, departed: str, moment: datetime) -> Handover:
    if steward.duty == "deputy":
        steward.user_id = None
        outcome, new_lead = "deputy-vacated", None
    else:
        deputy = session.scalar(select(Steward).where(Steward.service_id == service.id, Steward.duty == "deputy"))
        deputy_user = session.get(User, deputy.user_id) if deputy and deputy.user_id else None
        if deputy is not None and ((deputy_user is not None and deputy_user.active) or deputy.mailbox):
            steward.user_id, steward.mailbox, steward.label = deputy.user_id, deputy.mailbox, deputy.label
            deputy.user_id, deputy.mailbox, deputy.label = None, None, None
            outcome = "deputy-promoted"
            new_lead = deputy_user.name if deputy_user else steward.mailbox
        else:
            steward.user_id = None
            outcome, new_lead = "no-contact", None
    handover = Handover(
        service_id=service.id, organization_id=service.organization_id, at=moment, departed=departed,
        outcome=outcome, new_lead=new_lead,
    )  # fmt: skip
    session.add(handover)
    return handover


def open_handovers(session: Session, organization_ids: Sequence[str] | None) -> list[Handover]:
    """Handovers nobody has acknowledged yet, newest first (of some organisations, or all)."""
    statement = select(Handover).where(Handover.acknowledged_at.is_(None)).order_by(Handover.at.desc())
    if organization_ids is not None:
        statement = statement.where(Handover.organization_id.in_(list(organization_ids)))
    return list(session.scalars(statement))


def acknowledge_handover(session: Session, actor: Actor, handover_id: int) -> None:
    """An organisation admin has seen to a handover."""
    handover = session.get(Handover, handover_id)
    if handover is None:
        msg = f"no handover {handover_id}"
        raise EntryNotFoundError(msg)
    if not actor.administers(handover.organization_id):
        record_refusal(session, "denied", user_name=actor.name, target=f"handover {handover_id}", detail="acknowledge")
        msg = "you may not acknowledge this handover: it belongs to another organisation"
        raise PermissionDeniedError(msg)
    handover.acknowledged_by, handover.acknowledged_at = actor.name, datetime.now(UTC)


def lost_contacts(session: Session, organization_ids: Sequence[str] | None) -> list[Service]:
    """Services (not defunct) with neither a lead contact nor a deputy (an active account or a mailbox)."""
    statement = select(Service).where(Service.status != "defunct").order_by(Service.organization_id, Service.name)
    if organization_ids is not None:
        statement = statement.where(Service.organization_id.in_(list(organization_ids)))
    active = set(session.scalars(select(User.id).where(User.active.is_(True))))
    staffed = {
        service_id
        for service_id, user_id, mailbox in session.execute(
            select(Steward.service_id, Steward.user_id, Steward.mailbox)
        )
        if mailbox or user_id in active
    }
    return [s for s in session.scalars(statement) if s.id not in staffed]
