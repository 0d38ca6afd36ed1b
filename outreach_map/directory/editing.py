"""Changing the directory: who may change what, the rules an entry must keep, versions, locking and approval.

Every change goes through :func:`save_entry`: the actor's permission is
checked (a refusal is logged), the entry validated (the field is named), the
editor's version compared with the current one (a save over someone else's
change is refused and shows their change), and then either the change is
written with a new version, or, for an organisation whose edits need
approval, queued with its differences for a lead admin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import record_refusal
from ..db.models import (
    ORUK_COLUMNS,
    Location,
    Membership,
    Organization,
    PendingChange,
    Service,
    TaxonomyTerm,
    User,
    Version,
)
from ..errors import EditConflictError, EntryNotFoundError, InvalidEntryError, PermissionDeniedError
from ..places import LAT_RANGE, LON_RANGE
from .hours import check_schedule
from .schema import record_problems
from .store import add_months, bump_revision
from .tables import ENTRY_TABLES, Entry, read_entry, write_entry
from .versions import Change, diff_snapshots, latest_version, record_version, version_of

__all__ = [
    "DEFAULT_REVIEW_MONTHS",
    "Actor",
    "SaveResult",
    "actor_for",
    "approve_change",
    "check_entry",
    "confirm_entry",
    "reject_change",
    "restore_version",
    "save_entry",
]

#: Entries are due for review this many months after they were last checked.
DEFAULT_REVIEW_MONTHS = 6
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_PHONE = re.compile(r"^\+?[0-9 ()-]{3,24}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")
_TEXT_LIMITS = {"name": 300, "description": 10_000, "eligibility_description": 2000, "alert": 2000, "fees": 2000}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is changing the directory: a member of staff with their organisations, or the system (imports, seeding).

    Parameters
    ----------
    name
        The user name (written into versions and the audit log).
    role
        The account's role; ``admin`` is an admin of the lead agency.
    memberships
        Organisation id -> ``editor`` or ``admin`` of that organisation.
    """

    name: str
    role: str
    memberships: Mapping[str, str] = field(default_factory=dict)
    active: bool = True
    system: bool = False

    @classmethod
    def system_actor(cls, name: str) -> Actor:
        """The operator's command line (``outreach-map directory import``): trusted with every entry."""
        return cls(name=name, role="admin", system=True)

    @property
    def lead_admin(self) -> bool:
        return self.active and (self.system or self.role == "admin")

    def edits(self, organization_id: str) -> bool:
        """May change the entries of this organisation."""
        return self.active and (self.system or organization_id in self.memberships)

    def administers(self, organization_id: str) -> bool:
        """May manage this organisation's staff, handovers and feedback."""
        return self.lead_admin or (self.active and self.memberships.get(organization_id) == "admin")

    def sees_confidential(self, organization_id: str) -> bool:
        """May see this organisation's confidential locations (its own staff only)."""
        return self.active and (self.system or organization_id in self.memberships)


