"""The job queue (huey) and its worker: long jobs leave the web process and survive restarts.

The site records a job in the database (:mod:`.records`) and puts its id on a
huey queue; a worker (``outreach-map worker``, started by ``make run`` beside
the site) takes ids off the queue and runs them, storing progress, result
or error in the job's record. The queue lives in SQLite in the instance
folder (``jobs.db``) by default, or in Redis (``[jobs] url`` /
``OUTREACH_QUEUE_URL``). Messages are JSON, never pickle, so whoever can
write to the queue cannot make the worker run code.

A job survives a restart of the site (it is in the database and on the
queue) and of the worker: a worker starting up queues again the jobs whose
worker died while running them, and any queued job missing from the queue.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from huey.registry import Message
from huey.serializer import Serializer
from sqlalchemy.engine import Engine

from ..config import Settings
from ..dataset import Dataset, load_dataset
from ..db.engine import database_url, describe_url, open_engine
from ..directory import services_dir
from ..directory.store import DirectoryStore, ensure_directory
from ..errors import JobError, OutreachError
from ..roads import load_roads
from ..traveltime import TravelTimes
from . import records

__all__ = ["QUEUE_FILE", "JobQueue", "Progress", "Worker", "WorkerContext", "queue_description"]

LOG = logging.getLogger(__name__)

#: The SQLite queue's file in the instance folder (when no ``[jobs] url`` is set).
QUEUE_FILE = "jobs.db"
#: At most one progress write a second per job.
PROGRESS_INTERVAL_S = 1.0


class _JsonSerializer(Serializer):  # type: ignore[misc]
    """huey's messages as JSON: only plain values (job ids) travel through the queue."""

    def _serialize(self, data: Any) -> bytes:
        fields = list(data) if isinstance(data, Message) else data
        return json.dumps(fields, separators=(",", ":")).encode("utf-8")

    def _deserialize(self, data: bytes) -> Any:
        fields = json.loads(data)
        return Message(*fields) if isinstance(fields, list) else fields


def queue_description(settings: Settings) -> str:
    """Where the queue is, without any password: ``redis://host:6379/0`` or the SQLite file."""
    url = settings.jobs.url
    if url is None:
        return f"sqlite:///{settings.instance_dir / QUEUE_FILE}"
    return (
        describe_url(url)
        if url.startswith("sqlite")
        else url.split("://")[0] + "://" + url.split("@")[-1].split("://")[-1]
    )


def _huey(settings: Settings, name: str) -> Huey:
    url = settings.jobs.url
    serializer = _JsonSerializer()
    if url is not None and not url.startswith("sqlite:///"):
        return RedisHuey(name, url=url, results=False, serializer=serializer)
    path = Path(url.removeprefix("sqlite:///")) if url else settings.instance_dir / QUEUE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    return SqliteHuey(name, filename=str(path), results=False, serializer=serializer, strict_fifo=True)


