"""The app shell and the page registry.

`app_page(route, title, state_load)` wraps a page body in the shell (navigation, user menu,
session heartbeat) and records it; practicerunner.py registers every recorded page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from practicerunner.ui.routes import HOME
from practicerunner.ui.session import SessionState


@dataclass(frozen=True)
class PageSpec:
    route: str
    title: str
    component: Callable[[], rx.Component]
    on_load: list[Any]


PAGES: list[PageSpec] = []


def nav_link(item: rx.Var) -> rx.Component:
    active = rx.State.router.page.path == item["href"]  # type: ignore[attr-defined]
    return rx.link(
        rx.hstack(
            rx.icon(item["icon"], size=16),  # type: ignore[arg-type]
            rx.text(item["label"], size="2"),
            spacing="3",
            align="center",
        ),
        href=item["href"],
        underline="none",
        class_name="pr-nav-link",
        color=rx.cond(active, rx.color("teal", 11), rx.color("gray", 12)),
        background=rx.cond(active, rx.color("teal", 3), "transparent"),
        padding_x="12px",
        padding_y="8px",
        border_radius="6px",
        width="100%",
    )


def sidebar() -> rx.Component:
    return rx.el.nav(
        rx.vstack(
            rx.link(
                rx.hstack(
                    rx.icon("leaf", size=20, color=rx.color("teal", 10)),
                    rx.text("PracticeRunner", weight="bold", size="3"),
                    spacing="2",
                    align="center",
                ),
                href=HOME,
                underline="none",
                color=rx.color("gray", 12),
                padding_x="12px",
                padding_bottom="16px",
            ),
            rx.foreach(SessionState.nav, nav_link),
            spacing="1",
            width="100%",
        ),
        aria_label="Main",
        style={
            "width": "232px",
            "min_width": "232px",
            "padding": "20px 12px",
            "border_right": f"1px solid {rx.color('gray', 5)}",
            "background": rx.color("gray", 2),
            "min_height": "100vh",
            "position": "sticky",
            "top": "0",
            "align_self": "stretch",
        },
    )


SIGN_OUT_SCRIPT = (
    "fetch('/auth/sign-out', {method: 'POST', credentials: 'same-origin', redirect: 'manual'})"
    ".finally(() => window.location.assign('/sign-in?reason=signed_out'))"
)


def user_menu() -> rx.Component:
    return rx.hstack(
        rx.avatar(
            fallback=SessionState.user_initials, size="2", radius="full", color_scheme="teal"
        ),
        rx.vstack(
            rx.text(SessionState.user_name, size="2", weight="medium", id="signed-in-user"),
            rx.text(SessionState.user_roles_label, size="1", color_scheme="gray"),
            spacing="0",
        ),
        # The HttpOnly session cookie can only be cleared by the server: POST, then leave.
        rx.button(
            "Sign out",
            type="button",
            variant="soft",
            color_scheme="gray",
            size="2",
            on_click=rx.call_script(SIGN_OUT_SCRIPT),
        ),
        spacing="3",
        align="center",
    )


def shell(title: str, body: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.el.a("Skip to content", href="#main", class_name="pr-skip-link"),
        sidebar(),
        rx.vstack(
            rx.hstack(
                rx.spacer(),
                user_menu(),
                width="100%",
                padding="12px 32px",
                border_bottom=f"1px solid {rx.color('gray', 4)}",
            ),
            rx.el.main(
                body,
                id="main",
                tab_index=-1,
                style={"padding": "28px 40px 64px", "width": "100%", "max_width": "1180px"},
            ),
            spacing="0",
            width="100%",
        ),
        # Ends an idle session in an open tab without waiting for a click.
        rx.moment(interval=60_000, on_change=SessionState.heartbeat, display="none"),
        spacing="0",
        align="start",
        width="100%",
        min_height="100vh",
    )


def app_page(
    route: str, title: str, on_load: Any | list[Any] | None = None
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a signed-in page: the shell around it and the session check on load."""
    loads = on_load if isinstance(on_load, list) else ([on_load] if on_load else [])

    def decorate(fn: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def component() -> rx.Component:
            return shell(title, fn())

        component.__name__ = fn.__name__
        PAGES.append(
            PageSpec(
                route, f"{title} · PracticeRunner", component, [SessionState.check_session, *loads]
            )
        )
        return fn

    return decorate


def public_page(
    route: str, title: str, on_load: Any | list[Any] | None = None
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a page that needs no sign-in (sign-in itself)."""
    loads = on_load if isinstance(on_load, list) else ([on_load] if on_load else [])

    def decorate(fn: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        PAGES.append(PageSpec(route, f"{title} · PracticeRunner", fn, loads))
        return fn

    return decorate
