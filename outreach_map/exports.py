"""The files beside a published timetable, and publishing: ``routes/<plan-id>/``.

``plan.json`` is the :class:`~outreach_map.published.Timetable` itself
(DESIGN.md's shape, and more); beside it, for the public, ``timetable.csv``
(one row per served stop, by village) and ``timetable.ics`` (one recurring
calendar event per stop), and for drivers and maps ``runs.gpx`` (tracks and
waypoints) and ``runs.geojson``. :func:`publish_timetable` writes the folder
atomically: every file goes into a temporary folder beside it, which then
replaces the old one, so a failure leaves the published timetable as it was.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._files import replace_folder
from .clock import ICAL_WEEKDAYS, WEEKDAYS
from .directory import Directory
from .errors import PublishError
from .geojson import feature, feature_collection, line, point
from .published import TIMETABLE_FILE, Place, Run, Stop, Timetable, public_timetable
from .published.model import plan_id_problem
from .tables import csv_text

__all__ = [
    "EXPORT_FILES",
    "publish_timetable",
    "runs_geojson",
    "runs_gpx",
    "timetable_csv",
    "timetable_ics",
]

EXPORT_FILES = (TIMETABLE_FILE, "timetable.csv", "timetable.ics", "runs.gpx", "runs.geojson")
#: The public timetable's columns.
TIMETABLE_COLUMNS = ("stop", "stop_id", "weekday", "arrive", "depart", "frequency", "weeks_of_cycle", "first_visit",
                     "van", "outreach_worker", "lat", "lon")  # fmt: skip


def _frequency_text(weeks: int | None) -> str:
    return {1: "every week", 2: "every 2 weeks", 3: "every 3 weeks", 4: "every 4 weeks"}.get(weeks or 0, "")


def timetable_csv(timetable: Timetable) -> str:
    """The public timetable, one row per served stop, by village name."""
    rows = []
    for s in sorted(timetable.served_stops, key=lambda s: (s.name, s.id)):
        assert s.entry is not None
        e = s.entry
        rows.append(
            {
                "stop": s.name, "stop_id": s.id, "weekday": e.weekday, "arrive": e.arrive, "depart": e.depart,
                "frequency": _frequency_text(s.frequency_weeks), "weeks_of_cycle": " ".join(str(w) for w in e.weeks),
                "first_visit": timetable.first_date(e.weeks[0], e.weekday).isoformat(), "van": e.van or "",
                "outreach_worker": " ".join(f"week {w}" for w in s.outreach_weeks), "lat": s.lat, "lon": s.lon,
            }
        )  # fmt: skip
    return csv_text(rows, columns=TIMETABLE_COLUMNS)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


#: Europe/London rules (GMT, and BST from the last Sunday of March to the last Sunday of October).
_VTIMEZONE = [
    "BEGIN:VTIMEZONE", "TZID:Europe/London",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0100", "TZNAME:BST", "DTSTART:19810329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", "TZNAME:GMT", "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE",
]  # fmt: skip


def timetable_ics(timetable: Timetable, *, stamp: datetime | None = None) -> str:
    """iCalendar (RFC 5545): one weekly-recurring event per served stop, every ``frequency_weeks``."""
    dtstamp = (stamp or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//outreach-map//mobile library timetable//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_ics_text(timetable.plan_id)}", *_VTIMEZONE]  # fmt: skip
    for s in sorted(timetable.served_stops, key=lambda s: s.id):
        lines += _ics_event(timetable, s, dtstamp)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _ics_event(timetable: Timetable, s: Stop, dtstamp: str) -> list[str]:
    assert s.entry is not None
    e = s.entry
    first = timetable.first_date(e.weeks[0], e.weekday).strftime("%Y%m%d")
    summary = f"Mobile library at {s.name}"
    if s.outreach_weeks:
        summary += " (outreach worker on board in week " + ", ".join(map(str, s.outreach_weeks)) + ")"
    description = f"{_frequency_text(s.frequency_weeks).capitalize()}, {e.arrive}-{e.depart}."
    return [
        "BEGIN:VEVENT",
        f"UID:{s.id}@{timetable.plan_id}.outreach-map",
        f"DTSTAMP:{dtstamp}",
        f"DTSTART;TZID=Europe/London:{first}T{e.arrive.replace(':', '')}00",
        f"DTEND;TZID=Europe/London:{first}T{e.depart.replace(':', '')}00",
        f"RRULE:FREQ=WEEKLY;INTERVAL={s.frequency_weeks or 1};BYDAY={ICAL_WEEKDAYS[WEEKDAYS.index(e.weekday)]}",
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(s.name)}",
        f"GEO:{s.lat:.6f};{s.lon:.6f}",
        f"DESCRIPTION:{_ics_text(description)}",
        "END:VEVENT",
    ]


def _run_places(timetable: Timetable, run: Run) -> list[Place | Stop]:
    depot = timetable.van(run.van).depot
    return [depot, *(timetable.stop(v.stop) for v in run.visits), depot]


def runs_gpx(timetable: Timetable) -> str:
    """GPX 1.1 for drivers: a waypoint per served stop, a track per run (depot, stops in order, depot)."""
    ns = "http://www.topografix.com/GPX/1/1"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}gpx", {"version": "1.1", "creator": "outreach-map"})
    meta = ET.SubElement(root, f"{{{ns}}}metadata")
    ET.SubElement(meta, f"{{{ns}}}name").text = f"Runs of plan {timetable.plan_id}"
    for s in sorted(timetable.served_stops, key=lambda s: s.id):
        assert s.entry is not None
        wpt = ET.SubElement(root, f"{{{ns}}}wpt", {"lat": f"{s.lat:.6f}", "lon": f"{s.lon:.6f}"})
        ET.SubElement(wpt, f"{{{ns}}}name").text = s.name
        desc = f"{s.entry.weekday} {s.entry.arrive}-{s.entry.depart}, {_frequency_text(s.frequency_weeks)}"
        ET.SubElement(wpt, f"{{{ns}}}desc").text = desc
    for run in timetable.runs:
        trk = ET.SubElement(root, f"{{{ns}}}trk")
        ET.SubElement(trk, f"{{{ns}}}name").text = f"{run.van} week {run.week} {run.weekday}"
        desc = f"leave {run.leave}, back {run.back}, {run.distance_km} km, {run.drive_min} min driving"
        ET.SubElement(trk, f"{{{ns}}}desc").text = desc
        seg = ET.SubElement(trk, f"{{{ns}}}trkseg")
        for place in _run_places(timetable, run):
            pt = ET.SubElement(seg, f"{{{ns}}}trkpt", {"lat": f"{place.lat:.6f}", "lon": f"{place.lon:.6f}"})
            ET.SubElement(pt, f"{{{ns}}}name").text = place.name
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def runs_geojson(timetable: Timetable) -> dict[str, Any]:
    """Runs as lines and served stops as points, for maps (RFC 7946; the plan id and network on every feature)."""
    about = {"plan_id": timetable.plan_id, "approximate": timetable.network.approximate}
    features = [
        feature(line([(p.lon, p.lat) for p in _run_places(timetable, run)]),
                about | {"van": run.van, "week": run.week, "weekday": run.weekday, "leave": run.leave,
                         "back": run.back, "drive_min": run.drive_min, "distance_km": run.distance_km,
                         "stops": [v.stop for v in run.visits]})
        for run in timetable.runs
    ]  # fmt: skip
    for s in timetable.served_stops:
        assert s.entry is not None
        properties = about | {"id": s.id, "name": s.name, "weekday": s.entry.weekday, "arrive": s.entry.arrive,
                              "depart": s.entry.depart, "frequency_weeks": s.frequency_weeks,
                              "weeks": list(s.entry.weeks), "van": s.entry.van, "outreach": s.outreach,
                              "population": s.population}  # fmt: skip
        features.append(feature(point(s.lon, s.lat), properties))
    return feature_collection(features)


def publish_timetable(timetable: Timetable, routes_dir: Path, *, directory: Directory | None = None) -> Path:
    """Write ``routes_dir/plan_id/`` with every export, atomically (temporary folder, then rename).

    Raises
    ------
    PublishError
        For a bad plan id, or a timetable with a stop or depot at a
        confidential location of ``directory`` (never published; the message
        does not say where).
    """
    problem = plan_id_problem(timetable.plan_id)
    if problem is not None:
        msg = f"plan id {timetable.plan_id[:64]!r}: {problem}"
        raise PublishError(msg)
    if directory is not None and public_timetable(timetable, directory) is None:
        msg = "a stop or depot of this plan is at a confidential location; such a plan is never published"
        raise PublishError(msg)
    files = {
        TIMETABLE_FILE: json.dumps(timetable.to_json(), indent=1, ensure_ascii=False) + "\n",
        "timetable.csv": timetable_csv(timetable),
        "timetable.ics": timetable_ics(timetable),
        "runs.gpx": runs_gpx(timetable),
        "runs.geojson": json.dumps(runs_geojson(timetable), ensure_ascii=False) + "\n",
    }
    target = routes_dir / timetable.plan_id
    with replace_folder(target) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8", newline="")
    return target
