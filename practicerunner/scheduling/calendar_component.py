"""FullCalendar's MIT React packages wrapped as a Reflex component (no premium plugins).

Times: FullCalendar without a timezone plugin knows only the browser's zone and UTC. The
calendar screen gives it naive practice-local wall times ("2026-03-03T17:00:00") and sets
`time_zone="UTC"`, so it draws exactly the practice's wall clock whatever zone the browser is
in, and what comes back from a click or a drag is practice-local wall time too ("…Z" is only
FullCalendar's way of writing the UTC it was told to use; `grid.local_minute` strips it).

Callbacks hand the server plain strings picked out of FullCalendar's callback objects in the
browser (`info.event.id`, `info.startStr`, …): the objects themselves hold DOM nodes and cannot
be sent. A refused drag is put back by the server sending the events again: a new events array
makes FullCalendar reset its store, so the grid shows the server's truth.

Several clinicians side by side: the free packages have no resource views, so the day view
with several clinicians is a timeGrid whose columns are consecutive dates, column k standing
for the k-th clinician (the page shifts each clinician's events by k days and names the column
headers; see calendar_state). One shared time axis and one scroll position, and dragging a
session across columns hands it to another clinician.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.base import Var
from reflex.vars.object import ObjectVar

FULLCALENDAR_VERSION = "6.1.21"
_PLUGINS = {
    "dayGridPlugin": "@fullcalendar/daygrid",
    "timeGridPlugin": "@fullcalendar/timegrid",
    "interactionPlugin": "@fullcalendar/interaction",
}
STYLESHEET = "$/public/calendar.css"

CallbackInfo = ObjectVar[dict[str, Any]]


def _pinned(package: str) -> str:
    return f"{package}@{FULLCALENDAR_VERSION}"


# --- what each callback sends to the server ------------------------------------------------


def _on_select(info: CallbackInfo) -> list[Var]:
    """A click or drag on free time: start, end, whether it was a whole day, the view."""
    return [
        info["startStr"].to(str),
        info["endStr"].to(str),
        info["allDay"].to(bool),
        info["view"].to(dict)["type"].to(str),
    ]


def _on_event_click(info: CallbackInfo) -> list[Var]:
    return [info["event"].to(dict)["id"].to(str)]


def _on_event_change(info: CallbackInfo) -> list[Var]:
    """A drop or a resize: which event, its new start and end (local wall time, see above)."""
    return [
        info["event"].to(dict)["id"].to(str),
        info["event"].to(dict)["startStr"].to(str),
        info["event"].to(dict)["endStr"].to(str),
    ]


def _on_dates_set(info: CallbackInfo) -> list[Var]:
    """The visible range after a view mounts or changes: start, end (exclusive), view type."""
    return [info["startStr"].to(str), info["endStr"].to(str), info["view"].to(dict)["type"].to(str)]


class FullCalendar(rx.Component):
    """`<FullCalendar>` from @fullcalendar/react with the day grid, time grid and interaction
    plugins. Props are FullCalendar options in snake_case (Reflex writes them camelCase)."""

    library = _pinned("@fullcalendar/react")
    tag = "FullCalendar"
    is_default = True
    lib_dependencies: list[str] = [_pinned("@fullcalendar/core"), *map(_pinned, _PLUGINS.values())]

    plugins: Var[list[Any]]
    initial_view: Var[str]
    initial_date: Var[str]
    time_zone: Var[str]
    first_day: Var[int]
    header_toolbar: Var[bool]
    height: Var[str]
    events: Var[list[dict[str, Any]]]
    views: Var[dict[str, Any]]
    editable: Var[bool]
    selectable: Var[bool]
    select_mirror: Var[bool]
    unselect_auto: Var[bool]
    event_overlap: Var[bool]
    all_day_slot: Var[bool]
    now_indicator: Var[bool]
    nav_links: Var[bool]
    slot_min_time: Var[str]
    slot_max_time: Var[str]
    scroll_time: Var[str]
    slot_duration: Var[str]
    snap_duration: Var[str]
    slot_label_interval: Var[str]
    slot_label_format: Var[dict[str, Any]]
    event_time_format: Var[dict[str, Any]]
    day_header_format: Var[dict[str, Any]]
    day_header_content: Var[Any]
    day_header_class_names: Var[Any]
    event_display: Var[str]
    day_max_events: Var[int]
    display_event_end: Var[bool]
    expand_rows: Var[bool]
    long_press_delay: Var[int]
    event_interactive: Var[bool]
    event_did_mount: Var[Any]
    select_allow: Var[Any]

    select: rx.EventHandler[_on_select]  # type: ignore[type-arg,valid-type]
    event_click: rx.EventHandler[_on_event_click]  # type: ignore[type-arg,valid-type]
    event_drop: rx.EventHandler[_on_event_change]  # type: ignore[type-arg,valid-type]
    event_resize: rx.EventHandler[_on_event_change]  # type: ignore[type-arg,valid-type]
    dates_set: rx.EventHandler[_on_dates_set]  # type: ignore[type-arg,valid-type]

    def add_imports(self) -> dict[str, Any]:
        imports: dict[str, Any] = {
            _pinned(package): rx.ImportVar(tag=name, is_default=True)
            for name, package in _PLUGINS.items()
        }
        # The calendar's own styles (colours by clinician and status), shipped in assets/.
        imports[STYLESHEET] = rx.ImportVar(tag=None, render=True)
        return imports

    @classmethod
    def create(cls, *children: Any, **props: Any) -> FullCalendar:
        props.setdefault("plugins", Var(_js_expr="[" + ", ".join(_PLUGINS) + "]"))
        props.setdefault("header_toolbar", False)
        props.setdefault("time_zone", "UTC")
        # A selection stays within one day: a session does not run from Monday into Tuesday.
        props.setdefault(
            "select_allow",
            Var(
                _js_expr="((info) => info.allDay || "
                "info.start.toISOString().slice(0, 10) === "
                "new Date(info.end.valueOf() - 1).toISOString().slice(0, 10))"
            ),
        )
        # Each block says which event it is (data-event-id), for tests and styling hooks.
        props.setdefault(
            "event_did_mount",
            Var(_js_expr="((info) => { info.el.dataset.eventId = info.event.id; })"),
        )
        return super().create(*children, **props)


def column_headers(names: Var, classes: Var) -> tuple[Var, Var]:
    """`dayHeaderContent` and `dayHeaderClassNames` for the clinicians-as-columns day view:
    column k (the k-th day after the view's first day) shows NAMES[k], styled CLASSES[k]."""
    index = "Math.round((arg.date.valueOf() - arg.view.currentStart.valueOf()) / 86400000)"
    names_js, classes_js = str(names), str(classes)
    content: Var[Any] = Var(
        _js_expr=f"((arg) => (({names_js})[{index}] ?? ''))",
        _var_data=names._get_all_var_data(),
    )
    class_names: Var[Any] = Var(
        _js_expr=f"((arg) => [({classes_js})[{index}] ?? ''])",
        _var_data=classes._get_all_var_data(),
    )
    return content, class_names


full_calendar = FullCalendar.create
