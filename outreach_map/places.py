"""Villages: the towns, villages and hamlets that outreach serves.

Reads ``data/villages/villages.csv`` (see ``data/villages/README.md``) into
validated, immutable :class:`Village` objects.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ._readers import csv_rows, parse_float
from .errors import DataFileError, UnknownVillageError

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "CORE_DISTRICTS",
    "POPULATION_SOURCES",
    "VILLAGE_COLUMNS",
    "VILLAGE_KINDS",
    "Village",
    "Villages",
    "load_villages",
    "villages_file",
]

VillageKind = Literal["town", "village", "hamlet"]
PopulationSource = Literal["geonames", "census", "estimated"]

VILLAGE_KINDS: tuple[VillageKind, ...] = ("town", "village", "hamlet")
POPULATION_SOURCES: tuple[PopulationSource, ...] = ("geonames", "census", "estimated")
VILLAGE_COLUMNS = (
    "id", "name", "kind", "lat", "lon", "district", "postcode_district",
    "population", "population_source", "source",
)  # fmt: skip

#: The former districts that make up rural West Northamptonshire (until 2021).
CORE_DISTRICTS = ("Daventry", "South Northamptonshire")

#: Latitude and longitude limits of Great Britain and its islands.
LAT_RANGE = (49.0, 61.0)
LON_RANGE = (-9.0, 2.5)

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


@dataclass(frozen=True, slots=True)
class Village:
    """A town, village or hamlet.

    Attributes
    ----------
    id
        Stable slug, e.g. ``"kings-sutton"``.
    population
        Residents; ``population_source`` says whether it is a GeoNames
        figure, a census figure or an estimate.
    """

    id: str
    name: str
    kind: VillageKind
    lat: float
    lon: float
    district: str
    postcode_district: str
    population: int
    population_source: PopulationSource
    source: str

    @property
    def estimated(self) -> bool:
        """Whether the population is an estimate rather than a published figure."""
        return self.population_source == "estimated"

    @property
    def in_core_area(self) -> bool:
        """Whether the village lies in the former Daventry or South Northamptonshire districts."""
        return self.district in CORE_DISTRICTS


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.replace("'", "")).strip()


class Villages(Sequence[Village]):
    """An immutable, ordered collection of villages with lookup by id or name."""

    __slots__ = ("_by_id", "_by_name", "_items")

    def __init__(self, villages: Sequence[Village]) -> None:
        self._items = tuple(villages)
        self._by_id = {v.id: v for v in self._items}
        self._by_name: dict[str, list[Village]] = {}
        for village in self._items:
            self._by_name.setdefault(_fold(village.name), []).append(village)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Village]:
        return iter(self._items)

    def __getitem__(self, index: int) -> Village:  # type: ignore[override]
        return self._items[index]

    def get(self, village_id: str) -> Village | None:
        """The village with this id, or ``None``."""
        return self._by_id.get(village_id)

    def find(self, query: str) -> Village:
        """The village whose id or name matches ``query`` (case, accents and punctuation ignored).

        Where two villages share a name, the one in the core area (then the
        larger) is returned; use the id to pick the other.

        Raises
        ------
        UnknownVillageError
            With up to five close matches as suggestions.
        """
        by_id = self._by_id.get(query.strip().lower())
        if by_id is not None:
            return by_id
        matches = self._by_name.get(_fold(query))
        if matches:
            return max(matches, key=lambda v: (v.in_core_area, v.population))
        raise UnknownVillageError(query, self.suggest(query))

    def suggest(self, query: str, *, limit: int = 5) -> list[str]:
        """Names that start with or resemble ``query``, best first."""
        folded = _fold(query)
        if not folded:
            return []
        starts = sorted({v.name for key, vs in self._by_name.items() if key.startswith(folded) for v in vs})
        close = difflib.get_close_matches(folded, list(self._by_name), n=limit, cutoff=0.6)
        names = starts + [self._by_name[key][0].name for key in close]
        return list(dict.fromkeys(names))[:limit]

    def in_districts(self, districts: Sequence[str]) -> Villages:
        """The villages of the given districts."""
        return Villages([v for v in self._items if v.district in districts])

    def to_geodataframe(self) -> geopandas.GeoDataFrame:
        """The villages as a GeoDataFrame in WGS84 (EPSG:4326); needs geopandas."""
        try:
            import geopandas
        except ImportError:  # pragma: no cover - depends on the environment
            msg = "to_geodataframe() needs geopandas: pip install geopandas"
            raise ImportError(msg) from None
        records = [{name: getattr(v, name) for name in VILLAGE_COLUMNS} for v in self._items]
        return geopandas.GeoDataFrame(
            records,
            geometry=geopandas.points_from_xy([v.lon for v in self._items], [v.lat for v in self._items]),
            crs="EPSG:4326",
        )


def villages_file(data_dir: Path) -> Path:
    """Where the villages live inside a data directory."""
    return data_dir / "villages" / "villages.csv"


def load_villages(path: Path) -> Villages:
    """Read and validate a villages CSV.

    Parameters
    ----------
    path
        A CSV with at least the columns of :data:`VILLAGE_COLUMNS`.

    Raises
    ------
    DataFileError
        Naming the file, line and field of the first problem.
    """
    villages: list[Village] = []
    seen: dict[str, int] = {}
    for line, row in csv_rows(path, VILLAGE_COLUMNS):
        villages.append(_parse_village(path, line, row, seen))
    if not villages:
        raise DataFileError(path, "has a header but no villages")
    return Villages(villages)


def _parse_village(path: Path, line: int, row: dict[str, str], seen: dict[str, int]) -> Village:
    def fail(field: str, problem: str) -> DataFileError:
        return DataFileError(path, problem, line=line, field=field)

    vid = row["id"]
    if not _ID_RE.match(vid):
        raise fail("id", f"'{vid}' is not a slug; expected lower-case letters, digits and hyphens")
    if vid in seen:
        raise fail("id", f"duplicate id '{vid}' (first on line {seen[vid]}); expected unique ids")
    seen[vid] = line
    for field in ("name", "district", "source"):
        if not row[field]:
            raise fail(field, "is empty; expected text")
    kind = row["kind"]
    if kind not in VILLAGE_KINDS:
        raise fail("kind", f"unknown kind '{kind}'; expected one of {', '.join(VILLAGE_KINDS)}")
    lat = parse_float(
        path, line, "lat", row["lat"], low=LAT_RANGE[0], high=LAT_RANGE[1], what="a latitude in Great Britain"
    )
    lon = parse_float(
        path, line, "lon", row["lon"], low=LON_RANGE[0], high=LON_RANGE[1], what="a longitude in Great Britain"
    )
    outward = row["postcode_district"].upper()
    if not _OUTWARD_RE.match(outward):
        raise fail("postcode_district", f"'{row['postcode_district']}' is not a postcode district; expected e.g. NN11")
    try:
        population = int(row["population"])
    except ValueError:
        raise fail("population", f"'{row['population']}' is not a whole number; expected residents, e.g. 350") from None
    if population < 0:
        raise fail("population", f"{population} is negative; expected 0 or more residents")
    source = row["population_source"]
    if source not in POPULATION_SOURCES:
        raise fail("population_source", f"unknown source '{source}'; expected one of {', '.join(POPULATION_SOURCES)}")
    return Village(
        id=vid,
        name=row["name"],
        kind=kind,
        lat=lat,
        lon=lon,
        district=row["district"],
        postcode_district=outward,
        population=population,
        population_source=source,
        source=row["source"],
    )
