"""Rebuild ``data/villages/villages.csv`` and ``data/postcodes/postcodes.csv``.

Run from the project root (``make data`` does this)::

    python data/build_villages.py [--out DIR]

Inputs are the raw open-data copies in ``data/raw/`` (see ``data/README.md``).
Method and licences: ``data/villages/README.md`` and ``data/postcodes/README.md``.
The script is deterministic: the same inputs give byte-identical outputs, which
``tests/test_data_build.py`` checks.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import Transformer

RAW = Path(__file__).resolve().parent / "raw"

#: The two former districts that make up rural West Northamptonshire.
CORE_DISTRICTS = {"E07000151": "Daventry", "E07000155": "South Northamptonshire"}

#: ONS codes of the 2014 local authority districts found in the raw files.
DISTRICT_NAMES = {
    **CORE_DISTRICTS,
    "E07000154": "Northampton",
    "E07000177": "Cherwell",
    "E07000004": "Aylesbury Vale",
    "E06000042": "Milton Keynes",
    "E07000220": "Rugby",
    "E07000221": "Stratford-on-Avon",
    "E07000153": "Kettering",
    "E07000131": "Harborough",
    "E07000181": "West Oxfordshire",
    "E07000156": "Wellingborough",
    "E07000222": "Warwick",
    "E08000026": "Coventry",
}

#: OS Open Names LOCAL_TYPE -> our settlement kind. "Suburban Area" rows are
#: dropped: each is a named part of a town or village that is listed itself.
OS_KIND = {"Town": "town", "City": "town", "Village": "village", "Hamlet": "hamlet", "Other Settlement": "hamlet"}

#: OS Open Names 2024 lacks the 20 km tiles SP46 and SP48 (around Daventry).
GAP_TILES = ((440_000, 460_000, 260_000, 300_000),)

TOWN_POPULATION = 5_000
#: Outside the two core districts, postcodes farther than this from every settlement are not counted.
OUTSIDE_RADIUS_M = 1_500

VILLAGE_COLUMNS = [
    "id", "name", "kind", "lat", "lon", "easting", "northing", "district", "district_code",
    "postcode_district", "population", "population_source", "source", "source_id",
]  # fmt: skip

POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")

TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


@dataclass
class Place:
    name: str
    kind: str
    lat: float
    lon: float
    easting: float
    northing: float
    postcode_district: str
    source: str
    source_id: str
    population: int | None
    district_code: str = ""


def slug(text: str) -> str:
    """Lower-case ASCII slug: "King's Sutton" -> "kings-sutton"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def read_csv(name: str) -> list[dict[str, str]]:
    with (RAW / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def in_gap(easting: float, northing: float) -> bool:
    return any(x0 <= easting < x1 and y0 <= northing < y1 for x0, x1, y0, y1 in GAP_TILES)


def load_places() -> list[Place]:
    """OS Open Names places, the GeoNames fill for SP46/SP48, and GeoNames cities500 extras."""
    merged = read_csv("places_merged_westnorthants_bbox.csv")
    places: list[Place] = []
    os_names: set[str] = set()
    for row in merged:
        if not row["source"].startswith("OS Open Names"):
            continue
        if row["place_type"] not in OS_KIND:
            continue
        os_names.add(row["name"])
        pop = row["population_geonames"]
        places.append(
            Place(
                name=row["name"], kind=OS_KIND[row["place_type"]],
                lat=float(row["lat"]), lon=float(row["lon"]),
                easting=float(row["easting"]), northing=float(row["northing"]),
                postcode_district=row["postcode_district"],
                source="OS Open Names 2024", source_id=row["source_id"],
                population=int(float(pop)) if pop and float(pop) > 0 else None,
            )
        )  # fmt: skip
    # GeoNames postal names fill the OS gap. Accuracy 4 rows are placed from the
    # GeoNames gazetteer; accuracy 3 rows only where their point is not shared
    # with another name (shared points are postcode-district centroids).
    postal = read_csv("geonames_postal_GB_northants_bbox.csv")
    point_count = Counter((r["latitude"], r["longitude"]) for r in postal)
    cities = {r["name"]: r for r in read_csv("geonames_cities500_westnorthants_bbox.csv")}
    seen: set[str] = set()
    for row in postal:
        name = row["place_name"]
        if name in os_names or name in seen:
            continue
        lat, lon = float(row["latitude"]), float(row["longitude"])
        easting, northing = TO_BNG.transform(lon, lat)
        if not in_gap(easting, northing):
            continue
        accuracy = int(row["accuracy"])
        if accuracy < 3 or (accuracy == 3 and point_count[(row["latitude"], row["longitude"])] > 1):
            continue
        seen.add(name)
        city = cities.get(name)
        pop = int(city["population"]) if city and int(city["population"]) > 0 else None
        places.append(
            Place(
                name=name, kind="town" if pop and pop >= TOWN_POPULATION else "village",
                lat=lat, lon=lon, easting=round(easting), northing=round(northing),
                postcode_district=row["postcode_district"],
                source=f"GeoNames postal codes GB (accuracy {accuracy})",
                source_id=f"{row['postcode_district']}:{name}", population=pop,
            )
        )  # fmt: skip
    # GeoNames cities500 places that neither source lists (e.g. Walgrave, Cogenhoe).
    listed = {p.name for p in places}
    for name, row in cities.items():
        population = int(row["population"])
        if name in listed or population <= 0:
            continue
        lat, lon = float(row["latitude"]), float(row["longitude"])
        easting, northing = TO_BNG.transform(lon, lat)
        places.append(
            Place(
                name=name, kind="town" if population >= TOWN_POPULATION else "village",
                lat=lat, lon=lon, easting=round(easting), northing=round(northing),
                postcode_district="", source="GeoNames cities500",
                source_id=row["geonameid"], population=population,
            )
        )  # fmt: skip
    return places


def load_codepoint() -> tuple[np.ndarray, np.ndarray, list[dict[str, str]]]:
    rows = read_csv("codepoint_open_2014_postcodes_westnorthants_bbox.csv")
    xy = np.array([[float(r["easting"]), float(r["northing"])] for r in rows])
    districts = np.array([r["admin_district"] for r in rows])
    return xy, districts, rows


def assign_districts(places: list[Place], cp_xy: np.ndarray, cp_rows: list[dict[str, str]]) -> None:
    """District and (where missing) postcode district from the nearest Code-Point postcode."""
    for place in places:
        d2 = (cp_xy[:, 0] - place.easting) ** 2 + (cp_xy[:, 1] - place.northing) ** 2
        nearest = cp_rows[int(np.argmin(d2))]
        place.district_code = nearest["admin_district"]
        if not place.postcode_district:
            place.postcode_district = nearest["postcode"].replace(" ", "")[:-3]


def estimate_populations(
    places: list[Place], cp_xy: np.ndarray, cp_district: np.ndarray, lsoa_totals: dict[str, int]
) -> dict[str, tuple[int, int, int, float]]:
    """Fill missing populations; return per-district (total, known, postcodes, rate).

    Each Code-Point postcode of a district goes to the nearest settlement of the
    same district. In the two core districts the population the small-area
    (LSOA) total leaves after the GeoNames figures is shared among the other
    settlements in proportion to their postcodes (at least one each). Elsewhere
    there is no total in the raw data: the core districts' people-per-postcode
    rate is used, counting only postcodes within ``OUTSIDE_RADIUS_M`` of the settlement.
    """
    p_xy = np.array([[p.easting, p.northing] for p in places])
    counts = np.zeros(len(places), dtype=int)
    codes = np.array([p.district_code for p in places])
    for code in sorted(set(cp_district)):
        members = np.flatnonzero(codes == code)
        if members.size == 0:
            continue
        pts = cp_xy[cp_district == code]
        d2 = ((pts[:, None, :] - p_xy[None, members, :]) ** 2).sum(axis=2)
        nearest = members[np.argmin(d2, axis=1)]
        if code not in CORE_DISTRICTS:
            # Outside the core there is no total to share, and the towns' own districts
            # (Milton Keynes, Northampton...) have suburbs we do not list: only postcodes
            # near a settlement count for it, so a village beside a town is not given the town.
            nearest = nearest[np.min(d2, axis=1) <= OUTSIDE_RADIUS_M**2]
        counts += np.bincount(nearest, minlength=len(places))
    report: dict[str, tuple[int, int, int, float]] = {}
    rates = []
    for code, name in CORE_DISTRICTS.items():
        members = [i for i, p in enumerate(places) if p.district_code == code]
        known = sum(places[i].population or 0 for i in members)
        unknown = [i for i in members if places[i].population is None]
        weights = {i: max(int(counts[i]), 1) for i in unknown}
        total = lsoa_totals[name]
        remainder = total - known
        if remainder <= 0:
            msg = f"{name}: GeoNames populations ({known}) exceed the LSOA total ({total})"
            raise SystemExit(msg)
        rate = remainder / sum(weights.values())
        rates.append(rate)
        # Largest-remainder rounding so the district sums exactly to the LSOA total.
        shares = {i: rate * w for i, w in weights.items()}
        floors = {i: math.floor(s) for i, s in shares.items()}
        left = remainder - sum(floors.values())
        for i in sorted(shares, key=lambda i: (floors[i] - shares[i], places[i].name))[:left]:
            floors[i] += 1
        for i, value in floors.items():
            places[i].population = value
        report[name] = (total, known, sum(weights.values()), rate)
    outside_rate = sum(rates) / len(rates)
    for i, place in enumerate(places):
        if place.population is None:
            place.population = max(1, round(outside_rate * max(int(counts[i]), 1)))
    return report


def lsoa_totals() -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in read_csv("lsoa_population_ruralurban_daventry_southnorthants.csv"):
        totals[row["old_district"]] = totals.get(row["old_district"], 0) + int(row["population"])
    return totals


def build_villages(out: Path) -> None:
    places = load_places()
    cp_xy, cp_district, cp_rows = load_codepoint()
    assign_districts(places, cp_xy, cp_rows)
    known = {id(p) for p in places if p.population is not None}
    estimate_populations(places, cp_xy, cp_district, lsoa_totals())
    base_ids = Counter(slug(p.name) for p in places)
    rows = []
    for p in places:
        district = DISTRICT_NAMES.get(p.district_code, p.district_code)
        vid = slug(p.name) if base_ids[slug(p.name)] == 1 else f"{slug(p.name)}-{slug(district)}"
        rows.append(
            {
                "id": vid, "name": p.name, "kind": p.kind,
                "lat": f"{p.lat:.6f}", "lon": f"{p.lon:.6f}",
                "easting": f"{p.easting:.0f}", "northing": f"{p.northing:.0f}",
                "district": district, "district_code": p.district_code,
                "postcode_district": p.postcode_district, "population": str(p.population),
                "population_source": "geonames" if id(p) in known else "estimated",
                "source": p.source, "source_id": p.source_id,
            }
        )  # fmt: skip
    ids = Counter(r["id"] for r in rows)
    dupes = [i for i, n in ids.items() if n > 1]
    if dupes:
        raise SystemExit(f"duplicate village ids: {dupes}")
    rows.sort(key=lambda r: r["id"])
    write_csv(out / "villages" / "villages.csv", VILLAGE_COLUMNS, rows)


def build_postcodes(out: Path) -> None:
    """OS Open Names 2024 postcodes, plus Code-Point Open 2014 where 2024 has none."""
    rows: dict[str, dict[str, str]] = {}
    for r in read_csv("os_open_names_postcodes_westnorthants_bbox.csv"):
        pc = normalise_postcode(r["NAME1"])
        if POSTCODE_RE.match(pc):
            rows[pc] = {
                "postcode": pc, "lat": f"{float(r['lat']):.6f}", "lon": f"{float(r['lon']):.6f}",
                "easting": r["GEOMETRY_X"], "northing": r["GEOMETRY_Y"], "source": "os-open-names-2024",
            }  # fmt: skip
    for r in read_csv("codepoint_open_2014_postcodes_westnorthants_bbox.csv"):
        pc = normalise_postcode(r["postcode"])
        if pc not in rows and POSTCODE_RE.match(pc):
            rows[pc] = {
                "postcode": pc, "lat": f"{float(r['lat']):.6f}", "lon": f"{float(r['lon']):.6f}",
                "easting": r["easting"], "northing": r["northing"], "source": "codepoint-open-2014",
            }  # fmt: skip
    columns = ["postcode", "lat", "lon", "easting", "northing", "source"]
    write_csv(out / "postcodes" / "postcodes.csv", columns, [rows[k] for k in sorted(rows)])


def normalise_postcode(text: str) -> str:
    """Code-Point writes 7-character postcodes without a space ("NN114GJ")."""
    compact = text.replace(" ", "").strip().upper()
    return f"{compact[:-3]} {compact[-3:]}"


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    build_villages(args.out)
    build_postcodes(args.out)


if __name__ == "__main__":
    main()
