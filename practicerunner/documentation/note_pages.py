"""The clinician's Notes screens: /notes (what to write, what was written) and /notes/<id>
(one note: written and saved field by field, signed, then read-only with its addenda; for
the supervisor it is routed to, co-signed or returned with comments)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing.staff_components import empty_note, forbidden_panel, table
from practicerunner.documentation.note_state import (
    CONSULTATION_TEMPLATE,
    PROGRESS_CHOICES,
    NoteEditorState,
    NotesState,
)
from practicerunner.ui.components import (
    error_summary,
    loading,
    not_found_panel,
    page_header,
    save_state_text,
    section,
    stale_callout,
)
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import NOTES, REVIEWS

# The route argument is note_id; the state keeps the id as `current`, so nothing shadows it.
NOTE_PAGE = NOTES + "/[note_id]"
# Typed as Any like the other pages: state vars are Vars at compile time.
L: Any = NotesState
E: Any = NoteEditorState

MUTED = rx.color("gray", 11)
READABLE = "760px"  # a line length that reads comfortably in long clinical text
CARD = {
    "border": f"1px solid {rx.color('gray', 5)}",
    "border_radius": "10px",
    "padding": "20px 24px",
    "background": rx.color("gray", 1),
    "width": "100%",
}
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
}

_STATUS_COLOURS = (
    ("draft", "gray"),
    ("returned", "amber"),
    ("awaiting_review", "blue"),
    ("complete", "green"),
)


def status_badge(status: Any, label: Any) -> rx.Component:
    return rx.match(
        status,
        *[
            (value, rx.badge(label, color_scheme=colour, variant="soft"))  # type: ignore[arg-type]
            for value, colour in _STATUS_COLOURS
        ],
        rx.badge(label, color_scheme="gray", variant="soft"),
    )


# ---- /notes -------------------------------------------------------------------------------


def _tile(tile: Any) -> rx.Component:
    colour = rx.match(
        tile["tone"],
        ("amber", rx.color("amber", 11)),
        ("red", rx.color("red", 11)),
        rx.color("gray", 12),
    )
    return rx.box(
        rx.vstack(
            rx.text(tile["label"], size="2", color_scheme="gray", weight="medium"),
            rx.text(tile["value"], size="6", weight="medium", color=colour),
            rx.text(tile["hint"], size="1", color_scheme="gray"),
            spacing="1",
        ),
        style={
            "border": f"1px solid {rx.color('gray', 5)}",
            "border_radius": "10px",
            "padding": "16px 20px",
            "background": rx.color("gray", 1),
        },
    )


def _template_select(row: Any, choices: Any, default: str) -> rx.Component:
    return rx.el.select(
        rx.foreach(choices, lambda c: rx.el.option(c["label"], value=c["value"])),
        name="template",
        default_value=default,
        aria_label="Template for the session on " + row["day"],
        class_name="pr-select",
        # As wide as the longest name needs, within reason: DAP alone stays narrow.
        style={"width": "auto", "min_width": "96px", "max_width": "260px"},
    )


def _template_choice(row: Any) -> rx.Component:
    """DAP by default, SOAP, BIRP or a practice template; a consultation case takes the
    consultation note (or a practice consultation template, when there is one)."""
    return rx.cond(
        row["consultation"] != "",
        rx.cond(
            L.consultation_choices.length() > 1,
            _template_select(row, L.consultation_choices, CONSULTATION_TEMPLATE),
            rx.fragment(
                rx.el.input(type="hidden", name="template", value=CONSULTATION_TEMPLATE),
                rx.text("Consultation note", size="2", color_scheme="gray", white_space="nowrap"),
            ),
        ),
        _template_select(row, L.progress_choices, PROGRESS_CHOICES[0][0]),
    )


def _write_action(row: Any) -> rx.Component:
    return rx.cond(
        row["draft_href"] != "",
        rx.button(
            rx.link(
                rx.icon("pencil", size=14),
                "Continue draft",
                href=row["draft_href"],
                underline="none",
            ),
            as_child=True,
            size="2",
            variant="soft",
        ),
        rx.form(
            rx.hstack(
                rx.el.input(type="hidden", name="appointment_id", value=row["id"]),
                _template_choice(row),
                rx.button(
                    "Write note",
                    type="submit",
                    size="2",
                    loading=L.starting == row["id"],
                    aria_label="Write the note of the session on " + row["day"],
                ),
                spacing="2",
                align="center",
                justify="end",
            ),
            on_submit=L.write_note,
            reset_on_submit=False,
        ),
    )


def _to_write_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.vstack(
                rx.hstack(
                    rx.text(row["day"], size="2", weight="medium", white_space="nowrap"),
                    rx.cond(
                        row["overdue"] != "",
                        rx.badge("Overdue", color_scheme="red", variant="soft", size="1"),
                    ),
                    spacing="2",
                    align="center",
                ),
                rx.text(row["time"], size="1", color_scheme="gray"),
                spacing="0",
            )
        ),
        rx.el.td(rx.link(row["case"], href=row["case_href"], size="2")),
        rx.el.td(
            rx.vstack(
                _write_action(row),
                rx.cond(
                    L.write_errors.contains(row["id"]),
                    rx.text(
                        L.write_errors[row["id"]],
                        role="alert",
                        size="1",
                        color=rx.color("red", 11),
                    ),
                ),
                spacing="1",
                align="end",
            ),
            style={"text_align": "right"},
        ),
        class_name="pr-to-write-row",
    )


def _my_note_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.link(row["day"], href=row["href"], size="2", weight="medium", white_space="nowrap")
        ),
        rx.el.td(rx.text(row["case"], size="2")),
        rx.el.td(rx.text(row["template"], size="2", color_scheme="gray")),
        rx.el.td(status_badge(row["status"], row["status_label"])),
    )


def _notes_body() -> rx.Component:
    return rx.vstack(
        page_header("Notes", "Sessions to write up, and the notes you have written."),
        rx.grid(
            rx.foreach(L.tiles, _tile),
            spacing="4",
            width="100%",
            id="notes-tiles",
            # Four or five tiles (reviews only for supervisors): share the row evenly.
            style={"grid_template_columns": "repeat(auto-fit, minmax(170px, 1fr))"},
        ),
        section(
            "To write",
            rx.cond(
                L.to_write.length() > 0,
                table(["Session", "Case", ""], rx.foreach(L.to_write, _to_write_row), "to-write"),
                empty_note("Every attended session has a signed note."),
            ),
        ),
        section(
            "My notes",
            rx.cond(
                L.mine.length() > 0,
                table(
                    ["Session", "Case", "Template", "Status"],
                    rx.foreach(L.mine, _my_note_row),
                    "my-notes",
                ),
                empty_note("Notes you write will be listed here, newest first."),
            ),
        ),
        spacing="5",
        width="100%",
    )


@app_page(NOTES, "Notes", on_load=L.load)
def notes_page() -> rx.Component:
    return rx.cond(
        L.loaded,
        rx.cond(
            L.forbidden,
            forbidden_panel("Only clinicians write notes"),
            _notes_body(),
        ),
        loading(),
    )


# ---- /notes/<id> --------------------------------------------------------------------------


def _fact(label: str, value: Any) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", weight="medium"),
        rx.text(value, size="2"),
        spacing="1",
    )


def _session_facts() -> rx.Component:
    return rx.box(
        rx.grid(
            _fact("Date", E.facts["date"]),
            _fact("Time", E.facts["time"]),
            _fact("Attended", E.facts["present"]),
            _fact("Service", E.facts["service"]),
            _fact("Place", E.facts["place"]),
            rx.cond(
                E.facts["diagnoses"] != "",
                rx.box(_fact("Diagnoses", E.facts["diagnoses"]), grid_column="1 / -1"),
            ),
            columns=rx.breakpoints(initial="2", md="5"),  # type: ignore[arg-type]
            spacing="4",
            width="100%",
        ),
        id="session-facts",
        aria_label="Session",
        width="100%",
        style={
            "border": f"1px solid {rx.color('gray', 5)}",
            "border_radius": "10px",
            "padding": "14px 20px",
            "background": rx.color("gray", 2),
        },
    )


def _invalid(key: Any) -> Any:
    return rx.cond(E.errors.contains(key), "true", "false")


def _text_control(f: Any) -> rx.Component:
    common = {
        "id": f.key,
        "name": f.key,
        "default_value": f.value,
        "aria_invalid": _invalid(f.key),
        "aria_describedby": f.key + "-error",
        "width": "100%",
        "on_blur": lambda value: E.save_field(f.key, value),
    }
    return rx.cond(
        f.multiline,
        rx.text_area(rows="5", resize="vertical", **common),
        rx.input(**common),
    )


def _select(f: Any, empty: str, options: Any, on: str = "change") -> rx.Component:
    return rx.box(
        rx.el.select(
            rx.el.option(empty, value=""),
            options,
            id=f.key,
            name=f.key,
            default_value=f.value,
            aria_invalid=_invalid(f.key),
            aria_describedby=f.key + "-error",
            class_name="pr-select",
            on_change=lambda value: E.save_field(f.key, value),
        ),
        max_width="360px",
        width="100%",
    )


_SCALE = [rx.el.option(str(n), value=str(n)) for n in range(0, 11)]


def _control(f: Any) -> rx.Component:
    return rx.match(
        f.type,
        (
            "choice",
            _select(f, "Choose…", rx.foreach(f.options, lambda o: rx.el.option(o, value=o))),
        ),
        ("scale", _select(f, "Not rated", rx.fragment(*_SCALE))),
        (
            "date",
            rx.box(
                rx.input(
                    type="date",
                    id=f.key,
                    name=f.key,
                    default_value=f.value,
                    aria_invalid=_invalid(f.key),
                    aria_describedby=f.key + "-error",
                    on_blur=lambda value: E.save_field(f.key, value),
                ),
                max_width="200px",
            ),
        ),
        _text_control(f),
    )


def _field_error(f: Any) -> rx.Component:
    return rx.cond(
        E.errors.contains(f.key),
        rx.text(
            E.errors[f.key],
            id=f.key + "-error",
            role="alert",
            size="1",
            color=rx.color("red", 11),
        ),
    )


def _help(f: Any) -> rx.Component:
    return rx.cond(f.help != "", rx.text(f.help, size="1", color=MUTED))


def _checkbox_field(f: Any) -> rx.Component:
    return rx.vstack(
        rx.el.label(
            rx.hstack(
                rx.el.input(
                    type="checkbox",
                    id=f.key,
                    name=f.key,
                    default_checked=f.value == "yes",
                    class_name="pr-checkbox",
                    on_change=lambda checked: E.save_field(f.key, checked),
                ),
                rx.text(f.label, size="2", weight="medium"),
                spacing="2",
                align="center",
            ),
            html_for=f.key,
        ),
        rx.box(_help(f), padding_left="24px"),
        _field_error(f),
        spacing="1",
        width="100%",
    )


def _edit_field(f: Any) -> rx.Component:
    return rx.cond(
        f.type == "checkbox",
        _checkbox_field(f),
        rx.vstack(
            rx.el.label(
                rx.text(
                    f.label,
                    rx.cond(f.required, rx.text.span(" *", color=rx.color("red", 10))),
                    size="2",
                    weight="medium",
                ),
                html_for=f.key,
                # A field named like its section is labelled by the heading on screen; the
                # label stays for screen readers.
                style=rx.cond(f.titled, VISUALLY_HIDDEN, {}),
            ),
            _help(f),
            _control(f),
            _field_error(f),
            spacing="1",
            width="100%",
        ),
    )


def _required_mark(s: Any) -> rx.Component:
    return rx.cond(s.required, rx.text.span(" *", color=rx.color("red", 10), aria_hidden="true"))


def _edit_section(s: Any) -> rx.Component:
    return rx.el.section(
        rx.heading(s.title, _required_mark(s), size="4", weight="medium", as_="h2"),
        rx.vstack(rx.foreach(s.fields, _edit_field), spacing="5", max_width=READABLE),
        aria_label=s.title,
        style={**CARD, "display": "flex", "flex_direction": "column", "gap": "12px"},
    )


def _read_field(f: Any) -> rx.Component:
    return rx.vstack(
        rx.cond(f.titled, rx.fragment(), rx.text(f.label, size="1", color=MUTED, weight="medium")),
        rx.text(f.shown, size="2", white_space="pre-wrap"),
        spacing="1",
        width="100%",
    )


def _read_section(s: Any) -> rx.Component:
    return rx.el.section(
        rx.heading(s.title, size="3", weight="medium", as_="h2"),
        rx.vstack(rx.foreach(s.fields, _read_field), spacing="3", max_width=READABLE),
        aria_label=s.title,
        class_name="pr-note-part",
        style={"display": "flex", "flex_direction": "column", "gap": "8px"},
    )


def _read_note() -> rx.Component:
    """The signed note as one document: its sections one after another."""
    return rx.box(
        rx.vstack(
            rx.foreach(
                E.sections,
                lambda s, i: rx.fragment(
                    rx.cond(i > 0, rx.separator(size="4")),
                    _read_section(s),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        id="note-text",
        style=CARD,
    )


def _save_state(text_id: str) -> rx.Component:
    """'Saving…', 'Saved 10:42' or 'Not saved'; announced from the header's copy only."""
    return save_state_text(E.save_state, text_id, announce=text_id == "save-state")


