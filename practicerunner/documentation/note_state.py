"""Reflex states for the clinician's Notes screens: the notes list and one note's editor.

Thin, like the other page states: each event resolves the actor again and runs the
documentation services (`notes`, `reviews`) in a worker thread, keeping flat view data only
(strings, and small dataclasses of strings for the template's sections and fields).

The editor's controls are uncontrolled, so what the clinician typed stays on screen when a save
or a signature is refused; `rev` re-keys them only when the note is loaded again. Every field
saves on blur (text) or change (the others) through `save_draft` with the revision this tab
last saw, so a stale tab is told to reload instead of overwriting newer text.

The supervisor a note is routed to reads it on the same page and answers it there: co-sign
(`notes.cosign_note`) or return with comments (`notes.return_note`), offered only while the
note awaits their review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session, col, select

from practicerunner.clients.access import case_filter
from practicerunner.clients.models import Case
from practicerunner.core import clock
from practicerunner.core.dates import day_label, short_date
from practicerunner.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor, Perm, Role
from practicerunner.documentation import notes, practice_templates
from practicerunner.documentation import templates as tpl
from practicerunner.documentation.models import ClinicalNote, NoteKind, NoteStatus, SignatureRole
from practicerunner.documentation.reviews import documentation_dashboard
from practicerunner.practice.local import practice_tz
from practicerunner.practice.models import Staff
from practicerunner.scheduling.models import Appointment
from practicerunner.supervision.routing import resolve_for_appointment
from practicerunner.ui.routes import NOTES, REVIEWS, case_url, note_url
from practicerunner.ui.session import SessionState

# What a session's note may be written with: the progress forms (the default first), the
# intake and discharge notes, the practice's own templates, and last the author-only
# psychotherapy note; a consultation takes the consultation note or a practice one.
PROGRESS_CHOICES = [
    ("dap", "DAP"),
    ("soap", "SOAP"),
    ("birp", "BIRP"),
    ("intake", "Intake assessment"),
    ("discharge", "Discharge summary"),
]
PRIVATE_CHOICE = {"value": "psychotherapy", "label": "Psychotherapy note (private)"}
CONSULTATION_TEMPLATE = "consultation"

STATUS_LABELS = {
    NoteStatus.DRAFT.value: "Draft",
    NoteStatus.RETURNED.value: "Returned",
    NoteStatus.AWAITING_REVIEW.value: "Awaiting review",
    NoteStatus.COMPLETE.value: "Signed",
}


def day_words(day: date | None) -> str:
    """'Tue, Mar 3, 2026' ('' for no day)."""
    return "" if day is None else day_label(day)


def moment_words(at: datetime, zone: ZoneInfo) -> str:
    """'Mar 3, 2026 at 14:05' in the practice's timezone."""
    local = at.astimezone(zone)
    return f"{short_date(local.date())} at {local:%H:%M}"


def _template_name(key: str, titles: dict[str, str]) -> str:
    found = titles.get(key)
    return found if found else key.replace("_", " ").capitalize()


def template_choices(session: Session, actor: Actor) -> tuple[list[dict[str, str]], ...]:
    """(for other cases, for consultation cases): the templates a note may begin with, as
    {value, label}: the built-ins first, then the practice's active templates by title."""
    progress = [{"value": key, "label": label} for key, label in PROGRESS_CHOICES]
    consultation = [{"value": CONSULTATION_TEMPLATE, "label": "Consultation note"}]
    for found in practice_templates.list_templates(session, actor):
        if found.built_in:
            continue
        choice = {"value": found.choice, "label": found.title}
        is_consultation = found.kind == tpl.TemplateKind.CONSULTATION.value
        (consultation if is_consultation else progress).append(choice)
    progress.append(PRIVATE_CHOICE)
    return progress, consultation


# ---- the notes list -------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """Everything the Notes page shows, as view rows."""

    tiles: list[dict[str, str]]
    to_write: list[dict[str, str]]
    mine: list[dict[str, str]]
    progress_choices: list[dict[str, str]]
    consultation_choices: list[dict[str, str]]


