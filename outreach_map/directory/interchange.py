"""Open Referral UK 3.0 interchange: export the directory, import another system's services.

The file is a JSON array of fully nested services, each as
``/api/openreferral/services/{id}`` returns it. Export validates every
service against the schema and never contains a confidential location.
Import validates every record first and writes all or nothing, listing each
bad record by id and field; records are matched by id, so importing the same
file twice changes nothing, and a service's confidential locations (which no
export holds) are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .._files import write_text_atomic
from ..db.models import Organization, OrganizationIdentifier, Service, Taxonomy, TaxonomyTerm, Version
from ..errors import InterchangeError, InvalidEntryError, OutreachError
from ..openreferral import build_catalogue, service_full
from .editing import Actor, check_entry, save_entry
from .hours import parse_clock
from .schema import record_problems
from .store import bump_revision, load_from_database
from .tables import Entry, apply_record, organization_record, read_entry
from .versions import diff_snapshots, record_version

__all__ = ["ImportResult", "export_services", "import_services", "read_import_file", "write_export"]

#: Fields the API derives; an import ignores them.
_DERIVED = ("public_contact_service", "last_modified", "assured_date", "assurer_email", "organization")
_LISTS = ("service_areas", "languages", "funding", "cost_options")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    created: int
    updated: int
    unchanged: int
    organizations: int

    def summary(self) -> str:
        return (
            f"{self.created} service(s) created, {self.updated} updated, {self.unchanged} unchanged; "
            f"{self.organizations} organisation(s) created or updated"
        )


def export_services(session: Session) -> list[dict[str, Any]]:
    """Every service, fully nested, as the API gives it (confidential locations left out), each one validated.

    Raises
    ------
    InterchangeError
        If a service would not validate (a bug, never a silently invalid file).
    """
    catalogue = build_catalogue(load_from_database(session))
    out = []
    problems = []
    for service_id in catalogue.services:
        document = service_full(catalogue, service_id)
        assert document is not None
        problems += [f"service {service_id}: field '{f}': {m}" for f, m in record_problems("service.json", document)]
        out.append(document)
    if problems:
        raise InterchangeError("export", problems)
    return out


def write_export(session: Session, path: Path) -> int:
    """Write the export to ``path`` atomically; returns the number of services."""
    services = export_services(session)
    write_text_atomic(path, json.dumps(services, indent=1, ensure_ascii=False) + "\n")
    return len(services)


def read_import_file(path: Path) -> list[dict[str, Any]]:
    """The services of an import file (a JSON array, or an Open Referral Page object with ``contents``).

    Raises
    ------
    InterchangeError
        For a file that cannot be read or is not an array of objects (line and column given for bad JSON).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InterchangeError(str(path), ["file not found"]) from None
    except UnicodeDecodeError as exc:
        raise InterchangeError(str(path), [f"not UTF-8 text (byte {exc.start})"]) from None
    except json.JSONDecodeError as exc:
        raise InterchangeError(
            str(path), [f"not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"]
        ) from None
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        data = data["contents"]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise InterchangeError(str(path), ["expected a JSON array of services (objects)"])
    return data


def _locate(index: int, document: Mapping[str, Any]) -> str:
    rid = document.get("id")
    return f"service {index} (id {rid})" if isinstance(rid, str) else f"service {index}"


def _plain(record: Mapping[str, Any], *drop: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in drop}


