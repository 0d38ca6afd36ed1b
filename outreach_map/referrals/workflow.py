"""Referrals from any partner agency to any other: making them, and taking them through their states.

States: ``sent`` -> ``opened`` (the receiving agency first looks at it) ->
``accepted`` or ``declined`` (a reason is required); ``accepted`` ->
``closed`` (an outcome is required) or ``forwarded`` (an onward referral to
another service, linked both ways). ``declined``, ``closed`` and
``forwarded`` are ended. Only staff of the sending and the receiving
organisations see a referral; every view and change is recorded. A client's
details are sealed (:mod:`.crypto`) before they reach the database and are
never put in a message, a log line or an event.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import record_refusal
from ..db.models import Organization, Referral, ReferralEvent, Service
from ..directory.editing import Actor
from ..errors import PermissionDeniedError, ReferralError
from .crypto import ClientCipher

__all__ = [
    "DECLINE_REASONS",
    "ENDED",
    "NEEDS",
    "OUTCOMES",
    "STATES",
    "ClientDetails",
    "Need",
    "ReferralRequest",
    "ReferralView",
    "accept",
    "close",
    "decline",
    "forward",
    "inbox_count",
    "list_referrals",
    "make_referral",
    "open_referral",
]

STATES = ("sent", "opened", "accepted", "declined", "closed", "forwarded")
ENDED = ("declined", "closed", "forwarded")
#: Why a referral is declined (a code, so counts need no free text).
DECLINE_REASONS = {
    "not-eligible": "The person is not eligible for this service",
    "no-capacity": "No capacity at present",
    "outside-area": "Outside the area the service covers",
    "unreachable": "Could not reach the person safely",
    "duplicate": "Already referred or already supported",
    "other": "Other (see the note)",
}
#: How an accepted referral ended.
OUTCOMES = {
    "supported": "Support given",
    "support-ongoing-elsewhere": "Supported, then passed to another service",
    "client-withdrew": "The person chose not to continue",
    "no-contact": "Could not make safe contact",
    "other": "Other (see the note)",
}
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class Need:
    """A need a referral is for, and the service kinds (taxonomy terms) that meet it."""

    code: str
    label: str
    kinds: tuple[str, ...]
    safeguarding: bool = False


#: The needs of the referral pathways, each mapped to taxonomy terms of the directory.
NEEDS: Mapping[str, Need] = {
    n.code: n
    for n in (
        Need("domestic-abuse", "Domestic abuse", ("domestic-abuse-support", "victim-support", "police"), True),
        Need("victim-of-crime", "Victim of crime", ("victim-support", "police")),
        Need("housing", "Housing", ("housing-support",)),
        Need("library-access", "Library access", ("library", "mobile-library-stop")),
        Need("children-and-families", "Children and families", ("childrens-centre",)),
        Need("health", "Health", ("gp", "hospital", "hospice")),
    )
}


@dataclass(frozen=True, slots=True)
class ClientDetails:
    """The minimum a receiving agency needs: a name or initials, a safe way and time to make contact, notes."""

    name: str
    contact: str
    safe_times: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class ReferralRequest:
    """What a member of staff asks for when they refer someone."""

    service_id: str
    need: str
    client: ClientDetails
    consent: bool
    safeguarding_checked: bool = False
    from_organization_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReferralView:
    """A referral as one of its two organisations sees it (client details opened only for them)."""

    key: str
    reference: str
    status: str
    need: str
    from_organization: str
    from_user_name: str
    to_service: str
    to_organization: str
    created_at: datetime
    opened_at: datetime | None
    accepted_at: datetime | None
    ended_at: datetime | None
    client: ClientDetails | None
    decline_reason: str | None
    decline_note: str | None
    outcome: str | None
    outcome_note: str | None
    forwarded_to: str | None
    forwarded_from: str | None
    direction: Literal["sent", "received"]
    purged: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _clean(text: str, field: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    value = " ".join(text.split()) if field != "notes" else text.strip()
    if required and not value:
        raise ReferralError(f"{field.replace('_', ' ')} is missing", field=field)
    if len(value) > limit:
        raise ReferralError(f"{field.replace('_', ' ')} is too long; expected at most {limit} characters", field=field)
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ReferralError(f"{field.replace('_', ' ')} contains control characters", field=field)
    return value


def _reference(session: Session) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        code = (
            "R-"
            + "".join(secrets.choice(alphabet) for _ in range(4))
            + "-"
            + "".join(secrets.choice(alphabet) for _ in range(4))
        )
        if session.scalar(select(Referral.id).where(Referral.reference == code)) is None:
            return code


def _event(session: Session, referral: Referral, actor: Actor, action: str, detail: str = "") -> None:
    organization = (
        referral.to_organization_id if actor.edits(referral.to_organization_id) else referral.from_organization_id
    )
    session.add(ReferralEvent(referral_id=referral.id, user_name=actor.name, organization_id=organization,
                              action=action, detail=detail[:300] or None))  # fmt: skip


def _sender_organization(actor: Actor, requested: str | None) -> str:
    staff_of = list(actor.memberships)
    if requested is not None:
        if requested not in staff_of:
            msg = "you can only refer on behalf of an organisation you work for"
            raise ReferralError(msg, field="from_organization_id")
        return requested
    if len(staff_of) != 1:
        msg = "say which of your organisations is referring"
        raise ReferralError(msg, field="from_organization_id")
    return staff_of[0]


def make_referral(
    session: Session,
    actor: Actor,
    request: ReferralRequest,
    cipher: ClientCipher,
    *,
    allow_own_organisation: bool = False,
    forwarded_from: Referral | None = None,
) -> Referral:
    """Send a referral to a service of another agency.

    Raises
    ------
    ReferralError
        Without consent; for a need not on the list; a service that does not
        take referrals or is closed; one's own organisation (unless allowed);
        missing or overlong details; a domestic-abuse referral without the
        safeguarding check.
    """
    if not actor.active or not actor.memberships:
        raise ReferralError("only staff of a partner agency can refer")
    sender = _sender_organization(actor, request.from_organization_id)
    if not request.consent:
        raise ReferralError("the person has not consented; a referral needs their consent", field="consent")
    need = NEEDS.get(request.need)
    if need is None:
        raise ReferralError(f"unknown need; expected one of {', '.join(NEEDS)}", field="need")
    if need.safeguarding and not request.safeguarding_checked:
        raise ReferralError("confirm the safeguarding check before referring for domestic abuse", field="safeguarding")
    service = session.get(Service, request.service_id)
    if service is None:
        raise ReferralError("no such service", field="service_id")
    if not service.accepts_referrals:
        raise ReferralError(f"{service.name} does not take referrals; contact it directly", field="service_id")
    if service.status != "active":
        raise ReferralError(f"{service.name} is not running ({service.status})", field="service_id")
    if service.organization_id == sender and not allow_own_organisation:
        raise ReferralError("this service is your own organisation's; refer within your agency", field="service_id")
    client = request.client
    referral = Referral(
        key=str(uuid.uuid4()), reference=_reference(session), from_organization_id=sender,
        from_user_name=actor.name, to_service_id=service.id, to_organization_id=service.organization_id,
        need=need.code, status="sent", consent=True, safeguarding_checked=request.safeguarding_checked,
        client_name=cipher.seal(_clean(client.name, "name", required=True, limit=200)),
        client_contact=cipher.seal(_clean(client.contact, "contact", required=True, limit=500)),
        client_safe_times=cipher.seal(_clean(client.safe_times, "safe_times", required=False, limit=500)),
        notes=cipher.seal(_clean(client.notes, "notes", required=False)),
        forwarded_from_id=forwarded_from.id if forwarded_from else None,
    )  # fmt: skip
    session.add(referral)
    session.flush()
    _event(session, referral, actor, "created", f"to service {service.id}")
    return referral


def _visible(session: Session, actor: Actor, key: str) -> Referral:
    """The referral if the actor works for one of its two organisations; otherwise refused and logged."""
    referral = session.scalar(select(Referral).where(Referral.key == key))
    if referral is None or not (actor.edits(referral.from_organization_id) or actor.edits(referral.to_organization_id)):
        record_refusal(session, "denied", user_name=actor.name, target=f"referral {key[:36]}", detail="view referral")
        msg = "you may not see this referral"
        raise PermissionDeniedError(msg)
    return referral


def _receiving(session: Session, actor: Actor, key: str, allowed: Sequence[str], verb: str) -> Referral:
    referral = _visible(session, actor, key)
    if not actor.edits(referral.to_organization_id):
        record_refusal(session, "denied", user_name=actor.name, target=f"referral {referral.reference}", detail=verb)
        msg = f"only the receiving organisation may {verb} a referral"
        raise PermissionDeniedError(msg)
    if referral.status not in allowed:
        done = {"accept": "accepted", "decline": "declined", "close": "closed", "forward": "forwarded"}[verb]
        raise ReferralError(f"a referral that is {referral.status} cannot be {done}")
    return referral


def _name(session: Session, model: type[Organization] | type[Service], key: str) -> str:
    row = session.get(model, key)
    return str(getattr(row, "name", "(removed)"))


def view(session: Session, actor: Actor, referral: Referral, cipher: ClientCipher) -> ReferralView:
    """The referral as the actor may see it (the caller has checked they may)."""
    linked_to = session.get(Referral, referral.forwarded_to_id) if referral.forwarded_to_id else None
    linked_from = session.get(Referral, referral.forwarded_from_id) if referral.forwarded_from_id else None
    client = None
    if referral.purged_at is None:
        client = ClientDetails(
            cipher.open(referral.client_name) or "", cipher.open(referral.client_contact) or "",
            cipher.open(referral.client_safe_times) or "", cipher.open(referral.notes) or "",
        )  # fmt: skip
    return ReferralView(
        key=referral.key, reference=referral.reference, status=referral.status, need=referral.need,
        from_organization=_name(session, Organization, referral.from_organization_id),
        from_user_name=referral.from_user_name, to_service=_name(session, Service, referral.to_service_id),
        to_organization=_name(session, Organization, referral.to_organization_id), created_at=referral.created_at,
        opened_at=referral.opened_at, accepted_at=referral.accepted_at, ended_at=referral.ended_at, client=client,
        decline_reason=referral.decline_reason, decline_note=cipher.open(referral.decline_note),
        outcome=referral.outcome, outcome_note=cipher.open(referral.outcome_note),
        forwarded_to=_name(session, Service, linked_to.to_service_id) if linked_to else None,
        forwarded_from=linked_from.reference if linked_from and actor.edits(linked_from.to_organization_id) else None,
        direction="received" if actor.edits(referral.to_organization_id) else "sent",
        purged=referral.purged_at is not None,
    )  # fmt: skip


def open_referral(session: Session, actor: Actor, key: str, cipher: ClientCipher) -> ReferralView:
    """Look at a referral (recorded); the receiving agency's first look marks it opened."""
    referral = _visible(session, actor, key)
    if referral.status == "sent" and actor.edits(referral.to_organization_id):
        referral.status, referral.opened_at = "opened", _now()
        _event(session, referral, actor, "opened")
    else:
        _event(session, referral, actor, "viewed")
    return view(session, actor, referral, cipher)


