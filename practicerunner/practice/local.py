"""The practice's own clock: its timezone and what day it is there.

"Today" is the practice's date, not the server's: a 9 pm session in Los Angeles is still
today, and "every Friday" means Friday where the practice is.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from practicerunner.core import clock
from practicerunner.practice.models import Practice

DEFAULT_TIMEZONE = "America/New_York"  # Practice.timezone's default


def practice_zone(session: Session) -> str:
    """The practice's IANA timezone name."""
    return session.exec(select(Practice.timezone)).first() or DEFAULT_TIMEZONE


def practice_tz(session: Session) -> ZoneInfo:
    """The practice's timezone, ready for `astimezone`."""
    return ZoneInfo(practice_zone(session))


def practice_today(session: Session) -> date:
    """Today in the practice's timezone."""
    return clock.now().astimezone(practice_tz(session)).date()
