"""Benchmark: how stable a re-plan is. One stop added, one removed, one frequency changed on the example plan.

    python benchmarks/bench_replan.py [--request routes/example-2-vans.toml] [--plan routes/example-2-vans]
        [--time-limit S] [--seed N]

Each change is made to the example request and planned again with
:func:`outreach_map.timetabling.make_timetable`, locking the published
timetable's entries (as ``outreach-map plan --lock-from`` does). Then the
entries of the public timetable are compared (:func:`outreach_map.timetabling.timetable_changes`):
how many *other* stops' entries (weekday, weeks, times) changed, besides the
stop that was added, removed or changed. Target: none for a removal, and at
most the entries of the run that takes a new stop. Every re-plan is checked by
the one checker. The last line reads
``replan: other entries changed: add N (run of M), remove N, frequency N; check ok``.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from outreach_map.config import load_settings
from outreach_map.dataset import load_dataset
from outreach_map.published import TIMETABLE_FILE, Timetable, check_timetable, load_timetable
from outreach_map.roads import load_roads
from outreach_map.timetabling import SearchOptions, depot_choices, make_timetable, parse_request, timetable_changes
from outreach_map.traveltime import TravelTimes

ROOT = Path(__file__).resolve().parents[1]


def _entries(t: Timetable) -> dict[str, tuple[str, tuple[int, ...], str, str]]:
    return {s.id: (e.weekday, e.weeks, e.arrive, e.depart) for s in t.stops if (e := s.entry) is not None}


def others_changed(before: Timetable, after: Timetable, changed: str) -> list[str]:
    """Stops other than ``changed`` whose entry moved, appeared or went."""
    old, new = _entries(before), _entries(after)
    return sorted(k for k in old.keys() | new.keys() if k != changed and old.get(k) != new.get(k))


def run_size(after: Timetable, stop: str) -> int:
    """Stops on the runs that visit ``stop`` (the largest), less the stop itself."""
    sizes = [len(r.visits) - 1 for r in after.runs if any(v.stop == stop for v in r.visits)]
    return max(sizes, default=0)


def _scenarios(doc: dict[str, Any], plan: Timetable, data_villages: list[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, the stop changed, the request with the change) for the three changes."""
    served = sorted(plan.served_stops, key=lambda s: (-s.population, s.id))
    in_plan = {s.id for s in plan.stops}
    # the largest village of the area that the plan leaves out (a town keeps its own library)
    left_out = [v for v in data_villages if v.in_core_area and v.id not in in_plan and v.kind != "town"]
    extra = max(left_out, key=lambda v: v.population)
    removed = served[len(served) // 2]
    changed = next(s for s in served if s.frequency_weeks == 2 and s.id != removed.id)

    def with_stop(table: dict[str, Any]) -> dict[str, Any]:
        return {**doc, "stops": [*doc.get("stops", []), table]}

    return [
        ("add", extra.id, with_stop({"id": extra.id})),
        ("remove", removed.id, with_stop({"id": removed.id, "exclude": True})),
        ("frequency", changed.id, with_stop({"id": changed.id, "frequency_weeks": 4})),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--request", type=Path, default=ROOT / "routes" / "example-2-vans.toml")
    parser.add_argument("--plan", type=Path, default=ROOT / "routes" / "example-2-vans")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per re-plan")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = load_settings()
    data = load_dataset(settings.data_dir)
    times = TravelTimes(load_roads(settings.data_dir), cache_dir=settings.cache_dir / "bench-replan")
    doc = tomllib.loads(args.request.read_text(encoding="utf-8"))
    published = load_timetable(args.plan / TIMETABLE_FILE)
    print(f"re-planning {published.plan_id}: {len(published.served_stops)} stops served, {len(published.runs)} runs")
    results: dict[str, tuple[int, int]] = {}
    problems: list[str] = []
    for name, stop, request_doc in _scenarios(doc, published, list(data.villages)):
        request = parse_request(request_doc, args.request, depots=depot_choices(data), defaults=settings.planner)
        made = make_timetable(request, data, times, locked=published, search=SearchOptions(args.time_limit, args.seed))
        others = others_changed(published, made.timetable, stop)
        problems += check_timetable(made.timetable, times)
        size = run_size(made.timetable, stop) if name == "add" else 0
        results[name] = (len(others), size)
        print(f"  {name} {stop}: lock '{made.lock}', {len(timetable_changes(published, made.timetable))} changes, "
              f"{len(others)} other entries changed{f' (the run taking it has {size} others)' if name == 'add' else ''}"
              + (f": {', '.join(others[:8])}" if others else ""))  # fmt: skip
    verdict = "ok" if not problems else f"FAILED ({len(problems)} violations: {'; '.join(problems[:3])})"
    add, remove, freq = results["add"], results["remove"], results["frequency"]
    print(f"replan: other entries changed: add {add[0]} (run of {add[1]}), remove {remove[0]}, frequency {freq[0]}; "
          f"check {verdict}")  # fmt: skip
    return int(bool(problems))


if __name__ == "__main__":
    sys.exit(main())
