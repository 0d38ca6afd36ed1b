from __future__ import annotations

from pathlib import Path

import pytest

from outreach_map.errors import DataFileError, InvalidPostcodeError, UnknownPostcodeError
from outreach_map.postcodes import load_postcodes, looks_like_postcode, normalise_postcode, postcodes_file

from .conftest import POSTCODE_HEADER, THREE_POSTCODES, write_csv


@pytest.mark.parametrize(
    ("text", "expected"),
    [("nn11 4ab", "NN11 4AB"), ("NN114AB", "NN11 4AB"), (" ox17  3qa ", "OX17 3QA"), ("w1a1aa", "W1A 1AA")],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize("text", ["", "Daventry", "NN11", "NN11 4A", "1NN 4AB", "NN11 4ABC"])
def test_normalise_refuses_non_postcodes(text: str) -> None:
    with pytest.raises(InvalidPostcodeError, match=r"is not a UK postcode; expected e\.g\. NN11 4AB"):
        normalise_postcode(text)


def test_looks_like_postcode_accepts_outward_codes() -> None:
    assert looks_like_postcode("nn12")
    assert looks_like_postcode("NN12 6AA")
    assert not looks_like_postcode("Towcester")


def test_lookup(tiny_data: Path) -> None:
    postcodes = load_postcodes(postcodes_file(tiny_data))
    found = postcodes.lookup("nn124aa".replace("4", "6"))
    assert (found.postcode, found.lat, found.lon) == ("NN12 6AA", 52.133, -0.99)
    assert "ox173qa" in postcodes
    assert "XX1 1XX" not in postcodes
    assert [p.postcode for p in postcodes.in_district("nn11")] == ["NN11 4AB"]


def test_lookup_unknown_postcode(tiny_data: Path) -> None:
    postcodes = load_postcodes(postcodes_file(tiny_data))
    with pytest.raises(UnknownPostcodeError, match="postcode NN11 9ZZ is not in the data"):
        postcodes.lookup("NN11 9ZZ")


def test_bad_postcode_format_in_file(tmp_path: Path) -> None:
    rows = [*THREE_POSTCODES, ["NN11-4XY", "52.25", "-1.16", "os-open-names-2024"]]
    path = write_csv(tmp_path / "postcodes.csv", POSTCODE_HEADER, rows)
    with pytest.raises(DataFileError) as info:
        load_postcodes(path)
    assert str(info.value) == (
        f"{path}: line 5: field 'postcode': 'NN11-4XY' is not a UK postcode; expected the format NN11 4AB"
    )


def test_duplicate_postcode_in_file(tmp_path: Path) -> None:
    rows = [*THREE_POSTCODES, ["nn11 4ab", "52.25", "-1.16", "os-open-names-2024"]]
    path = write_csv(tmp_path / "postcodes.csv", POSTCODE_HEADER, rows)
    with pytest.raises(
        DataFileError, match=r"line 5: field 'postcode': duplicate postcode NN11 4AB \(first on line 2\)"
    ):
        load_postcodes(path)


def test_unknown_source_and_bad_coordinate(tmp_path: Path) -> None:
    rows = [*THREE_POSTCODES, ["NN11 5XY", "52.25", "-1.16", "royal-mail-paf"]]
    path = write_csv(tmp_path / "postcodes.csv", POSTCODE_HEADER, rows)
    with pytest.raises(DataFileError, match=r"line 5: field 'source': unknown source 'royal-mail-paf'"):
        load_postcodes(path)
    rows = [*THREE_POSTCODES, ["NN11 5XY", "52.25", "16.3", "os-open-names-2024"]]
    path = write_csv(tmp_path / "postcodes.csv", POSTCODE_HEADER, rows)
    with pytest.raises(DataFileError, match=r"line 5: field 'lon': 16.3 is out of range"):
        load_postcodes(path)
