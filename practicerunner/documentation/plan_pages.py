"""A case's Treatment plan screen, /cases/<id>/plan: the signed plan in force (who signed it,
with credentials, and when), earlier versions to open, and the editor of the draft: start
and review dates, session frequency, problems with measurable goals and objectives (each with
a target date), interventions; saved as fields are left; signed with each gap named beside
its field; revised as a new version."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.documentation.plan_state import PlanState
from practicerunner.documentation.plan_views import FREQUENCY_CHOICES
from practicerunner.documentation.record_layout import case_record_header, consultation_note
from practicerunner.ui.components import (
    error_summary,
    loading,
    not_found_panel,
    save_state_text,
    section,
    stale_callout,
)
from practicerunner.ui.layout import app_page

PLAN_PAGE = "/cases/[case_id]/plan"
# Typed as Any like the other pages: state vars are Vars at compile time.
P: Any = PlanState

MUTED = rx.color("gray", 11)
READABLE = "760px"
CARD = {
    "border": f"1px solid {rx.color('gray', 5)}",
    "border_radius": "10px",
    "padding": "20px 24px",
    "background": rx.color("gray", 1),
    "width": "100%",
}
REQUIRED = rx.text.span(" *", color=rx.color("red", 10), aria_hidden="true")


# ---- reading a version ----------------------------------------------------------------------


def _fact(label: str, value: Any) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color=MUTED, weight="medium"),
        rx.text(rx.cond(value != "", value, "—"), size="2"),
        spacing="1",
    )


def _read_objective(o: Any) -> rx.Component:
    return rx.vstack(
        rx.text(o.label, size="1", color=MUTED, weight="medium"),
        rx.text(
            o.text,
            rx.cond(o.target_text != "", rx.text.span(" · by " + o.target_text, color=MUTED)),
            size="2",
            white_space="pre-wrap",
        ),
        spacing="0",
        width="100%",
    )


def _read_goal(g: Any) -> rx.Component:
    return rx.vstack(
        rx.text(g.label, size="1", color=MUTED, weight="medium"),
        rx.text(g.text, size="2", weight="medium", white_space="pre-wrap"),
        rx.text(
            "Measured by: " + g.measure,
            rx.cond(g.target_text != "", rx.text.span(" · by " + g.target_text)),
            size="2",
            color=MUTED,
        ),
        rx.cond(
            g.objectives.length() > 0,
            rx.vstack(
                rx.foreach(g.objectives, _read_objective),
                spacing="2",
                padding="6px 0 0 12px",
                width="100%",
            ),
        ),
        spacing="1",
        width="100%",
        style={"border_left": f"3px solid {rx.color('teal', 6)}", "padding_left": "14px"},
    )


def _read_problem(p: Any) -> rx.Component:
    return rx.vstack(
        rx.heading(p.label, size="3", weight="medium", as_="h3"),
        rx.text(p.text, size="2", white_space="pre-wrap"),
        rx.foreach(p.goals, _read_goal),
        spacing="3",
        width="100%",
    )


def _read_intervention(i: Any) -> rx.Component:
    return rx.text(i.text, rx.text.span(" · " + i.frequency, color=MUTED), size="2")


def plan_document(doc: Any, doc_id: str) -> rx.Component:
    """One signed version, read-only: dates and frequency, problems, interventions."""
    return rx.vstack(
        rx.grid(
            _fact("Start", doc.start_text),
            _fact("Review by", doc.review_text),
            _fact("Sessions", doc.frequency_text),
            columns="3",
            spacing="4",
            width="100%",
            max_width=READABLE,
        ),
        rx.separator(size="4"),
        rx.foreach(doc.problems, _read_problem),
        rx.separator(size="4"),
        rx.heading("Interventions", size="3", weight="medium", as_="h3"),
        rx.vstack(rx.foreach(doc.interventions, _read_intervention), spacing="2"),
        spacing="4",
        width="100%",
        max_width=READABLE,
        id=doc_id,
    )


def _signature(doc: Any) -> rx.Component:
    return rx.hstack(
        rx.icon("badge-check", size=16, color=rx.color("teal", 10)),
        rx.text("Signed by " + doc.signed_by, size="2", weight="medium"),
        rx.text(doc.signed_when, size="2", color_scheme="gray"),
        spacing="2",
        align="center",
        wrap="wrap",
    )


def _current_plan() -> rx.Component:
    return rx.el.section(
        rx.hstack(
            rx.heading(
                "Version " + P.current.version.to_string(), size="4", weight="medium", as_="h2"
            ),
            rx.badge("In force", color_scheme="green", variant="soft"),
            spacing="3",
            align="center",
        ),
        _signature(P.current),
        rx.separator(size="4"),
        plan_document(P.current, "current-plan"),
        aria_label="Treatment plan in force",
        style={**CARD, "display": "flex", "flex_direction": "column", "gap": "12px"},
    )


def _version_details(doc: Any, badge: str = "") -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.text.span("Version " + doc.version.to_string(), weight="medium"),
            rx.text.span(" · signed by " + doc.signed_by + " on " + doc.signed_when, color=MUTED),
            rx.badge(badge, color_scheme="green", variant="soft", margin_left="8px")
            if badge
            else rx.fragment(),
            style={"cursor": "pointer", "padding": "6px 0", "font_size": "var(--font-size-2)"},
        ),
        rx.box(plan_document(doc, "version-" + doc.version.to_string()), padding="12px 0 8px 18px"),
        class_name="pr-plan-version",
    )


def _versions(include_current: bool) -> rx.Component:
    """Signed versions to open: while a revision is drafted, the one in force too."""
    if include_current:
        listed = rx.vstack(
            rx.cond(P.has_current, _version_details(P.current, "In force")),
            rx.foreach(P.older, lambda doc: _version_details(doc)),
            spacing="1",
            width="100%",
            id="plan-versions",
        )
        return rx.cond(P.has_current, section("Signed versions", listed))
    listed = rx.vstack(
        rx.foreach(P.older, lambda doc: _version_details(doc)),
        spacing="1",
        width="100%",
        id="plan-versions",
    )
    return rx.cond(P.older.length() > 0, section("Earlier versions", listed))


# ---- the editor -----------------------------------------------------------------------------


def _invalid(path: Any) -> Any:
    return rx.cond(P.errors.contains(path), "true", "false")


def _error(path: Any, element_id: Any) -> rx.Component:
    return rx.cond(
        P.errors.contains(path),
        rx.text(P.errors[path], id=element_id, role="alert", size="1", color=rx.color("red", 11)),
    )


def _label(text: Any, element_id: Any, required: bool = True) -> rx.Component:
    return rx.el.label(
        rx.text(text, REQUIRED if required else rx.fragment(), size="2", weight="medium"),
        html_for=element_id,
    )


def _text_input(
    path: Any, element_id: Any, value: Any, *, multiline: bool = False, **props: Any
) -> rx.Component:
    common = {
        "id": element_id,
        "default_value": value,
        "aria_invalid": _invalid(path),
        "aria_describedby": element_id + "-error",
        "width": "100%",
        "on_blur": lambda v: P.save_field(path, v),
        **props,
    }
    if multiline:
        return rx.text_area(rows="2", resize="vertical", **common)
    return rx.input(**common)


def _date_input(path: Any, element_id: Any, value: Any, **props: Any) -> rx.Component:
    return rx.input(
        type="date",
        id=element_id,
        default_value=value,
        aria_invalid=_invalid(path),
        aria_describedby=element_id + "-error",
        on_blur=lambda v: P.save_field(path, v),
        **props,
    )


def _field(
    label: Any, path: Any, element_id: Any, control: rx.Component, hint: str = ""
) -> rx.Component:
    return rx.vstack(
        _label(label, element_id),
        rx.text(hint, size="1", color=MUTED) if hint else rx.fragment(),
        control,
        _error(path, element_id + "-error"),
        spacing="1",
        width="100%",
    )


def _remove(label: Any, path: Any) -> rx.Component:
    return rx.icon_button(
        rx.icon("x", size=14),
        size="1",
        variant="ghost",
        color_scheme="gray",
        type="button",
        aria_label="Remove " + label,
        title="Remove " + label,
        on_click=P.remove(path),
    )


def _add(label: str, list_path: Any, button_label: Any = None) -> rx.Component:
    return rx.box(
        rx.button(
            rx.icon("plus", size=14),
            label,
            size="1",
            variant="soft",
            type="button",
            on_click=P.add(list_path),
            aria_label=button_label if button_label is not None else label,
        ),
    )


def _edit_objective(o: Any) -> rx.Component:
    text_id, date_id = o.key + "-text", o.key + "-target_on"
    return rx.vstack(
        rx.hstack(
            rx.box(
                _field(
                    o.label,
                    o.path + ".text",
                    text_id,
                    _text_input(o.path + ".text", text_id, o.text),
                ),
                flex="1",
            ),
            rx.box(
                _field(
                    "Target date",
                    o.path + ".target_on",
                    date_id,
                    _date_input(o.path + ".target_on", date_id, o.target_on),
                ),
                width="170px",
            ),
            rx.box(_remove(o.label, o.path), padding_top="26px"),
            spacing="3",
            align="start",
            width="100%",
        ),
        width="100%",
    )


def _edit_goal(g: Any) -> rx.Component:
    text_id, measure_id, date_id = g.key + "-text", g.key + "-measure", g.key + "-target_on"
    return rx.vstack(
        rx.hstack(
            rx.text(g.label, size="2", weight="bold"),
            rx.spacer(),
            _remove(g.label, g.path),
            width="100%",
            align="center",
        ),
        _field(
            "What the client works toward",
            g.path + ".text",
            text_id,
            _text_input(g.path + ".text", text_id, g.text, multiline=True),
        ),
        rx.hstack(
            rx.box(
                _field(
                    "How progress is measured",
                    g.path + ".measure",
                    measure_id,
                    _text_input(
                        g.path + ".measure",
                        measure_id,
                        g.measure,
                        placeholder="For example: PHQ-9 below 10 at two sessions in a row",
                    ),
                ),
                flex="1",
            ),
            rx.box(
                _field(
                    "Target date",
                    g.path + ".target_on",
                    date_id,
                    _date_input(g.path + ".target_on", date_id, g.target_on),
                ),
                width="170px",
            ),
            rx.box(width="24px"),
            spacing="3",
            align="start",
            width="100%",
        ),
        rx.text("Objectives", size="2", weight="medium", padding_top="4px"),
        rx.foreach(g.objectives, _edit_objective),
        _error(g.path + ".objectives", g.key + "-objectives-error"),
        _add("Add objective", g.path + ".objectives", "Add objective to " + g.label),
        spacing="3",
        width="100%",
        style={"border_left": f"3px solid {rx.color('teal', 6)}", "padding_left": "16px"},
    )


def _edit_problem(p: Any) -> rx.Component:
    text_id = p.key + "-text"
    return rx.el.section(
        rx.hstack(
            rx.heading(p.label, size="4", weight="medium", as_="h3"),
            rx.spacer(),
            _remove(p.label, p.path),
            width="100%",
            align="center",
        ),
        _field(
            "The problem",
            p.path + ".text",
            text_id,
            _text_input(p.path + ".text", text_id, p.text, multiline=True),
        ),
        rx.foreach(p.goals, _edit_goal),
        _error(p.path + ".goals", p.key + "-goals-error"),
        _add("Add goal", p.path + ".goals", "Add goal to " + p.label),
        aria_label=p.label,
        class_name="pr-plan-problem",
        style={**CARD, "display": "flex", "flex_direction": "column", "gap": "14px"},
    )


def _edit_intervention(i: Any) -> rx.Component:
    text_id, frequency_id = i.key + "-text", i.key + "-frequency"
    return rx.hstack(
        rx.box(
            _field(
                i.label,
                i.path + ".text",
                text_id,
                _text_input(
                    i.path + ".text", text_id, i.text, placeholder="For example: CBT for anxiety"
                ),
            ),
            flex="2",
        ),
        rx.box(
            _field(
                "How often",
                i.path + ".frequency",
                frequency_id,
                _text_input(
                    i.path + ".frequency",
                    frequency_id,
                    i.frequency,
                    placeholder="For example: weekly session",
                ),
            ),
            flex="1",
        ),
        rx.box(_remove(i.label, i.path), padding_top="26px"),
        spacing="3",
        align="start",
        width="100%",
    )


def _frequency() -> rx.Component:
    return rx.vstack(
        _label("Sessions", "session_frequency"),
        rx.el.select(
            rx.el.option("Choose…", value=""),
            *[rx.el.option(label, value=value) for value, label in FREQUENCY_CHOICES],
            id="session_frequency",
            default_value=P.draft.frequency,
            aria_invalid=_invalid("session_frequency"),
            aria_describedby="session_frequency-error",
            class_name="pr-select",
            on_change=lambda v: P.save_field("session_frequency", v),
        ),
        _error("session_frequency", "session_frequency-error"),
        rx.cond(
            P.frequency == "other",
            rx.vstack(
                _label("How often", "session_frequency_other"),
                _text_input(
                    "session_frequency_other",
                    "session_frequency_other",
                    P.draft.frequency_other,
                ),
                _error("session_frequency_other", "session_frequency_other-error"),
                spacing="1",
                width="100%",
            ),
        ),
        spacing="1",
        width="100%",
    )


def _editor() -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.el.section(
                rx.heading("Dates and sessions", size="4", weight="medium", as_="h2"),
                rx.grid(
                    _field(
                        "Start date",
                        "start_on",
                        "start_on",
                        _date_input("start_on", "start_on", P.draft.start_on),
                    ),
                    _field(
                        "Review date",
                        "review_on",
                        "review_on",
                        _date_input("review_on", "review_on", P.draft.review_on),
                    ),
                    _frequency(),
                    columns=rx.breakpoints(initial="1", md="3"),  # type: ignore[arg-type]
                    spacing="5",
                    width="100%",
                ),
                aria_label="Dates and sessions",
                style={**CARD, "display": "flex", "flex_direction": "column", "gap": "14px"},
            ),
            rx.heading("Problems, goals and objectives", size="4", weight="medium", as_="h2"),
            rx.foreach(P.draft.problems, _edit_problem),
            _error("problems", "problems-error"),
            _add("Add problem", "problems"),
            rx.el.section(
                rx.heading("Interventions", size="4", weight="medium", as_="h2"),
                rx.text("What you will do in treatment, and how often.", size="1", color=MUTED),
                rx.foreach(P.draft.interventions, _edit_intervention),
                _error("interventions", "interventions-error"),
                _add("Add intervention", "interventions"),
                aria_label="Interventions",
                style={**CARD, "display": "flex", "flex_direction": "column", "gap": "14px"},
            ),
            rx.hstack(
                rx.text("* required to sign", size="1", color=MUTED),
                rx.spacer(),
                _save_state("plan-save-state-bottom"),
                _sign_button("sign-plan-bottom"),
                width="100%",
                align="center",
                spacing="4",
            ),
            spacing="5",
            width="100%",
        ),
        key=P.rev,
        width="100%",
        id="plan-editor",
    )


# ---- the page -------------------------------------------------------------------------------


def _save_state(text_id: str) -> rx.Component:
    return save_state_text(P.save_state, text_id, announce=text_id == "plan-save-state")


def _sign_button(button_id: str) -> rx.Component:
    return rx.button(
        rx.icon("pen-line", size=16),
        "Sign plan",
        on_click=P.sign,
        loading=P.signing,
        disabled=P.stale != "",
        id=button_id,
    )


def _discard_button() -> rx.Component:
    """Throw the draft away, after asking: a revision begun by mistake need not linger."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Discard draft", variant="soft", color_scheme="gray", id="discard-plan"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Discard this draft?"),
            rx.alert_dialog.description(
                rx.cond(
                    P.has_current,
                    "What you wrote in this revision is thrown away. Version "
                    + P.current.version.to_string()
                    + " stays in force as signed.",
                    "What you wrote in this draft is thrown away. The case has no plan until "
                    "one is signed.",
                )
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Keep the draft", variant="soft", color_scheme="gray")
                ),
                rx.alert_dialog.action(
                    rx.button(
                        "Discard draft",
                        color_scheme="red",
                        on_click=P.discard,
                        id="confirm-discard",
                    ),
                ),
                spacing="3",
                justify="end",
                padding_top="16px",
            ),
        ),
    )


