"""Staff: the list, the add form and one member's page."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import reflex as rx

from practicerunner.core.permissions import ROLE_LABELS, Role
from practicerunner.practice.pages.widgets import (
    SHOW_SUPERVISION_FOR_ASSOCIATES,
    gate,
    grid,
    save_row,
    status_badge,
)
from practicerunner.practice.state import StaffEditState, StaffListState, StaffNewState
from practicerunner.ui.components import (
    checkbox_field,
    field_error,
    form_error_banner,
    link_button,
    page_header,
    section,
)
from practicerunner.ui.components import text_field as field
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import STAFF, STAFF_NEW

STAFF_EDIT = STAFF + "/[staff_id]"

ROLE_HINTS: dict[Role, str] = {
    Role.OWNER: "Sets up the practice, staff and fees; sees everything.",
    Role.CLINICIAN: "Sees their own clients.",
    Role.ASSOCIATE: "Pre-licensed; needs a supervisor.",
    Role.SUPERVISOR: "Sees the caseloads of the associates they supervise.",
    Role.SCHEDULER: "Books appointments for every clinician.",
    Role.BILLER: "Invoices, payments and claims.",
}


# ---------------------------------------------------------------- list


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


# ---------------------------------------------------------------- the shared form


def _roles(errors: rx.Var, held: Any) -> rx.Component:
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


def _supervision(state: Any, primary: Any, extra: Any) -> rx.Component:
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


def _details(state: Any, val: Any, *, new: bool) -> list[rx.Component]:
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


# ---------------------------------------------------------------- add


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
                *_details(s, defaultdict(str), new=True),
                section("Roles and supervision", _roles(s.errors, None), _supervision(s, "", None)),
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


# ---------------------------------------------------------------- edit


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
                *_details(s, val, new=False),
                section(
                    "Roles and supervision",
                    _roles(s.errors, s.roles),
                    _supervision(s, val["primary_supervisor_id"], s.extra_supervisors),
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
