"""The calendar screen's main state: the grid, its toolbar, the clinicians shown, the "today"
list and drag and drop. Thin: it calls scheduling.service and holds view data.

The booking dialog, the appointment panel and the block dialog are substates of
CalendarState (booking_state, panel_state, block_state): their handlers read and reload the
grid through the parent's vars and helpers. Every handler resolves the actor again and the
service re-checks permissions; the UI only hides what cannot be done.
"""

from __future__ import annotations

import json
from dataclasses import asdict
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
from practicerunner.scheduling.views import CalendarEvent, ConflictInfo
from practicerunner.ui.routes import CALENDAR
from practicerunner.ui.session import SessionState


def reveal(element_id: str) -> Any:
    """Scroll a panel that just appeared into view (once React has drawn it)."""
    return rx.call_script(
        f"setTimeout(() => document.getElementById({json.dumps(element_id)})"
        "?.scrollIntoView({block: 'nearest', behavior: 'smooth'}), 60)"
    )


def choices(items: list[Any]) -> list[list[str]]:
    """Choice view models as [value, label] pairs for native selects."""
    return [[c.value, c.label] for c in items]


def conflict_rows(info: ConflictInfo) -> list[list[str]]:
    """The suggested free times as [ISO local start, label] pairs."""
    return [list(p) for p in zip(info.suggestions, info.suggestion_labels, strict=False)]


def strings(values: dict[str, Any]) -> dict[str, str]:
    """A view model's scalar fields as strings (what a form's default values need)."""
    return {k: "" if v is None else str(v) for k, v in values.items() if not isinstance(v, list)}


def _tz(session: Session, _actor: Actor) -> str:
    return sched.practice_timezone(session)


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
        start, end = grid.visible_range(self.view, self._anchor_day())
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
            blocks = await self.call(sched.calendar_availability, actor, start_utc, end_utc, ids)
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
        visible = await self.call(sched.calendar_clinicians, actor)
        self.clinicians = [
            {"value": c.value, "label": c.label, "colour": grid.colour_class(int(c.value))}
            for c in visible
        ]
        self.clinician_pairs = choices(visible)
        known = [c.value for c in visible]
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
            from practicerunner.scheduling.calendar_ui.booking_state import BookingState

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
            self.move_suggestions = conflict_rows(exc.info)
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
