"""Reflex states for availability, practice holidays and rooms: thin, they call services.

The weekly hours editor is controlled (rows live here, so adding or removing a row never
loses what was typed); the time-off, buffer, holiday and room forms are uncontrolled, and a
refused save leaves the browser's values where they are. Bumping a `*_rev` (part of a form's
key) remounts that form empty after a successful save.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import time
from typing import Any

import reflex as rx

from practicerunner.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Perm
from practicerunner.scheduling import availability as av
from practicerunner.scheduling import rooms
from practicerunner.scheduling.availability.wording import WEEKDAYS, range_label
from practicerunner.ui.session import SessionState

_DEFAULT_START, _DEFAULT_END = "09:00", "17:00"


def _label(start: str, end: str) -> str:
    try:
        return range_label(time.fromisoformat(start), time.fromisoformat(end))
    except ValueError:
        return f"{start} – {end}"


def _later(hhmm: str, hours: int = 2) -> str:
    """HH:MM plus HOURS, no later than 23:59 ("" when HHMM is not a time)."""
    try:
        t = time.fromisoformat(hhmm)
    except ValueError:
        return ""
    minutes = min(t.hour * 60 + t.minute + hours * 60, 23 * 60 + 59)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _exception_rows(form: av.AvailabilityForm) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in asdict(e).items()} for e in form.exceptions]


def _zone_label(timezone: str) -> str:
    """'America/Los_Angeles' → 'Los Angeles time (America/Los_Angeles)'."""
    city = timezone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time ({timezone})"


class AvailabilityState(SessionState):
    """/availability: one clinician's weekly hours, time off and extra hours, and buffer."""

    loaded: bool = False
    denied: bool = False
    can_edit: bool = False
    can_manage_practice: bool = False
    clinicians: list[list[str]] = []  # [id, name]
    clinician_id: str = ""
    clinician_name: str = ""
    timezone_label: str = ""
    locations: list[list[str]] = []  # [id, name]
    # The weekly hours editor: every row, and the same rows split by weekday for display.
    rows: list[dict[str, str]] = []  # i, weekday, start, end, location_id, label, location
    day_rows: list[list[dict[str, str]]] = [[] for _ in WEEKDAYS]
    total_label: str = ""
    dirty: bool = False
    saving: bool = False
    errors: dict[str, str] = {}
    buffer: str = "0"
    buffer_errors: dict[str, str] = {}
    buffer_rev: int = 0
    exceptions: list[dict[str, str]] = []
    exception_errors: dict[str, str] = {}
    exception_rev: int = 0

    # --- loading ---------------------------------------------------------------------------

    def _show(self, form: av.AvailabilityForm) -> None:
        """Everything on the page, for a newly opened clinician."""
        self.clinician_id = str(form.staff_id)
        self.clinician_name = form.staff_name
        self.can_edit = form.can_edit
        self.timezone_label = _zone_label(form.timezone)
        self.buffer = str(form.buffer_minutes)
        self.exceptions = _exception_rows(form)
        self.buffer_errors, self.exception_errors = {}, {}
        self.buffer_rev += 1
        self.exception_rev += 1
        self._show_hours(form)

    def _show_hours(self, form: av.AvailabilityForm) -> None:
        """The weekly hours editor as saved (the other forms keep what is typed in them)."""
        self.locations = [[c.value, c.label] for c in form.locations]
        self.rows = [
            {
                "weekday": str(h.weekday),
                "start": h.start,
                "end": h.end,
                "location_id": str(h.location_id),
            }
            for h in form.hours
        ]
        self.total_label = form.weekly_total_label
        self.errors = {}
        self.dirty = False
        self._refresh()

    def _refresh(self) -> None:
        """Number the rows and split them by weekday (each day's blocks by start)."""
        names = dict((c[0], c[1]) for c in self.locations)
        numbered = [
            {
                **r,
                "i": str(i),
                "label": _label(r["start"], r["end"]),
                "location": names.get(r["location_id"], ""),
            }
            for i, r in enumerate(self.rows)
        ]
        self.rows = numbered
        days: list[list[dict[str, str]]] = [[] for _ in WEEKDAYS]
        for row in numbered:
            day = int(row["weekday"]) if row["weekday"].isdigit() else 0
            days[min(day, 6)].append(row)
        self.day_rows = days

    async def _open(self, staff_id: int | None):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            choices = await self.call(av.clinician_choices, actor)
            if staff_id is None:
                staff_id = await self.call(av.default_clinician_id, actor)
            if staff_id is None:
                raise NotFound("clinician")
            form = await self.call(av.get_availability_form, actor, staff_id)
        except (PermissionDenied, NotFound):
            self.denied, self.loaded = True, True
            return None
        self.clinicians = [[c.value, c.label] for c in choices]
        self.can_manage_practice = actor.can(Perm.PRACTICE_MANAGE)
        self._show(form)
        self.denied, self.loaded = False, True
        return None

    @rx.event
    async def load(self):
        self.loaded = False
        raw = str(self.router.url.query_parameters.get("clinician", "") or "")
        return await self._open(int(raw) if raw.isdigit() else None)

    @rx.event
    async def pick_clinician(self, value: str):
        if not value.isdigit():
            return None
        return await self._open(int(value))

    # --- the weekly hours editor -----------------------------------------------------------

    def _set(self, i: str, key: str, value: str) -> None:
        index = int(i) if str(i).isdigit() else -1
        self.rows = [{**r, key: value} if n == index else r for n, r in enumerate(self.rows)]
        self.dirty = True
        self._refresh()

    @rx.event
    def add_row(self, weekday: int):
        """A new block on WEEKDAY: after the day's last block, or 9 to 5 at the first place."""
        same_day = [r for r in self.rows if r["weekday"] == str(weekday)]
        start, end = _DEFAULT_START, _DEFAULT_END
        location = self.locations[0][0] if self.locations else ""
        if same_day:
            last = max(same_day, key=lambda r: r["end"])
            start, end, location = last["end"], _later(last["end"]), last["location_id"]
        new = {"weekday": str(weekday), "start": start, "end": end, "location_id": location}
        self.rows = [*self.rows, new]
        self.errors = {}
        self.dirty = True
        self._refresh()

    @rx.event
    def remove_row(self, i: str):
        index = int(i) if str(i).isdigit() else -1
        self.rows = [r for n, r in enumerate(self.rows) if n != index]
        self.errors = {}  # messages are keyed by row number, which just changed
        self.dirty = True
        self._refresh()

    @rx.event
    def set_start(self, i: str, value: str):
        self._set(i, "start", value)

    @rx.event
    def set_end(self, i: str, value: str):
        self._set(i, "end", value)

    @rx.event
    def set_location(self, i: str, value: str):
        self._set(i, "location_id", value)

    @rx.event
    async def discard(self):
        return await self._open(int(self.clinician_id) if self.clinician_id.isdigit() else None)

    @rx.event
    async def save_hours(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        rows = [
            av.HoursInput(r["weekday"], r["start"], r["end"], r["location_id"]) for r in self.rows
        ]
        try:
            form = await self.call(av.save_weekly_hours, actor, int(self.clinician_id), rows)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._show_hours(form)
        return rx.toast.success(f"Weekly hours saved for {form.staff_name}.")

    # --- buffer and dated changes ----------------------------------------------------------

    @rx.event
    async def save_buffer(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        typed = str(form.get("buffer_minutes", ""))
        try:
            value = await self.call(av.set_buffer, actor, int(self.clinician_id), typed)
        except ValidationFailed as exc:
            self.buffer_errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.buffer, self.buffer_errors = str(value), {}
        self.buffer_rev += 1
        minutes = "no buffer" if value == 0 else f"{value} minutes"
        return rx.toast.success(f"Buffer saved: {minutes} between sessions.")

    async def _reload_exceptions(self, actor: Any) -> None:
        form = await self.call(av.get_availability_form, actor, int(self.clinician_id))
        self.exceptions = _exception_rows(form)

    @rx.event
    async def add_exception(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        data = av.ExceptionInput.from_form(form)
        try:
            view = await self.call(av.add_exception, actor, int(self.clinician_id), data)
            await self._reload_exceptions(actor)
        except ValidationFailed as exc:
            self.exception_errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.exception_errors = {}
        self.exception_rev += 1
        return rx.toast.success(f"{view.kind_label} added for {view.date_label}.")

    @rx.event
    async def remove_exception(self, exception_id: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not str(exception_id).isdigit():
            return None
        try:
            await self.call(av.remove_exception, actor, int(exception_id))
            await self._reload_exceptions(actor)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success("Removed.")


class HolidaysState(SessionState):
    """/settings/holidays: the days the practice is closed."""

    loaded: bool = False
    denied: bool = False
    rows: list[dict[str, str]] = []
    years: list[str] = []
    errors: dict[str, str] = {}
    rev: int = 0

    async def _reload(self, actor: Any) -> None:
        views = await self.call(av.list_holidays, actor)
        self.rows = [
            {
                k: ("yes" if v is True else "" if v is False else str(v))
                for k, v in asdict(h).items()
            }
            for h in views
        ]

    @rx.event
    async def load(self):
        self.errors = {}
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            await self._reload(actor)
            self.years = [str(y) for y in await self.call(av.federal_years, actor)]
            self.denied = False
        except PermissionDenied:
            self.denied = True
        self.loaded = True
        return None

    @rx.event
    async def add(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            view = await self.call(av.add_holiday, actor, av.HolidayInput.from_form(form))
            await self._reload(actor)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors = {}
        self.rev += 1
        return rx.toast.success(f"The practice is closed on {view.date_label}.")

    @rx.event
    async def add_federal(self, year: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            added = await self.call(av.add_us_federal_holidays, actor, year)
            await self._reload(actor)
        except ValidationFailed as exc:
            return rx.toast.error(next(iter(exc.errors.values()), exc.message))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        if added == 0:
            return rx.toast.info(f"The {year} federal holidays are already there.")
        return rx.toast.success(f"Added {added} US federal holidays for {year}.")

    @rx.event
    async def remove(self, holiday_id: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not str(holiday_id).isdigit():
            return None
        try:
            await self.call(av.remove_holiday, actor, int(holiday_id))
            await self._reload(actor)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success("Holiday removed; the practice is open that day.")


class RoomsState(SessionState):
    """The rooms dialog of an office on the locations page."""

    dialog_open: bool = False
    location_id: str = ""
    location_name: str = ""
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    rename_errors: dict[str, str] = {}
    renaming: str = ""  # a room id, or ""
    rev: int = 0

    async def _reload(self, actor: Any) -> None:
        views = await self.call(rooms.list_rooms, actor, int(self.location_id))
        self.rows = [
            {"id": str(r.id), "name": r.name, "is_active": "yes" if r.is_active else ""}
            for r in views
        ]

    @rx.event
    async def open_for(self, location_id: str, name: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not str(location_id).isdigit():
            return None
        self.location_id, self.location_name = str(location_id), name
        self.errors, self.rename_errors, self.renaming = {}, {}, ""
        self.rev += 1
        try:
            await self._reload(actor)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, is_open: bool):
        self.dialog_open = is_open

    @rx.event
    def start_rename(self, room_id: str):
        self.renaming, self.rename_errors = room_id, {}

    @rx.event
    def cancel_rename(self):
        self.renaming, self.rename_errors = "", {}

    @rx.event
    async def add(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        name = str(form.get("room_name", ""))
        try:
            view = await self.call(rooms.add_room, actor, int(self.location_id), name)
            await self._reload(actor)
        except ValidationFailed as exc:
            self.errors = {"room_name": next(iter(exc.errors.values()), exc.message)}
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors = {}
        self.rev += 1
        return rx.toast.success(f"{view.name} added to {self.location_name}.")

    @rx.event
    async def rename(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        name = str(form.get("new_name", ""))
        try:
            view = await self.call(rooms.rename_room, actor, int(self.renaming), name)
            await self._reload(actor)
        except ValidationFailed as exc:
            self.rename_errors = {"new_name": next(iter(exc.errors.values()), exc.message)}
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.renaming, self.rename_errors = "", {}
        return rx.toast.success(f"Room renamed to {view.name}.")

    @rx.event
    async def set_active(self, room_id: str, active: bool):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            view = await self.call(rooms.set_room_active, actor, int(room_id), active)
            await self._reload(actor)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        said = "can be booked again" if active else "was retired"
        return rx.toast.success(f"{view.name} {said}.")
