"""Job records in the database: what the site shows and the worker updates.

A job is ``queued``, then ``running`` (claimed by one worker), then ``done``
with its result or ``failed`` with its error. Every change is one
transaction; claiming a job and marking it published are conditional
updates, so two workers never run one job and no job is published twice.
A job whose worker died while running it is queued again when a worker
starts (:func:`requeue_orphans`), at most :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult, Engine

from ..db.engine import session_scope
from ..db.models import Job, utcnow
from ..errors import JobError

__all__ = [
    "MAX_ATTEMPTS",
    "STALE_AFTER",
    "JobView",
    "claim_job",
    "create_job",
    "fail_job",
    "finish_job",
    "get_job",
    "list_jobs",
    "mark_published",
    "queued_ids",
    "report_progress",
    "requeue_orphans",
    "unmark_published",
]

#: A job whose worker stopped this many times while running it fails instead of running again.
MAX_ATTEMPTS = 3
#: A running job on another host whose worker has said nothing for this long is taken as orphaned.
STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as the site shows it; ``position`` is its place in the queue (1: next), ``None`` unless queued."""

    id: str
    kind: str
    title: str
    status: str
    message: str
    percent: int
    request: Mapping[str, Any]
    result: Mapping[str, Any] | None
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    published_at: datetime | None
    published_by: str | None
    attempts: int = 0
    position: int | None = None
    running: int = 0

    @classmethod
    def of(cls, job: Job, *, position: int | None = None, running: int = 0) -> JobView:
        return cls(
            job.id, job.kind, job.title, job.status, job.message, job.percent, job.request, job.result,
            job.created_by, job.created_at, job.started_at, job.finished_at, job.published_at, job.published_by,
            job.attempts, position, running,
        )  # fmt: skip


def create_job(
    engine: Engine, *, kind: str, title: str, request: Mapping[str, Any], time_limit: float, created_by: str | None
) -> str:
    """Record a new queued job and return its id."""
    job_id = uuid.uuid4().hex
    with session_scope(engine) as session:
        now = utcnow()
        session.add(Job(
            id=job_id, kind=kind, title=title[:200], status="queued", request=dict(request), result=None,
            message="", percent=0, time_limit=time_limit, attempts=0, created_by=created_by, created_at=now,
            queued_at=now,
        ))  # fmt: skip
    return job_id


def _queue_place(session: Any, job: Job) -> tuple[int | None, int]:
    running = session.scalar(select(func.count()).select_from(Job).where(Job.status == "running")) or 0
    if job.status != "queued":
        return None, int(running)
    ahead = session.scalar(
        select(func.count()).select_from(Job).where(
            Job.status == "queued", Job.id != job.id,
            (Job.queued_at < job.queued_at) | ((Job.queued_at == job.queued_at) & (Job.id < job.id)),
        )
    )  # fmt: skip
    return int(ahead or 0) + 1, int(running)


def get_job(engine: Engine, job_id: str) -> JobView | None:
    """A job with its place in the queue, or ``None``."""
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            return None
        position, running = _queue_place(session, job)
        return JobView.of(job, position=position, running=running)


def list_jobs(engine: Engine, *, unpublished: bool = False, limit: int = 20) -> list[JobView]:
    """The newest jobs first (``unpublished``: only those not yet published)."""
    with session_scope(engine) as session:
        query = select(Job).order_by(Job.created_at.desc(), Job.id).limit(limit)
        if unpublished:
            query = query.where(Job.published_at.is_(None))
        return [JobView.of(job) for job in session.scalars(query)]


def queued_ids(engine: Engine) -> list[str]:
    """Ids of the queued jobs, in the order they were queued."""
    with session_scope(engine) as session:
        query = select(Job.id).where(Job.status == "queued").order_by(Job.queued_at, Job.id)
        return list(session.scalars(query))


