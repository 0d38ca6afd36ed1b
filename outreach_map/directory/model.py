"""The directory as typed, frozen objects: kinds, organisations, services, locations and service points.

:func:`link_directory` turns Open Referral tables (the records of
``data/services/*.json``, or the same records read from the database) into a
:class:`Directory`, checking every link between tables. Coverage, search, the
planner and the API all work on a :class:`Directory`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import LinkError
from ..places import LAT_RANGE, LON_RANGE

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
    "address_text",
    "link_directory",
    "locator",
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

Tables = Mapping[str, list[dict[str, Any]]]


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
    valid_from: str | None = None
    valid_to: str | None = None
    dtstart: str | None = None

    def as_record(self) -> dict[str, Any]:
        """The Open Referral fields of the schedule (for :mod:`.hours`)."""
        fields = {
            "id": self.id, "description": self.description, "freq": self.freq, "interval": self.interval,
            "byday": ",".join(self.byday) or None, "opens_at": self.opens_at, "closes_at": self.closes_at,
            "valid_from": self.valid_from, "valid_to": self.valid_to, "dtstart": self.dtstart,
        }  # fmt: skip
        return {k: v for k, v in fields.items() if v not in (None, "")}


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
    eligibility: str = ""
    minimum_age: float | None = None
    maximum_age: float | None = None
    #: When the owning agency last confirmed the entry (``assured_date``); ``None`` if never.
    last_checked: date | None = None
    accepts_referrals: bool = True

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


def locator(index: int, record: Mapping[str, Any]) -> str:
    """``record N (id ...)``: how messages name a record."""
    rid = record.get("id")
    return f"record {index} (id {rid})" if isinstance(rid, str) else f"record {index}"


class _Linker:
    def __init__(self, rows: Tables) -> None:
        self.rows = rows
        self.index = {table: {r["id"]: r for r in records} for table, records in rows.items()}

    def fail(self, table: str, index: int, record: Mapping[str, Any], field_name: str, problem: str) -> LinkError:
        return LinkError(table, locator(index, record), field_name, problem)

    def link(self, table: str, index: int, record: Mapping[str, Any], field_name: str, target: str) -> dict[str, Any]:
        value = record.get(field_name)
        found = self.index[target].get(value) if isinstance(value, str) else None
        if found is None:
            problem = f"{value!r} does not match any id in {target}.json"
            raise self.fail(table, index, record, field_name, problem)
        return found


def _optional_date(text: object) -> date | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _schedule(r: Mapping[str, Any]) -> Schedule:
    return Schedule(
        r["id"], r.get("description", ""), r.get("freq"), int(r["interval"]) if "interval" in r else None,
        tuple(d for d in r.get("byday", "").split(",") if d), r.get("opens_at"), r.get("closes_at"),
        bool(r.get("example", False)), r.get("valid_from"), r.get("valid_to"), r.get("dtstart"),
    )  # fmt: skip


def _phones(t: _Linker) -> dict[str, list[Phone]]:
    contact_service: dict[str, tuple[str, str]] = {}
    for i, r in enumerate(t.rows["contacts"], start=1):
        t.link("contacts", i, r, "service_id", "services")
        contact_service[r["id"]] = (r["service_id"], r.get("name", ""))
    phones: dict[str, list[Phone]] = {}
    for i, r in enumerate(t.rows["phones"], start=1):
        contact = t.link("phones", i, r, "contact_id", "contacts")
        service_id, contact_name = contact_service[contact["id"]]
        phones.setdefault(service_id, []).append(Phone(r["number"], r.get("description", ""), contact_name))
    return phones


def _schedules(t: _Linker) -> tuple[dict[str, list[Schedule]], dict[str, list[Schedule]]]:
    by_service: dict[str, list[Schedule]] = {}
    by_sal: dict[str, list[Schedule]] = {}
    for i, r in enumerate(t.rows["schedules"], start=1):
        if "service_at_location_id" in r:
            t.link("schedules", i, r, "service_at_location_id", "service_at_locations")
            by_sal.setdefault(r["service_at_location_id"], []).append(_schedule(r))
        elif "service_id" in r:
            t.link("schedules", i, r, "service_id", "services")
            by_service.setdefault(r["service_id"], []).append(_schedule(r))
        else:
            problem = "has neither service_id nor service_at_location_id; expected one"
            raise t.fail("schedules", i, r, "service_id", problem)
    return by_service, by_sal


def _services(
    t: _Linker,
    kinds: tuple[ServiceKind, ...],
    phones: Mapping[str, list[Phone]],
    schedules: Mapping[str, list[Schedule]],
) -> dict[str, Service]:
    kind_by_id = {k.id: k.term for k in kinds}
    services: dict[str, Service] = {}
    for i, r in enumerate(t.rows["services"], start=1):
        t.link("services", i, r, "organization_id", "organizations")
        term_ids = [a.get("taxonomy_term_id") for a in r.get("attributes", [])]
        kind = next((kind_by_id[x] for x in term_ids if x in kind_by_id), None)
        if kind is None:
            problem = (
                "no attribute links a service kind; "
                "expected an attribute whose taxonomy_term_id is in taxonomy_terms.json"
            )
            raise t.fail("services", i, r, "attributes", problem)
        if "public_contact_service_id" in r:
            t.link("services", i, r, "public_contact_service_id", "services")
        services[r["id"]] = Service(
            id=r["id"], organization_id=r["organization_id"], name=r["name"], description=r.get("description", ""),
            status=r["status"], kind=kind, url=r.get("url"), email=r.get("email"), source=r.get("source", ""),
            example=bool(r.get("example", False)), phones=tuple(phones.get(r["id"], ())),
            schedules=tuple(schedules.get(r["id"], ())),
            public_contact_service_id=r.get("public_contact_service_id"),
            eligibility=r.get("eligibility_description", ""), minimum_age=r.get("minimum_age"),
            maximum_age=r.get("maximum_age"), last_checked=_optional_date(r.get("assured_date")),
            accepts_referrals=bool(r.get("accepts_referrals", True)),
        )  # fmt: skip
    return services


#: A postcode district (outward code) such as NN11.
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def address_text(parts: Sequence[str | None]) -> str:
    """An address's parts joined once each: a part that repeats another (a postcode district given as
    the town and again as the postcode) is left out.

    Examples
    --------
    >>> address_text(["The Lodges", "NN11", "NN11"])
    'The Lodges, NN11'
    >>> address_text(["1 High Street", "NN11", "NN11 4AB"])
    '1 High Street, NN11 4AB'
    """
    kept: list[str] = []
    for part in (p.strip() for p in parts if p and p.strip()):
        words = part.casefold()
        if any(words == k.casefold() for k in kept):
            continue
        kept = [k for k in kept if not (_OUTWARD.match(k) and words.startswith(k.casefold() + " "))]
        kept.append(part)
    return ", ".join(kept)


def _location(t: _Linker, index: int, r: Mapping[str, Any]) -> Location:
    for field_name, (low, high) in (("latitude", LAT_RANGE), ("longitude", LON_RANGE)):
        value = r.get(field_name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            problem = f"missing or not a number; expected the {field_name} of the location in WGS84 degrees"
            raise t.fail("locations", index, r, field_name, problem)
        if not low <= value <= high:
            problem = f"{value} is out of range; expected a {field_name} in Great Britain between {low:g} and {high:g}"
            raise t.fail("locations", index, r, field_name, problem)
    address = (r.get("addresses") or [{}])[0]
    parts = [address.get("address_1", ""), address.get("city", ""), address.get("postal_code", "")]
    return Location(
        id=r["id"], name=r.get("name", ""), lat=float(r["latitude"]), lon=float(r["longitude"]),
        address=address_text(parts), postcode=address.get("postal_code", ""),
        source=r.get("source", ""), example=bool(r.get("example", False)),
        confidential=bool(r.get("confidential", False)),
    )  # fmt: skip


def link_directory(rows: Tables, *, fail: Callable[[LinkError], Exception] | None = None) -> Directory:
    """Link Open Referral tables into a :class:`Directory`.

    Parameters
    ----------
    rows
        Every table of :data:`TABLES` (absent optional tables as empty lists), records as in
        ``data/services/*.json``: addresses inside locations, attributes inside services.
    fail
        Turns a link problem into the error to raise (the file loader names the file).

    Raises
    ------
    LinkError
        Or what ``fail`` makes of it, for the first link that points nowhere.
    """
    t = _Linker({table: list(rows.get(table, ())) for table in TABLES})
    try:
        return _link(t)
    except LinkError as problem:
        if fail is None:
            raise
        raise fail(problem) from None


def _link(t: _Linker) -> Directory:
    kinds = tuple(
        ServiceKind(r["id"], r.get("term") or r["name"], r["name"], r["description"]) for r in t.rows["taxonomy_terms"]
    )
    organizations = {
        r["id"]: Organization(r["id"], r["name"], r["description"], r.get("website")) for r in t.rows["organizations"]
    }
    phones = _phones(t)
    schedules_by_service, schedules_by_sal = _schedules(t)
    services = _services(t, kinds, phones, schedules_by_service)
    locations = {r["id"]: _location(t, i, r) for i, r in enumerate(t.rows["locations"], start=1)}
    points = []
    for i, r in enumerate(t.rows["service_at_locations"], start=1):
        t.link("service_at_locations", i, r, "service_id", "services")
        t.link("service_at_locations", i, r, "location_id", "locations")
        points.append(
            ServicePoint(
                r["id"],
                services[r["service_id"]],
                locations[r["location_id"]],
                tuple(schedules_by_sal.get(r["id"], ())),
            )
        )
    return Directory(
        kinds=kinds,
        organizations=organizations,
        services=services,
        locations=locations,
        points=tuple(points),
        records={table: tuple(records) for table, records in t.rows.items()},
    )
