"""Plans as jobs: a timetable request made in the worker, its result stored, published once.

The site checks the request in full before queueing it
(:func:`outreach_map.timetabling.build_problem`), then queues the form's
tables, the search time and the published timetable to keep (as it was when
the job was asked for). The worker reads the request again against the
data as they are when it runs, and calls
:func:`~outreach_map.timetabling.make_timetable`, as the ``plan`` command
does. The result is the timetable with what changed from the kept one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audit import record_event
from ..db.engine import session_scope
from ..directory import Directory
from ..exports import publish_timetable
from ..planner import Progress as SolverProgress
from ..published import Timetable
from ..timetabling import Attempt, SearchOptions, make_timetable, market_town_depots, parse_request
from . import records
from .queue import Progress, WorkerContext

__all__ = ["PLAN", "PlanResult", "plan_job_request", "publish_plan_job", "run_plan"]

#: The kind of a plan job.
PLAN = "plan"
#: Errors in a queued request name it so.
_SOURCE = Path("plan form")


def plan_job_request(tables: Mapping[str, Any], *, seed: int = 0, locked: Timetable | None = None) -> dict[str, Any]:
    """What a plan job carries: the request's tables, the seed and the timetable to keep (JSON)."""
    return {"tables": dict(tables), "seed": seed, "locked": locked.to_json() if locked is not None else None}


@dataclass(frozen=True, slots=True)
class PlanResult:
    """A plan job's result: the timetable, what changed from the kept timetable (``None``: none kept), and why
    entries of the kept timetable could not be kept (``lock_notes``)."""

    timetable: Timetable
    changes: tuple[str, ...] | None
    compared_with: str | None
    lock: str
    lock_notes: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanResult:
        timetable = Timetable.from_json(data["timetable"], source=Path("job result"))
        changes = data.get("changes")
        return cls(timetable, None if changes is None else tuple(changes), data.get("compared_with"), data["lock"],
                   tuple(data.get("lock_notes", ())))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        changes = None if self.changes is None else list(self.changes)
        return {"timetable": self.timetable.to_json(), "changes": changes, "compared_with": self.compared_with,
                "lock": self.lock, "lock_notes": list(self.lock_notes)}  # fmt: skip


def run_plan(context: WorkerContext, request: Mapping[str, Any], progress: Progress) -> tuple[dict[str, Any], str]:
    """Make the timetable of a queued request (in the worker); its result and a closing sentence."""
    data = context.data()
    plan_request = parse_request(
        request["tables"], _SOURCE, depots=market_town_depots(data), defaults=context.settings.planner
    )
    kept = request.get("locked")
    locked = Timetable.from_json(kept, source=Path("routes") / str(kept.get("plan_id"))) if kept else None
    time_limit = float(request["time_limit"])

    def solver_progress(report: SolverProgress) -> None:
        progress(100 * report.elapsed / max(time_limit, 1), f"{report.phase}: {report.iterations} iterations, "
                 f"{report.distance:.0f} km")  # fmt: skip

    def attempt(tried: Attempt) -> None:
        progress(0, f"planning, published entries locked: {tried.lock}" if locked else "planning", force=True)

    made = make_timetable(
        plan_request, data, context.times("drive"), locked=locked,
        search=SearchOptions(time_limit=time_limit, seed=int(request.get("seed", 0))),
        progress=solver_progress, on_attempt=attempt,
    )  # fmt: skip
    result = PlanResult(made.timetable, made.changes, made.compared_with, made.lock, made.lock_notes)
    served = len(made.timetable.served_stops)
    return result.to_json(), f"{served} of {len(made.timetable.stops)} stops served"


def publish_plan_job(
    engine: Any, job: records.JobView, routes_dir: Path, *, directory: Directory | None, user: str | None
) -> Path:
    """Publish a done plan job to ``routes_dir/<plan-id>``, once (recorded in the audit log).

    Raises
    ------
    JobError
        When the job is not done or was published already (naming when and by whom).
    PublishError
        When the timetable cannot be published; the job stays unpublished.
    """
    if job.result is None:
        records.mark_published(engine, job.id, user)  # raises: not done
    assert job.result is not None
    timetable = PlanResult.from_json(job.result).timetable
    records.mark_published(engine, job.id, user)
    try:
        folder = publish_timetable(timetable, routes_dir, directory=directory)
    except BaseException:
        records.unmark_published(engine, job.id)
        raise
    with session_scope(engine) as session:
        record_event(session, "publish", user_name=user, target=f"plan {timetable.plan_id}", detail=job.id)
    return folder
