from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from outreach_map.directory import load_directory, services_dir
from outreach_map.errors import DataFileError

Tables = dict[str, list[dict[str, Any]]]
MakeDirectory = Callable[[Callable[[Tables], None]], Path]


def test_points_link_services_locations_and_schedules(tiny_data: Path) -> None:
    directory = load_directory(services_dir(tiny_data))
    assert directory.kind_terms() == ["library", "domestic-abuse-support"]
    assert [p.service.name for p in directory.points_of(["library"])] == ["Daventry Library"]
    library = directory.points_of(["library"])[0]
    assert library.schedules[0].byday == ("MO", "TU")
    assert (library.lat, library.lon) == (52.2569, -1.1607)
    helpline = next(s for s in directory.services.values() if s.name == "Helpline")
    assert [(p.number, p.contact_name) for p in helpline.phones] == [("0808 2000 247", "Helpline")]


def test_closed_and_confidential_points_are_filtered(tiny_data: Path) -> None:
    directory = load_directory(services_dir(tiny_data))
    assert len(directory.points_of(include_closed=True)) == 3
    assert len(directory.points_of()) == 2
    public = directory.points_of(include_confidential=False)
    assert [p.service.name for p in public] == ["Daventry Library"]
    counts = directory.count_by_kind()
    assert counts["library"] == {"real": 2, "closed": 1}
    assert counts["domestic-abuse-support"] == {"example": 1, "confidential": 1}


def _expect(make: MakeDirectory, mutate: Callable[[Tables], None], table: str, where: str, text: str) -> None:
    folder = make(mutate)
    with pytest.raises(DataFileError) as info:
        load_directory(folder)
    message = str(info.value)
    assert message.startswith(f"{folder / (table + '.json')}: {where}"), message
    assert text in message


def test_schema_violation_names_record_and_field(make_directory: MakeDirectory) -> None:
    def bad_status(t: Tables) -> None:
        t["services"][1]["status"] = "closed"

    _expect(
        make_directory, bad_status, "services", "record 2 (id 00000000-0000-4000-8000-000000000021): field 'status'",
        "'closed' is not one of ['active', 'inactive', 'defunct', 'temporarily closed']",
    )  # fmt: skip


def test_missing_required_field(make_directory: MakeDirectory) -> None:
    def no_name(t: Tables) -> None:
        del t["organizations"][0]["name"]

    _expect(make_directory, no_name, "organizations", "record 1 (id 00000000-0000-4000-8000-000000000010): field 'name'",
            "'name' is a required property")  # fmt: skip


def test_id_must_be_a_uuid(make_directory: MakeDirectory) -> None:
    def bad_id(t: Tables) -> None:
        t["locations"][0]["id"] = "abbey-centre"

    _expect(make_directory, bad_id, "locations", "record 1 (id abbey-centre): field 'id'", "is not a 'uuid'")


def test_duplicate_id(make_directory: MakeDirectory) -> None:
    def dupe(t: Tables) -> None:
        t["locations"][1]["id"] = t["locations"][0]["id"]

    _expect(make_directory, dupe, "locations", "record 2: field 'id'", "duplicate id")


def test_dangling_link(make_directory: MakeDirectory) -> None:
    def dangling(t: Tables) -> None:
        t["service_at_locations"][0]["location_id"] = "00000000-0000-4000-8000-000000000099"

    _expect(make_directory, dangling, "service_at_locations", "record 1 (id 00000000-0000-4000-8000-000000000050): "
            "field 'location_id'", "does not match any id in locations.json")  # fmt: skip


def test_unknown_kind(make_directory: MakeDirectory) -> None:
    def unknown(t: Tables) -> None:
        t["services"][0]["attributes"][0]["taxonomy_term_id"] = "00000000-0000-4000-8000-000000000098"

    _expect(make_directory, unknown, "services", "record 1 (id 00000000-0000-4000-8000-000000000020): field 'attributes'",
            "no attribute links a service kind")  # fmt: skip


def test_coordinate_out_of_range(make_directory: MakeDirectory) -> None:
    def far(t: Tables) -> None:
        t["locations"][0]["latitude"] = -52.2

    _expect(make_directory, far, "locations", "record 1 (id 00000000-0000-4000-8000-000000000030): field 'latitude'",
            "-52.2 is out of range")  # fmt: skip


def test_example_must_be_labelled(make_directory: MakeDirectory) -> None:
    def unlabelled(t: Tables) -> None:
        t["locations"][2]["name"] = "Refuge, Daventry"

    _expect(make_directory, unlabelled, "locations", "record 3 (id 00000000-0000-4000-8000-000000000032): field 'name'",
            "expected a name starting 'EXAMPLE - '")  # fmt: skip


def test_flags_must_be_booleans(make_directory: MakeDirectory) -> None:
    def stringly(t: Tables) -> None:
        t["locations"][2]["confidential"] = "yes"

    _expect(make_directory, stringly, "locations", "record 3 (id 00000000-0000-4000-8000-000000000032): "
            "field 'confidential'", "'yes' is not true or false")  # fmt: skip


def test_invalid_json_names_line(make_directory: MakeDirectory) -> None:
    folder = make_directory(lambda t: None)
    path = folder / "services.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"status": "active"', '"status": active', 1))
    with pytest.raises(DataFileError, match=r"services\.json: line \d+: invalid JSON at column \d+: Expecting value"):
        load_directory(folder)


def test_not_an_array(make_directory: MakeDirectory) -> None:
    folder = make_directory(lambda t: None)
    (folder / "phones.json").write_text(json.dumps({"id": "x"}), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"phones\.json: expected a JSON array of records, found dict"):
        load_directory(folder)


def test_required_table_missing(make_directory: MakeDirectory) -> None:
    folder = make_directory(lambda t: None)
    (folder / "locations.json").unlink()
    with pytest.raises(
        DataFileError, match=r"locations\.json: file not found; the directory needs the locations table"
    ):
        load_directory(folder)


def test_optional_table_missing_is_fine(make_directory: MakeDirectory) -> None:
    folder = make_directory(lambda t: None)
    (folder / "schedules.json").unlink()
    assert load_directory(folder).points_of(["library"])[0].schedules == ()


def test_empty_and_badly_encoded_files(make_directory: MakeDirectory) -> None:
    folder = make_directory(lambda t: None)
    (folder / "contacts.json").write_text("  \n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"contacts\.json: the file is empty"):
        load_directory(folder)
    (folder / "contacts.json").write_bytes('[{"id": "x", "name": "Caf\u00e9"}]'.encode("latin-1"))
    with pytest.raises(DataFileError, match=r"contacts\.json: line 1: not UTF-8 text"):
        load_directory(folder)
