"""Reflex states for the case pages: thin, they call clients.cases and hold view data."""

from __future__ import annotations

import re
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

import reflex as rx

from practicerunner.clients import cases
from practicerunner.clients.models import CaseKind, CaseStatus
from practicerunner.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from practicerunner.supervision.case_view import FIELD as SUPERVISOR_FIELD
from practicerunner.supervision.case_view import CaseSupervision, case_supervision
from practicerunner.supervision.routing import set_case_supervisor
from practicerunner.ui.routes import case_url
from practicerunner.ui.session import SessionState

ROLE_LABELS = {
    "client": "Client",
    "partner": "Partner",
    "parent": "Parent",
    "child": "Child",
    "member": "Member",
}
# The select's blank choice: no case-level supervisor, so the associate's default applies.
USUAL_SUPERVISOR = "The associate's usual supervisor"
_CASE_PATH = re.compile(r"^/cases/(\d+)(?:/|$)")


def case_id_in(path: str) -> int | None:
    """The case id in /cases/ID or /cases/ID/edit."""
    match = _CASE_PATH.match(path or "")
    return int(match.group(1)) if match else None


def total_label(shares: list[str]) -> tuple[str, bool]:
    """'Total: 100%' and whether the typed shares are numbers adding up to exactly 100."""
    total = Decimal(0)
    for share in shares:
        try:
            total += Decimal((share or "0").strip().removesuffix("%") or "0")
        except InvalidOperation:
            return "Total: enter each share as a number", False
    if not total.is_finite():
        return "Total: enter each share as a number", False
    shown = f"{total:.2f}".rstrip("0").rstrip(".")
    return f"Total: {shown}%", total == 100


def _ticked(form: dict[str, Any], name: str) -> bool:
    """Whether a checkbox was ticked (an unticked one is absent from the form)."""
    return str(form.get(name, "")).lower() in {"on", "true", "yes"}


