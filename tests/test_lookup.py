from __future__ import annotations

from pathlib import Path

import pytest

from outreach_map.dataset import load_dataset
from outreach_map.errors import OutreachError, UnknownPostcodeError, UnknownVillageError
from outreach_map.lookup import resolve_place


def test_resolves_villages_postcodes_and_points(tiny_data: Path) -> None:
    data = load_dataset(tiny_data)
    assert resolve_place(data, "kings sutton").id == "kings-sutton"
    place = resolve_place(data, "nn126aa")
    assert (place.kind, place.name, place.lat) == ("postcode", "NN12 6AA", 52.133)
    point = resolve_place(data, " 52.25, -1.16 ")
    assert (point.kind, point.lat, point.lon) == ("point", 52.25, -1.16)


def test_bad_places_say_what_to_type(tiny_data: Path) -> None:
    data = load_dataset(tiny_data)
    with pytest.raises(UnknownVillageError, match="did you mean: Badby"):
        resolve_place(data, "Badbyy")
    with pytest.raises(UnknownPostcodeError, match="NN11 9ZZ is not in the data"):
        resolve_place(data, "NN11 9ZZ")
    with pytest.raises(OutreachError, match="only a postcode district; give a full postcode"):
        resolve_place(data, "NN12")
    with pytest.raises(OutreachError, match="is not a position"):
        resolve_place(data, "152.2, -1.1")
