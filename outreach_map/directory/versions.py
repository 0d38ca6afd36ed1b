"""Versions of directory entries: field-level differences, history, and what each viewer may see of them.

A change is one field of one record: ``{"table", "record", "field", "label",
"before", "after"}``; a record added or removed is one change whose
``field`` is ``"(added)"`` or ``"(removed)"``. Changes inside a confidential
location are shown as ``(confidential)`` to anyone outside its agency.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.models import Version
from .tables import ENTRY_TABLES

__all__ = [
    "CONFIDENTIAL_MARK",
    "Change",
    "VersionView",
    "diff_snapshots",
    "history",
    "latest_version",
    "recent_activity",
    "record_version",
    "redact_changes",
    "version_of",
]

Change = dict[str, Any]
CONFIDENTIAL_MARK = "(confidential)"

_TABLE_NAMES = {
    "services": "Service",
    "service_at_locations": "Service at location",
    "locations": "Location",
    "schedules": "Opening hours",
    "contacts": "Contact",
    "phones": "Phone",
    "organizations": "Organisation",
}
_FIELD_NAMES = {
    "opens_at": "opens at", "closes_at": "closes at", "byday": "days", "freq": "frequency", "interval": "every",
    "valid_from": "from", "valid_to": "until", "dtstart": "first date", "address_1": "address", "city": "town",
    "postal_code": "postcode", "latitude": "latitude", "longitude": "longitude", "confidential": "confidential",
    "eligibility_description": "eligibility", "minimum_age": "minimum age", "maximum_age": "maximum age",
    "public_contact_service_id": "safe contact route", "taxonomy_term_id": "kind", "number": "number",
}  # fmt: skip


def _name(record: Mapping[str, Any]) -> str:
    for key in ("name", "number", "address_1", "description"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value if len(value) <= 40 else value[:37] + "..."
    return str(record.get("id", ""))[:8]


def _flatten(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Leaves of a record; lists of records are keyed by id so a reorder is not a change."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and all(isinstance(v, Mapping) and "id" in v for v in value) and value:
        for item in value:
            yield from _flatten({k: v for k, v in item.items() if k != "id"}, f"{prefix}[{item['id']}]")
    else:
        yield prefix, value


def _records(snapshot: Mapping[str, Any] | None, table: str) -> dict[str, Mapping[str, Any]]:
    if snapshot is None:
        return {}
    return {r["id"]: r for r in snapshot.get(table, ())}


def diff_snapshots(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], tables: Sequence[str] = ENTRY_TABLES
) -> list[Change]:
    """Every field that differs between two snapshots (``before`` ``None``: the entry is new)."""
    changes: list[Change] = []
    for table in tables:
        old, new = _records(before, table), _records(after, table)
        for rid in [*old, *(r for r in new if r not in old)]:
            label = f"{_TABLE_NAMES.get(table, table)} '{_name(new.get(rid) or old[rid])}'"
            if rid not in old:
                changes.append({"table": table, "record": rid, "field": "(added)", "label": label,
                                "before": None, "after": _name(new[rid])})  # fmt: skip
                continue
            if rid not in new:
                changes.append({"table": table, "record": rid, "field": "(removed)", "label": label,
                                "before": _name(old[rid]), "after": None})  # fmt: skip
                continue
            a, b = dict(_flatten(old[rid], "")), dict(_flatten(new[rid], ""))
            for path in [*a, *(p for p in b if p not in a)]:
                if a.get(path) != b.get(path):
                    leaf = path.rsplit(".", 1)[-1].split("[")[0]
                    changes.append({
                        "table": table, "record": rid, "field": path,
                        "label": f"{label}: {_FIELD_NAMES.get(leaf, leaf.replace('_', ' '))}",
                        "before": a.get(path), "after": b.get(path),
                    })  # fmt: skip
    return changes


def _confidential(snapshot: Mapping[str, Any] | None) -> set[str]:
    """Ids of the confidential locations of a snapshot and of the service_at_locations that point at them."""
    locations = {r["id"] for r in (snapshot or {}).get("locations", ()) if r.get("confidential")}
    sals = {r["id"] for r in (snapshot or {}).get("service_at_locations", ()) if r.get("location_id") in locations}
    return locations | sals


def redact_changes(changes: Sequence[Change], *snapshots: Mapping[str, Any] | None) -> list[Change]:
    """The changes with everything about a confidential location (in any of the snapshots) replaced by a mark."""
    secret: set[str] = set().union(*(_confidential(s) for s in snapshots))
    out = []
    for change in changes:
        hidden = change["table"] in ("locations", "service_at_locations") and change["record"] in secret
        if hidden:
            change = change | {"record": "", "field": "", "label": "Location (confidential)",
                               "before": CONFIDENTIAL_MARK, "after": CONFIDENTIAL_MARK}  # fmt: skip
        out.append(dict(change))
    return out


def latest_version(session: Session, entity_type: str, entity_id: str) -> int:
    """The newest version number of an entry (0 when it has none)."""
    number = session.scalar(
        select(func.max(Version.number)).where(Version.entity_type == entity_type, Version.entity_id == entity_id)
    )
    return int(number or 0)


def record_version(session: Session, version: Version) -> Version:
    """Add ``version`` as the next version of its entry (numbered here, in the caller's transaction)."""
    version.number = latest_version(session, version.entity_type, version.entity_id) + 1
    session.add(version)
    session.flush()
    return version


def version_of(session: Session, entity_type: str, entity_id: str, number: int) -> Version | None:
    """One version of an entry, or ``None``."""
    return session.scalar(
        select(Version).where(
            Version.entity_type == entity_type, Version.entity_id == entity_id, Version.number == number
        )
    )


@dataclass(frozen=True, slots=True)
class VersionView:
    """A version as a viewer may see it (confidential details redacted where they must be)."""

    number: int
    at: datetime
    user_name: str | None
    action: str
    note: str | None
    changes: tuple[Change, ...]
    entity_id: str
    organization_id: str | None


def _view(version: Version, previous: Mapping[str, Any] | None, *, see_confidential: bool) -> VersionView:
    changes = version.changes if see_confidential else redact_changes(version.changes, previous, version.snapshot)
    return VersionView(
        version.number, version.at, version.user_name, version.action, version.note, tuple(changes),
        version.entity_id, version.organization_id,
    )  # fmt: skip


def history(session: Session, entity_type: str, entity_id: str, *, see_confidential: bool) -> list[VersionView]:
    """Every version of an entry, newest first."""
    versions = list(
        session.scalars(
            select(Version)
            .where(Version.entity_type == entity_type, Version.entity_id == entity_id)
            .order_by(Version.number)
        )
    )
    views = [
        _view(v, versions[i - 1].snapshot if i else None, see_confidential=see_confidential)
        for i, v in enumerate(versions)
    ]
    return views[::-1]


def recent_activity(
    session: Session,
    *,
    organization_ids: Sequence[str] | None = None,
    user_name: str | None = None,
    limit: int = 100,
    see_confidential_of: Sequence[str] = (),
) -> list[VersionView]:
    """Recent versions across the directory, newest first, optionally of some organisations or one user."""
    statement = select(Version).where(Version.action != "seed").order_by(Version.at.desc(), Version.id.desc())
    if organization_ids is not None:
        statement = statement.where(Version.organization_id.in_(list(organization_ids)))
    if user_name is not None:
        statement = statement.where(Version.user_name == user_name)
    out = []
    for version in session.scalars(statement.limit(limit)):
        previous = version_of(session, version.entity_type, version.entity_id, version.number - 1)
        visible = version.organization_id in see_confidential_of
        out.append(_view(version, previous.snapshot if previous else None, see_confidential=visible))
    return out
