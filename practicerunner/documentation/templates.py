"""Note templates as data, and a note's answers checked against its template. Pure, no database.

A template is sections of typed fields (text, choice, checkbox, 0–10 scale, date). The
built-in ones are the usual clinical forms; an owner builds practice templates from the same
parts and they travel as JSON (`template_to_dict` / `template_from_dict`).

A note's answers are one flat dict keyed by field key, so field keys are unique across the
whole template, not only inside a section. Drafts may be incomplete: `clean_answers` only
refuses values of the wrong shape; `signing_errors` adds the required fields still empty.

Checkboxes are never "empty" (unchecked is an answer, "No"), so a template may not make one
required: a required checkbox would force every note to say "Yes".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from practicerunner.core.errors import NotFound, ValidationFailed

SLUG = re.compile(r"[a-z][a-z0-9_]{0,59}")
MAX_SECTIONS = 20
MAX_FIELDS_PER_SECTION = 40
MAX_OPTIONS = 30
MAX_NAME = 120
MAX_LABEL = 200
MAX_HELP = 1000
MAX_OPTION = 120
MAX_TEXT_LIMIT = 20_000
SINGLE_LINE_LIMIT = 200
MULTI_LINE_LIMIT = 10_000
SCALE_MIN, SCALE_MAX = 0, 10
EARLIEST_YEAR = 1900

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"-?[0-9]+")
# Tab and newline are typing; other control characters (NUL above all, which PostgreSQL
# refuses in text and jsonb) are not.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TRUE = frozenset({"on", "true", "yes", "1", "checked"})
_FALSE = frozenset({"", "off", "false", "no", "0"})

_Add = Callable[[str, str], None]


class FieldType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    CHECKBOX = "checkbox"
    SCALE = "scale"
    DATE = "date"


class TemplateKind(StrEnum):
    PROGRESS = "progress"
    INTAKE = "intake"
    CONSULTATION = "consultation"
    DISCHARGE = "discharge"
    # HIPAA "psychotherapy notes": the author's own process notes, kept apart from the record.
    PSYCHOTHERAPY = "psychotherapy"


class TemplateError(ValidationFailed):
    """A template's structure is not valid; `errors` maps a path like
    `sections[0].fields[2].options` to its message."""


class AnswerError(ValidationFailed):
    """Some answers have the wrong shape; `errors` maps field key to message."""


@dataclass(frozen=True)
class NoteField:
    """One question of a template. Options are for choice fields only; `multiline` and
    `max_length` for text only (None takes the single- or multi-line default);
    `not_in_future` for dates only."""

    key: str
    label: str
    type: FieldType
    required: bool = False
    help: str = ""
    options: tuple[str, ...] = ()
    multiline: bool = False
    max_length: int | None = None
    not_in_future: bool = False

    @property
    def limit(self) -> int:
        """The most characters a text answer may have."""
        if self.max_length is not None:
            return self.max_length
        return MULTI_LINE_LIMIT if self.multiline else SINGLE_LINE_LIMIT


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[NoteField, ...]


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    kind: TemplateKind
    version: int
    sections: tuple[Section, ...]

    def fields(self) -> Iterator[NoteField]:
        """Every field, in the order the note shows them."""
        for section in self.sections:
            yield from section.fields

    def field(self, key: str) -> NoteField:
        """The field with KEY; KeyError when the template has none."""
        for candidate in self.fields():
            if candidate.key == key:
                return candidate
        raise KeyError(key)


# --- structure -------------------------------------------------------------------------------


def validate_template(template: Template) -> dict[str, str]:
    """Every structural problem of TEMPLATE by path; empty when it is sound."""
    return _problems(template, frozenset())


def _problems(template: Template, untyped: frozenset[str]) -> dict[str, str]:
    """As validate_template; fields whose path is in UNTYPED had no valid type, so only the
    checks that do not depend on the type are run on them."""
    errors: dict[str, str] = {}

    def add(path: str, message: str) -> None:
        errors.setdefault(path, message)

    _check_slug(template.key, "key", "template", add)
    _check_words(template.name, "name", "Enter the template's name.", MAX_NAME, add)
    if not isinstance(template.kind, TemplateKind):
        add("kind", "Choose progress, intake, consultation or discharge.")
    if type(template.version) is not int or template.version < 1:
        add("version", "The version is a whole number from 1.")
    if not template.sections:
        add("sections", "Add at least one section.")
    if len(template.sections) > MAX_SECTIONS:
        add("sections", f"A template has at most {MAX_SECTIONS} sections.")

    section_keys: set[str] = set()
    field_keys: set[str] = set()
    for s, section in enumerate(template.sections):
        at = f"sections[{s}]"
        _check_slug(section.key, f"{at}.key", "section", add)
        if section.key in section_keys:
            add(f"{at}.key", f"Another section already uses the key “{section.key}”.")
        section_keys.add(section.key)
        _check_words(section.title, f"{at}.title", "Enter the section's title.", MAX_NAME, add)
        if not section.fields:
            add(f"{at}.fields", "Add at least one field.")
        if len(section.fields) > MAX_FIELDS_PER_SECTION:
            add(f"{at}.fields", f"A section has at most {MAX_FIELDS_PER_SECTION} fields.")
        for f, note_field in enumerate(section.fields):
            path = f"{at}.fields[{f}]"
            _check_slug(note_field.key, f"{path}.key", "field", add)
            if note_field.key in field_keys:
                add(f"{path}.key", f"Another field already uses the key “{note_field.key}”.")
            field_keys.add(note_field.key)
            _check_field(note_field, path, add, typed=path not in untyped)
    return errors


def _check_slug(value: object, path: str, what: str, add: _Add) -> None:
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        add(
            path,
            f"A {what} key is lower-case letters, digits and underscores, starting with a "
            "letter (at most 60).",
        )


def _check_words(value: object, path: str, missing: str, limit: int, add: _Add) -> None:
    if not isinstance(value, str) or not value.strip():
        add(path, missing)
    elif len(value) > limit or "\n" in value:
        add(path, f"Use one line of at most {limit} characters.")


def _check_field(note_field: NoteField, path: str, add: _Add, *, typed: bool) -> None:
    _check_words(note_field.label, f"{path}.label", "Enter the field's label.", MAX_LABEL, add)
    if not isinstance(note_field.help, str) or len(note_field.help) > MAX_HELP:
        add(f"{path}.help", f"Help text is at most {MAX_HELP} characters.")
    if not isinstance(note_field.required, bool):
        add(f"{path}.required", "Required is true or false.")
    if not typed:
        return
    kind = note_field.type
    if kind is FieldType.CHOICE:
        _check_options(note_field.options, f"{path}.options", add)
    elif note_field.options:
        add(f"{path}.options", "Only choice fields have options.")
    if kind is FieldType.TEXT:
        limit = note_field.max_length
        if limit is not None and (type(limit) is not int or not 1 <= limit <= MAX_TEXT_LIMIT):
            add(f"{path}.max_length", f"The length limit is from 1 to {MAX_TEXT_LIMIT:,}.")
    else:
        if note_field.multiline:
            add(f"{path}.multiline", "Only text fields can have several lines.")
        if note_field.max_length is not None:
            add(f"{path}.max_length", "Only text fields have a length limit.")
    if note_field.not_in_future and kind is not FieldType.DATE:
        add(f"{path}.not_in_future", "Only date fields can refuse future dates.")
    if kind is FieldType.CHECKBOX and note_field.required:
        add(
            f"{path}.required",
            "A checkbox is always answered (unchecked means No), so it cannot be required.",
        )


def _check_options(options: tuple[str, ...], path: str, add: _Add) -> None:
    seen: set[str] = set()
    for i, option in enumerate(options):
        if not isinstance(option, str) or not option.strip():
            add(f"{path}[{i}]", "Enter the option's text.")
            continue
        if len(option) > MAX_OPTION or "\n" in option:
            add(f"{path}[{i}]", f"Use one line of at most {MAX_OPTION} characters.")
        folded = option.strip().casefold()
        if folded in seen:
            add(f"{path}[{i}]", f"“{option.strip()}” is listed twice.")
        seen.add(folded)
    if len(seen) < 2:
        add(path, "A choice needs at least two different options.")
    if len(options) > MAX_OPTIONS:
        add(path, f"A choice has at most {MAX_OPTIONS} options.")


# --- JSON ------------------------------------------------------------------------------------


def template_to_dict(template: Template) -> dict[str, object]:
    """TEMPLATE as plain JSON-ready data; `template_from_dict` reads it back equal."""
    return {
        "key": template.key,
        "name": template.name,
        "kind": str(template.kind),
        "version": template.version,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "fields": [_field_to_dict(f) for f in section.fields],
            }
            for section in template.sections
        ],
    }


def _field_to_dict(note_field: NoteField) -> dict[str, object]:
    data: dict[str, object] = {
        "key": note_field.key,
        "label": note_field.label,
        "type": str(note_field.type),
        "required": note_field.required,
        "help": note_field.help,
    }
    if note_field.type is FieldType.CHOICE:
        data["options"] = list(note_field.options)
    if note_field.type is FieldType.TEXT:
        data["multiline"] = note_field.multiline
        if note_field.max_length is not None:
            data["max_length"] = note_field.max_length
    if note_field.type is FieldType.DATE:
        data["not_in_future"] = note_field.not_in_future
    return data


_TEMPLATE_KEYS = {"key", "name", "kind", "version", "sections"}
_SECTION_KEYS = {"key", "title", "fields"}
_FIELD_KEYS = {
    "key",
    "label",
    "type",
    "required",
    "help",
    "options",
    "multiline",
    "max_length",
    "not_in_future",
}
_REQUIRED_FIELD_KEYS = {"key", "label", "type"}


class _Reader:
    """Reads untrusted JSON data, remembering each problem by path and carrying on with a
    placeholder, so one pass reports everything."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.untyped: set[str] = set()
        # Places that were not objects at all: nothing more is said about what is inside.
        self.opaque: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def mapping(
        self, data: object, path: str, known: set[str], required: set[str]
    ) -> Mapping[str, object]:
        if not isinstance(data, Mapping):
            self.add(path or "template", "Expected an object.")
            self.opaque.append(path)
            return {}
        prefix = f"{path}." if path else ""
        for name in sorted(required - data.keys()):
            self.add(f"{prefix}{name}", "Missing.")
        for name in data:
            if name not in known:
                self.add(f"{prefix}{name}", "Unknown setting.")
        return data

    def text(self, data: Mapping[str, object], name: str, path: str, default: str = "") -> str:
        value = data.get(name, default)
        if isinstance(value, str):
            return value
        self.add(path, "Expected text.")
        return default

    def flag(self, data: Mapping[str, object], name: str, path: str) -> bool:
        value = data.get(name, False)
        if isinstance(value, bool):
            return value
        self.add(path, "Expected true or false.")
        return False

    def items(self, data: Mapping[str, object], name: str, path: str) -> list[object]:
        value = data.get(name, [])
        if isinstance(value, list | tuple):
            return list(value)
        self.add(path, "Expected a list.")
        return []

    def number(self, data: Mapping[str, object], name: str, path: str) -> int | None:
        value = data.get(name)
        if value is None or type(value) is int:
            return value
        self.add(path, "Expected a whole number.")
        return None


