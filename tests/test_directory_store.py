"""The live directory: seeded from the files, the same directory read back, snapshots that follow changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach_map.db.engine import open_engine, session_scope
from outreach_map.db.models import Service, Version
from outreach_map.directory import load_directory, read_tables, services_dir
from outreach_map.directory.store import DirectoryStore, add_months, current_revision, ensure_directory
from outreach_map.directory.tables import entries_from_tables, read_entry
from outreach_map.directory.tables import read_tables as read_db_tables
from outreach_map.errors import DataFileError

from .conftest import SVC_HELPLINE, SVC_LIBRARY, SVC_REFUGE


def test_seeding_gives_the_same_directory_as_the_files(seeded, tiny_data: Path) -> None:
    files = load_directory(services_dir(tiny_data))
    store = DirectoryStore(seeded)
    live = store.directory()
    assert live.kinds == files.kinds
    assert live.organizations == files.organizations
    assert [p.id for p in live.points] == [p.id for p in files.points]
    assert [(p.lat, p.lon, p.confidential) for p in live.points] == [
        (p.lat, p.lon, p.confidential) for p in files.points
    ]
    assert live.services[SVC_HELPLINE].phones == files.services[SVC_HELPLINE].phones
    assert live.points_of(["library"])[0].schedules == files.points_of(["library"])[0].schedules


def test_tables_read_back_equal_the_seed_records(seeded, tiny_data: Path) -> None:
    with session_scope(seeded) as session:
        assert read_db_tables(session) == read_tables(services_dir(tiny_data))


def test_every_seeded_service_has_version_one(seeded) -> None:
    with session_scope(seeded) as session:
        assert session.scalar(select(func.count()).select_from(Service)) == 4
        versions = list(session.scalars(select(Version)))
        assert {v.entity_id for v in versions} == set(session.scalars(select(Service.id)))
        assert {(v.number, v.action) for v in versions} == {(1, "seed")}
        entry = read_entry(session, SVC_REFUGE)
        assert entry is not None and entry.confidential_locations()
        refuge_version = next(v for v in versions if v.entity_id == SVC_REFUGE)
        assert refuge_version.snapshot == entry.to_json()


def test_seeding_happens_once(seeded, tiny_data: Path) -> None:
    with session_scope(seeded) as session:
        revision = current_revision(session)
    assert ensure_directory(seeded, tiny_data / "services") is False
    with session_scope(seeded) as session:
        assert current_revision(session) == revision
        assert session.scalar(select(func.count()).select_from(Service)) == 4


def test_a_bad_seed_file_writes_nothing(db_url: str, tiny_data: Path) -> None:
    services = tiny_data / "services" / "services.json"
    services.write_text(services.read_text(encoding="utf-8").replace('"active"', '"open"', 1), encoding="utf-8")
    engine = open_engine(db_url)
    with pytest.raises(DataFileError, match=r"services\.json: record 1"):
        ensure_directory(engine, tiny_data / "services")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Service)) == 0
        assert current_revision(session) == 0
    engine.dispose()


def test_snapshot_follows_the_revision(seeded) -> None:
    store = DirectoryStore(seeded)
    first = store.directory()
    assert store.directory() is first  # nothing changed: the same snapshot
    with session_scope(seeded) as session:
        session.get(Service, SVC_LIBRARY).name = "Daventry Library (Abbey Centre)"  # type: ignore[union-attr]
        from outreach_map.directory.store import bump_revision

        bump_revision(session)
    second = store.directory()
    assert second is not first
    assert second.services[SVC_LIBRARY].name == "Daventry Library (Abbey Centre)"


def test_entries_cut_from_tables_match_entries_read_one_by_one(seeded) -> None:
    with session_scope(seeded) as session:
        cut = entries_from_tables(read_db_tables(session))
        for service_id, entry in cut.items():
            assert read_entry(session, service_id) == entry


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [("2026-08-31", 6, "2027-02-28"), ("2027-08-31", 6, "2028-02-29"), ("2026-01-15", 6, "2026-07-15"),
     ("2026-12-03", 1, "2027-01-03")],
)  # fmt: skip
def test_review_dates_add_whole_months(day: str, months: int, expected: str) -> None:
    from datetime import date

    assert add_months(date.fromisoformat(day), months) == date.fromisoformat(expected)
