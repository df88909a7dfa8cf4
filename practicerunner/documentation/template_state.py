"""Reflex states for the owner's note-template screens: the list and the builder.

Thin, like the other page states: every event resolves the actor again and calls
`practice_templates` in a worker thread; the states hold flat rows of strings and booleans.

The builder keeps the template being built as rows (`SectionRow`, `FieldRow`), each with a
stable `uid` that keys its controls, so moving or removing a row never moves what was typed
into another. Controls are uncontrolled: text is sent when a control is left (blur, which
comes before the click on Save), choices when they change. Save sends the rows to the
service; a refusal puts each message on its row, beside the control, and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.documentation import practice_templates as pt
from practicerunner.documentation import templates as tpl
from practicerunner.documentation.note_state import day_words
from practicerunner.practice.local import practice_tz
from practicerunner.ui.routes import SETTINGS_NOTE_TEMPLATES
from practicerunner.ui.session import SessionState

NEW = "new"
KIND_CHOICES = list(pt.KIND_LABELS.items())
TYPE_CHOICES = list(pt.TYPE_LABELS.items())
_TEXT_ATTRS = ("label", "help", "options")
_FLAG_ATTRS = ("required", "multiline", "not_in_future")
_FIELD_ERRORS = ("label", "type", "required", "help", "options")


def editor_url(template_id: int | str) -> str:
    return f"{SETTINGS_NOTE_TEMPLATES}/{template_id}"


def copy_url(choice: str) -> str:
    """The builder, starting from a copy of CHOICE (a built-in key or "practice:<id>")."""
    return f"{SETTINGS_NOTE_TEMPLATES}/{NEW}?from={choice}"


def _counts(sections: int, fields: int) -> str:
    return (
        f"{sections} section{'s' if sections != 1 else ''} · "
        f"{fields} field{'s' if fields != 1 else ''}"
    )


# ---- the list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateLists:
    built_ins: list[dict[str, str]]
    practice: list[dict[str, str]]


def template_lists(session: Session, actor: Actor) -> TemplateLists:
    """The built-ins (psychotherapy notes stay apart) and every practice template."""
    zone: ZoneInfo = practice_tz(session)
    built_ins, practice = [], []
    for found in pt.list_templates(session, actor, include_archived=True):
        counts = _counts(found.sections, found.fields)
        if found.built_in:
            if found.kind == tpl.TemplateKind.PSYCHOTHERAPY.value:
                continue
            built_ins.append(
                {
                    "title": found.title,
                    # "Intake assessment" needs no second line saying so.
                    "kind": "" if found.kind_label == found.title else found.kind_label,
                    "counts": counts,
                    "copy_href": copy_url(found.choice),
                }
            )
            continue
        changed: date | None = (
            found.updated_at.astimezone(zone).date() if found.updated_at else None
        )
        practice.append(
            {
                "id": str(found.id),
                "title": found.title,
                "kind": found.kind_label,
                "counts": counts,
                "version": f"Version {found.version}",
                "changed": day_words(changed),
                "archived": "yes" if found.archived else "",
                "edit_href": editor_url(found.id or 0),
                "copy_href": copy_url(found.choice),
            }
        )
    return TemplateLists(built_ins=built_ins, practice=practice)


class NoteTemplatesState(SessionState):
    """/settings/note-templates: the built-ins to copy, the practice's templates to edit."""

    loaded: bool = False
    denied: bool = False
    built_ins: list[dict[str, str]] = []
    practice: list[dict[str, str]] = []
    busy: str = ""  # the template being archived or restored

    async def _fetch(self, actor: Actor) -> None:
        lists = await self.call(template_lists, actor)
        self.built_ins, self.practice = lists.built_ins, lists.practice

    @rx.event
    async def load(self):
        self.busy = ""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not actor.can(Perm.PRACTICE_MANAGE):
            self.denied, self.loaded = True, True
            return None
        await self._fetch(actor)
        self.denied, self.loaded = False, True
        return None

    @rx.event
    async def set_archived(self, template_id: str, archived: bool):
        """Archive a template (new notes no longer offer it) or restore it."""
        if not str(template_id).isdigit():
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.busy = str(template_id)
        yield
        try:
            done = await self.call(pt.set_template_archived, actor, int(template_id), archived)
        except (NotFound, PermissionDenied, ValidationFailed):
            self.busy = ""
            yield rx.toast.error("That template could not be changed. Reload the page.")
            return
        await self._fetch(actor)
        self.busy = ""
        yield rx.toast.success(
            f"“{done.title}” archived: new notes no longer offer it."
            if archived
            else f"“{done.title}” restored: new notes offer it again."
        )