def template_from_dict(data: object) -> Template:
    """A Template from JSON data (as `template_to_dict` writes it), checked in full.

    Raises TemplateError naming every problem by path.
    """
    reader = _Reader()
    top = reader.mapping(data, "", _TEMPLATE_KEYS, _TEMPLATE_KEYS)
    if not top:
        raise TemplateError(reader.errors or {"template": "Expected an object."})
    kind_text = reader.text(top, "kind", "kind")
    try:
        kind = TemplateKind(kind_text)
    except ValueError:
        reader.add("kind", "Choose progress, intake, consultation or discharge.")
        kind = TemplateKind.PROGRESS
    version = reader.number(top, "version", "version")
    sections = tuple(
        _read_section(reader, raw, f"sections[{s}]")
        for s, raw in enumerate(reader.items(top, "sections", "sections"))
    )
    template = Template(
        key=reader.text(top, "key", "key"),
        name=reader.text(top, "name", "name"),
        kind=kind,
        version=version if version is not None else 1,
        sections=sections,
    )
    for path, message in _problems(template, frozenset(reader.untyped)).items():
        if not any(path.startswith(f"{place}.") for place in reader.opaque):
            reader.add(path, message)
    if reader.errors:
        raise TemplateError(reader.errors)
    return template


def _read_section(reader: _Reader, raw: object, at: str) -> Section:
    data = reader.mapping(raw, at, _SECTION_KEYS, _SECTION_KEYS)
    return Section(
        key=reader.text(data, "key", f"{at}.key"),
        title=reader.text(data, "title", f"{at}.title"),
        fields=tuple(
            _read_field(reader, item, f"{at}.fields[{f}]")
            for f, item in enumerate(reader.items(data, "fields", f"{at}.fields"))
        ),
    )


