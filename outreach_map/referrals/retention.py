"""Retention: a referral's client details are deleted a set time after it ended; the anonymous record stays.

``outreach-map referrals purge`` runs it (daily, from cron or the job
queue). What stays is what the partnership report counts: organisations,
service, need, states and their dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import Referral, ReferralEvent
from ..directory.store import add_months

__all__ = ["DEFAULT_RETENTION_MONTHS", "PurgeResult", "purge_expired"]

#: Client details are kept this long after a referral ends.
DEFAULT_RETENTION_MONTHS = 24


@dataclass(frozen=True, slots=True)
class PurgeResult:
    purged: int
    kept: int


def purge_expired(
    session: Session, *, now: datetime | None = None, months: int = DEFAULT_RETENTION_MONTHS
) -> PurgeResult:
    """Delete the client details of every referral that ended more than ``months`` ago."""
    moment = now or datetime.now(UTC)
    cutoff = add_months(moment.date(), -months)
    ended = session.scalars(select(Referral).where(Referral.ended_at.is_not(None), Referral.purged_at.is_(None)))
    purged = kept = 0
    for referral in ended:
        ended_at = referral.ended_at
        assert ended_at is not None
        if ended_at.date() >= cutoff:
            kept += 1
            continue
        referral.client_name = referral.client_contact = referral.client_safe_times = referral.notes = None
        referral.decline_note = referral.outcome_note = None
        referral.purged_at = moment
        session.add(ReferralEvent(referral_id=referral.id, at=moment, user_name=None, action="purged",
                                  detail=f"client details deleted after {months} months"))  # fmt: skip
        purged += 1
    return PurgeResult(purged, kept)
