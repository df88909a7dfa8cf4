"""The panel for one session (details, status, cancel, move, who attends) or one block."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

import reflex as rx

from practicerunner.core import clock
from practicerunner.core.errors import DomainError, ValidationFailed
from practicerunner.core.permissions import Actor
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.calendar_ui import grid
from practicerunner.scheduling.calendar_ui.state import (
    CalendarState,
    conflict_rows,
    reveal,
    strings,
)
from practicerunner.supervision.coverage import set_session_supervisor
from practicerunner.ui.routes import case_url

CANCEL_STATUSES = ("cancelled_client", "cancelled_practice")


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
    # An associate's session: the supervisors the front desk or owner may choose to cover it.
    supervisor_options: list[list[str]] = []
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
            **strings(asdict(view)),
            "case_href": case_url(view.case_id) if view.case_title != "Session" else "",
            "attending": ", ".join(a.label for a in view.attendees),
            "move_date": start[:10],
            "move_start": start[11:16],
            "move_end": end[11:16],
            "scheduled": "1" if view.status == "scheduled" else "",
            # Attended and no-show are for sessions that have begun (the service insists).
            "started": "1" if datetime.fromisoformat(view.start) <= clock.now() else "",
            # The reason begins with the name the line already shows in bold.
            "supervisor_why": view.supervisor_why.removeprefix(f"{view.supervisor} ")
            if view.supervisor
            else view.supervisor_why,
        }
        self.is_series = view.series_id is not None
        self.supervisor_options = [[c.value, c.label] for c in view.supervisor_choices]
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
            self.panel_suggestions = conflict_rows(exc.info)
            self.panel_can_override = exc.info.can_override
            self._pending_move = move
            return reveal("panel-conflict")
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
    async def save_supervisor(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self._reset_panel()
        chosen = str(form.get("supervisor_override_id", "")).strip()
        if chosen and not chosen.isdigit():
            self.panel_errors = {"supervisor_override_id": "Choose a supervisor from the list."}
            return
        try:
            now = await self.call(
                set_session_supervisor,
                actor,
                int(self.appt["id"]),
                int(chosen) if chosen else None,
            )
        except ValidationFailed as exc:
            self.panel_errors = dict(exc.errors)
            return
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        self.panel_tab = "details"
        await self._show(actor, int(self.appt["id"]))
        yield rx.toast.success(
            f"{now.supervisor_name} supervises this session."
            if now.supervisor_id
            else "Saved: nobody resolves as supervisor."
        )

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
