"""Staff: the add-staff-member form."""

from __future__ import annotations

from collections import defaultdict

import reflex as rx

from practicerunner.practice.pages.staff.form import (
    detail_sections,
    role_checkboxes,
    supervision_fields,
)
from practicerunner.practice.pages.widgets import SHOW_SUPERVISION_FOR_ASSOCIATES, gate, save_row
from practicerunner.practice.state import StaffNewState
from practicerunner.ui.components import form_error_banner, link_button, page_header, section
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import STAFF, STAFF_NEW


@app_page(STAFF_NEW, "Add staff member", on_load=StaffNewState.load)
def staff_new() -> rx.Component:
    s = StaffNewState
    return gate(
        s,
        rx.link("← All staff", href=STAFF, size="2"),
        page_header("Add staff member", "They can sign in as soon as you save."),
        rx.form(
            rx.vstack(
                form_error_banner(s.errors),
                *detail_sections(s, defaultdict(str), new=True),
                section(
                    "Roles and supervision",
                    role_checkboxes(s.errors, None),
                    supervision_fields(s, "", None),
                ),
                save_row(
                    "Add staff member",
                    link_button("Cancel", STAFF, variant="soft", color_scheme="gray"),
                ),
                spacing="5",
                width="100%",
            ),
            on_submit=s.save,
            style=SHOW_SUPERVISION_FOR_ASSOCIATES,
            width="100%",
        ),
    )
