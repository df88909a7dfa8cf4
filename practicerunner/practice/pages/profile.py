"""The practice profile page."""

from __future__ import annotations

import reflex as rx

from practicerunner.practice.pages.widgets import gate, grid, save_row
from practicerunner.practice.service import US_TIMEZONES
from practicerunner.practice.state import PracticeProfileState as S
from practicerunner.ui.components import form_error_banner, page_header, section, select_field
from practicerunner.ui.components import text_field as field
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import SETTINGS_PRACTICE


@app_page(SETTINGS_PRACTICE, "Practice", on_load=S.load)
def practice_profile() -> rx.Component:
    e, val = S.errors, S.values
    return gate(
        S,
        page_header(
            "Practice",
            "Your practice's name, contact details and identifiers, as they appear on "
            "invoices, superbills and claims.",
        ),
        rx.form(
            rx.vstack(
                form_error_banner(e),
                section(
                    "Practice",
                    grid(
                        field("Practice name", "name", e, default_value=val["name"], required=True),
                        select_field(
                            "Timezone",
                            "timezone",
                            US_TIMEZONES,
                            e,
                            default_value=val["timezone"],
                            required=True,
                            hint="Appointment times and billing days follow this timezone.",
                        ),
                        field(
                            "Phone",
                            "phone",
                            e,
                            default_value=val["phone"],
                            type="tel",
                            placeholder="(503) 555-0142",
                        ),
                        field("Email", "email", e, default_value=val["email"], type="email"),
                    ),
                ),
                section(
                    "Address",
                    grid(
                        field(
                            "Street address", "address_line1", e, default_value=val["address_line1"]
                        ),
                        field(
                            "Address line 2", "address_line2", e, default_value=val["address_line2"]
                        ),
                        field("City", "city", e, default_value=val["city"]),
                        grid(
                            field(
                                "State",
                                "state",
                                e,
                                default_value=val["state"],
                                max_length=2,
                                placeholder="OR",
                            ),
                            field(
                                "ZIP code",
                                "postal_code",
                                e,
                                default_value=val["postal_code"],
                                placeholder="97205",
                            ),
                        ),
                    ),
                ),
                section(
                    "Appointments",
                    grid(
                        field(
                            "Reminder (hours before a session)",
                            "reminder_hours",
                            e,
                            default_value=val["reminder_hours"],
                            input_mode="numeric",
                            max_length=3,
                            hint="Clients get an email (and a text, if set up) this many hours "
                            "before each session. 0 turns reminders off.",
                        ),
                        field(
                            "Late-cancellation window (hours)",
                            "late_cancel_hours",
                            e,
                            default_value=val["late_cancel_hours"],
                            input_mode="numeric",
                            max_length=3,
                            hint="A cancellation closer than this to the start counts as a "
                            "late cancellation.",
                        ),
                    ),
                ),
                section(
                    "Billing identifiers",
                    grid(
                        field(
                            "Group NPI",
                            "npi",
                            e,
                            default_value=val["npi"],
                            hint="The practice's type 2 NPI: 10 digits.",
                            input_mode="numeric",
                            pattern=r"\d{10}",
                            max_length=10,
                        ),
                        field(
                            "Tax ID (EIN)",
                            "tax_id",
                            e,
                            default_value=val["tax_id"],
                            hint="9 digits, like 12-3456789.",
                        ),
                    ),
                ),
                save_row("Save practice details"),
                spacing="5",
                width="100%",
            ),
            on_submit=S.save,
            key=f"practice-{S.rev}",
            width="100%",
        ),
    )
