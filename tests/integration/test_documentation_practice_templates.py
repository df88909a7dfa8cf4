"""Practice note templates: the owner builds them from sections and typed fields, refused by
path with nothing written; a change is a new version while notes already begun keep theirs;
archived ones are no longer offered; notes begin with them under the same rules as the
built-ins (a consultation case takes consultation templates only)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, func, select

from practicerunner.core import clock
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.models import AuditEvent
from practicerunner.documentation.models import ClinicalNote
from practicerunner.documentation.notes import read_note, save_draft, sign_note, start_note
from practicerunner.documentation.practice_templates import (
    FieldInput,
    SectionInput,
    TemplateInput,
    create_template,
    for_new_note,
    input_of,
    list_templates,
    read_practice_template,
    set_template_archived,
    template_titles,
    template_to_copy,
    update_template,
)
from practicerunner.documentation.template_models import PracticeTemplate
from practicerunner.documentation.templates import BUILT_IN
from tests.integration.billing_support import seen

DAY = date(2026, 12, 1)
AFTER = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(AFTER) as move:
        yield move


def _check_in(title: str = "Couples check-in", kind: str = "progress") -> TemplateInput:
    """One section with a field of every type."""
    return TemplateInput(
        title=title,
        kind=kind,
        sections=(
            SectionInput(
                title="Session",
                fields=(
                    FieldInput(label="What was worked on", type="text", required=True),
                    FieldInput(
                        label="Focus",
                        type="choice",
                        required=True,
                        options=("Communication", "Conflict", "Intimacy"),
                    ),
                    FieldInput(label="Homework given", type="checkbox"),
                    FieldInput(label="Relationship satisfaction (0–10)", type="scale"),
                    FieldInput(label="Next check-in", type="date", help="When to review."),
                ),
            ),
        ),
    )


def _count(session: Session) -> tuple[int, int]:
    rows = session.exec(select(func.count()).select_from(PracticeTemplate)).one()
    events = session.exec(
        select(func.count())
        .select_from(AuditEvent)
        .where(col(AuditEvent.action).startswith("note_template."))
    ).one()
    session.rollback()
    return rows, events


def test_the_owner_builds_a_template_that_is_listed_after_the_built_ins(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    made = create_template(session, people.owner, _check_in())
    assert (made.choice, made.key, made.version) == (f"practice:{made.id}", "p_couples_check_in", 1)
    assert (made.kind_label, made.sections, made.fields) == ("Progress note", 1, 5)

    listed = list_templates(session, people.clinician)
    assert [s.key for s in listed] == [*BUILT_IN, "p_couples_check_in"]
    assert [s.built_in for s in listed][-2:] == [True, False]
    template = for_new_note(session, made.choice)
    assert template is not None and template == for_new_note(session, "p_couples_check_in")
    assert [(f.key, f.type.value) for f in template.fields()] == [
        ("what_was_worked_on", "text"),
        ("focus", "choice"),
        ("homework_given", "checkbox"),
        ("relationship_satisfaction_0_10", "scale"),
        ("next_check_in", "date"),
    ]
    assert template.field("what_was_worked_on").multiline
    assert template.field("next_check_in").help == "When to review."
    assert template_titles(session)["p_couples_check_in"] == "Couples check-in"
    # Same title again: a different key would be made, but the title itself is taken.
    with pytest.raises(ValidationFailed) as taken:
        create_template(session, people.owner, _check_in("couples CHECK-IN "))
    assert "Another practice template is called" in taken.value.errors["title"]
    with pytest.raises(ValidationFailed) as built_in:
        create_template(session, people.owner, _check_in("DAP progress note"))
    assert "built-in" in built_in.value.errors["title"]
    assert _count(session) == (1, 1)


def test_a_refused_template_names_every_problem_by_path_and_writes_nothing(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    good = _check_in()
    fields = good.sections[0].fields
    bad = TemplateInput(
        title="  ",
        kind="psychotherapy",
        sections=(
            SectionInput(
                title="Session",
                fields=(
                    replace(fields[0], label=""),
                    replace(fields[1], options=("Only one", " only ONE ")),
                    replace(fields[2], required=True),
                    replace(fields[3], type="slider"),
                    replace(fields[4], label="Line one\nline two"),
                ),
            ),
            SectionInput(title="", fields=()),
        ),
    )
    with pytest.raises(ValidationFailed) as refused:
        create_template(session, people.owner, bad)
    errors = refused.value.errors
    assert errors["title"] == "Enter the template's name."
    assert errors["kind"].startswith("Choose progress note, intake assessment")
    assert errors["sections.0.fields.0.label"] == "Enter the field's label."
    assert errors["sections.0.fields.1.options.1"] == "“only ONE” is listed twice."
    assert errors["sections.0.fields.1.options"] == "A choice needs at least two different options."
    assert "cannot be required" in errors["sections.0.fields.2.required"]
    assert (
        errors["sections.0.fields.3.type"] == "Choose text, choice, checkbox, 0–10 scale or date."
    )
    assert errors["sections.0.fields.4.label"].startswith("Use one line")
    assert errors["sections.1.title"] == "Enter the section's title."
    assert errors["sections.1.fields"] == "Add at least one field."
    with pytest.raises(ValidationFailed) as empty:
        create_template(session, people.owner, TemplateInput(title="Empty", kind="intake"))
    assert empty.value.errors == {"sections": "Add at least one section."}
    assert _count(session) == (0, 0)


def test_only_the_owner_writes_and_clinicians_see_active_templates_only(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    for actor in (people.clinician, people.supervisor, people.scheduler, people.biller):
        with pytest.raises(PermissionDenied):
            create_template(session, actor, _check_in())
    made = create_template(session, people.owner, _check_in())
    assert made.id is not None
    for write in (
        lambda a: update_template(session, a, made.id, _check_in("Other"), 1),
        lambda a: set_template_archived(session, a, made.id, True),
        lambda a: read_practice_template(session, a, made.id),
        lambda a: list_templates(session, a, include_archived=True),
        lambda a: template_to_copy(session, a, "soap"),
    ):
        with pytest.raises(PermissionDenied):
            write(people.clinician)
    for actor in (people.scheduler, people.biller):
        with pytest.raises(PermissionDenied):
            list_templates(session, actor)
    with pytest.raises(NotFound):
        read_practice_template(session, people.owner, 9999)
    with pytest.raises(NotFound):
        template_to_copy(session, people.owner, "psychotherapy")
    assert template_to_copy(session, people.owner, made.choice).name == "Couples check-in"


def test_a_change_is_a_new_version_and_notes_already_begun_keep_theirs(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    made = create_template(session, people.owner, _check_in())
    first = seen(session, people, people.cases["clinician"], DAY, 9)
    note_v1 = start_note(session, carl, int(first.id), made.choice)  # type: ignore[arg-type]

    view = read_practice_template(session, people.owner, made.id)  # type: ignore[arg-type]
    edited = input_of(view.template)
    section = edited.sections[0]
    renamed = replace(section.fields[0], label="Work done this session")
    added = FieldInput(label="Risk reviewed", type="checkbox")
    edited = replace(
        edited,
        sections=(replace(section, fields=(renamed, *section.fields[1:], added)),),
    )
    saved = update_template(session, people.owner, made.id, edited, view.version)  # type: ignore[arg-type]
    assert (saved.version, saved.fields) == (2, 6)
    template = for_new_note(session, made.choice)
    assert template is not None and template.version == 2
    # The edited field keeps its key, so the answers of the same question line up.
    assert template.field("what_was_worked_on").label == "Work done this session"
    assert template.field("risk_reviewed").type.value == "checkbox"

    # Another window still holds version 1: refused, nothing written.
    with pytest.raises(ValidationFailed) as stale:
        update_template(session, people.owner, made.id, _check_in("Stale"), 1)  # type: ignore[arg-type]
    assert "changed in another window" in stale.value.errors["template"]
    # Saving what is already there makes no version.
    assert update_template(session, people.owner, made.id, edited, 2).version == 2  # type: ignore[arg-type]

    begun = read_note(session, carl, note_v1)
    assert begun.template.version == 1
    assert begun.template.field("what_was_worked_on").label == "What was worked on"
    second = seen(session, people, people.cases["clinician"], DAY, 11)
    note_v2 = start_note(session, carl, int(second.id), "p_couples_check_in")  # type: ignore[arg-type]
    assert read_note(session, carl, note_v2).template.version == 2
    stored = session.get(ClinicalNote, note_v2)
    assert stored is not None and stored.template_key == "p_couples_check_in"
    session.rollback()

    # Signing checks the practice template's required fields like a built-in's.
    revision = save_draft(session, carl, note_v2, {"focus": "conflict"}, 0)
    with pytest.raises(ValidationFailed) as unsigned:
        sign_note(session, carl, note_v2, revision)
    assert set(unsigned.value.errors) == {"what_was_worked_on"}
    revision = save_draft(
        session,
        carl,
        note_v2,
        {
            "focus": "Conflict",
            "what_was_worked_on": "Repair after arguments.",
            "homework_given": True,
        },
        revision,
    )
    assert sign_note(session, carl, note_v2, revision) == "complete"

    actions = session.exec(
        select(AuditEvent.action, AuditEvent.detail)
        .where(col(AuditEvent.action).startswith("note_template."))
        .order_by(col(AuditEvent.id))
    ).all()
    assert [a for a, _ in actions] == ["note_template.created", "note_template.updated"]
    assert json.loads(actions[1][1]) == {"fields": ["sections"], "version": 2}


def test_an_archived_template_is_no_longer_offered_but_its_notes_stay(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    made = create_template(session, people.owner, _check_in())
    first = seen(session, people, people.cases["clinician"], DAY, 9)
    note_id = start_note(session, carl, int(first.id), made.choice)  # type: ignore[arg-type]

    archived = set_template_archived(session, people.owner, made.id, True)  # type: ignore[arg-type]
    assert archived.archived
    assert made.choice not in [s.choice for s in list_templates(session, carl)]
    owner_list = list_templates(session, people.owner, include_archived=True)
    assert owner_list[-1].choice == made.choice and owner_list[-1].archived
    second = seen(session, people, people.cases["clinician"], DAY, 11)
    for choice in (made.choice, made.key):
        with pytest.raises(ValidationFailed) as refused:
            start_note(session, carl, int(second.id), choice)  # type: ignore[arg-type]
        assert refused.value.errors == {"template": "Choose a note template."}
    assert start_note(session, carl, int(first.id), "dap") == note_id  # the begun note stays
    assert read_note(session, carl, note_id).template.name == "Couples check-in"
    # Archiving again changes nothing; restoring offers it again.
    set_template_archived(session, people.owner, made.id, True)  # type: ignore[arg-type]
    set_template_archived(session, people.owner, made.id, False)  # type: ignore[arg-type]
    assert made.choice in [s.choice for s in list_templates(session, carl)]
    actions = session.exec(
        select(AuditEvent.action)
        .where(col(AuditEvent.action).startswith("note_template."))
        .order_by(col(AuditEvent.id))
    ).all()
    assert list(actions) == [
        "note_template.created",
        "note_template.archived",
        "note_template.restored",
    ]


def test_a_consultation_case_takes_consultation_templates_only(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    progress = create_template(session, people.owner, _check_in())
    consult = create_template(session, people.owner, _check_in("School consult", "consultation"))
    therapy = seen(session, people, people.cases["clinician"], DAY, 9)
    with pytest.raises(ValidationFailed) as wrong:
        start_note(session, carl, int(therapy.id), consult.choice)  # type: ignore[arg-type]
    assert wrong.value.errors == {"template": "The consultation note is for consultation cases."}

    case = people.cases["clinician"]
    case.kind = "consultation"
    session.add(case)
    session.commit()
    meeting = seen(session, people, case, DAY, 14)
    with pytest.raises(ValidationFailed) as progress_refused:
        start_note(session, carl, int(meeting.id), progress.choice)  # type: ignore[arg-type]
    assert "consultation note" in progress_refused.value.errors["template"]
    note_id = start_note(session, carl, int(meeting.id), consult.choice)  # type: ignore[arg-type]
    assert read_note(session, carl, note_id).kind == "consultation"
    with pytest.raises(ValidationFailed):
        start_note(session, carl, int(meeting.id), "practice:9999")  # type: ignore[arg-type]


def test_the_note_list_offers_practice_templates_after_the_built_ins(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.documentation.note_state import template_choices

    check_in = create_template(session, people.owner, _check_in())
    consult = create_template(session, people.owner, _check_in("School consult", "consultation"))
    old = create_template(session, people.owner, _check_in("Old form"))
    set_template_archived(session, people.owner, old.id, True)  # type: ignore[arg-type]
    progress, consultation = template_choices(session, people.clinician)
    assert [c["value"] for c in progress] == [
        "dap",
        "soap",
        "birp",
        "intake",
        "discharge",
        check_in.choice,
        "psychotherapy",
    ]
    assert progress[-2]["label"] == "Couples check-in"
    assert progress[-1]["label"] == "Psychotherapy note (private)"
    assert consultation == [
        {"value": "consultation", "label": "Consultation note"},
        {"value": consult.choice, "label": "School consult"},
    ]
