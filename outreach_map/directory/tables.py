"""Database rows to Open Referral records and back, table by table and entry by entry.

Records have the shape of ``data/services/*.json``: addresses inside their
location, attributes inside their service, identifiers inside their
organisation. A field of the standard that no column holds travels in the
row's ``extra`` and comes back unchanged.

An **entry** is everything one agency keeps for one service: the service
record, its service_at_locations and their locations, its schedules, and its
contacts with their phones (:class:`Entry`). Versions snapshot entries, the
editor changes them, imports write them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.models import (
    ORUK_COLUMNS,
    Address,
    Attribute,
    Base,
    Contact,
    Location,
    Organization,
    OrganizationIdentifier,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from .model import TABLES

__all__ = [
    "ENTRY_TABLES",
    "Entry",
    "apply_record",
    "read_entry",
    "read_tables",
    "record_of",
    "write_entry",
    "write_tables",
]

Record = dict[str, Any]
M = TypeVar("M", bound=Base)

#: Child arrays kept inside a record in the file format: table -> (key, child table).
_NESTED = {
    "services": ("attributes", "attributes"),
    "locations": ("addresses", "addresses"),
    "organizations": ("organization_identifiers", "organization_identifiers"),
}
#: Boolean extensions written only when true (as in the seed files).
_FLAGS = frozenset({"example", "confidential"})
#: Numbers the standard types as ``number`` that are whole in practice.
_WHOLE = frozenset({"minimum_age", "maximum_age", "interval"})
#: The tables of an entry, in the order they are listed and written.
ENTRY_TABLES = ("services", "service_at_locations", "locations", "schedules", "contacts", "phones")


def _columns(table: str) -> tuple[type[Base], tuple[str, ...]]:
    return ORUK_COLUMNS[table]


def record_of(row: Base, table: str) -> Record:
    """The Open Referral record of a row (unset fields left out, ``extra`` merged back)."""
    _, columns = _columns(table)
    out: Record = {}
    for name in columns:
        value = getattr(row, name)
        if value is None or (name in _FLAGS and value is False):
            continue
        if name in _WHOLE and isinstance(value, float) and value.is_integer():
            value = int(value)
        out[name] = value
    extra = getattr(row, "extra", None) or {}
    return out | {k: v for k, v in extra.items() if k not in out}


def apply_record(row: Base, table: str, record: Mapping[str, Any]) -> None:
    """Set a row's columns from a record; fields without a column go to ``extra`` (nested children excluded)."""
    _, columns = _columns(table)
    nested = _NESTED.get(table, ("", ""))[0]
    for name in columns:
        value = record.get(name)
        if name in _FLAGS:
            value = bool(value)
        setattr(row, name, value)
    row.extra = {k: v for k, v in record.items() if k not in columns and k != nested}  # type: ignore[attr-defined]


def _new(table: str, record: Mapping[str, Any], **extra_columns: Any) -> Base:
    model, _ = _columns(table)
    row = model()
    apply_record(row, table, record)
    for name, value in extra_columns.items():
        setattr(row, name, value)
    return row


def _ordered(session: Session, model: type[M], *where: Any) -> list[M]:
    statement = select(model).where(*where).order_by(model.position, model.id)  # type: ignore[attr-defined]
    return list(session.scalars(statement))


def _with_children(session: Session, table: str, rows: Iterable[Base]) -> list[Record]:
    rows = list(rows)
    records = [record_of(r, table) for r in rows]
    if table not in _NESTED:
        return records
    key, child_table = _NESTED[table]
    child_model, _ = _columns(child_table)
    parent = {"attributes": "service_id", "addresses": "location_id", "organization_identifiers": "organization_id"}[
        child_table
    ]
    ids = [r["id"] for r in records]
    children: dict[str, list[Record]] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for child in _ordered(session, child_model, getattr(child_model, parent).in_(chunk)):
            children.setdefault(getattr(child, parent), []).append(record_of(child, child_table))
    for record in records:
        if record["id"] in children:
            record[key] = children[record["id"]]
    return records


def read_tables(session: Session) -> dict[str, list[Record]]:
    """The whole directory as Open Referral tables, in the shape of the seed files and in directory order."""
    out: dict[str, list[Record]] = {}
    for table in TABLES:
        model, _ = _columns(table)
        out[table] = _with_children(session, table, _ordered(session, model))
    return out


def _next_position(session: Session, model: type[Base]) -> int:
    return int(session.scalar(select(func.coalesce(func.max(model.position), -1))) or 0) + 1  # type: ignore[attr-defined]