def _sign_button(button_id: str) -> rx.Component:
    return rx.button(
        rx.icon("pen-line", size=16),
        "Sign note",
        on_click=E.sign,
        loading=E.signing,
        disabled=E.stale != "",
        id=button_id,
    )


def _callouts() -> rx.Component:
    return rx.vstack(
        stale_callout(E.stale, E.reload, "stale-note"),
        error_summary(E.summary, "note-error-summary"),
        rx.cond(
            E.review_result != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("circle-check")),
                rx.hstack(
                    rx.callout.text(E.review_result, id="review-result-text"),
                    rx.spacer(),
                    rx.button(
                        rx.link("Back to reviews", href=REVIEWS, underline="none"),
                        as_child=True,
                        size="1",
                        variant="soft",
                        color_scheme="green",
                    ),
                    width="100%",
                    align="center",
                    spacing="3",
                ),
                color_scheme="green",
                role="status",
                id="review-result",
                width="100%",
            ),
        ),
        rx.cond(
            E.returned.length() > 0,
            rx.callout.root(
                rx.callout.icon(rx.icon("message-square-text")),
                rx.vstack(
                    rx.callout.text(
                        "Returned by " + E.returned["who"] + " on " + E.returned["when"] + ":",
                        weight="medium",
                    ),
                    rx.callout.text(E.returned["comment"], white_space="pre-wrap"),
                    spacing="1",
                ),
                color_scheme="amber",
                id="returned-comments",
                width="100%",
            ),
        ),
        rx.cond(
            E.review_errors.contains("note"),
            rx.callout(
                E.review_errors["note"],
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                id="review-error",
                width="100%",
            ),
        ),
        rx.cond(
            E.review_line != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("user-check")),
                rx.vstack(
                    rx.callout.text(E.review_line, weight="medium", id="review-line"),
                    rx.cond(E.review_why != "", rx.callout.text(E.review_why, size="1")),
                    spacing="1",
                ),
                color_scheme="blue",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _editor() -> rx.Component:
    return rx.vstack(
        rx.box(
            rx.vstack(rx.foreach(E.sections, _edit_section), spacing="5", width="100%"),
            key=E.rev,
            width="100%",
        ),
        rx.hstack(
            rx.text("* required to sign", size="1", color=MUTED),
            rx.spacer(),
            _save_state("save-state-bottom"),
            _sign_button("sign-note-bottom"),
            width="100%",
            align="center",
            spacing="4",
        ),
        spacing="5",
        width="100%",
    )


