"""The Outgoing mail page: filter by status, the list, and a reader for one message."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.messaging.state import OutboxState as S
from practicerunner.ui.components import loading, newer_older_pager, page_header, section
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import OUTBOX

_STATUS_COLOURS = (
    ("sent", "green"),
    ("kept", "blue"),
    ("pending", "amber"),
    ("failed", "red"),
    ("skipped", "gray"),
)


def _status_badge(status: Any, label: Any) -> rx.Component:
    return rx.match(
        status,
        *[
            (value, rx.badge(label, color_scheme=colour, variant="soft"))  # type: ignore[arg-type]
            for value, colour in _STATUS_COLOURS
        ],
        rx.badge(label, color_scheme="gray", variant="soft"),
    )


def _not_configured() -> rx.Component:
    return rx.cond(
        ~S.email_configured,
        rx.callout.root(
            rx.callout.icon(rx.icon("mail-warning")),
            rx.callout.text(
                rx.text.strong("Email is not being sent. "),
                "No mail server is configured (SMTP_HOST), so confirmations and reminders are "
                "kept here instead of reaching clients. Set the SMTP settings and restart the "
                "worker to send new messages.",
            ),
            color_scheme="amber",
            id="outbox-not-configured",
            width="100%",
        ),
    )


def _filter_button(item: Any) -> rx.Component:
    active = S.status == item["value"]
    return rx.button(
        item["label"],
        rx.text(item["count"], size="1", color_scheme="gray", as_="span"),
        type="button",
        size="2",
        variant=rx.cond(active, "solid", "soft"),  # type: ignore[arg-type]
        color_scheme=rx.cond(active, "teal", "gray"),  # type: ignore[arg-type]
        aria_pressed=rx.cond(active, "true", "false"),
        on_click=S.choose(item["value"]),
    )


def _filters() -> rx.Component:
    return rx.hstack(
        rx.foreach(S.filters, _filter_button),
        spacing="2",
        wrap="wrap",
        role="group",
        aria_label="Show messages by status",
    )


def _row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(row["created"], size="2", white_space="nowrap")),
        rx.el.td(
            rx.vstack(
                rx.text(row["to_name"], size="2"),
                rx.text(row["to_address"], size="1", color_scheme="gray"),
                spacing="0",
            )
        ),
        rx.el.td(
            rx.vstack(
                rx.link(
                    row["subject"],
                    href="#",
                    on_click=S.read(row["id"]).prevent_default,  # type: ignore[attr-defined]
                    aria_label="Read: " + row["subject"],
                    weight="medium",
                    size="2",
                ),
                rx.text(row["kind"] + " · " + row["channel"], size="1", color_scheme="gray"),
                spacing="0",
            )
        ),
        rx.el.td(
            rx.vstack(
                _status_badge(row["status"], row["status_label"]),
                rx.cond(
                    row["note"] != "",
                    rx.text(row["note"], size="1", color_scheme="gray", max_width="220px"),
                ),
                spacing="1",
            )
        ),
        rx.el.td(rx.text(row["sent"], size="2", white_space="nowrap", color_scheme="gray")),
    )


def _pager() -> rx.Component:
    return newer_older_pager(S.page, S.pages, S.go_to_page)


def _list() -> rx.Component:
    header = rx.el.thead(
        rx.el.tr(
            *[rx.el.th(h, scope="col") for h in ("Created", "To", "Message", "Status", "Sent")]
        )
    )
    return rx.vstack(
        rx.hstack(
            _filters(),
            rx.spacer(),
            rx.text(S.summary, size="2", color_scheme="gray", id="outbox-summary"),
            width="100%",
            align="center",
            wrap="wrap",
            spacing="3",
        ),
        rx.cond(
            S.rows.length() > 0,  # type: ignore[attr-defined]
            rx.box(
                rx.el.table(
                    header,
                    rx.el.tbody(rx.foreach(S.rows, _row)),
                    class_name="pr-table",
                    id="outbox-messages",
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.center(
                rx.vstack(
                    rx.icon("inbox", size=28, color=rx.color("gray", 8)),
                    rx.text("No messages here.", color_scheme="gray"),
                    align="center",
                    spacing="2",
                ),
                padding_y="40px",
                width="100%",
            ),
        ),
        rx.cond(S.pages > 1, rx.hstack(rx.spacer(), _pager(), width="100%")),
        spacing="4",
        width="100%",
    )


def _meta(label: str, value: Any) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="96px"),
        rx.data_list.value(value),
    )


def _reader() -> rx.Component:
    m = S.message
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(m["subject"] != "", m["subject"], m["kind"]),
                size="4",
            ),
            rx.dialog.description(
                m["kind"] + " · " + m["channel"],
                size="2",
                color_scheme="gray",
                margin_bottom="12px",
            ),
            rx.vstack(
                rx.data_list.root(
                    _meta("To", m["to"]),
                    _meta(
                        "Status",
                        rx.vstack(
                            _status_badge(m["status"], m["status_label"]),
                            rx.text(m["status_help"], size="1", color_scheme="gray"),
                            rx.cond(
                                m["note"] != "",
                                rx.text(m["note"], size="1", color=rx.color("red", 11)),
                            ),
                            spacing="1",
                        ),
                    ),
                    _meta("Created", m["created"]),
                    _meta("Sent", m["sent"]),
                    size="2",
                ),
                rx.tabs.root(
                    rx.tabs.list(
                        rx.tabs.trigger("Text", value="text"),
                        rx.cond(
                            m["body_html"] != "",
                            rx.tabs.trigger("As the client sees it", value="html"),
                        ),
                    ),
                    rx.tabs.content(
                        rx.el.pre(
                            m["body_text"],
                            id="outbox-message-text",
                            style={
                                "white_space": "pre-wrap",
                                "font_family": "var(--default-font-family)",
                                "font_size": "14px",
                                "line_height": "1.55",
                                "margin": "0",
                                "padding": "16px",
                                "background": rx.color("gray", 2),
                                "border": f"1px solid {rx.color('gray', 4)}",
                                "border_radius": "8px",
                                "max_height": "46vh",
                                "overflow_y": "auto",
                            },
                        ),
                        value="text",
                        padding_top="12px",
                    ),
                    rx.tabs.content(
                        # The email's own HTML, in a sandbox: no scripts, no forms, no links out.
                        rx.el.iframe(
                            src_doc=m["body_html"],
                            sandbox="",
                            title="The email as the client sees it",
                            style={
                                "width": "100%",
                                "height": "46vh",
                                "border": f"1px solid {rx.color('gray', 4)}",
                                "border_radius": "8px",
                            },
                        ),
                        value="html",
                        padding_top="12px",
                    ),
                    default_value="text",
                    width="100%",
                ),
                rx.hstack(
                    rx.dialog.close(
                        rx.button("Close", type="button", variant="soft", color_scheme="gray")
                    ),
                    justify="end",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            max_width="680px",
            id="outbox-reader",
        ),
        open=S.open,
        on_open_change=S.set_open,
    )


def _forbidden() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("lock", size=28, color=rx.color("gray", 9)),
            rx.heading("Only the practice owner can see outgoing mail", size="4", as_="h1"),
            rx.text("Messages to clients name them and their addresses.", color_scheme="gray"),
            rx.link("Back to home", href="/"),
            align="center",
            spacing="3",
        ),
        padding_y="80px",
        width="100%",
    )


@app_page(OUTBOX, "Outgoing mail", on_load=S.load)
def outgoing_mail() -> rx.Component:
    return rx.cond(
        S.loaded,
        rx.cond(
            S.forbidden,
            _forbidden(),
            rx.vstack(
                page_header(
                    "Outgoing mail",
                    "Confirmations, reminders and notices to clients and guardians. They say "
                    "when and where, never what the sessions are about.",
                ),
                _not_configured(),
                section("Messages", _list()),
                _reader(),
                spacing="5",
                width="100%",
            ),
        ),
        loading(),
    )
