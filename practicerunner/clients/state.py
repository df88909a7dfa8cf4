"""Reflex states for the client screens: thin, they call clients.service and hold view data.

Forms are uncontrolled: `values` only seeds default values, so what the user typed stays in
the browser when a save is refused. Route arguments are read from the URL path; no state var
is named after a route argument, as Reflex refuses vars that shadow one.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import reflex as rx

from practicerunner.clients import service
from practicerunner.clients.models import ClientStatus
from practicerunner.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.ui.routes import CLIENTS, client_url
from practicerunner.ui.session import SessionState

PER_PAGE = 25
STATUS_FILTERS: list[tuple[str, str]] = [("", "All statuses")] + [
    (s.value, service.STATUS_LABELS[s]) for s in ClientStatus
]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else ""
    return "" if value is None else str(value)


def as_strings(view: Any) -> dict[str, str]:
    """A view model or dict as a flat dict of strings (what the browser gets)."""
    is_view = dataclasses.is_dataclass(view) and not isinstance(view, type)
    items = dataclasses.asdict(view).items() if is_view else view.items()
    return {k: _text(v) for k, v in items if not isinstance(v, list)}


def form_data(form: dict[str, Any]) -> dict[str, Any]:
    """The submitted fields; an unticked checkbox is absent from a form, so name it."""
    data = {k: v for k, v in form.items() if isinstance(k, str)}
    for name in ("portal_access", "reminders_opt_out"):
        data[name] = str(form.get(name, "")).lower() in {"on", "true", "yes"}
    return data


def duplicate_rows(exc: service.PossibleDuplicate) -> list[dict[str, str]]:
    """The matches as rows for the warning panel; out-of-scope ones carry no link."""
    return [
        {"message": m.message, "href": client_url(m.client_id) if m.client_id else ""}
        for m in exc.matches
    ]


class _RoutedState(SessionState):
    """Reads numeric route arguments from the URL path (/clients/12/contacts/3)."""

    def _path_id(self, after: str) -> int | None:
        parts = [p for p in str(self.router.url.path).split("/") if p]
        if after in parts:
            i = parts.index(after) + 1
            if i < len(parts) and parts[i].isdigit():
                return int(parts[i])
        return None


class ClientListState(SessionState):
    """The client list: search box, filters and one page of results."""

    loaded: bool = False
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    query: str = ""
    status: str = ""
    clinician: str = ""
    clinician_options: list[list[str]] = []
    can_create: bool = False
    rev: int = 0

    async def _fetch(self, actor: Actor) -> None:
        clinician_id = int(self.clinician) if self.clinician.isdigit() else None
        result = await self.call(
            service.search_clients,
            actor,
            self.query,
            self.status or None,
            clinician_id,
            self.page,
            PER_PAGE,
        )
        self.rows = [as_strings(r) for r in result.rows]
        self.total, self.page, self.pages = result.total, result.page, result.pages

    def _url(self) -> str:
        params = {"q": self.query, "status": self.status, "clinician": self.clinician}
        query = {k: v for k, v in params.items() if v}
        if self.page > 1:
            query["page"] = str(self.page)
        return CLIENTS + ("?" + urlencode(query) if query else "")

    @rx.event
    async def load(self):
        """Read the search from the URL, so Back and shared links keep it."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        params = self.router.url.query_parameters
        before = (self.query, self.status, self.clinician)
        self.query = str(params.get("q", ""))[:200]
        status = str(params.get("status", ""))
        self.status = status if status in {s.value for s in ClientStatus} else ""
        self.clinician = str(params.get("clinician", ""))
        # Remount the search form only when the URL says something new: remounting clears
        # whatever the person has started typing since the page appeared.
        url_changed = before != (self.query, self.status, self.clinician)
        page = str(params.get("page", "1"))
        self.page = int(page) if page.isdigit() else 1
        choices = await self.call(service.clinician_filter_choices, actor)
        self.clinician_options = [[str(i), name] for i, name in choices]
        self.can_create = actor.can(Perm.CLIENT_CREATE)
        await self._fetch(actor)
        if url_changed:
            self.rev += 1
        self.loaded = True

    async def _refresh(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        await self._fetch(actor)
        # Keep the address bar in step without a navigation (which would reload the page).
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(self._url())})")

    @rx.event
    async def search(self, form: dict[str, Any]):
        self.query = str(form.get("q", "")).strip()[:200]
        self.status = str(form.get("status", ""))
        self.clinician = str(form.get("clinician", ""))
        self.page = 1
        return await self._refresh()

    @rx.event
    async def clear(self):
        self.query, self.status, self.clinician, self.page = "", "", "", 1
        self.rev += 1  # remount the search form so its fields empty
        return await self._refresh()

    @rx.event
    async def go_to_page(self, page: int):
        self.page = max(1, min(int(page), self.pages))
        return await self._refresh()


