"""Opening hours in Open Referral's iCalendar-like schedules: checking, describing, and matching a day and time.

A schedule record says when a service (or a service at one location) is
open: weekly hours (``freq`` WEEKLY, ``byday`` MO..SU), every N weeks
(``interval`` N from ``dtstart``), monthly patterns (``2MO``: the second
Monday; ``bymonthday``), or a specific date (``valid_from`` = ``valid_to``,
no ``freq``). Times are wall-clock times in Europe/London; the API adds the
UTC offset that applies on the day of the answer, as the standard asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import InvalidEntryError

__all__ = [
    "DAY_CODES",
    "LONDON",
    "ClockRange",
    "check_schedule",
    "describe",
    "is_open_on",
    "next_sessions",
    "parse_clock",
    "with_offset",
]

LONDON = ZoneInfo("Europe/London")
#: iCalendar weekday codes, Monday first (index = ``date.weekday()``).
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$")
_BYDAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last", -2: "second to last"}


def parse_clock(text: str, *, field: str = "time") -> time:
    """A wall-clock time from ``HH:MM`` or ``HH:MM:SS``, with an optional ``Z`` or ``+01:00`` (kept as given).

    Raises
    ------
    InvalidEntryError
        Naming ``field`` for anything that is not a time of day.

    Examples
    --------
    >>> parse_clock("09:30"), parse_clock("17:00:00+01:00")
    (datetime.time(9, 30), datetime.time(17, 0))
    """
    match = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidEntryError(field, f"{text!r} is not a time of day; expected HH:MM (24-hour clock)")
    return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


@dataclass(frozen=True, slots=True)
class ClockRange:
    """Opening and closing times of one schedule."""

    opens: time
    closes: time

    def overlaps(self, start: time | None, end: time | None) -> bool:
        """Whether the service is open at some moment between ``start`` and ``end`` (either may be open-ended)."""
        return (end is None or self.opens < end) and (start is None or self.closes > start)


def _date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidEntryError(field, f"{value!r} is not a date; expected YYYY-MM-DD") from None


def _check_byday(record: Mapping[str, Any], field: str, monthly: bool) -> None:
    byday = record.get("byday")
    if byday in (None, ""):
        return
    for part in str(byday).split(","):
        match = _BYDAY.match(part.strip())
        if match is None or (match.group(1) and not monthly):
            expected = "days such as MO,TU (and 2MO or -1FR when monthly)" if monthly else "days such as MO,TU,FR"
            raise InvalidEntryError(f"{field}.byday", f"{part.strip()!r} is not a day; expected {expected}")


def _check_bymonthday(record: Mapping[str, Any], field: str) -> None:
    value = record.get("bymonthday")
    if value in (None, ""):
        return
    for part in str(value).split(","):
        try:
            number = int(part)
        except ValueError:
            number = 0
        if number == 0 or not -31 <= number <= 31:
            raise InvalidEntryError(f"{field}.bymonthday", f"{part!r} is not a day of the month; expected 1 to 31")


def _check_recurrence(record: Mapping[str, Any], field: str) -> None:
    freq = record.get("freq")
    if freq is None:
        if record.get("byday") or record.get("interval") not in (None, 1):
            raise InvalidEntryError(f"{field}.freq", "days or an interval need a frequency; expected WEEKLY or MONTHLY")
        return
    if freq not in ("WEEKLY", "MONTHLY"):
        raise InvalidEntryError(f"{field}.freq", f"{freq!r} is not a frequency; expected WEEKLY or MONTHLY")
    interval = record.get("interval", 1)
    limit = 52 if freq == "WEEKLY" else 12
    if not isinstance(interval, int | float) or isinstance(interval, bool) or interval != int(interval):
        raise InvalidEntryError(f"{field}.interval", f"{interval!r} is not a whole number; expected 1 to {limit}")
    if not 1 <= interval <= limit:
        raise InvalidEntryError(f"{field}.interval", f"{interval} is out of range; expected 1 to {limit}")
    if interval > 1 and not record.get("dtstart"):
        raise InvalidEntryError(
            f"{field}.dtstart", f"every {int(interval)} needs the date of the first session; expected YYYY-MM-DD"
        )
    _check_byday(record, field, freq == "MONTHLY")
    _check_bymonthday(record, field)
    if freq == "WEEKLY" and not record.get("byday"):
        raise InvalidEntryError(f"{field}.byday", "weekly hours need their days; expected e.g. MO,WE")


def check_schedule(record: Mapping[str, Any], *, field: str = "schedule") -> ClockRange | None:
    """Check one schedule record; return its opening and closing times (``None`` for a description only).

    Raises
    ------
    InvalidEntryError
        Naming the field: a time that is not a time, a schedule that closes
        before it opens, an unknown frequency or day, an interval without its
        first date, or a period that ends before it starts.
    """
    _check_recurrence(record, field)
    dates = {name: _date(record[name], f"{field}.{name}") for name in ("valid_from", "valid_to", "dtstart") if
             record.get(name)}  # fmt: skip
    if "valid_from" in dates and "valid_to" in dates and dates["valid_to"] < dates["valid_from"]:
        raise InvalidEntryError(f"{field}.valid_to", "ends before it starts; expected a date on or after valid_from")
    opens, closes = record.get("opens_at"), record.get("closes_at")
    if opens in (None, "") and closes in (None, ""):
        if record.get("freq") or record.get("valid_from"):
            raise InvalidEntryError(f"{field}.opens_at", "a session needs its opening and closing times")
        return None
    if opens in (None, ""):
        raise InvalidEntryError(f"{field}.opens_at", "missing; expected HH:MM")
    if closes in (None, ""):
        raise InvalidEntryError(f"{field}.closes_at", "missing; expected HH:MM")
    span = ClockRange(parse_clock(opens, field=f"{field}.opens_at"), parse_clock(closes, field=f"{field}.closes_at"))
    if span.closes <= span.opens:
        raise InvalidEntryError(
            f"{field}.closes_at",
            f"closes at {span.closes:%H:%M}, before it opens at {span.opens:%H:%M}; expected a later closing time",
        )
    if record.get("freq") is None and not record.get("valid_from"):
        raise InvalidEntryError(f"{field}.freq", "times need days or a date; expected WEEKLY days or a date")
    return span


def _days(codes: str) -> list[str]:
    return [c.strip() for c in codes.split(",") if c.strip()]


def _day_phrase(code: str) -> str:
    match = _BYDAY.match(code)
    if match is None:
        return code
    name = DAY_NAMES[DAY_CODES.index(match.group(2))]
    if match.group(1):
        return f"{_ORDINALS.get(int(match.group(1)), match.group(1))} {name}"
    return name


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe(record: Mapping[str, Any]) -> str:
    """The schedule in words, e.g. ``"Every 2 weeks on Tuesday from 6 January 2027, 10:00-15:00"``.

    Falls back to the record's description when it has no structured times.
    """
    try:
        span = check_schedule(record)
    except InvalidEntryError:
        span = None
    if span is None:
        return str(record.get("description") or "")
    hours = f"{span.opens:%H:%M}-{span.closes:%H:%M}"
    freq, interval = record.get("freq"), int(record.get("interval") or 1)
    if freq is None:
        day = _date(record["valid_from"], "valid_from")
        return f"On {DAY_NAMES[day.weekday()]} {day.day} {day:%B %Y}, {hours}"
    days = [_day_phrase(c) for c in _days(str(record.get("byday") or ""))]
    if freq == "WEEKLY":
        plural = [d + "s" for d in days] if interval == 1 else days
        lead = _join(plural) if interval == 1 else f"Every {interval} weeks on {_join(days)}"
    else:
        monthdays = _days(str(record.get("bymonthday") or ""))
        which = _join(days) if days else "day " + _join(monthdays)
        lead = f"The {which} of the month" if interval == 1 else f"The {which} of every {interval} months"
    if interval > 1 and record.get("dtstart"):
        first = _date(record["dtstart"], "dtstart")
        lead += f" from {first.day} {first:%B %Y}"
    return f"{lead}, {hours}"


def _weekly_on(record: Mapping[str, Any], day: date) -> bool:
    if DAY_CODES[day.weekday()] not in _days(str(record.get("byday") or "")):
        return False
    interval = int(record.get("interval") or 1)
    if interval == 1 or not record.get("dtstart"):
        return True
    first = _date(record["dtstart"], "dtstart")
    weeks = ((day - timedelta(days=day.weekday())) - (first - timedelta(days=first.weekday()))).days // 7
    return weeks >= 0 and weeks % interval == 0


def _last_day(day: date) -> int:
    return ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day


def _monthly_on(record: Mapping[str, Any], day: date) -> bool:
    last = _last_day(day)
    forward, backward = (day.day - 1) // 7 + 1, -((last - day.day) // 7 + 1)
    for code in _days(str(record.get("byday") or "")):
        match = _BYDAY.match(code)
        if (
            match is not None
            and DAY_CODES.index(match.group(2)) == day.weekday()
            and int(match.group(1) or 0) in (0, forward, backward)
        ):
            return True
    return any(int(d) in (day.day, day.day - last - 1) for d in _days(str(record.get("bymonthday") or "")))


def is_open_on(record: Mapping[str, Any], day: date) -> bool:
    """Whether the schedule has a session on ``day`` (inside its validity period)."""
    try:
        check_schedule(record)
    except InvalidEntryError:
        return False
    if record.get("valid_from") and day < _date(record["valid_from"], "valid_from"):
        return False
    if record.get("valid_to") and day > _date(record["valid_to"], "valid_to"):
        return False
    freq = record.get("freq")
    if freq is None:
        return bool(record.get("valid_from")) and record.get("opens_at") is not None
    return _weekly_on(record, day) if freq == "WEEKLY" else _monthly_on(record, day)


def next_sessions(record: Mapping[str, Any], start: date, *, days: int = 62) -> Iterator[date]:
    """The dates with a session from ``start`` on, looking ``days`` ahead."""
    for offset in range(days):
        day = start + timedelta(days=offset)
        if is_open_on(record, day):
            yield day


def with_offset(text: str | None, *, on: date) -> str | None:
    """A wall-clock time in Europe/London as ``HH:MM:SS`` plus the UTC offset in force on ``on`` (``09:30:00+00:00``).

    A time that already carries a zone is returned unchanged.
    """
    if text is None:
        return None
    match = _CLOCK.match(text.strip())
    if match is None:
        return text
    if match.group(4):
        return text
    clock = time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    offset = datetime.combine(on, clock, tzinfo=LONDON).strftime("%z")
    return f"{clock:%H:%M:%S}{offset[:3]}:{offset[3:]}"
