"""Form pieces the calendar's dialogs share: labelled native fields with their error beside
them, radio groups, checkboxes, conflict messages and suggested times, status badges."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.base import Var

from practicerunner.ui.components import field_error


def field_label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(rx.text(text, size="2", weight="medium"), html_for=html_for)


def labelled(label: str, name: str, control: rx.Component, errors: Var, hint: str = "") -> Any:
    return rx.vstack(
        field_label(label, name),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        field_error(errors, name),
        spacing="1",
        width="100%",
    )


def native_select(
    name: str,
    options: Var | list[tuple[str, str]],
    default: Any,
    errors: Var,
    *,
    blank: str | None = None,
    **props: Any,
) -> rx.Component:
    children: list[Any] = [rx.el.option(blank, value="")] if blank is not None else []
    if isinstance(options, list):
        children += [rx.el.option(text, value=value) for value, text in options]
    else:
        children.append(rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])))
    return rx.el.select(
        *children,
        id=name,
        name=name,
        default_value=default,
        class_name="pr-select",
        aria_invalid=rx.cond(errors.contains(name), "true", "false"),  # type: ignore[attr-defined]
        aria_describedby=f"{name}-error",
        **props,
    )


def text_input(name: str, default: Any, errors: Var, **props: Any) -> rx.Component:
    return rx.input(
        id=name,
        name=name,
        default_value=default,
        aria_invalid=rx.cond(errors.contains(name), "true", "false"),  # type: ignore[attr-defined]
        aria_describedby=f"{name}-error",
        width="100%",
        **props,
    )


def radio_group(
    name: str, options: list[tuple[str, str]], current: Var, on_change: Any, legend: str
) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text(legend, size="2", weight="medium")),
        rx.vstack(
            *[
                rx.el.label(
                    rx.hstack(
                        rx.el.input(
                            type="radio",
                            name=name,
                            value=value,
                            id=f"{name}-{value}",
                            default_checked=current == value,
                            on_change=on_change(value),
                            class_name="pr-checkbox",
                        ),
                        rx.text(text, size="2"),
                        spacing="2",
                        align="center",
                    ),
                    html_for=f"{name}-{value}",
                )
                for value, text in options
            ],
            spacing="1",
            padding_top="4px",
        ),
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def checkbox(name: Any, label: Any, checked: Any, key: Any) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.el.input(
                type="checkbox",
                name=name,
                id=name,
                default_checked=checked,
                class_name="pr-checkbox",
            ),
            rx.text(label, size="2"),
            spacing="2",
            align="center",
        ),
        html_for=name,
        key=key,
    )


def suggestion_buttons(rows: Var, on_pick: Any, prefix: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.text("Next free times:", size="2", weight="medium"),
            rx.flex(
                rx.foreach(
                    rows,
                    lambda s: rx.button(
                        s[1],
                        type="button",
                        variant="soft",
                        size="1",
                        class_name=f"{prefix}-suggestion",
                        on_click=on_pick(s[0]),
                    ),
                ),
                wrap="wrap",
                spacing="2",
            ),
            spacing="1",
            width="100%",
        ),
    )


def override_form(
    name: str, button: str, on_submit: Any, error: rx.Component, width: str = "100%"
) -> rx.Component:
    """The "… anyway" form under a conflict: a required reason (it is recorded) and a button."""
    return rx.form(
        rx.hstack(
            rx.input(
                name=name,
                id=name,
                placeholder="Reason to overlap anyway (recorded)",
                aria_label="Reason to overlap anyway",
                width=width,
            ),
            rx.button(button, type="submit", variant="outline"),
            width="100%",
            spacing="2",
        ),
        error,
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
    )


def message_list(messages: Var) -> rx.Component:
    return rx.el.ul(
        rx.foreach(messages, lambda m: rx.el.li(rx.text(m, size="2"))),
        style={"margin": "0", "padding_left": "18px"},
    )


def detail(label: str, value: Any) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="110px"), rx.data_list.value(value)
    )


def status_badge(status: Var, label: Var) -> rx.Component:
    return rx.badge(
        label,
        variant="soft",
        size="2",
        color_scheme=rx.match(
            status, ("scheduled", "blue"), ("attended", "teal"), ("no_show", "red"), "gray"
        ),
    )
