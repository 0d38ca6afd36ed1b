"""The editor's form for an entry: fields in, an :class:`~outreach_map.directory.tables.Entry` out, and back.

Plain mappings of form field names to values, so the web layer only passes
``request.form`` through. Rows of locations, opening hours and contacts are
numbered (``hours-0-opens``...); a row with its ``delete`` box ticked is
dropped, a blank row is ignored, a new row gets a new id. Opening hours come
in four kinds an editor knows: ``weekly`` (days and times), ``every`` (every
N weeks from a first date), ``date`` (one specific date) and ``note`` (words
only).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidEntryError
from .hours import DAY_CODES, parse_clock
from .tables import Entry

__all__ = ["FORM_ROWS", "HOURS_KINDS", "FormValues", "entry_from_form", "form_from_entry"]

#: Blank rows offered for new locations, opening hours and contacts.
FORM_ROWS = 2
HOURS_KINDS = ("weekly", "every", "date", "note")
STATUSES = ("active", "temporarily closed", "inactive", "defunct")
_SERVICE_TEXT = ("name", "description", "url", "email", "eligibility_description", "fees", "alert")
_LOCATION_TEXT = ("name", "address_1", "city", "postal_code")
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")

FormValues = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Field:
    form: FormValues

    def text(self, name: str) -> str:
        value = self.form.get(name, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value).replace("\r\n", "\n").strip()

    def many(self, name: str) -> list[str]:
        getter: Callable[[str], list[str]] | None = getattr(self.form, "getlist", None)
        if getter is not None:
            return [str(v) for v in getter(name)]
        value = self.form.get(name, [])
        return [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])

    def checked(self, name: str) -> bool:
        return self.text(name).lower() in ("on", "true", "1", "yes")

    def rows(self, prefix: str) -> list[int]:
        found = {int(m.group(1)) for key in self.form if (m := re.match(rf"^{prefix}-(\d+)-", str(key)))}
        return sorted(found)


def _new_id() -> str:
    return str(uuid.uuid4())


def _number(text: str, field: str, what: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidEntryError(field, f"{text!r} is not a number; expected {what}") from None


def _set(record: dict[str, Any], key: str, value: Any) -> None:
    if value in (None, ""):
        record.pop(key, None)
    else:
        record[key] = value


def _clock(text: str, old: str | None, field: str) -> str | None:
    """The time as ``HH:MM``, keeping the stored spelling when it means the same time."""
    if not text:
        return None
    value = parse_clock(text, field=field)
    if old:
        try:
            if parse_clock(old) == value:
                return old
        except InvalidEntryError:
            pass
    return f"{value:%H:%M}"


def _service(existing: Entry, f: _Field, kinds: Mapping[str, str]) -> dict[str, Any]:
    service = dict(existing.service)
    for key in _SERVICE_TEXT:
        _set(service, key, f.text(f"service-{key}"))
    status = f.text("service-status") or service.get("status", "active")
    if status not in STATUSES:
        raise InvalidEntryError("service-status", f"{status!r} is not a status; expected one of {', '.join(STATUSES)}")
    service["status"] = status
    for key in ("minimum_age", "maximum_age"):
        age = _number(f.text(f"service-{key}"), f"service-{key}", "an age in years")
        _set(service, key, int(age) if age is not None and age.is_integer() else age)
    _set(service, "public_contact_service_id", f.text("service-public_contact_service_id"))
    kind = f.text("service-kind")
    if kind:
        if kind not in kinds:
            raise InvalidEntryError("service-kind", f"{kind!r} is not a kind of service; choose one from the list")
        attributes = list(service.get("attributes", ()))
        term_ids = set(kinds.values())
        others = [a for a in attributes if a.get("taxonomy_term_id") not in term_ids]
        current = next((a for a in attributes if a.get("taxonomy_term_id") in term_ids), None)
        attribute = dict(current or {"id": _new_id(), "link_id": service["id"], "link_type": "service"})
        attribute["taxonomy_term_id"] = kinds[kind]
        service["attributes"] = [attribute, *others]
    return service


def _locations(existing: Entry, f: _Field, service_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    old_locations = {r["id"]: r for r in existing.locations}
    old_sals = {r["location_id"]: r for r in existing.service_at_locations}
    locations, sals = [], []
    for i in f.rows("location"):
        field = f"location-{i}"
        lid = f.text(f"{field}-id")
        values = {k: f.text(f"{field}-{k}") for k in (*_LOCATION_TEXT, "latitude", "longitude")}
        if f.checked(f"{field}-delete") or (not lid and not any(values.values())):
            continue
        location = dict(old_locations.get(lid) or {"id": _new_id(), "location_type": "physical"})
        _set(location, "name", values["name"])
        for key in ("latitude", "longitude"):
            location[key] = _number(values[key], f"{field}-{key}", f"the {key} in degrees (WGS84)")
            if location[key] is None:
                raise InvalidEntryError(f"{field}-{key}", f"missing; expected the {key} in degrees (WGS84)")
        location["confidential"] = f.checked(f"{field}-confidential")
        if not location["confidential"]:
            location.pop("confidential")
        postcode = values["postal_code"].upper()
        if postcode and not _POSTCODE.match(postcode):
            raise InvalidEntryError(f"{field}-postal_code", f"{values['postal_code']!r} is not a UK postcode")
        addresses = list(location.get("addresses") or [])
        if addresses or values["address_1"] or values["city"] or postcode:
            address = dict(addresses[0]) if addresses else {
                "id": _new_id(), "location_id": location["id"], "address_type": "physical", "country": "GB",
                "state_province": "England",
            }  # fmt: skip
            address.update(address_1=values["address_1"], city=values["city"], postal_code=postcode)
            location["addresses"] = [address, *addresses[1:]]
        locations.append(location)
        sal = old_sals.get(location["id"]) or {"id": _new_id(), "service_id": service_id, "location_id": location["id"]}
        sals.append(dict(sal))
    return locations, sals


def _weekly(record: dict[str, Any], f: _Field, field: str, kind: str) -> None:
    days = [d for d in f.many(f"{field}-days") if d in DAY_CODES]
    if not days:
        raise InvalidEntryError(f"{field}-days", "no day ticked; expected the days it is open")
    record.update(freq="WEEKLY", byday=",".join(d for d in DAY_CODES if d in days))
    if kind == "every":
        interval = _number(f.text(f"{field}-interval"), f"{field}-interval", "a number of weeks")
        if interval is None or not interval.is_integer() or not 2 <= interval <= 52:
            raise InvalidEntryError(f"{field}-interval", "expected every 2 to 52 weeks")
        record["interval"] = int(interval)
        _set(record, "dtstart", f.text(f"{field}-first"))
        if "dtstart" not in record:
            raise InvalidEntryError(f"{field}-first", "missing; expected the date of the first session")
    else:
        record["interval"] = 1
        record.pop("dtstart", None)


def _hours_row(
    f: _Field, i: int, old: Mapping[str, dict[str, Any]], service_id: str, sal_ids: Sequence[str]
) -> dict[str, Any] | None:
    field = f"hours-{i}"
    sid = f.text(f"{field}-id")
    kind = f.text(f"{field}-kind") or "weekly"
    blank = not (f.text(f"{field}-opens") or f.text(f"{field}-closes") or f.text(f"{field}-description"))
    if f.checked(f"{field}-delete") or (not sid and blank):
        return None
    if kind not in HOURS_KINDS:
        raise InvalidEntryError(
            f"{field}-kind", f"{kind!r} is not a kind of opening hours; expected {', '.join(HOURS_KINDS)}"
        )
    previous = old.get(sid, {})
    record: dict[str, Any] = {"id": previous.get("id") or _new_id()}
    where = f.text(f"{field}-where")
    if where and where in sal_ids:
        if "service_id" in previous or not previous:
            record["service_id"] = service_id
        record["service_at_location_id"] = where
    else:
        record["service_id"] = service_id
    for key in ("example", "notes", "attending_type", "schedule_link"):
        if key in previous:
            record[key] = previous[key]
    _set(record, "description", f.text(f"{field}-description"))
    if kind == "note":
        if "description" not in record:
            raise InvalidEntryError(f"{field}-description", "missing; say when the service is open")
        return record
    record["opens_at"] = _clock(f.text(f"{field}-opens"), previous.get("opens_at"), f"{field}-opens")
    record["closes_at"] = _clock(f.text(f"{field}-closes"), previous.get("closes_at"), f"{field}-closes")
    if record["opens_at"] is None:
        raise InvalidEntryError(f"{field}-opens", "missing; expected HH:MM")
    if record["closes_at"] is None:
        raise InvalidEntryError(f"{field}-closes", "missing; expected HH:MM")
    if kind == "date":
        day = f.text(f"{field}-date")
        if not day:
            raise InvalidEntryError(f"{field}-date", "missing; expected the date YYYY-MM-DD")
        record.update(valid_from=day, valid_to=day)
    else:
        _weekly(record, f, field, kind)
        _set(record, "valid_from", f.text(f"{field}-from"))
        _set(record, "valid_to", f.text(f"{field}-until"))
    return record


def _contacts(existing: Entry, f: _Field, service_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    old = {r["id"]: r for r in existing.contacts}
    old_phones: dict[str, list[dict[str, Any]]] = {}
    for phone in existing.phones:
        old_phones.setdefault(phone["contact_id"], []).append(phone)
    contacts, phones = [], []
    for i in f.rows("contact"):
        field = f"contact-{i}"
        cid = f.text(f"{field}-id")
        name, title, number = f.text(f"{field}-name"), f.text(f"{field}-title"), f.text(f"{field}-phone")
        if f.checked(f"{field}-delete") or (not cid and not (name or number)):
            continue
        contact = dict(old.get(cid) or {"id": _new_id(), "service_id": service_id})
        _set(contact, "name", name)
        _set(contact, "title", title)
        contacts.append(contact)
        kept = old_phones.get(contact["id"], [])
        if number:
            phone = dict(kept[0]) if kept else {"id": _new_id(), "contact_id": contact["id"]}
            phone["number"] = number
            _set(phone, "description", f.text(f"{field}-phone_description"))
            phones += [phone, *kept[1:]]
        else:
            phones += kept[1:]
    return contacts, phones


def entry_from_form(existing: Entry, form: FormValues, *, kinds: Mapping[str, str]) -> Entry:
    """The entry an editor's form describes, built on the entry as it was.

    Parameters
    ----------
    existing
        The entry the form was opened on (for a new service: one with only its id and organisation).
    kinds
        Kind slug -> taxonomy term id.

    Raises
    ------
    InvalidEntryError
        Naming the form field (``hours-1-closes``...) that cannot be read.
    """
    f = _Field(form)
    service = _service(existing, f, kinds)
    locations, sals = _locations(existing, f, service["id"])
    old = {r["id"]: r for r in existing.schedules}
    sal_ids = [s["id"] for s in sals]
    schedules = [r for i in f.rows("hours") if (r := _hours_row(f, i, old, service["id"], sal_ids)) is not None]
    contacts, phones = _contacts(existing, f, service["id"])
    return Entry(service, sals, locations, schedules, contacts, phones)


def _hours_values(record: Mapping[str, Any]) -> dict[str, Any]:
    if record.get("freq") == "WEEKLY":
        kind = "every" if int(record.get("interval") or 1) > 1 else "weekly"
    elif record.get("valid_from") and record.get("valid_from") == record.get("valid_to") and not record.get("freq"):
        kind = "date"
    else:
        kind = "note" if not record.get("opens_at") else "weekly"
    return {
        "id": record["id"], "kind": kind, "days": str(record.get("byday") or "").split(","),
        "interval": record.get("interval") or "", "first": record.get("dtstart") or "",
        "date": record.get("valid_from") if kind == "date" else "", "from": record.get("valid_from") or "",
        "until": record.get("valid_to") or "", "opens": str(record.get("opens_at") or "")[:5],
        "closes": str(record.get("closes_at") or "")[:5], "description": record.get("description") or "",
        "where": record.get("service_at_location_id") or "",
    }  # fmt: skip


def form_from_entry(entry: Entry, *, kinds: Mapping[str, str]) -> dict[str, Any]:
    """What the form shows for an entry: the service's fields and its numbered rows (plus blank rows)."""
    term_kind = {v: k for k, v in kinds.items()}
    service = entry.service
    kind = next(
        (
            term_kind[a["taxonomy_term_id"]]
            for a in service.get("attributes", ())
            if a.get("taxonomy_term_id") in term_kind
        ),
        "",
    )
    phones: dict[str, list[dict[str, Any]]] = {}
    for phone in entry.phones:
        phones.setdefault(phone["contact_id"], []).append(phone)
    locations = []
    for location in entry.locations:
        address = (location.get("addresses") or [{}])[0]
        locations.append({
            "id": location["id"], "name": location.get("name", ""), "address_1": address.get("address_1", ""),
            "city": address.get("city", ""), "postal_code": address.get("postal_code", ""),
            "latitude": location.get("latitude", ""), "longitude": location.get("longitude", ""),
            "confidential": bool(location.get("confidential")),
        })  # fmt: skip
    contacts = [
        {"id": c["id"], "name": c.get("name", ""), "title": c.get("title", ""),
         "phone": (phones.get(c["id"]) or [{}])[0].get("number", ""),
         "phone_description": (phones.get(c["id"]) or [{}])[0].get("description", "")}
        for c in entry.contacts
    ]  # fmt: skip
    return {
        "service": {k: service.get(k, "") for k in (*_SERVICE_TEXT, "status", "minimum_age", "maximum_age",
                                                     "public_contact_service_id")} | {"kind": kind},
        "locations": locations + [{"id": "", "confidential": False} for _ in range(FORM_ROWS)],
        "hours": [_hours_values(s) for s in entry.schedules] + [{"id": "", "kind": "weekly", "days": []}
                                                                for _ in range(FORM_ROWS)],
        "contacts": contacts + [{"id": ""} for _ in range(FORM_ROWS)],
        "sals": [(s["id"], next((loc.get("name", "") for loc in entry.locations if loc["id"] == s["location_id"]), ""))
                 for s in entry.service_at_locations],
    }  # fmt: skip