def _version_row(row: Any) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.cond(
                row["kind"] == "returned",
                rx.icon("corner-up-left", size=16, color=rx.color("amber", 10)),
                rx.icon("badge-check", size=16, color=rx.color("teal", 10)),
            ),
            rx.text(row["line"], size="2", weight="medium"),
            rx.text(row["when"], size="2", color_scheme="gray"),
            rx.cond(
                row["round"] != "", rx.badge(row["round"], variant="soft", color_scheme="gray")
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            row["comment"] != "",
            rx.text(row["comment"], size="2", white_space="pre-wrap", padding_left="24px"),
        ),
        spacing="1",
    )


def _addendum_row(row: Any) -> rx.Component:
    return rx.box(
        rx.text(row["text"], size="2", white_space="pre-wrap"),
        rx.text(
            "Signed by " + row["who"] + " · " + row["when"],
            size="1",
            color_scheme="gray",
            padding_top="6px",
        ),
        style={
            "border_left": f"3px solid {rx.color('teal', 6)}",
            "padding": "4px 0 4px 14px",
        },
        class_name="pr-addendum",
        width="100%",
    )


def _addendum_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(
                rx.text("Add addendum", size="2", weight="medium"),
                html_for="addendum",
            ),
            rx.text(
                "A dated, signed correction or addition. The signed note itself does not change.",
                size="1",
                color=MUTED,
            ),
            rx.text_area(
                id="addendum",
                name="addendum",
                rows="4",
                resize="vertical",
                aria_invalid=rx.cond(E.addendum_errors.contains("addendum"), "true", "false"),
                aria_describedby="addendum-error",
                width="100%",
                key=E.addendum_rev,
            ),
            rx.cond(
                E.addendum_errors.contains("addendum"),
                rx.text(
                    E.addendum_errors["addendum"],
                    id="addendum-error",
                    role="alert",
                    size="1",
                    color=rx.color("red", 11),
                ),
            ),
            rx.button("Add addendum", type="submit", loading=E.adding, variant="soft"),
            spacing="2",
            max_width=READABLE,
            width="100%",
        ),
        on_submit=E.add_addendum,
        reset_on_submit=False,
        padding_top="16px",
    )


