"""The postal address fields the practice profile and office locations share."""

from __future__ import annotations

from typing import Protocol

from practicerunner.core import validation as v


class AddressInput(Protocol):
    """A form that carries the address fields."""

    @property
    def address_line1(self) -> str: ...
    @property
    def address_line2(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def postal_code(self) -> str: ...


def validate_address(errors: v.Errors, data: AddressInput, *, is_required: bool) -> dict[str, str]:
    """The normalised address fields; refusals go into ERRORS."""
    check = v.required if is_required else v.optional
    return {
        "address_line1": errors.check("address_line1", check, data.address_line1, "Street address"),
        "address_line2": errors.check(
            "address_line2", v.optional, data.address_line2, "Address line 2"
        ),
        "city": errors.check("city", check, data.city, "City", 100),
        "state": errors.check("state", v.us_state, data.state, is_required=is_required),
        "postal_code": errors.check("postal_code", v.postal_code, data.postal_code),
    }
