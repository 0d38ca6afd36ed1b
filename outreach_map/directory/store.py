"""The live directory in the database: first-run seeding, the revision counter, and snapshots for readers.

The database is the one place the agencies keep their entries. On first use it
is migrated to the newest schema and seeded from ``data/services/`` (every
record validated, every service given version 1). Coverage, search, the
planner and the API read a :class:`~outreach_map.directory.model.Directory`
snapshot of it; :class:`DirectoryStore` rebuilds that snapshot only when the
revision (one number, raised by every change in the same transaction) moves.
"""

from __future__ import annotations

import calendar
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..config import Settings
from ..db.engine import database_url, open_engine, session_scope
from ..db.migrate import upgrade
from ..db.models import DirectoryState, Organization, Service, Version
from .files import read_tables as read_seed_tables
from .files import services_dir
from .model import Directory, link_directory
from .tables import entries_from_tables, read_tables, write_tables

__all__ = [
    "DEFAULT_LEAD_ORGANIZATION",
    "DirectoryStore",
    "add_months",
    "bump_revision",
    "current_revision",
    "ensure_directory",
    "load_from_database",
    "open_store",
    "seed_directory",
]

#: The partnership's lead agency in the embedded data (its admins manage organisations and approvals).
DEFAULT_LEAD_ORGANIZATION = "West Northamptonshire Council"


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, kept to the month's last day when needed (31 Aug + 6 -> 28/29 Feb).

    Examples
    --------
    >>> add_months(date(2026, 8, 31), 6)
    datetime.date(2027, 2, 28)
    """
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _state(session: Session) -> DirectoryState:
    state = session.get(DirectoryState, 1)
    if state is None:
        state = DirectoryState(id=1, revision=0)
        session.add(state)
        session.flush()
    return state


def current_revision(session: Session) -> int:
    """The directory's revision (0 before seeding)."""
    state = session.get(DirectoryState, 1)
    return 0 if state is None else state.revision


def bump_revision(session: Session) -> int:
    """Raise the revision by one, in the caller's transaction (readers reload after it commits)."""
    _state(session)
    session.execute(update(DirectoryState).where(DirectoryState.id == 1).values(revision=DirectoryState.revision + 1))
    return current_revision(session)


def seed_directory(
    session: Session,
    folder: Path,
    *,
    today: date | None = None,
    review_months: int = 6,
    lead_organization: str | None = DEFAULT_LEAD_ORGANIZATION,
) -> int:
    """Fill an empty directory from the seed files; every service gets version 1 (``seed``). Returns the count.

    Raises
    ------
    DataFileError
        Naming the file, record and field of the first invalid record (nothing is written).
    """
    tables = read_seed_tables(folder)
    link_directory(tables)  # every link checked before anything is written
    write_tables(session, tables)
    due = add_months(today or datetime.now(UTC).date(), review_months)
    session.execute(update(Service).values(review_due=due))
    if lead_organization:
        session.execute(update(Organization).where(Organization.name == lead_organization).values(lead=True))
    session.flush()
    for entry in entries_from_tables(read_tables(session)).values():
        session.add(
            Version(
                entity_type="service", entity_id=entry.id, number=1, organization_id=entry.organization_id,
                user_name=None, action="seed", note=f"seeded from {folder}", snapshot=entry.to_json(), changes=[],
            )
        )  # fmt: skip
    state = _state(session)
    state.seeded_from = str(folder)
    state.seeded_at = datetime.now(UTC)
    bump_revision(session)
    return len(tables["services"])


def _is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Service)) and current_revision(session) == 0


def ensure_directory(engine: Engine, seed_folder: Path | None, **seed_options: Any) -> bool:
    """Migrate the database to the newest schema and seed it when it has no directory yet.

    Returns whether it was seeded now. Safe to call from several processes:
    seeding happens in one transaction.
    """
    upgrade(engine)
    if seed_folder is None:
        return False
    with session_scope(engine) as session:
        if not _is_empty(session):
            return False
        seed_directory(session, seed_folder, **seed_options)
        return True


def _public_fields(session: Session, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Standard fields derived from upkeep: ``assured_date`` (last checked) and ``last_modified``."""
    upkeep = {
        sid: (checked, modified, accepts)
        for sid, checked, modified, accepts in session.execute(
            select(Service.id, Service.last_checked, Service.updated_at, Service.accepts_referrals)
        )
    }
    for record in tables["services"]:
        checked, modified, accepts = upkeep[record["id"]]
        if checked is not None:
            record["assured_date"] = checked.date().isoformat()
        if modified is not None:
            record["last_modified"] = _aware(modified).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if not accepts:
            record["accepts_referrals"] = False


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def load_from_database(session: Session) -> Directory:
    """A snapshot of the live directory (records validated when they were written)."""
    tables = read_tables(session)
    _public_fields(session, tables)
    return link_directory(tables)


@dataclass(eq=False)
class DirectoryStore:
    """Snapshots of the live directory for readers, rebuilt only when the revision moves (thread-safe)."""

    engine: Engine
    _cached: tuple[int, Directory] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def revision(self) -> int:
        """The directory's revision: one plain query (no ORM session), asked on every public page."""
        with self.engine.connect() as connection:
            found = connection.execute(select(DirectoryState.revision).where(DirectoryState.id == 1)).scalar()
        return 0 if found is None else int(found)

    def directory(self) -> Directory:
        """The current snapshot (one cheap query when nothing changed)."""
        revision = self.revision()
        cached = self._cached
        if cached is not None and cached[0] == revision:
            return cached[1]
        with self._lock:
            cached = self._cached
            if cached is not None and cached[0] == revision:
                return cached[1]
            with session_scope(self.engine) as session:
                revision = current_revision(session)
                snapshot = load_from_database(session)
            self._cached = (revision, snapshot)
            return snapshot

    def seeded_from(self) -> str | None:
        """The seed folder the directory was first filled from."""
        with session_scope(self.engine) as session:
            state = session.get(DirectoryState, 1)
            return state.seeded_from if state is not None else None


def open_store(settings: Settings) -> DirectoryStore:
    """The live directory of these settings: the database migrated, and seeded from ``data/services`` on first use."""
    engine = open_engine(database_url(settings.instance_dir, settings.web.database_url))
    ensure_directory(
        engine, services_dir(settings.data_dir), review_months=settings.directory.review_months,
        lead_organization=settings.directory.lead_organization,
    )  # fmt: skip
    return DirectoryStore(engine)
