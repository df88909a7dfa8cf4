"""Field groups the client and contact forms share: the two-column grid, reach, address."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.ui.components import text_field


def grid(*children: rx.Component) -> rx.Component:
    return rx.grid(
        *children, columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"
    )


def address_fields(e: Any, v: Any) -> list[rx.Component]:
    return [
        text_field(
            "Address",
            "address_line1",
            e,
            default_value=v["address_line1"],
            auto_complete="address-line1",
        ),
        text_field(
            "Address line 2",
            "address_line2",
            e,
            default_value=v["address_line2"],
            auto_complete="address-line2",
        ),
        text_field("City", "city", e, default_value=v["city"], auto_complete="address-level2"),
        rx.grid(
            text_field(
                "State",
                "state",
                e,
                default_value=v["state"],
                hint="Two letters, like OR",
                max_length=2,
            ),
            text_field(
                "ZIP code",
                "postal_code",
                e,
                default_value=v["postal_code"],
                auto_complete="postal-code",
            ),
            columns="2",
            spacing="4",
        ),
    ]


def reach_fields(e: Any, v: Any) -> list[rx.Component]:
    """Email and phone, the same on a client and a contact."""
    return [
        text_field("Email", "email", e, type="email", default_value=v["email"]),
        text_field(
            "Phone",
            "phone",
            e,
            type="tel",
            default_value=v["phone"],
            placeholder="(503) 555-0142",
        ),
    ]
