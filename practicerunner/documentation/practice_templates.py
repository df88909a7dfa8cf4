"""The practice's own note templates: listed beside the built-ins, built and changed by the
owner, archived when no longer wanted.

A practice template is made of the same parts as the built-ins (`templates.py`): sections of
text, choice, checkbox, 0–10 scale and date fields. The owner never sees keys: the template's
key (`p_<slug of its first title>`), its sections' and its fields' keys are made here, and an
edited field keeps its key. Saving a change makes a new version; a note snapshots its
template when it begins, so notes already begun keep theirs.

Everything is checked by `templates.template_from_dict` (the same rules as the built-ins) and
refused by path, like `sections.0.fields.1.label`, with nothing written. Only the owner
(`practice.manage`) writes; whoever writes notes (`clinical.edit`) reads the list. Writes are
audited (`note_template.*`); the templates hold no client data, so reading them is not.

A new note names its template by a built-in key ("dap"), by "practice:<id>", or by a
practice template's key (`for_new_note`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.documentation import templates as tpl
from practicerunner.documentation.template_models import PracticeTemplate

PREFIX = "practice:"  # a practice template's choice value: "practice:12"
KEY_PREFIX = "p_"  # its key: never the same as a built-in's

# What a practice template may be: psychotherapy notes stay the built-in one, with its own
# privacy rules.
KIND_LABELS: dict[str, str] = {
    tpl.TemplateKind.PROGRESS.value: "Progress note",
    tpl.TemplateKind.INTAKE.value: "Intake assessment",
    tpl.TemplateKind.CONSULTATION.value: "Consultation note",
    tpl.TemplateKind.DISCHARGE.value: "Discharge summary",
}
TYPE_LABELS: dict[str, str] = {
    tpl.FieldType.TEXT.value: "Text",
    tpl.FieldType.CHOICE.value: "Choice",
    tpl.FieldType.CHECKBOX.value: "Checkbox",
    tpl.FieldType.SCALE.value: "Scale 0–10",
    tpl.FieldType.DATE.value: "Date",
}

_KIND_MESSAGE = "Choose progress note, intake assessment, consultation note or discharge summary."
_TYPE_MESSAGE = "Choose text, choice, checkbox, 0–10 scale or date."
_INDEX = re.compile(r"\[(\d+)\]")


# --- input and views -------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldInput:
    """One field as the builder sends it. KEY is kept when it is a valid, unused key (an
    edited field); otherwise one is made from the label. OPTIONS count for choices only,
    MULTILINE for text only, NOT_IN_FUTURE for dates only."""

    label: str = ""
    type: str = tpl.FieldType.TEXT.value
    required: bool = False
    help: str = ""
    options: tuple[str, ...] = ()
    multiline: bool = True
    not_in_future: bool = False
    key: str = ""


@dataclass(frozen=True)
class SectionInput:
    title: str = ""
    fields: tuple[FieldInput, ...] = ()
    key: str = ""


@dataclass(frozen=True)
class TemplateInput:
    title: str = ""
    kind: str = ""
    sections: tuple[SectionInput, ...] = ()


@dataclass(frozen=True)
class TemplateSummary:
    """A template in a list. CHOICE is what start_note takes ("dap", "practice:12")."""

    choice: str
    key: str
    title: str
    kind: str
    kind_label: str
    built_in: bool
    id: int | None
    version: int
    archived: bool
    sections: int
    fields: int
    updated_at: datetime | None


@dataclass(frozen=True)
class PracticeTemplateView:
    """A practice template for the builder: its row's facts and the template itself."""

    id: int
    version: int
    archived: bool
    template: tpl.Template


def input_of(template: tpl.Template) -> TemplateInput:
    """TEMPLATE as the builder edits it (to change it, or to start a copy)."""
    return TemplateInput(
        title=template.name,
        kind=template.kind.value,
        sections=tuple(
            SectionInput(
                title=section.title,
                key=section.key,
                fields=tuple(
                    FieldInput(
                        label=f.label,
                        type=f.type.value,
                        required=f.required,
                        help=f.help,
                        options=f.options,
                        multiline=f.multiline,
                        not_in_future=f.not_in_future,
                        key=f.key,
                    )
                    for f in section.fields
                ),
            )
            for section in template.sections
        ),
    )


