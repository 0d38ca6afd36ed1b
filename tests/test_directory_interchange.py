"""Open Referral UK interchange: export, import, round trips, idempotence, all-or-nothing, confidentiality."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from outreach_map.db.engine import open_engine, session_scope
from outreach_map.db.migrate import upgrade
from outreach_map.db.models import Organization, Taxonomy, TaxonomyTerm, Version
from outreach_map.directory.editing import Actor
from outreach_map.directory.interchange import export_services, import_services, read_import_file
from outreach_map.directory.schema import record_problems
from outreach_map.directory.store import current_revision
from outreach_map.directory.tables import read_entry, read_tables
from outreach_map.errors import InterchangeError

from .conftest import LOC_REFUGE, ORG_LIBRARIES, SVC_LIBRARY, SVC_REFUGE, uid

SYSTEM = Actor.system_actor("test:import")


def _export(engine) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        return export_services(session)


def _import(engine, documents, **kwargs):
    with session_scope(engine) as session:
        return import_services(session, SYSTEM, documents, source="in.json", **kwargs)


def _fingerprint(engine) -> str:
    with session_scope(engine) as session:
        state = {
            "tables": read_tables(session),
            "versions": session.scalar(select(func.count()).select_from(Version)),
            "revision": current_revision(session),
        }
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def _empty_with_taxonomy(url: str, source) -> Any:
    """An empty directory that knows the taxonomy (as every partner's copy would)."""
    engine = open_engine(url)
    upgrade(engine)
    with session_scope(source) as src, session_scope(engine) as dst:
        for model in (Taxonomy, TaxonomyTerm):
            for row in src.scalars(select(model)):
                data = {c.name: getattr(row, c.name) for c in model.__table__.columns}
                dst.add(model(**data))
    return engine


def test_export_is_valid_and_never_holds_a_confidential_location(seeded) -> None:
    services = _export(seeded)
    assert len(services) == 4
    for service in services:
        assert record_problems("service.json", service) == []
    text = json.dumps(services)
    assert LOC_REFUGE not in text and "52.19" not in text


def test_round_trip_through_an_empty_database(seeded, tmp_path: Path) -> None:
    first = _export(seeded)
    other = _empty_with_taxonomy(f"sqlite:///{tmp_path / 'other.db'}", seeded)
    result = _import(other, first)
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert _export(other) == first
    other.dispose()


def test_importing_the_same_file_twice_changes_nothing(seeded) -> None:
    services = _export(seeded)
    before = _fingerprint(seeded)
    result = _import(seeded, services)
    assert (result.created, result.updated, result.unchanged, result.organizations) == (0, 0, 4, 0)
    assert _fingerprint(seeded) == before
    assert _import(seeded, services).unchanged == 4
    assert _fingerprint(seeded) == before


def test_reimport_keeps_a_confidential_location_the_file_never_had(seeded) -> None:
    services = _export(seeded)
    refuge = next(s for s in services if s["id"] == SVC_REFUGE)
    refuge["description"] = "Updated through the helpline."
    result = _import(seeded, services)
    assert result.updated == 1
    with session_scope(seeded) as session:
        entry = read_entry(session, SVC_REFUGE)
    assert entry is not None and entry.confidential_locations() == {LOC_REFUGE}
    assert entry.service["description"] == "Updated through the helpline."


def test_an_import_updates_an_entry_and_records_the_version(seeded) -> None:
    services = _export(seeded)
    library = next(s for s in services if s["id"] == SVC_LIBRARY)
    library["schedules"][0]["closes_at"] = "16:30"
    assert _import(seeded, services).updated == 1
    with session_scope(seeded) as session:
        version = session.scalar(
            select(Version).where(Version.entity_id == SVC_LIBRARY).order_by(Version.number.desc())
        )
    assert version is not None and (version.action, version.number) == ("import", 2)
    assert [(c["field"], c["after"]) for c in version.changes] == [("closes_at", "16:30")]


def test_a_bad_file_lists_every_bad_record_and_writes_nothing(seeded) -> None:
    services = _export(seeded)
    services[0]["status"] = "closed"
    services[2]["service_at_locations"] = [{"id": "not-a-uuid"}]
    del services[3]["name"]
    before = _fingerprint(seeded)
    with pytest.raises(InterchangeError) as info:
        _import(seeded, services)
    problems = info.value.problems
    assert len(problems) == 3
    assert problems[0].startswith(f"service 1 (id {services[0]['id']}): field 'status'")
    assert any("field 'service_at_locations.0.id'" in p for p in problems)
    assert any(p.startswith("service 4") and "field 'name'" in p for p in problems)
    assert _fingerprint(seeded) == before


def test_a_rule_broken_after_the_schema_also_writes_nothing(seeded) -> None:
    services = _export(seeded)
    services[1]["description"] = "changed, but the next record is bad"
    services[0]["schedules"][0]["closes_at"] = "08:00"
    before = _fingerprint(seeded)
    with pytest.raises(InterchangeError, match="before it opens"):
        _import(seeded, services)
    assert _fingerprint(seeded) == before


def test_an_unknown_organisation_is_refused(seeded) -> None:
    services = _export(seeded)
    before = _fingerprint(seeded)
    with pytest.raises(InterchangeError, match="is not an organisation"):
        _import(seeded, services, organization_id=uid(99))
    orphan = json.loads(json.dumps(services[0]))
    orphan["id"], orphan["organization_id"] = uid(200), uid(98)
    orphan.pop("organization")
    orphan["service_at_locations"], orphan["schedules"] = [], []
    for attribute in orphan["attributes"]:
        attribute["id"], attribute["link_id"] = uid(201), uid(200)
    with pytest.raises(InterchangeError, match="is not an organisation of the directory"):
        _import(seeded, [orphan])
    assert _fingerprint(seeded) == before


def test_importing_under_an_organisation_takes_its_entries_only(seeded) -> None:
    services = [s for s in _export(seeded) if s["organization"]["id"] == ORG_LIBRARIES]
    with pytest.raises(InterchangeError, match="belongs to another organisation"):
        _import(seeded, services, organization_id=uid(12))
    assert _import(seeded, services, organization_id=ORG_LIBRARIES).unchanged == 2


def test_organisations_come_with_their_services(seeded, tmp_path: Path) -> None:
    services = _export(seeded)
    other = _empty_with_taxonomy(f"sqlite:///{tmp_path / 'other.db'}", seeded)
    assert _import(other, services).organizations == 2
    with session_scope(other) as session:
        assert {o.name for o in session.scalars(select(Organization))} == {"Northamptonshire Libraries", "Refuge"}
    other.dispose()


def test_the_import_file_must_be_json_services(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": 1},\n  oops]', encoding="utf-8")
    with pytest.raises(InterchangeError, match="line 2 column 3"):
        read_import_file(bad)
    bad.write_text('{"services": []}', encoding="utf-8")
    with pytest.raises(InterchangeError, match="expected a JSON array"):
        read_import_file(bad)
    page = tmp_path / "page.json"
    page.write_text('{"total_items": 0, "contents": []}', encoding="utf-8")
    assert read_import_file(page) == []
    with pytest.raises(InterchangeError, match="file not found"):
        read_import_file(tmp_path / "missing.json")