class CaseFormState(SessionState):
    """The case form shared by /cases/new and /cases/ID/edit: row lists live here."""

    loaded: bool = False
    not_found: bool = False
    read_only: bool = False
    saving: bool = False
    errors: dict[str, str] = {}
    current_case_id: int = 0
    kind: str = CaseKind.INDIVIDUAL
    title: str = ""
    status: str = CaseStatus.ACTIVE
    clinician_id: str = ""
    opened_on: str = ""
    closed_on: str = ""
    presenting_concern: str = ""
    notify_guardians: bool = False
    can_clinical: bool = False
    can_edit: bool = True
    can_edit_payers: bool = True
    clinician_options: list[list[str]] = []
    client_options: list[list[str]] = []
    client_query: str = ""
    role_options: list[list[str]] = []
    rows: list[dict[str, str]] = []
    payer_rows: list[dict[str, str]] = []
    payer_options: list[list[str]] = []
    payer_total: str = "Total: 0%"
    payer_total_ok: bool = False
    # Client id -> [(party, label)] of the contacts who could pay; kept on the server.
    _contacts: dict[str, list[tuple[str, str]]] = {}
    _client_labels: dict[str, str] = {}

    # --- filling the form from the service ---------------------------------------------

    def _fill(self, form: cases.CaseForm) -> None:
        self.errors = {}
        self.not_found = False
        self.read_only = False
        self.saving = False
        self.client_query = ""
        self.current_case_id = form.case_id or 0
        self.kind = form.kind
        self.title = form.title
        self.status = form.status
        self.clinician_id = form.primary_clinician_id
        self.opened_on = form.opened_on
        self.closed_on = form.closed_on
        self.presenting_concern = form.presenting_concern
        self.notify_guardians = form.notify_guardians
        self.can_clinical = form.can_clinical
        self.can_edit = form.can_edit
        self.can_edit_payers = form.can_edit_payers
        self.clinician_options = [[c.value, c.label] for c in form.clinicians]
        self._contacts = {}
        self._client_labels = {}
        self._remember_clients(form.clients)
        self.client_options = [[c.value, c.label] for c in form.clients]
        self.rows = [
            {"client_id": str(p.client_id), "role": p.role, "attends": "yes" if p.attends else ""}
            for p in form.participants
        ]
        self.payer_rows = [{"party": p.party, "share": p.share} for p in form.payers]
        self._refresh_roles()
        self._refresh_payers()

    def _remember_clients(self, choices: list[cases.Choice]) -> None:
        for choice in choices:
            self._client_labels[choice.value] = choice.label
            self._contacts[choice.value] = list(choice.contacts)

    def _refresh_roles(self) -> None:
        allowed = cases.KIND_ROLES.get(self.kind, ())
        self.role_options = [[r, ROLE_LABELS.get(r, r)] for r in allowed]
        rows = []
        for i, row in enumerate(self.rows):
            role = row["role"]
            if role not in allowed and allowed:
                # A family's first person is usually the parent who called.
                family = self.kind == CaseKind.FAMILY
                role = ("parent" if i == 0 else "child") if family else allowed[0]
            rows.append({**row, "role": role})
        self.rows = rows

    def _refresh_payers(self) -> None:
        options: list[list[str]] = []
        for row in self.rows:
            cid = row["client_id"]
            if not cid:
                continue
            label = self._client_labels.get(cid, f"Client {cid}")
            options.append([f"client:{cid}", label.split(" (born")[0] + " (participant)"])
            options.extend([party, text] for party, text in self._contacts.get(cid, []))
        self.payer_options = options
        self.payer_total, self.payer_total_ok = total_label([r["share"] for r in self.payer_rows])

    # --- row events (controlled inputs) ------------------------------------------------

    @rx.event
    def set_kind(self, value: str):
        """The kind decides which roles the rows may take."""
        self.kind = value
        self._refresh_roles()

    @rx.event
    def add_row(self):
        self.rows = [*self.rows, {"client_id": "", "role": "", "attends": "yes"}]
        self._refresh_roles()

    @rx.event
    def remove_row(self, index: int):
        self.rows = [r for i, r in enumerate(self.rows) if i != index]
        self._refresh_payers()

    @rx.event
    def set_row_client(self, index: int, value: str):
        self.rows = [
            {**r, "client_id": value} if i == index else r for i, r in enumerate(self.rows)
        ]
        self._refresh_payers()

    @rx.event
    def set_row_role(self, index: int, value: str):
        self.rows = [{**r, "role": value} if i == index else r for i, r in enumerate(self.rows)]

    @rx.event
    def set_row_attends(self, index: int, checked: bool):
        flag = "yes" if checked else ""
        self.rows = [{**r, "attends": flag} if i == index else r for i, r in enumerate(self.rows)]

    @rx.event
    def add_payer(self):
        self.payer_rows = [*self.payer_rows, {"party": "", "share": ""}]
        self._refresh_payers()

    @rx.event
    def remove_payer(self, index: int):
        self.payer_rows = [r for i, r in enumerate(self.payer_rows) if i != index]
        self._refresh_payers()

    @rx.event
    def set_payer_party(self, index: int, value: str):
        self.payer_rows = [
            {**r, "party": value} if i == index else r for i, r in enumerate(self.payer_rows)
        ]

    @rx.event
    def set_payer_share(self, index: int, value: str):
        self.payer_rows = [
            {**r, "share": value[:12]} if i == index else r for i, r in enumerate(self.payer_rows)
        ]
        self.payer_total, self.payer_total_ok = total_label([r["share"] for r in self.payer_rows])

    @rx.event
    async def search_clients(self, query: str):
        """Narrow the client picker by name; clients already chosen stay in it."""
        self.client_query = query[:100]
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        chosen = [int(r["client_id"]) for r in self.rows if r["client_id"].isdigit()]
        found = await self.call(cases.client_choices, actor, self.client_query, chosen)
        self._remember_clients(found)
        self.client_options = [[c.value, c.label] for c in found]

    # --- what the service receives -----------------------------------------------------

    def _participants(self) -> list[cases.ParticipantInput]:
        return [
            cases.ParticipantInput(r["client_id"], r["role"], r["attends"] == "yes")
            for r in self.rows
        ]

    def _payers(self) -> list[cases.PayerInput]:
        return [cases.PayerInput(r["party"], r["share"]) for r in self.payer_rows]

    def _refused(self, exc: DomainError) -> Any:
        self.saving = False
        if isinstance(exc, ValidationFailed):
            self.errors = exc.errors
            return None
        if isinstance(exc, NotFound):
            self.not_found = True
            return None
        self.errors = {"form": exc.message}
        return rx.toast.error(exc.message)

    @staticmethod
    def _saved(message: str, case_id: int) -> list[Any]:
        return [rx.toast.success(message), rx.redirect(case_url(case_id))]