def accept(session: Session, actor: Actor, key: str) -> Referral:
    """The receiving agency takes the referral on."""
    referral = _receiving(session, actor, key, ("sent", "opened"), "accept")
    referral.status, referral.accepted_at = "accepted", _now()
    referral.opened_at = referral.opened_at or referral.accepted_at
    _event(session, referral, actor, "accepted")
    return referral


def decline(session: Session, actor: Actor, key: str, reason: str, note: str, cipher: ClientCipher) -> Referral:
    """The receiving agency turns the referral down, with a reason."""
    if reason not in DECLINE_REASONS:
        raise ReferralError("a decline needs a reason; choose one from the list", field="reason")
    referral = _receiving(session, actor, key, ("sent", "opened"), "decline")
    if reason == "other" and not note.strip():
        raise ReferralError("say why in the note when the reason is 'other'", field="note")
    referral.status, referral.ended_at = "declined", _now()
    referral.decline_reason = reason
    referral.decline_note = cipher.seal(_clean(note, "note", required=False))
    _event(session, referral, actor, "declined", reason)
    return referral


def close(session: Session, actor: Actor, key: str, outcome: str, note: str, cipher: ClientCipher) -> Referral:
    """The receiving agency closes an accepted referral, with its outcome."""
    if outcome not in OUTCOMES:
        raise ReferralError("closing needs an outcome; choose one from the list", field="outcome")
    referral = _receiving(session, actor, key, ("accepted",), "close")
    if outcome == "other" and not note.strip():
        raise ReferralError("say what happened in the note when the outcome is 'other'", field="note")
    referral.status, referral.ended_at = "closed", _now()
    referral.outcome = outcome
    referral.outcome_note = cipher.seal(_clean(note, "note", required=False))
    _event(session, referral, actor, "closed", outcome)
    return referral


