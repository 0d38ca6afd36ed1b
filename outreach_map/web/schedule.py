"""Schedulers' pages: set up a timetable request, plan it in the background, review it on a map, publish it.

The planning itself is :func:`outreach_map.timetabling.make_timetable`, as for the ``plan`` command; this
module turns the form into a request and shows the result.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..audit import record_alone
from ..clock import WEEKDAYS
from ..config import PlannerSettings
from ..errors import OutreachError
from ..exports import EXPORT_FILES, publish_timetable
from ..mapdata import timetable_map_data
from ..planner import Progress
from ..published import retire_plan
from ..timetabling import Attempt, SearchOptions, build_problem, make_timetable, parse_request
from .auth import role_required
from .jobs import Job, JobRunner
from .resources import resources

__all__ = ["bp"]

bp = Blueprint("schedule", __name__, url_prefix="/schedule")
DOWNLOADS = EXPORT_FILES
MAX_TIME_LIMIT = 300


def _runner() -> JobRunner:
    runner: JobRunner | None = current_app.extensions.get("outreach_jobs")
    if runner is None:
        runner = current_app.extensions["outreach_jobs"] = JobRunner()
    return runner


@bp.get("/")
@role_required("scheduler")
def index() -> ResponseReturnValue:
    _, plans, retired = resources().published()
    return render_template("schedule.html", plans=plans, retired=retired, downloads=DOWNLOADS)


@bp.post("/<plan_id>/retire")
@role_required("scheduler")
def retire(plan_id: str) -> ResponseReturnValue:
    """Retire a published plan (it stops), or mark it replaced by another: the public then sees only what runs."""
    res = resources()
    known = [t.plan_id for t in res.timetables()]
    replaced_by = request.form.get("replaced_by") or None
    if replaced_by is not None and replaced_by not in known:
        flash(f"plan '{replaced_by}': no published plan has that id", "error")
        return redirect(url_for("schedule.index"))
    try:
        retire_plan(res.routes_dir, plan_id, known=known, today=date.today(), replaced_by=replaced_by)
    except OutreachError as exc:
        flash(str(exc), "error")
        return redirect(url_for("schedule.index"))
    detail = f"replaced by {replaced_by}" if replaced_by else ""
    record_alone(res.engine, "retire", user_name=current_user.name, target=f"plan {plan_id}", detail=detail)
    instead = f"; {replaced_by} runs instead" if replaced_by else ""
    flash(f"Retired {plan_id}: the public pages no longer show its visits{instead}.", "info")
    return redirect(url_for("schedule.index"))


@bp.get("/<plan_id>/<filename>")
@role_required("scheduler")
def download(plan_id: str, filename: str) -> ResponseReturnValue:
    if filename not in DOWNLOADS or plan_id not in {t.plan_id for t in resources().timetables()}:
        abort(404)
    return send_from_directory(resources().routes_dir / plan_id, filename, as_attachment=True)


def _next_monday() -> date:
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def _form_defaults(planner: PlannerSettings, depots: list[str]) -> dict[str, Any]:
    """A new request: two vans from the first two depots and a third to fill in, with the planner's shift."""
    towns = (depots + [""] * 3)[:3]
    vans = [{"id": name, "depot": town, "shift": planner.shift, "weekdays": list(planner.weekdays) if name else []}
            for name, town in zip(("north", "south", ""), towns, strict=True)]  # fmt: skip
    return {
        "plan_id": "draft", "cycle_weeks": "4", "start_date": _next_monday().isoformat(), "min_population": "150",
        "time_limit": "30", "lock_from": "", "outreach_days": ["Tue", "Thu"], "outreach_kind": "victim-support",
        "vans": vans,
    }  # fmt: skip


