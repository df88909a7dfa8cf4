"""The sign-in page."""

from __future__ import annotations

import reflex as rx

from practicerunner.auth.state import SignInState
from practicerunner.ui.components import text_field
from practicerunner.ui.layout import public_page
from practicerunner.ui.routes import SIGN_IN


@public_page(SIGN_IN, "Sign in", on_load=SignInState.load)
def sign_in() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("leaf", size=24, color=rx.color("teal", 10)),
                    rx.heading("PracticeRunner", size="5", weight="medium"),
                    align="center",
                    spacing="2",
                ),
                rx.text("Sign in to your practice", size="2", color_scheme="gray"),
                rx.cond(
                    SignInState.notice != "",
                    rx.callout(
                        SignInState.notice,
                        icon="info",
                        color_scheme="blue",
                        id="sign-in-notice",
                        width="100%",
                    ),
                ),
                rx.form(
                    rx.vstack(
                        text_field(
                            "Email",
                            "email",
                            SignInState.errors,
                            type="email",
                            auto_complete="username",
                            auto_focus=True,
                        ),
                        text_field(
                            "Password",
                            "password",
                            SignInState.errors,
                            type="password",
                            auto_complete="current-password",
                        ),
                        rx.button(
                            "Sign in",
                            type="submit",
                            width="100%",
                            size="3",
                            loading=SignInState.submitting,
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=SignInState.submit,
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            size="4",
            width="400px",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )
