"""Staff: the table of everyone who signs in."""

from __future__ import annotations

import reflex as rx

from practicerunner.practice.pages.widgets import gate, status_badge
from practicerunner.practice.state import StaffListState
from practicerunner.ui.components import link_button, page_header
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import STAFF, STAFF_NEW


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(
                row["full_name"],
                href=STAFF + "/" + row["id"],
                weight="medium",
            ),
            rx.cond(row["credentials"] != "", rx.text(", " + row["credentials"], as_="span")),
        ),
        rx.table.cell(row["email"]),
        rx.table.cell(row["roles_label"]),
        rx.table.cell(rx.cond(row["supervisors_label"] != "", row["supervisors_label"], "—")),
        rx.table.cell(status_badge(row["is_active"])),
        align="center",
    )


@app_page(STAFF, "Staff", on_load=StaffListState.load)
def staff_list() -> rx.Component:
    return gate(
        StaffListState,
        page_header(
            "Staff",
            "Everyone who signs in to the practice, with their roles.",
            link_button("Add staff member", STAFF_NEW, "user-plus"),
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Name", "Email", "Roles", "Supervised by", "Status")
                    ]
                )
            ),
            rx.table.body(rx.foreach(StaffListState.rows, _row)),
            variant="surface",
            width="100%",
        ),
    )
