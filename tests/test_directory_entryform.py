"""The editor's form: what it shows reads back as the same entry; each kind of opening hours; clear field errors."""

from __future__ import annotations

from typing import Any

import pytest

from outreach_map.db.engine import session_scope
from outreach_map.directory.entryform import entry_from_form, form_from_entry
from outreach_map.directory.hours import check_schedule
from outreach_map.directory.tables import Entry, read_entry
from outreach_map.errors import InvalidEntryError

from .conftest import SVC_HELPLINE, SVC_LIBRARY, SVC_REFUGE, uid

KINDS = {"library": uid(2), "domestic-abuse-support": uid(3)}


def _flat(shown: dict[str, Any]) -> dict[str, Any]:
    """The form fields a browser would post for what the form shows."""
    out: dict[str, Any] = {f"service-{k}": "" if v is None else str(v) for k, v in shown["service"].items()}
    for prefix, rows in (("location", shown["locations"]), ("hours", shown["hours"]), ("contact", shown["contacts"])):
        for i, row in enumerate(rows):
            for key, value in row.items():
                if key == "confidential":
                    if value:
                        out[f"{prefix}-{i}-{key}"] = "on"
                elif key == "days":
                    out[f"{prefix}-{i}-days"] = [d for d in value if d]
                else:
                    out[f"{prefix}-{i}-{key}"] = "" if value is None else str(value)
    return out


def _entry(seeded, service_id: str) -> Entry:
    with session_scope(seeded) as session:
        entry = read_entry(session, service_id)
    assert entry is not None
    return entry


@pytest.mark.parametrize("service_id", [SVC_LIBRARY, SVC_REFUGE, SVC_HELPLINE])
def test_the_form_reads_back_as_the_same_entry(seeded, service_id: str) -> None:
    entry = _entry(seeded, service_id)
    again = entry_from_form(entry, _flat(form_from_entry(entry, kinds=KINDS)), kinds=KINDS)
    assert again == entry


def test_each_kind_of_opening_hours(seeded) -> None:
    entry = _entry(seeded, SVC_LIBRARY)
    form = _flat(form_from_entry(entry, kinds=KINDS))
    form.update({
        "hours-1-kind": "every", "hours-1-days": ["TU"], "hours-1-interval": "2", "hours-1-first": "2027-01-05",
        "hours-1-opens": "10:00", "hours-1-closes": "12:30",
        "hours-2-kind": "date", "hours-2-date": "2027-02-13", "hours-2-opens": "9:30", "hours-2-closes": "11:00",
    })  # fmt: skip
    schedules = entry_from_form(entry, form, kinds=KINDS).schedules
    assert schedules[0] == entry.schedules[0]
    assert {k: schedules[1][k] for k in ("freq", "interval", "byday", "dtstart", "opens_at", "closes_at")} == {
        "freq": "WEEKLY",
        "interval": 2,
        "byday": "TU",
        "dtstart": "2027-01-05",
        "opens_at": "10:00",
        "closes_at": "12:30",
    }
    assert (schedules[2]["valid_from"], schedules[2]["valid_to"], schedules[2]["opens_at"]) == (
        "2027-02-13",
        "2027-02-13",
        "09:30",
    )
    for schedule in schedules:
        check_schedule(schedule)


def test_deleting_a_row_and_adding_a_contact(seeded) -> None:
    entry = _entry(seeded, SVC_LIBRARY)
    form = _flat(form_from_entry(entry, kinds=KINDS))
    form["hours-0-delete"] = "on"
    form.update({"contact-0-name": "Enquiries", "contact-0-phone": "0300 126 1000"})
    changed = entry_from_form(entry, form, kinds=KINDS)
    assert changed.schedules == []
    assert [c["name"] for c in changed.contacts] == ["Enquiries"]
    assert [(p["number"], p["contact_id"]) for p in changed.phones] == [("0300 126 1000", changed.contacts[0]["id"])]


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"hours-0-opens": "9.30am"}, "hours-0-opens"),
        ({"hours-0-days": []}, "hours-0-days"),
        (
            {
                "hours-1-kind": "every",
                "hours-1-opens": "10:00",
                "hours-1-closes": "11:00",
                "hours-1-days": ["MO"],
                "hours-1-interval": "1",
            },
            "hours-1-interval",
        ),
        ({"location-0-latitude": "north"}, "location-0-latitude"),
        ({"location-0-postal_code": "NN11 4G"}, "location-0-postal_code"),
        ({"service-kind": "bakery"}, "service-kind"),
        ({"service-status": "closed"}, "service-status"),
    ],
)
def test_form_errors_name_the_field(seeded, update: dict[str, Any], field: str) -> None:
    entry = _entry(seeded, SVC_LIBRARY)
    form = _flat(form_from_entry(entry, kinds=KINDS)) | update
    with pytest.raises(InvalidEntryError) as info:
        entry_from_form(entry, form, kinds=KINDS)
    assert info.value.field == field
