"""The FullCalendar wrapper and the calendar grid's date and event arithmetic."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import reflex as rx
from hypothesis import given
from hypothesis import strategies as st

from practicerunner.scheduling.calendar_component import (
    FULLCALENDAR_VERSION,
    STYLESHEET,
    column_headers,
    full_calendar,
)
from practicerunner.scheduling.calendar_ui import grid
from practicerunner.scheduling.views import AvailabilityBlock, CalendarEvent


class _Demo(rx.State):
    evs: list[dict[str, str]] = []
    names: list[str] = []
    classes: list[str] = []

    @rx.event
    def picked(self, start: str, end: str, all_day: bool, view: str) -> None: ...

    @rx.event
    def clicked(self, event_id: str) -> None: ...

    @rx.event
    def moved(self, event_id: str, start: str, end: str) -> None: ...

    @rx.event
    def shown(self, start: str, end: str, view: str) -> None: ...


def _calendar() -> rx.Component:
    content, classes = column_headers(_Demo.names, _Demo.classes)
    return full_calendar(
        events=_Demo.evs,
        select=_Demo.picked,
        event_click=_Demo.clicked,
        event_drop=_Demo.moved,
        event_resize=_Demo.moved,
        dates_set=_Demo.shown,
        day_header_content=content,
        day_header_class_names=classes,
    )


def test_the_component_is_fullcalendars_react_package_pinned_with_free_plugins_only() -> None:
    imports = _calendar()._get_all_imports()
    pinned = f"@{FULLCALENDAR_VERSION}"
    react = imports[f"@fullcalendar/react{pinned}"]
    assert [(i.tag, i.is_default) for i in react] == [("FullCalendar", True)]
    for plugin, package in [
        ("dayGridPlugin", "daygrid"),
        ("timeGridPlugin", "timegrid"),
        ("interactionPlugin", "interaction"),
    ]:
        assert any(
            i.tag == plugin and i.is_default for i in imports[f"@fullcalendar/{package}{pinned}"]
        )
    assert f"@fullcalendar/core{pinned}" in imports
    # No premium plugin (resource, timeline, scheduler) is ever installed.
    assert not [
        lib for lib in imports if "resource" in lib or "timeline" in lib or "premium" in lib
    ]
    assert STYLESHEET in imports


def test_callbacks_send_plain_strings_picked_in_the_browser() -> None:
    js = str(_calendar())
    assert js.startswith("jsx(FullCalendar,")
    assert "plugins:[dayGridPlugin, timeGridPlugin, interactionPlugin]" in js
    assert 'timeZone:"UTC"' in js and "headerToolbar:false" in js
    # select → start, end, allDay, view type; drop/resize → id, start, end; datesSet → range.
    for picked in (
        '["start"] : _info?.["startStr"], ["end"] : _info?.["endStr"]',
        '["all_day"] : _info?.["allDay"], ["view"] : _info?.["view"]?.["type"]',
        '["event_id"] : _info?.["event"]?.["id"], ["start"] : _info?.["event"]?.["startStr"]',
        '["end"] : _info?.["event"]?.["endStr"]',
    ):
        assert picked in js
    for trigger in ("select:", "eventClick:", "eventDrop:", "eventResize:", "datesSet:"):
        assert trigger in js
    assert "arg.view.currentStart" in js  # column headers are indexed from the view's start
    assert "info.el.dataset.eventId = info.event.id" in js
    assert "selectAllow:((info) => info.allDay ||" in js


def test_local_minute_strips_utc_marks_and_offsets() -> None:
    assert grid.local_minute("2026-03-03T17:00:00Z") == "2026-03-03T17:00"
    assert grid.local_minute("2026-03-03T17:00-05:00") == "2026-03-03T17:00"
    assert grid.local_minute("2026-03-03") == "2026-03-03"


def test_titles_read_like_a_diary() -> None:
    assert grid.title(grid.DAY, date(2026, 3, 3)) == "Tuesday 3 March 2026"
    assert grid.title(grid.WEEK, date(2026, 3, 4)) == "2 – 8 March 2026"
    assert grid.title(grid.WEEK, date(2026, 4, 1)) == "30 March – 5 April 2026"
    assert grid.title(grid.WEEK, date(2026, 1, 1)) == "29 Dec 2025 – 4 Jan 2026"
    assert grid.title(grid.MONTH, date(2026, 3, 17)) == "March 2026"


def test_previous_and_next_move_by_one_view() -> None:
    assert grid.step(grid.DAY, date(2026, 3, 1), -1) == date(2026, 2, 28)
    assert grid.step(grid.WEEK, date(2026, 3, 3), 1) == date(2026, 3, 10)
    assert grid.step(grid.MONTH, date(2026, 1, 31), 1) == date(2026, 2, 1)
    assert grid.step(grid.MONTH, date(2026, 1, 15), -1) == date(2025, 12, 1)


def test_visible_ranges_match_fullcalendars_grids() -> None:
    assert grid.visible_range(grid.DAY, date(2026, 3, 3)) == (date(2026, 3, 3), date(2026, 3, 4))
    assert grid.visible_range(grid.WEEK, date(2026, 3, 5)) == (date(2026, 3, 2), date(2026, 3, 9))
    # Month: six Monday weeks from the week holding the 1st (fixedWeekCount).
    start, end = grid.visible_range(grid.MONTH, date(2026, 3, 20))
    assert start == date(2026, 2, 23) and (end - start).days == 42


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=0, max_value=grid.MAX_COLUMNS - 1),
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=59),
)
def test_a_time_drawn_in_a_clinicians_column_comes_back_as_the_real_time(
    day: date, column: int, hour: int, minute: int
) -> None:
    real = f"{day.isoformat()}T{hour:02d}:{minute:02d}"
    drawn = grid.shift(real, column)
    assert datetime.fromisoformat(drawn) - datetime.fromisoformat(real) == timedelta(days=column)
    assert grid.from_column(drawn + ":00Z", day) == (column, real)


def _event(**overrides: object) -> CalendarEvent:
    values: dict[str, object] = {
        "id": "a7",
        "kind": "appointment",
        "title": "Daniel & Rachel Kim",
        "start": "2026-03-03T17:00-05:00",
        "end": "2026-03-03T17:50-05:00",
        "clinician_id": 1,
        "clinician_name": "Olivia Owens",
        "status": "scheduled",
        "editable": True,
    }
    values.update(overrides)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def test_events_carry_wall_times_colour_and_status_in_words() -> None:
    ev = grid.fc_event(_event())
    assert ev["start"] == "2026-03-03T17:00" and ev["end"] == "2026-03-03T17:50"
    assert ev["classNames"] == ["pr-ev", grid.colour_class(1), "pr-s-scheduled"]
    assert ev["editable"] is True and ev["title"] == "Daniel & Rachel Kim"
    assert grid.fc_event(_event(status="no_show"))["title"].startswith("No-show: ")
    assert grid.fc_event(_event(status="cancelled_client"))["title"].startswith("Cancelled: ")
    assert grid.fc_event(_event(status="attended"))["title"].startswith("✓ ")
    shifted = grid.fc_event(_event(), column=2)
    assert shifted["start"] == "2026-03-05T17:00"
    item = grid.fc_event(_event(id="i3", kind="supervision", title="Supervision: Ana"))
    assert "pr-item" in item["classNames"] and item["title"] == "Supervision: Ana"
    assert grid.fc_event(_event(kind="admin", title="Admin: Admin"))["title"] == "Admin"


def test_each_clinician_keeps_one_colour() -> None:
    assert grid.colour_class(3) == grid.colour_class(3 + len(grid.PALETTE))
    assert len({grid.colour_class(i) for i in range(len(grid.PALETTE))}) == len(grid.PALETTE)


def test_unavailable_time_is_the_inverse_of_each_clinicians_hours() -> None:
    blocks = [
        AvailabilityBlock(1, "2026-03-03T09:00:00-05:00", "2026-03-03T17:00:00-05:00"),
        AvailabilityBlock(2, "2026-03-03T12:00:00-05:00", "2026-03-03T20:00:00-05:00"),
        AvailabilityBlock(9, "2026-03-03T08:00:00-05:00", "2026-03-03T09:00:00-05:00"),
    ]
    union = grid.unavailable_events(blocks)
    assert {e["display"] for e in union} == {"inverse-background"}
    assert {e["groupId"] for e in union} == {grid.UNAVAILABLE}
    # The sentinel far in the past keeps the group alive when nobody has hours at all.
    assert union[0]["start"].startswith("1970")
    assert [e["start"] for e in union[1:]] == [
        "2026-03-03T09:00",
        "2026-03-03T12:00",
        "2026-03-03T08:00",
    ]
    columns = grid.unavailable_events(blocks, {1: 0, 2: 1})
    assert [e["start"] for e in columns[1:]] == ["2026-03-03T09:00", "2026-03-04T12:00"]
    assert len(grid.unavailable_events([])) == 1


def test_every_load_differs_so_a_refused_drag_is_redrawn() -> None:
    first, second = grid.revision_marker(1), grid.revision_marker(2)
    assert first != second and first["display"] == second["display"] == "none"
