"""Times of day and weekdays: the one table of weekday names and the one clock-time parser.

Times of day are minutes after midnight everywhere inside the package and
``"HH:MM"`` in files, forms and timetables. Weekdays are numbered from Monday
= 0, and named as in :data:`WEEKDAYS` (``"Mon"`` .. ``"Sun"``) in requests and
published timetables, and as in :data:`ICAL_WEEKDAYS` (``"MO"`` .. ``"SU"``) in
iCalendar and Open Referral schedules.
"""

from __future__ import annotations

import re

from .errors import ProblemError

__all__ = ["ICAL_WEEKDAYS", "WEEKDAYS", "clock", "format_clock", "is_clock"]

#: Weekday names, Monday first (index = weekday number).
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The same days as iCalendar (RFC 5545) ``BYDAY`` codes.
ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_CLOCK_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def is_clock(text: object) -> bool:
    """Whether ``text`` is a time of day written ``HH:MM``.

    Examples
    --------
    >>> is_clock("09:30"), is_clock("25:00"), is_clock(570)
    (True, False, False)
    """
    return isinstance(text, str) and _CLOCK_RE.match(text.strip()) is not None


def clock(value: str | float) -> float:
    """Minutes after midnight from ``"HH:MM"`` (numbers pass through).

    Raises
    ------
    ProblemError
        For text that is not ``HH:MM``.

    Examples
    --------
    >>> clock("09:30")
    570.0
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _CLOCK_RE.match(str(value).strip())
    if match is None:
        msg = f"{value!r} is not a time of day; expected HH:MM"
        raise ProblemError(msg)
    return int(match.group(1)) * 60.0 + int(match.group(2))


def format_clock(minutes: float) -> str:
    """``"HH:MM"`` for minutes after midnight, rounded to the nearest minute.

    Examples
    --------
    >>> format_clock(615)
    '10:15'
    """
    total = round(minutes)
    return f"{total // 60:02d}:{total % 60:02d}"
