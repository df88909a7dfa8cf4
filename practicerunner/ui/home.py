"""Home: where the signed-in person's work stands, and where to go next."""

from __future__ import annotations

import reflex as rx

from practicerunner.clients import service as clients
from practicerunner.ui.components import page_header, section
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import CLIENTS, HOME, client_url
from practicerunner.ui.session import SessionState


class HomeState(SessionState):
    """The numbers and recent clients on the start page."""

    has_summary: bool = False
    scope_label: str = ""
    active_clients: int = 0
    prospective_clients: int = 0
    open_cases: int = 0
    recent: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        summary = await self.call(clients.home_summary, actor)
        self.has_summary = summary is not None
        if summary is not None:
            self.scope_label = summary.scope_label
            self.active_clients = summary.active_clients
            self.prospective_clients = summary.prospective_clients
            self.open_cases = summary.open_cases
            self.recent = [{"name": n, "href": client_url(i)} for i, n in summary.recent]


def _tile(item: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.icon(item["icon"], size=20, color=rx.color("teal", 10)),
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


def _number(value: rx.Var, label: str, href: str | None = None) -> rx.Component:
    card = rx.card(
        rx.vstack(
            rx.text(value, size="7", weight="medium"),
            rx.text(label, size="2", color_scheme="gray"),
            spacing="1",
        ),
        size="2",
        class_name="pr-tile" if href else "",
    )
    if href is None:
        return card
    return rx.link(card, href=href, underline="none", color=rx.color("gray", 12))


def _summary() -> rx.Component:
    s = HomeState
    return rx.vstack(
        rx.text(s.scope_label, size="2", weight="medium", color_scheme="gray"),
        rx.grid(
            _number(s.active_clients, "active clients", f"{CLIENTS}?status=active"),
            _number(s.prospective_clients, "prospective clients", f"{CLIENTS}?status=prospective"),
            _number(s.open_cases, "open cases"),
            columns="3",
            spacing="4",
            width="100%",
        ),
        section(
            "Recently opened clients",
            rx.cond(
                s.recent.length() > 0,
                rx.flex(
                    rx.foreach(
                        s.recent,
                        lambda r: rx.link(r["name"], href=r["href"], size="2"),
                    ),
                    wrap="wrap",
                    gap="16px",
                    id="recent-clients",
                ),
                rx.text("Clients you open will be listed here.", size="2", color_scheme="gray"),
            ),
        ),
        spacing="4",
        width="100%",
    )


@app_page(HOME, "Home", on_load=HomeState.load)
def home() -> rx.Component:
    return rx.vstack(
        page_header("Welcome", SessionState.user_name),
        rx.cond(HomeState.has_summary, _summary()),
        rx.heading("Go to", size="4", weight="medium", as_="h2", padding_top="8px"),
        rx.grid(
            rx.foreach(SessionState.nav[1:], _tile),
            columns="3",
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
