"""Benchmark: a real council's mobile-library timetable against the planner's, on the same stops and vans.

    python benchmarks/bench_council.py [--stops FILE] [--authority NAME] [--time-limit S] [--seed N]
        [--depot VAN=LAT,LON ...] [--write-stops FILE [--write-request FILE.toml] [--only-write]]

``--write-stops`` writes the council's stops as a stops file, ``--write-request``
a plan request beside it with the council's cycle, vans, depots, weekdays,
shift, lunch and largest run (for ``outreach-map plan --config FILE.toml``), and
``--only-write`` stops there.

Reads the LibrariesHacked timetable format (default
``../shared/data/librarieshacked_mobile_library_stops_uk.csv``, read at run time and
never copied) and rebuilds the authority's own timetable
(:func:`outreach_map.planner.council.read_council`): vans, weekdays, runs with
their stops in arrival order, durations, frequencies from the recurrence rule,
the cycle. Both timetables are costed on the same proxy model (straight line x
1.32 at 40 km/h; depot to stops to depot; the depot of each van is printed).
The planner then plans the same stops with the same durations, frequencies,
vans and working weekdays, like with like: the council's own shift window and
lunch break, and at most as many stops per run as the council's largest run.
Its plan is checked independently (:func:`outreach_map.planner.check_solution`,
and again as a published timetable by :func:`outreach_map.published.check_timetable`).
A second line gives the plan without the limit on stops per run.

The last line reads ``council: AUTH van-days OURS vs THEIRS, km OURS vs THEIRS (-X%), all served, check ok``.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from outreach_map.clock import WEEKDAYS, format_clock
from outreach_map.planner import Location, PlanProblem, ProblemBuilder, Solution, check_solution, solve
from outreach_map.planner.council import (
    CouncilTimetable,
    read_council,
    shared_timetables,
    write_request_toml,
    write_stops_csv,
)
from outreach_map.published import Timetable, check_timetable, timetable_of

SHARED = shared_timetables(Path(__file__).resolve().parents[1])


@dataclass(frozen=True, slots=True)
class Figures:
    """What both timetables are compared on."""

    van_days: int
    km: float
    drive_h: float
    served: int
    stops: int
    largest: int

    @property
    def per_day(self) -> float:
        return self.served / max(self.van_days, 1)


def council_figures(council: CouncilTimetable) -> Figures:
    costs = [council.run_cost(r) for r in council.runs]
    return Figures(
        len(council.runs), sum(k for _, k in costs), sum(m for m, _ in costs) / 60, len(council.stops),
        len(council.stops), max(len(r.stops) for r in council.runs),
    )  # fmt: skip


def plan_figures(solution: Solution) -> Figures:
    return Figures(
        len(solution.runs), solution.distance_km, solution.drive_min / 60, len(solution.assignments),
        len(solution.problem.stops), max((len(r.visits) for r in solution.runs), default=0),
    )  # fmt: skip


def problem_of(council: CouncilTimetable, *, max_stops: int | None) -> PlanProblem:
    """The council's stops and vans as a plan request, with its shift, lunch and (if given) largest run."""
    start, end = council.shift()
    lunch, (lo, hi) = council.lunch()
    builder = ProblemBuilder(cycle_weeks=council.cycle_weeks, start_date=date(2027, 1, 4), name=council.authority)
    for van in council.vans:
        lat, lon = council.depots[van]
        builder.add_van(
            van, depot=Location(f"depot-{van}", f"{van} depot", lat, lon), shift_start=start, shift_end=end,
            break_minutes=lunch, break_window=(lo, hi), weekdays=list(council.weekdays(van)), max_stops=max_stops,
        )  # fmt: skip
    for s in council.stops:
        builder.add_stop(s.id, name=f"{s.community}, {s.name}", lat=s.lat, lon=s.lon, duration=s.duration,
                         frequency_weeks=s.frequency_weeks, population=100)  # fmt: skip
    return builder.build(proxy=council.model)


def checked(solution: Solution) -> list[str]:
    """The checker on the solution, then on it published (written to JSON and read back, on the proxy model)."""
    problems = check_solution(solution)
    published = timetable_of(solution, plan_id="council-bench")
    again = Timetable.from_json(published.to_json(), source=Path("plan.json"))
    return problems + check_timetable(again, None)


def print_side_by_side(theirs: Figures, ours: Figures, free: Figures, authority: str) -> None:
    rows = [
        ("van-days per cycle", f"{theirs.van_days}", f"{ours.van_days}", f"{free.van_days}"),
        ("km per cycle", f"{theirs.km:,.0f}", f"{ours.km:,.0f}", f"{free.km:,.0f}"),
        ("drive hours per cycle", f"{theirs.drive_h:.1f}", f"{ours.drive_h:.1f}", f"{free.drive_h:.1f}"),
        (
            "stops served",
            f"{theirs.served}/{theirs.stops}",
            f"{ours.served}/{ours.stops}",
            f"{free.served}/{free.stops}",
        ),
        ("stops per van-day", f"{theirs.per_day:.1f}", f"{ours.per_day:.1f}", f"{free.per_day:.1f}"),
        ("largest run (stops)", f"{theirs.largest}", f"{ours.largest}", f"{free.largest}"),
    ]
    print(f"\n{'':<24}{authority + ' (theirs)':>22}{'planned (ours)':>18}{'no stop limit':>16}")
    for name, a, b, c in rows:
        print(f"{name:<24}{a:>22}{b:>18}{c:>16}")


