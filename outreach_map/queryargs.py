"""Query parameters: typed reads from a mapping of strings (a URL's query), each refusal naming the parameter.

Shared by the Open Referral API (:mod:`outreach_map.openreferral.queries`) and the
site's own JSON (:mod:`outreach_map.publicjson`). Every refusal is a
:class:`~outreach_map.errors.QueryError`, answered with HTTP 400.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

from ._readers import text_problem
from .errors import QueryError

__all__ = ["MAX_SEARCH_CHARS", "choice_arg", "integer_arg", "number_arg", "text_arg"]

#: The longest text a parameter may have (unless a reader says otherwise).
MAX_SEARCH_CHARS: Final = 200


def text_arg(args: Mapping[str, str], name: str, *, max_chars: int = MAX_SEARCH_CHARS) -> str | None:
    value = (args.get(name) or "").strip()
    if len(value) > max_chars:
        raise QueryError(name, f"is too long; expected at most {max_chars} characters")
    problem = text_problem(value, markup=False)
    if problem is not None:
        raise QueryError(name, problem)
    return value or None


def integer_arg(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = text_arg(args, name, max_chars=20)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(name, f"is not a whole number; expected an integer from {low} to {high}") from None
    if not low <= value <= high:
        raise QueryError(name, f"is out of range; expected an integer from {low} to {high}")
    return value


def number_arg(args: Mapping[str, str], name: str, what: str) -> float | None:
    text = text_arg(args, name, max_chars=40)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise QueryError(name, f"is not a number; expected {what}") from None
    if not math.isfinite(value):
        raise QueryError(name, f"is not a finite number; expected {what}")
    return value


def choice_arg(args: Mapping[str, str], name: str, choices: Sequence[str], default: str | None) -> str | None:
    value = text_arg(args, name)
    if value is None:
        return default
    if value not in choices:
        raise QueryError(name, f"is not allowed; expected one of {', '.join(choices)}")
    return value
