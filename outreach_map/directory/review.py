"""The review cycle: entries overdue for checking, lost contacts and open handovers, by organisation.

``outreach-map directory review-report`` prints it; ``/directory/review`` shows
it to staff. By default it covers the partner agencies (organisations with
staff accounts); the other organisations' entries come from open data and
nobody in the partnership answers for them, so they are counted, not listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.models import Feedback, Membership, Organization, PendingChange, Service
from .stewards import lost_contacts, open_handovers

__all__ = ["OrganizationReview", "ReviewItem", "ReviewReport", "review_report"]


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One entry that needs attention."""

    service_id: str
    name: str
    review_due: date | None
    last_checked: date | None
    reason: str


@dataclass(frozen=True)
class OrganizationReview:
    """What one organisation has to see to."""

    organization_id: str
    name: str
    overdue: tuple[ReviewItem, ...]
    lost_contacts: tuple[ReviewItem, ...]
    open_handovers: int
    open_feedback: int
    pending_changes: int

    @property
    def needs_attention(self) -> bool:
        return bool(self.overdue or self.lost_contacts or self.open_handovers or self.open_feedback)


@dataclass(frozen=True)
class ReviewReport:
    """The needs-review report on a day."""

    today: date
    organizations: tuple[OrganizationReview, ...]
    unlisted_organizations: int = 0
    unlisted_overdue: int = 0
    totals: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report as plain text lines (what the command prints)."""
        out = [f"Directory review report, {self.today.isoformat()}"]
        for org in self.organizations:
            out.append("")
            out.append(
                f"{org.name}: {len(org.overdue)} overdue, {len(org.lost_contacts)} lost contact(s), "
                f"{org.open_handovers} open handover(s), {org.open_feedback} open feedback, "
                f"{org.pending_changes} change(s) awaiting approval"
            )
            for item in org.overdue:
                checked = item.last_checked.isoformat() if item.last_checked else "never"
                due = item.review_due.isoformat() if item.review_due else "-"
                out.append(f"  overdue   {item.name} (due {due}, last checked {checked})")
            out.extend(f"  no contact  {item.name}" for item in org.lost_contacts)
        if self.unlisted_organizations:
            out.append("")
            out.append(
                f"{self.unlisted_organizations} organisation(s) without staff accounts are not listed "
                f"({self.unlisted_overdue} of their entries are overdue); their entries come from open data"
            )
        out.append("")
        out.append(", ".join(f"{k}: {v}" for k, v in self.totals.items()))
        return out


def _item(service: Service, reason: str) -> ReviewItem:
    checked = service.last_checked.date() if service.last_checked else None
    return ReviewItem(service.id, service.name, service.review_due, checked, reason)


def _counts(session: Session, column: object, where: object) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).where(where).group_by(column))  # type: ignore[call-overload]
    return {str(k): int(v) for k, v in rows}


def review_report(
    session: Session, *, today: date, organization_ids: Sequence[str] | None = None, include_all: bool = False
) -> ReviewReport:
    """Overdue entries and lost contacts by organisation.

    Parameters
    ----------
    organization_ids
        Only these organisations (an organisation admin's view); default: every partner agency.
    include_all
        List every organisation, partner or not.
    """
    partners = set(session.scalars(select(Membership.organization_id).distinct()))
    orgs = list(session.scalars(select(Organization).order_by(Organization.name)))
    wanted = [o for o in orgs if (organization_ids is None or o.id in organization_ids) and (include_all or o.id in partners
              or organization_ids is not None)]  # fmt: skip
    ids = [o.id for o in wanted]
    overdue: dict[str, list[ReviewItem]] = {}
    statement = select(Service).where(Service.status != "defunct", Service.review_due < today).order_by(Service.name)
    unlisted_overdue = 0
    for service in session.scalars(statement):
        if service.organization_id in ids:
            overdue.setdefault(service.organization_id, []).append(_item(service, "overdue"))
        else:
            unlisted_overdue += 1
    lost: dict[str, list[ReviewItem]] = {}
    for service in lost_contacts(session, ids):
        lost.setdefault(service.organization_id, []).append(_item(service, "no lead contact or deputy"))
    handovers: dict[str, int] = {}
    for handover in open_handovers(session, ids):
        handovers[handover.organization_id] = handovers.get(handover.organization_id, 0) + 1
    feedback = _counts(session, Feedback.organization_id, Feedback.status == "open")
    pending = _counts(session, PendingChange.organization_id, PendingChange.status == "pending")
    reviews = tuple(
        OrganizationReview(o.id, o.name, tuple(overdue.get(o.id, ())), tuple(lost.get(o.id, ())),
                           handovers.get(o.id, 0), feedback.get(o.id, 0), pending.get(o.id, 0))
        for o in wanted
    )  # fmt: skip
    totals = {
        "overdue": sum(len(r.overdue) for r in reviews), "lost contacts": sum(len(r.lost_contacts) for r in reviews),
        "open handovers": sum(r.open_handovers for r in reviews), "open feedback": sum(r.open_feedback for r in reviews),
    }  # fmt: skip
    unlisted = 0 if organization_ids is not None else len(orgs) - len(wanted)
    return ReviewReport(today, reviews, unlisted, unlisted_overdue if unlisted else 0, totals)
