"""Reflex state for a case's Treatment plan screen (/cases/<id>/plan).

Thin, like the note editor's state: each event resolves the actor again and runs `plans` in a
worker thread. The draft being written lives on the server as the JSON content the service
takes (`_content`); the browser gets rows to draw (`plan_views.PlanDoc`). Fields are
uncontrolled and save as they are left (text, dates) or changed (the frequency), the whole
content at once; adding or removing a row saves too and re-keys the editor (`rev`), so every
field shows its row's text again after the rows shift.

Signing saves anything not yet saved, then asks `plans.sign_plan`, whose refusals name each
gap by path; the editor shows each beside its field. A signed version is read-only for good;
Revise starts the next version from it. Whoever may read the case's clinical record sees the
page; only those who may edit it get the editor; a consultation case has no plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from practicerunner.clients.access import get_case_for
from practicerunner.clients.cases.rules import reaches
from practicerunner.clients.models import CaseKind
from practicerunner.core import clock
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.documentation import plans
from practicerunner.documentation.note_state import moment_words
from practicerunner.documentation.plan_views import (
    PlanDoc,
    add_row,
    last_row_field_id,
    plan_doc,
    remove_row,
    set_value,
    with_first_rows,
)
from practicerunner.documentation.record_layout import case_screen
from practicerunner.practice.local import practice_tz
from practicerunner.ui.routes import case_url
from practicerunner.ui.session import SessionState

# Focus element ID as soon as React has drawn it (tries for about a second).
FOCUS_WHEN_DRAWN = (
    "(function focusWhenDrawn(tries) {"
    " const el = document.getElementById(ID);"
    " if (el) { el.focus(); } else if (tries > 0) {"
    " setTimeout(() => focusWhenDrawn(tries - 1), 25); }"
    " })(40)"
)

# Said when a list is full, in the service's words.
_FULL = {
    "problems": f"A plan has at most {plans.MAX_PROBLEMS} problems.",
    "goals": f"A problem has at most {plans.MAX_GOALS} goals.",
    "objectives": f"A goal has at most {plans.MAX_OBJECTIVES} objectives.",
    "interventions": f"A plan has at most {plans.MAX_INTERVENTIONS} interventions.",
}


@dataclass(frozen=True)
class PlanScreen:
    """A case's plan versions as read for one actor, with what the page needs beside them."""

    case_id: int
    case_title: str
    consultation: bool
    can_edit: bool
    zone: ZoneInfo
    draft: plans.PlanView | None = None
    signed: list[plans.PlanView] = field(default_factory=list)  # newest first


def plan_screen(session: Session, actor: Actor, case_id: int) -> PlanScreen:
    """`plans.plans_of` (audited) with the case's title and whether ACTOR may write the plan.
    NotFound unless the actor may read the case's clinical record; a consultation case comes
    back empty, without reading anything."""
    case = get_case_for(session, actor, case_id, Perm.CLINICAL_VIEW)
    title, kind, clinician_id = case.title, case.kind, case.primary_clinician_id
    zone = practice_tz(session)
    if kind == CaseKind.CONSULTATION:
        session.rollback()
        return PlanScreen(case_id, title, consultation=True, can_edit=False, zone=zone)
    views = plans.plans_of(session, actor, case_id)
    return PlanScreen(
        case_id,
        title,
        consultation=False,
        can_edit=reaches(actor, Perm.CLINICAL_EDIT, clinician_id),
        zone=zone,
        draft=next((v for v in views if v.is_draft), None),
        signed=[v for v in views if not v.is_draft],
    )


def signed_doc(view: plans.PlanView, zone: ZoneInfo) -> PlanDoc:
    """A signed version as the reader draws it, with who signed it and when."""
    doc = plan_doc(plans.content_to_dict(view.content), view.version)
    doc.signed_by = (
        f"{view.signed_name}, {view.signed_credentials}"
        if view.signed_credentials
        else view.signed_name
    )
    doc.signed_when = moment_words(view.signed_at, zone) if view.signed_at else ""
    return doc


STALE = (
    "This plan was saved in another window or by someone else since you opened it. Reload to "
    "see it; your last change was not saved."
)


class StalePlan(Exception):
    """The draft was saved elsewhere since this editor loaded it."""


def _check_seen(session: Session, actor: Actor, plan_id: int, seen: str) -> None:
    """Lock the draft (see `plans.draft_saved_at`) and insist it is as this editor saw it."""
    if plans.draft_saved_at(session, actor, plan_id).isoformat() != seen:
        session.rollback()
        raise StalePlan()


def save_unless_stale(
    session: Session, actor: Actor, plan_id: int, content: dict[str, Any], seen: str
) -> str:
    """Save CONTENT as the draft unless it was saved elsewhere since SEEN (its `updated_at`
    in ISO form); the new `updated_at`. Raises StalePlan, or what `save_plan_draft` raises."""
    _check_seen(session, actor, plan_id, seen)
    plans.save_plan_draft(session, actor, plan_id, content)
    saved_at = plans.draft_saved_at(session, actor, plan_id).isoformat()
    session.rollback()  # let go of the lock: nothing was written since the save committed
    return saved_at


