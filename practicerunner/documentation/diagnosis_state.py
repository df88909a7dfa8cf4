"""Reflex state for a case's Diagnoses screen (/cases/<id>/diagnoses).

Thin, like the other page states: each event resolves the actor again and runs the
documentation services (`diagnoses`, `icd10`) in a worker thread, keeping flat view rows only.

The picker searches ICD-10-CM as the clinician types (debounced in the page) and offers
billable codes only; a category typed as a code ("F41") is answered with the service's own
sentence naming more specific codes. Adding sends the picked code, or the typed text when
nothing was picked, so the service has the last word and its message lands beside the field.

Whoever may read the case's clinical record sees the page; only those who may edit it get the
picker and the End buttons (the services refuse the others anyway). A consultation case has
no diagnoses: the page says so and offers nothing.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import reflex as rx
from sqlmodel import Session

from practicerunner.clients.access import get_case_for
from practicerunner.clients.cases.rules import reaches
from practicerunner.clients.models import CaseKind
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.documentation import icd10
from practicerunner.documentation.diagnoses import (
    DiagnosisForm,
    add_diagnosis,
    diagnoses_of,
    end_diagnosis,
    make_primary,
)
from practicerunner.documentation.note_state import day_words
from practicerunner.documentation.record_layout import case_screen
from practicerunner.practice.local import practice_today
from practicerunner.ui.routes import case_url
from practicerunner.ui.session import SessionState

SEARCH_LIMIT = 12
QUERY_LIMIT = 100  # longer than any code or sensible phrase; the rest is not searched


@dataclass(frozen=True)
class DiagnosisScreen:
    """What the Diagnoses page shows for one case and actor."""

    case_id: int
    case_title: str
    consultation: bool
    can_edit: bool
    today: date
    current: list[dict[str, str]] = field(default_factory=list)
    ended: list[dict[str, str]] = field(default_factory=list)


def diagnosis_screen(session: Session, actor: Actor, case_id: int) -> DiagnosisScreen:
    """The case's diagnoses for ACTOR (audited by `diagnoses_of`): those in effect first,
    then those ended, newest end first. NotFound unless the actor may read the case's
    clinical record; a consultation case comes back empty, without reading anything."""
    case = get_case_for(session, actor, case_id, Perm.CLINICAL_VIEW)
    title, kind, clinician_id = case.title, case.kind, case.primary_clinician_id
    today = practice_today(session)
    if kind == CaseKind.CONSULTATION:
        session.rollback()
        return DiagnosisScreen(case_id, title, consultation=True, can_edit=False, today=today)
    can_edit = reaches(actor, Perm.CLINICAL_EDIT, clinician_id)
    current: list[dict[str, str]] = []
    ended: list[tuple[date, dict[str, str]]] = []
    for row in diagnoses_of(session, actor, case_id):  # primary first, then by start
        item = {
            "id": str(row.id),
            "code": row.code,
            "description": row.description,
            "primary": "yes" if row.is_primary else "",
            "start": day_words(row.start_on),
            "start_iso": row.start_on.isoformat(),
            "end": day_words(row.end_on),
        }
        # The end date is the last day a diagnosis applies: ended once that day has come.
        if row.end_on is not None and row.end_on <= today:
            ended.append((row.end_on, item))
        else:
            current.append(item)
    ended.sort(key=lambda pair: pair[0], reverse=True)
    return DiagnosisScreen(
        case_id,
        title,
        consultation=False,
        can_edit=can_edit,
        today=today,
        current=current,
        ended=[item for _, item in ended],
    )


def search_codes(query: str) -> tuple[list[dict[str, str]], str]:
    """Billable codes matching QUERY, and a note when QUERY names a code that cannot be
    recorded (a category or subcategory: the service's own sentence). Pure; the first call
    in a process builds the ICD-10-CM index (seconds), so run it off the event loop."""
    text = query.strip()[:QUERY_LIMIT]
    if not text:
        return [], ""
    found = [
        {"code": d.code, "description": d.description}
        for d in icd10.search(text, limit=SEARCH_LIMIT)
    ]
    note = ""
    named = icd10.lookup(text)
    if named is not None and not named.billable:
        try:
            icd10.validate_billable(text)
        except icd10.DiagnosisCodeError as exc:
            note = exc.message
    return found, note


def _warm_index() -> None:
    """Build the ICD-10-CM index in the background, so the first search is quick."""
    if icd10.loaded():
        return
    threading.Thread(target=icd10.preload, name="icd10-preload", daemon=True).start()


class DiagnosesState(SessionState):
    """/cases/<id>/diagnoses: the case's diagnoses, the code picker, ending a diagnosis."""

    loaded: bool = False
    not_found: bool = False
    consultation: bool = False
    can_edit: bool = False
    current_case: int = 0  # the route argument is case_id: not shadowed
    case_title: str = ""
    case_href: str = ""
    today: str = ""  # yyyy-mm-dd in the practice's timezone: the date fields' default
    current: list[dict[str, str]] = []
    ended: list[dict[str, str]] = []
    # The picker.
    query: str = ""
    results: list[dict[str, str]] = []
    query_note: str = ""  # "F41 is a category, not a billable code: …"
    picked_code: str = ""
    picked_description: str = ""
    errors: dict[str, str] = {}  # code, start_on, end_on: beside the fields
    adding: bool = False
    form_rev: int = 0  # re-keys the picker's fields after a diagnosis is added
    # Ending a diagnosis: the row whose end date is being entered.
    ending: str = ""
    end_errors: dict[str, str] = {}
    saving_end: bool = False
    done: str = ""  # what was just recorded ("F41.1 added."), announced politely

    def _show(self, screen: DiagnosisScreen) -> None:
        self.current_case = screen.case_id
        self.case_title = screen.case_title
        self.case_href = case_url(screen.case_id)
        self.consultation = screen.consultation
        self.can_edit = screen.can_edit
        self.today = screen.today.isoformat()
        self.current, self.ended = screen.current, screen.ended

    async def _fetch(self, actor: Actor) -> bool:
        """Load the case's diagnoses; False when the page is not there for this actor."""
        screen = await case_screen(self, actor, diagnosis_screen)
        if screen is None:
            return False
        self._show(screen)
        return True

    def _clear_picker(self) -> None:
        self.query, self.results, self.query_note, self.done = "", [], "", ""
        self.picked_code, self.picked_description = "", ""
        self.errors = {}

    @rx.event
    async def load(self):
        self.loaded, self.not_found = False, False
        self._clear_picker()
        self.ending, self.end_errors, self.adding, self.saving_end = "", {}, False, False
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.not_found = not await self._fetch(actor)
        self.loaded = True
        if not self.not_found and self.can_edit:
            _warm_index()
        return None

    @rx.event
    async def search(self, query: str):
        """Offer the billable codes matching what was typed (code or words)."""
        if not self.can_edit:
            return None
        self.query, self.done = str(query or "")[:QUERY_LIMIT], ""
        # Typing again means looking for another code.
        self.picked_code, self.picked_description = "", ""
        if "code" in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k != "code"}
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.results, self.query_note = await asyncio.to_thread(search_codes, self.query)
        return None

    @rx.event
    def pick(self, code: str):
        """Choose one of the offered codes."""
        chosen = next((r for r in self.results if r["code"] == code), None)
        if chosen is None or not self.can_edit:
            return
        self.picked_code, self.picked_description = chosen["code"], chosen["description"]
        self.errors = {k: v for k, v in self.errors.items() if k != "code"}

    @rx.event
    def unpick(self):
        """Back to the search results, to choose another code."""
        self.picked_code, self.picked_description = "", ""

    @rx.event
    async def add(self, form: dict[str, Any]):
        """Record the picked code (or the typed one) from the start date; refused beside the
        field with what was typed kept."""
        if not self.can_edit or self.adding:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        # The box as submitted: Enter may come before the debounced search has run.
        typed = str(form.get("code_query", self.query) or "")[:QUERY_LIMIT].strip()
        code = self.picked_code or typed
        entry = DiagnosisForm(
            code=code,
            start_on=str(form.get("start_on", "") or ""),
            is_primary=str(form.get("is_primary", "")).lower() in {"on", "true", "yes"},
        )
        self.adding = True
        yield
        try:
            await self.call(add_diagnosis, actor, self.current_case, entry)
        except ValidationFailed as exc:
            self.adding = False
            self.errors = dict(exc.errors)
            return
        except (NotFound, PermissionDenied):
            self.adding = False
            self.errors = {"code": "You cannot add diagnoses to this case."}
            return
        added = self.picked_code or code.upper()
        self._clear_picker()
        self.form_rev += 1
        if not await self._fetch(actor):
            self.not_found = True
        self.adding = False
        self.done = f"{added} added."

    @rx.event
    def start_end(self, diagnosis_id: str):
        """Ask for the end date of one current diagnosis."""
        if self.can_edit and any(r["id"] == diagnosis_id for r in self.current):
            self.ending, self.end_errors = diagnosis_id, {}

    @rx.event
    def cancel_end(self):
        self.ending, self.end_errors = "", {}

    @rx.event
    async def make_primary(self, diagnosis_id: str):
        """Make a current diagnosis the case's primary one."""
        if not self.can_edit or not str(diagnosis_id).isdigit():
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        row = next((r for r in self.current if r["id"] == str(diagnosis_id)), None)
        try:
            await self.call(make_primary, actor, int(diagnosis_id))
        except ValidationFailed as exc:
            self.done = next(iter(exc.errors.values()), exc.message)
            return
        except (NotFound, PermissionDenied):
            self.done = "This diagnosis cannot be changed by you."
            return
        if not await self._fetch(actor):
            self.not_found = True
        self.done = f"{row['code'] if row else 'The diagnosis'} is now the primary diagnosis."

    @rx.event
    async def end(self, form: dict[str, Any]):
        """Set the last day the diagnosis applies; refused beside the field."""
        if not self.can_edit or not self.ending.isdigit() or self.saving_end:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        row = next((r for r in self.current if r["id"] == self.ending), None)
        self.saving_end = True
        yield
        try:
            await self.call(
                end_diagnosis, actor, int(self.ending), str(form.get("end_on", "") or "")
            )
        except ValidationFailed as exc:
            self.saving_end = False
            self.end_errors = {"end_on": next(iter(exc.errors.values()), exc.message)}
            return
        except (NotFound, PermissionDenied):
            self.saving_end = False
            self.end_errors = {"end_on": "This diagnosis cannot be ended by you."}
            return
        self.ending, self.end_errors = "", {}
        if not await self._fetch(actor):
            self.not_found = True
        self.saving_end = False
        self.done = f"{row['code'] if row else 'The diagnosis'} ended."
