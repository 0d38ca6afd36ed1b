"""Benchmark readers: real Cordeau and Solomon files, and malformed ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from outreach_map.errors import DataFileError
from outreach_map.planner import read_cordeau, read_solomon

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"benchmark files not found in {SHARED}")

#: A 2-day periodic instance: 2 vehicles a day (Q = 10, D = 50), 3 customers.
TINY_PVRP = """\
1 2 3 2
50 10
50 10
0 0 0 0 0 0 0
1 3 4 1 5 2 1 3
2 -3 4 2 4 1 2 1 2
3 0 -5 0 10 1 1 1
"""


def write(tmp_path: Path, text: str, name: str = "tiny.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_tiny_cordeau_file(tmp_path: Path) -> None:
    problem = read_cordeau(write(tmp_path, TINY_PVRP))
    assert [s.id for s in problem.stops] == ["1", "2", "3"]
    one, two, three = problem.stops
    # customer 1: f = 2, pattern 3 = '11' (days 1 and 2); customer 2: codes 1 = '01' (day 2), 2 = '10' (day 1)
    assert one.visits == 2 and {p.days for p in one.patterns} == {frozenset({0, 1})}
    assert {p.days for p in two.patterns} == {frozenset({1}), frozenset({0})}
    assert {p.days for p in three.patterns} == {frozenset({1})}
    assert (one.duration, one.demand, one.required) == (1.0, 5, True)
    assert len(problem.vans) == 2 and all(v.capacity == 10 and v.max_duration == 50 for v in problem.vans)
    assert all(v.days == frozenset({0, 1}) and v.break_minutes == 0 and v.shift_end is None for v in problem.vans)
    assert problem.minutes[0, 1] == pytest.approx(5.0) and problem.km[1, 2] == pytest.approx(6.0)


@needs_shared
def test_p01_reads_with_its_fleet_blocker() -> None:
    problem = read_cordeau(SHARED / "pvrp" / "p01.txt")
    assert len(problem.stops) == 51 and len(problem.days) == 2 and len(problem.vans) == 3
    assert all(v.capacity == 160 and v.max_duration is None for v in problem.vans)
    blocker = problem.stops[problem.stop_index("51")]
    # on the depot, a full van load, only day 1
    assert problem.locations[blocker.location].x == 30 and problem.locations[blocker.location].y == 40
    assert blocker.demand == 160 and [p.days for p in blocker.patterns] == [frozenset({0})]
    assert problem.minutes[0, blocker.location] == 0.0
    # cost convention: Euclidean in double precision, no rounding
    first = problem.stops[0]
    assert problem.km[0, first.location] == pytest.approx(np.hypot(37 - 30, 52 - 40), abs=0)


@needs_shared
def test_p02_pattern_bits_read_left_to_right() -> None:
    problem = read_cordeau(SHARED / "pvrp" / "p02.txt")
    # customer 3: f = 2, codes 5 (00101), 10 (01010), 20 (10100) over 5 days
    three = problem.stops[problem.stop_index("3")]
    assert {p.days for p in three.patterns} == {frozenset({2, 4}), frozenset({1, 3}), frozenset({0, 2})}


@needs_shared
def test_c101_reads_into_one_day() -> None:
    problem = read_solomon(SHARED / "vrptw" / "C101.txt")
    assert problem.name == "C101" and len(problem.days) == 1
    assert len(problem.stops) == 100 and len(problem.vans) == 25
    van = problem.vans[0]
    assert (van.capacity, van.shift_start, van.shift_end, van.break_minutes) == (200, 0.0, 1236.0, 0.0)
    first = problem.stops[0]
    assert (first.duration, first.demand) == (90.0, 10)
    assert (first.time_windows[0].start, first.time_windows[0].end) == (912.0, 967.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty file"),
        ("1 2 x 2\n", r"line 1: field 'n': 'x' is not a number"),
        ("6 2 3 2\n", r"line 1: field 'type': problem type 6 is not supported"),
        (
            TINY_PVRP.replace("1 3 4 1 5 2 1 3", "1 3 4 1 5 2 1 2"),
            r"line 5: field 'c_1': pattern 2 has 1 days; expected f = 2",
        ),
        (TINY_PVRP.replace("3 0 -5 0 10 1 1 1", "4 0 -5 0 10 1 1 1"), r"line 7: field 'i': node id 4; expected 3"),
        (TINY_PVRP.replace("3 0 -5 0 10 1 1 1", "3 0 -5 0 10 1 1 4"), r"line 7: field 'c_1': pattern 4 is not a 2-day"),
        (TINY_PVRP.replace("50 10\n50 10\n", "50 10\n50\n"), r"line 3: field 'Q': missing value"),
        ("\n".join(TINY_PVRP.splitlines()[:5]) + "\n", "expected 1 \\+ 2 day lines"),
    ],
)
def test_malformed_cordeau_names_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text, "bad.txt")
    with pytest.raises(DataFileError, match=expected) as info:
        read_cordeau(path)
    assert "bad.txt" in str(info.value)


def test_malformed_solomon(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="expected a VEHICLE and a CUSTOMER section"):
        read_solomon(write(tmp_path, "C999\n\nCUSTOMER\n0 1 2 0 0 10 0\n"))
    bad = "C999\nVEHICLE\nNUMBER CAPACITY\n2 50\nCUSTOMER\nCUST NO. X\n0 0 0 0 0 100 0\n1 3 4 5 20 10 5\n"
    with pytest.raises(DataFileError, match=r"line 8: field 'READY TIME': ready time after due date"):
        read_solomon(write(tmp_path, bad))
    with pytest.raises(DataFileError, match="file not found"):
        read_solomon(tmp_path / "missing.txt")
