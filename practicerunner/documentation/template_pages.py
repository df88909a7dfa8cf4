"""The owner's note templates: /settings/note-templates (the built-ins to copy, the practice's
own to edit or archive) and /settings/note-templates/<id|new> (the builder: sections of typed
fields beside a preview of the note form)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing.staff_components import empty_note, forbidden_panel, table
from practicerunner.documentation.template_state import (
    KIND_CHOICES,
    NEW,
    TYPE_CHOICES,
    NoteTemplatesState,
    TemplateEditorState,
    editor_url,
)
from practicerunner.ui.components import (
    link_button,
    loading,
    not_found_panel,
    page_header,
    section,
)
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import SETTINGS_NOTE_TEMPLATES

EDITOR_PAGE = SETTINGS_NOTE_TEMPLATES + "/[template_id]"
# Typed as Any like the other pages: state vars are Vars at compile time.
L: Any = NoteTemplatesState
B: Any = TemplateEditorState

MUTED = rx.color("gray", 11)
RED = rx.color("red", 11)
OWNER_ONLY = "Only the practice owner manages note templates"
CARD = {
    "border": f"1px solid {rx.color('gray', 5)}",
    "border_radius": "10px",
    "padding": "16px 20px",
    "background": rx.color("gray", 1),
    "width": "100%",
}


def _denied() -> rx.Component:
    return forbidden_panel(OWNER_ONLY)


# ---- /settings/note-templates ---------------------------------------------------------------


def _title_cell(row: Any, link: bool) -> rx.Component:
    title = (
        rx.link(row["title"], href=row["edit_href"], size="2", weight="medium")
        if link
        else rx.text(row["title"], size="2", weight="medium")
    )
    return rx.el.td(
        rx.vstack(
            title,
            rx.cond(row["kind"] != "", rx.text(row["kind"], size="1", color=MUTED)),
            spacing="0",
        ),
    )


def _practice_row(row: Any) -> rx.Component:
    archived = row["archived"] != ""
    busy = L.busy == row["id"]
    return rx.el.tr(
        _title_cell(row, link=True),
        rx.el.td(rx.text(row["counts"], size="2", color=MUTED, white_space="nowrap")),
        rx.el.td(
            rx.vstack(
                rx.text(row["version"], size="2"),
                rx.text("Changed " + row["changed"], size="1", color=MUTED),
                spacing="0",
            )
        ),
        rx.el.td(
            rx.cond(
                archived,
                rx.badge("Archived", color_scheme="gray", variant="soft"),
                rx.badge("Offered", color_scheme="teal", variant="soft"),
            )
        ),
        rx.el.td(
            rx.hstack(
                rx.cond(
                    archived,
                    rx.button(
                        "Restore",
                        size="1",
                        variant="soft",
                        loading=busy,
                        on_click=L.set_archived(row["id"], False),
                        aria_label="Restore " + row["title"],
                    ),
                    rx.fragment(
                        link_button("Edit", row["edit_href"], size="1", variant="soft"),
                        link_button("Duplicate", row["copy_href"], size="1", variant="ghost"),
                        rx.button(
                            "Archive",
                            size="1",
                            variant="ghost",
                            color_scheme="gray",
                            loading=busy,
                            on_click=L.set_archived(row["id"], True),
                            aria_label="Archive " + row["title"],
                        ),
                    ),
                ),
                spacing="2",
                justify="end",
                align="center",
            ),
            style={"text_align": "right"},
        ),
        class_name="pr-practice-template",
    )


def _built_in_row(row: Any) -> rx.Component:
    return rx.el.tr(
        _title_cell(row, link=False),
        rx.el.td(rx.text(row["counts"], size="2", color=MUTED, white_space="nowrap")),
        rx.el.td(
            link_button(
                "Duplicate to customise",
                row["copy_href"],
                "copy",
                size="1",
                variant="soft",
                aria_label="Duplicate " + row["title"] + " to customise",
            ),
            style={"text_align": "right"},
        ),
    )


def _list_body() -> rx.Component:
    return rx.vstack(
        page_header(
            "Note templates",
            "The forms clinicians write notes in. New notes offer the practice's templates "
            "after the built-in ones.",
            link_button("New template", editor_url(NEW), "plus", id="new-template"),
        ),
        section(
            "Practice templates",
            rx.cond(
                L.practice.length() > 0,
                table(
                    ["Template", "Fields", "Version", "Status", ""],
                    rx.foreach(L.practice, _practice_row),
                    "practice-templates",
                ),
                empty_note(
                    "None yet. Start a new template, or duplicate a built-in one to customise it."
                ),
            ),
        ),
        section(
            "Built-in templates",
            rx.text(
                "Kept as they are, so every practice's notes read the same way. Duplicate one "
                "to make a version of your own.",
                size="2",
                color=MUTED,
                padding_bottom="8px",
            ),
            table(
                ["Template", "Fields", ""],
                rx.foreach(L.built_ins, _built_in_row),
                "built-in-templates",
            ),
        ),
        spacing="5",
        width="100%",
    )


@app_page(SETTINGS_NOTE_TEMPLATES, "Note templates", on_load=L.load)
def note_templates_page() -> rx.Component:
    return rx.cond(L.loaded, rx.cond(L.denied, _denied(), _list_body()), loading())


# ---- the builder ----------------------------------------------------------------------------


def _error(text: Any, error_id: Any) -> rx.Component:
    return rx.cond(
        text != "",
        rx.text(text, id=error_id, role="alert", size="1", color=RED),
    )


def _top_error(name: str) -> Any:
    return rx.cond(B.errors.contains(name), B.errors[name], "")


def _invalid(text: Any) -> Any:
    return rx.cond(text != "", "true", "false")


def _label(text: str, html_for: Any, required: bool = False) -> rx.Component:
    return rx.el.label(
        rx.text(
            text,
            rx.text.span(" *", color=rx.color("red", 10)) if required else rx.fragment(),
            size="2",
            weight="medium",
        ),
        html_for=html_for,
    )


def _icon_button(icon: str, label: Any, on_click: Any, disabled: Any = False) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=15),
        size="1",
        variant="ghost",
        color_scheme="gray",
        aria_label=label,
        title=label,
        on_click=on_click,
        disabled=disabled,
    )


def _checkbox(label: str, control_id: Any, checked: Any, on_change: Any) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.el.input(
                type="checkbox",
                id=control_id,
                default_checked=checked,
                class_name="pr-checkbox",
                on_change=on_change,
            ),
            rx.text(label, size="2"),
            spacing="2",
            align="center",
        ),
        html_for=control_id,
    )


def _template_card() -> rx.Component:
    title_error = _top_error("title")
    kind_error = _top_error("kind")
    return rx.box(
        rx.grid(
            rx.vstack(
                _label("Title", "template-title", required=True),
                rx.input(
                    id="template-title",
                    default_value=B.title,
                    placeholder="Couples progress note",
                    max_length=120,
                    aria_invalid=_invalid(title_error),
                    aria_describedby="template-title-error",
                    on_blur=B.set_title,
                    width="100%",
                ),
                rx.text("How clinicians find it when they begin a note.", size="1", color=MUTED),
                _error(title_error, "template-title-error"),
                spacing="1",
                width="100%",
            ),
            rx.vstack(
                _label("Kind", "template-kind", required=True),
                rx.el.select(
                    *[rx.el.option(label, value=value) for value, label in KIND_CHOICES],
                    id="template-kind",
                    default_value=B.kind,
                    aria_invalid=_invalid(kind_error),
                    aria_describedby="template-kind-error",
                    class_name="pr-select",
                    on_change=B.set_kind,
                ),
                rx.text(
                    "Consultation templates are offered for consultation cases only.",
                    size="1",
                    color=MUTED,
                ),
                _error(kind_error, "template-kind-error"),
                spacing="1",
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", sm="2"),  # type: ignore[arg-type]
            spacing="4",
            width="100%",
        ),
        style=CARD,
    )


def _field_flags(f: Any, i: Any, j: Any) -> rx.Component:
    return rx.hstack(
        rx.cond(
            f.type != "checkbox",
            _checkbox(
                "Required to sign",
                f.uid + "-required",
                f.required,
                lambda checked: B.set_field_flag(i, j, "required", checked),
            ),
            rx.text("A checkbox is always answered: unchecked reads “No”.", size="1", color=MUTED),
        ),
        rx.cond(
            f.type == "text",
            _checkbox(
                "Several lines",
                f.uid + "-multiline",
                f.multiline,
                lambda checked: B.set_field_flag(i, j, "multiline", checked),
            ),
        ),
        rx.cond(
            f.type == "date",
            _checkbox(
                "No future dates",
                f.uid + "-not-in-future",
                f.not_in_future,
                lambda checked: B.set_field_flag(i, j, "not_in_future", checked),
            ),
        ),
        spacing="5",
        wrap="wrap",
        align="center",
    )


def _field_card(f: Any, j: Any, i: Any, count: Any) -> rx.Component:
    number = (j + 1).to_string()
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.text("Field " + number, size="1", weight="medium", color=MUTED),
                rx.spacer(),
                _icon_button("arrow-up", "Move field up", B.move_field(i, j, -1), j == 0),
                _icon_button(
                    "arrow-down", "Move field down", B.move_field(i, j, 1), j == count - 1
                ),
                _icon_button("trash-2", "Remove field", B.remove_field(i, j)),
                width="100%",
                align="center",
                spacing="3",
            ),
            rx.grid(
                rx.vstack(
                    _label("Label", f.uid + "-label", required=True),
                    rx.input(
                        id=f.uid + "-label",
                        default_value=f.label,
                        max_length=200,
                        aria_invalid=_invalid(f.label_error),
                        aria_describedby=f.uid + "-label-error",
                        on_blur=lambda value: B.set_field_text(i, j, "label", value),
                        width="100%",
                    ),
                    _error(f.label_error, f.uid + "-label-error"),
                    spacing="1",
                    width="100%",
                ),
                rx.vstack(
                    _label("Type", f.uid + "-type"),
                    rx.el.select(
                        *[rx.el.option(label, value=value) for value, label in TYPE_CHOICES],
                        id=f.uid + "-type",
                        default_value=f.type,
                        aria_invalid=_invalid(f.type_error),
                        aria_describedby=f.uid + "-type-error",
                        class_name="pr-select",
                        on_change=lambda value: B.set_field_type(i, j, value),
                    ),
                    _error(f.type_error, f.uid + "-type-error"),
                    spacing="1",
                    width="100%",
                ),
                spacing="3",
                width="100%",
                grid_template_columns=rx.breakpoints(
                    initial="minmax(0, 1fr)", sm="minmax(0, 3fr) minmax(0, 2fr)"
                ),
            ),
            rx.cond(
                f.type == "choice",
                rx.vstack(
                    _label("Options", f.uid + "-options", required=True),
                    rx.text_area(
                        id=f.uid + "-options",
                        default_value=f.options,
                        rows="4",
                        resize="vertical",
                        placeholder="One option per line",
                        aria_invalid=_invalid(f.options_error),
                        aria_describedby=f.uid + "-options-error",
                        on_blur=lambda value: B.set_field_text(i, j, "options", value),
                        width="100%",
                    ),
                    rx.text("One per line, at least two.", size="1", color=MUTED),
                    _error(f.options_error, f.uid + "-options-error"),
                    spacing="1",
                    width="100%",
                ),
            ),
            rx.vstack(
                _label("Help", f.uid + "-help"),
                rx.input(
                    id=f.uid + "-help",
                    default_value=f.help,
                    max_length=1000,
                    placeholder="What to write here (optional)",
                    aria_invalid=_invalid(f.help_error),
                    aria_describedby=f.uid + "-help-error",
                    on_blur=lambda value: B.set_field_text(i, j, "help", value),
                    width="100%",
                ),
                _error(f.help_error, f.uid + "-help-error"),
                spacing="1",
                width="100%",
            ),
            _field_flags(f, i, j),
            _error(f.required_error, f.uid + "-required-error"),
            _error(f.error, f.uid + "-error"),
            spacing="3",
            width="100%",
        ),
        key=f.uid,
        class_name="pr-tb-field",
        aria_label="Field " + number,
        role="group",
        style={
            "border": f"1px solid {rx.color('gray', 5)}",
            "border_radius": "8px",
            "padding": "12px 14px",
            "background": rx.color("gray", 2),
            "width": "100%",
        },
    )


def _section_card(s: Any, i: Any) -> rx.Component:
    number = (i + 1).to_string()
    count = B.sections.length()
    return rx.el.section(
        rx.vstack(
            rx.hstack(
                rx.heading("Section " + number, size="3", weight="medium", as_="h2"),
                rx.spacer(),
                _icon_button("arrow-up", "Move section up", B.move_section(i, -1), i == 0),
                _icon_button(
                    "arrow-down", "Move section down", B.move_section(i, 1), i == count - 1
                ),
                _icon_button("trash-2", "Remove section", B.remove_section(i)),
                width="100%",
                align="center",
                spacing="3",
            ),
            rx.vstack(
                _label("Section title", s.uid + "-title", required=True),
                rx.input(
                    id=s.uid + "-title",
                    default_value=s.title,
                    max_length=120,
                    placeholder="Session",
                    aria_invalid=_invalid(s.title_error),
                    aria_describedby=s.uid + "-title-error",
                    on_blur=lambda value: B.set_section_title(i, value),
                    width="100%",
                ),
                _error(s.title_error, s.uid + "-title-error"),
                spacing="1",
                width="100%",
            ),
            rx.foreach(
                s.fields,
                lambda f, j: _field_card(f, j, i, s.fields.length()),
            ),
            _error(s.fields_error, s.uid + "-fields-error"),
            rx.button(
                rx.icon("plus", size=14),
                "Add field",
                size="2",
                variant="soft",
                on_click=B.add_field_to(i),
                aria_label="Add a field to section " + number,
            ),
            spacing="3",
            width="100%",
            align="start",
        ),
        key=s.uid,
        aria_label="Section " + number,
        class_name="pr-tb-section",
        style=CARD,
    )


# -- the preview: the note form as a clinician will see it (controls inert) --------------------


def _preview_control(f: Any) -> rx.Component:
    inert = {"disabled": True, "tab_index": -1, "width": "100%"}
    return rx.match(
        f.type,
        (
            "choice",
            rx.el.select(
                rx.el.option("Choose…", value=""),
                rx.foreach(f.option_list, lambda o: rx.el.option(o, value=o)),
                class_name="pr-select",
                disabled=True,
                tab_index=-1,
            ),
        ),
        (
            "scale",
            rx.el.select(
                rx.el.option("Not rated", value=""),
                class_name="pr-select",
                disabled=True,
                tab_index=-1,
                style={"max_width": "160px"},
            ),
        ),
        ("date", rx.box(rx.input(type="date", **inert), max_width="180px")),
        rx.cond(f.multiline, rx.text_area(rows="2", **inert), rx.input(**inert)),
    )


def _preview_label(f: Any) -> Any:
    return rx.cond(f.label != "", f.label, "Untitled field")


def _preview_field(f: Any) -> rx.Component:
    help_text = rx.cond(f.help != "", rx.text(f.help, size="1", color=MUTED))
    return rx.cond(
        f.type == "checkbox",
        rx.vstack(
            rx.hstack(
                rx.el.input(type="checkbox", disabled=True, tab_index=-1, class_name="pr-checkbox"),
                rx.text(_preview_label(f), size="2", weight="medium"),
                spacing="2",
                align="center",
            ),
            help_text,
            spacing="1",
            width="100%",
        ),
        rx.vstack(
            rx.text(
                _preview_label(f),
                rx.cond(f.required, rx.text.span(" *", color=rx.color("red", 10))),
                size="2",
                weight="medium",
            ),
            help_text,
            _preview_control(f),
            spacing="1",
            width="100%",
        ),
    )


def _preview() -> rx.Component:
    kind_label = rx.match(B.kind, *KIND_CHOICES, "")
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.icon("eye", size=15, color=MUTED),
                rx.text("Preview", size="2", weight="medium", color=MUTED),
                spacing="2",
                align="center",
            ),
            rx.vstack(
                rx.heading(
                    rx.cond(B.title != "", B.title, "Untitled template"),
                    size="4",
                    weight="medium",
                    as_="h2",
                ),
                rx.text(kind_label, size="1", color=MUTED),
                spacing="0",
            ),
            rx.foreach(
                B.sections,
                lambda s: rx.vstack(
                    rx.separator(size="4"),
                    rx.heading(
                        rx.cond(s.title != "", s.title, "Untitled section"),
                        size="3",
                        weight="medium",
                        as_="h3",
                    ),
                    rx.foreach(s.fields, _preview_field),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.text("* required to sign", size="1", color=MUTED),
            spacing="4",
            width="100%",
        ),
        id="template-preview",
        aria_label="Preview of the note form",
        role="region",
        style={
            "border": f"1px dashed {rx.color('gray', 7)}",
            "border_radius": "10px",
            "padding": "16px 20px",
            "background": rx.color("gray", 1),
            "position": "sticky",
            "top": "16px",
            "max_height": "calc(100vh - 32px)",
            "overflow_y": "auto",
        },
    )


def _save_button(button_id: str) -> rx.Component:
    return rx.button(
        rx.icon("save", size=16),
        "Save template",
        on_click=B.save,
        loading=B.saving,
        id=button_id,
    )


def _editor_body() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(
                rx.icon("arrow-left", size=14), "Note templates", spacing="1", align="center"
            ),
            href=SETTINGS_NOTE_TEMPLATES,
            size="2",
            color_scheme="gray",
        ),
        page_header(B.heading, B.subtitle, _save_button("save-template")),
        rx.cond(
            B.archived,
            rx.callout(
                "This template is archived: new notes do not offer it until it is restored.",
                icon="archive",
                color_scheme="gray",
                width="100%",
            ),
        ),
        rx.cond(
            B.summary != "",
            rx.callout(
                B.summary,
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                id="template-error-summary",
                width="100%",
            ),
        ),
        rx.grid(
            rx.vstack(
                rx.box(
                    rx.vstack(
                        _template_card(),
                        rx.foreach(B.sections, _section_card),
                        spacing="4",
                        width="100%",
                    ),
                    key=B.rev,
                    width="100%",
                ),
                _error(_top_error("sections"), "template-sections-error"),
                rx.hstack(
                    rx.button(
                        rx.icon("plus", size=14),
                        "Add section",
                        variant="soft",
                        color_scheme="gray",
                        on_click=B.add_section,
                    ),
                    rx.spacer(),
                    rx.link("Cancel", href=SETTINGS_NOTE_TEMPLATES, size="2", color_scheme="gray"),
                    _save_button("save-template-bottom"),
                    width="100%",
                    align="center",
                    spacing="4",
                ),
                spacing="4",
                width="100%",
            ),
            _preview(),
            spacing="5",
            width="100%",
            align="start",
            # The preview beside the builder where there is room, under it where there is not.
            grid_template_columns=rx.breakpoints(
                initial="minmax(0, 1fr)", lg="minmax(0, 3fr) minmax(0, 2fr)"
            ),
        ),
        spacing="4",
        width="100%",
    )


@app_page(EDITOR_PAGE, "Note template", on_load=B.load)
def note_template_editor_page() -> rx.Component:
    return rx.cond(
        B.loaded,
        rx.cond(
            B.denied,
            _denied(),
            rx.cond(
                B.not_found,
                not_found_panel(
                    "note template", ("Back to note templates", SETTINGS_NOTE_TEMPLATES)
                ),
                _editor_body(),
            ),
        ),
        loading(),
    )
