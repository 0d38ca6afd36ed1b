"""What a re-plan changed in the public timetable, in words, by village name.

Two entries are the same visit when they fall on the same dates at the same
time: same weekday, frequency and time, and the same weeks counted in the
calendar (so a re-plan that starts on another Monday but keeps every date
changes nothing).
"""

from __future__ import annotations

from datetime import date

from ..clock import WEEKDAYS
from ..published import Stop, Timetable

__all__ = ["describe_entry", "timetable_changes", "visit_phase"]

#: A Monday to count calendar weeks from.
_EPOCH = date(2001, 1, 1)
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def visit_phase(start_date: date, week: int, frequency_weeks: int) -> int:
    """Which of the ``frequency_weeks`` calendar weeks week ``week`` (1-based) of a cycle from ``start_date`` is.

    Examples
    --------
    Week 2 of a cycle from 4 Jan 2027 is week 1 of one from 11 Jan 2027:

    >>> visit_phase(date(2027, 1, 4), 2, 2) == visit_phase(date(2027, 1, 11), 1, 2)
    True
    """
    return ((start_date - _EPOCH).days // 7 + week - 1) % frequency_weeks


def _key(timetable: Timetable, stop: Stop) -> tuple[str, int, int, str, str] | None:
    e = stop.entry
    if e is None or not e.weeks:
        return None
    return e.weekday, stop.frequency_weeks, visit_phase(timetable.start_date, e.weeks[0], stop.frequency_weeks), \
        e.arrive, e.depart  # fmt: skip


def _first_visit(timetable: Timetable, stop: Stop) -> date | None:
    e = stop.entry
    if e is None or not e.weeks:
        return None
    if e.weekday not in WEEKDAYS:
        return None
    return timetable.first_date(e.weeks[0], e.weekday)


def describe_entry(timetable: Timetable, stop: Stop) -> str:
    """A stop's visit in words: ``Tuesday 10:15-10:35, every 2 weeks from 12 Jan 2027``."""
    e = stop.entry
    if e is None:
        return "not visited"
    day = _DAY_NAMES[WEEKDAYS.index(e.weekday)] if e.weekday in WEEKDAYS else e.weekday
    every = "every week" if stop.frequency_weeks == 1 else f"every {stop.frequency_weeks} weeks"
    first = _first_visit(timetable, stop)
    since = f" from {first.day} {first.strftime('%b %Y')}" if first is not None else ""
    return f"{day} {e.arrive}-{e.depart}, {every}{since}"


def timetable_changes(before: Timetable, after: Timetable) -> list[str]:
    """What changed for each village, one sentence each, by village name (alphabetical).

    Examples
    --------
    An unchanged timetable has no changes: ``timetable_changes(t, t) == []``.
    """
    before, after = before.with_entries(), after.with_entries()
    old = {s.id: s for s in before.served_stops}
    new = {s.id: s for s in after.served_stops}
    why = {u.stop: u.reason for u in after.unserved}
    asked = {s.id for s in after.stops}
    lines: list[tuple[str, str]] = []
    for stop_id in new.keys() - old.keys():
        stop = new[stop_id]
        lines.append((stop.name, f"{stop.name}: now visited, {describe_entry(after, stop)}"))
    for stop_id in old.keys() - new.keys():
        stop = old[stop_id]
        reason = why.get(stop_id) or ("it is not a stop of this plan" if stop_id not in asked else "")
        because = f" ({reason})" if reason else ""
        lines.append((stop.name, f"{stop.name}: no longer visited{because}; was {describe_entry(before, stop)}"))
    for stop_id in old.keys() & new.keys():
        was, now = old[stop_id], new[stop_id]
        if _key(before, was) == _key(after, now):
            continue
        w, n = was.entry, now.entry
        assert w is not None and n is not None
        if (_key(before, was) or ())[:3] == (_key(after, now) or ())[:3]:
            day = _DAY_NAMES[WEEKDAYS.index(n.weekday)] if n.weekday in WEEKDAYS else n.weekday
            text = f"{now.name}: same {day}s, now {n.arrive}-{n.depart} (was {w.arrive}-{w.depart})"
        else:
            text = f"{now.name}: now {describe_entry(after, now)} (was {describe_entry(before, was)})"
        lines.append((now.name, text))
    return [text for _, text in sorted(lines)]
