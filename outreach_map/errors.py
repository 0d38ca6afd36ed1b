"""Typed errors raised at the boundary (file readers, user input).

Every error a user can cause derives from :class:`OutreachError`; the CLI and
the web layer turn it into a message and exit status 2 / an error page, never
a traceback. Messages name the file, the line or record, the field and what
was expected.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DataFileError",
    "InvalidPostcodeError",
    "OutreachError",
    "UnknownPostcodeError",
    "UnknownVillageError",
]


class OutreachError(Exception):
    """Base class of every error caused by the user's input or data."""


class DataFileError(OutreachError):
    """A data file is malformed.

    Parameters
    ----------
    path
        The file.
    problem
        What is wrong and what was expected.
    line
        1-based line number in a text file, if known.
    record
        Record locator in a JSON file (e.g. ``"record 3 (id ...)"``), if known.
    field
        The column or field, if known.
    """

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.line = line
        self.record = record
        self.field = field
        where = [str(self.path)]
        if line is not None:
            where.append(f"line {line}")
        if record is not None:
            where.append(record)
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{': '.join(where)}: {problem}")


class InvalidPostcodeError(OutreachError):
    """Text that is not a UK postcode."""


class UnknownPostcodeError(OutreachError):
    """A well-formed postcode that the embedded data does not cover."""


class UnknownVillageError(OutreachError):
    """A village name or id that the data does not have."""

    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no village called '{query}'{hint}")
