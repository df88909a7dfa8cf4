"""Reflex states for practice set-up: thin, they call services and hold view data.

Forms are uncontrolled: `values` only seeds their default values, so what the user typed
stays put when a save is refused. Bumping `rev` (part of the form's key) remounts a form
with the saved, normalised values after a successful save.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from practicerunner.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from practicerunner.practice import service as ps
from practicerunner.ui.routes import STAFF
from practicerunner.ui.session import SessionState


def _s(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, tuple | list):
        return ",".join(str(x) for x in value)
    return "" if value is None else str(value)


def as_strings(view: Any) -> dict[str, str]:
    """A view model as a flat dict of strings (what the browser gets)."""
    return {k: _s(v) for k, v in dataclasses.asdict(view).items()}


class PracticeProfileState(SessionState):
    """The practice profile form."""

    loaded: bool = False
    denied: bool = False
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    rev: int = 0

    @rx.event
    async def load(self):
        self.errors = {}
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            self.values = as_strings(await self.call(ps.get_practice, actor))
            self.denied = False
        except (PermissionDenied, NotFound):
            self.denied = True
        self.loaded = True

    @rx.event
    async def save(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            view = await self.call(ps.update_practice, actor, ps.PracticeInput.from_form(form))
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors = {}
        self.values = as_strings(view)
        self.rev += 1
        return rx.toast.success("Practice details saved.")


class LocationsState(SessionState):
    """The list of locations and the add/edit dialog."""

    loaded: bool = False
    denied: bool = False
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    dialog_open: bool = False
    editing: str = ""  # a location id, or "" when adding
    values: dict[str, str] = {}
    rev: int = 0

    async def _reload(self, actor: Any) -> None:
        self.rows = [as_strings(x) for x in await self.call(ps.list_locations, actor)]

    @rx.event
    async def load(self):
        self.dialog_open = False
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            await self._reload(actor)
            self.denied = False
        except PermissionDenied:
            self.denied = True
        self.loaded = True

    @rx.event
    def open_new(self):
        self.editing, self.errors, self.rev = "", {}, self.rev + 1
        self.values = {"kind": "office", "place_of_service": "11"}
        self.dialog_open = True

    @rx.event
    def open_edit(self, location_id: str):
        row = next((r for r in self.rows if r["id"] == location_id), None)
        if row is None:
            return
        self.editing, self.errors, self.rev = location_id, {}, self.rev + 1
        self.values = dict(row)
        self.dialog_open = True

    @rx.event
    def set_dialog_open(self, is_open: bool):
        self.dialog_open = is_open

    @rx.event
    async def save(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        data = ps.LocationInput.from_form(form)
        try:
            if self.editing:
                await self.call(ps.update_location, actor, int(self.editing), data)
            else:
                await self.call(ps.create_location, actor, data)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors, self.dialog_open = {}, False
        await self._reload(actor)
        return rx.toast.success("Location saved." if self.editing else "Location added.")

    @rx.event
    async def set_active(self, location_id: str, active: bool):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            view = await self.call(ps.set_location_active, actor, int(location_id), active)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor)
        verb = "is active again" if active else "was deactivated"
        return rx.toast.success(f"{view.name} {verb}.")


class ServicesState(SessionState):
    """The list of services and fees and the add/edit dialog."""

    loaded: bool = False
    denied: bool = False
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    dialog_open: bool = False
    editing: str = ""
    values: dict[str, str] = {}
    rev: int = 0

    async def _reload(self, actor: Any) -> None:
        self.rows = [as_strings(x) for x in await self.call(ps.list_services, actor)]

    @rx.event
    async def load(self):
        self.dialog_open = False
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            await self._reload(actor)
            self.denied = False
        except PermissionDenied:
            self.denied = True
        self.loaded = True

    @rx.event
    def open_new(self):
        self.editing, self.errors, self.rev = "", {}, self.rev + 1
        self.values = {"kind": "therapy", "duration_minutes": "53"}
        self.dialog_open = True

    @rx.event
    def open_edit(self, service_id: str):
        row = next((r for r in self.rows if r["id"] == service_id), None)
        if row is None:
            return
        self.editing, self.errors, self.rev = service_id, {}, self.rev + 1
        self.values = dict(row)
        self.dialog_open = True

    @rx.event
    def set_dialog_open(self, is_open: bool):
        self.dialog_open = is_open

    @rx.event
    async def save(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        data = ps.ServiceInput.from_form(form)
        try:
            if self.editing:
                await self.call(ps.update_service, actor, int(self.editing), data)
            else:
                await self.call(ps.create_service, actor, data)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors, self.dialog_open = {}, False
        await self._reload(actor)
        return rx.toast.success("Service saved." if self.editing else "Service added.")

    @rx.event
    async def set_active(self, service_id: str, active: bool):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            view = await self.call(ps.set_service_active, actor, int(service_id), active)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor)
        verb = "is offered again" if active else "was retired"
        return rx.toast.success(f"{view.name} {verb}.")


class StaffListState(SessionState):
    """The staff table."""

    loaded: bool = False
    denied: bool = False
    rows: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            self.rows = [as_strings(x) for x in await self.call(ps.list_staff, actor)]
            self.denied = False
        except PermissionDenied:
            self.denied = True
        self.loaded = True


def _choices(pairs: list[tuple[int, str]]) -> list[list[str]]:
    return [[str(i), name] for i, name in pairs]


class StaffNewState(SessionState):
    """The add-staff form."""

    loaded: bool = False
    denied: bool = False
    errors: dict[str, str] = {}
    supervisors: list[list[str]] = []  # [id, name]

    @rx.event
    async def load(self):
        self.errors = {}
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            self.supervisors = _choices(await self.call(ps.supervisor_choices, actor))
            self.denied = False
        except PermissionDenied:
            self.denied = True
        self.loaded = True

    @rx.event
    async def save(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            view = await self.call(ps.create_staff, actor, ps.StaffInput.from_form(form))
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors = {}
        return [rx.toast.success(f"{view.full_name} was added."), rx.redirect(STAFF)]


class StaffEditState(SessionState):
    """One staff member: details, roles, supervisors, deactivation and password reset."""

    loaded: bool = False
    denied: bool = False
    errors: dict[str, str] = {}
    password_errors: dict[str, str] = {}
    values: dict[str, str] = {}
    roles: list[str] = []
    extra_supervisors: list[str] = []  # ids beyond the primary
    supervisors: list[list[str]] = []
    is_self: bool = False
    rev: int = 0
    pw_rev: int = 0
    _member_id: int = 0  # server-only: which staff member this page is editing

    def _id_from_url(self) -> int | None:
        tail = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() else None

    def _show(self, view: ps.StaffView, supervisors: list[tuple[int, str]]) -> None:
        self.values = as_strings(view)
        self.roles = list(view.roles)
        self.extra_supervisors = [
            str(i) for i in view.supervisor_ids if i != view.primary_supervisor_id
        ]
        # The member cannot supervise themselves.
        self.supervisors = _choices([c for c in supervisors if c[0] != view.id])
        self.rev += 1

    @rx.event
    async def load(self):
        self.loaded, self.errors, self.password_errors = False, {}, {}
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        member_id = self._id_from_url()
        try:
            if member_id is None:
                raise NotFound("staff member")
            view = await self.call(ps.get_staff, actor, member_id)
            supervisors = await self.call(ps.supervisor_choices, actor)
        except (PermissionDenied, NotFound):
            self.denied, self.loaded = True, True
            return None
        self._member_id = member_id
        self.is_self = member_id == actor.staff_id
        self._show(view, supervisors)
        self.denied, self.loaded = False, True
        return None

    async def _run(self, fn: Any, *args: Any, done: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            view = await self.call(fn, actor, self._member_id, *args)
            supervisors = await self.call(ps.supervisor_choices, actor)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors = {}
        self._show(view, supervisors)
        return rx.toast.success(done.format(name=view.full_name))

    @rx.event
    async def save(self, form: dict[str, Any]):
        return await self._run(
            ps.update_staff, ps.StaffInput.from_form(form), done="Changes to {name} saved."
        )

    @rx.event
    async def deactivate(self):
        return await self._run(
            ps.deactivate_staff, done="{name} was deactivated and signed out everywhere."
        )

    @rx.event
    async def reactivate(self):
        return await self._run(ps.reactivate_staff, done="{name} can sign in again.")

    @rx.event
    async def reset_password(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        password = str(form.get("new_password", ""))
        try:
            await self.call(ps.reset_staff_password, actor, self._member_id, password)
        except ValidationFailed as exc:
            self.password_errors = {"new_password": exc.errors.get("password", exc.message)}
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.password_errors = {}
        self.pw_rev += 1  # remounts (clears) the password box, not the details form
        return rx.toast.success("Password changed. Give it to them in person or by phone.")