def write_tables(session: Session, rows: Mapping[str, list[Record]]) -> None:
    """Insert validated, linked tables (as :func:`read_tables` returns them) into an empty directory."""
    parent = {"services": "service_id", "locations": "location_id", "organizations": "organization_id"}
    contact_routes: dict[str, str] = {}
    for table in TABLES:
        for position, record in enumerate(rows.get(table, ())):
            row = _new(table, record, position=position)
            if table == "services" and record.get("public_contact_service_id"):
                contact_routes[record["id"]] = record["public_contact_service_id"]
                row.public_contact_service_id = None  # type: ignore[attr-defined]
            session.add(row)
        session.flush()
        if table in _NESTED:
            key, child_table = _NESTED[table]
            for record in rows.get(table, ()):
                for k, child in enumerate(record.get(key, ())):
                    session.add(_new(child_table, child, position=k, **{parent[table]: record["id"]}))
            session.flush()
    for service_id, route in contact_routes.items():
        service = session.get(Service, service_id)
        assert service is not None
        service.public_contact_service_id = route
    session.flush()


# --- entries ------------------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One service and everything that belongs to it, as Open Referral records.

    ``service`` holds its attributes; each location holds its addresses. The
    records are plain JSON, so an entry is also a version's snapshot.
    """

    service: Record
    service_at_locations: list[Record] = field(default_factory=list)
    locations: list[Record] = field(default_factory=list)
    schedules: list[Record] = field(default_factory=list)
    contacts: list[Record] = field(default_factory=list)
    phones: list[Record] = field(default_factory=list)

    def to_json(self) -> Record:
        """The entry as one JSON object (a version snapshot; a deep copy, so later edits do not change it)."""
        return copy.deepcopy({"services": [self.service]} | {t: getattr(self, t) for t in ENTRY_TABLES[1:]})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        """An entry from :meth:`to_json`'s object."""
        return cls(
            service=dict(data["services"][0]),
            **{t: [dict(r) for r in data.get(t, [])] for t in ENTRY_TABLES[1:]},
        )

    @property
    def id(self) -> str:
        return str(self.service["id"])

    @property
    def organization_id(self) -> str:
        return str(self.service["organization_id"])

    def confidential_locations(self) -> set[str]:
        """Ids of this entry's confidential locations."""
        return {r["id"] for r in self.locations if r.get("confidential")}


def read_entry(session: Session, service_id: str) -> Entry | None:
    """The entry of a service as it is in the database, or ``None`` for an unknown id."""
    service = session.get(Service, service_id)
    if service is None:
        return None
    sals = _ordered(session, ServiceAtLocation, ServiceAtLocation.service_id == service_id)
    location_ids = [s.location_id for s in sals]
    locations = {r.id: r for r in _ordered(session, Location, Location.id.in_(location_ids))}
    sal_ids = [s.id for s in sals]
    schedules = _ordered(
        session,
        Schedule,
        (Schedule.service_id == service_id) | Schedule.service_at_location_id.in_(sal_ids),
    )
    contacts = _ordered(session, Contact, Contact.service_id == service_id)
    phones = _ordered(session, Phone, Phone.contact_id.in_([c.id for c in contacts]))
    return Entry(
        service=_with_children(session, "services", [service])[0],
        service_at_locations=[record_of(s, "service_at_locations") for s in sals],
        locations=_with_children(session, "locations", [locations[i] for i in dict.fromkeys(location_ids)]),
        schedules=[record_of(s, "schedules") for s in schedules],
        contacts=[record_of(c, "contacts") for c in contacts],
        phones=[record_of(p, "phones") for p in phones],
    )


def _upsert(session: Session, table: str, record: Mapping[str, Any], position: int, **parents: Any) -> Base:
    model, _ = _columns(table)
    row = session.get(model, record["id"])
    if row is None:
        row = _new(table, record, position=position, **parents)
        session.add(row)
    else:
        apply_record(row, table, record)
        for name, value in parents.items():
            setattr(row, name, value)
    return row


def _replace_children(
    session: Session, parent_table: str, parent_id: str, records: list[Record], existing: Iterable[Base]
) -> None:
    _, child_table = _NESTED[parent_table]
    parent_column = {"services": "service_id", "locations": "location_id"}[parent_table]
    keep = {r["id"] for r in records}
    for row in existing:
        if row.id not in keep:  # type: ignore[attr-defined]
            session.delete(row)
    session.flush()
    for position, child in enumerate(records):
        _upsert(session, child_table, child, position, **{parent_column: parent_id})