def actor_for(session: Session, user_name: str) -> Actor:
    """The actor for a staff account (a deactivated account may do nothing).

    Raises
    ------
    EntryNotFoundError
        For an unknown user name.
    """
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None:
        msg = f"no user called '{user_name}'"
        raise EntryNotFoundError(msg)
    rows = session.execute(select(Membership.organization_id, Membership.role).where(Membership.user_id == user.id))
    return Actor(user.name, user.role, {str(org): str(role) for org, role in rows}, active=user.active)


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did: ``saved`` (a new version), ``unchanged`` or ``pending`` (queued for approval)."""

    status: Literal["saved", "unchanged", "pending"]
    version: int
    changes: tuple[Change, ...] = ()
    pending_id: int | None = None


def _deny(session: Session, actor: Actor, action: str, target: str, why: str) -> PermissionDeniedError:
    record_refusal(session, "denied", user_name=actor.name, target=target, detail=f"{action}: {why}")
    return PermissionDeniedError(f"you may not {action}: {why}")


# --- the rules of an entry ------------------------------------------------------------------------------------


def _check_text(record: Mapping[str, Any], where: str) -> None:
    for key, value in record.items():
        if not isinstance(value, str):
            continue
        if _CONTROL.search(value.replace("\n", "").replace("\r", "").replace("\t", "")):
            raise InvalidEntryError(f"{where}.{key}", "contains control or direction-override characters; remove them")
        limit = _TEXT_LIMITS.get(key, 2000)
        if len(value) > limit:
            raise InvalidEntryError(f"{where}.{key}", f"is {len(value)} characters long; expected at most {limit}")


def _check_schema(table: str, record: Mapping[str, Any], where: str) -> None:
    schema = {"services": "service.json", "service_at_locations": "service_at_location.json",
              "locations": "location.json", "schedules": "schedule.json", "contacts": "contact.json",
              "phones": "phone.json"}[table]  # fmt: skip
    problems = record_problems(schema, record)
    if problems:
        path, message = problems[0]
        raise InvalidEntryError(f"{where}.{path}", message)
    _check_text(record, where)


def _check_service(session: Session, entry: Entry) -> None:
    service = entry.service
    if not str(service.get("name", "")).strip():
        raise InvalidEntryError("service.name", "is empty; expected the service's name")
    if session.get(Organization, entry.organization_id) is None:
        msg = f"{entry.organization_id!r} is not an organisation of the directory"
        raise InvalidEntryError("service.organization_id", msg)
    terms = [a.get("taxonomy_term_id") for a in service.get("attributes", ())]
    if not terms:
        raise InvalidEntryError("service.attributes", "no service kind; expected a kind from the taxonomy")
    for i, attribute in enumerate(service.get("attributes", ())):
        if attribute.get("link_id") != entry.id or session.get(TaxonomyTerm, attribute.get("taxonomy_term_id")) is None:
            raise InvalidEntryError(f"service.attributes.{i}", "expected a kind of the taxonomy linked to this service")
    for key in ("minimum_age", "maximum_age"):
        value = service.get(key)
        if value is not None and not 0 <= value <= 120:
            raise InvalidEntryError(f"service.{key}", f"{value} is out of range; expected an age from 0 to 120")
    low, high = service.get("minimum_age"), service.get("maximum_age")
    if low is not None and high is not None and high < low:
        raise InvalidEntryError("service.maximum_age", "is below the minimum age")
    if service.get("email") and not _EMAIL.match(str(service["email"])):
        raise InvalidEntryError("service.email", f"{service['email']!r} is not an email address")


def _check_contact_route(session: Session, entry: Entry) -> None:
    route = entry.service.get("public_contact_service_id")
    if route is not None:
        other = session.get(Service, route)
        if other is None or route == entry.id:
            raise InvalidEntryError("service.public_contact_service_id", "expected another service of the directory")
        helpline = read_entry(session, route)
        if helpline is not None and helpline.confidential_locations():
            raise InvalidEntryError(
                "service.public_contact_service_id", "expected a service with no confidential location"
            )
    if entry.confidential_locations() and route is None and not entry.phones:
        raise InvalidEntryError(
            "service.public_contact_service_id",
            "a service with a confidential location needs a safe contact route; give a helpline service or a phone",
        )


def _check_children(session: Session, entry: Entry) -> None:
    locations = {r["id"] for r in entry.locations}
    sals = {r["id"] for r in entry.service_at_locations}
    for i, sal in enumerate(entry.service_at_locations):
        if sal.get("service_id") != entry.id or sal.get("location_id") not in locations:
            raise InvalidEntryError(f"service_at_locations.{i}", "expected this service at one of its locations")
    for i, location in enumerate(entry.locations):
        for key, (low, high) in (("latitude", LAT_RANGE), ("longitude", LON_RANGE)):
            value = location.get(key)
            if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
                raise InvalidEntryError(
                    f"locations.{i}.{key}", f"expected a {key} in Great Britain ({low:g} to {high:g})"
                )
    for i, schedule in enumerate(entry.schedules):
        owner_ok = schedule.get("service_id") in (None, entry.id) and schedule.get("service_at_location_id") in (
            None,
            *sals,
        )
        if not owner_ok or (schedule.get("service_id") is None and schedule.get("service_at_location_id") is None):
            raise InvalidEntryError(f"schedules.{i}", "expected opening hours of this service or one of its locations")
        check_schedule(schedule, field=f"schedules.{i}")
    contacts = {r["id"] for r in entry.contacts}
    for i, contact in enumerate(entry.contacts):
        if contact.get("service_id") != entry.id:
            raise InvalidEntryError(f"contacts.{i}.service_id", "expected a contact of this service")
    for i, phone in enumerate(entry.phones):
        if phone.get("contact_id") not in contacts:
            raise InvalidEntryError(f"phones.{i}.contact_id", "expected a phone of one of this service's contacts")
        if not _PHONE.match(str(phone.get("number", ""))):
            raise InvalidEntryError(f"phones.{i}.number", f"{phone.get('number')!r} is not a phone number")
    _check_ids_unused(session, entry)


def _check_ids_unused(session: Session, entry: Entry) -> None:
    """A new record's id must not belong to another entry (records are matched by id)."""
    existing = read_entry(session, entry.id)
    own: set[str] = set()
    if existing is not None:
        for table in ENTRY_TABLES[1:]:
            own |= {r["id"] for r in getattr(existing, table)}
    for table in ENTRY_TABLES[1:]:
        model, _ = ORUK_COLUMNS[table]
        for i, record in enumerate(getattr(entry, table)):
            if record["id"] in own:
                continue
            row = session.get(model, record["id"])
            if row is None:
                continue
            shared_location = table == "locations" and isinstance(row, Location)
            if not shared_location:
                raise InvalidEntryError(f"{table}.{i}.id", "is already used by another entry; expected a new id")


