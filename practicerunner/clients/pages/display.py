"""Small display pieces of the client pages: status badges, muted text, a dash for empty."""

from __future__ import annotations

from typing import Any

import reflex as rx

STATUS_COLORS = {"prospective": "blue", "active": "teal", "discharged": "gray"}


def status_badge(status: Any, label: Any) -> rx.Component:
    return rx.badge(
        label,
        color_scheme=rx.match(status, *[(k, v) for k, v in STATUS_COLORS.items()], "gray"),  # type: ignore[arg-type]
        variant="soft",
        radius="full",
    )


def muted(text: Any) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray")


def or_dash(value: Any) -> rx.Component:
    return rx.cond(value != "", rx.text(value), muted("—"))