def write_entry(session: Session, entry: Entry) -> None:
    """Make the database hold exactly ``entry`` for its service (created if new), children matched by id.

    Children the entry no longer lists are deleted; a location is deleted only
    when no other service is still at it. The caller has validated the entry
    (:mod:`.editing`) and records the version.
    """
    service = session.get(Service, entry.id)
    position = service.position if service is not None else _next_position(session, Service)
    service = _upsert(session, "services", entry.service, position)  # type: ignore[assignment]
    session.flush()
    _replace_children(
        session, "services", entry.id, list(entry.service.get("attributes", ())),
        _ordered(session, Attribute, Attribute.service_id == entry.id),
    )  # fmt: skip
    for k, location in enumerate(entry.locations):
        row = session.get(Location, location["id"])
        _upsert(session, "locations", location, row.position if row else _next_position(session, Location) + k)
        session.flush()
        _replace_children(
            session, "locations", location["id"], list(location.get("addresses", ())),
            _ordered(session, Address, Address.location_id == location["id"]),
        )  # fmt: skip
    _sync_sals(session, entry)
    _sync(session, "schedules", Schedule, entry.schedules, _entry_schedules(session, entry))
    old_contacts = _ordered(session, Contact, Contact.service_id == entry.id)
    _sync(
        session, "phones", Phone, entry.phones,
        _ordered(session, Phone, Phone.contact_id.in_([c.id for c in old_contacts])), defer_insert=True,
    )  # fmt: skip
    _sync(session, "contacts", Contact, entry.contacts, old_contacts)
    for position, phone in enumerate(entry.phones):
        _upsert(session, "phones", phone, position)
    session.flush()


def _entry_schedules(session: Session, entry: Entry) -> list[Schedule]:
    sal_ids = [s["id"] for s in entry.service_at_locations]
    return _ordered(session, Schedule, (Schedule.service_id == entry.id) | Schedule.service_at_location_id.in_(sal_ids))


def _sync_sals(session: Session, entry: Entry) -> None:
    old = _ordered(session, ServiceAtLocation, ServiceAtLocation.service_id == entry.id)
    keep = {r["id"] for r in entry.service_at_locations}
    orphans = {s.location_id for s in old if s.id not in keep}
    for row in old:
        if row.id not in keep:
            session.delete(row)
    session.flush()
    for position, sal in enumerate(entry.service_at_locations):
        _upsert(session, "service_at_locations", sal, position)
    session.flush()
    for location_id in orphans - {r["location_id"] for r in entry.service_at_locations}:
        still_used = session.scalar(
            select(func.count()).select_from(ServiceAtLocation).where(ServiceAtLocation.location_id == location_id)
        )
        location = session.get(Location, location_id) if not still_used else None
        if location is not None:
            session.delete(location)
    session.flush()


def _sync(
    session: Session,
    table: str,
    model: type[Base],
    records: list[Record],
    existing: Iterable[Base],
    *,
    defer_insert: bool = False,
) -> None:
    keep = {r["id"] for r in records}
    for row in existing:
        if row.id not in keep:  # type: ignore[attr-defined]
            session.delete(row)
    session.flush()
    if not defer_insert:
        for position, record in enumerate(records):
            _upsert(session, table, record, position)
        session.flush()


def organization_record(session: Session, organization_id: str) -> Record | None:
    """An organisation's record with its identifiers, or ``None``."""
    row = session.get(Organization, organization_id)
    return None if row is None else _with_children(session, "organizations", [row])[0]


def term_ids(session: Session) -> set[str]:
    """Ids of every taxonomy term (for checking a service's attributes)."""
    return set(session.scalars(select(TaxonomyTerm.id)))


def identifiers_of(session: Session, organization_id: str) -> list[OrganizationIdentifier]:
    return _ordered(session, OrganizationIdentifier, OrganizationIdentifier.organization_id == organization_id)


def entries_from_tables(tables: Mapping[str, list[Record]]) -> dict[str, Entry]:
    """Every service's entry, cut from whole tables (as :func:`read_tables` or the seed files give them)."""
    entries = {r["id"]: Entry(service=dict(r)) for r in tables["services"]}
    locations = {r["id"]: r for r in tables["locations"]}
    sal_service: dict[str, str] = {}
    for sal in tables["service_at_locations"]:
        entry = entries[sal["service_id"]]
        entry.service_at_locations.append(dict(sal))
        sal_service[sal["id"]] = sal["service_id"]
        if all(loc["id"] != sal["location_id"] for loc in entry.locations):
            entry.locations.append(dict(locations[sal["location_id"]]))
    for schedule in tables["schedules"]:
        owner = schedule.get("service_id") or sal_service[schedule["service_at_location_id"]]
        entries[owner].schedules.append(dict(schedule))
    contact_service: dict[str, str] = {}
    for contact in tables["contacts"]:
        entries[contact["service_id"]].contacts.append(dict(contact))
        contact_service[contact["id"]] = contact["service_id"]
    for phone in tables["phones"]:
        entries[contact_service[phone["contact_id"]]].phones.append(dict(phone))
    return entries
