"""Reflex states for the billing-policy screens and the case's billing tab: thin, they call
the billing services and `policy_views`, and hold only what the screens show.

Forms are uncontrolled: `values` seeds their defaults, so a refused preview or save leaves
what the user typed in place; bumping `rev` (part of the form's key) remounts a form with the
saved values. The policy editor works in two steps: "Preview changes" validates and lists the
cases a save would move, keeping the previewed form on the server; "Save" saves exactly that
form, while the fields are locked so what is saved is what was previewed.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import reflex as rx

from practicerunner.billing import policies
from practicerunner.billing import policy_views as views
from practicerunner.billing.case_billing_fees import waive_missed_fee
from practicerunner.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from practicerunner.ui.routes import case_billing_url
from practicerunner.ui.session import SessionState

EDITOR_PREFIX = "/settings/billing/"
_EDITOR_PATH = re.compile(r"^/settings/billing/([a-z]+(?:-\d+)?)/?$")
_CASE_BILLING_PATH = re.compile(r"^/cases/(\d+)/billing/?$")
_ALL_NOTE = "No enrolled case changes: every case on this policy already has these rules."
_NEW_NOTE = "No existing client changes: only new clients will use this version."


def editor_url(key: str) -> str:
    return f"{EDITOR_PREFIX}{key}"


def _ticked(form: dict[str, Any], name: str) -> bool:
    return str(form.get(name, "")).strip().lower() in {"on", "true", "yes"}


def _plain(view: Any) -> dict[str, str]:
    return {k: str(v) for k, v in dataclasses.asdict(view).items()}


class PolicyOverviewState(SessionState):
    """/settings/billing: every scope with a policy, and "Add a policy for…"."""

    loaded: bool = False
    denied: bool = False
    rows: list[dict[str, str]] = []
    choices: list[list[str]] = []

    @rx.event
    async def load(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            rows = await self.call(views.policy_overview, actor)
            choices = await self.call(views.scope_choices, actor)
        except PermissionDenied:
            self.denied, self.loaded = True, True
            return None
        self.rows = [
            {
                "key": r.key,
                "href": editor_url(r.key),
                "kind": r.kind_label,
                "name": r.name,
                "summary": r.summary,
                "details": " ".join(r.details),
                "version": f"Version {r.version}" if r.saved else "Default (not saved yet)",
                "enrolled": _enrolled_text(r),
            }
            for r in rows
        ]
        self.choices = [[key, label] for key, label in choices]
        self.denied, self.loaded = False, True
        return None

    @rx.event
    def add_scope(self, form: dict[str, Any]):
        key = str(form.get("scope", ""))
        if key not in {c[0] for c in self.choices}:
            return rx.toast.error("Choose a location, clinician or service.")
        return rx.redirect(editor_url(key))


def _enrolled_text(row: views.ScopeRow) -> str:
    if not row.versions or row.enrolled == 0:
        return "No cases enrolled yet."
    parts = []
    for v in row.versions:
        if v.cases or v.current:
            noun = "case" if v.cases == 1 else "cases"
            current = " (current)" if v.current else ""
            parts.append(f"version {v.version}{current}: {v.cases} {noun}")
    return "Enrolled — " + " · ".join(parts) + "."


class PolicyEditorState(SessionState):
    """/settings/billing/<scope>: the form, its preview, the save, and the bulk move."""

    loaded: bool = False
    not_found: bool = False
    key: str = ""
    kind_label: str = ""
    name: str = ""
    saved: bool = False
    version: int = 0
    summary: str = ""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    rev: int = 0
    previewing: bool = False
    preview_rows: list[dict[str, Any]] = []
    preview_note: str = ""
    cost_sentence: str = ""
    cost_lines: list[dict[str, str]] = []
    older: list[dict[str, str]] = []
    move_error: str = ""
    _pending: dict[str, str] = {}
    _fee_cents: int = views.DEFAULT_TYPICAL_FEE

    def _fill(self, editor: views.PolicyEditor) -> None:
        self.key = editor.key
        self.kind_label = editor.kind_label
        self.name = editor.name
        self.saved = editor.saved
        self.version = editor.version
        self.summary = editor.summary
        self.values = dict(editor.values)
        self._fee_cents = editor.fee_cents
        self._costs(editor.costs)
        self.older = [
            {"case_id": str(o.case_id), "title": o.title, "version": str(o.version), "href": o.href}
            for o in editor.older
        ]

    def _costs(self, costs: views.Costs) -> None:
        self.cost_sentence = costs.sentence
        self.cost_lines = [_plain(line) for line in costs.lines]

    async def _reload(self, actor: Any) -> None:
        self._fill(await self.call(views.policy_editor, actor, self.key))

    @rx.event
    async def load(self):
        self.loaded, self.previewing, self.errors, self.move_error = False, False, {}, ""
        self.preview_rows, self.preview_note = [], ""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        match = _EDITOR_PATH.match(str(self.router.url.path))
        try:
            if match is None:
                raise NotFound("billing policy")
            self._fill(await self.call(views.policy_editor, actor, match.group(1)))
        except (NotFound, PermissionDenied):
            self.not_found, self.loaded = True, True
            return None
        self.not_found = False
        self.rev += 1
        self.loaded = True
        return None

    @rx.event
    async def preview(self, form: dict[str, Any]):
        """Validate the form and list the enrolled cases a save would change. Writes nothing."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        data = {k: str(v) for k, v in form.items()}
        policy_form, own_errors = views.form_from_values(data)
        kind, scope_id = views.parse_scope_key(self.key)
        try:
            changes, errors = await self.call(
                policies.preview_change, actor, kind, scope_id, policy_form
            )
        except ValidationFailed as exc:
            changes, errors = [], exc.errors
        except DomainError as exc:
            return rx.toast.error(exc.message)
        errors = {**errors, **own_errors}
        if errors:
            self.errors, self.previewing = errors, False
            return rx.toast.error("Please correct the highlighted fields; nothing was saved.")
        self.errors = {}
        self._pending = data
        self.preview_rows = [
            {
                "title": c.case_title,
                "href": case_billing_url(c.case_id),
                "changes": list(c.changes),
            }
            for c in changes
        ]
        all_clients = policy_form.applies_to == "all"
        self.preview_note = "" if self.preview_rows else (_ALL_NOTE if all_clients else _NEW_NOTE)
        self._costs(views.costs_for(self._fee_cents, policy_form))
        self.previewing = True
        return None

    @rx.event
    def back_to_editing(self):
        self.previewing = False

    @rx.event
    async def save(self):
        """Save exactly the previewed form as the scope's next version."""
        if not self.previewing or not self._pending:
            return None
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        policy_form, own_errors = views.form_from_values(self._pending)
        kind, scope_id = views.parse_scope_key(self.key)
        try:
            if own_errors:
                raise ValidationFailed(own_errors)
            saved = await self.call(policies.save_policy, actor, kind, scope_id, policy_form)
        except ValidationFailed as exc:
            self.errors, self.previewing = exc.errors, False
            return rx.toast.error("Please correct the highlighted fields; nothing was saved.")
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.previewing, self._pending, self.errors = False, {}, {}
        self.preview_rows, self.preview_note = [], ""
        await self._reload(actor)
        self.rev += 1
        return rx.toast.success(f"Version {saved.version} saved.")

    @rx.event
    async def move_cases(self, form: dict[str, Any]):
        """Move the ticked cases from older versions onto the current one."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        ids = [
            int(name.removeprefix("move_"))
            for name in form
            if name.startswith("move_") and name[5:].isdigit() and _ticked(form, name)
        ]
        if not ids:
            self.move_error = "Tick the cases to move."
            return None
        editor = await self.call(views.policy_editor, actor, self.key)
        if editor.policy_id is None:
            return rx.toast.error("Save a policy for this scope first.")
        try:
            moved = await self.call(policies.move_cases, actor, ids, editor.policy_id)
        except DomainError as exc:
            self.move_error = (
                next(iter(exc.errors.values()))
                if isinstance(exc, ValidationFailed)
                else exc.message
            )
            return None
        self.move_error = ""
        await self._reload(actor)
        self.rev += 1
        noun = "case" if moved == 1 else "cases"
        return rx.toast.success(f"{moved} {noun} moved to version {self.version}.")


class CaseBillingState(SessionState):
    """/cases/<id>/billing: the rule and why, payers, invoices, missed fees, exceptions."""

    loaded: bool = False
    not_found: bool = False
    case_id: int = 0
    title: str = ""
    kind_label: str = ""
    summary: str = ""
    why: list[str] = []
    policy_label: str = ""
    model: str = ""
    collection: str = ""
    collection_note: str = ""
    schedule: str = ""
    next_run: str = ""
    methods: list[dict[str, str]] = []
    payers: list[dict[str, str]] = []
    invoices: list[dict[str, str]] = []
    fees: list[dict[str, str]] = []
    exceptions: list[str] = []
    arrangement: dict[str, str] = {}
    can_settings: bool = False
    can_waive: bool = False
    errors: dict[str, str] = {}
    rev: int = 0

    def _fill(self, view: views.CaseBilling) -> None:
        self.case_id = view.case_id
        self.title = view.title
        self.kind_label = view.kind_label
        self.summary = view.summary
        self.why = list(view.why)
        self.policy_label = view.policy_label
        self.model = view.model
        self.collection = view.collection
        self.collection_note = view.collection_note
        self.schedule = view.schedule
        self.next_run = view.next_run
        self.methods = [_plain(m) for m in view.methods]
        self.payers = [_plain(p) for p in view.payers]
        self.invoices = [_plain(i) for i in view.invoices]
        self.fees = [_plain(f) for f in view.fees]
        self.exceptions = list(view.exceptions)
        self.arrangement = dict(view.arrangement)
        self.can_settings = view.can_settings
        self.can_waive = view.can_waive

    async def _reload(self, actor: Any) -> None:
        self._fill(await self.call(views.case_billing, actor, self.case_id))

    @rx.event
    async def load(self):
        self.loaded, self.errors = False, {}
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        match = _CASE_BILLING_PATH.match(str(self.router.url.path))
        try:
            if match is None:
                raise NotFound("case")
            self._fill(await self.call(views.case_billing, actor, int(match.group(1))))
        except NotFound:
            self.not_found, self.loaded = True, True
            return None
        self.not_found = False
        self.rev += 1
        self.loaded = True
        return None

    @rx.event
    async def waive(self, appointment_id: str):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            await self.call(waive_missed_fee, actor, self.case_id, int(appointment_id))
        except ValidationFailed as exc:
            return rx.toast.error(next(iter(exc.errors.values())))
        except (DomainError, ValueError) as exc:
            return rx.toast.error(getattr(exc, "message", "That fee could not be waived."))
        await self._reload(actor)
        return rx.toast.success("Fee waived.")

    @rx.event
    async def save_arrangement(self, form: dict[str, Any]):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        data = policies.ArrangementForm(
            model=str(form.get("model", "")),
            collection=str(form.get("collection", "")),
            methods=tuple(m for m in ("card", "bank", "manual") if _ticked(form, f"method_{m}")),
            bank_only_exception=_ticked(form, "bank_only_exception"),
            fee=str(form.get("fee", "")),
            note=str(form.get("note", "")),
        )
        try:
            await self.call(policies.update_arrangement, actor, self.case_id, data)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors = {}
        await self._reload(actor)
        self.rev += 1
        return rx.toast.success("This case's billing saved.")
