"""What the Measures screen draws: a chart per instrument with a line per participant and the
scoring's own bands to shade, the results newest first, the form's official wording."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from practicerunner.documentation import measures
from practicerunner.documentation.measure_records import Point
from practicerunner.documentation.measure_state import (
    answers_from_form,
    band_tints,
    chart_time,
    chart_views,
    open_flag_rows,
    question_rows,
    result_rows,
)


def _point(day: str, instrument: str, total: int, band: str, client: int = 1, **flags) -> Point:  # type: ignore[no-untyped-def]
    return Point(
        taken_on=date.fromisoformat(day),
        instrument=instrument,
        total=total,
        band=band,
        safety_flag=flags.get("flag", False),
        result_id=hash((day, instrument, total, client)) % 10_000,
        client_id=client,
        client_name={1: "Jordan Lee", 2: "Alex Lee"}[client],
        flag_acknowledged=flags.get("acknowledged", False),
        flag_text=flags.get("text", ""),
    )


def test_each_instrument_gets_its_own_chart_shaded_by_its_bands() -> None:
    points = [
        _point("2026-10-01", "phq9", 18, "Moderately severe"),
        _point("2026-10-15", "gad7", 9, "Mild"),
        _point("2026-11-01", "phq9", 12, "Moderate", flag=True),
    ]
    phq, gad = chart_views(points, [(1, "Jordan Lee")])
    nov_1, oct_1 = chart_time(date(2026, 11, 1)), chart_time(date(2026, 10, 1))
    assert phq.flagged == [{"date": "Sun, Nov 1, 2026", "t": nov_1, "total": 12}]
    assert gad.flagged == []
    assert (phq.instrument, gad.instrument) == ("phq9", "gad7")  # the instruments' order
    assert phq.rows == [
        {"date": "Thu, Oct 1, 2026", "t": oct_1, "s0": 18, "s0_band": "Moderately severe"},
        {"date": "Sun, Nov 1, 2026", "t": nov_1, "s0": 12, "s0_band": "Moderate"},
    ]
    assert phq.series == [{"key": "s0", "name": "Score", "colour": "var(--teal-9)"}]
    assert phq.max_total == 27 and phq.ticks == [0, 5, 10, 15, 20, 27]
    # The areas meet: each starts where the band below ends.
    assert [(b["y1"], b["y2"], b["label"]) for b in phq.bands] == [
        (0, 4, "Minimal"),
        (4, 9, "Mild"),
        (9, 14, "Moderate"),
        (14, 19, "Moderately severe"),
        (19, 27, "Severe"),
    ]
    assert phq.latest == "Latest: 12 of 27, Moderate (Sun, Nov 1, 2026)"
    assert "2 results from Thu, Oct 1, 2026 to Sun, Nov 1, 2026" in phq.description
    assert gad.ticks == [0, 5, 10, 15, 21]


def test_a_couples_chart_has_a_line_per_partner_in_the_cases_order() -> None:
    points = [
        _point("2026-10-01", "gad7", 6, "Mild", client=2),
        _point("2026-10-01", "gad7", 3, "Minimal", client=1),
        _point("2026-10-08", "gad7", 11, "Moderate", client=2),
    ]
    [chart] = chart_views(points, [(1, "Jordan Lee"), (2, "Alex Lee")])
    assert [(s["key"], s["name"]) for s in chart.series] == [
        ("s0", "Jordan Lee"),
        ("s1", "Alex Lee"),
    ]
    oct_1, oct_8 = chart_time(date(2026, 10, 1)), chart_time(date(2026, 10, 8))
    assert chart.rows == [
        # The same day: one point on the axis.
        {
            "date": "Thu, Oct 1, 2026",
            "t": oct_1,
            "s1": 6,
            "s1_band": "Mild",
            "s0": 3,
            "s0_band": "Minimal",
        },
        {"date": "Thu, Oct 8, 2026", "t": oct_8, "s1": 11, "s1_band": "Moderate"},
    ]
    assert chart.latest.startswith("Latest for Alex Lee: 11 of 21, Moderate")


def test_pcl5_is_shaded_below_and_above_its_cut_point() -> None:
    [chart] = chart_views([_point("2026-10-01", "pcl5", 40, "Probable PTSD")], [(1, "J")])
    assert [(b["y1"], b["y2"]) for b in chart.bands] == [(0, 32), (32, 80)]
    assert chart.ticks == [0, 33, 80]
    assert [b["fill"] for b in chart.bands] == ["var(--grass-3)", "var(--red-3)"]
    assert band_tints(4) == ["grass", "lime", "orange", "red"]


def test_results_come_newest_first_with_their_flag_state() -> None:
    points = [
        _point("2026-10-01", "phq9", 16, "Moderately severe", flag=True, acknowledged=True),
        _point("2026-11-01", "phq9", 17, "Moderately severe", flag=True, text="Item 9 …"),
        _point("2026-11-02", "gad7", 2, "Minimal"),
    ]
    rows = result_rows(points)
    assert [(r["date"], r["score"], r["flag"]) for r in rows] == [
        ("Mon, Nov 2, 2026", "2 of 21", ""),
        ("Sun, Nov 1, 2026", "17 of 27", "open"),
        ("Thu, Oct 1, 2026", "16 of 27", "acknowledged"),
    ]
    [flag] = open_flag_rows(points, several=True)
    assert flag["what"] == "PHQ-9 on Sun, Nov 1, 2026, Jordan Lee"
    assert flag["text"] == "Item 9 …"


def test_the_form_prints_the_official_wording_and_passes_answers_on_as_given() -> None:
    phq = question_rows("phq9")
    assert phq.stem == measures.PHQ9.stem
    assert [i["field"] for i in phq.items] == [f"item_{n}" for n in range(1, 10)]
    assert phq.items[8]["text"].startswith("Thoughts that you would be better off dead")
    assert [o["value"] for o in phq.scale] == ["0", "1", "2", "3"]
    assert phq.difficulty_scale[0]["label"] == "Not difficult at all"
    pcl = question_rows("pcl5")
    assert [o["value"] for o in pcl.scale] == ["0", "1", "2", "3", "4"]
    assert pcl.difficulty == "" and pcl.difficulty_scale == []
    form = {"item_1": "3", "item_2": "", "item_3": " 2 ", "item_4": "7", "item_5": "two"}
    assert answers_from_form(form, "gad7") == {1: 3, 3: 2, 4: 7, 5: "two"}
    assert answers_from_form(form, "bdi") == {}


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31)))
def test_the_time_axis_spaces_results_by_the_days_between_them(day: date) -> None:
    # Milliseconds at UTC midnight, as the browser's Date reads them back (in UTC).
    moment = datetime.fromtimestamp(chart_time(day) / 1000, tz=UTC)
    assert moment.date() == day and moment.time() == time(0)
    assert chart_time(day + timedelta(days=1)) - chart_time(day) == 86_400_000