# ---- the builder ----------------------------------------------------------------------------


@dataclass
class FieldRow:
    """One field being built. OPTIONS: one per line as typed; OPTION_LIST: the same, for the
    preview. *_ERROR: the refusal beside each control; ERROR: one about the field as a whole."""

    uid: str = ""
    key: str = ""
    label: str = ""
    type: str = tpl.FieldType.TEXT.value
    required: bool = False
    help: str = ""
    options: str = ""
    option_list: list[str] = field(default_factory=list)
    multiline: bool = True
    not_in_future: bool = False
    label_error: str = ""
    type_error: str = ""
    required_error: str = ""
    help_error: str = ""
    options_error: str = ""
    error: str = ""


@dataclass
class SectionRow:
    uid: str = ""
    key: str = ""
    title: str = ""
    fields: list[FieldRow] = field(default_factory=list)
    title_error: str = ""
    fields_error: str = ""


def _option_lines(text: str) -> list[str]:
    """The options typed one per line; empty lines are spacing, not options."""
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def _to_input(title: str, kind: str, sections: list[SectionRow]) -> pt.TemplateInput:
    return pt.TemplateInput(
        title=title,
        kind=kind,
        sections=tuple(
            pt.SectionInput(
                title=s.title,
                key=s.key,
                fields=tuple(
                    pt.FieldInput(
                        label=f.label,
                        type=f.type,
                        # A checkbox is always answered: the builder never makes one required.
                        required=f.required and f.type != tpl.FieldType.CHECKBOX.value,
                        help=f.help,
                        options=tuple(_option_lines(f.options)),
                        multiline=f.multiline,
                        not_in_future=f.not_in_future,
                        key=f.key,
                    )
                    for f in s.fields
                ),
            )
            for s in sections
        ),
    )


def _clear_errors(row: FieldRow) -> FieldRow:
    return replace(
        row,
        label_error="",
        type_error="",
        required_error="",
        help_error="",
        options_error="",
        error="",
    )


def _place_errors(
    sections: list[SectionRow], errors: dict[str, str]
) -> tuple[list[SectionRow], dict[str, str]]:
    """Each refusal on the row it belongs to; (the rows, what belongs to the template itself)."""
    rows = [
        replace(s, title_error="", fields_error="", fields=[_clear_errors(f) for f in s.fields])
        for s in sections
    ]
    top: dict[str, str] = {}
    for path, message in errors.items():
        parts = path.split(".")
        if parts[0] != "sections" or len(parts) < 3 or not parts[1].isdigit():
            top.setdefault(parts[0], message)
            continue
        s = int(parts[1])
        if s >= len(rows):
            top.setdefault("sections", message)
            continue
        section = rows[s]
        if parts[2] == "title":
            section.title_error = section.title_error or message
        elif parts[2] == "fields" and len(parts) == 3:
            section.fields_error = section.fields_error or message
        elif parts[2] == "fields" and len(parts) >= 5 and parts[3].isdigit():
            f = int(parts[3])
            if f >= len(section.fields):
                section.fields_error = section.fields_error or message
                continue
            row, what = section.fields[f], parts[4]
            if what == "options" and len(parts) == 6 and parts[5].isdigit():
                message = f"Option {int(parts[5]) + 1}: {message}"
            if what in _FIELD_ERRORS:
                attr = f"{what}_error"
                if not getattr(row, attr):
                    setattr(row, attr, message)
            elif not row.error:
                row.error = message
        else:
            section.title_error = section.title_error or message
    return rows, top


