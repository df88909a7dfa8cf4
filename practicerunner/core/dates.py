"""Days in words, the same on every screen, email and document.

Fixed English names: strftime's %a and %b follow the process locale, and a document's wording
(and bytes) must not depend on which worker rendered it.
"""

from __future__ import annotations

from datetime import date

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(day: date) -> str:
    """'Dec 1, 2026'."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def day_label(day: date) -> str:
    """'Tue, Dec 1, 2026'."""
    return f"{WEEKDAYS[day.weekday()]}, {short_date(day)}"
