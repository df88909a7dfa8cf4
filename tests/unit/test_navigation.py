"""The navigation each role gets: every entry leads somewhere the role may go."""

from __future__ import annotations

import pytest

from practicerunner.core.permissions import Actor, Role
from practicerunner.ui.routes import nav_for


def _labels(*roles: Role) -> set[str]:
    return {item["label"] for item in nav_for(Actor(1, "Someone", frozenset(roles)))}


@pytest.mark.parametrize(
    ("roles", "hours"),
    [
        ((Role.OWNER,), True),
        ((Role.SUPERVISOR,), True),
        ((Role.ASSOCIATE,), True),
        ((Role.CLINICIAN,), False),  # licensed, supervising nobody: no hours to log or sign
        ((Role.SCHEDULER,), False),
        ((Role.BILLER,), False),
        ((Role.CLINICIAN, Role.SUPERVISOR), True),
    ],
)
def test_supervision_hours_are_offered_to_those_who_log_or_sign_them(
    roles: tuple[Role, ...], hours: bool
) -> None:
    assert ("Supervision hours" in _labels(*roles)) is hours


def test_only_the_owner_manages_note_templates() -> None:
    assert "Note templates" in _labels(Role.OWNER)
    for role in (Role.CLINICIAN, Role.SUPERVISOR, Role.ASSOCIATE, Role.SCHEDULER, Role.BILLER):
        assert "Note templates" not in _labels(role)


def test_the_front_desk_sees_no_clinical_entries() -> None:
    labels = _labels(Role.SCHEDULER)
    assert {"Calendar", "Clients"} <= labels
    assert not labels & {"Notes", "Reviews", "Supervision hours", "Note templates"}
