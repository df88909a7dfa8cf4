"""Shared components: labelled fields with their error beside them, headings, tables, notices."""

from __future__ import annotations

from typing import Any

import reflex as rx


def field_error(errors: rx.Var, name: str) -> rx.Component:
    return rx.cond(
        errors.contains(name),  # type: ignore[attr-defined]
        rx.text(
            errors[name],  # type: ignore[index]
            id=f"{name}-error",
            role="alert",
            size="1",
            color=rx.color("red", 11),
        ),
    )


def _field_wrap(
    label: str, name: str, control: rx.Component, errors: rx.Var, hint: str = ""
) -> rx.Component:
    return rx.vstack(
        rx.el.label(
            rx.text(label, size="2", weight="medium"),
            html_for=name,
        ),
        control,
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray"))
        if hint
        else rx.fragment(),
        field_error(errors, name),
        spacing="1",
        width="100%",
    )


def text_field(
    label: str,
    name: str,
    errors: rx.Var,
    *,
    default_value: Any = "",
    type: str = "text",
    hint: str = "",
    placeholder: str = "",
    required: bool = False,
    **props: Any,
) -> rx.Component:
    """A labelled input that keeps what was typed and shows its server-side error beside it."""
    control = rx.input(
        id=name,
        name=name,
        type=type,
        default_value=default_value,
        placeholder=placeholder,
        required=required,
        aria_invalid=rx.cond(errors.contains(name), "true", "false"),  # type: ignore[attr-defined]
        aria_describedby=f"{name}-error",
        width="100%",
        size="2",
        **props,
    )
    return _field_wrap(label + (" *" if required else ""), name, control, errors, hint)


def textarea_field(
    label: str,
    name: str,
    errors: rx.Var,
    *,
    default_value: Any = "",
    hint: str = "",
    rows: str = "4",
) -> rx.Component:
    control = rx.text_area(
        id=name,
        name=name,
        default_value=default_value,
        rows=rows,
        aria_invalid=rx.cond(errors.contains(name), "true", "false"),  # type: ignore[attr-defined]
        aria_describedby=f"{name}-error",
        width="100%",
    )
    return _field_wrap(label, name, control, errors, hint)


def select_field(
    label: str,
    name: str,
    options: list[tuple[str, str]] | rx.Var,
    errors: rx.Var,
    *,
    default_value: Any = "",
    required: bool = False,
    hint: str = "",
    **props: Any,
) -> rx.Component:
    """A native select (keyboard-friendly, posts with the form). OPTIONS: (value, label) pairs."""
    if isinstance(options, list):
        children = [rx.el.option(text, value=value) for value, text in options]
    else:
        children = [rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0]))]
    control = rx.el.select(
        *children,
        id=name,
        name=name,
        default_value=default_value,
        aria_invalid=rx.cond(errors.contains(name), "true", "false"),  # type: ignore[attr-defined]
        aria_describedby=f"{name}-error",
        class_name="pr-select",
        **props,
    )
    return _field_wrap(label + (" *" if required else ""), name, control, errors, hint)


def checkbox_field(
    label: str, name: str, *, default_checked: Any = False, hint: str = ""
) -> rx.Component:
    return rx.vstack(
        rx.el.label(
            rx.hstack(
                rx.el.input(
                    type="checkbox",
                    id=name,
                    name=name,
                    default_checked=default_checked,
                    class_name="pr-checkbox",
                ),
                rx.text(label, size="2"),
                spacing="2",
                align="center",
            ),
            html_for=name,
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray"))
        if hint
        else rx.fragment(),
        spacing="1",
    )


def form_error_banner(errors: rx.Var) -> rx.Component:
    """A summary above the form when the save was refused (the details sit beside each field)."""
    return rx.cond(
        errors.length() > 0,  # type: ignore[attr-defined]
        rx.callout(
            "Please correct the highlighted fields; nothing was saved.",
            icon="triangle-alert",
            color_scheme="red",
            role="alert",
            id="form-error-summary",
            width="100%",
        ),
    )


def stale_callout(text: Any, on_reload: Any, element_id: str) -> rx.Component:
    """Another window saved first: say so, with Reload (shown while TEXT is not empty)."""
    return rx.cond(
        text != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("refresh-cw")),
            rx.hstack(
                rx.callout.text(text),
                rx.spacer(),
                rx.button("Reload", size="1", variant="soft", on_click=on_reload),
                width="100%",
                align="center",
            ),
            color_scheme="amber",
            id=element_id,
            width="100%",
        ),
    )


