"""Strict readers for the data files: decoding, CSV columns, JSON arrays.

Private helpers for :mod:`outreach_map.places`, :mod:`outreach_map.postcodes`
and :mod:`outreach_map.directory`. Everything here raises
:class:`~outreach_map.errors.DataFileError` naming the file and line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import DataFileError


def read_text(path: Path) -> str:
    """Read a UTF-8 text file (a BOM is allowed), refusing other encodings."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {column}); expected the file saved as UTF-8"
        raise DataFileError(path, msg, line=line) from None
    if not text.strip():
        raise DataFileError(path, "the file is empty")
    return text


def csv_rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)`` for each data row of a CSV file.

    The header must contain every column of ``required``; each row must have
    as many fields as the header.
    """
    text = read_text(path)
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise DataFileError(path, f"not valid CSV ({exc})", line=1) from None
    missing = [c for c in required if c not in header]
    if missing:
        msg = f"missing column(s) {', '.join(missing)}; expected a header with {', '.join(required)}"
        raise DataFileError(path, msg, line=1)
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise DataFileError(path, f"column(s) {', '.join(dupes)} appear twice in the header", line=1)
    start = reader.line_num + 1
    try:
        for fields in reader:
            line = start
            start = reader.line_num + 1
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                msg = f"has {len(fields)} fields; expected {len(header)} like the header"
                raise DataFileError(path, msg, line=line)
            row = dict(zip(header, (f.strip() for f in fields), strict=True))
            for column, value in row.items():
                problem = text_problem(value, markup=False)
                if problem:
                    raise DataFileError(path, problem, line=line, field=column)
            yield line, row
    except csv.Error as exc:
        raise DataFileError(path, f"not valid CSV ({exc})", line=reader.line_num) from None


#: The longest field a data file may hold.
MAX_FIELD_CHARS = 1000
_DIRECTION = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


def text_problem(value: str, *, markup: bool = True, limit: int = MAX_FIELD_CHARS) -> str | None:
    """What is wrong with a text a person gave (``None`` when nothing): too long, control or
    text-direction characters, or (unless ``markup``) ``<`` or ``>``. The message never repeats the text."""
    if len(value) > limit:
        return f"is {len(value):,} characters long; expected at most {limit:,}"
    for ch in value:
        code = ord(ch)
        if code in _DIRECTION:
            return f"contains a text-direction control character (U+{code:04X}); expected plain text"
        if (code < 32 and ch not in "\t\n\r") or code == 0x7F:
            return f"contains a control character (U+{code:04X}); expected plain text"
    if not markup and ("<" in value or ">" in value):
        return "contains markup (< or >); expected plain text"
    return None


def read_json_array(path: Path) -> list[dict[str, Any]]:
    """Read a JSON file holding an array of objects."""
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"invalid JSON at column {exc.colno}: {exc.msg}"
        raise DataFileError(path, msg, line=exc.lineno) from None
    if not isinstance(data, list):
        raise DataFileError(path, f"expected a JSON array of records, found {type(data).__name__}")
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            msg = f"expected a JSON object, found {type(item).__name__}"
            raise DataFileError(path, msg, record=f"record {index}")
        for field, value in _strings(item, ""):
            problem = text_problem(value, limit=20_000)
            if problem:
                raise DataFileError(path, problem, record=f"record {index}", field=field)
    return data


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where or "(record)", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}.{i}")


def parse_float(path: Path, line: int, field: str, value: str, *, low: float, high: float, what: str) -> float:
    """Parse a number in ``[low, high]`` or raise naming the line and field."""
    try:
        number = float(value)
    except ValueError:
        raise DataFileError(path, f"'{value}' is not a number; expected {what}", line=line, field=field) from None
    if not low <= number <= high:
        msg = f"{value} is out of range; expected {what} between {low:g} and {high:g}"
        raise DataFileError(path, msg, line=line, field=field)
    return number
