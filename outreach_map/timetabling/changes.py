"""What a re-plan changed in the public timetable."""

from __future__ import annotations

from ..published import Timetable

__all__ = ["timetable_changes"]

Line = tuple[str, tuple[int, ...], str, str]


def _entries(timetable: Timetable) -> dict[str, Line]:
    return {s.id: (e.weekday, e.weeks, e.arrive, e.depart) for s in timetable.stops if (e := s.entry) is not None}


def timetable_changes(before: Timetable, after: Timetable) -> list[str]:
    """Entries added, removed, or moved (weekday, weeks or time), one sentence each, by stop id.

    Examples
    --------
    An unchanged timetable has no changes: ``timetable_changes(t, t) == []``.
    """
    old, new = _entries(before), _entries(after)
    changes = [
        f"added {k}: {new[k][0]} weeks {list(new[k][1])} {new[k][2]}-{new[k][3]}"
        for k in sorted(new.keys() - old.keys())
    ]
    changes += [f"removed {k}" for k in sorted(old.keys() - new.keys())]
    changes += [
        f"moved {k}: {old[k][0]} weeks {list(old[k][1])} {old[k][2]} -> {new[k][0]} weeks {list(new[k][1])} {new[k][2]}"
        for k in sorted(old.keys() & new.keys())
        if old[k] != new[k]
    ]
    return changes
