"""Reading values out of a submitted form (uncontrolled inputs post strings or nothing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self


def text(form: Mapping[str, Any], name: str) -> str:
    """The field's value as a string; missing is empty."""
    value = form.get(name, "")
    return "" if value is None else str(value)


def checked(form: Mapping[str, Any], name: str) -> bool:
    """Whether a checkbox was ticked."""
    return form.get(name) not in (None, "", False, "false", "off")


def ids(values: Any) -> tuple[str, ...]:
    """The non-blank ids among VALUES, as strings."""
    return tuple(str(x) for x in values if str(x).strip())


class TextForm:
    """Base of a frozen dataclass whose fields are all text inputs of the same names."""

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> Self:
        """The input as the form posted it (missing fields are empty)."""
        names = cls.__dataclass_fields__  # type: ignore[attr-defined]
        return cls(**{f: text(form, f) for f in names})
