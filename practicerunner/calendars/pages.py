"""The "Calendar feed" settings page: turn the private feed on, copy its link, choose what
sessions are called, get a new link, turn it off. Owners also get the practice-wide feed."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.calendars.service import LABEL_CHOICES
from practicerunner.calendars.state import CalendarFeedState as S
from practicerunner.practice.pages.widgets import gate
from practicerunner.ui.components import field_error, page_header, section
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import SETTINGS_CALENDAR_FEED

_SCOPE_TEXT = {
    "own": {
        "title": "Your sessions",
        "off": "Your calendar feed is off. Turn it on to get a private link that calendar apps "
        "can subscribe to. Your sessions, supervision, admin and personal time then appear "
        "there and stay up to date.",
        "button": "Turn on calendar feed",
    },
    "practice": {
        "title": "Whole practice",
        "off": "Every clinician's sessions and calendar items in one calendar, each marked "
        "with the clinician's name. Only owners can turn it on.",
        "button": "Turn on practice feed",
    },
}


def _label_choice(scope: str, current: Any) -> rx.Component:
    name = f"{scope}-label"
    return rx.el.fieldset(
        rx.el.legend(rx.text("Sessions appear as", size="2", weight="medium")),
        rx.vstack(
            *[
                rx.el.label(
                    rx.hstack(
                        rx.el.input(
                            type="radio",
                            name="label",
                            value=value,
                            id=f"{name}-{value}",
                            default_checked=current == value,
                            class_name="pr-checkbox",
                            aria_describedby=f"{name}-error",
                        ),
                        rx.text(text, size="2"),
                        spacing="2",
                        align="center",
                    ),
                    html_for=f"{name}-{value}",
                )
                for value, text in LABEL_CHOICES
            ],
            spacing="2",
            padding_top="6px",
        ),
        field_error(S.errors, name),
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def _off(scope: str) -> rx.Component:
    text = _SCOPE_TEXT[scope]
    return rx.form(
        rx.vstack(
            rx.text(text["off"], size="2", color_scheme="gray"),
            rx.el.input(type="hidden", name="scope", value=scope),
            _label_choice(scope, "session"),
            rx.button(text["button"], type="submit", id=f"{scope}-enable"),
            spacing="4",
            align="start",
            width="100%",
        ),
        on_submit=S.enable,
        key=f"{scope}-off-{S.rev}",
        width="100%",
    )


def _new_link(scope: str) -> rx.Component:
    link = S.new_url[scope]
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.icon("link", size=16, color=rx.color("teal", 11)),
                rx.text("Your feed link", size="2", weight="medium"),
                spacing="2",
                align="center",
            ),
            rx.hstack(
                rx.input(
                    value=link["url"],
                    read_only=True,
                    id=f"{scope}-feed-url",
                    aria_label="Feed link",
                    width="100%",
                    size="2",
                    on_focus=rx.call_script(
                        f"document.getElementById('{scope}-feed-url').select()"
                    ),
                ),
                rx.button(
                    rx.icon("copy", size=14),
                    "Copy link",
                    type="button",
                    variant="soft",
                    on_click=S.copy(scope),
                ),
                width="100%",
                spacing="2",
            ),
            rx.text(
                "This link is shown only now. Anyone who has it can see "
                + ("your" if scope == "own" else "every clinician's")
                + " session times and places, so keep it private, like a password. If it may "
                "have been shared, get a new link: this one then stops working.",
                size="2",
            ),
            rx.link(
                rx.hstack(
                    rx.icon("calendar-plus", size=14), rx.text("Open in my calendar app", size="2")
                ),
                href=link["webcal"],
                id=f"{scope}-webcal",
            ),
            spacing="3",
            width="100%",
        ),
        id=f"{scope}-new-link",
        role="status",
        padding="16px",
        border_radius="8px",
        background=rx.color("teal", 2),
        border=f"1px solid {rx.color('teal', 6)}",
        width="100%",
    )


def _confirm(
    trigger: str, title: str, body: str, action: str, on_click: Any, *, danger: bool = False
) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(trigger, type="button", variant="soft", color_scheme="gray"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(body),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(action, color_scheme="red" if danger else "teal", on_click=on_click)
                ),
                spacing="3",
                justify="end",
                padding_top="16px",
            ),
        ),
    )


def _on(scope: str, info: Any) -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.new_url.contains(scope),  # type: ignore[attr-defined]
            _new_link(scope),
            rx.text(
                "The link was shown once, when the feed was turned on. If you have lost it, or "
                "it may have been shared, get a new link: the old one stops working at once.",
                size="2",
                color_scheme="gray",
            ),
        ),
        rx.data_list.root(
            rx.data_list.item(
                rx.data_list.label("Turned on", min_width="160px"),
                rx.data_list.value(info["created"]),
            ),
            rx.data_list.item(
                rx.data_list.label("Last fetched", min_width="160px"),
                rx.data_list.value(
                    rx.cond(
                        info["last_fetched"] != "",
                        info["last_fetched"],
                        "Not yet: no calendar app has fetched it.",
                    ),
                    id=f"{scope}-last-fetched",
                ),
            ),
            size="2",
        ),
        rx.form(
            rx.hstack(
                rx.el.input(type="hidden", name="scope", value=scope),
                _label_choice(scope, info["label"]),
                rx.button("Save", type="submit", variant="soft", id=f"{scope}-save-label"),
                align="end",
                spacing="5",
                wrap="wrap",
            ),
            on_submit=S.save_label,
            key=f"{scope}-label-{S.rev}",
        ),
        rx.divider(),
        rx.hstack(
            _confirm(
                "Get a new link",
                "Get a new link?",
                "The current link stops working at once. Calendars subscribed to it stop "
                "updating until you give them the new link.",
                "Get a new link",
                S.regenerate(scope),
            ),
            _confirm(
                "Turn off",
                "Turn off the calendar feed?",
                "The link stops working at once. Calendars subscribed to it stop updating; "
                "events they already show may stay until you remove the subscription.",
                "Turn off feed",
                S.revoke(scope),
                danger=True,
            ),
            spacing="3",
        ),
        spacing="4",
        width="100%",
        align="start",
    )


def _feed(scope: str, info: Any) -> rx.Component:
    return section(
        _SCOPE_TEXT[scope]["title"],
        rx.cond(info["on"] == "yes", _on(scope, info), _off(scope)),
        action=rx.cond(
            info["on"] == "yes",
            rx.badge("On", color_scheme="teal", variant="soft", size="2"),
            rx.badge("Off", color_scheme="gray", variant="soft", size="2"),
        ),
        id=f"{scope}-feed",
    )


def _privacy() -> rx.Component:
    return rx.callout(
        "The feed shows times, “Session” or the clients' initials, and the location or "
        "“Telehealth”. Never client names, notes, services or case details.",
        icon="shield-check",
        color_scheme="gray",
        variant="surface",
        width="100%",
    )


def _how_to() -> rx.Component:
    steps = [
        ("Google Calendar", "Other calendars → + → From URL, then paste the link."),
        ("Apple Calendar", "File → New Calendar Subscription, then paste the link."),
        ("Outlook", "Add calendar → Subscribe from web, then paste the link."),
    ]
    return section(
        "Adding it to your calendar app",
        rx.vstack(
            *[
                rx.hstack(
                    rx.text(app, size="2", weight="medium", min_width="160px"),
                    rx.text(how, size="2"),
                    spacing="3",
                )
                for app, how in steps
            ],
            rx.text(
                "Calendar apps check for changes on their own schedule: Google Calendar can "
                "take several hours; Apple Calendar and Outlook let you choose how often.",
                size="2",
                color_scheme="gray",
            ),
            spacing="2",
        ),
    )


@app_page(SETTINGS_CALENDAR_FEED, "Calendar feed", on_load=S.load)
def calendar_feed_page() -> rx.Component:
    return gate(
        S,
        page_header(
            "Calendar feed",
            "See your schedule in your own calendar app, kept up to date by PracticeRunner.",
        ),
        _privacy(),
        rx.cond(S.can_own, _feed("own", S.own)),
        rx.cond(S.can_practice, _feed("practice", S.practice)),
        _how_to(),
    )
