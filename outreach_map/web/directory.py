"""Staff pages of the shared directory (``/directory``): each agency keeps its own entries current.

Editors see their organisations' entries, edit them (opening hours, locations,
eligibility, contacts, status, the confidential flag), confirm them at review
time, see their history and restore a version; admins see handovers, feedback
and, for the lead agency, the approval queue, organisations and accounts.
Every rule lives in :mod:`outreach_map.directory`; these views parse the
request, call it and render.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts import add_membership, add_user
from ..db.engine import session_scope
from ..db.models import Membership, Organization, PendingChange, Service, TaxonomyTerm, User, Version
from ..directory.editing import (
    Actor,
    actor_for,
    approve_change,
    confirm_entry,
    reject_change,
    restore_version,
    save_entry,
)
from ..directory.entryform import entry_from_form, form_from_entry
from ..directory.feedback import feedback_for, mark_acted
from ..directory.hours import describe
from ..directory.organizations import save_organization, set_requires_approval
from ..directory.review import review_report
from ..directory.stewards import DUTIES, acknowledge_handover, deactivate_user, open_handovers, set_steward, stewards_of
from ..directory.tables import Entry, read_entry
from ..directory.versions import history, recent_activity, redact_changes
from ..errors import (
    AccountError,
    EditConflictError,
    EntryNotFoundError,
    InvalidEntryError,
    PermissionDeniedError,
)
from .auth import staff_required
from .resources import resources

__all__ = ["bp"]

bp = Blueprint("directory", __name__, url_prefix="/directory")


@contextmanager
def _session() -> Iterator[tuple[Session, Actor]]:
    with session_scope(resources().engine) as session:
        yield session, actor_for(session, current_user.name)


def _kinds(session: Session) -> dict[str, str]:
    return {str(t.term or t.name): t.id for t in session.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.position))}


def _entry_or_404(session: Session, service_id: str) -> Entry:
    entry = read_entry(session, service_id)
    if entry is None:
        abort(404)
    return entry


def _may_see(actor: Actor, entry: Entry) -> bool:
    return actor.edits(entry.organization_id) or actor.administers(entry.organization_id)


@bp.get("/")
@staff_required
def index() -> ResponseReturnValue:
    with _session() as (session, actor):
        orgs = list(session.scalars(select(Organization).where(Organization.id.in_(list(actor.memberships)))))
        services = list(
            session.scalars(
                select(Service).where(Service.organization_id.in_(list(actor.memberships))).order_by(Service.name)
            )
        )
        today = datetime.now(UTC).date()
        rows = [
            {
                "service": s,
                "stewards": stewards_of(session, s.id),
                "overdue": s.review_due is not None and s.review_due < today,
            }
            for s in services
        ]
        counts = {
            "feedback": len(feedback_for(session, list(actor.memberships))),
            "handovers": len(
                open_handovers(session, [o for o, r in actor.memberships.items() if r == "admin"] or ["-"])
            ),
            "approvals": len(list(session.scalars(select(PendingChange).where(PendingChange.status == "pending"))))
            if actor.lead_admin
            else 0,
        }
        return render_template("directory/index.html", orgs=orgs, rows=rows, counts=counts, actor=actor)


@bp.get("/service/<service_id>")
@staff_required
def entry(service_id: str) -> ResponseReturnValue:
    with _session() as (session, actor):
        found = _entry_or_404(session, service_id)
        if not _may_see(actor, found):
            abort(403)
        service = session.get(Service, service_id)
        secret = not actor.sees_confidential(found.organization_id)
        return render_template(
            "directory/entry.html", entry=found, service=service, stewards=stewards_of(session, service_id),
            describe=describe, hide_confidential=secret, may_edit=actor.edits(found.organization_id),
            organization=session.get(Organization, found.organization_id),
        )  # fmt: skip


def _render_edit(
    session: Session, found: Entry, form: dict[str, Any], *, status: int = 200, **extra: Any
) -> ResponseReturnValue:
    kinds = _kinds(session)
    routes = list(session.scalars(select(Service).where(Service.status == "active").order_by(Service.name)))
    return render_template(
        "directory/edit.html", entry=found, form=form, kinds=list(kinds), routes=routes,
        base_version=extra.pop("base_version", None), **extra,
    ), status  # fmt: skip


@bp.route("/service/<service_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(service_id: str) -> ResponseReturnValue:
    with _session() as (session, actor):
        found = _entry_or_404(session, service_id)
        row = session.get(Service, service_id)
        assert row is not None
        if not actor.edits(found.organization_id):
            abort(403)
        kinds = _kinds(session)
        if request.method == "GET":
            return _render_edit(session, found, form_from_entry(found, kinds=kinds), base_version=row.row_version)
        base = request.form.get("base_version", type=int)
        try:
            changed = entry_from_form(found, request.form, kinds=kinds)
            result = save_entry(session, actor, changed, base_version=base)
        except InvalidEntryError as exc:
            shown = form_from_entry(found, kinds=kinds) | {"posted": request.form}
            return _render_edit(session, found, shown, status=400, error=exc, base_version=base)
        except EditConflictError as exc:
            changes = exc.changes if actor.sees_confidential(found.organization_id) else redact_changes(exc.changes)
            return _render_edit(
                session, found, form_from_entry(found, kinds=kinds) | {"posted": request.form}, status=409,
                conflict=exc, conflict_changes=changes, base_version=base,
            )  # fmt: skip
    if result.status == "pending":
        flash("Your change waits for approval by the lead agency; the public see the entry as it was.", "info")
    elif result.status == "unchanged":
        flash("Nothing was changed.", "info")
    else:
        flash(f"Saved as version {result.version}.", "info")
    return redirect(url_for("directory.entry", service_id=service_id))


@bp.post("/service/<service_id>/confirm")
@staff_required
def confirm(service_id: str) -> ResponseReturnValue:
    with _session() as (session, actor):
        due = confirm_entry(session, actor, service_id)
    flash(f"Thank you: the entry is marked as checked. Next review by {due:%d %B %Y}.", "info")
    return redirect(request.form.get("back") or url_for("directory.entry", service_id=service_id))


@bp.get("/service/<service_id>/history")
@staff_required
def entry_history(service_id: str) -> ResponseReturnValue:
    with _session() as (session, actor):
        found = _entry_or_404(session, service_id)
        if not _may_see(actor, found):
            abort(403)
        row = session.get(Service, service_id)
        versions = history(
            session, "service", service_id, see_confidential=actor.sees_confidential(found.organization_id)
        )
        return render_template(
            "directory/history.html", entry=found, versions=versions, current=row.row_version if row else 0,
            may_restore=_may_see(actor, found),
        )  # fmt: skip


@bp.post("/service/<service_id>/restore/<int:number>")
@staff_required
def restore(service_id: str, number: int) -> ResponseReturnValue:
    base = request.form.get("base_version", type=int) or 0
    try:
        with _session() as (session, actor):
            result = restore_version(session, actor, service_id, number, base_version=base)
    except EditConflictError:
        flash("The entry changed while you were looking at its history; look again before restoring.", "error")
        return redirect(url_for("directory.entry_history", service_id=service_id))
    flash(f"Version {number} restored as version {result.version}." if result.status == "saved"
          else "The entry already matches that version.", "info")  # fmt: skip
    return redirect(url_for("directory.entry_history", service_id=service_id))


@bp.route("/service/<service_id>/contacts", methods=["GET", "POST"])
@staff_required
def contacts(service_id: str) -> ResponseReturnValue:
    with _session() as (session, actor):
        found = _entry_or_404(session, service_id)
        if not _may_see(actor, found):
            abort(403)
        error = None
        if request.method == "POST":
            try:
                for duty in DUTIES:
                    set_steward(
                        session, actor, service_id, duty, user_name=request.form.get(f"{duty}_user") or None,
                        mailbox=request.form.get(f"{duty}_mailbox") or None, label=request.form.get(f"{duty}_label"),
                    )  # fmt: skip
            except InvalidEntryError as exc:
                session.rollback()
                error = exc
            else:
                flash("Contacts saved.", "info")
                return redirect(url_for("directory.entry", service_id=service_id))
        staff = list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))
        members = [u for u in staff if actor_for(session, u.name).edits(found.organization_id)]
        return render_template(
            "directory/contacts.html", entry=found, stewards=stewards_of(session, service_id), staff=members,
            error=error,
        ), 400 if error else 200  # fmt: skip


@bp.get("/review")
@staff_required
def review() -> ResponseReturnValue:
    with _session() as (session, actor):
        scope = None if actor.lead_admin else list(actor.memberships)
        report = review_report(session, today=datetime.now(UTC).date(), organization_ids=scope)
        return render_template("directory/review.html", report=report)


@bp.get("/activity")
@staff_required
def activity() -> ResponseReturnValue:
    with _session() as (session, actor):
        organization = request.args.get("organization") or None
        user = request.args.get("user") or None
        scope = None if actor.lead_admin else list(actor.memberships)
        if organization is not None:
            scope = [organization] if scope is None or organization in scope else []
        versions = recent_activity(
            session, organization_ids=scope, user_name=user, see_confidential_of=list(actor.memberships)
        )
        names = {o.id: o.name for o in session.scalars(select(Organization))}
        services = {s.id: s.name for s in session.scalars(select(Service))}
        return render_template(
            "directory/activity.html", versions=versions, names=names, services=services, organization=organization,
            user=user,
        )  # fmt: skip


@bp.get("/feedback")
@staff_required
def feedback() -> ResponseReturnValue:
    with _session() as (session, actor):
        items = feedback_for(session, list(actor.memberships), status=request.args.get("status", "open") or None)
        services = {s.id: s.name for s in session.scalars(select(Service))}
        return render_template("directory/feedback.html", items=items, services=services)


@bp.post("/feedback/<int:feedback_id>/acted")
@staff_required
def feedback_acted(feedback_id: int) -> ResponseReturnValue:
    with _session() as (session, actor):
        mark_acted(session, actor, feedback_id, request.form.get("note", ""))
    flash("Marked as acted on.", "info")
    return redirect(url_for("directory.feedback"))


@bp.get("/handovers")
@staff_required
def handovers() -> ResponseReturnValue:
    with _session() as (session, actor):
        scope = None if actor.lead_admin else [o for o, role in actor.memberships.items() if role == "admin"]
        items = open_handovers(session, scope) if scope is None or scope else []
        services = {s.id: s.name for s in session.scalars(select(Service))}
        return render_template("directory/handovers.html", items=items, services=services)


@bp.post("/handovers/<int:handover_id>/done")
@staff_required
def handover_done(handover_id: int) -> ResponseReturnValue:
    with _session() as (session, actor):
        acknowledge_handover(session, actor, handover_id)
    return redirect(url_for("directory.handovers"))


@bp.get("/approvals")
@staff_required
def approvals() -> ResponseReturnValue:
    with _session() as (session, actor):
        if not actor.lead_admin:
            abort(403)
        items = list(session.scalars(select(PendingChange).where(PendingChange.status == "pending")))
        services = {s.id: s.name for s in session.scalars(select(Service))}
        views = [(p, redact_changes(p.changes, p.snapshot)) for p in items]
        return render_template("directory/approvals.html", items=views, services=services)


@bp.post("/approvals/<int:pending_id>")
@staff_required
def decide(pending_id: int) -> ResponseReturnValue:
    with _session() as (session, actor):
        if request.form.get("decision") == "approve":
            approve_change(session, actor, pending_id)
            flash("Approved and published.", "info")
        else:
            reject_change(session, actor, pending_id, request.form.get("reason", ""))
            flash("Turned down; the editor sees your reason.", "info")
    return redirect(url_for("directory.approvals"))


@bp.route("/organizations", methods=["GET", "POST"])
@staff_required
def organizations() -> ResponseReturnValue:
    with _session() as (session, actor):
        if not actor.lead_admin:
            abort(403)
        if request.method == "POST":
            org_id = request.form.get("organization_id") or None
            if request.form.get("action") == "approval" and org_id:
                set_requires_approval(session, actor, org_id, request.form.get("requires_approval") == "on")
                flash("Saved: the organisation's edits " + ("now wait for approval." if
                      request.form.get("requires_approval") == "on" else "publish at once."), "info")  # fmt: skip
                return redirect(url_for("directory.organizations"))
            try:
                saved = save_organization(session, actor, request.form, org_id)
            except InvalidEntryError as exc:
                session.rollback()
                flash(f"Not saved: {exc}.", "error")
                return redirect(url_for("directory.organizations"), code=303)
            flash("Organisation saved.", "info")
            return redirect(url_for("directory.organizations", _anchor=f"org-{saved}"))
        # The partnership's organisations: with staff accounts, or created or changed here (not the schools and
        # surgeries that only come from open data).
        partners = set(session.scalars(select(Membership.organization_id)))
        partners |= set(session.scalars(select(Version.entity_id).where(Version.entity_type == "organization")))
        partners |= {o.id for o in session.scalars(select(Organization).where(Organization.lead.is_(True)))}
        orgs = list(session.scalars(select(Organization).order_by(Organization.name)))
        return render_template("directory/organizations.html", orgs=orgs, partners=partners)


@bp.route("/users", methods=["GET", "POST"])
@staff_required
def users() -> ResponseReturnValue:
    with _session() as (session, actor):
        if not (actor.lead_admin or "admin" in actor.memberships.values()):
            abort(403)
    if request.method == "POST":
        action = request.form.get("action")
        name = request.form.get("user", "")
        try:
            if action == "add":
                with _session() as (session, actor):
                    if not actor.lead_admin:
                        raise PermissionDeniedError("only the lead agency's admins may add accounts")
                add_user(resources().engine, name, request.form.get("role", "editor"), request.form.get("password", ""),
                         email=request.form.get("email") or None)  # fmt: skip
                flash(f"Account {name} added; give them their password in person and ask them to change it.", "info")
            elif action == "deactivate":
                with _session() as (session, actor):
                    done = deactivate_user(session, actor, name)
                flash(f"{name} is deactivated; {len(done)} service contact(s) handed over.", "info")
            elif action == "member":
                organization = request.form.get("organization", "")
                with _session() as (session, actor):
                    if not actor.administers(organization):
                        raise PermissionDeniedError("you may not manage that organisation's staff")
                add_membership(resources().engine, name, organization, request.form.get("role", "editor"))
                flash(f"{name} is now a member.", "info")
        except (AccountError, EntryNotFoundError) as exc:
            flash(str(exc), "error")
        return redirect(url_for("directory.users"))
    from ..accounts import list_users

    with _session() as (session, actor):
        orgs = list(session.scalars(select(Organization).order_by(Organization.name)))
        manageable = [o for o in orgs if actor.administers(o.id)]
        lead = actor.lead_admin
    return render_template("directory/users.html", members=list_users(resources().engine), orgs=manageable, lead=lead)