class TemplateEditorState(SessionState):
    """/settings/note-templates/<id|new>: build a template from sections and typed fields,
    with a preview of the note form; saving is refused beside each control."""

    loaded: bool = False
    denied: bool = False
    not_found: bool = False
    template_id: int = 0  # 0: a new template
    version: int = 0  # the version loaded (a stale window is refused)
    heading: str = ""
    subtitle: str = ""
    archived: bool = False
    title: str = ""
    kind: str = tpl.TemplateKind.PROGRESS.value
    sections: list[SectionRow] = []
    errors: dict[str, str] = {}  # title, kind, sections, template (another window saved)
    summary: str = ""
    saving: bool = False
    rev: int = 0
    _next_uid: int = 0

    def _uid(self, prefix: str) -> str:
        self._next_uid += 1
        return f"{prefix}{self._next_uid}"

    def _field_row(self, data: pt.FieldInput | None = None) -> FieldRow:
        if data is None:
            return FieldRow(uid=self._uid("f"))
        options = "\n".join(data.options)
        return FieldRow(
            uid=self._uid("f"),
            key=data.key,
            label=data.label,
            type=data.type,
            required=data.required,
            help=data.help,
            options=options,
            option_list=_option_lines(options),
            multiline=data.multiline,
            not_in_future=data.not_in_future,
        )

    def _section_row(self, data: pt.SectionInput | None = None) -> SectionRow:
        if data is None:
            return SectionRow(uid=self._uid("s"), fields=[self._field_row()])
        return SectionRow(
            uid=self._uid("s"),
            key=data.key,
            title=data.title,
            fields=[self._field_row(f) for f in data.fields],
        )

    def _show(self, data: pt.TemplateInput) -> None:
        self.title, self.kind = data.title, data.kind or tpl.TemplateKind.PROGRESS.value
        self.sections = [self._section_row(s) for s in data.sections] or [self._section_row()]
        self.errors, self.summary, self.saving = {}, "", False
        self.rev += 1

    def _path_parts(self) -> tuple[str, str]:
        tail = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        source = str(self.router.url.query_parameters.get("from", "") or "")[:80]
        return tail, source

    @rx.event
    async def load(self):
        self.loaded, self.denied, self.not_found = False, False, False
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not actor.can(Perm.PRACTICE_MANAGE):
            self.denied, self.loaded = True, True
            return None
        tail, source = self._path_parts()
        try:
            if tail == NEW:
                self.template_id, self.version, self.archived = 0, 0, False
                if source:
                    original = await self.call(pt.template_to_copy, actor, source)
                    copy = pt.input_of(original)
                    self._show(replace(copy, title=f"{original.name} (copy)"))
                    self.heading = "New note template"
                    self.subtitle = f"A copy of {original.name}: change it to fit the practice."
                else:
                    self._show(pt.TemplateInput(kind=tpl.TemplateKind.PROGRESS.value))
                    self.heading = "New note template"
                    self.subtitle = "Sections of fields, in the order the note shows them."
            elif tail.isdigit():
                view = await self.call(pt.read_practice_template, actor, int(tail))
                self.template_id, self.version = view.id, view.version
                self.archived = view.archived
                self._show(pt.input_of(view.template))
                self.heading = view.template.name
                self.subtitle = (
                    f"Version {view.version}. Saving makes version {view.version + 1}; "
                    "notes already begun keep the version they began with."
                )
            else:
                raise NotFound("note template")
        except (NotFound, PermissionDenied):
            self.not_found = True
        self.loaded = True
        return None

    def _settle(self) -> None:
        """Once every marked problem has been edited away, the summary above goes too."""
        if not self.summary or self.errors:
            return
        for section in self.sections:
            if section.title_error or section.fields_error:
                return
            for row in section.fields:
                if row.error or any(getattr(row, f"{n}_error") for n in _FIELD_ERRORS):
                    return
        self.summary = ""

    # -- editing (what was typed is kept here as it is left) ----------------------------------

    @rx.event
    def set_title(self, value: str):
        self.title = str(value or "")
        self.errors = {k: v for k, v in self.errors.items() if k != "title"}
        self._settle()

    @rx.event
    def set_kind(self, value: str):
        self.kind = str(value or "")
        self.errors = {k: v for k, v in self.errors.items() if k != "kind"}
        self._settle()

    def _section_at(self, i: Any) -> int | None:
        index = int(i) if isinstance(i, int | str) and str(i).lstrip("-").isdigit() else -1
        return index if 0 <= index < len(self.sections) else None

    def _field_at(self, i: Any, j: Any) -> tuple[int, int] | None:
        s = self._section_at(i)
        if s is None:
            return None
        index = int(j) if isinstance(j, int | str) and str(j).lstrip("-").isdigit() else -1
        return (s, index) if 0 <= index < len(self.sections[s].fields) else None

    def _replace_field(self, s: int, f: int, row: FieldRow) -> None:
        sections = list(self.sections)
        fields = list(sections[s].fields)
        fields[f] = row
        sections[s] = replace(sections[s], fields=fields)
        self.sections = sections
        self._settle()

    @rx.event
    def set_section_title(self, i: int, value: str):
        s = self._section_at(i)
        if s is None:
            return
        sections = list(self.sections)
        sections[s] = replace(sections[s], title=str(value or ""), title_error="")
        self.sections = sections
        self._settle()

    @rx.event
    def set_field_text(self, i: int, j: int, name: str, value: str):
        """Label, help or options (one per line) as typed."""
        at = self._field_at(i, j)
        if at is None or name not in _TEXT_ATTRS:
            return
        text = str(value or "")
        changes: dict[str, Any] = {name: text, f"{name}_error": ""}
        if name == "options":
            changes["option_list"] = _option_lines(text)
        self._replace_field(*at, replace(self.sections[at[0]].fields[at[1]], **changes))

    @rx.event
    def set_field_type(self, i: int, j: int, value: str):
        at = self._field_at(i, j)
        if at is None:
            return
        row = self.sections[at[0]].fields[at[1]]
        self._replace_field(
            *at, replace(row, type=str(value or ""), type_error="", options_error="", error="")
        )

    @rx.event
    def set_field_flag(self, i: int, j: int, name: str, checked: bool):
        """Required, several lines (text) or no future dates (date)."""
        at = self._field_at(i, j)
        if at is None or name not in _FLAG_ATTRS:
            return
        row = self.sections[at[0]].fields[at[1]]
        changes: dict[str, Any] = {name: bool(checked), "error": ""}
        if name == "required":
            changes["required_error"] = ""
        self._replace_field(*at, replace(row, **changes))

    # -- structure ------------------------------------------------------------------------------

    @rx.event
    def add_section(self):
        if len(self.sections) >= tpl.MAX_SECTIONS:
            self.errors = {**self.errors, "sections": f"At most {tpl.MAX_SECTIONS} sections."}
            return
        self.sections = [*self.sections, self._section_row()]
        self.errors = {k: v for k, v in self.errors.items() if k != "sections"}

    @rx.event
    def remove_section(self, i: int):
        s = self._section_at(i)
        if s is not None:
            self.sections = [row for n, row in enumerate(self.sections) if n != s]
            self._settle()

    @rx.event
    def move_section(self, i: int, step: int):
        s = self._section_at(i)
        if s is None or step not in (-1, 1) or not 0 <= s + step < len(self.sections):
            return
        sections = list(self.sections)
        sections[s], sections[s + step] = sections[s + step], sections[s]
        self.sections = sections

    @rx.event
    def add_field_to(self, i: int):
        s = self._section_at(i)
        if s is None:
            return
        section = self.sections[s]
        if len(section.fields) >= tpl.MAX_FIELDS_PER_SECTION:
            message = f"A section has at most {tpl.MAX_FIELDS_PER_SECTION} fields."
            sections = list(self.sections)
            sections[s] = replace(section, fields_error=message)
            self.sections = sections
            return
        sections = list(self.sections)
        sections[s] = replace(section, fields=[*section.fields, self._field_row()], fields_error="")
        self.sections = sections

    @rx.event
    def remove_field(self, i: int, j: int):
        at = self._field_at(i, j)
        if at is None:
            return
        s, f = at
        sections = list(self.sections)
        fields = [row for n, row in enumerate(sections[s].fields) if n != f]
        sections[s] = replace(sections[s], fields=fields)
        self.sections = sections
        self._settle()

    @rx.event
    def move_field(self, i: int, j: int, step: int):
        at = self._field_at(i, j)
        if at is None or step not in (-1, 1):
            return
        s, f = at
        fields = list(self.sections[s].fields)
        if not 0 <= f + step < len(fields):
            return
        fields[f], fields[f + step] = fields[f + step], fields[f]
        sections = list(self.sections)
        sections[s] = replace(sections[s], fields=fields)
        self.sections = sections

    # -- saving ---------------------------------------------------------------------------------

    @rx.event
    async def save(self):
        """Save the template (a new one, or the next version); refused beside each control
        with what was typed kept and nothing written."""
        if self.saving:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.saving = True
        yield
        data = _to_input(self.title, self.kind, self.sections)
        try:
            if self.template_id:
                saved = await self.call(
                    pt.update_template, actor, self.template_id, data, self.version
                )
            else:
                saved = await self.call(pt.create_template, actor, data)
        except ValidationFailed as exc:
            self.sections, self.errors = _place_errors(self.sections, exc.errors)
            self.saving = False
            if "template" in self.errors:
                self.summary = self.errors["template"]
            else:
                self.summary = "Nothing was saved: correct what is marked below."
            return
        except (NotFound, PermissionDenied):
            self.saving = False
            self.summary = "This template is no longer available to you. Nothing was saved."
            return
        self.saving = False
        yield rx.toast.success(
            f"“{saved.title}” saved"
            + (f" as version {saved.version}." if saved.version > 1 else ".")
        )
        yield rx.redirect(SETTINGS_NOTE_TEMPLATES)
