"""Benchmark: the planner's single-day engine on Solomon VRPTW instances.

    python benchmarks/bench_vrptw.py [--time-limit 10] [--bks FILE] [--instances C101,R112] [--seed 0] [FILES...]

Default: every ``*.txt`` in ``../shared/benchmarks/vrptw/`` at 10 s each, read
by :func:`outreach_map.planner.read_solomon` into a one-day plan request and
solved by :func:`outreach_map.planner.solve`. Each solution is checked here,
independently: every customer once, capacity, time windows recomputed from the
route order (travel time = Euclidean distance, waiting allowed, back at the
depot by its due date), at most the given number of vehicles; the distance is
recomputed in double precision. Gaps are to the ``distance`` rows of
``bks.csv``. The last line reads ``vrptw: mean gap G% over N instances``.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from itertools import pairwise
from pathlib import Path

from outreach_map.planner import read_solomon, solve

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "vrptw"


def parse(path: Path) -> tuple[int, float, list[list[float]]]:
    """Vehicle count, capacity and customer rows (no, x, y, demand, ready, due, service)."""
    rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    at = next(k for k, r in enumerate(rows) if r[0].upper() == "VEHICLE")
    count, capacity = int(rows[at + 2][0]), float(rows[at + 2][1])
    customers = [[float(v) for v in r[:7]] for r in rows if len(r) >= 7 and r[0].isdigit()]
    return count, capacity, customers


def check(path: Path, routes: list[list[int]]) -> tuple[float, list[str]]:
    count, capacity, rows = parse(path)
    problems: list[str] = []
    cost = 0.0
    seen: list[int] = []

    def d(a: int, b: int) -> float:
        return math.dist(rows[a][1:3], rows[b][1:3])

    for route in routes:
        path_ = [0, *route, 0]
        t = rows[0][4]
        for a, b in pairwise(path_):
            cost += d(a, b)
            t = max(t + (rows[a][6] if a else 0.0) + d(a, b), rows[b][4])
            if t > rows[b][5] + 1e-6:
                problems.append(f"customer {b}: starts at {t:.3f}, due {rows[b][5]:g}")
        if sum(rows[c][3] for c in route) > capacity + 1e-9:
            problems.append(f"route {route[:3]}...: over capacity")
        seen.extend(route)
    if sorted(seen) != list(range(1, len(rows))):
        problems.append("not every customer visited exactly once")
    if len(routes) > count:
        problems.append(f"{len(routes)} vehicles > {count}")
    return cost, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--bks", type=Path, default=SHARED / "bks.csv")
    parser.add_argument("--instances", default="")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    files = args.files or sorted(SHARED.glob("*.txt"))
    if args.instances:
        wanted = {name.strip().upper() for name in args.instances.split(",")}
        files = [f for f in files if f.stem.upper() in wanted]
    bks: dict[str, float] = {}
    if args.bks.is_file():
        with args.bks.open(encoding="utf-8") as handle:
            bks = {r["instance"]: float(r["distance"]) for r in csv.DictReader(handle) if r["objective"] == "distance"}
    print(f"{'instance':9} {'routes':>6} {'distance':>10} {'bks':>10} {'gap%':>7} {'time s':>7}  check")
    gaps: list[float] = []
    bad: list[str] = []
    for path in files:
        start = time.perf_counter()
        plan = solve(read_solomon(path), time_limit=args.time_limit, seed=args.seed)
        elapsed = time.perf_counter() - start
        routes = [[int(v.stop) for v in run.visits] for run in plan.runs]
        cost, problems = check(path, routes)
        best = bks.get(path.stem)
        gap = 100.0 * (cost / best - 1.0) if best else math.nan
        if problems:
            bad.append(path.stem)
        elif best:
            gaps.append(gap)
        status = "ok" if not problems else "; ".join(problems[:3])
        print(
            f"{path.stem:9} {len(routes):6d} {cost:10.2f} {best or math.nan:10.2f} {gap:7.2f} {elapsed:7.1f}  {status}",
            flush=True,
        )
    mean = sum(gaps) / len(gaps) if gaps else math.nan
    tail = f", infeasible: {', '.join(bad)}" if bad else ""
    print(f"vrptw: mean gap {mean:.2f}% over {len(gaps)} instances{tail}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