# --- reads -----------------------------------------------------------------------------------


def _may_read(actor: Actor) -> None:
    if not (actor.can(Perm.CLINICAL_EDIT) or actor.can(Perm.PRACTICE_MANAGE)):
        raise PermissionDenied()


def _summary_of_built_in(template: tpl.Template) -> TemplateSummary:
    return TemplateSummary(
        choice=template.key,
        key=template.key,
        title=template.name,
        kind=template.kind.value,
        kind_label=KIND_LABELS.get(template.kind.value, "Psychotherapy note"),
        built_in=True,
        id=None,
        version=template.version,
        archived=False,
        sections=len(template.sections),
        fields=sum(1 for _ in template.fields()),
        updated_at=None,
    )


def _template_of(row: PracticeTemplate) -> tpl.Template:
    return tpl.template_from_dict(json.loads(row.template_json))


def _summary(row: PracticeTemplate) -> TemplateSummary:
    template = _template_of(row)
    return TemplateSummary(
        choice=f"{PREFIX}{row.id}",
        key=row.key,
        title=row.title,
        kind=row.kind,
        kind_label=KIND_LABELS.get(row.kind, row.kind),
        built_in=False,
        id=row.id,
        version=row.version,
        archived=row.archived_at is not None,
        sections=len(template.sections),
        fields=sum(1 for _ in template.fields()),
        updated_at=row.updated_at,
    )


def list_templates(
    session: Session, actor: Actor, *, include_archived: bool = False
) -> list[TemplateSummary]:
    """The built-ins (in their usual order), then the practice's active templates by title;
    with INCLUDE_ARCHIVED (the owner's list) the archived ones after them."""
    _may_read(actor)
    if include_archived:
        actor.require(Perm.PRACTICE_MANAGE)
    query = select(PracticeTemplate)
    if not include_archived:
        query = query.where(col(PracticeTemplate.archived_at).is_(None))
    rows = session.exec(query).all()
    session.rollback()
    practice = sorted(
        (_summary(r) for r in rows), key=lambda s: (s.archived, s.title.casefold(), s.id or 0)
    )
    return [_summary_of_built_in(t) for t in tpl.BUILT_IN.values()] + practice


def template_titles(session: Session) -> dict[str, str]:
    """Every template's title by key, built-in and practice (archived included): for lists of
    notes, which store the key."""
    titles = {key: t.name for key, t in tpl.BUILT_IN.items()}
    for key, title in session.exec(select(PracticeTemplate.key, PracticeTemplate.title)).all():
        titles[key] = title
    session.rollback()
    return titles


def _row(session: Session, template_id: int) -> PracticeTemplate:
    row = session.get(PracticeTemplate, template_id)
    if row is None:
        raise NotFound("note template")
    return row


def read_practice_template(
    session: Session, actor: Actor, template_id: int
) -> PracticeTemplateView:
    """A practice template as the owner edits it."""
    actor.require(Perm.PRACTICE_MANAGE)
    row = _row(session, template_id)
    view = PracticeTemplateView(
        id=template_id,
        version=row.version,
        archived=row.archived_at is not None,
        template=_template_of(row),
    )
    session.rollback()
    return view


def template_to_copy(session: Session, actor: Actor, choice: str) -> tpl.Template:
    """The template CHOICE (built-in key or "practice:<id>"), for the owner to start a copy of."""
    actor.require(Perm.PRACTICE_MANAGE)
    if choice in tpl.BUILT_IN:
        found = tpl.BUILT_IN[choice]
        if found.kind is tpl.TemplateKind.PSYCHOTHERAPY:
            raise NotFound("note template")
        return found
    template_id = _id_of(choice)
    if template_id is None:
        raise NotFound("note template")
    template = _template_of(_row(session, template_id))
    session.rollback()
    return template


def _id_of(choice: str) -> int | None:
    if choice.startswith(PREFIX) and choice[len(PREFIX) :].isdigit():
        return int(choice[len(PREFIX) :])
    return None


