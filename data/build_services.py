"""Rebuild the service directory ``data/services/*.json`` (Open Referral UK 3.0).

Run from the project root (``make data`` does this)::

    python data/build_services.py [--out DIR]

One JSON file per Open Referral table, each an array of records; identifiers
are UUIDs derived from the source record (uuid5), so a rebuild keeps them.
Real entries come from the raw open data in ``data/raw/``; the partnership
agencies' national helplines are real facts; every location that cannot be
sourced is an example: ``"example": true`` and a name starting "EXAMPLE - ".
Method and licences: ``data/services/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import uuid
from pathlib import Path
from typing import Any

RAW = Path(__file__).resolve().parent / "raw"
NAMESPACE = uuid.UUID("5b0f1d0e-7d1c-4c56-9d5e-0a0ad1a7e3b1")
EXAMPLE = "EXAMPLE - "

#: A plain e-mail address: no whitespace, one "@", a dot in the domain.
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

#: Community buildings named in a library's address (DCMS list): the library is housed there.
VENUE_WORDS = ("Village Hall", "Community Centre", "Town Hall")

#: Service kinds (taxonomy terms). ``term`` is the slug the CLI takes.
KINDS = [
    ("library", "Library", "Public library (static building)."),
    ("mobile-library-stop", "Mobile library stop", "A stop of a mobile library round, from a published plan."),
    ("police", "Police", "Police station or enquiry office."),
    ("gp", "GP practice", "General practice (family doctor)."),
    ("victim-support", "Victim support", "Support for victims of crime."),
    ("domestic-abuse-support", "Domestic abuse support", "Advice, refuge and outreach for people experiencing domestic abuse."),
    ("childrens-centre", "Children's centre", "Children's centre or family hub."),
    ("school", "School", "School or college."),
    ("hospital", "Hospital", "Hospital."),
    ("hospice", "Hospice", "Hospice."),
    ("care-home", "Care home", "Residential or nursing care home."),
    ("community-venue", "Community venue", "Village hall or other venue for outreach sessions."),
]  # fmt: skip

OS_KIND = {
    "Primary Education": "school", "Secondary Education": "school", "Non State Primary Education": "school",
    "Non State Secondary Education": "school", "Special Needs Education": "school", "Further Education": "school",
    "Higher or University Education": "school", "Hospital": "hospital", "Hospice": "hospice",
    "Medical Care Accommodation": "care-home",
}  # fmt: skip

TABLES = [
    "taxonomies", "taxonomy_terms", "organizations", "services", "locations",
    "service_at_locations", "schedules", "contacts", "phones",
]  # fmt: skip


def uid(table: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{table}:{key}"))


def read_csv(name: str) -> list[dict[str, str]]:
    with (RAW / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def title(text: str) -> str:
    """NHS ODS names are upper case: "THE SWAN PRACTICE" -> "The Swan Practice"."""
    small = {"and", "of", "the", "at", "on", "in"}
    words = [w.lower() if w.lower() in small and i else w.capitalize() for i, w in enumerate(text.split())]
    return " ".join(words)


def clean_email(raw: str) -> str | None:
    """An e-mail address from the raw data, or None when it is not a valid one.

    Whitespace inside is dropped only where that leaves a valid address
    ("hunslib@ firstforwellbeing.co.uk"); anything else ("lib-buc@buckscc.gov,uk")
    is left out rather than guessed.
    """
    joined = "".join(raw.split())
    return joined if EMAIL.fullmatch(joined) else None


def pretty_postcode(pc: str) -> str:
    pc = pc.replace(" ", "").upper()
    return f"{pc[:-3]} {pc[-3:]}" if len(pc) > 3 else pc


class Directory:
    """Accumulates the Open Referral tables."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
        self.taxonomy_id = uid("taxonomy", "outreach-map-kinds")
        self.tables["taxonomies"].append(
            {
                "id": self.taxonomy_id,
                "name": "outreach-map service kinds",
                "description": "Kinds of service used for coverage analysis in rural West Northamptonshire.",
                "version": "1",
            }
        )
        for term, name, description in KINDS:
            self.tables["taxonomy_terms"].append(
                {"id": uid("term", term), "term": term, "name": name, "description": description,
                 "taxonomy": "outreach-map", "taxonomy_id": self.taxonomy_id}
            )  # fmt: skip

    def organization(self, key: str, name: str, description: str, **extra: Any) -> str:
        oid = uid("organization", key)
        if not any(o["id"] == oid for o in self.tables["organizations"]):
            self.tables["organizations"].append({"id": oid, "name": name, "description": description, **extra})
        return oid

    def service(
        self, key: str, *, organization_id: str, name: str, kind: str, description: str,
        status: str = "active", source: str, example: bool = False, **extra: Any,
    ) -> str:  # fmt: skip
        sid = uid("service", key)
        record: dict[str, Any] = {
            "id": sid, "organization_id": organization_id, "name": name, "description": description,
            "status": status,
            "attributes": [{"id": uid("attribute", key), "link_id": sid, "link_type": "service",
                            "taxonomy_term_id": uid("term", kind)}],
            "source": source,
        }  # fmt: skip
        record.update(extra)
        if example:
            record["example"] = True
        self.tables["services"].append(record)
        return sid

    def location(
        self, key: str, *, name: str, lat: float, lon: float, source: str, address: dict[str, str] | None = None,
        example: bool = False, confidential: bool = False, **extra: Any,
    ) -> str:  # fmt: skip
        lid = uid("location", key)
        record: dict[str, Any] = {
            "id": lid, "location_type": "physical", "name": name,
            "latitude": round(lat, 6), "longitude": round(lon, 6), "source": source,
        }  # fmt: skip
        if address:
            record["addresses"] = [{"id": uid("address", key), "location_id": lid, "address_type": "physical",
                                    "country": "GB", "state_province": "England", **address}]  # fmt: skip
        record.update(extra)
        if example:
            record["example"] = True
        if confidential:
            record["confidential"] = True
        self.tables["locations"].append(record)
        return lid

    def at(self, service_id: str, location_id: str, *, example: bool = False) -> str:
        said = uid("service_at_location", f"{service_id}:{location_id}")
        record: dict[str, Any] = {"id": said, "service_id": service_id, "location_id": location_id}
        if example:
            record["example"] = True
        self.tables["service_at_locations"].append(record)
        return said

    def schedule(self, key: str, **fields: Any) -> None:
        self.tables["schedules"].append({"id": uid("schedule", key), **fields})

    def phone(self, key: str, service_id: str, contact_name: str, number: str, description: str) -> None:
        cid = uid("contact", key)
        self.tables["contacts"].append({"id": cid, "service_id": service_id, "name": contact_name})
        self.tables["phones"].append({"id": uid("phone", key), "contact_id": cid, "number": number,
                                      "description": description})  # fmt: skip


