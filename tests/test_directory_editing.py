"""Editing the directory: permissions, rules, versions and restore, locking, approval, review dates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from outreach_map.audit import audit_events
from outreach_map.db.engine import session_scope
from outreach_map.db.models import Organization, PendingChange, Service
from outreach_map.directory.editing import (
    actor_for,
    approve_change,
    confirm_entry,
    reject_change,
    restore_version,
    save_entry,
)
from outreach_map.directory.store import DirectoryStore
from outreach_map.directory.tables import Entry, read_entry
from outreach_map.directory.versions import CONFIDENTIAL_MARK, history
from outreach_map.errors import EditConflictError, InvalidEntryError, PermissionDeniedError

from .conftest import ORG_LIBRARIES, ORG_REFUGE, SVC_HELPLINE, SVC_LIBRARY, SVC_REFUGE, uid


def _entry(engine, service_id: str) -> Entry:
    with session_scope(engine) as session:
        entry = read_entry(session, service_id)
    assert entry is not None
    return entry


def _save(engine, user: str, entry: Entry, base: int | None = 1, **kwargs):
    with session_scope(engine) as session:
        return save_entry(session, actor_for(session, user), entry, base_version=base, **kwargs)


def test_an_editor_changes_opening_hours_and_the_directory_follows(seeded) -> None:
    entry = _entry(seeded, SVC_LIBRARY)
    entry.schedules[0]["opens_at"] = "10:00"
    result = _save(seeded, "libby", entry)
    assert result.status == "saved" and result.version == 2
    assert [(c["field"], c["before"], c["after"]) for c in result.changes] == [("opens_at", "09:00:00", "10:00")]
    assert DirectoryStore(seeded).directory().points_of(["library"])[0].schedules[0].opens_at == "10:00"
    with session_scope(seeded) as session:
        versions = history(session, "service", SVC_LIBRARY, see_confidential=True)
    assert [(v.number, v.action, v.user_name) for v in versions] == [(2, "edit", "libby"), (1, "seed", None)]
    assert versions[0].changes[0]["label"].endswith("opens at")


def test_an_editor_cannot_touch_another_agencys_entry(seeded) -> None:
    entry = _entry(seeded, SVC_HELPLINE)
    entry.service["name"] = "Changed by the wrong agency"
    with pytest.raises(PermissionDeniedError):
        _save(seeded, "libby", entry)
    assert _entry(seeded, SVC_HELPLINE).service["name"] == "Helpline"
    with session_scope(seeded) as session:
        events = audit_events(session, actions=["denied"])
    assert [(e.user_name, e.target) for e in events] == [("libby", f"service {SVC_HELPLINE}")]


def test_moving_an_entry_to_another_organisation_needs_both(seeded) -> None:
    entry = _entry(seeded, SVC_LIBRARY)
    entry.service["organization_id"] = ORG_REFUGE
    with pytest.raises(PermissionDeniedError):
        _save(seeded, "libby", entry)


def test_the_later_of_two_saves_is_refused_and_shows_the_other_change(seeded) -> None:
    mine, theirs = _entry(seeded, SVC_LIBRARY), _entry(seeded, SVC_LIBRARY)
    theirs.service["description"] = "Opened in the Abbey Centre in 2019."
    assert _save(seeded, "libby", theirs).status == "saved"
    mine.schedules[0]["closes_at"] = "16:00"
    with pytest.raises(EditConflictError) as info:
        _save(seeded, "libby", mine)
    assert info.value.current_version == 2
    assert [(c["field"], c["after"]) for c in info.value.changes] == [
        ("description", "Opened in the Abbey Centre in 2019.")
    ]
    assert "not applied" in str(info.value)
    current = _entry(seeded, SVC_LIBRARY)
    assert current.schedules[0]["closes_at"] == "17:00:00"
    assert current.service["description"] == "Opened in the Abbey Centre in 2019."


def test_a_confirmation_in_between_is_not_a_conflict(seeded) -> None:
    entry = _entry(seeded, SVC_LIBRARY)
    with session_scope(seeded) as session:
        confirm_entry(session, actor_for(session, "libby"), SVC_LIBRARY)
    entry.service["description"] = "Still here."
    assert _save(seeded, "libby", entry, base=1).status == "saved"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda e: e.schedules[0].update(opens_at="17:00", closes_at="09:00"),
            "schedules.0.closes_at",
            "before it opens",
        ),
        (lambda e: e.schedules[0].update(opens_at="9am"), "schedules.0.opens_at", "not a time of day"),
        (lambda e: e.schedules[0].update(byday="MO,XX"), "schedules.0.byday", "not a day"),
        (lambda e: e.schedules[0].update(interval=2), "schedules.0.dtstart", "first session"),
        (lambda e: e.service.update(organization_id=uid(99)), "service.organization_id", "not an organisation"),
        (lambda e: e.service.update(status="closed"), "service.status", "is not one of"),
        (lambda e: e.service.update(name="  "), "service.name", "empty"),
        (lambda e: e.service.update(name="Library\u202e"), "service.name", "direction-override"),
        (lambda e: e.locations[0].update(latitude=48.5), "locations.0.latitude", "Great Britain"),
        (lambda e: e.service.update(minimum_age=18, maximum_age=16), "service.maximum_age", "below the minimum"),
    ],
)
def test_rules_name_the_field_and_change_nothing(seeded, change, field: str, words: str) -> None:
    entry = _entry(seeded, SVC_LIBRARY)
    change(entry)
    with pytest.raises(InvalidEntryError) as info:
        _save(seeded, "libby", entry)
    assert info.value.field == field
    assert words in str(info.value)
    assert _entry(seeded, SVC_LIBRARY) == _entry(seeded, SVC_LIBRARY)
    with session_scope(seeded) as session:
        assert session.get(Service, SVC_LIBRARY).row_version == 1  # type: ignore[union-attr]


def test_markup_is_kept_as_text(seeded) -> None:
    entry = _entry(seeded, SVC_LIBRARY)
    entry.service["description"] = "<script>alert(1)</script> & <b>bold</b>"
    _save(seeded, "libby", entry)
    assert _entry(seeded, SVC_LIBRARY).service["description"] == "<script>alert(1)</script> & <b>bold</b>"


def test_restore_makes_an_earlier_version_current_as_a_new_version(seeded) -> None:
    entry = _entry(seeded, SVC_LIBRARY)
    original = entry.to_json()
    entry.service["name"] = "Renamed"
    entry.schedules.clear()
    _save(seeded, "libby", entry)
    with session_scope(seeded) as session:
        result = restore_version(session, actor_for(session, "libby"), SVC_LIBRARY, 1, base_version=2)
    assert result.status == "saved" and result.version == 3
    assert _entry(seeded, SVC_LIBRARY).to_json() == original
    with session_scope(seeded) as session:
        latest = history(session, "service", SVC_LIBRARY, see_confidential=True)[0]
        assert (latest.action, latest.note) == ("restore", "restored version 1")
        with pytest.raises(PermissionDeniedError):
            restore_version(session, actor_for(session, "rita"), SVC_LIBRARY, 1, base_version=3)


def test_an_organisation_under_review_waits_for_approval(seeded) -> None:
    with session_scope(seeded) as session:
        session.get(Organization, ORG_LIBRARIES).requires_approval = True  # type: ignore[union-attr]
    entry = _entry(seeded, SVC_LIBRARY)
    entry.service["url"] = "https://www.westnorthants.gov.uk/libraries"
    result = _save(seeded, "libby", entry)
    assert result.status == "pending" and result.pending_id is not None
    assert "url" not in _entry(seeded, SVC_LIBRARY).service
    with session_scope(seeded) as session:
        pending = session.get(PendingChange, result.pending_id)
        assert [(c["field"], c["after"]) for c in pending.changes] == [
            ("url", "https://www.westnorthants.gov.uk/libraries")
        ]  # type: ignore[union-attr]
        with pytest.raises(PermissionDeniedError):
            approve_change(session, actor_for(session, "libby"), result.pending_id)
    with session_scope(seeded) as session:
        approved = approve_change(session, actor_for(session, "ada"), result.pending_id)
    assert approved.status == "saved"
    assert _entry(seeded, SVC_LIBRARY).service["url"] == "https://www.westnorthants.gov.uk/libraries"
    with session_scope(seeded) as session:
        latest = history(session, "service", SVC_LIBRARY, see_confidential=True)[0]
        assert (latest.user_name, latest.action, latest.note) == ("libby", "approve", "approved by ada")


def test_a_rejection_needs_a_reason(seeded) -> None:
    with session_scope(seeded) as session:
        session.get(Organization, ORG_LIBRARIES).requires_approval = True  # type: ignore[union-attr]
    entry = _entry(seeded, SVC_LIBRARY)
    entry.service["description"] = "Nope"
    pending_id = _save(seeded, "libby", entry).pending_id
    assert pending_id is not None
    with session_scope(seeded) as session:
        with pytest.raises(InvalidEntryError):
            reject_change(session, actor_for(session, "ada"), pending_id, " ")
        reject_change(session, actor_for(session, "ada"), pending_id, "Please give the source.")
    with session_scope(seeded) as session:
        assert session.get(PendingChange, pending_id).status == "rejected"  # type: ignore[union-attr]


def test_confirming_sets_last_checked_and_the_next_review(seeded) -> None:
    with session_scope(seeded) as session:
        due = confirm_entry(session, actor_for(session, "libby"), SVC_LIBRARY, today=date(2026, 12, 3))
    assert due == date(2027, 6, 3)
    point = DirectoryStore(seeded).directory().points_of(["library"])[0]
    assert point.service.last_checked == date(2026, 12, 3)
    with session_scope(seeded) as session, pytest.raises(PermissionDeniedError):
        confirm_entry(session, actor_for(session, "rita"), SVC_LIBRARY)


def test_history_hides_a_refuge_from_everyone_outside_its_agency(seeded) -> None:
    entry = _entry(seeded, SVC_REFUGE)
    entry.locations[0]["latitude"] = 52.1901
    entry.service["description"] = "Reach us through the helpline."
    _save(seeded, "rita", entry)
    with session_scope(seeded) as session:
        inside = history(session, "service", SVC_REFUGE, see_confidential=True)[0]
        outside = history(session, "service", SVC_REFUGE, see_confidential=False)[0]
    assert any(c["after"] == 52.1901 for c in inside.changes)
    text = repr(outside.changes)
    assert "52.19" not in text and uid(32) not in text
    assert any(c["before"] == CONFIDENTIAL_MARK for c in outside.changes)
    assert any(c["after"] == "Reach us through the helpline." for c in outside.changes)


def test_a_confidential_location_needs_a_safe_contact_route(seeded) -> None:
    entry = _entry(seeded, SVC_REFUGE)
    del entry.service["public_contact_service_id"]
    assert not entry.phones
    with pytest.raises(InvalidEntryError) as info:
        _save(seeded, "rita", entry)
    assert info.value.field == "service.public_contact_service_id"


def test_a_new_entry_gets_version_one_and_a_review_date(seeded) -> None:
    service_id = uid(90)
    entry = Entry(
        service={"id": service_id, "organization_id": ORG_REFUGE, "name": "Drop-in", "status": "active",
                 "attributes": [{"id": uid(91), "link_id": service_id, "link_type": "service",
                                 "taxonomy_term_id": uid(3)}]},
    )  # fmt: skip
    assert _save(seeded, "rita", entry, base=None).version == 1
    with session_scope(seeded) as session:
        row = session.scalar(select(Service).where(Service.id == service_id))
        assert row is not None and row.review_due is not None