def for_new_note(session: Session, choice: str) -> tpl.Template | None:
    """The template a new note begins with: a built-in key, "practice:<id>" or a practice
    template's key, active only; None when there is no such template. No permission check:
    the caller (notes.start_note) has made its own."""
    if choice in tpl.BUILT_IN:
        return tpl.BUILT_IN[choice]
    template_id = _id_of(choice)
    if template_id is not None:
        row = session.get(PracticeTemplate, template_id)
    elif choice.startswith(KEY_PREFIX):
        row = session.exec(select(PracticeTemplate).where(PracticeTemplate.key == choice)).first()
    else:
        row = None
    if row is None or row.archived_at is not None or row.kind not in KIND_LABELS:
        return None
    return _template_of(row)


# --- building and checking -------------------------------------------------------------------


def slugify(text: str, fallback: str, limit: int = 40) -> str:
    """TEXT as a key: lower-case ASCII letters, digits and underscores, starting with a
    letter ("Mood (0–10)" -> "mood_0_10"); FALLBACK when nothing is left."""
    # Accents go ("Évaluation" -> "evaluation"); any other character separates words.
    letters = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    slug = re.sub(r"[^a-z0-9]+", "_", letters.lower()).strip("_")
    slug = slug.lstrip("0123456789_")
    return slug[:limit].rstrip("_") or fallback


def _unique(base: str, used: set[str]) -> str:
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base}_{n}"
        n += 1
    used.add(candidate)
    return candidate


def _keep_or_make(hint: str, text: str, fallback: str, used: set[str]) -> str:
    if hint and tpl.SLUG.fullmatch(hint) and hint not in used:
        used.add(hint)
        return hint
    return _unique(slugify(text, fallback), used)


def _clean_line(value: object) -> object:
    """Text trimmed (anything else is left for the checks to refuse)."""
    return value.strip() if isinstance(value, str) else value


def _as_dict(data: TemplateInput, key: str, version: int) -> dict[str, object]:
    """DATA as template JSON, with keys made where needed; only the settings that belong to
    each field's type are kept (switching a field from choice to text drops its options)."""
    section_keys: set[str] = set()
    field_keys: set[str] = set()
    sections = []
    for section in data.sections:
        fields = []
        for f in section.fields:
            field_type = _clean_line(f.type)
            item: dict[str, object] = {
                "key": _keep_or_make(f.key, str(f.label or ""), "field", field_keys),
                "label": _clean_line(f.label),
                "type": field_type,
                "required": f.required,
                "help": _clean_line(f.help),
            }
            if field_type == tpl.FieldType.CHOICE.value:
                item["options"] = [_clean_line(o) for o in f.options]
            elif field_type == tpl.FieldType.TEXT.value:
                item["multiline"] = f.multiline
            elif field_type == tpl.FieldType.DATE.value:
                item["not_in_future"] = f.not_in_future
            fields.append(item)
        sections.append(
            {
                "key": _keep_or_make(
                    section.key, str(section.title or ""), "section", section_keys
                ),
                "title": _clean_line(section.title),
                "fields": fields,
            }
        )
    return {
        "key": key,
        "name": _clean_line(data.title),
        "kind": _clean_line(data.kind),
        "version": version,
        "sections": sections,
    }


def _path(raw: str) -> str:
    """A templates.py path as the builder names it: `sections[0].fields[1].label` ->
    `sections.0.fields.1.label`; the template's `name` is its title, and a key (made here)
    belongs beside the title or label it was made from."""
    path = _INDEX.sub(r".\1", raw)
    if path == "name":
        return "title"
    if path == "key":
        return "title"
    if path.endswith(".key"):
        return path[: -len(".key")] + (".label" if ".fields." in path else ".title")
    return path


