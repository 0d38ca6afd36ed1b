"""SQLAlchemy 2 models: the Open Referral UK 3.0 tables in use, staff, and the directory's workflow.

Open Referral tables (``organizations``, ``organization_identifiers``,
``services``, ``attributes``, ``locations``, ``addresses``,
``service_at_locations``, ``schedules``, ``contacts``, ``phones``,
``taxonomies``, ``taxonomy_terms``) keep one column per field of the UK
profile that the directory uses, with the standard's names; a field of the
standard that no column holds is kept verbatim in ``extra`` so an import loses
nothing. :data:`ORUK_COLUMNS` lists, per table, the columns that are Open
Referral fields, in the order the records are written.

Our extensions on those tables: ``example`` (an invented record),
``confidential`` (a location whose whereabouts never leave the server),
``source``, ``coordinates_note``, ``public_contact_service_id`` (the safe
contact route of a confidential service), ``eligibility_description`` and,
for the directory's upkeep, ``last_checked``, ``review_due`` and
``row_version`` (optimistic locking).

Staff and workflow: ``users``, ``memberships`` (a user edits the entries of
the organisations they belong to), ``stewards`` (the lead contact and the
deputy of a service: a staff account or a named role mailbox),
``handovers`` (what happened to a service's contacts when someone left),
``versions`` (every change, with a snapshot and field-level changes),
``pending_changes`` (edits waiting for approval), ``feedback`` (reports from
the public), ``audit_events`` (refused attempts, logins, account changes, publishing) and
``login_failures`` (failed logins by user name, and locks).
Referrals between agencies: ``referrals`` (the client's details and notes
encrypted, column by column, with the ``cryptography`` package's Fernet;
nulled when the retention period ends) and ``referral_events`` (who saw or
changed which referral, when; never a client's details).

``directory_state`` holds one row whose ``revision`` goes up with every
change, so readers know when to reload.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ORUK_COLUMNS",
    "Address",
    "Attribute",
    "AuditEvent",
    "Base",
    "Contact",
    "DirectoryState",
    "Feedback",
    "Handover",
    "Location",
    "LoginFailure",
    "Membership",
    "Organization",
    "OrganizationIdentifier",
    "PendingChange",
    "Phone",
    "Referral",
    "ReferralEvent",
    "Schedule",
    "Service",
    "ServiceAtLocation",
    "Steward",
    "Taxonomy",
    "TaxonomyTerm",
    "User",
    "Version",
    "utcnow",
]

ID = String(64)
NAME = String(300)


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table (one metadata for Alembic)."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


# --- Open Referral UK tables --------------------------------------------------------------------------------------


class Taxonomy(Base):
    __tablename__ = "taxonomies"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[str | None] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_terms"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(ID)
    taxonomy: Mapped[str | None] = mapped_column(NAME)
    taxonomy_id: Mapped[str | None] = mapped_column(ForeignKey("taxonomies.id", ondelete="SET NULL"))
    term_uri: Mapped[str | None] = mapped_column(String(500))
    term: Mapped[str | None] = mapped_column(NAME)
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME, index=True)
    description: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(NAME)
    website: Mapped[str | None] = mapped_column(String(500))
    logo: Mapped[str | None] = mapped_column(String(500))
    uri: Mapped[str | None] = mapped_column(String(500))
    parent_organization_id: Mapped[str | None] = mapped_column(ID)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The lead agency of the partnership: its admins manage organisations, users and approvals.
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Edits by this organisation's editors wait for a lead admin's approval.
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OrganizationIdentifier(Base):
    __tablename__ = "organization_identifiers"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    identifier_scheme: Mapped[str | None] = mapped_column(NAME)
    identifier_type: Mapped[str] = mapped_column(NAME)
    identifier: Mapped[str] = mapped_column(NAME)
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Service(Base):
    __tablename__ = "services"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(NAME)
    status: Mapped[str] = mapped_column(String(32))
    fees: Mapped[str | None] = mapped_column(Text)
    accreditations: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[float | None] = mapped_column(Float)
    maximum_age: Mapped[float | None] = mapped_column(Float)
    alert: Mapped[str | None] = mapped_column(Text)
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    public_contact_service_id: Mapped[str | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    #: Whether staff of other partner agencies may refer people to this service.
    accepts_referrals: Mapped[bool] = mapped_column(Boolean, default=True)
    last_checked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_checked_by: Mapped[str | None] = mapped_column(String(64))
    review_due: Mapped[date | None] = mapped_column(Date, index=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Attribute(Base):
    """A taxonomy term linked to a service (``link_type`` ``service``): the service kind, for one."""

    __tablename__ = "attributes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    link_id: Mapped[str | None] = mapped_column(ID)
    link_type: Mapped[str | None] = mapped_column(String(50))
    taxonomy_term_id: Mapped[str | None] = mapped_column(ForeignKey("taxonomy_terms.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    external_identifier: Mapped[str | None] = mapped_column(NAME)
    external_identifier_type: Mapped[str | None] = mapped_column(NAME)
    source: Mapped[str | None] = mapped_column(Text)
    coordinates_note: Mapped[str | None] = mapped_column(Text)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    attention: Mapped[str | None] = mapped_column(NAME)
    address_1: Mapped[str] = mapped_column(NAME)
    city: Mapped[str] = mapped_column(NAME)
    region: Mapped[str | None] = mapped_column(NAME)
    state_province: Mapped[str] = mapped_column(NAME)
    postal_code: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(8))
    address_type: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ServiceAtLocation(Base):
    __tablename__ = "service_at_locations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("locations.id", ondelete="RESTRICT"), index=True)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Schedule(Base):
    __tablename__ = "schedules"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    service_at_location_id: Mapped[str | None] = mapped_column(
        ForeignKey("service_at_locations.id", ondelete="CASCADE"), index=True
    )
    valid_from: Mapped[str | None] = mapped_column(String(10))
    valid_to: Mapped[str | None] = mapped_column(String(10))
    dtstart: Mapped[str | None] = mapped_column(String(10))
    freq: Mapped[str | None] = mapped_column(String(16))
    interval: Mapped[int | None] = mapped_column(Integer)
    byday: Mapped[str | None] = mapped_column(String(100))
    bymonthday: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[str | None] = mapped_column(String(16))
    closes_at: Mapped[str | None] = mapped_column(String(16))
    schedule_link: Mapped[str | None] = mapped_column(String(500))
    attending_type: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(NAME)
    title: Mapped[str | None] = mapped_column(NAME)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Phone(Base):
    __tablename__ = "phones"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


#: Per Open Referral table: the model and its columns that are Open Referral fields (or our extensions), in order.
ORUK_COLUMNS: dict[str, tuple[type[Base], tuple[str, ...]]] = {
    "taxonomies": (Taxonomy, ("id", "name", "description", "uri", "version")),
    "taxonomy_terms": (
        TaxonomyTerm,
        ("id", "term", "name", "description", "parent_id", "taxonomy", "taxonomy_id", "term_uri"),
    ),
    "organizations": (
        Organization,
        ("id", "name", "description", "email", "website", "logo", "uri", "parent_organization_id", "example"),
    ),
    "organization_identifiers": (
        OrganizationIdentifier,
        ("id", "organization_id", "identifier_scheme", "identifier_type", "identifier"),
    ),
    "services": (
        Service,
        (
            "id",
            "organization_id",
            "name",
            "description",
            "status",
            "url",
            "email",
            "fees",
            "accreditations",
            "minimum_age",
            "maximum_age",
            "alert",
            "eligibility_description",
            "source",
            "example",
            "public_contact_service_id",
        ),
    ),
    "attributes": (Attribute, ("id", "link_id", "link_type", "taxonomy_term_id")),
    "locations": (
        Location,
        (
            "id",
            "location_type",
            "name",
            "description",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
            "source",
            "coordinates_note",
            "example",
            "confidential",
        ),
    ),
    "addresses": (
        Address,
        (
            "id",
            "location_id",
            "attention",
            "address_1",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
    ),
    "service_at_locations": (ServiceAtLocation, ("id", "service_id", "location_id", "example")),
    "schedules": (
        Schedule,
        (
            "id",
            "service_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "freq",
            "interval",
            "byday",
            "bymonthday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
            "example",
        ),
    ),
    "contacts": (Contact, ("id", "service_id", "name", "title", "example")),
    "phones": (Phone, ("id", "contact_id", "number", "description")),
}


# --- staff ----------------------------------------------------------------------------------------------------------


class User(Base):
    """A member of staff of a partner agency."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    email: Mapped[str | None] = mapped_column(NAME)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Random, held in each logged-in session's cookie; replaced (so every session ends) at logout,
    #: a password reset and deactivation. ``None``: no session is valid.
    session_key: Mapped[str | None] = mapped_column(String(64))

    def may(self, role: str) -> bool:
        """Whether this user may act in ``role`` (admins may act in every role)."""
        return self.active and self.role in (role, "admin")

    def end_sessions(self) -> None:
        """Every session of this user stops working (logout, password reset, deactivation)."""
        self.session_key = None


