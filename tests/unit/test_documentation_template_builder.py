"""The template builder's rows: what they send to the service, and where a refusal's messages
land (beside the control they are about)."""

from __future__ import annotations

from practicerunner.documentation import practice_templates as pt
from practicerunner.documentation.template_state import (
    FieldRow,
    SectionRow,
    _option_lines,
    _place_errors,
    _to_input,
)
from practicerunner.documentation.templates import BUILT_IN


def _rows() -> list[SectionRow]:
    return [
        SectionRow(
            uid="s1",
            title="Session",
            fields=[
                FieldRow(uid="f1", label="Focus", type="choice", options="Calm\n\n  Tense \n"),
                FieldRow(uid="f2", label="Homework", type="checkbox", required=True),
            ],
        ),
        SectionRow(uid="s2", title="", fields=[]),
    ]


def test_options_are_the_lines_typed_and_a_checkbox_is_never_sent_required() -> None:
    assert _option_lines("Calm\r\n\n  Tense \n") == ["Calm", "Tense"]
    data = _to_input("Check-in", "progress", _rows())
    first, second = data.sections[0].fields
    assert first.options == ("Calm", "Tense")
    assert second.required is False
    assert [s.title for s in data.sections] == ["Session", ""]


def test_each_message_lands_on_its_row_and_option_messages_say_which_option() -> None:
    rows, top = _place_errors(
        _rows(),
        {
            "title": "Enter the template's name.",
            "sections.0.fields.0.options.1": "“Tense” is listed twice.",
            "sections.0.fields.1.required": "A checkbox cannot be required.",
            "sections.0.fields.1.multiline": "Only text fields can have several lines.",
            "sections.1.title": "Enter the section's title.",
            "sections.1.fields": "Add at least one field.",
            "sections.7.title": "Out of range.",
        },
    )
    assert top == {"title": "Enter the template's name.", "sections": "Out of range."}
    focus, homework = rows[0].fields
    assert focus.options_error == "Option 2: “Tense” is listed twice."
    assert homework.required_error == "A checkbox cannot be required."
    assert homework.error == "Only text fields can have several lines."
    assert (rows[1].title_error, rows[1].fields_error) == (
        "Enter the section's title.",
        "Add at least one field.",
    )
    # A new refusal replaces the old messages.
    again, _ = _place_errors(rows, {})
    assert again[0].fields[0].options_error == "" and again[1].title_error == ""


def test_every_built_in_survives_the_round_trip_through_the_builder() -> None:
    for template in BUILT_IN.values():
        if template.kind.value not in pt.KIND_LABELS:
            continue
        data = pt.input_of(template)
        rebuilt = pt._build(data, template.key, template.version)
        assert rebuilt == template