def _actions() -> rx.Component:
    return rx.cond(
        P.can_edit & ~P.consultation,
        rx.cond(
            P.has_draft,
            rx.hstack(
                _save_state("plan-save-state"),
                _discard_button(),
                _sign_button("sign-plan"),
                spacing="4",
                align="center",
            ),
            rx.cond(
                P.has_current,
                rx.button(
                    rx.icon("pencil", size=16),
                    "Revise plan",
                    on_click=P.start,
                    loading=P.starting,
                    variant="soft",
                    id="revise-plan",
                ),
            ),
        ),
    )


def _callouts() -> rx.Component:
    return rx.vstack(
        stale_callout(P.stale, P.reload, "stale-plan"),
        error_summary(P.summary, "plan-error-summary"),
        rx.cond(
            P.signed_message != "",
            rx.callout(
                P.signed_message,
                icon="circle-check",
                color_scheme="green",
                role="status",
                id="plan-signed",
                width="100%",
            ),
        ),
        rx.cond(
            P.draft_line != "",
            rx.callout(P.draft_line, icon="pencil", color_scheme="blue", width="100%"),
        ),
        spacing="3",
        width="100%",
    )


def _draft_heading() -> rx.Component:
    return rx.hstack(
        rx.heading("Version " + P.draft.version.to_string(), size="5", weight="medium", as_="h2"),
        rx.badge("Draft", color_scheme="gray", variant="soft"),
        rx.text(
            rx.cond(
                P.has_current,
                "A revision of version "
                + P.current.version.to_string()
                + ", which stays in force, as signed, until this one is signed.",
                "Saved as you go. Signed, it can no longer change; revising starts a new version.",
            ),
            size="2",
            color=MUTED,
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        id="draft-heading",
    )


def _no_plan() -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.icon("list-checks", size=28, color=rx.color("gray", 9)),
            rx.heading("No treatment plan yet", size="4", as_="h2"),
            rx.text(
                "Problems, measurable goals and objectives with target dates, interventions "
                "and a review date, signed by the clinician.",
                size="2",
                color=MUTED,
                text_align="center",
                max_width="480px",
            ),
            rx.cond(
                P.can_edit,
                rx.button(
                    rx.icon("plus", size=16),
                    "Start a treatment plan",
                    on_click=P.start,
                    loading=P.starting,
                    id="start-plan",
                ),
            ),
            align="center",
            spacing="3",
        ),
        id="no-plan",
        style={**CARD, "padding": "40px 24px"},
    )


def _body() -> rx.Component:
    return rx.vstack(
        case_record_header("Treatment plan", P, _actions()),
        rx.cond(
            P.consultation,
            consultation_note("treatment plan"),
            rx.vstack(
                _callouts(),
                rx.cond(
                    P.has_draft,
                    rx.vstack(
                        _draft_heading(),
                        _editor(),
                        _versions(include_current=True),
                        spacing="5",
                        width="100%",
                    ),
                    rx.cond(
                        P.has_current,
                        rx.vstack(
                            _current_plan(),
                            _versions(include_current=False),
                            spacing="5",
                            width="100%",
                        ),
                        _no_plan(),
                    ),
                ),
                spacing="5",
                width="100%",
            ),
        ),
        spacing="5",
        width="100%",
    )


@app_page(PLAN_PAGE, "Treatment plan", on_load=P.load)
def plan_page() -> rx.Component:
    return rx.cond(
        P.loaded,
        rx.cond(P.not_found, not_found_panel("case"), _body()),
        loading(),
    )