def _read_field(reader: _Reader, raw: object, path: str) -> NoteField:
    data = reader.mapping(raw, path, _FIELD_KEYS, _REQUIRED_FIELD_KEYS)
    type_text = reader.text(data, "type", f"{path}.type")
    try:
        kind = FieldType(type_text)
    except ValueError:
        if "type" in data:
            reader.add(f"{path}.type", "Choose text, choice, checkbox, scale or date.")
        reader.untyped.add(path)
        kind = FieldType.TEXT
    options = reader.items(data, "options", f"{path}.options")
    for i, option in enumerate(options):
        if not isinstance(option, str):
            reader.add(f"{path}.options[{i}]", "Expected text.")
    return NoteField(
        key=reader.text(data, "key", f"{path}.key"),
        label=reader.text(data, "label", f"{path}.label"),
        type=kind,
        required=reader.flag(data, "required", f"{path}.required"),
        help=reader.text(data, "help", f"{path}.help"),
        # A non-text option is reported above; its stand-in keeps it counted as an option.
        options=tuple(o if isinstance(o, str) else repr(o) for o in options),
        multiline=reader.flag(data, "multiline", f"{path}.multiline"),
        max_length=reader.number(data, "max_length", f"{path}.max_length"),
        not_in_future=reader.flag(data, "not_in_future", f"{path}.not_in_future"),
    )