def add_libraries(d: Directory) -> None:
    source = "DCMS Libraries Taskforce dataset via LibrariesHacked (c.2017), OGL v3"
    for row in read_csv("libraries_taskforce_northants_bbox.csv"):
        postcode = pretty_postcode(row["postcode"])
        name = row["name"] if "Library" in row["name"] else f"{row['name']} Library"
        key = f"library:{row['id']}"
        address = row["address"]
        lat, lon = float(row["lat"]), float(row["lng"])
        extra: dict[str, Any] = {}
        if row["closed"] == "XLR":
            status = "defunct"
            note = f"Closed in {row['closed_year'][:4]} and replaced: {row['notes']}."
        elif row["closed"]:
            status = "defunct"
            note = f"Closed in {row['closed_year'][:4]}."
        else:
            status = "active"
            note = ""
        if row["name"] == "Daventry":
            # Moved in May 2019 (Daventry Express, 24 April 2019): Abbey Advice and
            # Resource Centre, St John's Square. Postcode not in the raw data; the
            # point is the town-centre point of the gazetteer, marked approximate.
            address = "The Abbey Centre, St John's Square, Daventry"
            postcode = ""
            lat, lon = 52.2569, -1.1607
            note = ("Moved from North Street to the Abbey Advice and Resource Centre, St John's Square, "
                    "on 13 May 2019 (Daventry Express, 24 April 2019).")  # fmt: skip
            extra["coordinates_note"] = "approximate: Daventry town-centre point (GeoNames), not the building"
        org = d.organization(
            f"library-authority:{row['authority_id']}",
            LIBRARY_AUTHORITIES[row["authority_id"]],
            "Local authority library service.",
        )
        description = (
            f"Public library ({'community library' if row['type'] in ('CL', 'CRL') else 'local authority library'})."
        )
        if note:
            description += " " + note
        contact: dict[str, Any] = {}
        if row["url"].startswith("http"):
            contact["url"] = row["url"]
        if email := clean_email(row["email"]):
            contact["email"] = email
        sid = d.service(
            key, organization_id=org, name=name, kind="library", description=description, status=status,
            source=source, **contact,
        )  # fmt: skip
        lines = [part.strip() for part in address.split(",") if part.strip()] or [name]
        lid = d.location(
            key, name=name, lat=lat, lon=lon, source=source, **extra,
            address={"address_1": ", ".join(lines[:-1]) or lines[0], "city": lines[-1], "postal_code": postcode},
        )  # fmt: skip
        said = d.at(sid, lid)
        if status == "active" and row["hours"]:
            hours = float(row["hours"])
            d.schedule(
                key, service_id=sid, service_at_location_id=said,
                description=(f"Open {hours:g} hours a week (DCMS Libraries Taskforce figure, c.2016). "
                             "Opening times are not in the open data: check with the library."),
            )  # fmt: skip