class LoginFailure(Base):
    """Failed logins for one user name (real or not, so a lock says nothing about who exists)."""

    __tablename__ = "login_failures"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Membership(Base):
    """A user belongs to an organisation as its ``editor`` or its ``admin``."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Steward(Base):
    """A service's lead contact or deputy: a staff account, or a named role mailbox that outlives staff."""

    __tablename__ = "stewards"
    __table_args__ = (UniqueConstraint("service_id", "duty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    duty: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    mailbox: Mapped[str | None] = mapped_column(NAME)
    label: Mapped[str | None] = mapped_column(NAME)


class Handover(Base):
    """What happened to a service's contacts when a member of staff left."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(ID, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    departed: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    new_lead: Mapped[str | None] = mapped_column(NAME)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Version(Base):
    """One change to a directory entry: who, when, what (field-level), and the entry as it then was."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("entity_type", "entity_id", "number"),
        Index("ix_versions_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(ID, index=True)
    number: Mapped[int] = mapped_column(Integer)
    organization_id: Mapped[str | None] = mapped_column(ID, index=True)
    user_name: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column()
    changes: Mapped[list[Any]] = mapped_column(default=list)


class PendingChange(Base):
    """An edit waiting for approval (organisations under review)."""

    __tablename__ = "pending_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(ID, index=True)
    organization_id: Mapped[str] = mapped_column(ID, index=True)
    base_version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column()
    changes: Mapped[list[Any]] = mapped_column(default=list)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)


class Feedback(Base):
    """A member of the public reports a problem with an entry; the owning organisation acts on it."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(ID, index=True)
    message: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    acted_by: Mapped[str | None] = mapped_column(String(64))
    acted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    action_note: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Something staff did or tried that must be on record (a refused edit, a login, an account change)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_name: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)


class DirectoryState(Base):
    """One row: the directory's revision (up by one with every change) and where it was seeded from."""

    __tablename__ = "directory_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    seeded_from: Mapped[str | None] = mapped_column(Text)
    seeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Referral(Base):
    """A referral of a person from one partner agency to another agency's service.

    ``client_*`` and ``*_note`` columns hold Fernet tokens, never clear text;
    :mod:`outreach_map.referrals` is the only code that opens them.
    """

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, index=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    from_organization_id: Mapped[str] = mapped_column(ID, index=True)
    from_user_name: Mapped[str] = mapped_column(String(64))
    to_service_id: Mapped[str] = mapped_column(ID, index=True)
    to_organization_id: Mapped[str] = mapped_column(ID, index=True)
    need: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    consent: Mapped[bool] = mapped_column(Boolean)
    safeguarding_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    client_name: Mapped[str | None] = mapped_column(Text)
    client_contact: Mapped[str | None] = mapped_column(Text)
    client_safe_times: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(String(32))
    decline_note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    forwarded_from_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    forwarded_to_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    notified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReferralEvent(Base):
    """Who opened, viewed or changed a referral, and when (no client details)."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_name: Mapped[str | None] = mapped_column(String(64))
    organization_id: Mapped[str | None] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(300))