def _tile(label: str, count: int, hint: str, tone: str = "") -> dict[str, str]:
    return {"label": label, "value": str(count), "hint": hint, "tone": tone if count else ""}


def notes_overview(session: Session, actor: Actor) -> Overview:
    """The actor's documentation counts, sessions to write up and first page of notes."""
    board = documentation_dashboard(session, actor)
    tiles = [
        _tile("To write", board.to_write, "attended sessions without a signed note"),
        _tile("Drafts", board.drafts, "notes begun, not yet signed"),
        _tile("Returned", board.returned, "sent back with comments", "amber"),
    ]
    if board.reviews_notes:
        tiles.append(_tile("Reviews waiting", board.reviews_waiting, "notes routed to you"))
    tiles.append(_tile("Overdue", board.overdue, "past their deadline", "red"))

    pending = notes.notes_to_write(session, actor)
    appointment_ids = [w.appointment_id for w in pending]
    facts: dict[int, tuple[str, str, datetime]] = {}
    if appointment_ids:
        zone = practice_tz(session)
        for appointment_id, title, kind, start_at in session.exec(
            select(Appointment.id, Case.title, Case.kind, Appointment.start_at)
            .join(Case, col(Case.id) == col(Appointment.case_id))
            .where(col(Appointment.id).in_(appointment_ids), case_filter(actor, Perm.CLINICAL_VIEW))
        ).all():
            facts[int(appointment_id)] = (title, kind, start_at.astimezone(zone))  # type: ignore[arg-type]
        session.rollback()
    to_write = []
    for item in reversed(pending):  # newest session first: today's work at the top
        title, kind, start = facts.get(item.appointment_id, ("Case not available", "", None))  # type: ignore[arg-type]
        to_write.append(
            {
                "id": str(item.appointment_id),
                "day": day_words(item.day),
                "time": f"{start:%H:%M}" if start is not None else "",
                "case": title,
                "case_href": case_url(item.case_id),
                "overdue": "yes" if item.overdue else "",
                "consultation": "yes" if kind == "consultation" else "",
                "draft_href": note_url(item.note_id) if item.note_id is not None else "",
            }
        )
    titles = practice_templates.template_titles(session)
    mine = [
        {
            "href": note_url(row.id),
            "day": day_words(row.day) or "No session",
            "case": row.case_title,
            "template": _template_name(row.template_key, titles),
            "status": row.status,
            "status_label": STATUS_LABELS.get(row.status, row.status),
        }
        for row in notes.list_notes(session, actor)
    ]
    progress_choices, consultation_choices = template_choices(session, actor)
    return Overview(
        tiles=tiles,
        to_write=to_write,
        mine=mine,
        progress_choices=progress_choices,
        consultation_choices=consultation_choices,
    )