def _messages(raw: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for path, message in raw.items():
        if path == "version":
            continue  # set here, never by the owner
        if path == "kind":
            message = _KIND_MESSAGE
        elif path.endswith(".type"):
            message = _TYPE_MESSAGE
        errors.setdefault(_path(path), message)
    return errors


def _build(data: TemplateInput, key: str, version: int) -> tpl.Template:
    """The template DATA describes; ValidationFailed by path with every problem."""
    errors: dict[str, str] = {}
    try:
        template = tpl.template_from_dict(_as_dict(data, key, version))
    except tpl.TemplateError as exc:
        errors = _messages(exc.errors)
        template = None
    kind = _clean_line(data.kind)
    if kind not in KIND_LABELS:
        errors["kind"] = _KIND_MESSAGE
    if errors or template is None:
        raise ValidationFailed(errors)
    return template


def _check_title_free(session: Session, title: str, own_id: int | None) -> None:
    folded = title.strip().casefold()
    if any(t.name.casefold() == folded for t in tpl.BUILT_IN.values()):
        raise ValidationFailed(
            {"title": f"“{title.strip()}” is a built-in template: choose another title."}
        )
    for row_id, other in session.exec(select(PracticeTemplate.id, PracticeTemplate.title)).all():
        if row_id != own_id and other.casefold() == folded:
            raise ValidationFailed(
                {"title": f"Another practice template is called “{other}”: choose another title."}
            )


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:  # two owners saving the same new title at once
        session.rollback()
        raise ValidationFailed(
            {"title": "Another template was saved with this title just now: choose another."}
        ) from exc


# --- writes ----------------------------------------------------------------------------------


def create_template(session: Session, actor: Actor, data: TemplateInput) -> TemplateSummary:
    """Add a practice template (version 1). Refused by path with nothing written. Commits."""
    actor.require(Perm.PRACTICE_MANAGE)
    used = set(session.exec(select(PracticeTemplate.key)).all())
    key = _unique(KEY_PREFIX + slugify(str(data.title or ""), "template"), used)
    try:
        template = _build(data, key, 1)
        _check_title_free(session, template.name, None)
    except ValidationFailed:
        session.rollback()
        raise
    now = clock.now()
    row = PracticeTemplate(
        key=key,
        title=template.name,
        kind=template.kind.value,
        template_json=json.dumps(tpl.template_to_dict(template)),
        version=1,
        created_by_id=actor.staff_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "note_template.created",
        record_type="practice_template",
        record_id=row.id,
        detail={"version": 1, "sections": len(template.sections)},
    )
    _commit(session)
    return _summary(row)


def _changed(before: tpl.Template, after: tpl.Template) -> list[str]:
    """Which parts of the template changed (names, never the words: the audit holds no text)."""
    changed = []
    if before.name != after.name:
        changed.append("title")
    if before.kind != after.kind:
        changed.append("kind")
    if tpl.template_to_dict(before)["sections"] != tpl.template_to_dict(after)["sections"]:
        changed.append("sections")
    return changed


def update_template(
    session: Session, actor: Actor, template_id: int, data: TemplateInput, version: int
) -> TemplateSummary:
    """Save DATA as the template's next version (VERSION: the one the builder loaded).
    Notes already begun keep the version they began with. Nothing changes when nothing was
    changed. Refused by path with nothing written; refused under `template` when another
    window saved meanwhile. Commits."""
    actor.require(Perm.PRACTICE_MANAGE)
    row = _row(session, template_id)
    if row.version != version:
        session.rollback()
        raise ValidationFailed(
            {
                "template": "This template was changed in another window. Reload it to see "
                "the latest version, then make your changes again."
            }
        )
    try:
        template = _build(data, row.key, row.version + 1)
        _check_title_free(session, template.name, template_id)
    except ValidationFailed:
        session.rollback()
        raise
    changed = _changed(_template_of(row), template)
    if not changed:
        session.rollback()
        return _summary(row)
    row.title = template.name
    row.kind = template.kind.value
    row.template_json = json.dumps(tpl.template_to_dict(template))
    row.version = template.version
    row.updated_at = clock.now()
    session.add(row)
    audit.record(
        session,
        actor,
        "note_template.updated",
        record_type="practice_template",
        record_id=template_id,
        detail={"version": row.version, "fields": changed},
    )
    _commit(session)
    return _summary(row)


def set_template_archived(
    session: Session, actor: Actor, template_id: int, archived: bool
) -> TemplateSummary:
    """Archive a template (no longer offered for new notes; notes begun with it keep it) or
    restore it. Nothing is written when it already is so. Commits."""
    actor.require(Perm.PRACTICE_MANAGE)
    row = _row(session, template_id)
    if (row.archived_at is not None) == archived:
        session.rollback()
        return _summary(row)
    now = clock.now()
    row.archived_at = now if archived else None
    row.updated_at = now
    session.add(row)
    audit.record(
        session,
        actor,
        "note_template.archived" if archived else "note_template.restored",
        record_type="practice_template",
        record_id=template_id,
    )
    session.commit()
    return _summary(row)
