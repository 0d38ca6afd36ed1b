"""Plans run in the background of the web site, one at a time, with their progress."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..errors import OutreachError

LOG = logging.getLogger(__name__)

__all__ = ["Job", "JobRunner"]


@dataclass
class Job:
    """A plan being made: status ``queued``, ``running``, ``done`` or ``failed``."""

    id: str
    title: str
    time_limit: float
    status: str = "queued"
    started: float = 0.0
    elapsed: float = 0.0
    message: str = ""
    result: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        if self.status in ("done", "failed"):
            return 100
        return min(99, int(100 * self.elapsed / max(self.time_limit, 1)))


class JobRunner:
    """A single worker thread: schedulers' plans queue up rather than compete for the two cores."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan")

    def submit(self, title: str, time_limit: float, work: Callable[[Job], Any]) -> Job:
        job = Job(uuid.uuid4().hex[:12], title, time_limit)
        with self._lock:
            self._jobs[job.id] = job

        def run() -> None:
            job.status, job.started = "running", time.monotonic()
            try:
                job.result = work(job)
                job.status = "done"
            except OutreachError as exc:  # a user mistake: its message names what to fix
                job.status, job.message = "failed", str(exc)
            except Exception:  # a fault: logged on the server, never shown as a traceback
                LOG.exception("plan job %s failed", job.id)
                job.status, job.message = "failed", "the planner failed unexpectedly; the error is in the server log"

        self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)
