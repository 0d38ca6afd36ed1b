"""The directory's seed files: ``data/services/*.json``, one Open Referral UK 3.0 table per file.

Every record is validated against the Open Referral UK 3.0 schema (copied in
``outreach_map/schemas/openreferral``, CC BY-SA 4.0) and the links between
tables are checked. Two extensions are ours: ``"example": true`` marks an
invented record (its name must start "EXAMPLE - ") and ``"confidential":
true`` marks a location whose whereabouts must never be published.

The live directory is the database (:mod:`outreach_map.directory.store`);
these files seed it on first run and remain the reproducible, open-data copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._readers import read_json_array
from ..errors import DataFileError, LinkError, RecordError
from .model import TABLES, Directory, link_directory
from .schema import check_table

__all__ = ["load_directory", "read_tables", "services_dir"]


def services_dir(data_dir: Path) -> Path:
    """Where the directory lives inside a data directory."""
    return data_dir / "services"


def read_tables(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table of the folder, validated record by record (absent optional tables are empty).

    Raises
    ------
    DataFileError
        Naming the file, record and field of the first invalid record.
    """
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, (_, required) in TABLES.items():
        path = folder / f"{table}.json"
        if not path.exists():
            if required:
                raise DataFileError(path, f"file not found; the directory needs the {table} table")
            rows[table] = []
            continue
        rows[table] = read_json_array(path)
        try:
            check_table(table, rows[table])
        except RecordError as problem:
            raise DataFileError(path, problem.problem, record=problem.record, field=problem.field) from None
    return rows


def load_directory(folder: Path) -> Directory:
    """Read, validate and link an Open Referral UK directory folder.

    Raises
    ------
    DataFileError
        Naming the file, record and field of the first problem.
    """

    def named(problem: LinkError) -> DataFileError:
        path = folder / f"{problem.table}.json"
        return DataFileError(path, problem.problem, record=problem.record, field=problem.field)

    return link_directory(read_tables(folder), fail=named)
