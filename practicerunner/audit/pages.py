"""The audit log page: filters, results, pagination and the chain check (owner only)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.audit.state import AuditState
from practicerunner.ui.components import (
    field_error,
    loading,
    newer_older_pager,
    page_header,
    section,
)
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import AUDIT


def _label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(rx.text(text, size="2", weight="medium"), html_for=html_for)


def _native_select(name: str, options: Any, **props: Any) -> rx.Component:
    return rx.el.select(
        rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])),
        id=name,
        name=name,
        class_name="pr-select",
        aria_describedby=f"{name}-error",
        **props,
    )


def _filter(label: str, name: str, control: rx.Component, error: str = "") -> rx.Component:
    return rx.vstack(
        _label(label, name),
        control,
        field_error(AuditState.errors, error or name),  # type: ignore[arg-type]
        spacing="1",
        width="100%",
    )


def _date_input(label: str, name: str, value: Any) -> rx.Component:
    return _filter(
        label,
        name,
        rx.input(
            id=name,
            name=name,
            type="date",
            default_value=value,
            aria_invalid=rx.cond(AuditState.errors.contains(name), "true", "false"),  # type: ignore[attr-defined]
            aria_describedby=f"{name}-error",
            width="100%",
        ),
    )


def _client_picker() -> rx.Component:
    return rx.vstack(
        _label("Client", "client_query"),
        rx.hstack(
            rx.input(
                id="client_query",
                name="client_query",
                placeholder="Type a name, then Tab",
                default_value=AuditState.f_client_query,
                on_blur=AuditState.find_clients,
                aria_describedby="client-error",
                width="45%",
            ),
            rx.el.select(
                rx.foreach(AuditState.client_options, lambda o: rx.el.option(o[1], value=o[0])),
                id="client_id",
                name="client_id",
                aria_label="Matching clients",
                value=AuditState.f_client,
                on_change=AuditState.choose_client,
                class_name="pr-select",
                style={"flex": "1"},
            ),
            rx.cond(
                AuditState.f_client != "",
                rx.icon_button(
                    rx.icon("x", size=14),
                    type="button",
                    variant="ghost",
                    color_scheme="gray",
                    aria_label="Clear the client",
                    on_click=AuditState.clear_client,
                ),
            ),
            spacing="2",
            width="100%",
            align="center",
        ),
        field_error(AuditState.errors, "client"),  # type: ignore[arg-type]
        spacing="1",
        width="100%",
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.grid(
                _filter(
                    "Person",
                    "staff",
                    _native_select(
                        "staff", AuditState.staff_options, default_value=AuditState.f_staff
                    ),
                ),
                _filter(
                    "Action",
                    "action",
                    _native_select(
                        "action", AuditState.action_options, default_value=AuditState.f_action
                    ),
                ),
                _date_input("From", "date_from", AuditState.f_from),
                _date_input("To", "date_to", AuditState.f_to),
                columns="4",
                spacing="4",
                width="100%",
            ),
            rx.hstack(
                rx.box(_client_picker(), width="60%"),
                rx.spacer(),
                rx.button(
                    rx.icon("search", size=16),
                    "Search",
                    type="submit",
                    loading=AuditState.searching,
                    id="audit-search",
                ),
                width="100%",
                align="end",
                spacing="4",
            ),
            rx.text(
                "Dates are whole days in the practice's timezone; leave them empty to search "
                "the whole log.",
                size="1",
                color_scheme="gray",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=AuditState.submit,
        width="100%",
        aria_label="Search the audit log",
    )


def _row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(row["when"], size="2", white_space="nowrap")),
        rx.el.td(row["actor"]),
        rx.el.td(rx.text(row["action"], title=row["code"])),
        rx.el.td(rx.text(row["record"], color_scheme="gray")),
        rx.el.td(
            rx.cond(
                row["client_href"] != "",
                rx.link(row["client_name"], href=row["client_href"]),
                rx.text("—", color_scheme="gray"),
            )
        ),
        rx.el.td(rx.text(row["ip"], size="1", color_scheme="gray", font_family="monospace")),
    )


def _results() -> rx.Component:
    header = rx.el.thead(
        rx.el.tr(
            *[
                rx.el.th(h, scope="col")
                for h in ("When", "Person", "Action", "Record", "Client", "IP address")
            ]
        )
    )
    return rx.vstack(
        rx.hstack(
            rx.text(AuditState.summary, size="2", color_scheme="gray", id="audit-summary"),
            rx.spacer(),
            _pager(),
            width="100%",
            align="center",
        ),
        rx.cond(
            AuditState.rows.length() > 0,  # type: ignore[attr-defined]
            rx.box(
                rx.el.table(
                    header,
                    rx.el.tbody(rx.foreach(AuditState.rows, _row)),
                    class_name="pr-table",
                    id="audit-results",
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.center(
                rx.text("No entries match these filters.", color_scheme="gray"),
                padding_y="32px",
                width="100%",
            ),
        ),
        rx.hstack(rx.spacer(), _pager(), width="100%"),
        spacing="3",
        width="100%",
    )


def _pager() -> rx.Component:
    return newer_older_pager(AuditState.page, AuditState.pages, AuditState.go_to_page)


def _verify_panel() -> rx.Component:
    return rx.box(
        rx.match(
            AuditState.verify_status,
            (
                "intact",
                rx.callout(
                    AuditState.verify_message,
                    icon="shield-check",
                    color_scheme="green",
                    id="verify-result",
                    width="100%",
                ),
            ),
            (
                "broken",
                rx.callout.root(
                    rx.callout.icon(rx.icon("shield-alert")),
                    rx.callout.text(AuditState.verify_message, weight="medium"),
                    rx.el.ul(
                        rx.foreach(
                            AuditState.verify_problems,
                            lambda p: rx.el.li(rx.text(p, size="2")),
                        ),
                        style={"margin": "4px 0 0 20px", "list_style": "disc"},
                    ),
                    color_scheme="red",
                    role="alert",
                    id="verify-result",
                    width="100%",
                ),
            ),
            rx.fragment(),
        ),
        width="100%",
    )


def _verify_button() -> rx.Component:
    return rx.button(
        rx.icon("shield-check", size=16),
        "Verify chain",
        variant="soft",
        title="Recompute every entry's hash: any edited, removed or reordered entry is reported.",
        loading=AuditState.verifying,
        on_click=AuditState.verify,
        id="verify-chain",
    )


def _forbidden() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("lock", size=28, color=rx.color("gray", 9)),
            rx.heading("Only the practice owner can see the audit log", size="4", as_="h1"),
            rx.text("Ask the owner if you need an entry looked up.", color_scheme="gray"),
            rx.link("Back to home", href="/"),
            align="center",
            spacing="3",
        ),
        padding_y="80px",
        width="100%",
    )


@app_page(AUDIT, "Audit log", on_load=AuditState.load)
def audit_log() -> rx.Component:
    return rx.cond(
        AuditState.loaded,
        rx.cond(
            AuditState.forbidden,
            _forbidden(),
            rx.vstack(
                page_header(
                    "Audit log",
                    "Every sign-in, record read and change, with who, when and from where.",
                    _verify_button(),
                ),
                _verify_panel(),
                section("Search", _filters()),
                section("Entries", _results()),
                spacing="5",
                width="100%",
            ),
        ),
        loading(),
    )
