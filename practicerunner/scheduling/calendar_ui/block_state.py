"""The block dialog: supervision, admin or personal time on a calendar (no client)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import reflex as rx

from practicerunner.core.errors import DomainError, ValidationFailed
from practicerunner.core.permissions import Perm
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.calendar_ui import grid
from practicerunner.scheduling.calendar_ui.state import (
    CalendarState,
)


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