#: LibrariesHacked authority ids in the raw file -> the authority at the time.
LIBRARY_AUTHORITIES = {
    "18": "Buckinghamshire County Council", "80": "Milton Keynes Council",
    "89": "Northamptonshire County Council", "94": "Oxfordshire County Council",
    "140": "Warwickshire County Council",
}  # fmt: skip


def add_gps(d: Directory) -> None:
    source = "NHS ODS epraccur (December 2019), OGL v3; location from Code-Point Open postcode"
    for row in read_csv("nhs_ods_epraccur_2019_gp_practices_westnorthants_bbox.csv"):
        key = f"gp:{row['org_code']}"
        name = title(row["name"])
        org = d.organization(key, name, "GP practice (NHS ODS).", organization_identifiers=[
            {"id": uid("identifier", key), "identifier_scheme": "GB-NHS", "identifier_type": "ODS code",
             "identifier": row["org_code"]}])  # fmt: skip
        status = "active" if row["status"] == "A" else "inactive"
        sid = d.service(
            key,
            organization_id=org,
            name=name,
            kind="gp",
            status=status,
            source=source,
            description="General practice (family doctor). Registered patients; check with the practice.",
        )
        parts = [title(row[k]) for k in ("addr1", "addr2", "addr3", "addr4") if row[k]]
        lid = d.location(
            key, name=name, lat=float(row["lat"]), lon=float(row["lon"]), source=source,
            external_identifier=row["org_code"], external_identifier_type="ODS code",
            address={"address_1": ", ".join(parts[:-1]) or parts[0], "city": parts[-1],
                     "postal_code": pretty_postcode(row["postcode"])},
        )  # fmt: skip
        d.at(sid, lid)
        if row["phone"]:
            d.phone(key, sid, "Reception", row["phone"], "Practice telephone (NHS ODS, 2019)")


def add_os_places(d: Directory) -> None:
    source = "OS Open Names 2024, OGL v3"
    for row in read_csv("os_open_names_schools_health_stations_westnorthants_bbox.csv"):
        kind = OS_KIND.get(row["LOCAL_TYPE"])
        if kind is None:
            continue
        key = f"os:{row['ID']}"
        name = row["NAME1"]
        org = d.organization(key, name, f"{row['LOCAL_TYPE']} (OS Open Names).")
        sid = d.service(
            key,
            organization_id=org,
            name=name,
            kind=kind,
            source=source,
            description=f"{row['LOCAL_TYPE']}. Contact details are not in the open data.",
        )
        town = row["POPULATED_PLACE"] or row["POSTCODE_DISTRICT"]
        lid = d.location(
            key, name=name, lat=float(row["lat"]), lon=float(row["lon"]), source=source,
            external_identifier=row["ID"], external_identifier_type="OS Open Names ID",
            address={"address_1": name, "city": town, "postal_code": row["POSTCODE_DISTRICT"]},
        )  # fmt: skip
        d.at(sid, lid)


