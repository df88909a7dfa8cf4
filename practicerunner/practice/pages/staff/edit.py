"""Staff: one member's page: details, roles, access and password."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.practice.pages.staff.form import (
    detail_sections,
    role_checkboxes,
    supervision_fields,
)
from practicerunner.practice.pages.widgets import (
    SHOW_SUPERVISION_FOR_ASSOCIATES,
    gate,
    save_row,
    status_badge,
)
from practicerunner.practice.state import StaffEditState
from practicerunner.ui.components import form_error_banner, page_header, section
from practicerunner.ui.components import text_field as field
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import STAFF

STAFF_EDIT = STAFF + "/[staff_id]"


def _status(s: Any) -> rx.Component:
    active = s.values["is_active"] == "yes"
    deactivate = rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Deactivate…", color_scheme="red", variant="soft", disabled=s.is_self)
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Deactivate " + s.values["full_name"] + "?"),
            rx.alert_dialog.description(
                "They are signed out everywhere at once and cannot sign in until you "
                "reactivate them. Their records stay as they are.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Deactivate", color_scheme="red", on_click=s.deactivate)
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
        ),
    )
    return section(
        "Access",
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.text("Status", size="2", weight="medium"),
                    status_badge(s.values["is_active"]),
                ),
                rx.text(
                    rx.cond(
                        s.is_self,
                        "This is your own account; another owner would have to deactivate it.",
                        rx.cond(
                            active,
                            "Deactivating signs them out everywhere and stops new sign-ins.",
                            "They cannot sign in.",
                        ),
                    ),
                    size="2",
                    color_scheme="gray",
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(
                active,
                deactivate,
                rx.button("Reactivate", variant="soft", on_click=s.reactivate),
            ),
            width="100%",
            align="center",
        ),
    )


def _password(s: Any) -> rx.Component:
    return section(
        "Password",
        rx.form(
            rx.hstack(
                rx.box(
                    field(
                        "New password",
                        "new_password",
                        s.password_errors,
                        type="password",
                        required=True,
                        min_length=12,
                        auto_complete="new-password",
                        hint="At least 12 characters. Their open sessions end.",
                    ),
                    flex="1",
                    max_width="360px",
                ),
                rx.button("Set new password", type="submit", variant="soft"),
                align="center",
                spacing="4",
            ),
            on_submit=s.reset_password,
            key=f"password-{s.pw_rev}",
        ),
    )


@app_page(STAFF_EDIT, "Staff member", on_load=StaffEditState.load)
def staff_edit() -> rx.Component:
    s = StaffEditState
    val = s.values
    return gate(
        s,
        rx.link("← All staff", href=STAFF, size="2"),
        page_header(val["full_name"], val["email"]),
        rx.form(
            rx.vstack(
                form_error_banner(s.errors),
                *detail_sections(s, val, new=False),
                section(
                    "Roles and supervision",
                    role_checkboxes(s.errors, s.roles),
                    supervision_fields(s, val["primary_supervisor_id"], s.extra_supervisors),
                ),
                save_row("Save changes"),
                spacing="5",
                width="100%",
            ),
            on_submit=s.save,
            key=f"staff-{val['id']}-{s.rev}",
            style=SHOW_SUPERVISION_FOR_ASSOCIATES,
            width="100%",
        ),
        _status(s),
        _password(s),
    )