# --- answers ---------------------------------------------------------------------------------


def clean_answers(
    template: Template, raw: Mapping[str, object], *, today: date | None = None
) -> dict[str, object]:
    """The answers of a draft in their stored types, keyed by field key, in template order.

    Unknown keys are dropped and empty answers left out; scales become int, checkboxes bool,
    dates `date` (from ISO yyyy-mm-dd); text is trimmed. With TODAY, dates after it are refused
    where the field says so. Raises AnswerError for values of the wrong shape.
    """
    cleaned, errors = _clean(template, raw, today)
    if errors:
        raise AnswerError(errors)
    return cleaned


def signing_errors(
    template: Template, answers: Mapping[str, object], today: date
) -> dict[str, str]:
    """What stops the note being signed, by field key in template order; empty when signable."""
    cleaned, errors = _clean(template, answers, today)
    result: dict[str, str] = {}
    for note_field in template.fields():
        if note_field.key in errors:
            result[note_field.key] = errors[note_field.key]
        elif note_field.required and note_field.key not in cleaned:
            verb = "Choose" if note_field.type in (FieldType.CHOICE, FieldType.SCALE) else "Enter"
            result[note_field.key] = f"{verb} {_in_sentence(note_field.label)}."
    return result


def answers_to_json(answers: Mapping[str, object]) -> dict[str, object]:
    """Cleaned answers as JSON-ready data (dates as ISO text); `clean_answers` reads it back."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in answers.items()}


def render_text(template: Template, answers: Mapping[str, object]) -> str:
    """The note as plain text: its name, then each section's title and every field's label
    and answer, in template order. Unchecked checkboxes read "No", empty fields "—"."""
    cleaned = clean_answers(template, answers)
    lines = [template.name, "=" * len(template.name)]
    for section in template.sections:
        lines += ["", section.title, "-" * len(section.title)]
        for note_field in section.fields:
            value = _display(note_field, cleaned.get(note_field.key))
            if "\n" in value:
                lines.append(f"{note_field.label}:")
                lines += [f"  {line}" if line else "" for line in value.split("\n")]
            else:
                lines.append(f"{note_field.label}: {value}")
    return "\n".join(lines) + "\n"


def _display(note_field: NoteField, value: object) -> str:
    if note_field.type is FieldType.CHECKBOX:
        return "Yes" if value else "No"
    if value is None:
        return "—"
    if note_field.type is FieldType.SCALE:
        return f"{value}/{SCALE_MAX}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _clean(
    template: Template, raw: Mapping[str, object], today: date | None
) -> tuple[dict[str, object], dict[str, str]]:
    cleaned: dict[str, object] = {}
    errors: dict[str, str] = {}
    for note_field in template.fields():
        if note_field.key not in raw:
            continue
        try:
            value = _coerce(note_field, raw[note_field.key], today)
        except _Refused as exc:
            errors[note_field.key] = str(exc)
            continue
        if value is not None:
            cleaned[note_field.key] = value
    return cleaned, errors


class _Refused(ValueError):
    """One answer has the wrong shape; the message goes beside the field."""


def _coerce(note_field: NoteField, value: object, today: date | None) -> object:
    """VALUE in the field's stored type, or None when it is empty."""
    if value is None:
        return None
    return _COERCERS[note_field.type](note_field, value, today)


def _as_text(note_field: NoteField, value: object, _today: date | None) -> str | None:
    if not isinstance(value, str):
        raise _Refused(f"Enter {_in_sentence(note_field.label)} as text.")
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        return None
    if not note_field.multiline and "\n" in text:
        raise _Refused(f"{note_field.label} must be a single line.")
    if len(text) > note_field.limit:
        raise _Refused(f"{note_field.label} must be at most {note_field.limit:,} characters.")
    return text


def _as_choice(note_field: NoteField, value: object, _today: date | None) -> str | None:
    if isinstance(value, str):
        wanted = value.strip().casefold()
        if not wanted:
            return None
        for option in note_field.options:
            if option.strip().casefold() == wanted:
                return option
    raise _Refused(f"Choose {_in_sentence(note_field.label)} from the list.")


def _as_checkbox(note_field: NoteField, value: object, _today: date | None) -> bool:
    if isinstance(value, bool):
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _Refused(f"{note_field.label} is either checked or not.")


