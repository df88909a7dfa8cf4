"""Times as people type them, and the labels the availability screens show."""

from __future__ import annotations

from datetime import date, time

import pytest

from practicerunner.core.validation import FieldError
from practicerunner.scheduling.availability.wording import (
    day_label,
    hours_label,
    parse_time,
    range_label,
    time_label,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("09:00", time(9)),
        ("9:00", time(9)),
        ("17:30", time(17, 30)),
        ("17:30:00", time(17, 30)),
        ("5 pm", time(17)),
        ("5:15PM", time(17, 15)),
        ("12 am", time(0)),
        ("12:30 p.m.", time(12, 30)),
        (" 8 ", time(8)),
    ],
)
def test_it_reads_the_times_people_type(typed, expected):
    assert parse_time(typed, "Start") == expected


@pytest.mark.parametrize("typed", ["", "25:00", "9:60", "13 pm", "nine", "9:00:30", "0 am"])
def test_it_refuses_what_is_not_a_time(typed):
    with pytest.raises(FieldError) as exc:
        parse_time(typed, "Start")
    assert str(exc.value).startswith("Enter the start time")


def test_labels():
    assert time_label(time(0)) == "12:00 am"
    assert time_label(time(12)) == "12:00 pm"
    assert time_label(time(19, 5)) == "7:05 pm"
    assert range_label(time(13), time(15)) == "1:00 – 3:00 pm"
    assert range_label(time(11), time(13)) == "11:00 am – 1:00 pm"
    assert day_label(date(2026, 3, 3), date(2026, 1, 1)) == "Tuesday 3 March"
    assert day_label(date(2027, 3, 3), date(2026, 1, 1)) == "Wednesday 3 March 2027"
    assert hours_label(60) == "1 hour a week"
    assert hours_label(37 * 60 + 30) == "37.5 hours a week"