class Progress:
    """What a running job reports: a percentage and a sentence, written at most once a second."""

    def __init__(self, engine: Engine, job_id: str) -> None:
        self.engine, self.job_id = engine, job_id
        self._last = 0.0

    def __call__(self, percent: float, message: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            records.report_progress(self.engine, self.job_id, int(percent), message)


class WorkerContext:
    """What a worker loads once and shares between jobs: the data (with the live directory) and travel times."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.store = DirectoryStore(engine)
        self._times: dict[str, TravelTimes] = {}
        self._lock = threading.Lock()

    @cached_property
    def _static(self) -> Dataset:
        return load_dataset(self.settings.data_dir)

    def data(self) -> Dataset:
        """Villages and postcodes with the directory as it is now in the database."""
        return dataclasses.replace(self._static, directory=self.store.directory())

    def times(self, mode: str = "drive") -> TravelTimes:
        """Travel times on the configured road network."""
        with self._lock:
            if mode not in self._times:
                network = load_roads(self.settings.data_dir, self.settings.roads.network)
                self._times[mode] = TravelTimes(
                    network, mode, cache_dir=self.settings.cache_dir / network.name,
                    max_snap_m=self.settings.roads.max_snap_km * 1000,
                )  # fmt: skip
            return self._times[mode]


#: A kind of job: from the worker's context, the request and a progress reporter to (result, closing message).
Runner = Callable[[WorkerContext, Mapping[str, Any], Progress], tuple[Mapping[str, Any], str]]


class JobQueue:
    """The queue of long jobs of one installation (the site submits; :meth:`worker` runs them).

    Parameters
    ----------
    settings
        Where the database, the queue and the data are.
    runners
        The kinds of job this queue runs, by name (``plan``: :func:`outreach_map.jobs.plans.run_plan`).
    name
        The queue's name in its storage.
    """

    def __init__(self, settings: Settings, runners: Mapping[str, Runner], *, name: str = "outreach_map") -> None:
        self.settings = settings
        self.runners = dict(runners)
        self.huey = _huey(settings, name)
        self._task = self.huey.task(name="run_job")(self._run)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"

    @cached_property
    def engine(self) -> Engine:
        """The database, migrated (and seeded on first use)."""
        engine = open_engine(database_url(self.settings.instance_dir, self.settings.web.database_url))
        ensure_directory(
            engine, services_dir(self.settings.data_dir), review_months=self.settings.directory.review_months,
            lead_organization=self.settings.directory.lead_organization,
        )  # fmt: skip
        return engine

    @cached_property
    def context(self) -> WorkerContext:
        return WorkerContext(self.settings, self.engine)

    def submit(
        self, kind: str, title: str, request: Mapping[str, Any], *, time_limit: float, created_by: str | None
    ) -> str:
        """Record a job and queue it; its id.

        Raises
        ------
        JobError
            When the queue cannot be reached (the job is recorded as failed, saying so).
        """
        if kind not in self.runners:
            msg = f"unknown kind of job {kind!r}"
            raise JobError(msg)
        job_id = records.create_job(
            self.engine, kind=kind, title=title, request=request, time_limit=time_limit, created_by=created_by
        )
        self.enqueue(job_id)
        return job_id

    def enqueue(self, job_id: str) -> None:
        """Put a recorded job on the queue (the job fails, saying why, when the queue cannot be reached)."""
        try:
            self._task(job_id)
        except Exception as exc:  # redis or sqlite: the storage's own errors
            LOG.warning("cannot queue job %s: %s", job_id, exc)
            msg = f"the job queue ({queue_description(self.settings)}) cannot be reached: {exc.__class__.__name__}"
            records.fail_job(self.engine, job_id, msg)
            raise JobError(msg) from None

    def get(self, job_id: str) -> records.JobView | None:
        return records.get_job(self.engine, job_id)

    def worker(self, *, workers: int = 1, signals: bool = False) -> Worker:
        """A worker for this queue (``signals``: stop on SIGINT/SIGTERM, for the ``worker`` command)."""
        return Worker(self, workers=workers, signals=signals)

    def _run(self, job_id: str) -> None:
        """The task: claim the job, run it, store its result or its error."""
        claimed = records.claim_job(self.engine, job_id, self.worker_id)
        if claimed is None:
            return  # done, failed, or running elsewhere: a duplicate message
        progress = Progress(self.engine, job_id)
        runner = self.runners.get(str(claimed.get("kind")))
        try:
            if runner is None:
                msg = f"this worker cannot run jobs of kind {claimed.get('kind')!r}"
                raise JobError(msg)
            result, message = runner(self.context, claimed, progress)
            records.finish_job(self.engine, job_id, result, message)
        except OutreachError as exc:  # a user's mistake: its sentence names what to fix
            records.fail_job(self.engine, job_id, str(exc))
        except Exception as exc:  # a fault: logged by the worker, never a traceback on a page
            LOG.exception("job %s failed", job_id)
            msg = f"the job failed unexpectedly ({exc.__class__.__name__}); the details are in the worker's log"
            records.fail_job(self.engine, job_id, msg)


def _alive_here(worker: str) -> bool:
    """Whether a worker (``host:pid:tag``) of this host still runs; ``True`` for other hosts (ask the clock)."""
    host, _, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname():
        return True
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Consumer(Consumer):  # type: ignore[misc]
    """huey's consumer, with its signal handlers only where asked (the ``worker`` command, not threads in tests)."""

    def __init__(self, huey: Huey, *, signals: bool, **options: Any) -> None:
        self._signals = signals
        super().__init__(huey, **options)

    def _set_signal_handlers(self) -> None:
        if self._signals:
            super()._set_signal_handlers()


class Worker:
    """Runs the queue's jobs, one at a time by default (plans use both cores of a small server)."""

    def __init__(self, queue: JobQueue, *, workers: int = 1, signals: bool = False) -> None:
        self.queue = queue
        self.consumer = _Consumer(
            queue.huey, signals=signals, workers=workers, periodic=False, worker_type="thread",
            initial_delay=0.05, max_delay=1.0, backoff=1.5,
        )  # fmt: skip

    def recover(self) -> list[str]:
        """Queue again the jobs whose worker died, and queued jobs missing from the queue; their ids."""
        engine = self.queue.engine
        requeued = records.requeue_orphans(engine, alive=_alive_here)
        pending = {str(task.args[0]) for task in self.queue.huey.pending() if task.args}
        missing = [job_id for job_id in records.queued_ids(engine) if job_id not in pending]
        for job_id in missing:
            self.queue.enqueue(job_id)
        if requeued:
            LOG.warning("queued again %d job(s) whose worker had stopped: %s", len(requeued), ", ".join(requeued))
        return missing

    def start(self) -> None:
        """Start in threads of this process (returns at once; :meth:`stop` ends them)."""
        self.recover()
        _ = self.queue.context  # the data are loaded when the first job runs
        self.consumer.start()

    def stop(self, *, graceful: bool = True) -> None:
        self.consumer.stop(graceful=graceful)

    def run(self) -> None:
        """Run until SIGINT (finish the running job) or SIGTERM (stop now; the job runs again on restart)."""
        self.recover()
        self.consumer.run()
