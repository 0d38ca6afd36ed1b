"""Long jobs (plans) on a durable queue: recorded in the database, run by a worker, surviving restarts.

- :mod:`.records`: the job records (queued, running, done or failed; progress, result, error, publication);
- :mod:`.queue`: the huey queue (SQLite in the instance folder, or Redis) and the worker;
- :mod:`.plans`: plans as jobs (the request, making the timetable, publishing it once).

:func:`open_queue` is the one way to the queue, for the site and the ``worker`` command alike.
"""

from __future__ import annotations

from ..config import Settings
from .plans import PLAN as PLAN
from .plans import PlanResult as PlanResult
from .plans import plan_job_request as plan_job_request
from .plans import publish_plan_job as publish_plan_job
from .plans import run_plan
from .queue import JobQueue as JobQueue
from .queue import Worker as Worker
from .queue import queue_description as queue_description
from .records import JobView as JobView

__all__ = [
    "PLAN",
    "JobQueue",
    "JobView",
    "PlanResult",
    "Worker",
    "open_queue",
    "plan_job_request",
    "publish_plan_job",
    "queue_description",
]


def open_queue(settings: Settings) -> JobQueue:
    """The queue of these settings, running every kind of job (plans)."""
    return JobQueue(settings, {PLAN: run_plan})
