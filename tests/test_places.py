from __future__ import annotations

from pathlib import Path

import pytest

from outreach_map.errors import DataFileError, UnknownVillageError
from outreach_map.places import load_villages, villages_file

from .conftest import FIVE_VILLAGES, VILLAGE_HEADER, write_csv


def test_load_reads_typed_villages(tiny_data: Path) -> None:
    villages = load_villages(villages_file(tiny_data))
    assert len(villages) == 5
    badby = villages.find("Badby")
    assert badby.kind == "village"
    assert badby.population == 640
    assert badby.estimated
    assert badby.in_core_area
    assert not villages.find("daventry").estimated


def test_find_ignores_case_accents_and_apostrophes(tiny_data: Path) -> None:
    villages = load_villages(villages_file(tiny_data))
    assert villages.find("kings sutton").id == "kings-sutton"
    assert villages.find("KING'S SUTTON").id == "kings-sutton"
    assert villages.find("kings-sutton").name == "King's Sutton"


def test_unknown_village_suggests_close_names(tiny_data: Path) -> None:
    villages = load_villages(villages_file(tiny_data))
    with pytest.raises(UnknownVillageError) as info:
        villages.find("Towcaster")
    assert info.value.suggestions == ["Towcester"]
    assert "did you mean: Towcester" in str(info.value)


def test_suggest_prefers_prefix_matches(tiny_data: Path) -> None:
    villages = load_villages(villages_file(tiny_data))
    assert villages.suggest("Da") == ["Daventry"]
    assert villages.suggest("  ") == []


def _write(tmp_path: Path, header: list[str], rows: list[list[str]]) -> Path:
    return write_csv(tmp_path / "villages.csv", header, rows)


def _with(row: int, column: str, value: str) -> list[list[str]]:
    rows = [list(r) for r in FIVE_VILLAGES]
    rows[row][VILLAGE_HEADER.index(column)] = value
    return rows


@pytest.mark.parametrize(
    ("column", "value", "line", "expected"),
    [
        ("lat", "95.2", 3, "expected a latitude in Great Britain between 49 and 61"),
        ("lon", "east", 4, "'east' is not a number"),
        ("kind", "city", 2, "unknown kind 'city'; expected one of town, village, hamlet"),
        ("id", "Kings Sutton", 4, "is not a slug"),
        ("population", "-3", 5, "is negative"),
        ("population", "about 300", 6, "is not a whole number"),
        ("population_source", "guess", 2, "expected one of geonames, census, estimated"),
        ("postcode_district", "NN11 4AB", 3, "is not a postcode district"),
        ("name", "", 2, "is empty"),
    ],
)
def test_bad_value_names_file_line_and_field(tmp_path: Path, column: str, value: str, line: int, expected: str) -> None:
    path = _write(tmp_path, VILLAGE_HEADER, _with(line - 2, column, value))
    with pytest.raises(DataFileError) as info:
        load_villages(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line {line}: field '{column}': ")
    assert expected in message
    assert (info.value.line, info.value.field) == (line, column)


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, VILLAGE_HEADER, _with(3, "id", "daventry"))
    with pytest.raises(DataFileError, match=r"line 5: field 'id': duplicate id 'daventry' \(first on line 2\)"):
        load_villages(path)


def test_missing_column_is_named(tmp_path: Path) -> None:
    header = [h for h in VILLAGE_HEADER if h != "population"]
    rows = [[v for h, v in zip(VILLAGE_HEADER, r, strict=True) if h != "population"] for r in FIVE_VILLAGES]
    path = _write(tmp_path, header, rows)
    with pytest.raises(DataFileError, match=r"line 1: missing column\(s\) population"):
        load_villages(path)


def test_row_with_wrong_number_of_fields(tmp_path: Path) -> None:
    path = _write(tmp_path, VILLAGE_HEADER, [*FIVE_VILLAGES[:2], FIVE_VILLAGES[2][:-2]])
    with pytest.raises(DataFileError, match=r"line 4: has 8 fields; expected 10"):
        load_villages(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "villages.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(DataFileError, match="the file is empty"):
        load_villages(path)


def test_header_only(tmp_path: Path) -> None:
    path = _write(tmp_path, VILLAGE_HEADER, [])
    with pytest.raises(DataFileError, match="has a header but no villages"):
        load_villages(path)


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    rows = _with(2, "name", "Kings Sutton")
    path = _write(tmp_path, VILLAGE_HEADER, rows)
    text = path.read_text(encoding="utf-8").replace("Kings Sutton", "King\u2019s Sutton")
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(DataFileError, match=r"line 4: not UTF-8 text \(byte 0x92 at column 18\)"):
        load_villages(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="file not found"):
        load_villages(tmp_path / "nope.csv")


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, VILLAGE_HEADER, FIVE_VILLAGES)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_villages(path)) == 5
