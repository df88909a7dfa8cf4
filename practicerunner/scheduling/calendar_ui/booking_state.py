"""The booking dialog: from a click on the grid, the toolbar, or a case (?case=ID)."""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from typing import Any

import reflex as rx

from practicerunner.core.errors import DomainError, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.calendar_ui import grid
from practicerunner.scheduling.calendar_ui.block_state import BlockState
from practicerunner.scheduling.calendar_ui.state import (
    CalendarState,
    choices,
    conflict_rows,
    reveal,
    strings,
)
from practicerunner.scheduling.views import AppointmentInput

# The length of a service, from its option label "Individual therapy (53 min)".
_MINUTES = re.compile(r"(\d+) min\)?\s*$")


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
        self.case_options = choices(form.cases)
        self.service_options = choices(form.services)
        self.clinician_options = choices(form.clinicians)
        self.location_options = choices(form.locations)
        self.room_options = choices(form.rooms)
        self.supervisor_options = choices(form.supervisors)
        self.values = strings(asdict(form.values))
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
            self.suggestions = conflict_rows(exc.info)
            self.can_override = exc.info.can_override
            self.outside_hours_only = exc.info.outside_hours_only
            yield reveal("booking-conflict")
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
        self.values = {**strings(asdict(data)), "override_reason": ""}
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
