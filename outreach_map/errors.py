"""Every error a user can cause, in one place.

Every error a user can cause derives from :class:`OutreachError`; the CLI turns
it into one line on stderr and exit status 2, the web layer into a page or a
JSON answer with status 400, never a traceback. Messages name the file, the
line or record, the field and what was expected.

The classes, by where they arise:

- data files and settings: :class:`DataFileError`;
- places: :class:`InvalidPostcodeError`, :class:`UnknownPostcodeError`,
  :class:`UnknownVillageError`;
- the directory and coverage: :class:`UnknownKindError`, :class:`SitingError`;
- roads and travel: :class:`RoadNetworkError`, :class:`PointOutsideNetworkError`;
- plan requests and the solver: :class:`ProblemError`;
- published timetables: :class:`PublishError`;
- the JSON API: :class:`QueryError`;
- staff accounts: :class:`AccountError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "MAX_MESSAGE_CHARS",
    "AccountError",
    "DataFileError",
    "DatabaseError",
    "EditConflictError",
    "EntryNotFoundError",
    "InterchangeError",
    "InvalidEntryError",
    "InvalidPostcodeError",
    "LinkError",
    "OutreachError",
    "PermissionDeniedError",
    "PointOutsideNetworkError",
    "ProblemError",
    "PublishError",
    "QueryError",
    "RecordError",
    "ReferralError",
    "ReportError",
    "RoadNetworkError",
    "SitingError",
    "UnknownKindError",
    "UnknownPostcodeError",
    "UnknownVillageError",
    "printable",
    "quoted",
]


#: The longest message an error gives by default (a quoted value is shortened to fit).
MAX_MESSAGE_CHARS = 500


def printable(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` on one line, control and text-direction characters shown as ``\\uXXXX``, cut to ``limit``."""
    shown = "".join(
        ch if ch.isprintable() and not 0x202A <= ord(ch) <= 0x202E and not 0x2066 <= ord(ch) <= 0x2069
        else f"\\u{ord(ch):04x}" for ch in text
    )  # fmt: skip
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def quoted(value: object, limit: int = 40) -> str:
    """A value as a message quotes it: in quotes, printable, at most ``limit`` characters."""
    text = printable(str(value), limit)
    return f"'{text}'"


class OutreachError(Exception):
    """Base class of every error caused by the user's input or data.

    ``str()`` of every such error is one printable line of bounded length (see :func:`printable`), whatever the
    input it quotes.
    """

    #: The longest message this error gives.
    message_limit = MAX_MESSAGE_CHARS

    def __str__(self) -> str:
        return printable(super().__str__(), self.message_limit)


class DataFileError(OutreachError):
    """A data file (or a request, a settings file, a form) is malformed.

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


class DatabaseError(OutreachError):
    """The database cannot be opened, reached or upgraded (the message never shows a password)."""


class EntryNotFoundError(OutreachError):
    """A directory entry, user or organisation that does not exist."""


class PermissionDeniedError(OutreachError):
    """A member of staff tried to change or see what their organisations do not own."""


class InvalidEntryError(OutreachError):
    """A directory edit that breaks a rule: names the field and what was expected.

    Parameters
    ----------
    field
        The field, e.g. ``"schedules[2].closes_at"``.
    problem
        What is wrong and what was expected.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"field '{field}': {problem}")


class EditConflictError(OutreachError):
    """Someone else saved the entry since the editor opened it (optimistic locking).

    ``changes`` lists what they changed, field by field, so nothing is silently overwritten.
    """

    def __init__(self, entry: str, current_version: int, changes: list[dict[str, object]], by: str | None) -> None:
        self.entry = entry
        self.current_version = current_version
        self.changes = changes
        self.by = by
        who = f" by {by}" if by else ""
        super().__init__(
            f"{entry} was changed{who} since you opened it (now version {current_version}); "
            f"{len(changes)} field(s) differ: your save was not applied"
        )


class InterchangeError(OutreachError):
    """An Open Referral file that cannot be imported: every bad record, by id and field; nothing was written."""

    message_limit = 4000

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"{path}: {len(problems)} bad record(s), nothing imported: {shown}")


class LinkError(OutreachError):
    """A directory record whose link to another table points nowhere (``table``, ``record``, ``field``)."""

    def __init__(self, table: str, record: str, field: str, problem: str) -> None:
        self.table = table
        self.record = record
        self.field = field
        self.problem = problem
        super().__init__(f"{table}: {record}: field '{field}': {problem}")


class RecordError(OutreachError):
    """A directory record that breaks the Open Referral UK schema or our rules (``field`` is a dotted path)."""

    def __init__(self, record: str, field: str, problem: str) -> None:
        self.record = record
        self.field = field
        self.problem = problem
        super().__init__(f"{record}: field '{field}': {problem}")


class ReferralError(OutreachError):
    """A referral that cannot be made or changed as asked (the message never holds a client's details).

    ``field`` names the form field when one is to blame.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class ReportError(OutreachError):
    """A report that cannot be made as asked (a bad period, names the option)."""


class UnknownKindError(OutreachError):
    """A service kind that the taxonomy does not have."""

    def __init__(self, kind: str, known: Sequence[str]) -> None:
        self.kind = kind
        self.known = list(known)
        super().__init__(f"unknown kind '{kind}'; expected one of {', '.join(known)}")


class SitingError(OutreachError):
    """A siting request that cannot be met (e.g. more sites than candidates)."""


class RoadNetworkError(OutreachError):
    """A road network cannot be built, imported or loaded."""


class PointOutsideNetworkError(OutreachError):
    """A point is too far from the road network to be given a travel time."""


class ProblemError(OutreachError):
    """A plan request that is malformed or cannot be met (names the stop, van or field)."""


class PublishError(OutreachError):
    """A timetable that cannot be published (bad id, not a timetable, or it would reveal a confidential place)."""


class QueryError(OutreachError):
    """A query parameter the API cannot use (answered with HTTP 400 naming the parameter)."""

    def __init__(self, parameter: str, problem: str) -> None:
        self.parameter = parameter
        self.problem = problem
        super().__init__(f"query parameter '{parameter}': {problem}")


class AccountError(OutreachError):
    """A bad user name, role, password or membership."""
