"""The pieces the add-staff and edit-staff forms share: details, roles, supervision."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.core.permissions import ROLE_LABELS, Role
from practicerunner.practice.pages.widgets import grid
from practicerunner.ui.components import checkbox_field, field_error, section
from practicerunner.ui.components import text_field as field

ROLE_HINTS: dict[Role, str] = {
    Role.OWNER: "Sets up the practice, staff and fees; sees everything.",
    Role.CLINICIAN: "Sees their own clients.",
    Role.ASSOCIATE: "Pre-licensed; needs a supervisor.",
    Role.SUPERVISOR: "Sees the caseloads of the associates they supervise.",
    Role.SCHEDULER: "Books appointments for every clinician.",
    Role.BILLER: "Invoices, payments and claims.",
}


def role_checkboxes(errors: rx.Var, held: Any) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text("Roles *", size="2", weight="medium"), margin_bottom="8px"),
        rx.grid(
            *[
                checkbox_field(
                    ROLE_LABELS[role],
                    f"role_{role.value}",
                    default_checked=held.contains(role.value) if held is not None else False,
                    hint=ROLE_HINTS[role],
                )
                for role in Role
            ],
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
        ),
        field_error(errors, "roles"),
        aria_describedby="roles-error",
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def supervision_fields(state: Any, primary: Any, extra: Any) -> rx.Component:
    e = state.errors
    return rx.vstack(
        rx.el.label(
            rx.text("Primary supervisor *", size="2", weight="medium"),
            html_for="primary_supervisor_id",
        ),
        rx.el.select(
            rx.el.option("Choose a supervisor…", value=""),
            rx.foreach(state.supervisors, lambda o: rx.el.option(o[1], value=o[0])),
            id="primary_supervisor_id",
            name="primary_supervisor_id",
            default_value=primary,
            class_name="pr-select",
            aria_invalid=rx.cond(e.contains("primary_supervisor_id"), "true", "false"),
            aria_describedby="primary_supervisor_id-error",
            max_width="360px",
        ),
        field_error(e, "primary_supervisor_id"),
        rx.cond(
            state.supervisors.length() > 1,
            rx.vstack(
                rx.text("Also supervised by", size="2", weight="medium", margin_top="8px"),
                rx.foreach(
                    state.supervisors,
                    lambda o: rx.el.label(
                        rx.hstack(
                            rx.el.input(
                                type="checkbox",
                                name="supervisor_" + o[0],
                                default_checked=extra.contains(o[0])
                                if extra is not None
                                else False,
                                class_name="pr-checkbox",
                            ),
                            rx.text(o[1], size="2"),
                            spacing="2",
                            align="center",
                        ),
                    ),
                ),
                field_error(e, "supervisor_ids"),
                spacing="2",
            ),
        ),
        rx.cond(
            state.supervisors.length() == 0,
            rx.callout(
                "Nobody holds the supervisor role yet. Give a licensed clinician that role first.",
                icon="info",
                color_scheme="amber",
                size="1",
            ),
        ),
        class_name="pr-associate-only",
        spacing="1",
        width="100%",
        padding_top="16px",
    )


def detail_sections(state: Any, val: Any, *, new: bool) -> list[rx.Component]:
    e = state.errors
    person = [
        field("Full name", "full_name", e, default_value=val["full_name"], required=True),
    ]
    if new:
        person += [
            field(
                "Email",
                "email",
                e,
                type="email",
                required=True,
                hint="They sign in with this address.",
                auto_complete="off",
            ),
            field(
                "Initial password",
                "password",
                e,
                type="password",
                required=True,
                min_length=12,
                auto_complete="new-password",
                hint="At least 12 characters. Tell them in person or by phone.",
            ),
        ]
    person.append(
        field(
            "Phone",
            "phone",
            e,
            default_value=val["phone"],
            type="tel",
            placeholder="(503) 555-0142",
        )
    )
    return [
        section("Person", grid(*person)),
        section(
            "License and billing",
            grid(
                field(
                    "Credentials",
                    "credentials",
                    e,
                    default_value=val["credentials"],
                    hint="Shown after the name, like LMFT or AMFT.",
                ),
                field(
                    "License type",
                    "license_type",
                    e,
                    default_value=val["license_type"],
                    placeholder="Licensed Marriage and Family Therapist",
                ),
                field(
                    "License number",
                    "license_number",
                    e,
                    default_value=val["license_number"],
                ),
                field(
                    "Individual NPI",
                    "npi",
                    e,
                    default_value=val["npi"],
                    hint="10 digits.",
                    input_mode="numeric",
                    pattern=r"\d{10}",
                    max_length=10,
                ),
            ),
        ),
    ]