class NotesState(SessionState):
    """/notes: the documentation tiles, sessions to write up, and the clinician's notes."""

    loaded: bool = False
    forbidden: bool = False
    tiles: list[dict[str, str]] = []
    to_write: list[dict[str, str]] = []
    mine: list[dict[str, str]] = []
    progress_choices: list[dict[str, str]] = []  # {value, label}: built-ins, then the practice's
    consultation_choices: list[dict[str, str]] = []
    starting: str = ""  # the appointment whose note is being started
    write_errors: dict[str, str] = {}  # by appointment id

    @rx.event
    async def load(self):
        self.starting, self.write_errors = "", {}
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not actor.can(Perm.CLINICAL_EDIT):
            self.forbidden, self.loaded = True, True
            return None
        try:
            overview = await self.call(notes_overview, actor)
        except PermissionDenied:
            self.forbidden, self.loaded = True, True
            return None
        self.tiles, self.to_write, self.mine = overview.tiles, overview.to_write, overview.mine
        self.progress_choices = overview.progress_choices
        self.consultation_choices = overview.consultation_choices
        self.forbidden, self.loaded = False, True
        return None

    @rx.event
    async def write_note(self, form: dict[str, Any]):
        """Begin the note of one session with the chosen template, then open it."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        raw_id = str(form.get("appointment_id", "") or "")
        template = str(form.get("template", "") or "")
        if not raw_id.isdigit():
            return
        self.starting, self.write_errors = raw_id, {}
        yield
        try:
            note_id = await self.call(notes.start_note, actor, int(raw_id), template)
        except ValidationFailed as exc:
            self.starting = ""
            self.write_errors = {raw_id: next(iter(exc.errors.values()), exc.message)}
            return
        except (NotFound, PermissionDenied):
            self.starting = ""
            self.write_errors = {raw_id: "This session's note cannot be started by you."}
            return
        yield rx.redirect(note_url(note_id))


# ---- one note -------------------------------------------------------------------------------


@dataclass
class FieldRow:
    """One question as the editor shows it. VALUE is what the control starts with ('' when
    empty; checkboxes 'yes' or ''); SHOWN is the read-only answer ('Yes', '6 out of 10', '—').
    TITLED: the field says what its section's title says, so the label is not shown twice."""

    key: str = ""
    label: str = ""
    type: str = "text"
    required: bool = False
    help: str = ""
    multiline: bool = False
    options: list[str] = field(default_factory=list)
    value: str = ""
    shown: str = ""
    titled: bool = False


@dataclass
class SectionRow:
    key: str = ""
    title: str = ""
    fields: list[FieldRow] = field(default_factory=list)
    required: bool = False  # its titled field must be answered to sign: mark the title


@dataclass(frozen=True)
class NoteScreen:
    """A note as read for the actor, with what the editor needs beside it."""

    view: notes.NoteView
    editable: bool  # the actor's own draft or returned note
    can_add_addendum: bool
    case_title: str
    reviewer_name: str
    zone: ZoneInfo
    reviews_it: bool = False  # the actor is the note's reviewer, not its author
    can_review: bool = False  # awaiting review, routed to the actor, who is a supervisor
    # An associate's draft: who will review it once signed, and why (routing as it is now).
    goes_to: str = ""
    goes_why: str = ""


def open_note(session: Session, actor: Actor, note_id: int) -> NoteScreen:
    """`notes.read_note` (audited), plus the case's title and who reviews the note."""
    # Read first: read_note commits last, so its signed rows stay loaded once the session ends.
    found = session.exec(
        select(  # type: ignore[call-overload]
            ClinicalNote.author_id,
            ClinicalNote.reviewer_id,
            Case.title,
            ClinicalNote.status,
            ClinicalNote.kind,
            ClinicalNote.appointment_id,
        )
        .join(Case, col(Case.id) == col(ClinicalNote.case_id))
        .where(ClinicalNote.id == note_id)
    ).first()
    author_id, reviewer_id, title, status, kind, appointment_id = (
        found if found is not None else (None, None, "", "", "", None)
    )
    reviewer = session.get(Staff, reviewer_id) if reviewer_id is not None else None
    reviewer_name = reviewer.full_name if reviewer else ""
    zone = practice_tz(session)
    own = author_id == actor.staff_id and actor.can(Perm.CLINICAL_EDIT)
    editable = own and status in (s.value for s in notes.EDITABLE)
    goes_to = goes_why = ""
    # An associate's draft: routing as it stands now (nothing is read unless it is theirs).
    if editable and kind != NoteKind.PSYCHOTHERAPY.value and appointment_id is not None:
        appointment = session.get(Appointment, appointment_id)
        if appointment is not None:
            routed = resolve_for_appointment(session, appointment)
            if routed.needs_supervision:
                goes_to = routed.supervisor_name or "nobody yet"
                goes_why = routed.why
    view = notes.read_note(session, actor, note_id)  # NotFound unless the actor may read it
    editable = editable and view.status == status  # unchanged between the two reads
    reviews_it = reviewer_id == actor.staff_id and not own
    return NoteScreen(
        view=view,
        editable=editable,
        goes_to=goes_to,
        goes_why=goes_why,
        can_add_addendum=own and view.status == NoteStatus.COMPLETE.value,
        case_title=title,
        reviewer_name=reviewer_name,
        zone=zone,
        reviews_it=reviews_it,
        # As `notes.cosign_note` and `return_note` decide: offer only what they will accept.
        can_review=reviews_it
        and view.status == NoteStatus.AWAITING_REVIEW.value
        and Role.SUPERVISOR in actor.roles,
    )


