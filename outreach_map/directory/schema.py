"""Validation against the Open Referral UK 3.0 JSON schemas, and our rules on top of them.

The schemas are copied in ``outreach_map/schemas/openreferral`` (CC BY-SA 4.0;
a test proves the copies equal ``../shared/openreferral``). A table schema
such as ``service.json`` also validates the fully nested form (``schedules``,
``service_at_locations`` with their ``location``...), which is what an import
file holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ..errors import RecordError
from .model import EXAMPLE_PREFIX, TABLES, locator

__all__ = ["check_table", "record_problems", "validator"]


@cache
def validator(schema_file: str) -> jsonschema.protocols.Validator:
    """A Draft 2020-12 validator for one schema file of the UK profile (with format checks)."""
    folder = resources.files("outreach_map") / "schemas" / "openreferral"
    registry: Registry[Any] = Registry()
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            contents = json.loads(entry.read_text(encoding="utf-8"))
            registry = registry.with_resource(
                entry.name, Resource.from_contents(contents, default_specification=DRAFT202012)
            )
    schema = registry.contents(schema_file)
    cls = jsonschema.Draft202012Validator
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def _path(error: jsonschema.exceptions.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"{where}.{missing}" if where else missing
    return where or "(record)"


def _flags(record: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Our extensions: boolean flags, and example records labelled as such (recursively)."""
    for flag in ("example", "confidential"):
        if flag in record and not isinstance(record[flag], bool):
            yield f"{prefix}{flag}", f"{record[flag]!r} is not true or false; expected a boolean"
    if record.get("example") is True and "name" in record and not str(record["name"]).startswith(EXAMPLE_PREFIX):
        yield f"{prefix}name", f"example record named '{record['name']}'; expected a name starting '{EXAMPLE_PREFIX}'"
    for key, value in record.items():
        if isinstance(value, Mapping):
            yield from _flags(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _flags(item, f"{prefix}{key}.{i}.")


def record_problems(schema_file: str, record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem of one record as ``(field path, message)``, schema errors first (most relevant first)."""
    errors = sorted(validator(schema_file).iter_errors(record), key=jsonschema.exceptions.relevance)
    found = [(_path(e), f"{e.message} (Open Referral UK schema: {e.validator})") for e in errors]
    return found + list(_flags(record))


def check_table(table: str, records: Sequence[Mapping[str, Any]]) -> None:
    """Validate a table's records: the schema, unique ids, and our flags.

    Raises
    ------
    RecordError
        For the first bad record (its schema error chosen by ``jsonschema``'s ``best_match``).
    """
    check = validator(TABLES[table][0])
    seen: dict[str, int] = {}
    for index, record in enumerate(records, start=1):
        error = jsonschema.exceptions.best_match(check.iter_errors(record))
        if error is not None:
            problem = f"{error.message} (Open Referral UK schema: {error.validator})"
            raise RecordError(locator(index, record), _path(error), problem)
        rid = record["id"]
        if rid in seen:
            problem = f"duplicate id {rid} (first in record {seen[rid]}); expected unique ids"
            raise RecordError(f"record {index}", "id", problem)
        seen[rid] = index
        for field, problem in _flags(record):
            raise RecordError(locator(index, record), field, problem)
