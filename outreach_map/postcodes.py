"""Postcodes: normalise what a user types and find where it is.

Reads ``data/postcodes/postcodes.csv`` (OS Open Names 2024, Code-Point Open
2014 where 2024 has none).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ._readers import csv_rows, parse_float
from .errors import DataFileError, InvalidPostcodeError, UnknownPostcodeError, quoted
from .places import LAT_RANGE, LON_RANGE

__all__ = [
    "POSTCODE_SOURCES",
    "Postcode",
    "Postcodes",
    "load_postcodes",
    "normalise_postcode",
    "postcode_problem",
    "postcodes_file",
]

POSTCODE_SOURCES = ("os-open-names-2024", "codepoint-open-2014")

#: Full UK postcode, normalised (outward code, one space, inward code).
_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise_postcode(text: str) -> str:
    """Upper-case a UK postcode with one space before the inward code.

    Examples
    --------
    >>> normalise_postcode(" nn11 4ab ")
    'NN11 4AB'
    >>> normalise_postcode("NN114AB")
    'NN11 4AB'

    Raises
    ------
    InvalidPostcodeError
        When the text is not shaped like a UK postcode.
    """
    compact = re.sub(r"\s+", "", text).upper()
    match = _POSTCODE_RE.match(compact)
    if match is None:
        msg = f"{quoted(text.strip(), 20)} is not a UK postcode; expected e.g. NN11 4AB"
        raise InvalidPostcodeError(msg)
    return f"{match.group(1)} {match.group(2)}"


def looks_like_postcode(text: str) -> bool:
    """Whether ``text`` is a full postcode or an outward code such as ``NN12``."""
    compact = re.sub(r"\s+", "", text).upper()
    return bool(_POSTCODE_RE.match(compact) or _OUTWARD_RE.match(compact))


#: Starts like a postcode: one or two letters, then a digit (NN11..., N1...).
_POSTCODE_START_RE = re.compile(r"^[A-Z]{1,2}[0-9]")


def postcode_problem(text: str) -> str | None:
    """What is wrong with text that looks like a postcode but is not one; ``None`` when it is not postcode-like.

    Examples
    --------
    >>> postcode_problem("NN11 4G")
    "'NN11 4G' looks like a postcode but is incomplete: the last part must be a digit and two letters, as 4GJ in NN11 4GJ"
    >>> postcode_problem("NN114GJX")
    "'NN114GJX' looks like a postcode but has 8 letters and digits; a full postcode has 5 to 7, as NN11 4GJ"
    >>> postcode_problem("Welford") is None
    True
    """
    compact = re.sub(r"\s+", "", text).upper()
    if not (_POSTCODE_START_RE.match(compact) and compact.isalnum()) or _POSTCODE_RE.match(compact):
        return None
    if _OUTWARD_RE.match(compact):
        return None  # a postcode district: its own message
    shown = text.strip()
    if len(compact) > 7:
        return f"'{shown}' looks like a postcode but has {len(compact)} letters and digits; a full postcode has 5 to 7, as NN11 4GJ"
    if len(compact) < 5 or not re.search(r"[0-9][A-Z]{2}$", compact):
        return f"'{shown}' looks like a postcode but is incomplete: the last part must be a digit and two letters, as 4GJ in NN11 4GJ"
    return f"'{shown}' looks like a postcode but its first part is not a postcode district such as NN11 or NN12"


@dataclass(frozen=True, slots=True)
class Postcode:
    """A postcode's point (its centroid in the source data)."""

    postcode: str
    lat: float
    lon: float
    source: str


class Postcodes:
    """Postcode lookup."""

    __slots__ = ("_items",)

    def __init__(self, items: dict[str, Postcode]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Postcode]:
        return iter(self._items.values())

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        try:
            return normalise_postcode(text) in self._items
        except InvalidPostcodeError:
            return False

    def lookup(self, text: str) -> Postcode:
        """The point of a full postcode.

        Raises
        ------
        InvalidPostcodeError
            When the text is not a postcode.
        UnknownPostcodeError
            When the postcode is not in the data (outside the area, or new).
        """
        postcode = normalise_postcode(text)
        found = self._items.get(postcode)
        if found is None:
            msg = f"postcode {postcode} is not in the data for this area"
            raise UnknownPostcodeError(msg)
        return found

    def in_district(self, outward: str) -> list[Postcode]:
        """All postcodes of an outward code such as ``NN12``."""
        prefix = outward.strip().upper() + " "
        return [p for key, p in self._items.items() if key.startswith(prefix)]


def postcodes_file(data_dir: Path) -> Path:
    """Where the postcodes live inside a data directory."""
    return data_dir / "postcodes" / "postcodes.csv"


def load_postcodes(path: Path) -> Postcodes:
    """Read and validate a postcodes CSV (columns ``postcode,lat,lon,source``).

    Raises
    ------
    DataFileError
        Naming the file, line and field of the first problem.
    """
    items: dict[str, Postcode] = {}
    first_line: dict[str, int] = {}
    for line, row in csv_rows(path, ("postcode", "lat", "lon", "source")):
        try:
            postcode = normalise_postcode(row["postcode"])
        except InvalidPostcodeError:
            msg = f"'{row['postcode']}' is not a UK postcode; expected the format NN11 4AB"
            raise DataFileError(path, msg, line=line, field="postcode") from None
        if postcode in items:
            msg = f"duplicate postcode {postcode} (first on line {first_line[postcode]}); expected each once"
            raise DataFileError(path, msg, line=line, field="postcode")
        if row["source"] not in POSTCODE_SOURCES:
            msg = f"unknown source '{row['source']}'; expected one of {', '.join(POSTCODE_SOURCES)}"
            raise DataFileError(path, msg, line=line, field="source")
        lat = parse_float(
            path, line, "lat", row["lat"], low=LAT_RANGE[0], high=LAT_RANGE[1], what="a latitude in Great Britain"
        )
        lon = parse_float(
            path, line, "lon", row["lon"], low=LON_RANGE[0], high=LON_RANGE[1], what="a longitude in Great Britain"
        )
        items[postcode] = Postcode(postcode, lat, lon, row["source"])
        first_line[postcode] = line
    if not items:
        raise DataFileError(path, "has a header but no postcodes")
    return Postcodes(items)