def sign_unless_stale(session: Session, actor: Actor, plan_id: int, seen: str) -> None:
    """Sign the draft unless it was saved elsewhere since SEEN: what is signed is what this
    editor shows. Raises StalePlan, or what `sign_plan` raises."""
    _check_seen(session, actor, plan_id, seen)
    plans.sign_plan(session, actor, plan_id)


def _not_signed_summary(count: int) -> str:
    if count == 1:
        return "The plan was not signed: one thing is missing, marked below."
    return f"The plan was not signed: {count} things are missing, marked below."


class PlanState(SessionState):
    """/cases/<id>/plan: the plan in force, earlier versions, and the draft being written."""

    loaded: bool = False
    not_found: bool = False
    consultation: bool = False
    can_edit: bool = False
    current_case: int = 0  # the route argument is case_id: not shadowed
    case_title: str = ""
    case_href: str = ""
    # The signed version in force, and the ones before it.
    has_current: bool = False
    current: PlanDoc = PlanDoc()
    older: list[PlanDoc] = []
    # The draft: shown as the editor to those who may write it, as a line to the others.
    has_draft: bool = False
    draft: PlanDoc = PlanDoc()
    draft_line: str = ""
    frequency: str = ""  # the draft's session frequency choice: "other" shows its text field
    errors: dict[str, str] = {}  # by the service's path
    summary: str = ""
    save_state: str = ""  # "Saving…", "Saved 10:42", "Not saved"
    stale: str = ""  # why this tab must reload before it saves again
    starting: bool = False
    signing: bool = False
    signed_message: str = ""  # the confirmation after signing
    rev: int = 0
    # Server-only: the draft as edited here, as last saved, and its id.
    _content: dict[str, Any] = {}
    _saved: dict[str, Any] = {}
    _seen: str = ""  # the draft's updated_at when this editor last loaded or saved it
    _plan_id: int = 0
    _zone_name: str = "America/Los_Angeles"

    def _today(self) -> date:
        return clock.now().astimezone(ZoneInfo(self._zone_name)).date()

    def _show(self, screen: PlanScreen) -> None:
        self.current_case = screen.case_id
        self.case_title = screen.case_title
        self.case_href = case_url(screen.case_id)
        self.consultation = screen.consultation
        self.can_edit = screen.can_edit
        self._zone_name = screen.zone.key
        docs = [signed_doc(v, screen.zone) for v in screen.signed]
        self.has_current = bool(docs)
        self.current = docs[0] if docs else PlanDoc()
        self.older = docs[1:]
        draft = screen.draft
        self.has_draft = draft is not None and screen.can_edit
        self.draft_line = ""
        if draft is not None and not screen.can_edit:
            self.draft_line = f"{draft.created_by_name} is drafting version {draft.version}."
        if draft is not None and screen.can_edit:
            saved = plans.content_to_dict(draft.content)
            self._plan_id, self._saved = draft.id, saved
            self._seen = draft.updated_at.isoformat()
            self._content = with_first_rows(saved)
            self._draw_draft(draft.version)
        else:
            self._plan_id, self._saved, self._content, self._seen = 0, {}, {}, ""
            self.draft = PlanDoc()
        self.errors, self.summary, self.stale, self.save_state = {}, "", "", ""

    def _draw_draft(self, version: int | None = None) -> None:
        """Redraw the editor from `_content` (its fields start again from it)."""
        self.draft = plan_doc(self._content, version if version is not None else self.draft.version)
        self.frequency = str(self._content.get("session_frequency", "") or "")
        self.rev += 1

    async def _fetch(self, actor: Actor) -> bool:
        """Load the case's plan; False when the page is not there for this actor."""
        screen = await case_screen(self, actor, plan_screen)
        if screen is None:
            return False
        self._show(screen)
        return True

    @rx.event
    async def load(self):
        self.loaded, self.not_found, self.starting, self.signing = False, False, False, False
        self.signed_message = ""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.not_found = not await self._fetch(actor)
        self.loaded = True
        return None

    @rx.event
    async def reload(self):
        """Load the plan as saved (after another window changed or signed it)."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not await self._fetch(actor):
            self.not_found = True
        return None

    @rx.event
    async def start(self):
        """Begin the first version, or revise: the next version from the one in force."""
        if not self.can_edit or self.has_draft or self.consultation or self.starting:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.starting, self.signed_message = True, ""
        yield
        try:
            await self.call(plans.start_plan, actor, self.current_case)
        except ValidationFailed as exc:
            self.starting = False
            yield rx.toast.error(next(iter(exc.errors.values()), exc.message))
            return
        except (NotFound, PermissionDenied):
            self.starting = False
            yield rx.toast.error("This plan cannot be written by you.")
            return
        if not await self._fetch(actor):
            self.not_found = True
        self.starting = False

    @rx.event
    async def discard(self):
        """Throw the draft away (after the page asked): the plan in force stays as it was."""
        if not self.has_draft or self.signing:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        try:
            await self.call(plans.discard_plan_draft, actor, self._plan_id)
        except ValidationFailed as exc:  # signed in another window meanwhile
            self.stale = exc.errors.get("plan", exc.message)
            return
        except (NotFound, PermissionDenied):
            self.stale = "This plan is no longer available to you."
            return
        self.errors, self.summary, self.stale, self.save_state = {}, "", "", ""
        if not await self._fetch(actor):
            self.not_found = True
        yield rx.toast.success("Draft discarded.")

    async def _save(self, actor: Actor) -> bool:
        """Save `_content` if it changed since the last save; False when refused."""
        if self._content == self._saved:
            return True
        content = dict(self._content)
        try:
            self._seen = await self.call(
                save_unless_stale, actor, self._plan_id, content, self._seen
            )
        except StalePlan:
            self.stale, self.save_state = STALE, "Not saved"
            return False
        except plans.PlanContentError as exc:
            self.errors = {**self.errors, **exc.errors}
            self.save_state = "Not saved"
            self.summary = "Your last change was not saved. Correct the field marked below."
            return False
        except ValidationFailed as exc:  # signed in another window meanwhile
            self.stale = exc.errors.get("plan", exc.message)
            self.save_state = ""
            return False
        except (NotFound, PermissionDenied):
            self.stale, self.save_state = "This plan is no longer available to you.", ""
            return False
        self._saved = content
        self.save_state = f"Saved {clock.now().astimezone(ZoneInfo(self._zone_name)):%H:%M}"
        if self.summary.startswith("Your last change"):
            self.summary = ""
        return True

    def _recheck(self, *, all_gaps: bool) -> None:
        """After a change, show what still stops signing: only the gaps already marked (a
        field was filled), or all of them (rows moved, so the marks may have too)."""
        if not self.errors:
            return
        try:
            gaps = plans.signing_problems(plans.content_from_dict(self._content), self._today())
        except plans.PlanContentError as exc:
            gaps = dict(exc.errors)
        self.errors = gaps if all_gaps else {k: gaps[k] for k in self.errors if k in gaps}
        if not self.errors:
            self.summary = ""
        elif not self.summary.startswith("Your last change"):
            self.summary = _not_signed_summary(len(self.errors))

    @rx.event
    async def save_field(self, path: str, value: Any):
        """Save the draft after one field was left or changed."""
        if not self.has_draft or self.stale:
            return
        changed = set_value(self._content, str(path), str(value or ""))
        if changed is None or (changed == self._content and self._content == self._saved):
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self._content = changed
        if path == "session_frequency":
            self.frequency = str(value or "")
        self.save_state = "Saving…"
        yield
        if await self._save(actor):
            self._recheck(all_gaps=False)

    async def _restructure(self, changed: dict[str, Any] | None, refusal: str):
        if not self.has_draft or self.stale:
            return
        if changed is None:
            yield rx.toast.error(refusal)
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self._content = changed
        self._draw_draft()
        self.save_state = "Saving…"
        yield
        if await self._save(actor):
            self._recheck(all_gaps=True)

    @rx.event
    async def add(self, list_path: str):
        """Add an empty row (problem, goal, objective, intervention) at the end of a list."""
        name = str(list_path).rsplit(".", 1)[-1]
        changed = add_row(self._content, str(list_path))
        async for step in self._restructure(changed, _FULL.get(name, "No more rows fit here.")):
            yield step
        target = last_row_field_id(changed, str(list_path)) if changed is not None else None
        if target is not None:
            # The new row's first field takes the focus once it is drawn, so typing goes on.
            yield rx.call_script(FOCUS_WHEN_DRAWN.replace("ID", json.dumps(target)))

    @rx.event
    async def remove(self, row_path: str):
        """Remove a row (and what it holds)."""
        async for step in self._restructure(
            remove_row(self._content, str(row_path)), "That row is no longer there."
        ):
            yield step

    @rx.event
    async def sign(self):
        """Sign the draft as saved: refused by field while something required is missing."""
        if not self.has_draft or self.stale or self.signing:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.signing = True
        yield
        if not await self._save(actor):
            self.signing = False
            return
        version = self.draft.version
        try:
            await self.call(sign_unless_stale, actor, self._plan_id, self._seen)
        except StalePlan:
            self.signing, self.stale = False, STALE
            return
        except ValidationFailed as exc:
            self.signing = False
            if "plan" in exc.errors:
                self.stale = exc.errors["plan"]
                return
            self.errors = dict(exc.errors)
            self.summary = _not_signed_summary(len(self.errors))
            return
        except (NotFound, PermissionDenied):
            self.signing = False
            self.stale = "This plan is no longer available to you."
            return
        if not await self._fetch(actor):
            self.not_found = True
        self.signing = False
        self.signed_message = (
            f"Version {version} is signed and in force. It can no longer change: "
            "Revise plan starts the next version from it."
        )