def check_entry(session: Session, entry: Entry) -> None:
    """Check an entry against the Open Referral schemas and the directory's rules.

    Raises
    ------
    InvalidEntryError
        Naming the first field that breaks a rule and what was expected.
    """
    for table in ENTRY_TABLES:
        records = [entry.service] if table == "services" else getattr(entry, table)
        for i, record in enumerate(records):
            _check_schema(table, record, "service" if table == "services" else f"{table}.{i}")
    _check_service(session, entry)
    _check_children(session, entry)
    _check_contact_route(session, entry)


# --- saving -------------------------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _apply(session: Session, entry: Entry, changes: list[Change], *, user_name: str | None, action: str,
           note: str | None, review_months: int) -> int:  # fmt: skip
    existed = session.get(Service, entry.id) is not None
    write_entry(session, entry)
    row = session.get(Service, entry.id)
    assert row is not None
    number = latest_version(session, "service", entry.id) + 1
    row.row_version = number
    row.updated_at = _now()
    if not existed:
        row.review_due = add_months(_now().date(), review_months)
    record_version(session, Version(
        entity_type="service", entity_id=entry.id, organization_id=entry.organization_id,
        user_name=user_name, action=action, snapshot=entry.to_json(), changes=list(changes), note=note,
    ))  # fmt: skip
    bump_revision(session)
    return number


def _conflict(session: Session, entry_id: str, base_version: int, current: Entry) -> list[Change]:
    base = version_of(session, "service", entry_id, base_version)
    if base is None:
        return diff_snapshots(None, current.to_json())
    return diff_snapshots(base.snapshot, current.to_json())


def save_entry(
    session: Session,
    actor: Actor,
    entry: Entry,
    *,
    base_version: int | None,
    action: str = "edit",
    note: str | None = None,
    review_months: int = DEFAULT_REVIEW_MONTHS,
) -> SaveResult:
    """Save a whole entry as a new version, or queue it for approval.

    Parameters
    ----------
    base_version
        The version the editor started from; ``None`` only for a new entry or an import (no locking).

    Raises
    ------
    PermissionDeniedError
        The actor does not edit for the organisation (the attempt is logged, nothing is changed).
    InvalidEntryError
        A field breaks a rule.
    EditConflictError
        Someone saved a different version since ``base_version``.
    """
    if session.get(Organization, entry.organization_id) is None:
        msg = f"{entry.organization_id!r} is not an organisation of the directory"
        raise InvalidEntryError("service.organization_id", msg)
    existing = read_entry(session, entry.id)
    owners = {entry.organization_id} | ({existing.organization_id} if existing else set())
    for owner in owners:
        if not actor.edits(owner):
            raise _deny(
                session, actor, "change this entry", f"service {entry.id}", "it belongs to another organisation"
            )
    check_entry(session, entry)
    row = session.get(Service, entry.id)
    current_version = row.row_version if row is not None else 0
    if existing is not None and base_version is not None and base_version != current_version:
        theirs = _conflict(session, entry.id, base_version, existing)
        if theirs:
            last = version_of(session, "service", entry.id, current_version)
            raise EditConflictError(
                str(existing.service.get("name")), current_version, theirs, last.user_name if last else None
            )
    before = existing.to_json() if existing is not None else None
    changes = diff_snapshots(before, entry.to_json())
    if not changes:
        return SaveResult("unchanged", current_version)
    organization = session.get(Organization, entry.organization_id)
    if organization is not None and organization.requires_approval and not actor.lead_admin:
        pending = PendingChange(
            entity_type="service", entity_id=entry.id, organization_id=entry.organization_id,
            base_version=current_version, snapshot=entry.to_json(), changes=changes, submitted_by=actor.name,
        )  # fmt: skip
        session.add(pending)
        session.flush()
        return SaveResult("pending", current_version, tuple(changes), pending.id)
    number = _apply(
        session, entry, changes, user_name=actor.name, action=action, note=note, review_months=review_months
    )
    return SaveResult("saved", number, tuple(changes))