def _control_value(note_field: tpl.NoteField, value: object) -> str:
    if note_field.type is tpl.FieldType.CHECKBOX:
        return "yes" if value is True else ""
    return "" if value is None else str(value)


def _shown(note_field: tpl.NoteField, value: object) -> str:
    if note_field.type is tpl.FieldType.CHECKBOX:
        return "Yes" if value is True else "No"
    if value is None or value == "":
        return "—"
    if note_field.type is tpl.FieldType.SCALE:
        return f"{value} out of {tpl.SCALE_MAX}"
    if note_field.type is tpl.FieldType.DATE and isinstance(value, str):
        try:
            return day_words(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _sections(template: tpl.Template, answers: dict[str, object]) -> list[SectionRow]:
    rows = []
    for section in template.sections:
        fields = [
            FieldRow(
                key=f.key,
                label=f.label,
                type=f.type.value,
                required=f.required,
                help=f.help,
                multiline=f.multiline,
                options=list(f.options),
                value=_control_value(f, answers.get(f.key)),
                shown=_shown(f, answers.get(f.key)),
                titled=f.label.casefold() == section.title.casefold()
                and f.type is not tpl.FieldType.CHECKBOX,
            )
            for f in section.fields
        ]
        rows.append(
            SectionRow(
                key=section.key,
                title=section.title,
                fields=fields,
                required=any(f.titled and f.required for f in fields),
            )
        )
    return rows


def _facts(session_facts: dict[str, Any]) -> dict[str, str]:
    """The session a note documents, in words for its header."""
    day = ""
    if session_facts.get("date"):
        try:
            day = day_words(date.fromisoformat(str(session_facts["date"])))
        except ValueError:
            day = str(session_facts["date"])
    start, end = session_facts.get("start", ""), session_facts.get("end", "")
    minutes = session_facts.get("minutes")
    times = f"{start}–{end}" if start and end else ""
    if times and minutes:
        times += f" ({minutes} min)"
    service = str(session_facts.get("service", ""))
    code = str(session_facts.get("code", ""))
    place = str(session_facts.get("place", ""))
    if session_facts.get("telehealth"):
        place = f"Telehealth ({place})" if place and place.lower() != "telehealth" else "Telehealth"
    present = session_facts.get("present") or []
    diagnoses = session_facts.get("diagnoses") or []
    return {
        "diagnoses": "; ".join(str(d) for d in diagnoses),  # notes begun before: none kept
        "date": day or "—",
        "time": times or "—",
        "present": ", ".join(str(p) for p in present) or "—",
        "service": (f"{service} · {code}" if code else service) or "—",
        "place": place or "—",
    }


def _signer(name: str, credentials: str) -> str:
    """'Ines Ruiz, LMFT' (the name alone without credentials)."""
    return f"{name}, {credentials}" if credentials else name


def _versions(screen: NoteScreen) -> list[dict[str, str]]:
    rows = []
    for version in screen.view.versions:
        who = _signer(version.signed_name, version.signed_credentials)
        verb = {
            SignatureRole.AUTHOR.value: "Signed by",
            SignatureRole.SUPERVISOR.value: "Co-signed by",
            SignatureRole.RETURNED.value: "Returned by",
        }.get(version.role, "Signed by")
        rows.append(
            {
                "line": f"{verb} {who}",
                "kind": version.role,  # a return is drawn apart from the signatures
                "when": moment_words(version.signed_at, screen.zone),
                "round": f"Round {version.round}" if screen.view.round > 1 else "",
                "comment": version.comment,
            }
        )
    return rows


def _draft_answers(template: tpl.Template, answers: dict[str, object]) -> dict[str, object]:
    """Stored answers as the editor sends them back: text, and booleans for checkboxes."""
    raw: dict[str, object] = {}
    for note_field in template.fields():
        value = answers.get(note_field.key)
        if note_field.type is tpl.FieldType.CHECKBOX:
            raw[note_field.key] = value is True
        elif value is not None:
            raw[note_field.key] = str(value)
    return raw


class NoteEditorState(SessionState):
    """/notes/<id>: the note's session, its fields saved as they change, signing; once
    signed, the note read-only with its signatures and addenda."""

    loaded: bool = False
    not_found: bool = False
    current: int = 0  # the note's id (the route argument is note_id: not shadowed)
    heading: str = ""
    case_title: str = ""
    case_href: str = ""
    facts: dict[str, str] = {}
    status: str = ""
    status_label: str = ""
    editable: bool = False
    review_line: str = ""  # "With Sam Suarez for review"
    review_why: str = ""
    returned: dict[str, str] = {}  # the supervisor's latest comments on a returned note
    sections: list[SectionRow] = []
    errors: dict[str, str] = {}
    summary: str = ""
    save_state: str = ""  # "Saving…", "Saved 10:42", "Not saved"
    stale: str = ""  # why this tab must reload before it saves again
    signing: bool = False
    versions: list[dict[str, str]] = []
    addenda: list[dict[str, str]] = []
    can_add_addendum: bool = False
    addendum_errors: dict[str, str] = {}
    adding: bool = False
    addendum_rev: int = 0
    back_href: str = NOTES  # Reviews for the note's reviewer
    back_label: str = "Notes"
    # The reviewer's side: co-sign, or return to the author with comments.
    author_name: str = ""
    can_review: bool = False
    review_errors: dict[str, str] = {}  # "comment" beside the field, "note" above the actions
    cosigning: bool = False
    returning: bool = False
    review_result: str = ""  # what the reviewer just did, with the way back to the queue
    rev: int = 0
    # Server-only: the draft as last sent, its revision, the template and the practice's zone.
    _answers: dict[str, Any] = {}
    _revision: int = 0
    _template: dict[str, Any] = {}
    _types: dict[str, str] = {}
    _refused: bool = False
    _zone_name: str = "America/Los_Angeles"

    def _id_from_url(self) -> int | None:
        tail = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() else None

    def _template_now(self) -> tpl.Template:
        return tpl.template_from_dict(self._template)

    def _today(self) -> date:
        return clock.now().astimezone(ZoneInfo(self._zone_name)).date()

    def _show(self, screen: NoteScreen) -> None:
        view = screen.view
        template = view.template
        self.current = view.id
        self.heading = template.name
        self.case_title = screen.case_title
        self.case_href = case_url(view.case_id)
        self.facts = _facts(view.session)
        self.status = view.status
        self.status_label = STATUS_LABELS.get(view.status, view.status)
        self.editable = screen.editable
        self.can_add_addendum = screen.can_add_addendum
        awaiting = view.status == NoteStatus.AWAITING_REVIEW.value
        self.author_name = view.author_name or "the author"
        self.can_review = screen.can_review
        # The reviewer came from the queue and goes back to it.
        self.back_href = REVIEWS if screen.reviews_it else NOTES
        self.back_label = "Reviews" if screen.reviews_it else "Notes"
        if awaiting and screen.can_review:
            line = f"Signed by {self.author_name}: waiting for your review"
        elif awaiting:
            line = f"With {screen.reviewer_name or 'the supervisor'} for review"
        elif screen.goes_to:
            line = f"When you sign, this note goes to {screen.goes_to} for review"
        else:
            line = ""
        self.review_line = line
        self.review_why = view.reviewer_why if awaiting else screen.goes_why
        self.returned = {}
        if view.status == NoteStatus.RETURNED.value:
            sent_back = [v for v in view.versions if v.role == SignatureRole.RETURNED.value]
            if sent_back:
                last = sent_back[-1]
                self.returned = {
                    "who": last.signed_name,
                    "when": moment_words(last.signed_at, screen.zone),
                    "comment": last.comment,
                }
        self.sections = _sections(template, view.answers)
        self.versions = _versions(screen)
        self.addenda = [
            {
                "text": a.text,
                "who": _signer(a.signed_name, a.signed_credentials),
                "when": moment_words(a.signed_at, screen.zone),
            }
            for a in view.addenda
        ]
        self._answers = _draft_answers(template, view.answers)
        self._revision = view.revision
        self._template = tpl.template_to_dict(template)
        self._types = {f.key: f.type.value for f in template.fields()}
        self._refused = False
        self._zone_name = screen.zone.key
        self.errors, self.summary, self.stale, self.save_state = {}, "", "", ""
        self.rev += 1

    async def _fetch(self, actor: Actor) -> bool:
        """Load the note into the page; False when it is not there for this actor."""
        note_id = self._id_from_url()
        try:
            if note_id is None:
                raise NotFound("note")
            screen = await self.call(open_note, actor, note_id)
        except (NotFound, PermissionDenied):
            return False
        self._show(screen)
        return True

    @rx.event
    async def load(self):
        self.loaded, self.not_found, self.addendum_errors = False, False, {}
        self.signing, self.adding = False, False
        self.review_errors, self.review_result = {}, ""
        self.cosigning, self.returning = False, False
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.not_found = not await self._fetch(actor)
        self.loaded = True
        return None

    @rx.event
    async def reload(self):
        """Load the latest saved text (after another window changed the note)."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not await self._fetch(actor):
            self.not_found = True
        return None

    def _labels(self, keys: list[str]) -> list[str]:
        template = self._template_now()
        labels = []
        for key in keys:
            try:
                labels.append(template.field(key).label)
            except KeyError:
                continue
        return labels

    @rx.event
    async def save_field(self, key: str, value: Any):
        """Save the draft after one field changed (text on blur, the others on change)."""
        if not self.editable or self.stale or key not in self._types:
            return
        answer: object = (
            bool(value) if self._types[key] == tpl.FieldType.CHECKBOX.value else str(value or "")
        )
        before = self._answers.get(key, False if isinstance(answer, bool) else "")
        if answer == before and not self._refused:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self._answers = {**self._answers, key: answer}
        self.save_state = "Saving…"
        yield
        try:
            revision = await self.call(
                notes.save_draft, actor, self.current, dict(self._answers), self._revision
            )
        except notes.StaleDraft as exc:
            self.stale, self.save_state = exc.message, ""
            return
        except ValidationFailed as exc:
            if "note" in exc.errors:  # signed in another window meanwhile
                self.stale, self.save_state = exc.errors["note"], ""
                return
            self._refused = True
            self.errors = {**self.errors, **exc.errors}
            self.save_state = "Not saved"
            self.summary = "Your last change was not saved. Correct the field marked below."
            return
        except (NotFound, PermissionDenied):
            self.stale, self.save_state = "This note is no longer available to you.", ""
            return
        self._revision, self._refused = revision, False
        zone = ZoneInfo(self._zone_name)
        self.save_state = f"Saved {clock.now().astimezone(zone):%H:%M}"
        if self.errors:
            # Keep only what still stops signing, now that this answer is saved.
            still = tpl.signing_errors(self._template_now(), self._answers, self._today())
            self.errors = {k: still[k] for k in self.errors if k in still}
            if not self.errors:
                self.summary = ""
            elif self.summary.startswith("Your last change"):
                self.summary = self._not_signed_summary(list(self.errors))

    def _not_signed_summary(self, keys: list[str]) -> str:
        labels = self._labels(keys)
        if not labels:
            return "The note was not signed."
        return "The note was not signed. Complete: " + ", ".join(labels) + "."

    @rx.event
    async def sign(self):
        """Sign the note as saved; refused by field while required answers are missing."""
        if not self.editable or self.stale:
            return
        if self._refused:
            self.summary = "Your last change was not saved. Correct the field marked below first."
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.signing = True
        yield
        try:
            status = await self.call(notes.sign_note, actor, self.current, self._revision)
        except notes.StaleDraft as exc:
            self.stale, self.signing = exc.message, False
            return
        except ValidationFailed as exc:
            self.signing = False
            fields = {k: v for k, v in exc.errors.items() if k in self._types}
            self.errors = fields
            if "note" in exc.errors and not fields:
                self.summary = exc.errors["note"]
            else:
                self.summary = self._not_signed_summary(list(fields))
            return
        except DomainError as exc:
            self.signing = False
            yield rx.toast.error(exc.message)
            return
        await self._fetch(actor)
        self.signing = False
        yield rx.toast.success(
            "Note signed and sent for review."
            if status == NoteStatus.AWAITING_REVIEW.value
            else "Note signed."
        )

    @rx.event
    async def add_addendum(self, form: dict[str, Any]):
        """A signed, dated addendum to the completed note."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.adding = True
        yield
        try:
            await self.call(
                notes.add_addendum, actor, self.current, str(form.get("addendum", "") or "")
            )
        except ValidationFailed as exc:
            self.adding = False
            self.addendum_errors = {"addendum": next(iter(exc.errors.values()), exc.message)}
            return
        except (NotFound, PermissionDenied):
            self.adding = False
            yield rx.toast.error("Only the note's author can add an addendum.")
            return
        self.addendum_errors = {}
        await self._fetch(actor)
        self.addendum_rev += 1
        self.adding = False
        yield rx.toast.success("Addendum added.")

    async def _review_refused(self, actor: Actor, exc: Exception) -> None:
        """The review was not recorded: say why, with the note as it is now."""
        if isinstance(exc, ValidationFailed) and "comment" in exc.errors:
            self.review_errors = {"comment": exc.errors["comment"]}
            return
        if isinstance(exc, ValidationFailed):
            message = next(iter(exc.errors.values()), exc.message)
        else:  # co-signed, returned or moved elsewhere meanwhile (another tab, a reroute)
            message = "This note is no longer waiting for your review."
        if not await self._fetch(actor):
            self.not_found = True
        self.review_errors = {"note": message}

    @rx.event
    async def cosign(self):
        """Approve the note as signed: co-signed, complete and locked."""
        if not self.can_review or self.cosigning or self.returning:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.cosigning, self.review_errors = True, {}
        yield
        try:
            await self.call(notes.cosign_note, actor, self.current)
        except (ValidationFailed, NotFound, PermissionDenied) as exc:
            self.cosigning = False
            await self._review_refused(actor, exc)
            return
        await self._fetch(actor)
        self.cosigning = False
        self.review_result = "Co-signed: the note is complete and locked."

    @rx.event
    async def return_to_author(self, form: dict[str, Any]):
        """Send the note back to its author with comments; refused beside the field when
        there are none (what was typed stays)."""
        if not self.can_review or self.cosigning or self.returning:
            return
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        comment = str(form.get("comment", "") or "")
        self.returning, self.review_errors = True, {}
        yield
        try:
            await self.call(notes.return_note, actor, self.current, comment)
        except (ValidationFailed, NotFound, PermissionDenied) as exc:
            self.returning = False
            await self._review_refused(actor, exc)
            return
        author = self.author_name
        await self._fetch(actor)
        self.returning = False
        self.review_result = (
            f"Returned to {author} with your comments. The note comes back to your queue "
            "once it is signed again."
        )