def forward(
    session: Session, actor: Actor, key: str, service_id: str, cipher: ClientCipher, *, note: str = "",
    allow_own_organisation: bool = False,
) -> Referral:  # fmt: skip
    """Refer the person on to another service: a new referral, linked to this one, which ends as ``forwarded``."""
    referral = _receiving(session, actor, key, ("sent", "opened", "accepted"), "forward")
    if referral.purged_at is not None:
        raise ReferralError("the details of this referral have been deleted; make a new referral")
    details = ClientDetails(
        cipher.open(referral.client_name) or "", cipher.open(referral.client_contact) or "",
        cipher.open(referral.client_safe_times) or "",
        "\n\n".join(p for p in (cipher.open(referral.notes) or "", note.strip()) if p),
    )  # fmt: skip
    onward = make_referral(
        session, actor,
        ReferralRequest(service_id, referral.need, details, consent=True, safeguarding_checked=True,
                        from_organization_id=referral.to_organization_id),
        cipher, allow_own_organisation=allow_own_organisation, forwarded_from=referral,
    )  # fmt: skip
    referral.status, referral.ended_at, referral.forwarded_to_id = "forwarded", _now(), onward.id
    referral.opened_at = referral.opened_at or referral.ended_at
    _event(session, referral, actor, "forwarded", f"onward referral {onward.reference}")
    return onward


def list_referrals(session: Session, actor: Actor, *, direction: str = "received") -> list[Referral]:
    """The referrals the actor's organisations received (or sent), newest first."""
    orgs = list(actor.memberships)
    column = Referral.to_organization_id if direction == "received" else Referral.from_organization_id
    statement = select(Referral).where(column.in_(orgs)).order_by(Referral.created_at.desc(), Referral.id.desc())
    return list(session.scalars(statement))


def inbox_count(session: Session, actor: Actor) -> int:
    """Referrals to the actor's organisations that nobody there has opened yet."""
    if not actor.memberships:
        return 0
    return int(
        session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(Referral.to_organization_id.in_(list(actor.memberships)), Referral.status == "sent")
        )
        or 0
    )
