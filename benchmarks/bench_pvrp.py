"""Benchmark: the periodic engine vs the naive baseline on Cordeau-format periodic VRP instances.

    python benchmarks/bench_pvrp.py [--time-limit 60] [--bks FILE] [--instances p01,p02] [--seed 0] [--jobs 1] [FILES...]

Default: every ``*.txt`` in ``../shared/benchmarks/pvrp/`` at 60 s each. For each
instance, in the same run, the planner's periodic search
(:func:`outreach_map.planner.solve`) and the naive baseline (balance the visits
over the days, then PyVRP on each day, :func:`outreach_map.planner.solve_baseline`)
each get the time limit. Every solution is checked here, independently of the
solver and of its reader: the file is parsed again, and each customer must be
visited on exactly the days of one of its allowed patterns, each route must
respect the capacity and the duration limit, each day must use at most ``m``
vehicles, and the cost is recomputed from the coordinates (Euclidean, double
precision, total over all days). Gaps are to the best-known costs of
``bks.csv`` (used only for the report, never by the search). Column ``to 1%``
is the time-to-target: seconds from the call until the engine's incumbent (as its
progress reports give it) was first within 1% of the best-known cost, ``-`` if
never. ``--jobs N`` runs N instances side by side, each in its own process
(each search is single-threaded; use at most as many jobs as there are idle
cores, or the time limit buys less search). The last line reads
``pvrp: mean gap G% (baseline B%) over N instances, all feasible``.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path

from outreach_map.planner import Progress, Solution, read_cordeau, solve, solve_baseline

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "pvrp"


@dataclass
class Instance:
    """The file as this checker reads it (independently of the planner's reader)."""

    m: int
    t: int
    limits: list[tuple[float, float]]  # (D, Q) per day
    xy: list[tuple[float, float]]
    service: list[float]
    demand: list[float]
    freq: list[int]
    patterns: list[set[frozenset[int]]]


def parse(path: Path) -> Instance:
    rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    _, m, n, t = (int(v) for v in rows[0][:4])
    limits = [(float(r[0]), float(r[1])) for r in rows[1 : 1 + t]]
    xy, service, demand, freq, patterns = [], [], [], [], []
    for r in rows[1 + t : 2 + t + n]:
        xy.append((float(r[1]), float(r[2])))
        service.append(float(r[3]))
        demand.append(float(r[4]))
        freq.append(int(r[5]))
        codes = [int(c) for c in r[7 : 7 + int(r[6])]]
        patterns.append({frozenset(k for k in range(t) if (c >> (t - 1 - k)) & 1) for c in codes})
    return Instance(m, t, limits, xy, service, demand, freq, patterns)


def check(inst: Instance, routes: list[tuple[int, list[int]]]) -> tuple[float, list[str]]:
    """Cost and violations of routes given as (day from 0, customers in order)."""
    problems: list[str] = []
    cost = 0.0
    days_of: dict[int, list[int]] = {}
    per_day: dict[int, int] = {}

    def d(a: int, b: int) -> float:
        return math.dist(inst.xy[a], inst.xy[b])

    for day, customers in routes:
        if not customers:
            continue
        per_day[day] = per_day.get(day, 0) + 1
        path = [0, *customers, 0]
        travel = sum(d(a, b) for a, b in pairwise(path))
        cost += travel
        duration = travel + sum(inst.service[c] for c in customers)
        load = sum(inst.demand[c] for c in customers)
        limit_d, limit_q = inst.limits[day]
        if load > limit_q + 1e-9:
            problems.append(f"day {day + 1}: load {load:g} > Q {limit_q:g}")
        if limit_d > 0 and duration > limit_d + 1e-6:
            problems.append(f"day {day + 1}: duration {duration:.3f} > D {limit_d:g}")
        for c in customers:
            days_of.setdefault(c, []).append(day)
    for day, count in per_day.items():
        if count > inst.m:
            problems.append(f"day {day + 1}: {count} vehicles > m {inst.m}")
    for c in range(1, len(inst.xy)):
        got = days_of.get(c, [])
        if len(got) != inst.freq[c] or frozenset(got) not in inst.patterns[c] or len(set(got)) != len(got):
            problems.append(f"customer {c}: visited on days {sorted(k + 1 for k in got)}, not an allowed pattern")
    return cost, problems


def routes_of(plan: Solution) -> list[tuple[int, list[int]]]:
    return [(run.day.index, [int(v.stop) for v in run.visits]) for run in plan.runs]


def load_bks(path: Path) -> dict[str, float]:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        return {row["instance"]: float(row["bks_cost"]) for row in csv.DictReader(handle)}


@dataclass
class Row:
    """One instance's line: the engine's cost, gap and time to 1%, and the baseline's cost and gap."""

    name: str
    customers: int
    days: int
    cost: float
    gap: float
    elapsed: float
    to_one_percent: float | None
    base_cost: float
    base_gap: float
    problems: list[str]
    base_problems: list[str]


def gap_of(cost: float, best: float | None) -> float:
    return 100.0 * (cost / best - 1.0) if best and not math.isnan(cost) else math.nan


def solved(inst: Instance, plan: Solution) -> tuple[float, list[str]]:
    """Cost and problems of a plan, as this checker sees them (unserved customers are a problem)."""
    cost, problems = check(inst, routes_of(plan))
    if plan.unserved:
        problems.append(f"{len(plan.unserved)} customers unserved")
    return cost, problems


def run(path: Path, best: float | None, *, time_limit: float, seed: int, baseline: bool) -> Row:
    """Solve one instance with the engine (watching for the first incumbent within 1%) and the baseline."""
    inst = parse(path)
    problem = read_cordeau(path)
    reached: list[float] = []
    start = time.perf_counter()

    def watch(progress: Progress) -> None:
        if best and not reached and progress.distance <= 1.01 * best:
            reached.append(time.perf_counter() - start)

    plan = solve(problem, time_limit=time_limit, seed=seed, progress=watch)
    elapsed = time.perf_counter() - start
    cost, problems = solved(inst, plan)
    if reached and gap_of(cost, best) > 1.0:  # the search's distance is rounded: trust the check
        reached.clear()
    base_cost, base_problems = math.nan, list[str]()
    if baseline:
        base_cost, base_problems = solved(inst, solve_baseline(problem, time_limit=time_limit, seed=seed))
    return Row(
        path.stem, len(inst.xy) - 1, inst.t, cost, gap_of(cost, best), elapsed, reached[0] if reached else None,
        base_cost, gap_of(base_cost, best), problems, base_problems,
    )  # fmt: skip


def run_named(path: Path, *, bks: dict[str, float], time_limit: float, seed: int, baseline: bool) -> Row:
    """:func:`run` with the best-known cost looked up by the file's name (for a process pool)."""
    return run(path, bks.get(path.stem), time_limit=time_limit, seed=seed, baseline=baseline)


HEADER = f"{'instance':9} {'n':>4} {'t':>3} {'cost':>10} {'gap%':>7} {'time s':>7} {'to 1%':>6} {'base':>10} {'gap%':>7}  check"


def line(row: Row) -> str:
    status = "ok" if not row.problems and not row.base_problems else "; ".join((row.problems + row.base_problems)[:3])
    to_one = "-" if row.to_one_percent is None else f"{row.to_one_percent:.1f}"
    return (
        f"{row.name:9} {row.customers:4d} {row.days:3d} {row.cost:10.2f} {row.gap:7.2f} {row.elapsed:7.1f} "
        f"{to_one:>6} {row.base_cost:10.2f} {row.base_gap:7.2f}  {status}"
    )


def summary(rows: list[Row]) -> list[str]:
    """The closing lines: worst gap, and the mean gaps of the engine and the baseline over the checked instances."""
    gaps = [r.gap for r in rows if not r.problems and not math.isnan(r.gap)]
    base_gaps = [r.base_gap for r in rows if not r.base_problems and not math.isnan(r.base_gap)]
    infeasible = [f"{r.name} (engine)" for r in rows if r.problems]
    infeasible += [f"{r.name} (baseline)" for r in rows if r.base_problems]
    mean = sum(gaps) / len(gaps) if gaps else math.nan
    base_mean = sum(base_gaps) / len(base_gaps) if base_gaps else math.nan
    reached = sum(1 for r in rows if r.to_one_percent is not None)
    verdict = "all feasible" if not infeasible else "infeasible: " + ", ".join(infeasible)
    return [
        f"worst gap {max(gaps) if gaps else math.nan:.2f}%; within 1% of the best known on {reached} of {len(rows)}",
        f"pvrp: mean gap {mean:.2f}% (baseline {base_mean:.2f}%) over {len(gaps)} instances, {verdict}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="instance files (default: all in ../shared)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance and method")
    parser.add_argument("--bks", type=Path, default=SHARED / "bks.csv", help="best-known costs (csv)")
    parser.add_argument("--instances", default="", help="comma-separated names to run, e.g. p01,p02")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument("--jobs", type=int, default=1, help="instances solved side by side, one process each")
    args = parser.parse_args(argv)
    files = args.files or sorted(SHARED.glob("*.txt"))
    if args.instances:
        wanted = {name.strip() for name in args.instances.split(",") if name.strip()}
        files = [f for f in files if f.stem in wanted]
    if not files:
        print("no instance files", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"--jobs {args.jobs}: expected at least 1", file=sys.stderr)
        return 2
    bks = load_bks(args.bks)
    print(HEADER)
    rows = []
    solve_one = partial(run_named, bks=bks, time_limit=args.time_limit, seed=args.seed, baseline=not args.no_baseline)
    with ProcessPoolExecutor(max_workers=args.jobs) if args.jobs > 1 else nullcontext() as pool:
        results = pool.map(solve_one, files) if pool is not None else map(solve_one, files)
        for row in results:  # in the order of the files
            print(line(row), flush=True)
            rows.append(row)
    for text in summary(rows):
        print(text)
    return 0 if all(not r.problems and not r.base_problems for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
