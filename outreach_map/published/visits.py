"""When does the library or an outreach worker next come? Dated visits from published timetables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .model import Timetable

__all__ = ["NextVisit", "next_visits"]


@dataclass(frozen=True, slots=True)
class NextVisit:
    """One dated visit of a stop, for the public pages."""

    date: date
    arrive: str
    depart: str
    stop_id: str
    stop_name: str
    van: str
    outreach: bool
    plan_id: str


def next_visits(
    timetables: Iterable[Timetable], stop_ids: Iterable[str], *, today: date, count: int = 3
) -> list[NextVisit]:
    """The next ``count`` dated visits, from ``today`` on, of any of the stops, across timetables."""
    wanted = set(stop_ids)
    found: list[NextVisit] = []
    for timetable in timetables:
        period = 7 * timetable.cycle_weeks
        for run in timetable.runs:
            first = timetable.first_date(run.week, run.weekday)
            if first < today:
                behind = (today - first).days
                first += timedelta(days=(behind // period + (1 if behind % period else 0)) * period)
            for visit in run.visits:
                if visit.stop not in wanted:
                    continue
                stop = timetable.stop(visit.stop)
                found += [
                    NextVisit(
                        first + timedelta(days=k * period),
                        visit.arrive,
                        visit.depart,
                        stop.id,
                        stop.name,
                        run.van,
                        visit.outreach or bool(stop.outreach),
                        timetable.plan_id,
                    )
                    for k in range(count)
                ]
    return sorted(found, key=lambda v: (v.date, v.arrive))[:count]