def _request_from_form(form: Any, defaults: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], float, str]:
    """The plan request (TOML-shaped tables), what to show back in the form, the time limit and the lock plan."""
    shown = dict(defaults)
    shown.update({k: form.get(k, shown[k]) for k in ("plan_id", "cycle_weeks", "start_date", "min_population",
                                                     "time_limit", "lock_from", "outreach_kind")})  # fmt: skip
    shown["outreach_days"] = form.getlist("outreach_days")
    vans, shown_vans = [], []
    for i in range(3):
        default = defaults["vans"][i]
        van = {
            "id": form.get(f"van{i}_id", "").strip(), "depot": form.get(f"van{i}_depot", default["depot"]),
            "shift": form.get(f"van{i}_shift", default["shift"]), "weekdays": form.getlist(f"van{i}_weekdays"),
        }  # fmt: skip
        shown_vans.append(van)
        if van["id"]:
            vans.append(van)
    shown["vans"] = shown_vans

    def number(name: str, kind: type) -> Any:
        try:
            return kind(form.get(name, ""))
        except ValueError:
            msg = f"field '{name}': '{form.get(name, '')}' is not a number"
            raise OutreachError(msg) from None

    time_limit = number("time_limit", float)
    if not 5 <= time_limit <= MAX_TIME_LIMIT:
        msg = f"field 'time_limit': {time_limit:g} s is out of range; expected 5 to {MAX_TIME_LIMIT}"
        raise OutreachError(msg)
    tables: dict[str, Any] = {
        "plan": {"id": shown["plan_id"].strip(), "cycle_weeks": number("cycle_weeks", int),
                 "start_date": shown["start_date"], "min_population": number("min_population", int)},
        "vans": vans,
    }  # fmt: skip
    if shown["outreach_days"]:
        tables["outreach"] = {
            "name": "Outreach worker",
            "kind": shown["outreach_kind"],
            "weekdays": shown["outreach_days"],
        }
    return tables, shown, time_limit, shown["lock_from"]


@bp.route("/new", methods=["GET", "POST"])
@role_required("scheduler")
def new() -> ResponseReturnValue:
    res = resources()
    timetables = res.timetables()
    defaults = _form_defaults(res.planner, list(res.depots))
    context = {"depots": {town: depot.name for town, depot in res.depots.items()}, "weekdays": WEEKDAYS[:6],
               "plans": timetables, "kinds": res.data.directory.kind_terms()}  # fmt: skip
    if request.method == "GET":
        return render_template("schedule_new.html", form=defaults, error=None, **context)
    shown = defaults
    try:
        tables, shown, time_limit, lock_from = _request_from_form(request.form, defaults)
        plan_request = parse_request(tables, Path("plan form"), depots=res.depots, defaults=res.planner)
        locked = next((t for t in timetables if t.plan_id == lock_from), None) if lock_from else None
        data, times = res.data, res.times("drive")
        build_problem(plan_request, data, times, locked=locked)  # refuse a bad request now, not in the background
    except OutreachError as exc:
        return render_template("schedule_new.html", form=shown, error=str(exc), **context), 400

    def work(job: Job) -> Any:
        def progress(report: Progress) -> None:
            job.elapsed = report.elapsed
            job.message = f"{report.phase}: {report.iterations} iterations, {report.distance:.0f} km"

        def attempt(tried: Attempt) -> None:
            job.message = f"published entries locked: {tried.lock}" if locked else "planning"

        search = SearchOptions(time_limit=time_limit, seed=0)
        return make_timetable(
            plan_request, data, times, locked=locked, search=search, progress=progress, on_attempt=attempt
        )

    job = _runner().submit(plan_request.plan_id, time_limit, work)
    return redirect(url_for("schedule.job", job_id=job.id))


@bp.get("/jobs/<job_id>")
@role_required("scheduler")
def job(job_id: str) -> ResponseReturnValue:
    found = _runner().get(job_id)
    if found is None:
        abort(404)
    if found.status == "running":
        import time as _time

        found.elapsed = max(found.elapsed, _time.monotonic() - found.started)
    fragments = None
    if found.status == "done":
        fragments = timetable_map_data(found.result.timetable, tiles=resources().tiles, basemap="/basemap.geojson")
    return render_template("schedule_job.html", job=found, map=fragments, weekdays=WEEKDAYS)


@bp.get("/jobs/<job_id>/status.json")
@role_required("scheduler")
def job_status(job_id: str) -> ResponseReturnValue:
    found = _runner().get(job_id)
    if found is None:
        abort(404)
    return {"status": found.status, "percent": found.percent, "message": found.message}


@bp.post("/jobs/<job_id>/publish")
@role_required("scheduler")
def publish(job_id: str) -> ResponseReturnValue:
    found = _runner().get(job_id)
    if found is None or found.status != "done":
        abort(404)
    res = resources()
    try:
        folder = publish_timetable(found.result.timetable, res.routes_dir, directory=res.data.directory)
    except OutreachError as exc:
        flash(str(exc), "error")
        return redirect(url_for("schedule.job", job_id=job_id))
    record_alone(res.engine, "publish", user_name=current_user.name, target=f"plan {folder.name}", detail=job_id)
    flash(f"Published {folder.name}: the public pages now show its visits.", "info")
    return redirect(url_for("schedule.index"))
