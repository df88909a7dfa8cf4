"""Reflex states for practice set-up: thin, they call services and hold view data.

Forms are uncontrolled: `values` only seeds their default values, so what the user typed
stays put when a save is refused. Bumping `rev` (part of the form's key) remounts a form
with the saved, normalised values after a successful save.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import reflex as rx

from practicerunner.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor
from practicerunner.practice import service as ps
from practicerunner.ui.routes import STAFF
from practicerunner.ui.session import SessionState

T = TypeVar("T")


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


@dataclasses.dataclass(frozen=True)
class TablePage:
    """What a table-and-dialog page lists, saves and says."""

    list_rows: Callable[..., list[Any]]  # (session, actor)
    create: Callable[..., Any]  # (session, actor, data)
    update: Callable[..., Any]  # (session, actor, id, data)
    set_active: Callable[..., Any]  # (session, actor, id, active) -> a view with .name
    from_form: Callable[[dict[str, Any]], Any]
    new_values: dict[str, str]  # the add dialog's defaults
    noun: str  # "Location" -> "Location saved." / "Location added."
    reactivated: str  # "{name} is active again."
    deactivated: str  # "{name} was deactivated."


class TableDialogState(rx.State, mixin=True):
    """A table of rows and a dialog to add or edit one: locations, services.

    A mixin, not a parent state: Reflex runs an inherited event handler on the parent
    state's instance, where the subclass's `_page` would not be found.
    """

    loaded: bool = False
    denied: bool = False
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    dialog_open: bool = False
    editing: str = ""  # a row id, or "" when adding
    values: dict[str, str] = {}
    rev: int = 0

    if TYPE_CHECKING:  # supplied by SessionState, which every concrete page state inherits

        async def actor(self, *, touch: bool = True) -> Actor | None: ...
        def to_sign_in(self) -> Any: ...
        async def call(self, fn: Callable[..., T], actor: Actor, *args: Any) -> T: ...

    def _page(self) -> TablePage:
        raise NotImplementedError

    async def _reload(self, actor: Any) -> None:
        self.rows = [as_strings(x) for x in await self.call(self._page().list_rows, actor)]

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
        self.values = dict(self._page().new_values)
        self.dialog_open = True

    @rx.event
    def open_edit(self, row_id: str):
        row = next((r for r in self.rows if r["id"] == row_id), None)
        if row is None:
            return
        self.editing, self.errors, self.rev = row_id, {}, self.rev + 1
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
        page = self._page()
        data = page.from_form(form)
        try:
            if self.editing:
                await self.call(page.update, actor, int(self.editing), data)
            else:
                await self.call(page.create, actor, data)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors, self.dialog_open = {}, False
        await self._reload(actor)
        return rx.toast.success(f"{page.noun} saved." if self.editing else f"{page.noun} added.")

    @rx.event
    async def set_active(self, row_id: str, active: bool):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        page = self._page()
        try:
            view = await self.call(page.set_active, actor, int(row_id), active)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor)
        verb = page.reactivated if active else page.deactivated
        return rx.toast.success(f"{view.name} {verb}.")


_LOCATIONS = TablePage(
    list_rows=ps.list_locations,
    create=ps.create_location,
    update=ps.update_location,
    set_active=ps.set_location_active,
    from_form=ps.LocationInput.from_form,
    new_values={"kind": "office", "place_of_service": "11"},
    noun="Location",
    reactivated="is active again",
    deactivated="was deactivated",
)

_SERVICES = TablePage(
    list_rows=ps.list_services,
    create=ps.create_service,
    update=ps.update_service,
    set_active=ps.set_service_active,
    from_form=ps.ServiceInput.from_form,
    new_values={"kind": "therapy", "duration_minutes": "53"},
    noun="Service",
    reactivated="is offered again",
    deactivated="was retired",
)


class LocationsState(TableDialogState, SessionState):
    """The list of locations and the add/edit dialog."""

    def _page(self) -> TablePage:
        return _LOCATIONS


class ServicesState(TableDialogState, SessionState):
    """The list of services and fees and the add/edit dialog."""

    def _page(self) -> TablePage:
        return _SERVICES


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