class ClientFormState(rx.State, mixin=True):
    """What the new-client and edit-client forms share: errors and the duplicate warning.

    A mixin, not a parent state: Reflex runs an inherited event handler on the parent
    state's instance, where the subclass's `_save` would not be found.
    """

    loaded: bool = False
    not_found: bool = False
    denied: bool = False
    errors: dict[str, str] = {}
    duplicates: list[dict[str, str]] = []
    values: dict[str, str] = {}
    clinician_options: list[list[str]] = []
    can_assign_anyone: bool = False
    saving: bool = False
    rev: int = 0
    _pending: dict[str, Any] = {}

    if TYPE_CHECKING:  # supplied by SessionState, which every concrete form state inherits

        async def actor(self, *, touch: bool = True) -> Actor | None: ...
        def to_sign_in(self) -> Any: ...

    def _reset_form(self) -> None:
        self.errors, self.duplicates, self._pending = {}, [], {}
        self.not_found = self.denied = self.saving = False

    async def _save(self, actor: Actor, data: dict[str, Any], confirm: bool) -> Any:
        raise NotImplementedError

    async def _attempt(self, data: dict[str, Any], confirm: bool):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.saving = True
        yield
        try:
            client = await self._save(actor, data, confirm)
        except service.PossibleDuplicate as exc:
            self.errors, self._pending = {}, data
            self.duplicates = duplicate_rows(exc)
        except ValidationFailed as exc:
            self.errors, self.duplicates = exc.errors, []
        except NotFound:
            self.not_found = True
        except DomainError as exc:
            yield rx.toast.error(exc.message)
        else:
            self._reset_form()
            yield rx.toast.success("Client saved.")
            yield rx.redirect(client_url(client.id))
        self.saving = False

    @rx.event
    async def submit(self, form: dict[str, Any]):
        async for step in self._attempt(form_data(form), confirm=False):
            yield step

    @rx.event
    async def save_anyway(self):
        """Save what was submitted, the possible duplicate confirmed."""
        if not self._pending:
            return
        async for step in self._attempt(dict(self._pending), confirm=True):
            yield step

    @rx.event
    def dismiss_duplicates(self):
        self.duplicates, self._pending = [], {}


class ClientNewState(ClientFormState, _RoutedState):
    """The new-client form."""

    async def _save(self, actor: Actor, data: dict[str, Any], confirm: bool) -> Any:
        return await self.call(service.create_client, actor, data, confirm_duplicate=confirm)

    @rx.event
    async def load(self):
        self._reset_form()
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.denied = not actor.can(Perm.CLIENT_CREATE)
        choices = await self.call(service.clinician_choices, actor)
        self.clinician_options = [[str(i), name] for i, name in choices]
        self.can_assign_anyone = service.can_assign_any_clinician(actor)
        mine = any(i == actor.staff_id for i, _ in choices)
        self.values = {"status": "active", "clinician_id": str(actor.staff_id) if mine else ""}
        self.rev += 1
        self.loaded = True


