"""The supervisor's review queue, /reviews: the notes waiting for their co-signature, oldest
first, each opening the note (where it is co-signed or returned)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing.staff_components import forbidden_panel, table
from practicerunner.documentation.review_state import ReviewsState
from practicerunner.documentation.reviews import REVIEW_OVERDUE_AFTER
from practicerunner.ui.components import link_button, loading, page_header, section
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import NOTES, REVIEWS

# Typed as Any like the other pages: state vars are Vars at compile time.
R: Any = ReviewsState


def _row(row: Any) -> rx.Component:
    return rx.el.tr(
        # One link a row (Review), so the keyboard meets each task once.
        rx.el.td(rx.text(row["associate"], size="2", weight="medium")),
        rx.el.td(rx.text(row["day"], size="2", white_space="nowrap")),
        rx.el.td(
            rx.cond(
                row["round"] != "",
                rx.badge(row["round"], color_scheme="amber", variant="soft"),
                rx.text("First review", size="2", color_scheme="gray"),
            )
        ),
        rx.el.td(
            rx.hstack(
                rx.text(row["waiting"], size="2", white_space="nowrap"),
                rx.cond(
                    row["overdue"] != "",
                    rx.badge("Overdue", color_scheme="red", variant="soft", size="1"),
                ),
                spacing="2",
                align="center",
            )
        ),
        rx.el.td(
            link_button(
                "Review",
                row["href"],
                "clipboard-check",
                variant="soft",
                size="2",
                aria_label=row["open_label"],
            ),
            style={"text_align": "right"},
        ),
        class_name="pr-review-row",
    )


def _calm(icon: str, title: str, text: str, *extra: rx.Component) -> rx.Component:
    """A quiet empty state: nothing is wrong, there is simply nothing to do here."""
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=28, color=rx.color("teal", 9)),
            rx.heading(title, size="4", weight="medium", as_="h2"),
            rx.text(text, size="2", color_scheme="gray", text_align="center", max_width="440px"),
            *extra,
            align="center",
            spacing="2",
        ),
        padding_y="40px",
        width="100%",
        id="reviews-empty",
    )


def _queue() -> rx.Component:
    return section(
        "Waiting for you",
        rx.cond(
            R.rows.length() > 0,
            rx.vstack(
                table(
                    ["Associate", "Session", "Round", "Waiting", ""],
                    rx.foreach(R.rows, _row),
                    "review-queue",
                ),
                rx.text(
                    f"Oldest first. A review is overdue after {REVIEW_OVERDUE_AFTER.days} days.",
                    size="1",
                    color_scheme="gray",
                ),
                spacing="3",
                width="100%",
            ),
            _calm(
                "clipboard-check",
                "Nothing waiting for your review.",
                "Notes your supervisees sign appear here, oldest first.",
            ),
        ),
    )


def _not_a_supervisor() -> rx.Component:
    # No section heading: the page's own title says it, and the note below says why.
    return rx.box(
        _calm(
            "clipboard-check",
            "No reviews for you",
            "You supervise nobody, so there is nothing here to review. Notes you sign that "
            "need a co-signature go to your supervisor.",
            rx.cond(R.can_write, rx.link("Go to your notes", href=NOTES, size="2")),
        ),
        style={
            "border": f"1px solid {rx.color('gray', 5)}",
            "border_radius": "10px",
            "background": rx.color("gray", 1),
            "width": "100%",
        },
    )


def _body() -> rx.Component:
    return rx.vstack(
        page_header(
            "Reviews",
            rx.cond(
                R.reviewer,
                rx.cond(
                    R.summary != "",
                    R.summary,
                    "Notes your supervisees signed, waiting for your co-signature.",
                ),
                "Where supervisors co-sign their associates' notes.",
            ),
        ),
        rx.cond(R.reviewer, _queue(), _not_a_supervisor()),
        spacing="5",
        width="100%",
    )


@app_page(REVIEWS, "Reviews", on_load=R.load)
def reviews_page() -> rx.Component:
    return rx.cond(
        R.loaded,
        rx.cond(R.forbidden, forbidden_panel("Only clinicians review notes"), _body()),
        loading(),
    )
