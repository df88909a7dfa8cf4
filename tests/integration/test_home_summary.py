"""The start page counts only what the person may see, and lists clients they opened."""

from __future__ import annotations

from practicerunner.clients import service


def test_a_clinician_sees_numbers_for_their_own_caseload(session, people):
    # given: every persona's single active client with one open case (tests/personas.py)
    # when
    summary = service.home_summary(session, people.clinician)
    # then
    assert summary is not None
    assert summary.scope_label == "In your caseload"
    assert (summary.active_clients, summary.open_cases) == (1, 1)


def test_a_supervisor_counts_their_supervisees_too(session, people):
    summary = service.home_summary(session, people.supervisor)
    assert summary is not None
    assert (summary.active_clients, summary.open_cases) == (3, 3)


def test_the_front_desk_sees_the_whole_practice(session, people):
    summary = service.home_summary(session, people.scheduler)
    assert summary is not None
    assert summary.scope_label == "In the practice"
    assert (summary.active_clients, summary.open_cases) == (5, 5)


def test_recently_opened_clients_come_newest_first_and_only_within_reach(session, people):
    # given: the owner opens two clients, the second one twice
    for key in ("associate", "clinician", "clinician"):
        service.get_client_profile(session, people.owner, people.clients[key].id)
    # when
    recent = service.home_summary(session, people.owner).recent
    # then
    assert [i for i, _ in recent] == [
        people.clients["clinician"].id,
        people.clients["associate"].id,
    ]
    # and another person's reads are not theirs
    assert service.home_summary(session, people.associate).recent == []
