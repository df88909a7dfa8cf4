"""Note templates: the built-in forms, custom templates from JSON, and a note's answers checked
for drafts, for signing and for printing."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practicerunner.core.errors import NotFound
from practicerunner.documentation.templates import (
    BUILT_IN,
    CONSULTATION,
    DAP,
    DISCHARGE,
    INTAKE,
    SOAP,
    AnswerError,
    FieldType,
    NoteField,
    Section,
    Template,
    TemplateError,
    TemplateKind,
    answers_to_json,
    built_in,
    clean_answers,
    render_text,
    signing_errors,
    template_from_dict,
    template_to_dict,
    validate_template,
)

TODAY = date(2026, 3, 14)
ALL = sorted(BUILT_IN.values(), key=lambda t: t.key)
IDS = [t.key for t in ALL]


def sample_value(field: NoteField) -> object:
    """A valid answer for FIELD, as a browser form would send it."""
    if field.type is FieldType.CHOICE:
        return field.options[-1]
    return {
        FieldType.TEXT: f"About {field.label.lower()}",
        FieldType.CHECKBOX: "on",
        FieldType.SCALE: "5",
        FieldType.DATE: "2026-03-01",
    }[field.type]


def complete(template: Template) -> dict[str, object]:
    return {f.key: sample_value(f) for f in template.fields()}


def field_dict(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"key": "mood", "label": "Mood", "type": "text"}
    data.update(overrides)
    return data


def template_dict(*fields: dict[str, object]) -> dict[str, object]:
    return {
        "key": "practice_note",
        "name": "Practice note",
        "kind": "progress",
        "version": 1,
        "sections": [{"key": "main", "title": "Main", "fields": list(fields) or [field_dict()]}],
    }


def refused(template: Template, raw: dict[str, object]) -> dict[str, str]:
    with pytest.raises(AnswerError) as info:
        clean_answers(template, raw)
    return info.value.errors


# --- built-in templates ----------------------------------------------------------------------


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_it_ships_built_in_templates_that_validate(template: Template) -> None:
    assert validate_template(template) == {}


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_it_round_trips_each_built_in_template_through_json(template: Template) -> None:
    # given the template written as JSON text, as a database column would hold it
    text = json.dumps(template_to_dict(template))
    # then reading it back gives the same template
    assert template_from_dict(json.loads(text)) == template


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_it_keeps_field_and_section_keys_unique_in_each_template(template: Template) -> None:
    field_keys = [f.key for f in template.fields()]
    section_keys = [s.key for s in template.sections]
    assert len(field_keys) == len(set(field_keys))
    assert len(section_keys) == len(set(section_keys))


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_it_writes_help_text_for_every_written_answer(template: Template) -> None:
    for field in template.fields():
        assert field.label.strip()
        if field.type is FieldType.TEXT:
            assert field.help.strip(), field.key


def test_it_finds_built_in_templates_by_key() -> None:
    assert sorted(BUILT_IN) == [
        "birp",
        "consultation",
        "dap",
        "discharge",
        "intake",
        "psychotherapy",
        "soap",
    ]
    assert all(key == template.key for key, template in BUILT_IN.items())
    assert built_in("soap") is SOAP
    with pytest.raises(NotFound):
        built_in("nope")


def test_it_offers_progress_notes_in_soap_dap_and_birp_forms() -> None:
    titles = {key: [s.title for s in built_in(key).sections] for key in ("soap", "dap", "birp")}
    assert titles == {
        "soap": ["Session", "Subjective", "Objective", "Assessment", "Plan"],
        "dap": ["Session", "Data", "Assessment", "Plan"],
        "birp": ["Session", "Behavior", "Intervention", "Response", "Plan"],
    }
    assert {built_in(key).kind for key in titles} == {TemplateKind.PROGRESS}


@pytest.mark.parametrize("key", ["soap", "dap", "birp"])
def test_it_shares_the_session_section_across_progress_notes(key: str) -> None:
    session = built_in(key).sections[0]
    risk, distress = session.fields
    assert (risk.key, risk.type) == ("risk_reviewed", FieldType.CHECKBOX)
    assert (distress.key, distress.type, distress.required) == (
        "distress_rating",
        FieldType.SCALE,
        False,
    )


def test_it_asks_the_intake_mental_status_exam_as_choices() -> None:
    mse = next(s for s in INTAKE.sections if s.key == "mental_status_exam")
    choices = {f.label for f in mse.fields if f.type is FieldType.CHOICE}
    assert {"Appearance", "Mood", "Affect", "Thought process", "Orientation"} <= choices


def test_it_asks_about_suicide_risk_at_intake() -> None:
    assert INTAKE.field("suicidal_ideation").options == ("None", "Passive", "Active")
    assert INTAKE.field("suicidal_ideation").required
    for key in ("suicide_plan", "suicide_intent", "access_to_means"):
        assert INTAKE.field(key).type is FieldType.CHECKBOX
    assert INTAKE.field("protective_factors").required
    assert [s.title for s in INTAKE.sections] == [
        "Presenting problem",
        "History of presenting problem",
        "Psychiatric history",
        "Medical history & medications",
        "Substance use",
        "Family & social history",
        "Mental status exam",
        "Risk assessment",
        "Diagnostic impressions",
        "Recommendations",
    ]


def test_it_keeps_diagnosis_and_risk_codes_out_of_consultation_notes() -> None:
    assert CONSULTATION.kind is TemplateKind.CONSULTATION
    assert [s.title for s in CONSULTATION.sections] == [
        "Reason for consultation",
        "Summary",
        "Recommendations",
        "Follow-up",
    ]
    words = " ".join(f"{f.key} {f.label}" for f in CONSULTATION.fields()).lower()
    assert "diagnos" not in words
    assert "risk" not in words
    assert not any(f.type is FieldType.CHOICE for f in CONSULTATION.fields())


def test_it_summarises_a_discharge() -> None:
    assert "Treatment goals met" in DISCHARGE.field("reason_for_discharge").options
    assert DISCHARGE.field("goal_progress").type is FieldType.SCALE
    last = DISCHARGE.field("last_session_date")
    assert (last.type, last.required, last.not_in_future) == (FieldType.DATE, True, True)
    assert "Aftercare & referrals" in [s.title for s in DISCHARGE.sections]


# --- custom templates ------------------------------------------------------------------------


def test_it_reads_a_practice_template_from_json() -> None:
    # given an owner's template using every field type
    data = template_dict(
        field_dict(key="focus", label="Focus", multiline=True, max_length=500, required=True),
        field_dict(key="mood", label="Mood", type="choice", options=["Low", "Okay", "Good"]),
        field_dict(key="homework_done", label="Homework done", type="checkbox"),
        field_dict(key="sleep", label="Sleep quality", type="scale", help="0 worst, 10 best"),
        field_dict(key="seen_on", label="Seen on", type="date", not_in_future=True),
    )
    # when it is read
    template = template_from_dict(data)
    # then each field has its type and settings, and it writes back to the same data
    assert [f.type for f in template.fields()] == list(FieldType)
    assert template.field("focus").limit == 500
    assert template.field("mood").options == ("Low", "Okay", "Good")
    assert template_from_dict(template_to_dict(template)) == template


def test_it_reports_each_problem_of_a_bad_template_by_path() -> None:
    # given a template with a problem in nearly every place
    data = {
        "key": "Practice Note",
        "name": " ",
        "kind": "therapy",
        "version": 0,
        "colour": "blue",
        "sections": [
            {
                "key": "main",
                "title": "Main",
                "fields": [
                    field_dict(key="mood", label="", type="choice", options=["Low", " low "]),
                    field_dict(key="mood", label="Energy", type="scale", multiline=True),
                    field_dict(key="ok", label="Ok", type="checkbox", required=True),
                    field_dict(key="notes", label="Notes", type="text", max_length=0),
                    field_dict(key="seen", label="Seen", type="date", options=["a", "b"]),
                    field_dict(key="odd", label="Odd", type="slider", options=["a"]),
                ],
            },
            {"key": "main", "title": "", "fields": []},
        ],
    }
    # when it is read
    with pytest.raises(TemplateError) as info:
        template_from_dict(data)
    # then every problem is named once, by where it is
    assert info.value.errors == {
        "key": (
            "A template key is lower-case letters, digits and underscores, starting with a "
            "letter (at most 60)."
        ),
        "name": "Enter the template's name.",
        "kind": "Choose progress, intake, consultation or discharge.",
        "version": "The version is a whole number from 1.",
        "colour": "Unknown setting.",
        "sections[0].fields[0].label": "Enter the field's label.",
        "sections[0].fields[0].options[1]": "“low” is listed twice.",
        "sections[0].fields[0].options": "A choice needs at least two different options.",
        "sections[0].fields[1].key": "Another field already uses the key “mood”.",
        "sections[0].fields[1].multiline": "Only text fields can have several lines.",
        "sections[0].fields[2].required": (
            "A checkbox is always answered (unchecked means No), so it cannot be required."
        ),
        "sections[0].fields[3].max_length": "The length limit is from 1 to 20,000.",
        "sections[0].fields[4].options": "Only choice fields have options.",
        # an unknown type is the only thing said about that field: its options may be right
        "sections[0].fields[5].type": "Choose text, choice, checkbox, scale or date.",
        "sections[1].key": "Another section already uses the key “main”.",
        "sections[1].title": "Enter the section's title.",
        "sections[1].fields": "Add at least one field.",
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("not a template", {"template": "Expected an object."}),
        (
            {"key": "x"},
            {
                "kind": "Missing.",
                "name": "Missing.",
                "sections": "Missing.",
                "version": "Missing.",
            },
        ),
        (
            {**template_dict(), "sections": "Main"},
            {"sections": "Expected a list."},
        ),
        (
            template_dict({"key": "mood", "label": 7, "type": "text", "required": "yes"}),
            {
                "sections[0].fields[0].label": "Expected text.",
                "sections[0].fields[0].required": "Expected true or false.",
            },
        ),
        (
            template_dict({"label": "Mood"}),
            {
                "sections[0].fields[0].key": "Missing.",
                "sections[0].fields[0].type": "Missing.",
            },
        ),
        (
            {**template_dict(), "sections": ["Main", {"key": "b", "title": "B", "fields": [0]}]},
            {"sections[0]": "Expected an object.", "sections[1].fields[0]": "Expected an object."},
        ),
        (
            template_dict(field_dict(type="choice", options=["Low", 3])),
            {"sections[0].fields[0].options[1]": "Expected text."},
        ),
        (
            template_dict(field_dict(type="checkbox", not_in_future=True)),
            {"sections[0].fields[0].not_in_future": "Only date fields can refuse future dates."},
        ),
        (
            template_dict(field_dict(max_length="500")),
            {"sections[0].fields[0].max_length": "Expected a whole number."},
        ),
    ],
    ids=[
        "not-an-object",
        "missing",
        "sections-not-a-list",
        "wrong-types",
        "field-missing",
        "section-and-field-not-objects",
        "option-not-text",
        "future-rule-on-checkbox",
        "limit-as-text",
    ],
)
def test_it_refuses_templates_of_the_wrong_shape(data: object, expected: dict[str, str]) -> None:
    with pytest.raises(TemplateError) as info:
        template_from_dict(data)
    assert info.value.errors == expected


def test_it_allows_at_most_forty_fields_in_a_section() -> None:
    forty = [field_dict(key=f"q{i}", label=f"Question {i}") for i in range(40)]
    assert len(list(template_from_dict(template_dict(*forty)).fields())) == 40
    with pytest.raises(TemplateError) as info:
        template_from_dict(template_dict(*forty, field_dict(key="q40", label="Question 40")))
    assert info.value.errors == {"sections[0].fields": "A section has at most 40 fields."}


def test_it_checks_templates_built_in_code_too() -> None:
    template = Template(
        "x",
        "X",
        TemplateKind.INTAKE,
        1,
        (Section("s", "S", (NoteField("a", "A", FieldType.CHOICE, options=("One",)),)),),
    )
    assert validate_template(template) == {
        "sections[0].fields[0].options": "A choice needs at least two different options."
    }


# --- answers for a draft ---------------------------------------------------------------------

FORM = template_from_dict(
    template_dict(
        field_dict(key="summary", label="Summary", multiline=True, max_length=40),
        field_dict(key="title", label="Title"),
        field_dict(key="mood", label="Mood", type="choice", options=["Low", "Okay", "Good"]),
        field_dict(key="homework", label="Homework done", type="checkbox"),
        field_dict(key="sleep", label="Sleep quality", type="scale"),
        field_dict(key="seen", label="Seen on", type="date", not_in_future=True),
    )
)


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("sleep", "7", 7),
        ("sleep", " 10 ", 10),
        ("sleep", 0, 0),
        ("sleep", 3.0, 3),
        ("homework", "on", True),
        ("homework", "true", True),
        ("homework", "Yes", True),
        ("homework", True, True),
        ("homework", 1, True),
        ("homework", "off", False),
        ("homework", "", False),
        ("homework", False, False),
        ("seen", "2026-02-28", date(2026, 2, 28)),
        ("seen", date(2026, 2, 28), date(2026, 2, 28)),
        ("mood", "Okay", "Okay"),
        ("mood", " good ", "Good"),
        ("title", "  Week 3  ", "Week 3"),
        ("summary", "Slept better.\r\nFewer panic attacks.", "Slept better.\nFewer panic attacks."),
        ("summary", "Calm\x00 today", "Calm today"),
    ],
)
def test_it_coerces_answers_to_their_stored_types(key: str, raw: object, expected: object) -> None:
    assert clean_answers(FORM, {key: raw}) == {key: expected}


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("sleep", "11", "Sleep quality must be a whole number from 0 to 10."),
        ("sleep", 11, "Sleep quality must be a whole number from 0 to 10."),
        ("sleep", "-1", "Sleep quality must be a whole number from 0 to 10."),
        ("sleep", "x", "Sleep quality must be a whole number from 0 to 10."),
        ("sleep", 7.5, "Sleep quality must be a whole number from 0 to 10."),
        ("sleep", True, "Sleep quality must be a whole number from 0 to 10."),
        ("seen", "2026-02-30", "There is no 2026-02-30; check the day and month."),
        ("seen", "14/03/2026", "Enter seen on as a date, like 2026-03-14."),
        ("seen", "20260314", "Enter seen on as a date, like 2026-03-14."),
        ("seen", datetime(2026, 3, 1, 9), "Enter seen on as a date, like 2026-03-14."),
        ("seen", "1026-03-01", "Seen on is too far in the past."),
        ("mood", "Great", "Choose mood from the list."),
        ("mood", 2, "Choose mood from the list."),
        ("homework", "maybe", "Homework done is either checked or not."),
        ("homework", 2, "Homework done is either checked or not."),
        ("title", "Two\nlines", "Title must be a single line."),
        ("title", 42, "Enter title as text."),
        ("summary", "x" * 41, "Summary must be at most 40 characters."),
    ],
)
def test_it_refuses_answers_of_the_wrong_shape(key: str, raw: object, message: str) -> None:
    assert refused(FORM, {key: raw}) == {key: message}


def test_it_reports_every_wrong_answer_at_once() -> None:
    errors = refused(FORM, {"sleep": "11", "mood": "Great", "title": "Fine"})
    assert errors == {
        "mood": "Choose mood from the list.",
        "sleep": "Sleep quality must be a whole number from 0 to 10.",
    }


def test_it_keeps_a_draft_incomplete_and_drops_what_the_template_does_not_ask() -> None:
    raw = {"title": "  ", "mood": "", "sleep": None, "summary": "Started", "password": "x"}
    assert clean_answers(FORM, raw) == {"summary": "Started"}


def test_it_refuses_a_future_date_only_when_the_field_says_so_and_today_is_known() -> None:
    assert clean_answers(FORM, {"seen": "2026-03-15"}) == {"seen": date(2026, 3, 15)}
    with pytest.raises(AnswerError) as info:
        clean_answers(FORM, {"seen": "2026-03-15"}, today=TODAY)
    assert info.value.errors == {"seen": "Seen on cannot be in the future."}
    assert clean_answers(FORM, {"seen": "2026-03-14"}, today=TODAY) == {"seen": TODAY}
    # the next session is planned ahead, so its date may be after today
    assert clean_answers(SOAP, {"next_session": "2026-03-21"}, today=TODAY) == {
        "next_session": date(2026, 3, 21)
    }


def test_it_stores_cleaned_answers_as_json_and_reads_them_back() -> None:
    cleaned = clean_answers(FORM, {"seen": "2026-03-01", "sleep": "4", "homework": "on"})
    text = json.dumps(answers_to_json(cleaned))
    assert clean_answers(FORM, json.loads(text)) == cleaned


# --- signing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_it_signs_a_complete_note(template: Template) -> None:
    assert signing_errors(template, complete(template), TODAY) == {}


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_it_lists_exactly_the_empty_required_fields(template: Template) -> None:
    # given a note with every answer, then each required one emptied in turn
    for field in template.fields():
        answers = complete(template)
        answers[field.key] = ""
        errors = signing_errors(template, answers, TODAY)
        # then only that field stops the signing, and only when it is required
        assert list(errors) == ([field.key] if field.required else [])


def test_it_says_what_to_enter_and_what_to_choose() -> None:
    answers = {"client_report": "Slept better this week.", "distress_rating": "4"}
    assert signing_errors(SOAP, answers, TODAY) == {
        "observations": "Enter clinician's observations.",
        "assessment": "Enter clinical assessment.",
        "plan": "Enter plan.",
    }
    assert signing_errors(DISCHARGE, {}, TODAY) == {
        "last_session_date": "Enter date of last session.",
        "reason_for_discharge": "Choose reason for discharge.",
        "course_of_treatment": "Enter course of treatment.",
        "goal_progress": "Choose overall progress toward goals (0–10).",
        "progress_summary": "Enter progress summary.",
        "status_at_discharge": "Enter status at discharge.",
        "aftercare": "Enter aftercare and referrals.",
    }


def test_it_keeps_capitals_that_belong_to_a_label() -> None:
    template = template_from_dict(
        template_dict(field_dict(key="phq9", label="PHQ-9 total", required=True))
    )
    assert signing_errors(template, {}, TODAY) == {"phq9": "Enter PHQ-9 total."}


def test_it_gives_the_shape_error_before_the_missing_one_when_signing() -> None:
    answers = {**complete(DISCHARGE), "goal_progress": "11", "last_session_date": "2026-03-15"}
    assert signing_errors(DISCHARGE, answers, TODAY) == {
        "last_session_date": "Date of last session cannot be in the future.",
        "goal_progress": (
            "Overall progress toward goals (0–10) must be a whole number from 0 to 10."
        ),
    }


# --- plain text ------------------------------------------------------------------------------


def test_it_renders_a_note_as_plain_text_in_template_order() -> None:
    answers = {
        "distress_rating": "6",
        "data": "Client reports two panic attacks at work.\nPracticed paced breathing.",
        "assessment": "Anxiety slightly improved; uses skills with prompting.",
        "plan": "Continue weekly CBT; breathing log as homework.",
        "next_session": "2026-03-21",
    }
    assert render_text(DAP, answers) == (
        "DAP progress note\n"
        "=================\n"
        "\n"
        "Session\n"
        "-------\n"
        "Risk reviewed: No\n"
        "Client's self-rated distress (0–10): 6/10\n"
        "\n"
        "Data\n"
        "----\n"
        "Data:\n"
        "  Client reports two panic attacks at work.\n"
        "  Practiced paced breathing.\n"
        "\n"
        "Assessment\n"
        "----------\n"
        "Assessment: Anxiety slightly improved; uses skills with prompting.\n"
        "\n"
        "Plan\n"
        "----\n"
        "Plan: Continue weekly CBT; breathing log as homework.\n"
        "Next session: 2026-03-21\n"
    )


def test_it_renders_every_section_title_and_answer_in_order() -> None:
    answers = complete(INTAKE)
    text = render_text(INTAKE, answers)
    places = [text.index(section.title) for section in INTAKE.sections]
    assert places == sorted(places)
    values = [text.index(str(answers[f.key])) for f in INTAKE.fields() if f.type is FieldType.TEXT]
    assert values == sorted(values)
    assert "Plan: Yes" in text
    assert "Mood: Elevated" in text


def test_it_renders_empty_answers_as_a_dash_and_unchecked_boxes_as_no() -> None:
    text = render_text(CONSULTATION, {})
    assert "Reason for consultation: —" in text
    assert "Follow-up date: —" in text
    assert "Risk reviewed: No" in render_text(SOAP, {"risk_reviewed": "off"})


def test_it_refuses_to_render_answers_of_the_wrong_shape() -> None:
    with pytest.raises(AnswerError):
        render_text(SOAP, {"distress_rating": "eleven"})


# --- properties ------------------------------------------------------------------------------

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["7", "on", "off", "2026-02-30", "2026-03-01", "Passive", " none ", ""]),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.binary(max_size=5),
)
_keys = st.one_of(st.sampled_from(sorted({f.key for t in ALL for f in t.fields()})), st.text())


@settings(max_examples=300, deadline=None)
@given(template=st.sampled_from(ALL), raw=st.dictionaries(_keys, _values, max_size=12))
def test_it_cleans_any_answers_or_says_why_not(template: Template, raw: dict[str, object]) -> None:
    known = {f.key for f in template.fields()}
    try:
        cleaned = clean_answers(template, raw, today=TODAY)
    except AnswerError as exc:
        assert set(exc.errors) <= known
        assert all(message.endswith(".") for message in exc.errors.values())
        return
    assert set(cleaned) <= known
    # cleaning is settled: cleaning again, or through JSON, changes nothing
    assert clean_answers(template, cleaned) == cleaned
    assert clean_answers(template, json.loads(json.dumps(answers_to_json(cleaned)))) == cleaned
    assert set(signing_errors(template, cleaned, TODAY)) <= known
    render_text(template, cleaned)