def _location_records(sal: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    location = dict(sal["location"])
    if not location.get("accessibility"):
        location.pop("accessibility", None)
    if not location.get("attributes"):
        location.pop("attributes", None)
    location["addresses"] = [_plain(a, "attributes") | ({"attributes": a["attributes"]} if a.get("attributes") else {})
                             for a in location.get("addresses", ())]  # fmt: skip
    if not location["addresses"]:
        del location["addresses"]
    record = _plain(sal, "location", "service", "location_redacted", "location_note", "public_contact_service_id")
    record["location_id"] = location["id"]
    return record, location


def _flatten(document: Mapping[str, Any], organization_id: str) -> Entry:
    """An import document as an entry of flat records (nested term objects and derived fields dropped)."""
    service = _plain(document, "schedules", "service_at_locations", "contacts", "attributes", *_DERIVED, *_LISTS)
    service["organization_id"] = organization_id
    service["attributes"] = [_plain(a, "taxonomy_term") for a in document.get("attributes", ())]
    for key in _LISTS:
        if document.get(key):
            service[key] = document[key]
    entry = Entry(service=service)
    for sal in document.get("service_at_locations", ()):
        if sal.get("location_redacted") or "location" not in sal:
            continue
        sal_record, location = _location_records(sal)
        entry.service_at_locations.append(sal_record | {"service_id": service["id"]})
        if all(loc["id"] != location["id"] for loc in entry.locations):
            entry.locations.append(location)
    entry.schedules = [dict(s) for s in document.get("schedules", ())]
    for contact in document.get("contacts", ()):
        entry.contacts.append(_plain(contact, "phones") | {"service_id": service["id"]})
        entry.phones += [dict(p) | {"contact_id": contact["id"]} for p in contact.get("phones", ())]
    return entry


def _local_times(entry: Entry, existing: Entry | None) -> Entry:
    """Times as wall-clock times in Europe/London (the export adds the day's offset); unchanged ones as stored."""
    old = {s["id"]: s for s in existing.schedules} if existing is not None else {}
    for schedule in entry.schedules:
        for key in ("opens_at", "closes_at"):
            value = schedule.get(key)
            if not isinstance(value, str):
                continue
            try:
                clock = parse_clock(value)
            except InvalidEntryError:
                continue  # the rule check names it
            before = old.get(schedule["id"], {}).get(key)
            try:
                same = isinstance(before, str) and parse_clock(before) == clock
            except InvalidEntryError:
                same = False
            schedule[key] = before if same else clock.strftime("%H:%M:%S" if clock.second else "%H:%M")
    return entry


def _keep_confidential(entry: Entry, existing: Entry | None) -> Entry:
    """Add back the existing entry's confidential locations, which an export never holds."""
    if existing is None:
        return entry
    secret = existing.confidential_locations()
    sals = [s for s in existing.service_at_locations if s["location_id"] in secret]
    sal_ids = {s["id"] for s in sals}
    entry.service_at_locations += [s for s in sals if s["id"] not in {x["id"] for x in entry.service_at_locations}]
    entry.locations += [loc for loc in existing.locations if loc["id"] in secret]
    entry.schedules += [s for s in existing.schedules if s.get("service_at_location_id") in sal_ids]
    return entry


def _upsert_organization(session: Session, record: Mapping[str, Any]) -> bool:
    """Create or update an organisation from its nested record; returns whether anything changed."""
    wanted = _plain(record, "attributes") | ({"attributes": record["attributes"]} if record.get("attributes") else {})
    identifiers = wanted.pop("organization_identifiers", [])
    current = organization_record(session, str(record["id"]))
    comparable = dict(current or {})
    current_identifiers = [_plain(i, "organization_id") for i in comparable.pop("organization_identifiers", [])]
    if (
        current is not None
        and comparable == wanted
        and current_identifiers == [_plain(i, "organization_id") for i in identifiers]
    ):
        return False
    row = session.get(Organization, record["id"]) or Organization(id=record["id"])
    apply_record(row, "organizations", wanted)
    session.add(row)
    session.flush()
    for old in session.query(OrganizationIdentifier).filter_by(organization_id=row.id):
        session.delete(old)
    session.flush()
    for k, ident in enumerate(identifiers):
        child = OrganizationIdentifier(organization_id=row.id, position=k)
        apply_record(child, "organization_identifiers", ident)
        child.organization_id = row.id
        session.add(child)
    session.flush()
    record_version(session, Version(
        entity_type="organization", entity_id=row.id, organization_id=row.id, user_name=None,
        action="import", snapshot={"organizations": [organization_record(session, row.id)]},
        changes=diff_snapshots({"organizations": [current]} if current else None,
                               {"organizations": [organization_record(session, row.id)]}, ("organizations",)),
    ))  # fmt: skip
    return True


def _ensure_terms(session: Session, document: Mapping[str, Any]) -> None:
    for attribute in document.get("attributes", ()):
        term = attribute.get("taxonomy_term")
        if isinstance(term, Mapping) and session.get(TaxonomyTerm, term.get("id")) is None:
            taxonomy_id = term.get("taxonomy_id")
            if taxonomy_id and session.get(Taxonomy, taxonomy_id) is None:
                row_tax = Taxonomy(id=taxonomy_id, name=str(term.get("taxonomy") or "imported"), description="Imported")
                session.add(row_tax)
            row = TaxonomyTerm()
            apply_record(row, "taxonomy_terms", term)
            session.add(row)
            session.flush()


def _problems_of(index: int, document: Mapping[str, Any]) -> list[str]:
    where = _locate(index, document)
    return [f"{where}: field '{f}': {m}" for f, m in record_problems("service.json", document)]


def _owner(
    session: Session, index: int, document: Mapping[str, Any], organization_id: str | None
) -> tuple[str, list[str]]:
    where = _locate(index, document)
    owner = organization_id or document.get("organization_id") or (document.get("organization") or {}).get("id")
    if not isinstance(owner, str):
        return "", [f"{where}: field 'organization_id': missing; expected the id of the organisation"]
    nested = document.get("organization")
    known = session.get(Organization, owner) is not None
    if organization_id is None and not known and not (isinstance(nested, Mapping) and nested.get("id") == owner):
        return owner, [f"{where}: field 'organization_id': {owner!r} is not an organisation of the directory"]
    existing = session.get(Service, document["id"]) if isinstance(document.get("id"), str) else None
    if existing is not None and existing.organization_id != owner:
        return owner, [f"{where}: field 'id': the service belongs to another organisation"]
    return owner, []


def _routes_last(documents: Sequence[Mapping[str, Any]]) -> list[tuple[int, Mapping[str, Any]]]:
    """The documents numbered from 1, each after the service its safe contact route names (when in the file)."""
    numbered = list(enumerate(documents, start=1))
    in_file = {d.get("id") for d in documents}
    placed: set[Any] = set()
    ordered: list[tuple[int, Mapping[str, Any]]] = []
    while numbered:
        ready = [(i, d) for i, d in numbered
                 if d.get("public_contact_service_id") not in in_file - placed or d.get("public_contact_service_id") == d.get("id")]  # fmt: skip
        ready = ready or numbered[:1]  # a cycle of routes: the rule check reports it
        ordered += ready
        placed |= {d.get("id") for _, d in ready}
        numbered = [x for x in numbered if x not in ready]
    return ordered


@dataclass
class _ImportRun:
    """One import in progress: where new entries go in the directory order, and what was done."""

    session: Session
    actor: Actor
    source: str
    forced_organization: str | None
    first_position: int
    created: int = 0
    saved: int = 0
    unchanged: int = 0
    organizations: int = 0

    def result(self) -> ImportResult:
        return ImportResult(self.created, self.saved - self.created, self.unchanged, self.organizations)

    def one(self, index: int, document: Mapping[str, Any], owner: str) -> None:
        """Import one service (its organisation and taxonomy terms first); new entries keep the file's order."""
        session = self.session
        nested = document.get("organization")
        if self.forced_organization is None and isinstance(nested, Mapping):
            self.organizations += int(_upsert_organization(session, nested))
        _ensure_terms(session, document)
        existing = read_entry(session, str(document["id"]))
        entry = _keep_confidential(_local_times(_flatten(document, owner), existing), existing)
        check_entry(session, entry)
        note = f"imported from {Path(self.source).name}"
        result = save_entry(session, self.actor, entry, base_version=None, action="import", note=note)
        if result.status == "unchanged":
            self.unchanged += 1
            return
        self.saved += 1
        if existing is None:
            self.created += 1
            row = session.get(Service, entry.id)
            assert row is not None
            _upkeep_from(row, document)
            row.position = self.first_position + index


def import_services(
    session: Session,
    actor: Actor,
    documents: Sequence[Mapping[str, Any]],
    *,
    source: str,
    organization_id: str | None = None,
) -> ImportResult:
    """Import fully nested services, all or nothing (the caller's transaction is rolled back on error).

    Parameters
    ----------
    organization_id
        Import every service as this organisation's (which must exist); otherwise each service's own
        ``organization`` is created or updated from the file.

    Raises
    ------
    InterchangeError
        Listing every bad record by id and field; nothing is written.
    """
    if organization_id is not None and session.get(Organization, organization_id) is None:
        raise InterchangeError(source, [f"--organization {organization_id!r} is not an organisation of the directory"])
    problems = [p for i, d in enumerate(documents, start=1) for p in _problems_of(i, d)]
    ids = [d.get("id") for d in documents]
    problems += [f"{_locate(i, d)}: field 'id': duplicate in the file" for i, d in enumerate(documents, start=1)
                 if ids.index(d.get("id")) != i - 1]  # fmt: skip
    if problems:
        raise InterchangeError(source, problems)
    first = int(session.scalar(select(func.coalesce(func.max(Service.position), -1))) or 0) + 1
    run = _ImportRun(session, actor, source, organization_id, first)
    for index, document in _routes_last(documents):
        owner, found = _owner(session, index, document, organization_id)
        if found:
            problems += found
            continue
        try:
            run.one(index, document, owner)
        except OutreachError as exc:  # a rule the record breaks, or an entry of another organisation
            problems.append(f"{_locate(index, document)}: {exc}")
    if problems:
        raise InterchangeError(source, problems)
    if run.organizations:
        bump_revision(session)
    return run.result()


def _upkeep_from(row: Service, document: Mapping[str, Any]) -> None:
    """A new service keeps the file's last-checked and last-modified times (so a round trip is exact)."""
    for key, attribute in (("assured_date", "last_checked"), ("last_modified", "updated_at")):
        value = document.get(key)
        if isinstance(value, str) and value:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                continue
            setattr(row, attribute, moment if moment.tzinfo else moment.replace(tzinfo=UTC))
