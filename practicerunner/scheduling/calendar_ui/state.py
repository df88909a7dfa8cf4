"""Reflex states for the calendar screen: thin, they call scheduling.service and hold view data.

CalendarState owns the grid (view, date, clinicians, events), the "today" list and drags.
The booking dialog, the appointment panel and the block dialog are substates: their handlers
read and reload the grid through the parent's vars and helpers. Every handler resolves the
actor again and the service re-checks permissions; the UI only hides what cannot be done.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from practicerunner.core import clock
from practicerunner.core.errors import DomainError, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.calendar_ui import grid
from practicerunner.scheduling.views import AppointmentInput, CalendarEvent, ConflictInfo
from practicerunner.ui.routes import CALENDAR, case_url
from practicerunner.ui.session import SessionState

try:  # the availability package arrived with the same issue; the grid works without it
    from practicerunner.scheduling import availability as _availability
except ImportError:  # pragma: no cover
    _availability = None  # type: ignore[assignment]

CANCEL_STATUSES = ("cancelled_client", "cancelled_practice")
ONE_CLICK = {"attended": "Attended", "no_show": "No-show", "late_cancelled": "Late cancel"}
_MINUTES = re.compile(r"\((\d+) min\)\s*$")


def _reveal(element_id: str) -> Any:
    """Scroll a panel that just appeared into view (once React has drawn it)."""
    return rx.call_script(
        f"setTimeout(() => document.getElementById({json.dumps(element_id)})"
        "?.scrollIntoView({block: 'nearest', behavior: 'smooth'}), 60)"
    )


def _tz(session: Session, _actor: Actor) -> str:
    return sched.practice_timezone(session)


def _available(
    session: Session, _actor: Actor, ids: list[int], start: datetime, end: datetime
) -> list[Any]:
    if _availability is None:
        return []
    return _availability.available_blocks(session, ids, start, end)


def _choices(items: list[Any]) -> list[list[str]]:
    return [[c.value, c.label] for c in items]


def _conflict_rows(info: ConflictInfo) -> list[list[str]]:
    return [list(p) for p in zip(info.suggestions, info.suggestion_labels, strict=False)]


def _strings(values: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in values.items() if not isinstance(v, list)}


def visible_range(view: str, anchor: date, columns: int) -> tuple[date, date]:
    """The local dates the grid shows, [start, end): one day, a Monday week, or six weeks."""
    if view == grid.DAY:
        return anchor, anchor + timedelta(days=1)
    if view == grid.WEEK:
        start = grid.week_start(anchor)
        return start, start + timedelta(days=7)
    start = grid.week_start(anchor.replace(day=1))
    return start, start + timedelta(days=42)


class CalendarState(SessionState):
    """The grid, its toolbar, the clinicians shown, the "today" list, and drag and drop."""

    loaded: bool = False
    denied: bool = False
    can_edit: bool = False
    view: str = grid.WEEK
    anchor: str = ""
    heading: str = ""
    today_label: str = ""
    clinicians: list[dict[str, str]] = []
    clinician_pairs: list[list[str]] = []
    selected: list[str] = []
    events: list[dict[str, Any]] = []
    column_names: list[str] = []
    column_classes: list[str] = []
    grid_key: str = ""
    fc_view: str = grid.FC_VIEWS[grid.WEEK]
    fc_views: dict[str, Any] = {}
    now_indicator: bool = True
    today_rows: list[dict[str, str]] = []
    notice: str = ""
    # A refused drag: why, and what would work instead.
    move_messages: list[str] = []
    move_suggestions: list[list[str]] = []
    move_can_override: bool = False
    move_reason_error: str = ""
    _move: dict[str, Any] = {}
    _range: list[str] = []
    _timezone: str = ""
    _by_id: dict[str, dict[str, Any]] = {}
    _revision: int = 0

    # --- reading the grid -------------------------------------------------------------------

    def _anchor_day(self) -> date:
        return grid.parse_day(self.anchor) or self._today()

    def _today(self) -> date:
        zone = ZoneInfo(self._timezone or "UTC")
        return clock.now().astimezone(zone).date()

    def _selected_ids(self) -> list[int]:
        return [int(v) for v in self.selected if v.isdigit()]

    def _columns(self) -> dict[int, int] | None:
        """Clinician id → column in the day view; None in the week and month views."""
        if self.view != grid.DAY:
            return None
        return {cid: k for k, cid in enumerate(self._selected_ids())}

    def _shape(self) -> None:
        """Heading, column headers and the grid's key (a new key remounts FullCalendar)."""
        day = self._anchor_day()
        self.heading = grid.title(self.view, day)
        names = {c["value"]: c["label"] for c in self.clinicians}
        self.column_names = [names.get(v, "") for v in self.selected]
        self.column_classes = [
            f"pr-colhead {grid.colour_class(int(v))}" for v in self.selected if v.isdigit()
        ]
        parts = [self.view, day.isoformat()]
        if self.view == grid.DAY:
            parts.append(",".join(self.selected))
        self.grid_key = "|".join(parts)
        self.fc_view = grid.FC_VIEWS[self.view]
        self.fc_views = grid.view_options(len(self.selected))
        # Column k of the day view is drawn on day+k: the red "now" line would lie there.
        self.now_indicator = self.view != grid.DAY or len(self.selected) <= 1

    def _url(self) -> str:
        query = {"view": self.view, "date": self.anchor, "c": ",".join(self.selected)}
        return CALENDAR + "?" + urlencode(query)

    def _keep_url(self) -> Any:
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(self._url())})")

    async def _load_events(self, actor: Actor) -> None:
        start, end = visible_range(self.view, self._anchor_day(), len(self.selected))
        self._range = [start.isoformat(), end.isoformat()]
        tz = self._timezone
        start_utc = grid.local_day_start_utc(start, tz)
        end_utc = grid.local_day_start_utc(end, tz)
        ids = self._selected_ids()
        found: list[CalendarEvent] = await self.call(
            sched.calendar_events, actor, start_utc, end_utc, ids
        )
        columns = self._columns()
        events: list[dict[str, Any]] = []
        by_id: dict[str, dict[str, Any]] = {}
        for ev in found:
            if columns is not None and ev.clinician_id not in columns:
                continue
            events.append(grid.fc_event(ev, columns[ev.clinician_id] if columns else 0))
            by_id[ev.id] = asdict(ev)
        if self.view != grid.MONTH and ids:
            blocks = await self.call(_available, actor, ids, start_utc, end_utc)
            if _availability is not None:
                events = grid.unavailable_events(blocks, columns) + events
        self._revision += 1
        self.events = [*events, grid.revision_marker(self._revision)]
        self._by_id = by_id

    async def _load_today(self, actor: Actor) -> None:
        today = self._today()
        self.today_label = f"{today:%a} {today.day} {today:%b}"
        names = {c["value"]: c["label"] for c in self.clinicians}
        rows: list[dict[str, str]] = []
        for cid in self._selected_ids()[: grid.MAX_COLUMNS]:
            found = await self.call(sched.today_list, actor, cid, today)
            rows.append(
                {
                    "kind": "head",
                    "name": names.get(str(cid), ""),
                    "colour": grid.colour_class(cid),
                    "empty": "" if found else "No sessions today.",
                }
            )
            rows += [
                {
                    "kind": "row",
                    "id": str(r.appointment_id),
                    "time": r.time_label,
                    "title": r.title,
                    "status": r.status,
                    "status_label": r.status_label,
                }
                for r in found
            ]
        self.today_rows = rows

    async def _refresh(self, actor: Actor, *, today: bool = False) -> None:
        self._shape()
        await self._load_events(actor)
        if today:
            await self._load_today(actor)

    def _clear_move(self) -> None:
        self.move_messages, self.move_suggestions = [], []
        self.move_can_override, self.move_reason_error, self._move = False, "", {}

    # --- events from the page -----------------------------------------------------------------

    @rx.event
    async def load(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.loaded = False
        self._clear_move()
        self.denied = not actor.can(Perm.SCHEDULE_VIEW)
        if self.denied:
            self.loaded = True
            return None
        self.can_edit = actor.can(Perm.SCHEDULE_EDIT)
        self._timezone = await self.call(_tz, actor)
        choices = await self.call(sched.calendar_clinicians, actor)
        self.clinicians = [
            {"value": c.value, "label": c.label, "colour": grid.colour_class(int(c.value))}
            for c in choices
        ]
        self.clinician_pairs = _choices(choices)
        known = [c.value for c in choices]
        params = self.router.url.query_parameters
        day = grid.parse_day(str(params.get("date", "")))
        self.anchor = (day or self._today()).isoformat()
        wanted = [v for v in str(params.get("c", "")).split(",") if v in known]
        if not wanted:
            defaults = await self.call(sched.default_clinician_ids, actor)
            wanted = [str(i) for i in defaults if str(i) in known]
        # A clinician starts on their week; the front desk on today, everyone side by side.
        view = str(params.get("view", ""))
        self.view = view if view in grid.VIEWS else (grid.DAY if len(wanted) > 1 else grid.WEEK)
        self.selected = wanted[: grid.MAX_COLUMNS] if self.view == grid.DAY else wanted
        await self._refresh(actor, today=True)
        self.loaded = True
        case = str(params.get("case", ""))
        if case.isdigit() and self.can_edit:
            return BookingState.open_for_case(case)  # type: ignore[operator]
        return None

    async def _navigate(self, view: str, anchor: date):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.view = view
        self.anchor = anchor.isoformat()
        if view == grid.DAY and len(self.selected) > grid.MAX_COLUMNS:
            self.selected = self.selected[: grid.MAX_COLUMNS]
        self._clear_move()
        await self._refresh(actor)
        return self._keep_url()

    @rx.event
    async def go(self, direction: int):
        return await self._navigate(self.view, grid.step(self.view, self._anchor_day(), direction))

    @rx.event
    async def go_today(self):
        return await self._navigate(self.view, self._today())

    @rx.event
    async def set_view(self, view: str | list[str]):
        chosen = view if isinstance(view, str) else (view[0] if view else "")
        if chosen not in grid.VIEWS:
            return None
        return await self._navigate(chosen, self._anchor_day())

    @rx.event
    async def open_day(self, day: str):
        target = grid.parse_day(day)
        if target is None:
            return None
        return await self._navigate(grid.DAY, target)

    @rx.event
    async def toggle_clinician(self, value: str):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        if value in self.selected:
            self.selected = [v for v in self.selected if v != value]
        elif any(c["value"] == value for c in self.clinicians):
            order = [c["value"] for c in self.clinicians]
            self.selected = [v for v in order if v in self.selected or v == value]
            if self.view == grid.DAY and len(self.selected) > grid.MAX_COLUMNS:
                self.selected = self.selected[: grid.MAX_COLUMNS]
                yield rx.toast.info(f"The day view shows up to {grid.MAX_COLUMNS} clinicians.")
        self._clear_move()
        await self._refresh(actor, today=True)
        yield self._keep_url()

    @rx.event
    async def dates_set(self, start: str, end: str, _view_type: str):
        """FullCalendar says what it shows; reload only if that is not what was loaded."""
        first = grid.parse_day(start)
        if first is None or not self._range:
            return None
        shown = [first.isoformat(), (grid.parse_day(end) or first).isoformat()]
        if self.view == grid.DAY:
            shown[1] = (first + timedelta(days=1)).isoformat()
        if shown == self._range:
            return None
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if self.view == grid.DAY:
            self.anchor = first.isoformat()
        await self._refresh(actor)
        return None

    # --- dragging and resizing ---------------------------------------------------------------

    def _real_move(self, start: str, end: str) -> tuple[str, str, int | None]:
        """The dropped span as real local times, and the clinician of the column (day view)."""
        start_l, end_l = grid.local_minute(start), grid.local_minute(end)
        if self.view != grid.DAY:
            return start_l, end_l, None
        column, start_l = grid.from_column(start_l, self._anchor_day())
        end_l = grid.shift(end_l, -column) if end_l else end_l
        ids = self._selected_ids()
        return start_l, end_l, ids[column] if 0 <= column < len(ids) else None

    async def _try_move(self, actor: Actor, move: dict[str, Any], reason: str = "") -> str:
        """Ask the service to move; '' on success, else a message (the panel is filled)."""
        try:
            if move["kind"] == "a":
                await self.call(
                    sched.reschedule,
                    actor,
                    move["id"],
                    start_local=move["start"],
                    end_local=move["end"],
                    clinician_id=move["clinician"],
                    scope="this",
                    override_reason=reason,
                )
            else:
                await self.call(
                    sched.move_calendar_item,
                    actor,
                    move["id"],
                    start_local=move["start"],
                    end_local=move["end"],
                )
        except sched.SchedulingConflict as exc:
            self.move_messages = list(exc.info.messages)
            self.move_suggestions = _conflict_rows(exc.info)
            self.move_can_override = exc.info.can_override and move["kind"] == "a"
            self.move_reason_error = ""
            self._move = move
            return exc.info.messages[0] if exc.info.messages else "That time is not free."
        except ValidationFailed as exc:
            return next(iter(exc.errors.values()), exc.message)
        except DomainError as exc:
            return exc.message
        self._clear_move()
        return ""

    @rx.event
    async def move_event(self, event_id: str, start: str, end: str):
        """A drop or a resize on the grid; refused moves are put back by reloading."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self._clear_move()
        kind, raw = event_id[:1], event_id[1:]
        if kind not in {"a", "i"} or not raw.isdigit():
            await self._refresh(actor)
            return
        start_l, end_l, column_clinician = self._real_move(start, end)
        before = self._by_id.get(event_id, {})
        clinician = column_clinician
        if clinician is not None and clinician == before.get("clinician_id"):
            clinician = None
        if kind == "i" and clinician is not None:
            await self._refresh(actor)
            yield rx.toast.error("A block stays on its own calendar: move it within its column.")
            return
        move = {"kind": kind, "id": int(raw), "start": start_l, "end": end_l}
        move["clinician"] = clinician
        problem = await self._try_move(actor, move)
        await self._refresh(actor, today=True)
        if problem:
            yield rx.toast.error("Not moved: " + problem)
        else:
            yield rx.toast.success("Moved.")

    @rx.event
    async def move_to_suggestion(self, start_local: str):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        move = dict(self._move)
        if not move:
            return
        old_start = datetime.fromisoformat(move["start"])
        length = datetime.fromisoformat(move["end"]) - old_start
        new_start = datetime.fromisoformat(grid.local_minute(start_local))
        move["start"] = new_start.isoformat(timespec="minutes")
        move["end"] = (new_start + length).isoformat(timespec="minutes")
        problem = await self._try_move(actor, move)
        if not problem:
            self.anchor = new_start.date().isoformat() if self.view == grid.DAY else self.anchor
        await self._refresh(actor, today=True)
        yield rx.toast.error("Not moved: " + problem) if problem else rx.toast.success("Moved.")

    @rx.event
    async def move_anyway(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        reason = str(form.get("move_reason", "")).strip()
        if not reason:
            self.move_reason_error = "Say why this session may overlap (it is recorded)."
            return
        move = dict(self._move)
        if not move:
            return
        problem = await self._try_move(actor, move, reason)
        await self._refresh(actor, today=True)
        yield rx.toast.error("Not moved: " + problem) if problem else rx.toast.success("Moved.")

    @rx.event
    def dismiss_move(self):
        self._clear_move()

    # --- the "today" list ---------------------------------------------------------------------

    @rx.event
    async def mark(self, appointment_id: str, status: str):
        """One-click attended / no-show / late cancel (and undo) from the today list."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        if not appointment_id.isdigit():
            return
        try:
            recorded = await self.call(sched.set_status, actor, int(appointment_id), status)
        except ValidationFailed as exc:
            yield rx.toast.error(next(iter(exc.errors.values()), exc.message))
            return
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        finally:
            await self._refresh(actor, today=True)
        label = sched.STATUS_LABELS.get(recorded or status, status)
        yield rx.toast.success(f"Marked {label.lower()}.")


class BookingState(CalendarState):
    """The booking dialog: from a click on the grid, the toolbar, or a case (?case=ID)."""

    booking_open: bool = False
    case_options: list[list[str]] = []
    service_options: list[list[str]] = []
    clinician_options: list[list[str]] = []
    location_options: list[list[str]] = []
    room_options: list[list[str]] = []
    supervisor_options: list[list[str]] = []
    values: dict[str, str] = {}
    participants: list[dict[str, str]] = []
    repeat: str = ""
    repeat_end: str = "never"
    errors: dict[str, str] = {}
    conflict_messages: list[str] = []
    suggestions: list[list[str]] = []
    can_override: bool = False
    outside_hours_only: bool = False
    override_error: str = ""
    form_rev: int = 0
    duration_rev: int = 0
    saving: bool = False
    _data: dict[str, Any] = {}

    def _reset_booking(self) -> None:
        self.errors, self.conflict_messages, self.suggestions = {}, [], []
        self.can_override = self.outside_hours_only = self.saving = False
        self.override_error, self._data = "", {}

    async def _open(self, actor: Actor, **kwargs: Any) -> Any:
        if not actor.can(Perm.SCHEDULE_EDIT):
            return rx.toast.error("You can view the calendar but not book sessions.")
        try:
            form = await self.call(sched.new_appointment_form, actor, **kwargs)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._reset_booking()
        self.case_options = _choices(form.cases)
        self.service_options = _choices(form.services)
        self.clinician_options = _choices(form.clinicians)
        self.location_options = _choices(form.locations)
        self.room_options = _choices(form.rooms)
        self.supervisor_options = _choices(form.supervisors)
        self.values = _strings(asdict(form.values))
        self.repeat, self.repeat_end = form.values.repeat, form.values.repeat_end or "never"
        await self._load_participants(actor, form.values.case_id, form.values.attendee_ids)
        self.form_rev += 1
        self.booking_open = True
        return None

    async def _load_participants(
        self, actor: Actor, case_id: str, attending: list[str] | None = None
    ) -> None:
        if not case_id.isdigit():
            self.participants = []
            return
        try:
            people = await self.call(sched.case_participants, actor, int(case_id))
        except DomainError:
            people = []
        chosen = set(attending or [p.value for p in people])
        self.participants = [
            {"value": p.value, "label": p.label, "checked": "1" if p.value in chosen else ""}
            for p in people
        ]

    @rx.event
    async def open_blank(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        ids = self._selected_ids()
        return await self._open(actor, clinician_id=ids[0] if len(ids) == 1 else None)

    @rx.event
    async def open_for_case(self, case_id: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        return await self._open(actor, case_id=int(case_id) if case_id.isdigit() else None)

    @rx.event
    async def from_grid(self, start: str, end: str, all_day: bool, _view_type: str):
        """A click or drag on free time opens the form at that time (a day in the month view
        opens that day)."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if all_day or len(grid.local_minute(start)) < 16:
            day = grid.parse_day(start)
            return CalendarState.open_day(day.isoformat()) if day else None  # type: ignore[operator]
        start_l, end_l, clinician = self._real_move(start, end)
        ids = self._selected_ids()
        if clinician is None and len(ids) == 1:
            clinician = ids[0]
        return await self._open(actor, clinician_id=clinician, start_local=start_l, end_local=end_l)

    @rx.event
    def close_booking(self):
        self.booking_open = False
        self._reset_booking()

    @rx.event
    def booking_open_change(self, is_open: bool):
        if not is_open:
            self.booking_open = False
            self._reset_booking()

    @rx.event
    async def case_changed(self, case_id: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.values = {**self.values, "case_id": case_id}
        await self._load_participants(actor, case_id)
        return None

    @rx.event
    def service_changed(self, service_id: str):
        """The length follows the service (its minutes are in the option's label)."""
        label = next((lbl for v, lbl in self.service_options if v == service_id), "")
        match = _MINUTES.search(label)
        values = {**self.values, "service_id": service_id}
        if match:
            values["duration_minutes"] = match.group(1)
        self.values = values
        self.duration_rev += 1

    @rx.event
    def set_repeat(self, value: str):
        self.repeat = value

    @rx.event
    def set_repeat_end(self, value: str):
        self.repeat_end = value

    def _input(self, form: dict[str, Any]) -> AppointmentInput:
        text = {k: str(v).strip() for k, v in form.items() if isinstance(k, str)}
        attendees = [
            k.removeprefix("attendee_")
            for k, v in form.items()
            if isinstance(k, str) and k.startswith("attendee_") and str(v).lower() in {"on", "true"}
        ]
        if self.participants and not attendees:
            attendees = ["none"]  # all unticked: the service says someone must attend
        return AppointmentInput(
            case_id=text.get("case_id", ""),
            service_id=text.get("service_id", ""),
            clinician_id=text.get("clinician_id", ""),
            location_id=text.get("location_id", ""),
            room_id=text.get("room_id", ""),
            date=text.get("date", ""),
            start_time=text.get("start_time", ""),
            duration_minutes=text.get("duration_minutes", ""),
            attendee_ids=attendees,
            fee_override=text.get("fee_override", ""),
            supervisor_override_id=text.get("supervisor_override_id", ""),
            repeat=text.get("repeat", ""),
            repeat_end=text.get("repeat_end", "never") or "never",
            repeat_until=text.get("repeat_until", ""),
            repeat_count=text.get("repeat_count", ""),
        )

    async def _attempt(self, data: AppointmentInput):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self._data = asdict(data)
        self.saving = True
        yield
        try:
            await self.call(sched.book, actor, data)
        except ValidationFailed as exc:
            self.errors = dict(exc.errors)
            self.conflict_messages, self.suggestions = [], []
            if "attendee_ids" in exc.errors and data.attendee_ids == ["none"]:
                self.errors["attendee_ids"] = "Tick at least one person who attends."
        except sched.SchedulingConflict as exc:
            self.errors = {}
            self.conflict_messages = list(exc.info.messages)
            self.suggestions = _conflict_rows(exc.info)
            self.can_override = exc.info.can_override
            self.outside_hours_only = exc.info.outside_hours_only
            yield _reveal("booking-conflict")
        except DomainError as exc:
            yield rx.toast.error(exc.message)
        else:
            self.booking_open = False
            self._reset_booking()
            booked = grid.parse_day(data.date)
            if booked is not None:
                self.anchor = booked.isoformat()
            if data.clinician_id and data.clinician_id not in self.selected:
                self.selected = [*self.selected, data.clinician_id]
            await self._refresh(actor, today=True)
            yield rx.toast.success("Series booked." if data.repeat else "Session booked.")
            yield self._keep_url()
        self.saving = False

    @rx.event
    async def submit(self, form: dict[str, Any]):
        self.override_error = ""
        async for step in self._attempt(self._input(form)):
            yield step

    @rx.event
    async def use_suggestion(self, start_local: str):
        """Book the same session at a suggested free time (the form shows the new time)."""
        if not self._data:
            return
        data = AppointmentInput(**self._data)
        minute = grid.local_minute(start_local)
        data = replace(data, date=minute[:10], start_time=minute[11:16])
        self.values = {**_strings(asdict(data)), "override_reason": ""}
        self.form_rev += 1
        async for step in self._attempt(data):
            yield step

    @rx.event
    async def book_anyway(self, form: dict[str, Any]):
        reason = str(form.get("override_reason", "")).strip()
        if not reason:
            self.override_error = "Say why this booking may go ahead (it is recorded)."
            return
        if not self._data:
            return
        self.override_error = ""
        data = replace(AppointmentInput(**self._data), override_reason=reason)
        async for step in self._attempt(data):
            yield step

    @rx.event
    async def block_instead(self):
        """Turn the chosen time into a block (supervision, admin, personal) instead."""
        values = dict(self.values)
        self.booking_open = False
        self._reset_booking()
        return BlockState.open_block_with(  # type: ignore[operator]
            values.get("clinician_id", ""), values.get("date", ""), values.get("start_time", "")
        )


class PanelState(CalendarState):
    """The panel for one session (details, status, cancel, move, who attends) or block."""

    panel_open: bool = False
    panel_kind: str = "appointment"
    appt: dict[str, str] = {}
    is_series: bool = False
    panel_can_edit: bool = False
    attendee_rows: list[dict[str, str]] = []
    panel_errors: dict[str, str] = {}
    panel_tab: str = "details"
    scope: str = "this"
    cancel_by: str = "cancelled_client"
    panel_rev: int = 0
    panel_messages: list[str] = []
    panel_suggestions: list[list[str]] = []
    panel_can_override: bool = False
    item: dict[str, str] = {}
    _pending_move: dict[str, Any] = {}

    def _reset_panel(self) -> None:
        self.panel_errors, self.panel_messages, self.panel_suggestions = {}, [], []
        self.panel_can_override, self._pending_move = False, {}

    async def _show(self, actor: Actor, appointment_id: int) -> Any:
        try:
            view = await self.call(sched.get_appointment, actor, appointment_id)
        except DomainError as exc:
            self.panel_open = False
            return rx.toast.error(exc.message)
        start = grid.local_minute(view.start)
        end = grid.local_minute(view.end)
        self.appt = {
            **_strings(asdict(view)),
            "case_href": case_url(view.case_id) if view.case_title != "Session" else "",
            "attending": ", ".join(a.label for a in view.attendees),
            "move_date": start[:10],
            "move_start": start[11:16],
            "move_end": end[11:16],
            "scheduled": "1" if view.status == "scheduled" else "",
            # Attended and no-show are for sessions that have begun (the service insists).
            "started": "1" if datetime.fromisoformat(view.start) <= clock.now() else "",
        }
        self.is_series = view.series_id is not None
        self.panel_can_edit = view.can_edit and self.can_edit
        attending = {a.value for a in view.attendees}
        self.attendee_rows = [
            {"value": p.value, "label": p.label, "checked": "1" if p.value in attending else ""}
            for p in view.participants
        ]
        self.panel_kind = "appointment"
        self.panel_rev += 1
        self.panel_open = True
        return None

    @rx.event
    async def open_event(self, event_id: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self._reset_panel()
        self.scope, self.cancel_by, self.panel_tab = "this", "cancelled_client", "details"
        if event_id.startswith("a") and event_id[1:].isdigit():
            return await self._show(actor, int(event_id[1:]))
        found = self._by_id.get(event_id)
        if event_id.startswith("i") and found:
            start, end = grid.local_minute(found["start"]), grid.local_minute(found["end"])
            day = grid.parse_day(start)
            self.item = {
                "id": event_id[1:],
                "title": found["title"],
                "who": found["clinician_name"],
                "when": (f"{day:%A} {day.day} {day:%B}, " if day else "")
                + f"{start[11:16]} – {end[11:16]}",
                "editable": "1" if found.get("editable") else "",
            }
            self.panel_kind = "item"
            self.panel_open = True
        return None

    @rx.event
    async def open_appointment(self, appointment_id: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self._reset_panel()
        self.scope, self.cancel_by, self.panel_tab = "this", "cancelled_client", "details"
        if appointment_id.isdigit():
            return await self._show(actor, int(appointment_id))
        return None

    @rx.event
    def panel_open_change(self, is_open: bool):
        if not is_open:
            self.panel_open = False
            self._reset_panel()

    @rx.event
    def close_panel(self):
        self.panel_open = False
        self._reset_panel()

    @rx.event
    def set_panel_tab(self, tab: str):
        self.panel_tab = tab
        self._reset_panel()

    @rx.event
    def set_scope(self, value: str):
        self.scope = value if value in sched.SCOPES else "this"

    @rx.event
    def set_cancel_by(self, value: str):
        self.cancel_by = value if value in CANCEL_STATUSES else "cancelled_client"

    async def _after_change(self, actor: Actor, message: str):
        await self._refresh(actor, today=True)
        if self.appt.get("id", "").isdigit():
            await self._show(actor, int(self.appt["id"]))
        return rx.toast.success(message)

    @rx.event
    async def set_status(self, status: str):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self._reset_panel()
        try:
            recorded = await self.call(sched.set_status, actor, int(self.appt["id"]), status)
        except ValidationFailed as exc:
            self.panel_errors = dict(exc.errors)
            return
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        label = sched.STATUS_LABELS.get(recorded or status, status).lower()
        yield await self._after_change(actor, f"Marked {label}.")

    @rx.event
    async def cancel(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self._reset_panel()
        status = str(form.get("cancel_by", self.cancel_by))
        if status not in CANCEL_STATUSES:
            self.panel_errors = {"status": "Choose who cancelled."}
            return
        scope = str(form.get("scope", "this")) if self.is_series else "this"
        reason = str(form.get("reason", "")).strip()
        try:
            recorded = await self.call(
                sched.set_status, actor, int(self.appt["id"]), status, reason=reason, scope=scope
            )
        except ValidationFailed as exc:
            self.panel_errors = dict(exc.errors)
            return
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        what = {"this": "Session", "following": "This and following sessions", "all": "Series"}
        label = sched.STATUS_LABELS.get(recorded or status, status).lower()
        self.panel_tab = "details"
        yield await self._after_change(actor, f"{what.get(scope, 'Session')}: {label}.")

    async def _try_panel_move(self, actor: Actor, move: dict[str, Any], reason: str = ""):
        try:
            await self.call(
                sched.reschedule,
                actor,
                int(self.appt["id"]),
                start_local=move["start"],
                end_local=move["end"],
                scope=move["scope"],
                override_reason=reason,
            )
        except ValidationFailed as exc:
            self.panel_errors = dict(exc.errors)
            return None
        except sched.SchedulingConflict as exc:
            self.panel_messages = list(exc.info.messages)
            self.panel_suggestions = _conflict_rows(exc.info)
            self.panel_can_override = exc.info.can_override
            self._pending_move = move
            return _reveal("panel-conflict")
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._reset_panel()
        self.panel_tab = "details"
        moved = grid.parse_day(move["start"])
        if moved is not None and self.view == grid.DAY:
            self.anchor = moved.isoformat()
        return await self._after_change(actor, "Moved.")

    @rx.event
    async def move(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self._reset_panel()
        day = str(form.get("move_date", "")).strip()
        start = str(form.get("start_time", "")).strip()
        end = str(form.get("end_time", "")).strip()
        errors: dict[str, str] = {}
        if grid.parse_day(day) is None:
            errors["move_date"] = "Enter the date, like 2026-03-03."
        if not re.fullmatch(r"\d{1,2}:\d{2}", start):
            errors["start_time"] = "Enter the start time, like 17:00."
        if not re.fullmatch(r"\d{1,2}:\d{2}", end):
            errors["end_time"] = "Enter the end time, like 17:50."
        if errors:
            self.panel_errors = errors
            return None
        move = {
            "start": f"{day}T{start.zfill(5)}",
            "end": f"{day}T{end.zfill(5)}",
            "scope": str(form.get("scope", "this")) if self.is_series else "this",
        }
        return await self._try_panel_move(actor, move)

    @rx.event
    async def move_panel_suggestion(self, start_local: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        move = dict(self._pending_move)
        if not move:
            return None
        length = datetime.fromisoformat(move["end"]) - datetime.fromisoformat(move["start"])
        new_start = datetime.fromisoformat(grid.local_minute(start_local))
        move["start"] = new_start.isoformat(timespec="minutes")
        move["end"] = (new_start + length).isoformat(timespec="minutes")
        self._reset_panel()
        return await self._try_panel_move(actor, move)

    @rx.event
    async def move_panel_anyway(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        reason = str(form.get("panel_override_reason", "")).strip()
        if not reason:
            self.panel_errors = {"panel_override_reason": "Say why (it is recorded)."}
            return None
        move = dict(self._pending_move)
        if not move:
            return None
        return await self._try_panel_move(actor, move, reason)

    @rx.event
    async def save_attendees(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self._reset_panel()
        chosen = [
            int(k.removeprefix("attends_"))
            for k, v in form.items()
            if isinstance(k, str)
            and k.startswith("attends_")
            and k.removeprefix("attends_").isdigit()
            and str(v).lower() in {"on", "true"}
        ]
        try:
            await self.call(sched.set_attendees, actor, int(self.appt["id"]), chosen)
        except ValidationFailed as exc:
            self.panel_errors = dict(exc.errors)
            return
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        yield await self._after_change(actor, "Attendees saved.")

    @rx.event
    async def cancel_item(self):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        item_id = self.item.get("id", "")
        if not item_id.isdigit():
            return
        try:
            await self.call(sched.cancel_calendar_item, actor, int(item_id))
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        self.panel_open = False
        await self._refresh(actor)
        yield rx.toast.success("Block removed.")


class BlockState(CalendarState):
    """Add a block of other time: supervision, admin or personal (no client)."""

    block_open: bool = False
    block_values: dict[str, str] = {}
    block_errors: dict[str, str] = {}
    block_messages: list[str] = []
    block_kind: str = "admin"
    block_rev: int = 0
    block_can_override: bool = False
    _block_data: dict[str, Any] = {}

    def _start_block(self, staff: str, day: str, start: str) -> None:
        ids = self.selected
        default_staff = staff or (ids[0] if ids else "")
        start = start or "12:00"
        try:
            end = (datetime.fromisoformat(f"2000-01-01T{start}") + timedelta(hours=1)).strftime(
                "%H:%M"
            )
        except ValueError:
            end = ""
        self.block_values = {
            "staff_id": default_staff,
            "date": day or self.anchor,
            "start_time": start,
            "end_time": end,
            "title": "",
            "with_staff_id": "",
        }
        self.block_errors, self.block_messages, self._block_data = {}, [], {}
        self.block_can_override = False
        self.block_kind = "admin"
        self.block_rev += 1
        self.block_open = True

    @rx.event
    async def open_block(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not actor.can(Perm.SCHEDULE_EDIT):
            return rx.toast.error("You can view the calendar but not change it.")
        self._start_block("", "", "")
        return None

    @rx.event
    def open_block_with(self, staff: str, day: str, start: str):
        self._start_block(staff, day, start)

    @rx.event
    def block_open_change(self, is_open: bool):
        if not is_open:
            self.block_open = False

    @rx.event
    def set_block_kind(self, value: str):
        self.block_kind = value

    async def _save_block(self, data: dict[str, Any], reason: str = ""):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self._block_data = data
        staff = data.get("staff_id", "")
        other = data.get("with_staff_id", "")
        errors: dict[str, str] = {}
        if not staff.isdigit():
            errors["staff_id"] = "Choose whose calendar to block."
        if grid.parse_day(data.get("date", "")) is None:
            errors["date"] = "Enter the date, like 2026-03-03."
        if errors:
            self.block_errors = errors
            return None
        day = data["date"]
        try:
            await self.call(
                sched.add_calendar_item,
                actor,
                staff_id=int(staff),
                kind=data.get("kind", ""),
                title=data.get("title", ""),
                start_local=f"{day}T{data.get('start_time', '')}",
                end_local=f"{day}T{data.get('end_time', '')}",
                with_staff_id=int(other)
                if other.isdigit() and data.get("kind") == "supervision"
                else None,
                override_reason=reason,
            )
        except ValidationFailed as exc:
            self.block_errors, self.block_messages = dict(exc.errors), []
            return None
        except sched.SchedulingConflict as exc:
            self.block_errors = {}
            self.block_messages = list(exc.info.messages)
            self.block_can_override = exc.info.can_override
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.block_open = False
        self.anchor = day if self.view == grid.DAY else self.anchor
        await self._refresh(actor)
        return rx.toast.success("Time blocked.")

    @rx.event
    async def save_block(self, form: dict[str, Any]):
        data = {k: str(v).strip() for k, v in form.items() if isinstance(k, str)}
        self.block_values = {**self.block_values, **data}
        self.block_messages = []
        return await self._save_block(data)

    @rx.event
    async def block_anyway(self, form: dict[str, Any]):
        reason = str(form.get("block_reason", "")).strip()
        if not reason:
            self.block_errors = {"block_reason": "Say why this may overlap (it is recorded)."}
            return None
        return await self._save_block(dict(self._block_data), reason)