def claim_job(engine: Engine, job_id: str, worker: str) -> Mapping[str, Any] | None:
    """Mark a queued job running on ``worker`` and return its request (``None``: not queued, or claimed already)."""
    with session_scope(engine) as session:
        now = utcnow()
        claimed = cast(CursorResult[Any], session.execute(
            update(Job).where(Job.id == job_id, Job.status == "queued")
            .values(status="running", worker=worker, started_at=now, heartbeat_at=now, percent=0,
                    message="starting", attempts=Job.attempts + 1)
        )).rowcount  # fmt: skip
        if not claimed:
            return None
        job = session.get(Job, job_id)
        assert job is not None
        return dict(job.request) | {"time_limit": job.time_limit, "kind": job.kind}


def report_progress(engine: Engine, job_id: str, percent: int, message: str) -> None:
    """The running job's progress (also its worker's sign of life)."""
    with session_scope(engine) as session:
        session.execute(
            update(Job).where(Job.id == job_id, Job.status == "running")
            .values(percent=max(0, min(99, percent)), message=message[:2000], heartbeat_at=utcnow())
        )  # fmt: skip


def finish_job(engine: Engine, job_id: str, result: Mapping[str, Any], message: str = "") -> None:
    """The job is done: its result is stored."""
    with session_scope(engine) as session:
        session.execute(
            update(Job).where(Job.id == job_id)
            .values(status="done", result=dict(result), percent=100, message=message, finished_at=utcnow())
        )  # fmt: skip


def fail_job(engine: Engine, job_id: str, message: str) -> None:
    """The job failed: ``message`` says why (shown to the scheduler)."""
    with session_scope(engine) as session:
        session.execute(
            update(Job).where(Job.id == job_id)
            .values(status="failed", message=message[:2000], percent=100, finished_at=utcnow())
        )  # fmt: skip


def requeue_orphans(engine: Engine, *, alive: Callable[[str], bool], now: datetime | None = None) -> list[str]:
    """Running jobs whose worker is gone: queued again (or failed after :data:`MAX_ATTEMPTS`); the requeued ids.

    ``alive(worker)`` says whether a worker (``host:pid``) still runs; for
    another host it cannot say, and a job silent for :data:`STALE_AFTER` counts as orphaned.
    """
    now = now or utcnow()
    requeued = []
    with session_scope(engine) as session:
        for job in session.scalars(select(Job).where(Job.status == "running")):
            beat = job.heartbeat_at or job.started_at or job.created_at
            if beat.tzinfo is None:  # SQLite gives naive UTC times back
                beat = beat.replace(tzinfo=now.tzinfo)
            if alive(job.worker or "") and now - beat < STALE_AFTER:
                continue
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.percent, job.finished_at = "failed", 100, now
                job.message = f"the worker stopped {job.attempts} times while running this job; it was not retried"
                continue
            job.status, job.worker, job.queued_at, job.percent = "queued", None, now, 0
            job.message = "queued again: the worker stopped while running it"
            requeued.append(job.id)
    return requeued


def mark_published(engine: Engine, job_id: str, user: str | None) -> None:
    """Mark a done job published by ``user``, once.

    Raises
    ------
    JobError
        When it is not done, or is published already (naming when and by whom).
    """
    with session_scope(engine) as session:
        marked = cast(CursorResult[Any], session.execute(
            update(Job).where(Job.id == job_id, Job.status == "done", Job.published_at.is_(None))
            .values(published_at=utcnow(), published_by=user)
        )).rowcount  # fmt: skip
        if marked:
            return
        job = session.get(Job, job_id)
        if job is None or job.status != "done":
            msg = "this plan is not ready to publish"
            raise JobError(msg)
        when = job.published_at.strftime("%d %b %Y %H:%M") if job.published_at else "before"
        msg = f"this plan was published already, on {when} UTC by {job.published_by or 'the command line'}"
        raise JobError(msg)


def unmark_published(engine: Engine, job_id: str) -> None:
    """Undo :func:`mark_published` when writing the files failed."""
    with session_scope(engine) as session:
        session.execute(update(Job).where(Job.id == job_id).values(published_at=None, published_by=None))
