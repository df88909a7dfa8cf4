"""Home: where the signed-in person's work stands, and where to go next."""

from __future__ import annotations

import reflex as rx

from practicerunner.clients import service as clients
from practicerunner.core.permissions import Perm
from practicerunner.documentation.measure_pages import safety_panel
from practicerunner.documentation.measure_records import SafetyFlag, open_safety_flags
from practicerunner.documentation.note_state import day_words
from practicerunner.ui.components import page_header, section
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import CLIENTS, HOME, case_measures_url, client_url
from practicerunner.ui.session import SessionState


def flag_row(flag: SafetyFlag, own: bool) -> dict[str, str]:
    """One safety flag as the home page lists it; a supervisor sees whose case it is."""
    return {
        "client": flag.client_name,
        "what": f"{flag.instrument_title}, {day_words(flag.taken_on)}",
        "text": flag.flag_text,
        "whose": "" if own else f"{flag.clinician_name}'s case",
        "href": case_measures_url(flag.case_id),
    }


class HomeState(SessionState):
    """The numbers and recent clients on the start page."""

    has_summary: bool = False
    scope_label: str = ""
    active_clients: int = 0
    prospective_clients: int = 0
    open_cases: int = 0
    recent: list[dict[str, str]] = []
    # PHQ-9 item-9 flags on the clinician's (and supervisees') cases until acknowledged.
    flags: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if actor.can(Perm.CLINICAL_VIEW):
            found = await self.call(open_safety_flags, actor)
            self.flags = [flag_row(f, f.clinician_id == actor.staff_id) for f in found]
        else:
            self.flags = []
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


def _flag(flag: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.hstack(
                rx.text(flag["client"], size="2", weight="medium"),
                rx.text(flag["what"], size="2", color_scheme="gray"),
                rx.cond(
                    flag["whose"] != "",
                    rx.text("· " + flag["whose"], size="2", color_scheme="gray"),
                ),
                spacing="2",
                wrap="wrap",
            ),
            rx.text(flag["text"], size="2", color=rx.color("red", 11)),
            spacing="0",
        ),
        rx.spacer(),
        rx.link(
            "Open measures",
            href=flag["href"],
            size="2",
            weight="medium",
            aria_label="Open the measures of " + flag["client"],
        ),
        width="100%",
        align="center",
        class_name="pr-home-flag",
    )


def _safety_flags() -> rx.Component:
    """Calm but not missable: the clinician reviews each flag, then acknowledges it there."""
    return rx.cond(
        HomeState.flags.length() > 0,
        safety_panel("Safety flags to review", HomeState.flags, _flag, "home-safety-flags"),
    )


@app_page(HOME, "Home", on_load=HomeState.load)
def home() -> rx.Component:
    return rx.vstack(
        page_header("Welcome", SessionState.user_name),
        _safety_flags(),
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