def print_runs(council: CouncilTimetable, solution: Solution) -> None:
    """Both timetables side by side, one line per van-day of the cycle: stops and km of each."""
    theirs = {(r.van, r.week, r.weekday): (len(r.stops), council.run_cost(r)[1]) for r in council.runs}
    ours = {(r.van, r.day.week, r.day.weekday): (len(r.visits), r.distance_km) for r in solution.runs}
    print(f"\n{'van':<12}{'week':>5} {'day':<4}{'theirs: stops':>14}{'km':>7}{'ours: stops':>13}{'km':>7}")
    for key in sorted(theirs.keys() | ours.keys(), key=lambda k: (k[0], k[1] or 0, k[2] or 0)):
        a, b = theirs.get(key, (0, 0.0)), ours.get(key, (0, 0.0))
        van, week, day = key
        print(f"{van:<12}{(week or 0) + 1:>5} {WEEKDAYS[day or 0]:<4}{a[0]:>14}{a[1]:>7.1f}{b[0]:>13}{b[1]:>7.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=Path, default=SHARED, help="LibrariesHacked timetable CSV")
    parser.add_argument("--authority", default="Warwickshire")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per plan")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--depot", action="append", default=[], metavar="VAN=LAT,LON", help="a van's depot")
    parser.add_argument("--write-stops", type=Path, default=None, help="also write the stops as a stops file")
    parser.add_argument("--write-request", type=Path, default=None, help="and a plan request for those stops")
    parser.add_argument("--only-write", action="store_true", help="write the files, do not plan")
    args = parser.parse_args(argv)
    if args.write_request is not None and args.write_stops is None:
        parser.error("--write-request needs --write-stops (the request names the stops file)")
    if not args.stops.is_file():
        print(f"skip: {args.stops} not found (the shared LibrariesHacked timetables)")
        return 0
    depots = {}
    for item in args.depot:
        van, _, where = item.partition("=")
        lat, lon = (float(x) for x in where.split(","))
        depots[van] = (lat, lon)
    council = read_council(args.stops, args.authority, depots=depots)
    if args.write_stops is not None:
        write_stops_csv(council, args.write_stops)
        print(f"wrote {args.write_stops}")
        if args.write_request is not None:
            stops_name = Path(os.path.relpath(args.write_stops.resolve(), args.write_request.resolve().parent))
            write_request_toml(council, args.write_request, stops_name.as_posix())
            print(f"wrote {args.write_request}")
        if args.only_write:
            return 0
    start, end = council.shift()
    lunch, (lo, hi) = council.lunch()
    theirs = council_figures(council)
    print(
        f"{council.authority}: {len(council.stops)} stops, {len(council.vans)} vans, {council.cycle_weeks}-week cycle, "
        f"shift {format_clock(start)}-{format_clock(end)}, lunch {lunch:g} min in {format_clock(lo)}-{format_clock(hi)}, "
        f"largest run {theirs.largest} stops; travel {council.model.source}"
    )
    for van in council.vans:
        lat, lon = council.depots[van]
        how = "given" if van in depots else "geometric median of its runs' first and last stops"
        print(f"  depot of {van}: ({lat:.5f}, {lon:.5f}), {how}")
    ours = solve(problem_of(council, max_stops=theirs.largest), time_limit=args.time_limit, seed=args.seed)
    free = solve(problem_of(council, max_stops=None), time_limit=args.time_limit, seed=args.seed)
    problems = checked(ours) + checked(free)
    print_runs(council, ours)
    a, b, c = theirs, plan_figures(ours), plan_figures(free)
    print_side_by_side(a, b, c, council.authority)
    for line in problems[:10]:
        print(f"  violation: {line}")
    print(f"unconstrained: {council.authority} van-days {c.van_days} vs {a.van_days}, km {c.km:.0f} vs {a.km:.0f} "
          f"({100 * (c.km / a.km - 1):+.0f}%), {c.per_day:.1f} stops per van-day vs {a.per_day:.1f}")  # fmt: skip
    served = "all served" if b.served == b.stops else f"{b.stops - b.served} unserved"
    print(
        f"council: {council.authority} van-days {b.van_days} vs {a.van_days}, km {b.km:.0f} vs {a.km:.0f} "
        f"({100 * (b.km / a.km - 1):+.0f}%), {served}, check {'ok' if not problems else 'FAILED'}"
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
