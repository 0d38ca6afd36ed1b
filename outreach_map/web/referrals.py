"""Staff pages for referrals: pathways by village and need, referrals between agencies, the partnership report.

``/pathways``: the services that meet a need from a village or postcode,
nearest by road, each with "refer". ``/referrals``: the inbox and the sent
list, a new referral, and one referral with its next steps. ``/report``: the
monthly partnership report (the same as ``outreach-map report``), with CSV of
every table. Client details are opened only for the two organisations of a
referral and never leave these pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..db.engine import session_scope
from ..db.models import Service
from ..directory.editing import Actor, actor_for
from ..errors import OutreachError, ReferralError, ReportError
from ..lookup import resolve_place
from ..pathways import find_pathway
from ..referrals.notify import notify_referral
from ..referrals.workflow import (
    DECLINE_REASONS,
    NEEDS,
    OUTCOMES,
    ClientDetails,
    ReferralRequest,
    accept,
    close,
    decline,
    forward,
    list_referrals,
    make_referral,
    open_referral,
    view,
)
from ..report import build_report, parse_period
from .auth import staff_required
from .resources import resources

__all__ = ["bp"]

bp = Blueprint("referrals", __name__)
MAX_QUERY = 100


@contextmanager
def _session() -> Iterator[tuple[Any, Actor]]:
    with session_scope(resources().engine) as session:
        yield session, actor_for(session, current_user.name)


@bp.get("/pathways")
@staff_required
def pathways() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()[:MAX_QUERY]
    need = request.args.get("need") or ""
    res = resources()
    pathway, error = None, None
    if q or need:
        try:
            if need not in NEEDS:
                raise ReferralError("choose a need from the list", field="need")
            place = resolve_place(res.data, q)
            pathway = find_pathway(res.data, res.times("drive"), place, need, res.timetables(),
                                   today=datetime.now(UTC).date())  # fmt: skip
        except OutreachError as exc:
            error = str(exc)
    names = sorted({v.name for v in res.data.villages if v.in_core_area})
    return render_template("pathways.html", q=q, need=need, needs=NEEDS, pathway=pathway, error=error,
                           village_names=names), 400 if error else 200  # fmt: skip


def _org_names() -> dict[str, str]:
    return {o.id: o.name for o in resources().data.directory.organizations.values()}


def _referrable(session: Any, actor: Actor) -> list[Service]:
    return [s for s in session.query(Service).filter(Service.status == "active", Service.accepts_referrals.is_(True))
            .order_by(Service.name) if s.organization_id not in actor.memberships]  # fmt: skip


@bp.get("/referrals")
@staff_required
def inbox() -> ResponseReturnValue:
    with _session() as (session, actor):
        cipher = resources().cipher
        received = [view(session, actor, r, cipher) for r in list_referrals(session, actor, direction="received")]
        sent = [view(session, actor, r, cipher) for r in list_referrals(session, actor, direction="sent")]
        return render_template("referrals/inbox.html", received=received, sent=sent, needs=NEEDS)


@bp.route("/referrals/new", methods=["GET", "POST"])
@staff_required
def new() -> ResponseReturnValue:
    form = request.form if request.method == "POST" else request.args
    with _session() as (session, actor):
        services = _referrable(session, actor)
        if request.method == "GET":
            return render_template("referrals/new.html", form=form, services=services, needs=NEEDS, actor=actor,
                                   error=None, org_names=_org_names())  # fmt: skip
        details = ClientDetails(form.get("name", ""), form.get("contact", ""), form.get("safe_times", ""),
                                form.get("notes", ""))  # fmt: skip
        request_ = ReferralRequest(
            form.get("service_id", ""), form.get("need", ""), details, consent=form.get("consent") == "yes",
            safeguarding_checked=form.get("safeguarding") == "yes",
            from_organization_id=form.get("from_organization_id") or None,
        )  # fmt: skip
        res = resources()
        try:
            referral = make_referral(session, actor, request_, res.cipher,
                                     allow_own_organisation=res.settings.referrals.allow_own_organisation)  # fmt: skip
        except ReferralError as exc:
            session.rollback()
            return render_template("referrals/new.html", form=form, services=services, needs=NEEDS, actor=actor,
                                   error=exc, org_names=_org_names()), 400  # fmt: skip
        sent = notify_referral(session, referral, res.mail)
        key, reference = referral.key, referral.reference
    flash(f"Referral {reference} sent." + ("" if sent else " The email to the agency could not be sent: please "
                                            "phone them with the reference."), "info")  # fmt: skip
    return redirect(url_for("referrals.detail", key=key))


@bp.get("/referrals/<key>")
@staff_required
def detail(key: str) -> ResponseReturnValue:
    with _session() as (session, actor):
        shown = open_referral(session, actor, key, resources().cipher)
        onward = _referrable(session, actor) if shown.direction == "received" else []
        return render_template("referrals/detail.html", r=shown, needs=NEEDS, reasons=DECLINE_REASONS,
                               outcomes=OUTCOMES, onward=onward)  # fmt: skip


@bp.post("/referrals/<key>/<action>")
@staff_required
def act(key: str, action: str) -> ResponseReturnValue:
    res = resources()
    form = request.form
    try:
        with _session() as (session, actor):
            if action == "accept":
                accept(session, actor, key)
            elif action == "decline":
                decline(session, actor, key, form.get("reason", ""), form.get("note", ""), res.cipher)
            elif action == "close":
                close(session, actor, key, form.get("outcome", ""), form.get("note", ""), res.cipher)
            elif action == "forward":
                onward = forward(session, actor, key, form.get("service_id", ""), res.cipher, note=form.get("note", ""),
                                 allow_own_organisation=res.settings.referrals.allow_own_organisation)  # fmt: skip
                notify_referral(session, onward, res.mail)
            else:
                return Response("unknown action\n", status=404, mimetype="text/plain")
    except ReferralError as exc:
        flash(f"Not done: {exc}.", "error")
        return redirect(url_for("referrals.detail", key=key), code=303)
    flash(
        {"accept": "Accepted.", "decline": "Declined.", "close": "Closed.", "forward": "Referred on."}[action], "info"
    )
    return redirect(url_for("referrals.detail", key=key))


def _report(start: str, end: str) -> Any:
    res = resources()
    period = parse_period(start, end)
    with session_scope(res.engine) as session:
        return build_report(session, res.data, res.times("drive"), res.timetables(), period)


def _this_month() -> str:
    return f"{date.today():%Y-%m}"


@bp.get("/report")
@staff_required
def report() -> ResponseReturnValue:
    start, end = request.args.get("from") or _this_month(), request.args.get("to") or _this_month()
    try:
        built = _report(start, end)
    except ReportError as exc:
        built = _report(_this_month(), _this_month())
        return render_template("report_page.html", report=built, period_from=start, period_to=end, error=str(exc),
                               csv_link=None), 400  # fmt: skip

    def csv_link(name: str) -> str:
        query: dict[str, Any] = {"from": start, "to": end}
        return url_for("referrals.report_csv", table=name, **query)

    return render_template("report_page.html", report=built, period_from=start, period_to=end, error=None,
                           csv_link=csv_link)  # fmt: skip


@bp.get("/report/<table>.csv")
@staff_required
def report_csv(table: str) -> ResponseReturnValue:
    built = _report(request.args.get("from") or _this_month(), request.args.get("to") or _this_month())
    found = next((t for t in built.tables if t.name == table), None)
    if found is None:
        return Response("no such table\n", status=404, mimetype="text/plain")
    return Response(found.csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=report-{table}.csv"})  # fmt: skip