def _review_panel() -> rx.Component:
    """The reviewer's two answers: co-sign as signed, or return with what should change."""
    has_error = E.review_errors.contains("comment")
    return rx.el.section(
        rx.heading("Your review", size="4", weight="medium", as_="h2"),
        rx.text(
            "Co-sign to approve the note as " + E.author_name + " signed it: it is then "
            "complete and locked. To ask for changes, return it with your comments instead.",
            size="2",
            color=MUTED,
        ),
        rx.box(
            rx.button(
                rx.icon("badge-check", size=16),
                "Co-sign",
                on_click=E.cosign,
                loading=E.cosigning,
                disabled=E.returning,
                id="cosign-note",
            ),
        ),
        rx.separator(size="4"),
        rx.form(
            rx.vstack(
                rx.el.label(
                    rx.text(
                        "Comments for " + E.author_name,
                        rx.text.span(" *", color=rx.color("red", 10), aria_hidden="true"),
                        size="2",
                        weight="medium",
                    ),
                    html_for="comment",
                ),
                rx.text(
                    "Required to return the note. "
                    + E.author_name
                    + " sees them at the top of the note when revising it.",
                    size="1",
                    color=MUTED,
                ),
                rx.text_area(
                    id="comment",
                    name="comment",
                    rows="4",
                    resize="vertical",
                    aria_invalid=rx.cond(has_error, "true", "false"),
                    aria_describedby="comment-error",
                    width="100%",
                ),
                rx.cond(
                    has_error,
                    rx.text(
                        E.review_errors["comment"],
                        id="comment-error",
                        role="alert",
                        size="1",
                        color=rx.color("red", 11),
                    ),
                ),
                rx.button(
                    rx.icon("corner-up-left", size=16),
                    "Return to " + E.author_name,
                    type="submit",
                    loading=E.returning,
                    disabled=E.cosigning,
                    variant="soft",
                    color_scheme="amber",
                    id="return-note",
                ),
                spacing="2",
                max_width=READABLE,
                width="100%",
            ),
            on_submit=E.return_to_author,
            reset_on_submit=False,
        ),
        aria_label="Your review",
        id="review-panel",
        style={
            **CARD,
            "border": f"1px solid {rx.color('blue', 6)}",
            "display": "flex",
            "flex_direction": "column",
            "gap": "14px",
        },
    )


