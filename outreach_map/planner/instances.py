"""Benchmark readers: Cordeau-format periodic VRP files and Solomon VRPTW files.

Both read into the same :class:`~outreach_map.planner.problem.PlanProblem` as a
timetable, over a general horizon of days: every customer is a required stop,
every vehicle a van, and the matrices hold Euclidean distances in double
precision with no rounding (travel time equals distance), the convention of the
published best-known costs.

Cordeau format (``../shared/benchmarks/pvrp/FORMAT.md``)::

    type m n t                       line 1 (type 1 = PVRP; 0, 4, 5 also read)
    D Q                              t lines, one per day (D = 0: no duration limit)
    i x y d q f a c_1 .. c_a [e l]   n + 1 lines, depot first

A visit combination ``c`` is a t-bit number whose most significant bit is day
1. The ``m`` vehicles are available on every day. p01 has a *fleet blocker*:
customer 51 on the depot with q = Q and the single pattern "day 1"; it is read
as an ordinary stop, so a solution routes it as a zero-length run that takes
one of day 1's vans, as in the CMT1 instance it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import DataFileError, ProblemError
from .builder import ProblemBuilder
from .problem import PlanProblem

__all__ = ["euclidean", "read_cordeau", "read_solomon"]

FloatArray = npt.NDArray[np.float64]


def euclidean(xy: npt.ArrayLike) -> FloatArray:
    """Pairwise Euclidean distances of ``(n, 2)`` coordinates, double precision."""
    pts = np.asarray(xy, dtype=float)
    out: FloatArray = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=-1))
    return out


def _lines(path: Path) -> list[tuple[int, list[str]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise DataFileError(path, f"cannot read the file ({exc})") from None
    return [(k, line.split()) for k, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _number(path: Path, line: int, field: str, token: str | None, *, integer: bool = False) -> float:
    if token is None:
        raise DataFileError(path, "missing value", line=line, field=field)
    try:
        value = float(token)
    except ValueError:
        raise DataFileError(path, f"{token!r} is not a number", line=line, field=field) from None
    if not np.isfinite(value):
        raise DataFileError(path, f"{token!r} is not a finite number", line=line, field=field)
    if integer and value != int(value):
        raise DataFileError(path, f"{token!r} is not a whole number", line=line, field=field)
    return value


@dataclass(frozen=True, slots=True)
class _Node:
    """A node line of a Cordeau file: position, service time, demand, allowed day sets, time window."""

    x: float
    y: float
    duration: float
    demand: int
    patterns: tuple[frozenset[int], ...]
    window: tuple[float, float] | None


def read_cordeau(path: Path | str) -> PlanProblem:
    """Read a Cordeau-format PVRP (type 1), VRP (0), VRPTW (4) or PVRPTW (5) file.

    Raises
    ------
    DataFileError
        Naming the file, line and field of the first malformed value.
    """
    path = Path(path)
    lines = _lines(path)
    kind, m, n, t = _cordeau_header(path, lines)
    day_limits = [_day_limit(path, *lines[1 + k]) for k in range(t)]
    nodes = [_cordeau_node(path, k, t, kind in (4, 5), *lines[1 + t + k]) for k in range(n + 1)]
    builder = ProblemBuilder(days=t, name=path.stem, strict=False)
    builder.add_location("0", name="depot", x=nodes[0].x, y=nodes[0].y)
    depot_window = nodes[0].window
    groups: dict[tuple[float, int], list[int]] = {}
    for day, limit in enumerate(day_limits):
        groups.setdefault(limit, []).append(day)
    for g, ((d_limit, q_limit), van_days) in enumerate(groups.items()):
        for v in range(m):
            suffix = f"-{g + 1}" if len(groups) > 1 else ""
            builder.add_van(
                f"vehicle-{v + 1}{suffix}", depot="0", days=van_days, capacity=q_limit,
                shift_start=depot_window[0] if depot_window else 0.0,
                shift_end=depot_window[1] if depot_window else None,
                break_minutes=0.0, max_duration=d_limit if d_limit > 0 else None,
            )  # fmt: skip
    for k, node in enumerate(nodes[1:], start=1):
        builder.add_location(str(k), x=node.x, y=node.y)
        try:
            builder.add_stop(
                str(k), location=str(k), duration=node.duration, demand=node.demand, patterns=node.patterns,
                required=True, time_windows=[node.window] if node.window else (),
            )  # fmt: skip
        except ProblemError as exc:
            raise DataFileError(path, str(exc), line=lines[1 + t + k][0]) from None
    matrix = euclidean(np.array([[node.x, node.y] for node in nodes]))
    return builder.build(minutes=matrix, km=matrix, network_source="euclidean (double precision)", approximate=False)


def _cordeau_header(path: Path, lines: list[tuple[int, list[str]]]) -> tuple[int, int, int, int]:
    """``type m n t`` of line 1, checked, and the file long enough for them."""
    if not lines:
        raise DataFileError(path, "empty file; expected the header 'type m n t'")
    no, head = lines[0]
    names = ("type", "m", "n", "t")
    kind, m, n, t = (
        int(_number(path, no, f, head[k] if k < len(head) else None, integer=True)) for k, f in enumerate(names)
    )
    if kind not in (0, 1, 4, 5):
        raise DataFileError(
            path, f"problem type {kind} is not supported; expected 0 (VRP), 1 (PVRP), 4 (VRPTW) or 5 (PVRPTW)",
            line=no, field="type",
        )  # fmt: skip
    for field, value in (("m", m), ("n", n), ("t", t)):
        if value < 1:
            raise DataFileError(path, f"{value} is out of range; expected at least 1", line=no, field=field)
    if t > 62:
        raise DataFileError(path, f"{t} days; expected at most 62", line=no, field="t")
    if len(lines) < 1 + t + n + 1:
        raise DataFileError(
            path, f"{len(lines)} non-blank lines; expected 1 + {t} day lines + {n + 1} node lines", line=lines[-1][0]
        )
    return kind, m, n, t


def _day_limit(path: Path, no: int, tok: list[str]) -> tuple[float, int]:
    """``D Q`` of a day line: the duration limit (0: none) and the capacity."""
    d = _number(path, no, "D", tok[0] if tok else None)
    q = int(_number(path, no, "Q", tok[1] if len(tok) > 1 else None, integer=True))
    if d < 0 or q < 0:
        raise DataFileError(path, "expected D >= 0 and Q >= 0", line=no, field="D" if d < 0 else "Q")
    return d, q


def _cordeau_node(path: Path, k: int, t: int, windows: bool, no: int, tok: list[str]) -> _Node:
    """``i x y d q f a c_1 .. c_a [e l]`` of node ``k``, checked."""

    def get(j: int, field: str, *, integer: bool = False) -> float:
        return _number(path, no, field, tok[j] if j < len(tok) else None, integer=integer)

    ident = int(get(0, "i", integer=True))
    if ident != k:
        raise DataFileError(path, f"node id {ident}; expected {k} (nodes in order, depot 0 first)", line=no, field="i")
    x, y, d = get(1, "x"), get(2, "y"), get(3, "d")
    q, f, a = (int(get(j, name, integer=True)) for j, name in ((4, "q"), (5, "f"), (6, "a")))
    if d < 0 or q < 0:
        raise DataFileError(path, "expected d >= 0 and q >= 0", line=no, field="d" if d < 0 else "q")
    patterns = []
    for j in range(a):
        code = int(get(7 + j, f"c_{j + 1}", integer=True))
        if not 0 < code < (1 << t):
            raise DataFileError(path, f"pattern {code} is not a {t}-day combination", line=no, field=f"c_{j + 1}")
        days = frozenset(day for day in range(t) if (code >> (t - 1 - day)) & 1)
        if len(days) != f:
            raise DataFileError(
                path, f"pattern {code} has {len(days)} days; expected f = {f}", line=no, field=f"c_{j + 1}"
            )
        patterns.append(days)
    window = (get(7 + a, "e"), get(8 + a, "l")) if windows else None
    if k > 0 and (f < 1 or a < 1):
        raise DataFileError(path, "a customer needs f >= 1 visits and a >= 1 patterns", line=no, field="f")
    return _Node(x, y, d, q, tuple(patterns), window)


def read_solomon(path: Path | str) -> PlanProblem:
    """Read a Solomon VRPTW file into a one-day problem (vans = the vehicle limit).

    Raises
    ------
    DataFileError
        Naming the file, line and field of the first malformed value.
    """
    path = Path(path)
    lines = _lines(path)
    upper = [[tok.upper() for tok in toks] for _, toks in lines]
    try:
        v_at = next(k for k, toks in enumerate(upper) if toks and toks[0] == "VEHICLE")
        c_at = next(k for k, toks in enumerate(upper) if toks and toks[0] == "CUSTOMER")
    except StopIteration:
        raise DataFileError(path, "expected a VEHICLE and a CUSTOMER section (Solomon format)") from None
    # VEHICLE, header "NUMBER CAPACITY", then the values
    if v_at + 2 >= len(lines):
        raise DataFileError(path, "the VEHICLE section has no values", line=lines[v_at][0])
    no, tok = lines[v_at + 2]
    count = int(_number(path, no, "NUMBER", tok[0] if tok else None, integer=True))
    capacity = int(_number(path, no, "CAPACITY", tok[1] if len(tok) > 1 else None, integer=True))
    if count < 1 or capacity < 0:
        raise DataFileError(path, "expected at least one vehicle and capacity >= 0", line=no, field="NUMBER")
    rows = []
    fields = ("CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE TIME")
    for no, tok in lines[c_at + 1 :]:
        if not tok[0].lstrip("-").replace(".", "", 1).isdigit():
            continue  # the column header line(s)
        values = [_number(path, no, name, tok[j] if j < len(tok) else None) for j, name in enumerate(fields)]
        if values[4] > values[5]:
            raise DataFileError(path, "ready time after due date", line=no, field="READY TIME")
        if values[3] < 0 or values[6] < 0:
            raise DataFileError(path, "expected demand and service time >= 0", line=no, field="DEMAND")
        rows.append((no, values))
    if len(rows) < 2:
        raise DataFileError(path, "expected the depot and at least one customer in the CUSTOMER section")
    for k, (no, values) in enumerate(rows):
        if int(values[0]) != k:
            raise DataFileError(path, f"customer number {values[0]:g}; expected {k}", line=no, field="CUST NO.")
    depot = rows[0][1]
    builder = ProblemBuilder(days=1, name=(lines[0][1][0] if lines[0][1] else path.stem), strict=False)
    builder.add_location("0", name="depot", x=depot[1], y=depot[2])
    for v in range(count):
        builder.add_van(
            f"vehicle-{v + 1}", depot="0", capacity=capacity, shift_start=depot[4], shift_end=depot[5],
            break_minutes=0.0,
        )  # fmt: skip
    for no, values in rows[1:]:
        ident = str(int(values[0]))
        builder.add_location(ident, x=values[1], y=values[2])
        try:
            builder.add_stop(
                ident, location=ident, duration=values[6], demand=int(values[3]), required=True,
                time_windows=[(values[4], values[5])],
            )  # fmt: skip
        except ProblemError as exc:
            raise DataFileError(path, str(exc), line=no) from None
    matrix = euclidean(np.array([[v[1], v[2]] for _, v in rows]))
    return builder.build(minutes=matrix, km=matrix, network_source="euclidean (double precision)", approximate=False)
