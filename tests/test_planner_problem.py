"""The plan request: builder validation, defaults, patterns, unservable stops."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from outreach_map.clock import clock, format_clock
from outreach_map.config import PlannerSettings
from outreach_map.errors import OutreachError
from outreach_map.planner import Location, ProblemBuilder, ProblemError, TimeWindow
from outreach_map.planner.problem import (
    DEFAULT_BREAK_WINDOW,
    DEFAULT_SHIFT_END,
    DEFAULT_SHIFT_START,
)

#: The market-town libraries of the embedded data (see ``timetabling.market_town_depots``).
DAVENTRY = Location("daventry-library", "Daventry Library", 52.2569, -1.1607)
TOWCESTER = Location("towcester-library", "Towcester Library", 52.133774, -0.98914)
BRACKLEY = Location("brackley-library", "Brackley Library", 52.028614, -1.150353)


def two_week_builder(**kwargs: object) -> ProblemBuilder:
    """A 2-week timetable with one Daventry van working Monday to Friday."""
    builder = ProblemBuilder(cycle_weeks=2, **kwargs)  # type: ignore[arg-type]
    builder.add_van("van-1", depot=DAVENTRY)
    return builder


def test_defaults_follow_the_real_figures() -> None:
    assert (clock("09:30"), clock("16:30")) == (DEFAULT_SHIFT_START, DEFAULT_SHIFT_END)
    assert TimeWindow(720.0, 840.0) == DEFAULT_BREAK_WINDOW
    defaults = PlannerSettings()
    assert [defaults.stop_duration(p) for p in (100, 640, 2000, 9000)] == [15.0, 20.0, 30.0, 45.0]
    # bands: weekly >= 5000, fortnightly >= 1500, else every 4 weeks; made to divide the cycle
    assert [defaults.visit_frequency(p, 4) for p in (300, 2116, 6000)] == [4, 2, 1]
    assert defaults.visit_frequency(2116, 3) == 3
    assert format_clock(clock("10:15")) == "10:15"


def test_timetable_patterns_are_weekday_and_phase() -> None:
    builder = ProblemBuilder(cycle_weeks=4)
    builder.add_van("van", depot=BRACKLEY, weekdays=["Tue", "Thu"])
    builder.add_stop("kings-sutton", lat=52.0216, lon=-1.2757, population=2116, weekdays=["Tue"])
    problem = builder.build()
    stop = problem.stops[0]
    assert stop.frequency_weeks == 2 and stop.visits == 2 and stop.duration == 30.0
    # Tuesday (1) in weeks 1 and 3 (phase 0) or weeks 2 and 4 (phase 1)
    assert {p.days for p in stop.patterns} == {frozenset({1, 15}), frozenset({8, 22})}
    assert {(p.weekday, p.phase) for p in stop.patterns} == {(1, 0), (1, 1)}
    assert problem.vans[0].days == frozenset({1, 3, 8, 10, 15, 17, 22, 24})
    assert problem.minutes.shape == (2, 2) and problem.approximate


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (lambda b: b.add_stop("badby", lat=52.22, lon=-1.18, frequency_weeks=3), "stop 'badby'.*every 3 weeks.*2-week"),
        (lambda b: b.add_stop("nobottle", name="Nobottle"), "stop 'nobottle' has no coordinates"),
        (lambda b: b.add_stop("badby", lat=52.22, lon=None), "stop 'badby' has no coordinates"),
        (lambda b: b.add_van("van-2", depot=TOWCESTER, weekdays=[]), "van 'van-2' has no working day"),
        (lambda b: b.add_van("van-2", depot=TOWCESTER, break_minutes=480), "van 'van-2'.*break is longer than"),
        (lambda b: b.add_van("van-2", depot=TOWCESTER, break_window="16:15-18:00"), "van 'van-2'.*does not fit"),
        (lambda b: b.add_van("van-2", depot=TOWCESTER, shift_start="16:00", shift_end="09:00"), "van 'van-2'.*ends"),
        (lambda b: b.add_van("van-1", depot=TOWCESTER), "van 'van-1': duplicate id"),
        (lambda b: b.add_van("van-2", depot=TOWCESTER, weekdays=["Funday"]), "'Funday' is not a weekday"),
        (lambda b: b.add_van("van-2", depot="nowhere"), "van 'van-2': no location 'nowhere'"),
        (lambda b: b.add_stop("x", lat=52.0, lon=-1.0, time_windows=["12:00-11:00"]), "time window"),
        (lambda b: b.add_stop("x", lat=52.0, lon=-1.0, time_windows=["noon"]), "not a time window"),
        (lambda b: b.add_stop("x", lat=52.0, lon=-1.0, patterns=[[0]]), "takes frequency_weeks"),
    ],
)
def test_builder_refuses_bad_input_naming_the_stop_or_van(action: object, expected: str) -> None:
    builder = two_week_builder()
    with pytest.raises(ProblemError, match=expected):
        action(builder)  # type: ignore[operator]


def test_duplicate_stop_id() -> None:
    builder = two_week_builder()
    builder.add_stop("badby", lat=52.2245, lon=-1.1780)
    with pytest.raises(ProblemError, match="stop 'badby': duplicate id"):
        builder.add_stop("badby", lat=52.2245, lon=-1.1780)


def test_errors_are_outreach_errors_and_start_date_must_be_a_monday() -> None:
    with pytest.raises(OutreachError, match="2025-01-07 is a Tue; expected a Monday"):
        ProblemBuilder(cycle_weeks=4, start_date=date(2025, 1, 7))
    with pytest.raises(ProblemError, match="exactly one of cycle_weeks"):
        ProblemBuilder(cycle_weeks=4, days=5)
    with pytest.raises(ProblemError, match="no van"):
        ProblemBuilder(cycle_weeks=1).build()


def test_stop_farther_than_a_shift_allows() -> None:
    """A stop 4 hours away cannot be reached and back within a 7-hour shift with a 30-minute lunch."""
    minutes = np.array([[0.0, 240.0], [240.0, 0.0]])
    strict = ProblemBuilder(cycle_weeks=1)
    strict.add_location("depot")
    strict.add_van("van-1", depot="depot")
    strict.add_location("far")
    strict.add_stop("far-away", location="far", duration=20)
    with pytest.raises(
        ProblemError, match=r"stop 'far-away' cannot be served: farther than a shift allows.*van 'van-1'"
    ):
        strict.build(minutes=minutes, km=minutes * 0.67)
    lenient = ProblemBuilder(cycle_weeks=1, strict=False)
    lenient.add_location("depot")
    lenient.add_van("van-1", depot="depot")
    lenient.add_location("far")
    lenient.add_stop("far-away", location="far", duration=20)
    problem = lenient.build(minutes=minutes, km=minutes * 0.67)
    assert problem.unservable["far-away"].text.startswith("farther than a shift allows")
    assert problem.unservable["far-away"].code == "unreachable"


def test_stop_on_a_weekday_no_van_works() -> None:
    builder = two_week_builder()
    builder.add_stop("sunday-market", lat=52.2245, lon=-1.1780, weekdays=["Sun"])
    with pytest.raises(
        ProblemError, match=r"stop 'sunday-market' cannot be served: no van works on its allowed weekdays \(Sun\)"
    ):
        builder.build()


def test_matrices_must_match_the_locations() -> None:
    builder = two_week_builder()
    builder.add_stop("badby", lat=52.2245, lon=-1.1780)
    with pytest.raises(ProblemError, match="expected 2 x 2"):
        builder.build(minutes=np.zeros((3, 3)), km=np.zeros((3, 3)))
    with pytest.raises(ProblemError, match="negative or missing"):
        builder.build(minutes=np.array([[0.0, -1.0], [1.0, 0.0]]), km=np.zeros((2, 2)))


def test_problem_is_immutable() -> None:
    builder = two_week_builder()
    builder.add_stop("badby", lat=52.2245, lon=-1.1780)
    problem = builder.build()
    with pytest.raises(ValueError, match="read-only"):
        problem.minutes[0, 1] = 0.0
    with pytest.raises(AttributeError):
        problem.name = "other"  # type: ignore[misc]
    assert problem.stop_index("badby") == 0 and problem.van_index("van-1") == 0


def test_general_horizon_takes_explicit_patterns() -> None:
    builder = ProblemBuilder(days=5)
    builder.add_location("depot", x=0.0, y=0.0)
    builder.add_van("v", depot="depot", shift_start=0, shift_end=None, break_minutes=0, capacity=10)
    builder.add_location("c1", x=3.0, y=4.0)
    builder.add_stop("c1", location="c1", patterns=[[0, 2], [1, 3]], demand=4, required=True)
    with pytest.raises(ProblemError, match="different numbers of days"):
        builder.add_stop("c2", location="c1", patterns=[[0], [1, 3]])
    with pytest.raises(ProblemError, match="outside the horizon"):
        builder.add_stop("c3", location="c1", patterns=[[7]])
    problem = builder.build(minutes=np.array([[0, 5.0], [5.0, 0]]), km=np.array([[0, 5.0], [5.0, 0]]))
    assert problem.stops[0].visits == 2 and not problem.timetable and not problem.same_time
