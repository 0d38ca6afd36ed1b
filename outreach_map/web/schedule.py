"""Schedulers' pages: published plans, their timetables and downloads."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory
from flask.typing import ResponseReturnValue

from .auth import role_required
from .resources import resources

__all__ = ["bp"]

bp = Blueprint("schedule", __name__, url_prefix="/schedule")
DOWNLOADS = ("plan.json", "timetable.csv", "timetable.ics", "runs.gpx", "runs.geojson")


@bp.get("/")
@role_required("scheduler")
def index() -> ResponseReturnValue:
    return render_template("schedule.html", plans=resources().plans(), downloads=DOWNLOADS)


@bp.get("/<plan_id>/<filename>")
@role_required("scheduler")
def download(plan_id: str, filename: str) -> ResponseReturnValue:
    if filename not in DOWNLOADS or plan_id not in {p.plan_id for p in resources().plans()}:
        abort(404)
    return send_from_directory(resources().routes_dir / plan_id, filename, as_attachment=True)
