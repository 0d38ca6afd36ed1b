"""Property-based tests (hypothesis) of the parsers people feed by hand: postcodes, clock times, opening
hours and timetable requests. Whatever the text, each answers or refuses with the project's own error,
naming the field; nothing else escapes."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach_map.clock import clock, format_clock
from outreach_map.directory.hours import check_schedule, describe, is_open_on, parse_clock
from outreach_map.errors import DataFileError, InvalidEntryError, InvalidPostcodeError, OutreachError
from outreach_map.planner.problem import Location
from outreach_map.postcodes import looks_like_postcode, normalise_postcode
from outreach_map.timetabling import parse_request

OUTWARD = st.from_regex(r"\A[A-Z]{1,2}[0-9][A-Z0-9]?\Z", fullmatch=True)
INWARD = st.from_regex(r"\A[0-9][A-Z]{2}\Z", fullmatch=True)
NASTY = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60) | st.sampled_from(
    ["\x00", "\u202e09:00", "'; DROP TABLE services; --", "<script>alert(1)</script>", "9" * 5000, "\n", "  "]
)


@given(OUTWARD, INWARD, st.sampled_from(["", " ", "  "]), st.booleans())
def test_any_well_formed_postcode_normalises_to_one_spelling(outward: str, inward: str, gap: str, lower: bool) -> None:
    text = f"{outward}{gap}{inward}"
    typed = text.lower() if lower else text
    assert normalise_postcode(f"  {typed} ") == f"{outward} {inward}"
    assert looks_like_postcode(typed)
    assert normalise_postcode(normalise_postcode(typed)) == normalise_postcode(typed)


@given(NASTY)
def test_any_text_is_a_postcode_or_refused_as_not_one(text: str) -> None:
    try:
        result = normalise_postcode(text)
    except InvalidPostcodeError as exc:
        assert "is not a UK postcode" in str(exc)
    else:
        assert result == normalise_postcode(result) and " " in result


@given(st.integers(0, 23), st.integers(0, 59))
def test_clock_times_round_trip(hour: int, minute: int) -> None:
    text = f"{hour:02d}:{minute:02d}"
    assert format_clock(clock(text)) == text
    assert parse_clock(text).strftime("%H:%M") == text
    assert parse_clock(f"{hour}:{minute:02d}:00+01:00").strftime("%H:%M") == text


@given(NASTY)
def test_any_text_is_a_clock_time_or_refused_naming_the_field(text: str) -> None:
    try:
        value = parse_clock(text, field="opens")
    except InvalidEntryError as exc:
        assert exc.field == "opens"
    else:
        assert 0 <= value.hour <= 23
    with contextlib.suppress(OutreachError):
        clock(text)


SCHEDULE = st.fixed_dictionaries(
    {},
    optional={
        "freq": st.sampled_from(["WEEKLY", "MONTHLY", "DAILY", "", "weekly"]) | NASTY,
        "interval": st.integers(-3, 60) | st.floats(allow_nan=True) | NASTY,
        "byday": st.sampled_from(["MO", "MO,TU", "2MO,-1FR", "XX", "", "MO,,TU"]) | NASTY,
        "bymonthday": st.sampled_from(["1", "-1", "32", "0", "x"]) | NASTY,
        "opens_at": st.sampled_from(["09:00", "9:30", "17:00:00", "25:00"]) | NASTY,
        "closes_at": st.sampled_from(["10:00", "08:00", "23:59:59"]) | NASTY,
        "valid_from": st.sampled_from(["2027-01-04", "2027-13-01", ""]) | NASTY,
        "valid_to": st.sampled_from(["2027-01-04", "2026-01-01"]) | NASTY,
        "dtstart": st.sampled_from(["2027-01-05", "05/01/2027"]) | NASTY,
        "description": NASTY,
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEDULE)
def test_any_schedule_is_accepted_with_later_closing_or_refused_naming_a_field(record: dict[str, Any]) -> None:
    try:
        span = check_schedule(record, field="hours-0")
    except InvalidEntryError as exc:
        assert exc.field.startswith("hours-0")
    else:
        if span is not None:
            assert span.closes > span.opens
    assert isinstance(describe(record), str)
    assert isinstance(is_open_on(record, date(2027, 1, 5)), bool)


DEPOTS = {"daventry": Location("daventry", "Daventry Library", 52.2569, -1.1607)}
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10_000) | st.floats(allow_nan=True) | NASTY | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NASTY, inner, max_size=3),
    max_leaves=8,
)
KEYS = {
    "plan": ["id", "cycle_weeks", "start_date", "min_population", "skip_with_library_km", "roads", "lock_from"],
    "vans": ["id", "depot", "shift", "lunch_minutes", "lunch_window", "weekdays"],
    "stops": ["id", "frequency_weeks", "duration_minutes", "exclude", "weekdays"],
    "outreach": ["name", "kind", "weekdays", "far_minutes"],
}


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    plan = {k: draw(VALUES) for k in draw(st.lists(st.sampled_from(KEYS["plan"]), unique=True))}
    plan.setdefault("start_date", draw(st.sampled_from(["2027-01-04", "2027-01-05", date(2027, 1, 4), 3])))
    out: dict[str, Any] = {"plan": plan if draw(st.booleans()) else draw(VALUES)}
    for table in ("vans", "stops"):
        rows = draw(st.lists(st.dictionaries(st.sampled_from(KEYS[table]), VALUES, max_size=4), max_size=3))
        out[table] = rows if draw(st.booleans()) else draw(VALUES)
    if draw(st.booleans()):
        out["outreach"] = draw(st.dictionaries(st.sampled_from(KEYS["outreach"]), VALUES, max_size=4))
    return out


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_any_request_is_read_or_refused_naming_the_file_and_field(data: dict[str, Any]) -> None:
    path = Path("request.toml")
    try:
        parse_request(data, path, depots=DEPOTS)
    except DataFileError as exc:
        assert str(exc).startswith("request.toml")
    except OutreachError as exc:  # pragma: no cover - every refusal should name the file
        pytest.fail(f"refused without naming the file: {exc}")
