"""One injectable clock: every 'now' in the code comes from here so tests can travel in time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[Callable[[timedelta], None]]:
    """Freeze the clock at MOMENT; the yielded function moves it forward."""
    global _now
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs an aware datetime")
    current = [moment.astimezone(UTC)]
    previous = _now

    def advance(delta: timedelta) -> None:
        current[0] = current[0] + delta

    _now = lambda: current[0]  # noqa: E731
    try:
        yield advance
    finally:
        _now = previous