def add_community_venues(d: Directory) -> None:
    """Village halls and community centres that house an open library (DCMS list).

    Only a building the list names in the library's address is taken, and only
    while that library is open; the point is the library's (its postcode).
    No other open source here gives community venues.
    """
    source = ("DCMS Libraries Taskforce dataset via LibrariesHacked (c.2017), OGL v3: "
              "the building named in a library's address")  # fmt: skip
    for row in read_csv("libraries_taskforce_northants_bbox.csv"):
        parts = [part.strip() for part in row["address"].split(",") if part.strip()]
        if row["closed"] or not parts or not any(word in parts[0] for word in VENUE_WORDS):
            continue
        place = row["name"].removesuffix(" Library")
        name = parts[0] if parts[0] != next(w for w in VENUE_WORDS if w in parts[0]) else f"{place} {parts[0]}"
        library = row["name"] if "Library" in row["name"] else f"{row['name']} Library"
        key = f"venue:library:{row['id']}"
        org = d.organization(key, name, "Community building (operator not in the open data).")
        sid = d.service(
            key, organization_id=org, name=name, kind="community-venue", source=source,
            description=(f"Community venue: {library} is housed here (DCMS Libraries Taskforce list, c.2017). "
                         "Booking, opening times and contacts are not in the open data."),
        )  # fmt: skip
        lid = d.location(
            key, name=name, lat=float(row["lat"]), lon=float(row["lng"]), source=source,
            address={"address_1": ", ".join(parts[:-1]) or parts[0], "city": parts[-1],
                     "postal_code": pretty_postcode(row["postcode"])},
        )  # fmt: skip
        d.at(sid, lid)


#: Market-town points (from data/villages) used only to place EXAMPLE locations.
TOWNS = {"Daventry": (52.2569, -1.1607), "Towcester": (52.131913, -0.988511), "Brackley": (52.032615, -1.143726)}


def add_partnership(d: Directory) -> None:
    """Partnership agencies: real national helplines, EXAMPLE local bases, an EXAMPLE confidential refuge."""
    orgs = _national_helplines(d)
    _example_bases(d, orgs)
    _example_refuge(d, orgs["refuge"], orgs["ndah"])


INVENTED = "EXAMPLE: invented for demonstration, not a real location"


def _national_helplines(d: Directory) -> dict[str, str]:
    """The agencies and their real national helplines; returns the ids the examples refer to."""
    fact = "Public national helpline details (agency websites)"
    vs = d.organization("victim-support", "Victim Support", "Independent charity for victims of crime in England and Wales.",
                        website="https://www.victimsupport.org.uk")  # fmt: skip
    line = d.service("victim-support:supportline", organization_id=vs, name="Victim Support Supportline",
                     kind="victim-support", source=fact, url="https://www.victimsupport.org.uk",
                     description="Free, confidential support for anyone affected by crime, 24 hours a day, 7 days a week.")  # fmt: skip
    d.phone("victim-support:supportline", line, "Supportline", "08 08 16 89 111", "Free, 24/7")
    d.schedule("victim-support:supportline", service_id=line, freq="WEEKLY", interval=1,
               byday="MO,TU,WE,TH,FR,SA,SU", opens_at="00:00:00", closes_at="23:59:59",
               description="24 hours a day, 7 days a week.")  # fmt: skip

    refuge = d.organization("refuge", "Refuge", "Charity running the National Domestic Abuse Helpline.",
                            website="https://www.refuge.org.uk")  # fmt: skip
    ndah = d.service("refuge:ndah", organization_id=refuge, name="National Domestic Abuse Helpline",
                     kind="domestic-abuse-support", source=fact, url="https://www.nationaldahelpline.org.uk",
                     description="Free, confidential 24-hour helpline for anyone experiencing domestic abuse, "
                                 "and the way to reach refuge accommodation.")  # fmt: skip
    d.phone("refuge:ndah", ndah, "Helpline", "0808 2000 247", "Free, 24 hours")
    d.schedule(
        "refuge:ndah",
        service_id=ndah,
        freq="WEEKLY",
        interval=1,
        byday="MO,TU,WE,TH,FR,SA,SU",
        opens_at="00:00:00",
        closes_at="23:59:59",
        description="24 hours a day, 7 days a week.",
    )
    wa = d.organization("womens-aid", "Women's Aid Federation of England",
                        "National charity working to end domestic abuse against women and children.",
                        website="https://www.womensaid.org.uk")  # fmt: skip
    police = d.organization("northants-police", "Northamptonshire Police", "Territorial police force for Northamptonshire.",
                            website="https://www.northants.police.uk")  # fmt: skip
    p101 = d.service("northants-police:101", organization_id=police, name="Northamptonshire Police non-emergency 101",
                     kind="police", source=fact, url="https://www.northants.police.uk",
                     description="Non-emergency police contact. In an emergency always call 999.")  # fmt: skip
    d.phone("northants-police:101", p101, "Non-emergency", "101", "Non-emergency; in an emergency call 999")
    homestart = d.organization("home-start", "Home-Start UK", "Charity supporting families with young children.",
                               website="https://www.home-start.org.uk")  # fmt: skip
    council = d.organization("wnc", "West Northamptonshire Council", "Unitary authority for West Northamptonshire since 2021.",
                             website="https://www.westnorthants.gov.uk")  # fmt: skip
    return {
        "vs": vs,
        "refuge": refuge,
        "ndah": ndah,
        "wa": wa,
        "police": police,
        "homestart": homestart,
        "council": council,
    }