def _signed() -> rx.Component:
    return rx.vstack(
        _read_note(),
        section(
            "Signatures",
            rx.cond(
                E.versions.length() > 0,
                rx.vstack(rx.foreach(E.versions, _version_row), spacing="3", id="note-versions"),
                empty_note("Not signed yet."),
            ),
        ),
        # Read, then the history of its rounds, then answer.
        rx.cond(E.can_review, _review_panel()),
        # Addenda belong to completed notes only: elsewhere the section would say nothing.
        rx.cond(
            E.status == "complete",
            section(
                "Addenda",
                rx.cond(
                    E.addenda.length() > 0,
                    rx.vstack(rx.foreach(E.addenda, _addendum_row), spacing="4", id="note-addenda"),
                    empty_note("No addenda."),
                ),
                rx.cond(E.can_add_addendum, _addendum_form()),
            ),
        ),
        spacing="5",
        width="100%",
    )


def _note_header() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), E.back_label, spacing="1", align="center"),
            href=E.back_href,
            size="2",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.vstack(
                rx.heading(E.heading, size="6", weight="medium", as_="h1"),
                rx.hstack(
                    rx.link(E.case_title, href=E.case_href, size="2"),
                    status_badge(E.status, E.status_label),
                    spacing="3",
                    align="center",
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(
                E.editable,
                rx.hstack(
                    _save_state("save-state"),
                    _sign_button("sign-note"),
                    spacing="4",
                    align="center",
                ),
            ),
            width="100%",
            align="end",
        ),
        spacing="3",
        width="100%",
    )


@app_page(NOTE_PAGE, "Note", on_load=E.load)
def note_page() -> rx.Component:
    return rx.cond(
        E.loaded,
        rx.cond(
            E.not_found,
            not_found_panel("note", ("Back to notes", NOTES)),
            rx.vstack(
                _note_header(),
                _callouts(),
                _session_facts(),
                rx.cond(E.editable, _editor(), _signed()),
                spacing="5",
                width="100%",
            ),
        ),
        loading(),
    )
