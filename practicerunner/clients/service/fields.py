"""The fields clients and contacts share, and the checks on them that both forms run."""

from __future__ import annotations

from typing import Any

from practicerunner.core import validation

# How to reach a person: the same fields, checked the same way, on a client and a contact.
REACH_FIELDS = (
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
)
CLIENT_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    *REACH_FIELDS,
    "status",
    "clinician_id",
    "portal_access",
    "reminders_opt_out",
)
CONTACT_FIELDS = (
    "relationship",
    "first_name",
    "last_name",
    *REACH_FIELDS,
    "portal_access",
)


def truthy(value: Any) -> bool:
    """A ticked checkbox, however the form spelled it."""
    return value is True or str(value).strip().lower() in {"on", "true", "yes", "1"}


def clean_address(data: dict[str, Any], e: validation.Errors) -> dict[str, Any]:
    """The postal address fields, each checked; messages go to E."""
    v = validation
    return {
        "address_line1": e.check("address_line1", v.optional, data.get("address_line1"), "Address"),
        "address_line2": e.check(
            "address_line2", v.optional, data.get("address_line2"), "Address line 2"
        ),
        "city": e.check("city", v.optional, data.get("city"), "City", 100),
        "state": e.check("state", v.us_state, data.get("state")),
        "postal_code": e.check("postal_code", v.postal_code, data.get("postal_code")),
    }


def require_email_for_portal(clean: dict[str, Any], e: validation.Errors) -> None:
    """Portal access signs in by email, so it needs one (unless the email itself is wrong)."""
    if clean["portal_access"] and not clean["email"] and "email" not in e.errors:
        e.add("portal_access", "Portal access needs an email address on file.")
