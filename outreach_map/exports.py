"""Publishing a plan: ``routes/<plan-id>/`` with plan.json, timetable.csv, timetable.ics, runs.gpx, runs.geojson.

``plan.json`` has the shape DESIGN.md fixes (and more); the others are for the
public (timetable by village, one recurring calendar event per stop) and for
drivers (GPX tracks and waypoints). The folder is written atomically: every
file goes into a temporary folder beside it, which then replaces the old one,
so a failure leaves the published plan as it was.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._files import replace_folder
from .clock import ICAL_WEEKDAYS, WEEKDAYS, format_clock
from .directory import Directory
from .errors import PublishError
from .planner.solution import Plan
from .published import public_plan

if TYPE_CHECKING:
    from .rounds import OutreachPlan

__all__ = [
    "EXPORT_FILES",
    "plan_document",
    "publish_plan",
    "runs_geojson",
    "runs_gpx",
    "timetable_csv",
    "timetable_ics",
]

EXPORT_FILES = ("plan.json", "timetable.csv", "timetable.ics", "runs.gpx", "runs.geojson")
_PLAN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _hhmm(minutes: float) -> str:
    return format_clock(minutes)


def _place(plan: Plan, index: int) -> Mapping[str, Any]:
    loc = plan.problem.locations[index]
    return {"id": loc.id, "name": loc.name, "lat": loc.lat, "lon": loc.lon}


def plan_document(
    plan: Plan, *, plan_id: str, generated: datetime | None = None, outreach: OutreachPlan | None = None
) -> dict[str, Any]:
    """The ``plan.json`` object: DESIGN.md's required fields, plus times of every entry and the lunch breaks.

    With ``outreach``, the runs the worker rides on and their visits are marked
    ``"outreach": true`` and each stop lists the weeks the worker comes.

    Raises
    ------
    PublishError
        If the plan is not a cyclic timetable with a start date, or a place has no coordinates.
    """
    p = plan.problem
    if p.cycle_weeks is None or p.start_date is None:
        msg = "only a cyclic timetable (cycle_weeks and start_date) can be published"
        raise PublishError(msg)
    for loc in p.locations:
        if not loc.has_latlon:
            msg = f"place '{loc.name}' has no latitude/longitude; a published plan needs them"
            raise PublishError(msg)
    vans = [
        {
            "id": v.id, "name": v.name, "depot": _place(plan, v.depot),
            "shift_start": _hhmm(v.shift_start), "shift_end": _hhmm(v.shift_end) if v.shift_end is not None else None,
            "break_minutes": v.break_minutes, "break_window": str(v.break_window),
            "weekdays": [WEEKDAYS[d] for d in v.weekdays],
        }
        for v in p.vans
    ]  # fmt: skip
    stops = []
    for s in p.stops:
        place = _place(plan, s.location)
        entry: dict[str, Any] = {
            "id": s.id, "name": s.name, "lat": place["lat"], "lon": place["lon"],
            "frequency_weeks": s.frequency_weeks, "duration_min": s.duration, "population": s.population,
            "outreach": s.outreach,
        }  # fmt: skip
        a = plan.assignments.get(s.id)
        if a is not None:
            entry |= {
                "weekday": a.weekday_name, "weeks": list(a.weeks), "arrive": _hhmm(a.arrive),
                "depart": _hhmm(a.depart), "van": a.vans[0] if a.vans else None,
            }  # fmt: skip
        stops.append(entry)
    ridden = set(outreach.runs) if outreach else set()
    outreach_weeks: dict[str, list[int]] = {}
    runs = []
    for r in sorted(plan.runs, key=lambda r: (r.day.index, r.van)):
        with_worker = (r.van, r.week_number, r.weekday_name) in ridden
        if with_worker:
            for v in r.visits:
                outreach_weeks.setdefault(v.stop, []).append(r.week_number or 0)
        runs.append(
            {
                "van": r.van, "week": r.week_number, "weekday": r.weekday_name,
                "leave": _hhmm(r.leave), "back": _hhmm(r.back),
                "lunch": None if r.lunch is None else {"start": _hhmm(r.lunch.start), "end": _hhmm(r.lunch.end)},
                "visits": [
                    {"stop": v.stop, "arrive": _hhmm(v.arrive), "depart": _hhmm(v.depart),
                     **({"outreach": True} if with_worker else {})}
                    for v in r.visits
                ],
                "drive_min": round(r.drive_min, 1), "distance_km": round(r.distance_km, 2),
                **({"outreach": outreach.worker.name} if with_worker and outreach else {}),
            }
        )  # fmt: skip
    for entry in stops:
        entry["outreach"] = bool(outreach_weeks.get(entry["id"]))
        if entry["outreach"]:
            entry["outreach_weeks"] = sorted(outreach_weeks[entry["id"]])
    return {
        "plan_id": plan_id,
        "cycle_weeks": p.cycle_weeks,
        "start_date": p.start_date.isoformat(),
        "vans": vans,
        "stops": stops,
        "runs": runs,
        "unserved": [{"stop": u.stop, "reason": u.reason, "code": u.code} for u in plan.unserved],
        "network": {"source": p.network_source, "approximate": p.approximate},
        "outreach": None if outreach is None else {
            "worker": outreach.worker.name, "kind": outreach.worker.kind,
            "weekdays": list(outreach.worker.weekdays), "far_minutes": outreach.worker.far_minutes,
            "runs": [{"van": v, "week": w, "weekday": d} for v, w, d in outreach.runs],
            "population_far_reached": outreach.population_far,
        },
        "totals": {
            "distance_km": round(plan.distance_km, 1), "drive_min": round(plan.drive_min, 1),
            "van_minutes": round(plan.van_minutes, 1), "population_served": plan.population_served,
            "population_total": plan.population_total,
        },
        "generated": (generated or datetime.now(UTC)).replace(microsecond=0).isoformat(),
        "solver": {"method": plan.stats.method, "seed": plan.stats.seed, "runtime_s": round(plan.stats.runtime, 1)},
    }  # fmt: skip


def _first_date(start: date, week: int, weekday: str) -> date:
    return start + timedelta(days=7 * (week - 1) + WEEKDAYS.index(weekday))


def _frequency_text(weeks: int | None) -> str:
    return {1: "every week", 2: "every 2 weeks", 3: "every 3 weeks", 4: "every 4 weeks"}.get(weeks or 0, "")


def timetable_csv(document: Mapping[str, Any]) -> str:
    """The public timetable, one row per served stop, by village name."""
    start = date.fromisoformat(document["start_date"])
    buffer = io.StringIO()
    columns = ["stop", "stop_id", "weekday", "arrive", "depart", "frequency", "weeks_of_cycle", "first_visit",
               "van", "outreach_worker", "lat", "lon"]  # fmt: skip
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for s in sorted(document["stops"], key=lambda s: (s["name"], s["id"])):
        if "weekday" not in s:
            continue
        writer.writerow(
            {
                "stop": s["name"], "stop_id": s["id"], "weekday": s["weekday"], "arrive": s["arrive"],
                "depart": s["depart"], "frequency": _frequency_text(s["frequency_weeks"]),
                "weeks_of_cycle": " ".join(str(w) for w in s["weeks"]),
                "first_visit": _first_date(start, s["weeks"][0], s["weekday"]).isoformat(),
                "van": s.get("van") or "",
                "outreach_worker": " ".join(f"week {w}" for w in s.get("outreach_weeks", ())),
                "lat": s["lat"], "lon": s["lon"],
            }
        )  # fmt: skip
    return buffer.getvalue()


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


def timetable_ics(document: Mapping[str, Any], *, stamp: datetime | None = None) -> str:
    """iCalendar (RFC 5545): one weekly-recurring event per served stop, every ``frequency_weeks``."""
    start = date.fromisoformat(document["start_date"])
    dtstamp = (stamp or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//outreach-map//mobile library timetable//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_ics_text(document['plan_id'])}", *_VTIMEZONE]  # fmt: skip
    for s in sorted(document["stops"], key=lambda s: s["id"]):
        if "weekday" not in s:
            continue
        first = _first_date(start, s["weeks"][0], s["weekday"])
        begin = first.strftime("%Y%m%d") + "T" + s["arrive"].replace(":", "") + "00"
        end = first.strftime("%Y%m%d") + "T" + s["depart"].replace(":", "") + "00"
        summary = f"Mobile library at {s['name']}"
        if s.get("outreach_weeks"):
            summary += " (outreach worker on board in week " + ", ".join(map(str, s["outreach_weeks"])) + ")"
        description = f"{_frequency_text(s['frequency_weeks']).capitalize()}, {s['arrive']}-{s['depart']}."
        lines += [
            "BEGIN:VEVENT",
            f"UID:{s['id']}@{document['plan_id']}.outreach-map",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;TZID=Europe/London:{begin}",
            f"DTEND;TZID=Europe/London:{end}",
            f"RRULE:FREQ=WEEKLY;INTERVAL={s['frequency_weeks'] or 1};BYDAY={ICAL_WEEKDAYS[WEEKDAYS.index(s['weekday'])]}",
            f"SUMMARY:{_ics_text(summary)}",
            f"LOCATION:{_ics_text(s['name'])}",
            f"GEO:{s['lat']:.6f};{s['lon']:.6f}",
            f"DESCRIPTION:{_ics_text(description)}",
            "END:VEVENT",
        ]  # fmt: skip
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _run_places(document: Mapping[str, Any], run: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    stops = {s["id"]: s for s in document["stops"]}
    depot = next(v["depot"] for v in document["vans"] if v["id"] == run["van"])
    return [depot, *(stops[v["stop"]] for v in run["visits"]), depot]


def runs_gpx(document: Mapping[str, Any]) -> str:
    """GPX 1.1 for drivers: a waypoint per stop, a track per run (depot, stops in order, depot)."""
    ns = "http://www.topografix.com/GPX/1/1"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}gpx", {"version": "1.1", "creator": "outreach-map"})
    meta = ET.SubElement(root, f"{{{ns}}}metadata")
    ET.SubElement(meta, f"{{{ns}}}name").text = f"Runs of plan {document['plan_id']}"
    for s in sorted(document["stops"], key=lambda s: s["id"]):
        if "weekday" not in s:
            continue
        wpt = ET.SubElement(root, f"{{{ns}}}wpt", {"lat": f"{s['lat']:.6f}", "lon": f"{s['lon']:.6f}"})
        ET.SubElement(wpt, f"{{{ns}}}name").text = s["name"]
        ET.SubElement(
            wpt, f"{{{ns}}}desc"
        ).text = f"{s['weekday']} {s['arrive']}-{s['depart']}, {_frequency_text(s['frequency_weeks'])}"
    for run in document["runs"]:
        trk = ET.SubElement(root, f"{{{ns}}}trk")
        ET.SubElement(trk, f"{{{ns}}}name").text = f"{run['van']} week {run['week']} {run['weekday']}"
        ET.SubElement(
            trk, f"{{{ns}}}desc"
        ).text = f"leave {run['leave']}, back {run['back']}, {run['distance_km']} km, {run['drive_min']} min driving"
        seg = ET.SubElement(trk, f"{{{ns}}}trkseg")
        for place in _run_places(document, run):
            pt = ET.SubElement(seg, f"{{{ns}}}trkpt", {"lat": f"{place['lat']:.6f}", "lon": f"{place['lon']:.6f}"})
            ET.SubElement(pt, f"{{{ns}}}name").text = place["name"]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def runs_geojson(document: Mapping[str, Any]) -> dict[str, Any]:
    """Runs as lines and served stops as points, for maps."""
    features: list[dict[str, Any]] = []
    for run in document["runs"]:
        places = _run_places(document, run)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[p["lon"], p["lat"]] for p in places]},
                "properties": {k: run[k] for k in ("van", "week", "weekday", "leave", "back", "drive_min", "distance_km")}
                | {"stops": [v["stop"] for v in run["visits"]]},
            }
        )  # fmt: skip
    for s in document["stops"]:
        if "weekday" in s:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                    "properties": {k: s.get(k) for k in ("id", "name", "weekday", "arrive", "depart", "frequency_weeks",
                                                        "weeks", "van", "outreach", "population")},
                }
            )  # fmt: skip
    return {"type": "FeatureCollection", "features": features, "properties": {"plan_id": document["plan_id"],
            "approximate": document["network"]["approximate"]}}  # fmt: skip


def publish_plan(
    plan: Plan,
    routes_dir: Path,
    *,
    plan_id: str,
    directory: Directory | None = None,
    generated: datetime | None = None,
    outreach: OutreachPlan | None = None,
) -> Path:
    """Write ``routes_dir/plan_id/`` with every export, atomically (temporary folder, then rename).

    Raises
    ------
    PublishError
        For a bad plan id, a plan that is not a timetable, or one with a stop
        or depot at a confidential location (never published; the message
        does not say where).
    """
    if not _PLAN_ID_RE.match(plan_id):
        msg = f"plan id '{plan_id}': expected lower-case letters, digits, dots, dashes or underscores"
        raise PublishError(msg)
    document = plan_document(plan, plan_id=plan_id, generated=generated, outreach=outreach)
    if directory is not None:
        from .published import PublishedPlan

        probe = PublishedPlan(plan_id, document["cycle_weeks"], date.fromisoformat(document["start_date"]),
                              {}, (), True, routes_dir, document)  # fmt: skip
        if public_plan(probe, directory) is None:
            msg = "a stop or depot of this plan is at a confidential location; such a plan is never published"
            raise PublishError(msg)
    files = {
        "plan.json": json.dumps(document, indent=1, ensure_ascii=False) + "\n",
        "timetable.csv": timetable_csv(document),
        "timetable.ics": timetable_ics(document),
        "runs.gpx": runs_gpx(document),
        "runs.geojson": json.dumps(runs_geojson(document), ensure_ascii=False) + "\n",
    }
    target = routes_dir / plan_id
    with replace_folder(target) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8", newline="")
    return target
