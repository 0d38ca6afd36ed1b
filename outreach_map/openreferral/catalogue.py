"""The catalogue: the directory's records indexed once for the API, every confidential location withheld.

Confidentiality is structural. :func:`build_catalogue` drops the records of
confidential locations, the ``location_id`` of their service_at_locations,
their schedules and their service points before any serialiser runs, so
nothing downstream can reach a confidential name, address or coordinate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..directory import Directory, ServicePoint

__all__ = ["Catalogue", "Record", "build_catalogue"]

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Catalogue:
    """The directory's records indexed for the API, with every confidential location withheld.

    ``locations`` and ``points`` hold public locations only; ``redacted`` names
    the service_at_locations whose location is confidential (their records
    here have no ``location_id``); schedules of those are dropped.
    """

    taxonomies: Mapping[str, Record]
    terms: Mapping[str, Record]
    organizations: Mapping[str, Record]
    services: Mapping[str, Record]
    locations: Mapping[str, Record]
    service_at_locations: Mapping[str, Record]
    redacted: frozenset[str]
    points: Mapping[str, ServicePoint]
    contacts: Mapping[str, tuple[Record, ...]]
    phones: Mapping[str, tuple[Record, ...]]
    schedules: Mapping[str, tuple[Record, ...]]
    sals_by_service: Mapping[str, tuple[str, ...]]
    service_terms: Mapping[str, frozenset[str]]
    service_text: Mapping[str, str]
    location_text: Mapping[str, str]


def _group(records: Iterable[Record], key: str) -> dict[str, tuple[Record, ...]]:
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(record[key], []).append(record)
    return {k: tuple(v) for k, v in groups.items()}


def build_catalogue(directory: Directory) -> Catalogue:
    """Index a directory's validated records for the API, withholding confidential locations."""
    records = directory.records
    by_id = {table: {r["id"]: r for r in rows} for table, rows in records.items()}
    secret = {lid for lid, loc in directory.locations.items() if loc.confidential}
    sals: dict[str, Record] = {}
    redacted: set[str] = set()
    for r in records["service_at_locations"]:
        if r["location_id"] in secret:
            redacted.add(r["id"])  # as if it did not exist: no record, no count, no schedule
        else:
            sals[r["id"]] = r
    schedules: dict[str, list[Record]] = {}
    for r in records["schedules"]:
        sal = r.get("service_at_location_id")
        if sal in redacted:
            continue
        service_id = r["service_id"] if "service_id" in r else sals[r["service_at_location_id"]]["service_id"]
        schedules.setdefault(service_id, []).append(r)
    terms = by_id["taxonomy_terms"]
    service_terms = {
        sid: frozenset(a["taxonomy_term_id"] for a in r.get("attributes", ()) if a.get("taxonomy_term_id") in terms)
        for sid, r in by_id["services"].items()
    }
    service_text = {
        sid: " ".join(
            [r["name"], r.get("description", ""), by_id["organizations"][r["organization_id"]]["name"]]
            + [terms[t]["name"] + " " + terms[t].get("term", "") for t in service_terms[sid]]
        ).casefold()
        for sid, r in by_id["services"].items()
    }
    locations = {lid: r for lid, r in by_id["locations"].items() if lid not in secret}
    location_text = {
        lid: " ".join(
            [r.get("name", ""), r.get("description", "")]
            + [str(a.get(f, "")) for a in r.get("addresses", ()) for f in ("address_1", "city", "postal_code")]
        ).casefold()
        for lid, r in locations.items()
    }
    return Catalogue(
        taxonomies=by_id["taxonomies"], terms=terms, organizations=by_id["organizations"],
        services=by_id["services"], locations=locations, service_at_locations=sals, redacted=frozenset(redacted),
        points={p.id: p for p in directory.points if not p.confidential},
        contacts=_group(records["contacts"], "service_id"), phones=_group(records["phones"], "contact_id"),
        schedules={k: tuple(v) for k, v in schedules.items()},
        sals_by_service={k: tuple(r["id"] for r in v) for k, v in _group(sals.values(), "service_id").items()},
        service_terms=service_terms, service_text=service_text, location_text=location_text,
    )  # fmt: skip