class ClientEditState(ClientFormState, _RoutedState):
    """The edit-client form."""

    record_id: int = 0
    display_name: str = ""

    async def _save(self, actor: Actor, data: dict[str, Any], confirm: bool) -> Any:
        return await self.call(
            service.update_client, actor, self.record_id, data, confirm_duplicate=confirm
        )

    @rx.event
    async def load(self):
        self._reset_form()
        self.loaded = False
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.record_id = self._path_id("clients") or 0
        try:
            values = await self.call(service.get_client_form, actor, self.record_id)
        except NotFound:
            self.not_found, self.loaded = True, True
            return None
        except PermissionDenied:
            self.denied, self.loaded = True, True
            return None
        choices = await self.call(service.clinician_choices, actor, values["clinician_id"])
        self.can_assign_anyone = service.can_assign_any_clinician(actor)
        self.clinician_options = [[str(i), name] for i, name in choices]
        self.values = as_strings(values)
        self.display_name = f"{values['preferred_name'] or values['legal_first_name']} " + str(
            values["legal_last_name"]
        )
        self.rev += 1
        self.loaded = True


class ClientProfileState(_RoutedState):
    """The client profile: demographics, contacts and cases."""

    loaded: bool = False
    not_found: bool = False
    record_id: int = 0
    client: dict[str, str] = {}
    contacts: list[dict[str, str]] = []
    cases: list[dict[str, str]] = []
    can_edit: bool = False
    can_edit_contacts: bool = False
    can_create_case: bool = False

    @rx.event
    async def load(self):
        self.loaded, self.not_found = False, False
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.record_id = self._path_id("clients") or 0
        try:
            profile = await self.call(service.get_client_profile, actor, self.record_id)
        except NotFound:
            self.not_found, self.loaded = True, True
            self.client, self.contacts, self.cases = {}, [], []
            return None
        self.client = as_strings(profile)
        self.contacts = [as_strings(c) for c in profile.contacts]
        self.cases = [as_strings(c) for c in profile.cases]
        self.can_edit = profile.can_edit
        self.can_edit_contacts = profile.can_edit_contacts
        self.can_create_case = profile.can_create_case
        self.loaded = True

    @rx.event
    async def remove_contact(self, contact_id: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            await self.call(service.deactivate_contact, actor, int(contact_id))
            contacts = await self.call(service.list_contacts_for_client, actor, self.record_id)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.contacts = [as_strings(c) for c in contacts]
        return rx.toast.success("Contact removed.")


class ContactFormState(_RoutedState):
    """Adding or editing one contact of a client."""

    loaded: bool = False
    not_found: bool = False
    denied: bool = False
    record_id: int = 0  # the client
    contact: int = 0  # the contact being edited, 0 when adding
    client_name: str = ""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    saving: bool = False
    rev: int = 0

    @rx.event
    async def load(self):
        self.loaded, self.not_found, self.denied, self.errors = False, False, False, {}
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.record_id = self._path_id("clients") or 0
        self.contact = self._path_id("contacts") or 0
        try:
            if self.contact:
                values = await self.call(service.get_contact_form, actor, self.contact)
                if values["client_id"] != self.record_id:
                    raise NotFound("contact")
            else:
                values = await self.call(service.new_contact_form, actor, self.record_id)
        except NotFound:
            self.not_found, self.loaded = True, True
            return None
        except PermissionDenied:
            self.denied, self.loaded = True, True
            return None
        self.client_name = str(values["client_name"])
        self.values = as_strings(values)
        self.rev += 1
        self.loaded = True

    @rx.event
    async def submit(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.saving = True
        yield
        data = form_data(form)
        try:
            if self.contact:
                await self.call(service.update_contact, actor, self.contact, data)
            else:
                await self.call(service.add_contact, actor, self.record_id, data)
        except ValidationFailed as exc:
            self.errors = exc.errors
        except NotFound:
            self.not_found = True
        except DomainError as exc:
            yield rx.toast.error(exc.message)
        else:
            self.errors = {}
            yield rx.toast.success("Contact saved." if self.contact else "Contact added.")
            yield rx.redirect(client_url(self.record_id))
        self.saving = False