def _as_scale(note_field: NoteField, value: object, _today: date | None) -> int | None:
    refused = _Refused(
        f"{note_field.label} must be a whole number from {SCALE_MIN} to {SCALE_MAX}."
    )
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _INTEGER.fullmatch(text):
            raise refused
        number = int(text)
    elif type(value) is int:
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise refused
    if not SCALE_MIN <= number <= SCALE_MAX:
        raise refused
    return number


def _as_date(note_field: NoteField, value: object, today: date | None) -> date | None:
    label = note_field.label
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        # date.fromisoformat also takes 20260314 and week dates; forms send yyyy-mm-dd.
        if not _ISO_DATE.fullmatch(text):
            raise _Refused(f"Enter {_in_sentence(label)} as a date, like 2026-03-14.")
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise _Refused(f"There is no {text}; check the day and month.") from exc
    else:
        raise _Refused(f"Enter {_in_sentence(label)} as a date, like 2026-03-14.")
    if day.year < EARLIEST_YEAR:
        raise _Refused(f"{label} is too far in the past.")
    if today is not None and note_field.not_in_future and day > today:
        raise _Refused(f"{label} cannot be in the future.")
    return day


_COERCERS: dict[FieldType, Callable[[NoteField, object, date | None], object]] = {
    FieldType.TEXT: _as_text,
    FieldType.CHOICE: _as_choice,
    FieldType.CHECKBOX: _as_checkbox,
    FieldType.SCALE: _as_scale,
    FieldType.DATE: _as_date,
}


