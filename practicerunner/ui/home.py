"""Home: a calm start page with what the signed-in person can do next."""

from __future__ import annotations

import reflex as rx

from practicerunner.ui.components import page_header
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import HOME
from practicerunner.ui.session import SessionState


def _tile(item: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.icon(item["icon"], size=20, color=rx.color("teal", 10)),  # type: ignore[arg-type]
                rx.text(item["label"], weight="medium"),
                align="center",
                spacing="3",
            ),
            size="2",
            class_name="pr-tile",
        ),
        href=item["href"],
        underline="none",
        color=rx.color("gray", 12),
    )


@app_page(HOME, "Home")
def home() -> rx.Component:
    return rx.vstack(
        page_header("Welcome", SessionState.user_name),
        rx.grid(
            rx.foreach(SessionState.nav[1:], _tile),  # type: ignore[index]
            columns="3",
            spacing="4",
            width="100%",
        ),
        width="100%",
    )