def _pending(session: Session, actor: Actor, pending_id: int, verb: str) -> PendingChange:
    pending = session.get(PendingChange, pending_id)
    if pending is None or pending.status != "pending":
        msg = f"no pending change {pending_id}"
        raise EntryNotFoundError(msg)
    if not actor.lead_admin:
        raise _deny(session, actor, f"{verb} changes", f"pending change {pending_id}", "only lead-agency admins may")
    return pending


def approve_change(session: Session, actor: Actor, pending_id: int) -> SaveResult:
    """Publish a queued change as a new version (refused if the entry changed since it was queued)."""
    pending = _pending(session, actor, pending_id, "approve")
    entry = Entry.from_json(pending.snapshot)
    check_entry(session, entry)
    row = session.get(Service, pending.entity_id)
    current = row.row_version if row is not None else 0
    if current != pending.base_version:
        existing = read_entry(session, pending.entity_id)
        assert existing is not None
        theirs = _conflict(session, pending.entity_id, pending.base_version, existing)
        if theirs:
            raise EditConflictError(str(existing.service.get("name")), current, theirs, None)
    before = read_entry(session, pending.entity_id)
    changes = diff_snapshots(before.to_json() if before else None, entry.to_json())
    number = _apply(
        session, entry, changes, user_name=pending.submitted_by, action="approve",
        note=f"approved by {actor.name}", review_months=DEFAULT_REVIEW_MONTHS,
    )  # fmt: skip
    pending.status, pending.decided_by, pending.decided_at = "approved", actor.name, _now()
    return SaveResult("saved", number, tuple(changes))


def reject_change(session: Session, actor: Actor, pending_id: int, reason: str) -> None:
    """Turn a queued change down, with the reason the editor will see."""
    if not reason.strip():
        raise InvalidEntryError("reason", "is empty; say why the change is turned down")
    pending = _pending(session, actor, pending_id, "reject")
    pending.status, pending.decided_by, pending.decided_at = "rejected", actor.name, _now()
    pending.decision_note = reason.strip()[:2000]


def restore_version(session: Session, actor: Actor, service_id: str, number: int, *, base_version: int) -> SaveResult:
    """Make an earlier version current again; the restore is itself a new version.

    Raises
    ------
    EntryNotFoundError
        For an unknown entry or version.
    PermissionDeniedError
        Unless the actor edits for, or administers, the owning organisation.
    """
    version = version_of(session, "service", service_id, number)
    row = session.get(Service, service_id)
    if version is None or row is None:
        msg = f"no version {number} of service {service_id}"
        raise EntryNotFoundError(msg)
    if not (actor.edits(row.organization_id) or actor.administers(row.organization_id)):
        raise _deny(session, actor, "restore this entry", f"service {service_id}", "it belongs to another organisation")
    entry = Entry.from_json(version.snapshot)
    restorer = actor if actor.edits(entry.organization_id) else Actor(actor.name, "admin", system=True)
    return save_entry(
        session, restorer, entry, base_version=base_version, action="restore", note=f"restored version {number}"
    )


def confirm_entry(
    session: Session,
    actor: Actor,
    service_id: str,
    *,
    today: date | None = None,
    review_months: int = DEFAULT_REVIEW_MONTHS,
) -> date:
    """Record that the entry is still correct: last checked now, next review in ``review_months``. Returns the due date."""
    row = session.get(Service, service_id)
    if row is None:
        msg = f"no service {service_id}"
        raise EntryNotFoundError(msg)
    if not actor.edits(row.organization_id):
        raise _deny(session, actor, "confirm this entry", f"service {service_id}", "it belongs to another organisation")
    day = today or _now().date()
    row.last_checked = datetime.combine(day, datetime.min.time(), tzinfo=UTC) if today else _now()
    row.last_checked_by = actor.name
    row.review_due = add_months(day, review_months)
    entry = read_entry(session, service_id)
    assert entry is not None
    record_version(session, Version(
        entity_type="service", entity_id=service_id, organization_id=row.organization_id,
        user_name=actor.name, action="confirm", snapshot=entry.to_json(), changes=[],
        note=f"checked and still correct; next review {row.review_due.isoformat()}",
    ))  # fmt: skip
    row.row_version = latest_version(session, "service", service_id)
    bump_revision(session)
    return row.review_due