def _in_sentence(label: str) -> str:
    """LABEL inside a sentence: "Mood" -> "mood", while "PHQ-9 score" keeps its capitals."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


# --- built-in templates ----------------------------------------------------------------------


def _write(
    key: str, label: str, help: str, *, required: bool = True, lines: bool = True
) -> NoteField:
    """A text field, required and multi-line unless told."""
    return NoteField(key, label, FieldType.TEXT, required, help, multiline=lines)


def _pick(key: str, label: str, options: tuple[str, ...], help: str = "") -> NoteField:
    """A required choice."""
    return NoteField(key, label, FieldType.CHOICE, True, help, options=options)


def _check(key: str, label: str, help: str = "") -> NoteField:
    return NoteField(key, label, FieldType.CHECKBOX, False, help)


def _next_session() -> NoteField:
    return NoteField(
        "next_session",
        "Next session",
        FieldType.DATE,
        help="Leave empty when the next session is not yet scheduled.",
    )


_SESSION = Section(
    "session",
    "Session",
    (
        _check(
            "risk_reviewed",
            "Risk reviewed",
            "Check when you asked about suicidal or homicidal thoughts, self-harm or other "
            "safety concerns this session; record any positive finding in the note.",
        ),
        NoteField(
            "distress_rating",
            "Client's self-rated distress (0–10)",
            FieldType.SCALE,
            help="The client's own rating of their distress today: 0 none at all, 10 the "
            "worst they can imagine. Leave empty when not asked.",
        ),
    ),
)

SOAP = Template(
    "soap",
    "SOAP progress note",
    TemplateKind.PROGRESS,
    1,
    (
        _SESSION,
        Section(
            "subjective",
            "Subjective",
            (
                _write(
                    "client_report",
                    "Client's report",
                    "What the client said about their concerns, mood, symptoms, stressors and "
                    "events since the last session. Quote key statements.",
                ),
                _write(
                    "collateral",
                    "Collateral information",
                    "Reports from family members, other providers or records, naming the source.",
                    required=False,
                ),
            ),
        ),
        Section(
            "objective",
            "Objective",
            (
                _write(
                    "observations",
                    "Clinician's observations",
                    "What you observed: appearance, behavior, speech, affect, engagement and "
                    "changes since the last session. Observable facts, not interpretation.",
                ),
                _write(
                    "measures",
                    "Measures and scores",
                    "Standardized measures given this session (e.g., PHQ-9, GAD-7) and their "
                    "scores.",
                    required=False,
                ),
            ),
        ),
        Section(
            "assessment",
            "Assessment",
            (
                _write(
                    "assessment",
                    "Clinical assessment",
                    "Your interpretation: progress toward treatment-plan goals, changes in "
                    "symptoms and functioning, and impressions tied to the diagnosis.",
                ),
                _write(
                    "risk_notes",
                    "Risk and safety",
                    "Current risk to self or others, protective factors, and any safety plan "
                    "reviewed or updated.",
                    required=False,
                ),
            ),
        ),
        Section(
            "plan",
            "Plan",
            (
                _write(
                    "plan",
                    "Plan",
                    "Interventions planned, homework, referrals or coordination of care, "
                    "session frequency and any change to the treatment plan.",
                ),
                _next_session(),
            ),
        ),
    ),
)

DAP = Template(
    "dap",
    "DAP progress note",
    TemplateKind.PROGRESS,
    1,
    (
        _SESSION,
        Section(
            "data",
            "Data",
            (
                _write(
                    "data",
                    "Data",
                    "What the client reported and what you observed, the topics addressed, "
                    "the interventions used, and any measure scores.",
                ),
            ),
        ),
        Section(
            "assessment",
            "Assessment",
            (
                _write(
                    "assessment",
                    "Assessment",
                    "Your clinical interpretation of the data: progress toward goals, symptom "
                    "changes, insight and engagement, and current risk.",
                ),
            ),
        ),
        Section(
            "plan",
            "Plan",
            (
                _write(
                    "plan",
                    "Plan",
                    "Next steps: homework, focus of the next session, referrals, and session "
                    "frequency.",
                ),
                _next_session(),
            ),
        ),
    ),
)

BIRP = Template(
    "birp",
    "BIRP progress note",
    TemplateKind.PROGRESS,
    1,
    (
        _SESSION,
        Section(
            "behavior",
            "Behavior",
            (
                _write(
                    "behavior",
                    "Presenting behavior",
                    "How the client presented: reported concerns and symptoms, observed mood "
                    "and affect, and behavior relevant to treatment-plan goals.",
                ),
            ),
        ),
        Section(
            "intervention",
            "Intervention",
            (
                _write(
                    "intervention",
                    "Interventions used",
                    "What you did: techniques and modalities used (e.g., cognitive "
                    "restructuring, motivational interviewing, exposure), linked to the "
                    "treatment-plan goals they address.",
                ),
            ),
        ),
        Section(
            "response",
            "Response",
            (
                _write(
                    "response",
                    "Client's response",
                    "How the client responded to the interventions: engagement, skills "
                    "practiced, insight gained, and progress toward goals.",
                ),
            ),
        ),
        Section(
            "plan",
            "Plan",
            (
                _write(
                    "plan",
                    "Plan",
                    "Next steps: homework, focus of the next session, referrals, and session "
                    "frequency.",
                ),
                _next_session(),
            ),
        ),
    ),
)

_SUICIDAL_IDEATION = ("None", "Passive", "Active")

INTAKE = Template(
    "intake",
    "Intake assessment",
    TemplateKind.INTAKE,
    1,
    (
        Section(
            "presenting_problem",
            "Presenting problem",
            (
                _write(
                    "presenting_problem",
                    "Presenting problem",
                    "Why the client is seeking help now, in their own words where possible.",
                ),
                _write(
                    "referral_source",
                    "Referral source",
                    "Self, physician, school, employee assistance program, court, or other.",
                    required=False,
                    lines=False,
                ),
            ),
        ),
        Section(
            "history_of_presenting_problem",
            "History of presenting problem",
            (
                _write(
                    "problem_history",
                    "History of presenting problem",
                    "Onset, duration, frequency and severity of symptoms, precipitating "
                    "events, what the client has tried, and the effect on work, school, "
                    "relationships and daily functioning.",
                ),
            ),
        ),
        Section(
            "psychiatric_history",
            "Psychiatric history",
            (
                _write(
                    "psychiatric_history",
                    "Psychiatric history",
                    "Previous diagnoses, therapy and psychiatric care with approximate dates, "
                    "what helped and what did not. Write “None reported” if none.",
                ),
                _check("prior_hospitalization", "Previous psychiatric hospitalization"),
                _check(
                    "prior_attempts",
                    "Previous suicide attempt",
                    "Give dates, methods and circumstances in the risk assessment.",
                ),
            ),
        ),
        Section(
            "medical_history",
            "Medical history & medications",
            (
                _write(
                    "medical_history",
                    "Medical history",
                    "Current and significant past conditions, injuries (including head "
                    "injury), chronic pain, sleep and appetite, and the primary care provider.",
                ),
                _write(
                    "medications",
                    "Current medications",
                    "Name, dose and prescriber of psychiatric and other medications, including "
                    "supplements. Write “None” if none.",
                ),
                _write(
                    "allergies",
                    "Allergies",
                    "Medication and other allergies.",
                    required=False,
                    lines=False,
                ),
            ),
        ),
        Section(
            "substance_use",
            "Substance use",
            (
                _write(
                    "substance_use",
                    "Substance use",
                    "Alcohol, cannabis, nicotine, misused prescription drugs and other drugs: "
                    "amount, frequency, last use, consequences and past treatment. Write "
                    "“Denies” if none.",
                ),
            ),
        ),
        Section(
            "family_social_history",
            "Family & social history",
            (
                _write(
                    "family_history",
                    "Family history",
                    "Family of origin, current household, and family history of mental "
                    "illness, substance use or suicide.",
                ),
                _write(
                    "social_history",
                    "Social history",
                    "Relationships and supports, education, work, finances, housing, legal "
                    "involvement, culture and spirituality.",
                ),
                _write(
                    "trauma_history",
                    "Trauma history",
                    "Abuse, neglect, violence or other traumatic events, as far as the client "
                    "chose to share.",
                    required=False,
                ),
            ),
        ),
        Section(
            "mental_status_exam",
            "Mental status exam",
            (
                _pick(
                    "mse_appearance",
                    "Appearance",
                    (
                        "Well groomed",
                        "Appropriately dressed",
                        "Disheveled",
                        "Poor hygiene",
                        "Bizarre",
                    ),
                ),
                _pick(
                    "mse_behavior",
                    "Behavior",
                    ("Cooperative", "Guarded", "Withdrawn", "Restless", "Agitated", "Hostile"),
                ),
                _pick(
                    "mse_speech",
                    "Speech",
                    ("Normal rate and volume", "Pressured", "Slowed", "Soft", "Loud", "Slurred"),
                ),
                _pick(
                    "mse_mood",
                    "Mood",
                    ("Euthymic", "Depressed", "Anxious", "Irritable", "Angry", "Elevated"),
                    "The client's own description of their mood.",
                ),
                _pick(
                    "mse_affect",
                    "Affect",
                    (
                        "Full range",
                        "Constricted",
                        "Blunted",
                        "Flat",
                        "Labile",
                        "Incongruent with mood",
                    ),
                    "The emotion you observe, and whether it fits the reported mood.",
                ),
                _pick(
                    "mse_thought_process",
                    "Thought process",
                    (
                        "Linear and goal-directed",
                        "Circumstantial",
                        "Tangential",
                        "Flight of ideas",
                        "Loose associations",
                        "Thought blocking",
                    ),
                ),
                _pick(
                    "mse_thought_content",
                    "Thought content",
                    (
                        "Unremarkable",
                        "Preoccupations",
                        "Obsessions",
                        "Paranoid ideation",
                        "Delusions",
                    ),
                    "Describe any abnormal content in the mental status notes.",
                ),
                _pick(
                    "mse_perception",
                    "Perception",
                    (
                        "No hallucinations",
                        "Auditory hallucinations",
                        "Visual hallucinations",
                        "Other hallucinations",
                        "Illusions or depersonalization",
                    ),
                ),
                _pick(
                    "mse_orientation",
                    "Orientation",
                    (
                        "Oriented to person, place, time and situation",
                        "Partially oriented",
                        "Disoriented",
                    ),
                ),
                _pick(
                    "mse_cognition",
                    "Attention and memory",
                    ("Intact", "Mildly impaired", "Significantly impaired"),
                ),
                _pick("mse_insight", "Insight", ("Good", "Fair", "Poor")),
                _pick("mse_judgment", "Judgment", ("Good", "Fair", "Poor")),
                _write(
                    "mse_notes",
                    "Mental status notes",
                    "What the choices above do not capture, and details of any abnormal finding.",
                    required=False,
                ),
            ),
        ),
        Section(
            "risk_assessment",
            "Risk assessment",
            (
                _pick(
                    "suicidal_ideation",
                    "Suicidal ideation",
                    _SUICIDAL_IDEATION,
                    "Passive: wishes to be dead or not to wake up, without thoughts of acting "
                    "on it. Active: thoughts of killing oneself.",
                ),
                _check("suicide_plan", "Plan", "A method, time or place has been thought out."),
                _check("suicide_intent", "Intent", "The client intends to act on the thoughts."),
                _check(
                    "access_to_means",
                    "Access to lethal means",
                    "Firearms, stockpiled medication or other means at hand; record what was "
                    "discussed about securing them.",
                ),
                _check("homicidal_ideation", "Thoughts of harming others"),
                _check("self_harm", "Recent non-suicidal self-harm"),
                _write(
                    "protective_factors",
                    "Protective factors",
                    "Reasons for living, supports, future plans, engagement in treatment, "
                    "religious or moral objections, responsibility for children or pets.",
                ),
                _pick(
                    "risk_level",
                    "Overall risk",
                    ("Low", "Moderate", "High"),
                    "Your clinical judgment of current risk, weighing risk and protective factors.",
                ),
                _write(
                    "risk_details",
                    "Risk details and safety plan",
                    "Details of any ideation, plan, intent, means or history, and what was "
                    "done: safety plan, means counselling, consultation, higher level of care.",
                    required=False,
                ),
            ),
        ),
        Section(
            "diagnostic_impressions",
            "Diagnostic impressions",
            (
                _write(
                    "diagnostic_impressions",
                    "Diagnostic impressions",
                    "Working diagnoses with ICD-10-CM codes and the evidence for each; "
                    "rule-outs to explore.",
                ),
            ),
        ),
        Section(
            "recommendations",
            "Recommendations",
            (
                _write(
                    "recommendations",
                    "Recommendations",
                    "Recommended level of care, modality and session frequency, referrals "
                    "(psychiatry, primary care, groups), and initial treatment goals.",
                ),
            ),
        ),
    ),
)

# A consultation is not treatment: it carries no diagnosis and no clinical risk rating.
CONSULTATION = Template(
    "consultation",
    "Consultation note",
    TemplateKind.CONSULTATION,
    1,
    (
        Section(
            "reason",
            "Reason for consultation",
            (
                _write(
                    "reason",
                    "Reason for consultation",
                    "The question or concern the consultation addresses, and who asked for it.",
                ),
                _write(
                    "participants",
                    "Participants",
                    "Who took part, and their roles.",
                    required=False,
                    lines=False,
                ),
            ),
        ),
        Section(
            "summary",
            "Summary",
            (
                _write(
                    "summary",
                    "Summary of discussion",
                    "The main points discussed, information shared and options considered.",
                ),
            ),
        ),
        Section(
            "recommendations",
            "Recommendations",
            (
                _write(
                    "recommendations",
                    "Recommendations",
                    "Guidance given, resources shared, and any referral suggested.",
                ),
            ),
        ),
        Section(
            "follow_up",
            "Follow-up",
            (
                _write(
                    "follow_up",
                    "Follow-up plan",
                    "Agreed next steps and who takes them. Write “None planned” if none.",
                ),
                NoteField(
                    "follow_up_date",
                    "Follow-up date",
                    FieldType.DATE,
                    help="Leave empty when no further meeting is planned.",
                ),
            ),
        ),
    ),
)

DISCHARGE = Template(
    "discharge",
    "Discharge summary",
    TemplateKind.DISCHARGE,
    1,
    (
        Section(
            "discharge",
            "Discharge",
            (
                NoteField(
                    "last_session_date",
                    "Date of last session",
                    FieldType.DATE,
                    required=True,
                    help="The last session the client attended.",
                    not_in_future=True,
                ),
                _pick(
                    "reason_for_discharge",
                    "Reason for discharge",
                    (
                        "Treatment goals met",
                        "Mutual agreement",
                        "Client chose to end treatment",
                        "Client stopped attending",
                        "Referred to another provider",
                        "Higher level of care needed",
                        "Client moved away",
                        "Financial or insurance reasons",
                        "Other",
                    ),
                ),
                _write(
                    "reason_details",
                    "Details",
                    "Explain the ending, above all for “Other” or an unplanned ending, and "
                    "the attempts made to reach the client.",
                    required=False,
                ),
            ),
        ),
        Section(
            "course_of_treatment",
            "Course of treatment",
            (
                _write(
                    "course_of_treatment",
                    "Course of treatment",
                    "Dates of treatment, number of sessions, the problems and diagnoses "
                    "treated, and the modalities and interventions used.",
                ),
            ),
        ),
        Section(
            "progress",
            "Progress toward goals",
            (
                NoteField(
                    "goal_progress",
                    "Overall progress toward goals (0–10)",
                    FieldType.SCALE,
                    required=True,
                    help="0 no progress, 10 every treatment goal fully met.",
                ),
                _write(
                    "progress_summary",
                    "Progress summary",
                    "Progress on each treatment-plan goal, with measure scores at intake and "
                    "at discharge where available.",
                ),
            ),
        ),
        Section(
            "status_at_discharge",
            "Status at discharge",
            (
                _write(
                    "status_at_discharge",
                    "Status at discharge",
                    "Symptoms, functioning and current risk at the last contact, and the "
                    "diagnosis at discharge.",
                ),
            ),
        ),
        Section(
            "aftercare",
            "Aftercare & referrals",
            (
                _write(
                    "aftercare",
                    "Aftercare and referrals",
                    "Referrals made, recommended follow-up, crisis resources given (e.g., the "
                    "988 Suicide & Crisis Lifeline), and how the client can return to services.",
                ),
            ),
        ),
    ),
)

PSYCHOTHERAPY = Template(
    "psychotherapy",
    "Psychotherapy note",
    TemplateKind.PSYCHOTHERAPY,
    1,
    (
        Section(
            "process",
            "Process notes",
            (
                _write(
                    "process",
                    "Process notes",
                    "Your own impressions, hypotheses and reflections on the session. Only you "
                    "can read this note: it is kept apart from the record and never exported, "
                    "printed, billed or shown to the client.",
                ),
            ),
        ),
    ),
)

BUILT_IN: dict[str, Template] = {
    t.key: t for t in (SOAP, DAP, BIRP, INTAKE, CONSULTATION, DISCHARGE, PSYCHOTHERAPY)
}


def built_in(key: str) -> Template:
    """The built-in template KEY; NotFound when there is none."""
    try:
        return BUILT_IN[key]
    except KeyError:
        raise NotFound("note template") from None