class CaseNewState(CaseFormState):
    """/cases/new (?client=ID preselects the first participant)."""

    @rx.event
    async def load(self):
        self.loaded = False
        yield
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        raw = self.router.url.query_parameters.get("client", "")
        client_id = int(raw) if raw.isdigit() else None
        try:
            form = await self.call(cases.new_case_form, actor, client_id)
        except PermissionDenied:
            self.read_only = True
            self.loaded = True
            return
        self._fill(form)
        if not self.rows:
            self.rows = [{"client_id": "", "role": "client", "attends": "yes"}]
            self.payer_rows = [{"party": "", "share": "100"}]
            self._refresh_payers()
        self.loaded = True

    @rx.event
    async def submit(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.saving = True
        self.title = str(form.get("title", ""))
        self.clinician_id = str(form.get("primary_clinician_id", ""))
        self.opened_on = str(form.get("opened_on", ""))
        self.presenting_concern = str(form.get("presenting_concern", ""))
        self.notify_guardians = _ticked(form, "notify_guardians")
        data = cases.CaseInput(
            kind=str(form.get("kind", self.kind)),
            title=self.title,
            primary_clinician_id=self.clinician_id,
            opened_on=self.opened_on,
            presenting_concern=self.presenting_concern if self.can_clinical else "",
            notify_guardians=self.notify_guardians,
            participants=self._participants(),
            payers=self._payers(),
        )
        try:
            case = await self.call(cases.create_case, actor, data)
        except DomainError as exc:
            return self._refused(exc)
        self.errors = {}
        self.saving = False
        return self._saved("Case opened.", case.id or 0)


class CaseEditState(CaseFormState):
    """/cases/ID/edit."""

    @rx.event
    async def load(self):
        self.loaded = False
        yield
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        case_id = case_id_in(self.router.url.path)
        try:
            if case_id is None:
                raise NotFound("case")
            form = await self.call(cases.edit_case_form, actor, case_id)
        except NotFound:
            self.not_found, self.loaded = True, True
            return
        except PermissionDenied:
            # Visible but not changeable (a supervisor's view of a supervisee's case).
            self.not_found, self.read_only, self.loaded = False, True, True
            self.current_case_id = case_id or 0
            return
        self._fill(form)
        self.loaded = True

    @rx.event
    async def submit(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.saving = True
        changes = cases.CaseChanges()
        if self.can_edit:
            self.title = str(form.get("title", ""))
            self.clinician_id = str(form.get("primary_clinician_id", ""))
            self.status = str(form.get("status", self.status))
            self.closed_on = str(form.get("closed_on", ""))
            changes.title = self.title
            changes.primary_clinician_id = self.clinician_id
            changes.status = self.status
            changes.closed_on = self.closed_on
            changes.participants = self._participants()
            self.notify_guardians = _ticked(form, "notify_guardians")
            changes.notify_guardians = self.notify_guardians
        if self.can_edit_payers:
            changes.payers = self._payers()
        if self.can_clinical:
            self.presenting_concern = str(form.get("presenting_concern", ""))
            changes.presenting_concern = self.presenting_concern
        try:
            await self.call(cases.edit_case, actor, self.current_case_id, changes)
        except DomainError as exc:
            return self._refused(exc)
        self.errors = {}
        self.saving = False
        return self._saved("Case saved.", self.current_case_id)


class CaseViewState(SessionState):
    """/cases/ID: who attends, who pays, who can reach the portal; clinical text if allowed."""

    loaded: bool = False
    not_found: bool = False
    current_case_id: int = 0
    title: str = ""
    kind_label: str = ""
    status: str = ""
    clinician: str = ""
    opened_on: str = ""
    closed_on: str = ""
    participants: list[dict[str, str]] = []
    payers: list[dict[str, str]] = []
    show_clinical: bool = False
    # A consultation case keeps diagnoses, treatment plans, measures and claims out of view.
    is_consultation: bool = False
    presenting_concern: str = ""
    can_change: bool = False
    # An associate's case: who supervises it and why; the choice, for staff managers only.
    supervision_shown: bool = False
    supervisor_name: str = ""
    supervisor_why: str = ""
    supervisor_level: str = ""
    case_supervisor_id: str = ""  # the select's value: "" is the associate's usual supervisor
    can_set_supervisor: bool = False
    supervisor_options: list[list[str]] = []
    supervision_errors: dict[str, str] = {}
    saving_supervisor: bool = False
    supervision_rev: int = 0  # a new key resets the select to what was saved

    def _show_supervision(self, line: CaseSupervision | None) -> None:
        self.supervision_errors = {}
        self.saving_supervisor = False
        self.supervision_rev += 1
        shown = line is not None and line.needs_supervision
        self.supervision_shown = shown
        self.supervisor_name = line.supervisor_name if line and shown else ""
        why = line.why if line and shown else ""
        # The reason begins with the name the line already shows in bold (as on the calendar
        # panel): "**Dana Whitlock** supervises this case."
        self.supervisor_why = (
            why.removeprefix(f"{self.supervisor_name} ") if self.supervisor_name else why
        )
        self.supervisor_level = line.level_label if line and shown else ""
        chosen = line.case_supervisor_id if line and shown else None
        self.case_supervisor_id = str(chosen) if chosen else ""
        self.can_set_supervisor = bool(line and shown and line.can_change)
        self.supervisor_options = (
            [["", USUAL_SUPERVISOR], *([str(i), name] for i, name in line.choices)]
            if line and self.can_set_supervisor
            else []
        )

    @rx.event
    async def load(self):
        self.loaded = False
        yield
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        case_id = case_id_in(self.router.url.path)
        try:
            if case_id is None:
                raise NotFound("case")
            view = await self.call(cases.get_case_view, actor, case_id)
        except NotFound:
            self.not_found, self.loaded = True, True
            self.participants, self.payers, self.presenting_concern = [], [], ""
            self._show_supervision(None)
            return
        self.not_found = False
        self.current_case_id = view.id
        self.title = view.title
        self.kind_label = view.kind_label
        self.is_consultation = view.kind == CaseKind.CONSULTATION
        self.status = view.status
        self.clinician = view.clinician
        self.opened_on = view.opened_on
        self.closed_on = view.closed_on
        self.participants = [asdict(p) for p in view.participants]
        self.payers = [asdict(p) for p in view.payers]
        # The text itself only reaches the browser of someone allowed to read it.
        self.show_clinical = view.presenting_concern is not None
        self.presenting_concern = view.presenting_concern or ""
        self.can_change = view.can_edit or view.can_edit_payers
        try:
            line = await self.call(case_supervision, actor, view.id)
        except DomainError:
            line = None
        self._show_supervision(line)
        self.loaded = True

    @rx.event
    async def save_supervisor(self, form: dict[str, Any]):
        """Set or clear the case's own supervisor; a refusal stays beside the select with the
        choice kept, and nothing is written."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        chosen = str(form.get(SUPERVISOR_FIELD, "")).strip()
        self.case_supervisor_id = chosen
        if chosen and not chosen.isdigit():
            self.supervision_errors = {SUPERVISOR_FIELD: "Choose a supervisor from the list."}
            return
        self.supervision_errors = {}
        self.saving_supervisor = True
        yield
        try:
            await self.call(
                set_case_supervisor,
                actor,
                self.current_case_id,
                int(chosen) if chosen else None,
            )
        except ValidationFailed as exc:
            self.saving_supervisor = False
            self.supervision_errors = dict(exc.errors)
            return
        except DomainError as exc:
            self.saving_supervisor = False
            yield rx.toast.error(exc.message)
            return
        try:
            line = await self.call(case_supervision, actor, self.current_case_id)
        except DomainError:
            line = None
        self._show_supervision(line)
        if line is not None and line.supervisor_name:
            yield rx.toast.success(f"{line.supervisor_name} supervises this case now.")
        else:
            yield rx.toast.success("Saved.")
