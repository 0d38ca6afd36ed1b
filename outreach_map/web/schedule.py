"""Schedulers' pages: set up a timetable request, plan it on the job queue, review it on a map, publish it.

Every field of the form is checked, and the request is checked in full
against the data (:func:`outreach_map.timetabling.build_problem`), before a
job is queued, so a plan is never solved only to be refused at Publish.
The planning itself runs in the worker (:mod:`outreach_map.jobs`), as
:func:`outreach_map.timetabling.make_timetable`, like the ``plan`` command;
jobs, their progress, place in the queue, result or error are kept in the
database, so they survive restarts of the site and of the worker. A job is
published once: a second publish is refused, saying when and by whom.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..audit import record_alone
from ..clock import WEEKDAYS, clock, is_clock
from ..config import PlannerSettings
from ..errors import JobError, OutreachError
from ..exports import EXPORT_FILES
from ..jobs import PLAN, JobView, PlanResult, plan_job_request, publish_plan_job
from ..jobs.records import list_jobs
from ..mapdata import timetable_map_data
from ..published import PLAN_ID_PATTERN, Timetable, check_plan_id, retire_plan
from ..timetabling import build_problem, parse_request
from .auth import role_required
from .resources import resources

__all__ = ["bp"]

bp = Blueprint("schedule", __name__, url_prefix="/schedule")
DOWNLOADS = EXPORT_FILES
MAX_TIME_LIMIT = 300
VANS = 3
#: The form's fields (``van{i}_*`` for each van); any other is refused.
FIELDS = ("csrf_token", "plan_id", "cycle_weeks", "start_date", "min_population", "time_limit", "lock_from",
          "outreach_kind", "outreach_days")  # fmt: skip
VAN_FIELDS = ("id", "depot", "shift", "weekdays")
MAX_FIELD_CHARS = 100


@bp.get("/")
@role_required("scheduler")
def index() -> ResponseReturnValue:
    res = resources()
    published = res.published()
    _, _, retired = res.current_published()
    jobs = [res.jobs.get(j.id) or j for j in list_jobs(res.jobs.engine, unpublished=True, limit=20)]
    return render_template(
        "schedule.html", plans=published.timetables, broken=published.broken, downloads=DOWNLOADS, jobs=jobs,
        retired=retired,
    )  # fmt: skip


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
    towns = (depots + [""] * VANS)[:VANS]
    vans = [{"id": name, "depot": town, "shift": planner.shift, "weekdays": list(planner.weekdays) if name else []}
            for name, town in zip(("north", "south", ""), towns, strict=True)]  # fmt: skip
    return {
        "plan_id": "draft", "cycle_weeks": "4", "start_date": _next_monday().isoformat(), "min_population": "150",
        "time_limit": "30", "lock_from": "", "outreach_days": ["Tue", "Thu"], "outreach_kind": "victim-support",
        "vans": vans,
    }  # fmt: skip


def _check_fields(form: Any, *, weekdays: tuple[str, ...]) -> None:
    """Refuse unknown fields, overlong values, control characters and days that are not weekdays of the form."""
    known = set(FIELDS) | {f"van{i}_{name}" for i in range(VANS) for name in VAN_FIELDS}
    for name in form:
        if name not in known:
            msg = f"field {name[:40]!r}: unknown; expected only the fields of this form"
            raise OutreachError(msg)
        for value in form.getlist(name):
            if len(value) > MAX_FIELD_CHARS and name != "csrf_token":
                msg = f"field '{name}': {len(value)} characters; expected at most {MAX_FIELD_CHARS}"
                raise OutreachError(msg)
            if any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in value):
                msg = f"field '{name}': control or direction characters are not allowed"
                raise OutreachError(msg)
    for name in ["outreach_days", *(f"van{i}_weekdays" for i in range(VANS))]:
        bad = [d for d in form.getlist(name) if d not in weekdays]
        if bad:
            msg = f"field '{name}': {bad[0]!r} is not a weekday; expected among {', '.join(weekdays)}"
            raise OutreachError(msg)


def _number(form: Any, name: str, kind: type, low: float, high: float) -> Any:
    text = form.get(name, "").strip()
    try:
        value = kind(text)
    except ValueError:
        msg = f"field '{name}': {text!r} is not a {'whole number' if kind is int else 'number'}"
        raise OutreachError(msg) from None
    if not low <= value <= high:
        msg = f"field '{name}': {value:g} is out of range; expected {low:g} to {high:g}"
        raise OutreachError(msg)
    return value


def _monday(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        msg = f"field 'start_date': {text[:20]!r} is not a date; expected YYYY-MM-DD, a Monday"
        raise OutreachError(msg) from None
    if day.weekday() != 0:
        msg = f"field 'start_date': {day} is a {WEEKDAYS[day.weekday()]}; expected a Monday"
        raise OutreachError(msg)
    return day


def _vans(form: Any, defaults: dict[str, Any], depots: dict[str, str]) -> tuple[list[dict[str, Any]], list[Any]]:
    vans, shown = [], []
    for i in range(VANS):
        default = defaults["vans"][i]
        van = {
            "id": form.get(f"van{i}_id", "").strip(), "depot": form.get(f"van{i}_depot", default["depot"]),
            "shift": form.get(f"van{i}_shift", default["shift"]).strip(), "weekdays": form.getlist(f"van{i}_weekdays"),
        }  # fmt: skip
        shown.append(van)
        if not van["id"]:
            continue
        check_plan_id(van["id"], field=f"field 'van{i}_id':")
        start, _, end = van["shift"].partition("-")
        if not (is_clock(start.strip()) and is_clock(end.strip()) and clock(start.strip()) < clock(end.strip())):
            msg = f"field 'van{i}_shift': {van['shift'][:20]!r} is not a shift; expected HH:MM-HH:MM, e.g. 09:30-16:30"
            raise OutreachError(msg)
        if van["depot"] not in depots:
            msg = f"field 'van{i}_depot': unknown depot {van['depot']!r}; expected one of {', '.join(depots)}"
            raise OutreachError(msg)
        if not van["weekdays"]:
            msg = f"field 'van{i}_weekdays': van {van['id']!r} works on no day; tick at least one"
            raise OutreachError(msg)
        vans.append(van)
    ids = [v["id"] for v in vans]
    if not vans:
        msg = "field 'van0_id': no van; name at least one"
        raise OutreachError(msg)
    if len(set(ids)) != len(ids):
        twice = next(v for v in ids if ids.count(v) > 1)
        msg = f"field 'van{ids.index(twice, ids.index(twice) + 1)}_id': the name {twice!r} is given to two vans"
        raise OutreachError(msg)
    return vans, shown


def _request_from_form(
    form: Any, defaults: dict[str, Any], context: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], float, Timetable | None]:
    """The plan request (TOML-shaped tables), what to show back in the form, the time limit and the plan to keep.

    Raises
    ------
    OutreachError
        Naming the first field that is wrong and what it should be.
    """
    shown = dict(defaults)
    shown.update({k: form.get(k, shown[k]) for k in ("plan_id", "cycle_weeks", "start_date", "min_population",
                                                     "time_limit", "lock_from", "outreach_kind")})  # fmt: skip
    shown["outreach_days"] = form.getlist("outreach_days")
    _check_fields(form, weekdays=context["weekdays"])
    vans, shown["vans"] = _vans(form, defaults, context["depots"])
    plan_id = check_plan_id(shown["plan_id"].strip(), field="field 'plan_id':")
    _monday(shown["start_date"].strip())
    time_limit = _number(form, "time_limit", float, 5, MAX_TIME_LIMIT)
    lock_from = shown["lock_from"].strip()
    locked = next((t for t in context["plans"] if t.plan_id == lock_from), None)
    if lock_from and locked is None:
        msg = f"field 'lock_from': no published plan {lock_from[:64]!r}; expected one of the list or nothing"
        raise OutreachError(msg)
    if shown["outreach_days"] and shown["outreach_kind"] not in context["kinds"]:
        msg = f"field 'outreach_kind': unknown kind {shown['outreach_kind'][:64]!r}"
        raise OutreachError(msg)
    tables: dict[str, Any] = {
        "plan": {"id": plan_id, "cycle_weeks": _number(form, "cycle_weeks", int, 1, 4),
                 "start_date": shown["start_date"].strip(),
                 "min_population": _number(form, "min_population", int, 0, 100_000)},
        "vans": vans,
    }  # fmt: skip
    if shown["outreach_days"]:
        tables["outreach"] = {"name": "Outreach worker", "kind": shown["outreach_kind"],
                              "weekdays": shown["outreach_days"]}  # fmt: skip
    return tables, shown, time_limit, locked


@bp.route("/new", methods=["GET", "POST"])
@role_required("scheduler")
def new() -> ResponseReturnValue:
    res = resources()
    timetables = res.timetables()
    defaults = _form_defaults(res.planner, list(res.depots))
    context = {"depots": {town: depot.name for town, depot in res.depots.items()}, "weekdays": WEEKDAYS[:6],
               "plans": timetables, "kinds": res.data.directory.kind_terms(), "plan_id_pattern": PLAN_ID_PATTERN}  # fmt: skip
    if request.method == "GET":
        return render_template("schedule_new.html", form=defaults, error=None, **context)
    shown = defaults
    try:
        tables, shown, time_limit, locked = _request_from_form(request.form, defaults, context)
        plan_request = parse_request(tables, Path("plan form"), depots=res.depots, defaults=res.planner)
        build_problem(plan_request, res.data, res.times("drive"), locked=locked)  # refuse a bad request now
        job_id = res.jobs.submit(
            PLAN, plan_request.plan_id, plan_job_request(tables, locked=locked), time_limit=time_limit,
            created_by=current_user.name,
        )  # fmt: skip
    except JobError as exc:
        return render_template("schedule_new.html", form=shown, error=str(exc), **context), 503
    except OutreachError as exc:
        return render_template("schedule_new.html", form=shown, error=str(exc), **context), 400
    return redirect(url_for("schedule.job", job_id=job_id))


def _job(job_id: str) -> JobView:
    found = resources().jobs.get(job_id) if len(job_id) == 32 and job_id.isalnum() else None
    if found is None or found.kind != PLAN:
        abort(404)
    return found


@bp.get("/jobs/<job_id>")
@role_required("scheduler")
def job(job_id: str) -> ResponseReturnValue:
    found = _job(job_id)
    made = fragments = None
    if found.status == "done" and found.result is not None:
        made = PlanResult.from_json(found.result)
        fragments = timetable_map_data(made.timetable, tiles=resources().tiles, basemap="/basemap.geojson")
    return render_template("schedule_job.html", job=found, made=made, map=fragments, weekdays=WEEKDAYS)


@bp.get("/jobs/<job_id>/status.json")
@role_required("scheduler")
def job_status(job_id: str) -> ResponseReturnValue:
    found = _job(job_id)
    return {"status": found.status, "percent": found.percent, "message": found.message,
            "position": found.position, "running": found.running,
            "published": found.published_at.isoformat() if found.published_at else None}  # fmt: skip


@bp.post("/jobs/<job_id>/publish")
@role_required("scheduler")
def publish(job_id: str) -> ResponseReturnValue:
    found = _job(job_id)
    res = resources()
    try:
        folder = publish_plan_job(res.jobs.engine, found, res.routes_dir, directory=res.data.directory,
                                  user=current_user.name)  # fmt: skip
    except OutreachError as exc:
        flash(f"Not published: {exc}.", "error")
        return redirect(url_for("schedule.job", job_id=job_id), 303)
    flash(f"Published {folder.name}: the public pages now show its visits.", "info")
    return redirect(url_for("schedule.index"), 303)
