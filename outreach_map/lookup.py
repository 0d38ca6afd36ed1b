"""Turn what a person types into a place: a village name, a postcode, or "lat,lon"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .dataset import Dataset
from .errors import InvalidPostcodeError, OutreachError
from .postcodes import looks_like_postcode, normalise_postcode, postcode_problem

__all__ = ["Place", "resolve_place"]

_LATLON_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved place: where a search or a route starts or ends."""

    id: str
    name: str
    lat: float
    lon: float
    kind: Literal["village", "postcode", "point"]


def resolve_place(data: Dataset, text: str) -> Place:
    """Resolve a village name or id, a full postcode, or ``"lat,lon"``.

    Raises
    ------
    UnknownVillageError, InvalidPostcodeError, UnknownPostcodeError, OutreachError
        With suggestions where there are any.
    """
    match = _LATLON_RE.match(text)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            msg = f"{lat}, {lon} is not a position; expected latitude, longitude such as 52.257,-1.161"
            raise OutreachError(msg)
        return Place(f"{lat:.5f},{lon:.5f}", f"{lat:.5f}, {lon:.5f}", lat, lon, "point")
    if looks_like_postcode(text) and any(ch.isdigit() for ch in text):
        compact = text.replace(" ", "")
        if len(compact) >= 5:
            postcode = data.postcodes.lookup(normalise_postcode(text))
            return Place(postcode.postcode, postcode.postcode, postcode.lat, postcode.lon, "postcode")
        msg = f"'{text.strip()}' is only a postcode district; give a full postcode (e.g. NN11 4AB) or a village"
        raise OutreachError(msg)
    problem = postcode_problem(text)
    if problem is not None:
        raise InvalidPostcodeError(problem)
    village = data.villages.find(text)
    return Place(village.id, village.name, village.lat, village.lon, "village")
