"""The service directory: Open Referral UK 3.0 tables in, typed service points out.

``data/services/`` holds one JSON file per Open Referral table (an array of
records). Every record is validated against the Open Referral UK 3.0 schema
(copied in ``outreach_map/schemas/openreferral``, CC BY-SA 4.0) and the links
between tables are checked. Two extensions are ours: ``"example": true`` marks
an invented record (its name must start "EXAMPLE - ") and ``"confidential":
true`` marks a location whose whereabouts must never be published.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ._readers import read_json_array
from .errors import DataFileError
from .places import LAT_RANGE, LON_RANGE

__all__ = [
    "EXAMPLE_PREFIX",
    "TABLES",
    "Directory",
    "Location",
    "Organization",
    "Phone",
    "Schedule",
    "Service",
    "ServiceKind",
    "ServicePoint",
    "load_directory",
    "services_dir",
]

EXAMPLE_PREFIX = "EXAMPLE - "
SERVICE_STATUSES_OPEN = ("active",)

#: Table name -> (schema file, required?). Optional tables may be absent.
TABLES: Mapping[str, tuple[str, bool]] = {
    "taxonomies": ("taxonomy.json", False),
    "taxonomy_terms": ("taxonomy_term.json", True),
    "organizations": ("organization.json", True),
    "services": ("service.json", True),
    "locations": ("location.json", True),
    "service_at_locations": ("service_at_location.json", True),
    "schedules": ("schedule.json", False),
    "contacts": ("contact.json", False),
    "phones": ("phone.json", False),
}


@dataclass(frozen=True, slots=True)
class ServiceKind:
    """A taxonomy term naming a kind of service (``term`` is the slug, e.g. ``"library"``)."""

    id: str
    term: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    name: str
    description: str
    website: str | None


@dataclass(frozen=True, slots=True)
class Phone:
    number: str
    description: str
    contact_name: str


@dataclass(frozen=True, slots=True)
class Schedule:
    """Opening hours in Open Referral's iCalendar-like form, or a free-text description."""

    id: str
    description: str
    freq: str | None
    interval: int | None
    byday: tuple[str, ...]
    opens_at: str | None
    closes_at: str | None
    example: bool


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    organization_id: str
    name: str
    description: str
    status: str
    kind: str
    url: str | None
    email: str | None
    source: str
    example: bool
    phones: tuple[Phone, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    public_contact_service_id: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the service is running (status ``active``)."""
        return self.status in SERVICE_STATUSES_OPEN


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    name: str
    lat: float
    lon: float
    address: str
    postcode: str
    source: str
    example: bool
    confidential: bool


@dataclass(frozen=True, slots=True)
class ServicePoint:
    """A service at a physical location: what coverage and search work with.

    ``id`` is the Open Referral ``service_at_location`` id.
    """

    id: str
    service: Service
    location: Location
    schedules: tuple[Schedule, ...] = ()

    @property
    def kind(self) -> str:
        return self.service.kind

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def lat(self) -> float:
        return self.location.lat

    @property
    def lon(self) -> float:
        return self.location.lon

    @property
    def is_open(self) -> bool:
        return self.service.is_open

    @property
    def example(self) -> bool:
        return self.service.example or self.location.example

    @property
    def confidential(self) -> bool:
        return self.location.confidential


@dataclass(frozen=True)
class Directory:
    """The whole directory: kinds, organizations, services and service points.

    ``records`` keeps the validated Open Referral records, table by table,
    for export and the API.
    """

    kinds: tuple[ServiceKind, ...]
    organizations: Mapping[str, Organization]
    services: Mapping[str, Service]
    locations: Mapping[str, Location]
    points: tuple[ServicePoint, ...]
    records: Mapping[str, tuple[Mapping[str, Any], ...]] = field(repr=False)

    def kind_terms(self) -> list[str]:
        """The slugs of every service kind, in taxonomy order."""
        return [k.term for k in self.kinds]

    def points_of(
        self, kinds: Iterable[str] | None = None, *, include_closed: bool = False, include_confidential: bool = True
    ) -> list[ServicePoint]:
        """Service points of the given kinds (all kinds when ``None``).

        Closed services are left out unless ``include_closed``; confidential
        locations are left out when ``include_confidential`` is false, as every
        public output must do.
        """
        wanted = None if kinds is None else set(kinds)
        return [
            p
            for p in self.points
            if (wanted is None or p.kind in wanted)
            and (include_closed or p.is_open)
            and (include_confidential or not p.confidential)
        ]

    def count_by_kind(self) -> dict[str, Counter[str]]:
        """Per kind, counts of service points labelled ``real``, ``example``, ``closed`` and ``confidential``."""
        counts: dict[str, Counter[str]] = {k.term: Counter() for k in self.kinds}
        for point in self.points:
            c = counts[point.kind]
            c["example" if point.example else "real"] += 1
            if not point.is_open:
                c["closed"] += 1
            if point.confidential:
                c["confidential"] += 1
        return counts

    def __iter__(self) -> Iterator[ServicePoint]:
        return iter(self.points)


def services_dir(data_dir: Path) -> Path:
    """Where the directory lives inside a data directory."""
    return data_dir / "services"


@cache
def _validator(schema_file: str) -> jsonschema.protocols.Validator:
    folder = resources.files("outreach_map") / "schemas" / "openreferral"
    registry: Registry[Any] = Registry()
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            contents = json.loads(entry.read_text(encoding="utf-8"))
            registry = registry.with_resource(
                entry.name, Resource.from_contents(contents, default_specification=DRAFT202012)
            )
    schema = registry.contents(schema_file)
    cls = jsonschema.Draft202012Validator
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def _locator(index: int, record: Mapping[str, Any]) -> str:
    rid = record.get("id")
    return f"record {index} (id {rid})" if isinstance(rid, str) else f"record {index}"


def _validate_table(path: Path, table: str, records: list[dict[str, Any]]) -> None:
    validator = _validator(TABLES[table][0])
    seen: dict[str, int] = {}
    for index, record in enumerate(records, start=1):
        error = jsonschema.exceptions.best_match(validator.iter_errors(record))
        if error is not None:
            where = ".".join(str(p) for p in error.absolute_path) or (
                error.message.split("'")[1] if error.validator == "required" else "(record)"
            )
            raise DataFileError(
                path,
                f"{error.message} (Open Referral UK schema: {error.validator})",
                record=_locator(index, record),
                field=where,
            )
        rid = record["id"]
        if rid in seen:
            msg = f"duplicate id {rid} (first in record {seen[rid]}); expected unique ids"
            raise DataFileError(path, msg, record=f"record {index}", field="id")
        seen[rid] = index
        for flag in ("example", "confidential"):
            if flag in record and not isinstance(record[flag], bool):
                msg = f"{record[flag]!r} is not true or false; expected a boolean"
                raise DataFileError(path, msg, record=_locator(index, record), field=flag)
        if record.get("example") and "name" in record and not str(record["name"]).startswith(EXAMPLE_PREFIX):
            msg = f"example record named '{record['name']}'; expected a name starting '{EXAMPLE_PREFIX}'"
            raise DataFileError(path, msg, record=_locator(index, record), field="name")


class _Tables:
    """Validated tables plus helpers that check links between them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.index: dict[str, dict[str, tuple[int, dict[str, Any]]]] = {}
        for table, (_, required) in TABLES.items():
            path = self.path(table)
            if not path.exists():
                if required:
                    raise DataFileError(path, f"file not found; the directory needs the {table} table")
                self.rows[table] = []
            else:
                self.rows[table] = read_json_array(path)
                _validate_table(path, table, self.rows[table])
            self.index[table] = {r["id"]: (i, r) for i, r in enumerate(self.rows[table], start=1)}

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.json"

    def link(self, table: str, index: int, record: Mapping[str, Any], field: str, target: str) -> dict[str, Any]:
        value = record.get(field)
        found = self.index[target].get(value) if isinstance(value, str) else None
        if found is None:
            msg = f"{value!r} does not match any id in {target}.json"
            raise DataFileError(self.path(table), msg, record=_locator(index, record), field=field)
        return found[1]


def load_directory(folder: Path) -> Directory:
    """Read, validate and link an Open Referral UK directory folder.

    Raises
    ------
    DataFileError
        Naming the file, record and field of the first problem.
    """
    t = _Tables(folder)
    kinds = tuple(
        ServiceKind(r["id"], r.get("term") or r["name"], r["name"], r["description"]) for r in t.rows["taxonomy_terms"]
    )
    organizations = {
        r["id"]: Organization(r["id"], r["name"], r["description"], r.get("website")) for r in t.rows["organizations"]
    }
    phones = _phones_by_service(t)
    by_service, by_sal = _schedules(t)
    services = _services(t, {k.id: k.term for k in kinds}, phones, by_service)
    locations = {r["id"]: _location(t, i, r) for i, r in enumerate(t.rows["locations"], start=1)}
    points = []
    for i, r in enumerate(t.rows["service_at_locations"], start=1):
        t.link("service_at_locations", i, r, "service_id", "services")
        t.link("service_at_locations", i, r, "location_id", "locations")
        points.append(
            ServicePoint(
                r["id"], services[r["service_id"]], locations[r["location_id"]], tuple(by_sal.get(r["id"], ()))
            )
        )
    return Directory(
        kinds=kinds, organizations=organizations, services=services, locations=locations, points=tuple(points),
        records={table: tuple(rows) for table, rows in t.rows.items()},
    )  # fmt: skip


def _phones_by_service(t: _Tables) -> dict[str, list[Phone]]:
    """Each service's phone numbers, through its contacts."""
    phones: dict[str, list[Phone]] = {}
    contact_service: dict[str, tuple[str, str]] = {}
    for i, r in enumerate(t.rows["contacts"], start=1):
        t.link("contacts", i, r, "service_id", "services")
        contact_service[r["id"]] = (r["service_id"], r.get("name", ""))
    for i, r in enumerate(t.rows["phones"], start=1):
        contact = t.link("phones", i, r, "contact_id", "contacts")
        service_id, contact_name = contact_service[contact["id"]]
        phones.setdefault(service_id, []).append(Phone(r["number"], r.get("description", ""), contact_name))
    return phones


def _schedules(t: _Tables) -> tuple[dict[str, list[Schedule]], dict[str, list[Schedule]]]:
    """Schedules by service and by service_at_location (each schedule belongs to exactly one)."""
    by_service: dict[str, list[Schedule]] = {}
    by_sal: dict[str, list[Schedule]] = {}
    for i, r in enumerate(t.rows["schedules"], start=1):
        schedule = Schedule(
            r["id"], r.get("description", ""), r.get("freq"), int(r["interval"]) if "interval" in r else None,
            tuple(d for d in r.get("byday", "").split(",") if d), r.get("opens_at"), r.get("closes_at"),
            bool(r.get("example", False)),
        )  # fmt: skip
        if "service_at_location_id" in r:
            t.link("schedules", i, r, "service_at_location_id", "service_at_locations")
            by_sal.setdefault(r["service_at_location_id"], []).append(schedule)
        elif "service_id" in r:
            t.link("schedules", i, r, "service_id", "services")
            by_service.setdefault(r["service_id"], []).append(schedule)
        else:
            msg = "has neither service_id nor service_at_location_id; expected one"
            raise DataFileError(t.path("schedules"), msg, record=_locator(i, r), field="service_id")
    return by_service, by_sal


def _services(
    t: _Tables,
    kind_by_id: Mapping[str, str],
    phones: Mapping[str, list[Phone]],
    schedules: Mapping[str, list[Schedule]],
) -> dict[str, Service]:
    """The services, each with its kind (from its attributes), phones and schedules."""
    services: dict[str, Service] = {}
    for i, r in enumerate(t.rows["services"], start=1):
        t.link("services", i, r, "organization_id", "organizations")
        term_ids = [a.get("taxonomy_term_id") for a in r.get("attributes", [])]
        kind = next((kind_by_id[x] for x in term_ids if x in kind_by_id), None)
        if kind is None:
            msg = (
                "no attribute links a service kind; "
                "expected an attribute whose taxonomy_term_id is in taxonomy_terms.json"
            )
            raise DataFileError(t.path("services"), msg, record=_locator(i, r), field="attributes")
        if "public_contact_service_id" in r:
            t.link("services", i, r, "public_contact_service_id", "services")
        services[r["id"]] = Service(
            id=r["id"], organization_id=r["organization_id"], name=r["name"], description=r.get("description", ""),
            status=r["status"], kind=kind, url=r.get("url"), email=r.get("email"), source=r.get("source", ""),
            example=bool(r.get("example", False)), phones=tuple(phones.get(r["id"], ())),
            schedules=tuple(schedules.get(r["id"], ())), public_contact_service_id=r.get("public_contact_service_id"),
        )  # fmt: skip
    return services


def _location(t: _Tables, index: int, r: Mapping[str, Any]) -> Location:
    path = t.path("locations")
    for field_name, (low, high) in (("latitude", LAT_RANGE), ("longitude", LON_RANGE)):
        value = r.get(field_name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            msg = f"missing or not a number; expected the {field_name} of the location in WGS84 degrees"
            raise DataFileError(path, msg, record=_locator(index, r), field=field_name)
        if not low <= value <= high:
            msg = f"{value} is out of range; expected a {field_name} in Great Britain between {low:g} and {high:g}"
            raise DataFileError(path, msg, record=_locator(index, r), field=field_name)
    address = (r.get("addresses") or [{}])[0]
    parts = [address.get("address_1", ""), address.get("city", ""), address.get("postal_code", "")]
    return Location(
        id=r["id"], name=r.get("name", ""), lat=float(r["latitude"]), lon=float(r["longitude"]),
        address=", ".join(p for p in parts if p), postcode=address.get("postal_code", ""),
        source=r.get("source", ""), example=bool(r.get("example", False)),
        confidential=bool(r.get("confidential", False)),
    )  # fmt: skip
