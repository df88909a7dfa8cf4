"""The demo practice seeded by `make run` (idempotent)."""

from __future__ import annotations

DEMO_ACCOUNTS: list[tuple[str, str]] = []


def seed_demo() -> bool:
    """Create the demo practice once; return whether anything was created."""
    raise NotImplementedError
