"""Opening hours: the rules of a schedule, schedules in words, which days they are open, times with their offset."""

from __future__ import annotations

from datetime import date, time

import pytest

from outreach_map.directory.hours import check_schedule, describe, is_open_on, next_sessions, parse_clock, with_offset
from outreach_map.errors import InvalidEntryError

WEEKLY = {"freq": "WEEKLY", "interval": 1, "byday": "MO,TU", "opens_at": "09:00:00", "closes_at": "17:00:00"}
FORTNIGHTLY = {"freq": "WEEKLY", "interval": 2, "byday": "TU", "dtstart": "2027-01-05", "opens_at": "10:00",
               "closes_at": "15:00"}  # fmt: skip
MONTHLY = {"freq": "MONTHLY", "byday": "2MO,-1FR", "opens_at": "10:00", "closes_at": "12:00"}
ONE_DAY = {"valid_from": "2027-01-09", "valid_to": "2027-01-09", "opens_at": "10:00", "closes_at": "12:00"}


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        (WEEKLY, "Mondays and Tuesdays, 09:00-17:00"),
        (FORTNIGHTLY, "Every 2 weeks on Tuesday from 5 January 2027, 10:00-15:00"),
        (MONTHLY, "The 2nd Monday and last Friday of the month, 10:00-12:00"),
        (ONE_DAY, "On Saturday 9 January 2027, 10:00-12:00"),
        ({"description": "Open 34 hours a week."}, "Open 34 hours a week."),
    ],
)
def test_schedules_in_words(schedule: dict[str, object], words: str) -> None:
    assert describe(schedule) == words


def test_which_days_are_open() -> None:
    assert list(next_sessions(FORTNIGHTLY, date(2027, 1, 1), days=30)) == [date(2027, 1, 5), date(2027, 1, 19)]
    assert list(next_sessions(MONTHLY, date(2027, 1, 1), days=40)) == [date(2027, 1, 11), date(2027, 1, 29),
                                                                       date(2027, 2, 8)]  # fmt: skip
    assert is_open_on(ONE_DAY, date(2027, 1, 9)) and not is_open_on(ONE_DAY, date(2027, 1, 16))
    assert is_open_on(WEEKLY, date(2026, 12, 7)) and not is_open_on(WEEKLY, date(2026, 12, 9))
    bounded = WEEKLY | {"valid_from": "2027-01-01", "valid_to": "2027-03-31"}
    assert not is_open_on(bounded, date(2026, 12, 7)) and is_open_on(bounded, date(2027, 1, 4))
    assert list(next_sessions({"freq": "MONTHLY", "bymonthday": "-1", "opens_at": "09:00", "closes_at": "10:00"},
                              date(2027, 2, 1), days=60)) == [date(2027, 2, 28), date(2027, 3, 31)]  # fmt: skip


@pytest.mark.parametrize(
    ("schedule", "field", "words"),
    [
        (WEEKLY | {"closes_at": "08:00"}, "schedule.closes_at", "before it opens"),
        (WEEKLY | {"closes_at": "09:00:00"}, "schedule.closes_at", "before it opens"),
        (WEEKLY | {"opens_at": "25:00"}, "schedule.opens_at", "not a time of day"),
        (WEEKLY | {"freq": "DAILY"}, "schedule.freq", "WEEKLY or MONTHLY"),
        (WEEKLY | {"byday": "2MO"}, "schedule.byday", "not a day"),
        (WEEKLY | {"interval": 0}, "schedule.interval", "out of range"),
        (WEEKLY | {"interval": 1.5}, "schedule.interval", "whole number"),
        (FORTNIGHTLY | {"dtstart": None}, "schedule.dtstart", "first session"),
        (ONE_DAY | {"valid_to": "2027-01-08"}, "schedule.valid_to", "ends before it starts"),
        (ONE_DAY | {"valid_from": "2027-13-01"}, "schedule.valid_from", "not a date"),
        ({"opens_at": "09:00", "closes_at": "10:00"}, "schedule.freq", "days or a date"),
        (MONTHLY | {"bymonthday": "32"}, "schedule.bymonthday", "day of the month"),
    ],
)
def test_bad_schedules_name_the_field(schedule: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(InvalidEntryError) as info:
        check_schedule({k: v for k, v in schedule.items() if v is not None})
    assert info.value.field == field and words in str(info.value)


def test_clock_times() -> None:
    assert parse_clock("9:05") == time(9, 5)
    assert parse_clock("17:00:00+01:00") == time(17, 0)
    with pytest.raises(InvalidEntryError):
        parse_clock("noon")


def test_times_carry_the_london_offset_of_the_day() -> None:
    assert with_offset("09:30:00", on=date(2027, 1, 15)) == "09:30:00+00:00"
    assert with_offset("09:30", on=date(2027, 7, 15)) == "09:30:00+01:00"
    assert with_offset("09:30Z", on=date(2027, 7, 15)) == "09:30Z"
    assert with_offset(None, on=date(2027, 7, 15)) is None