def _example_bases(d: Directory, orgs: dict[str, str]) -> None:
    """EXAMPLE local bases of the agencies in the market towns, with invented opening hours."""
    vs, wa, police, homestart, council = (orgs[k] for k in ("vs", "wa", "police", "homestart", "council"))
    invented = INVENTED
    examples = [
        ("victim-support", vs, "Victim Support outreach base", "Daventry", "victim-support", "TU", "10:00", "15:00"),
        ("victim-support", vs, "Victim Support outreach base", "Towcester", "victim-support", "TH", "10:00", "15:00"),
        ("womens-aid", wa, "Domestic abuse drop-in", "Brackley", "domestic-abuse-support", "WE", "10:00", "13:00"),
        ("womens-aid", wa, "Domestic abuse drop-in", "Daventry", "domestic-abuse-support", "FR", "10:00", "13:00"),
        ("police", police, "Police enquiry office", "Daventry", "police", "MO,TU,WE,TH,FR", "09:00", "17:00"),
        ("police", police, "Police enquiry office", "Towcester", "police", "MO,WE,FR", "10:00", "14:00"),
        ("police", police, "Police enquiry office", "Brackley", "police", "TU,TH", "10:00", "14:00"),
        ("home-start", homestart, "Home-Start family support office", "Towcester", "childrens-centre", "MO,TU,WE,TH", "09:30", "15:00"),
        ("childrens-centre", council, "Children's centre", "Daventry", "childrens-centre", "MO,TU,WE,TH,FR", "09:00", "17:00"),
        ("childrens-centre", council, "Children's centre", "Brackley", "childrens-centre", "MO,WE,FR", "09:00", "16:00"),
    ]  # fmt: skip
    offsets = {"Daventry": (0.0021, -0.0032), "Towcester": (-0.0018, 0.0027), "Brackley": (0.0015, 0.0024)}
    for agency, org, label, town, kind, days, opens, closes in examples:
        key = f"example:{agency}:{slug_of(label)}:{town}"
        name = f"{EXAMPLE}{label}, {town}"
        lat, lon = TOWNS[town]
        dlat, dlon = offsets[town]
        sid = d.service(key, organization_id=org, name=name, kind=kind, source=invented, example=True,
                        description=f"{EXAMPLE}an invented {label.lower()} in {town}, for demonstration only.")  # fmt: skip
        lid = d.location(key, name=name, lat=lat + dlat, lon=lon + dlon, source=invented, example=True,
                         address={"address_1": f"{EXAMPLE}address not real", "city": town, "postal_code": ""})  # fmt: skip
        said = d.at(sid, lid, example=True)
        d.schedule(key, service_id=sid, service_at_location_id=said, freq="WEEKLY", interval=1, byday=days,
                   opens_at=f"{opens}:00", closes_at=f"{closes}:00", example=True,
                   description=f"{EXAMPLE}invented opening hours.")  # fmt: skip


def _example_refuge(d: Directory, refuge: str, ndah: str) -> None:
    """A confidential refuge: the point never leaves the server; the public are given the helpline instead."""
    invented = INVENTED
    key = "example:refuge:west-northants"
    name = f"{EXAMPLE}Refuge accommodation (confidential)"
    sid = d.service(key, organization_id=refuge, name=name, kind="domestic-abuse-support", source=invented,
                    example=True, description=f"{EXAMPLE}invented refuge. Reach it through the National "
                    "Domestic Abuse Helpline, 0808 2000 247.", public_contact_service_id=ndah)  # fmt: skip
    lid = d.location(key, name=name, lat=52.1873, lon=-1.0712, source=invented, example=True, confidential=True,
                     address={"address_1": f"{EXAMPLE}confidential address", "city": "West Northamptonshire",
                              "postal_code": ""})  # fmt: skip
    d.at(sid, lid, example=True)


def slug_of(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def build(out: Path) -> None:
    d = Directory()
    add_libraries(d)
    add_gps(d)
    add_os_places(d)
    add_community_venues(d)
    add_partnership(d)
    folder = out / "services"
    folder.mkdir(parents=True, exist_ok=True)
    for table, records in d.tables.items():
        path = folder / f"{table}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    build(parser.parse_args(argv).out)


if __name__ == "__main__":
    main()