def save_state_text(text: Any, element_id: str, *, announce: bool) -> rx.Component:
    """'Saving…', 'Saved 10:42' or 'Not saved' (in red); only one copy on a page is ANNOUNCED
    to screen readers, or they would hear it twice."""
    return rx.text(
        text,
        id=element_id,
        aria_live="polite" if announce else "off",
        size="2",
        color=rx.cond(text == "Not saved", rx.color("red", 11), rx.color("gray", 11)),
        white_space="nowrap",
    )


def error_summary(text: Any, element_id: str) -> rx.Component:
    """What stopped a save or a signature, above the form (shown while TEXT is not empty)."""
    return rx.cond(
        text != "",
        rx.callout(
            text,
            icon="triangle-alert",
            color_scheme="red",
            role="alert",
            id=element_id,
            width="100%",
        ),
    )


def page_header(title: Any, subtitle: Any = None, *actions: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading(title, size="6", weight="medium", as_="h1"),
            rx.text(subtitle, size="2", color_scheme="gray")
            if subtitle is not None
            else rx.fragment(),
            spacing="1",
        ),
        rx.spacer(),
        *actions,
        width="100%",
        align="end",
        padding_bottom="20px",
    )


def section(
    title: str, *children: rx.Component, action: rx.Component | None = None, **props: Any
) -> rx.Component:
    return rx.el.section(
        rx.hstack(
            rx.heading(title, size="4", weight="medium", as_="h2"),
            rx.spacer(),
            action or rx.fragment(),
            width="100%",
            align="center",
            padding_bottom="12px",
        ),
        *children,
        aria_label=title,
        style={
            "border": f"1px solid {rx.color('gray', 5)}",
            "border_radius": "10px",
            "padding": "20px 24px",
            "background": rx.color("gray", 1),
            "width": "100%",
        },
        **props,
    )


def not_found_panel(
    what: str = "record", back: tuple[str, str] = ("Back to home", "/")
) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("search-x", size=32, color=rx.color("gray", 9)),
            rx.heading("Not found", size="5", as_="h1", id="not-found"),
            rx.text(f"That {what} was not found, or is not available to you.", color_scheme="gray"),
            rx.link(back[0], href=back[1]),
            align="center",
            spacing="3",
        ),
        padding_y="80px",
        width="100%",
    )


def loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding_y="80px", width="100%")


def detail_row(label: str, value: Any) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="160px"),
        rx.data_list.value(value),
    )


def link_button(
    label: str, href: Any, icon: str | None = None, *, variant: str = "solid", **props: Any
) -> rx.Component:
    """A link that looks like a button: it navigates, so it is a link (one tab stop, Enter)."""
    children: list[Any] = [rx.icon(icon, size=16)] if icon else []
    return rx.button(
        rx.link(*children, label, href=href, underline="none"),
        as_child=True,
        variant=variant,  # type: ignore[arg-type]
        **props,
    )


def newer_older_pager(page: Any, pages: Any, go_to_page: Any) -> rx.Component:
    """ "Newer" / "Older" buttons for a list paged newest first (page 1 is the newest)."""
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16),
            "Newer",
            variant="soft",
            color_scheme="gray",
            size="1",
            disabled=page <= 1,
            on_click=go_to_page(page - 1),
        ),
        rx.button(
            "Older",
            rx.icon("chevron-right", size=16),
            variant="soft",
            color_scheme="gray",
            size="1",
            disabled=page >= pages,
            on_click=go_to_page(page + 1),
        ),
        spacing="2",
    )
