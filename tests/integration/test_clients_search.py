"""Searching the client list: name words, email, phone digits, filters and pages."""

from __future__ import annotations

import pytest

from practicerunner.clients import service


def add(session, people, first, last, *, clinician="owner", **extra):
    data = {
        "legal_first_name": first,
        "legal_last_name": last,
        "date_of_birth": extra.pop("dob", "1990-01-01"),
        "clinician_id": str(people.staff[clinician].id),
        **extra,
    }
    return service.create_client(session, people.owner, data, confirm_duplicate=True)


@pytest.fixture
def roster(session, people):
    """A few named clients on top of the personas' five."""
    return {
        "jose": add(
            session,
            people,
            "José",
            "Núñez",
            email="jose.n@example.com",
            phone="(503) 555-0142",
            preferred_name="Pepe",
        ),
        "maria": add(
            session,
            people,
            "Maria",
            "Nunez",
            clinician="clinician",
            status="prospective",
            phone="+1 971 555 0199",
        ),
        "ann": add(
            session, people, "Ann", "Smith", status="discharged", email="ann@smith.example.com"
        ),
    }


def names(page):
    return [row.legal_name for row in page.rows]


def test_it_matches_every_word_of_a_name_without_accents_or_case(session, people, roster):
    # when
    page = service.search_clients(session, people.owner, "jose NUÑEZ")
    # then
    assert names(page) == ["José Núñez"]
    assert service.search_clients(session, people.owner, "nunez").total == 2
    assert names(service.search_clients(session, people.owner, "nun mar")) == ["Maria Nunez"]


def test_it_matches_a_preferred_name(session, people, roster):
    page = service.search_clients(session, people.owner, "pepe")
    assert names(page) == ["José Núñez"]
    assert page.rows[0].display_name == "Pepe Núñez"


def test_it_matches_an_email(session, people, roster):
    assert names(service.search_clients(session, people.owner, "ann@smith.example.com")) == [
        "Ann Smith"
    ]
    assert names(service.search_clients(session, people.owner, "jose.n@")) == ["José Núñez"]


@pytest.mark.parametrize("query", ["5035550142", "(503) 555-0142", "503-555", "+1 503 555 0142"])
def test_it_matches_phone_digits_in_any_punctuation(session, people, roster, query):
    assert names(service.search_clients(session, people.owner, query)) == ["José Núñez"]


def test_it_shows_formatted_phones_and_the_clinicians_name(session, people, roster):
    row = service.search_clients(session, people.owner, "maria").rows[0]
    assert row.phone == "(971) 555-0199"
    assert row.clinician_name == "Carl Chen"
    assert row.status_label == "Prospective"


def test_it_filters_by_status_and_by_clinician(session, people, roster):
    # when
    prospective = service.search_clients(session, people.owner, status="prospective")
    carls = service.search_clients(session, people.owner, clinician_id=people.staff["clinician"].id)
    both = service.search_clients(
        session, people.owner, "nunez", status="active", clinician_id=people.staff["owner"].id
    )
    # then
    assert names(prospective) == ["Maria Nunez"]
    assert names(carls) == ["Maria Nunez", "Client1 OfClinician"]
    assert names(both) == ["José Núñez"]


def test_it_treats_like_wildcards_as_plain_text(session, people, roster):
    assert service.search_clients(session, people.owner, "%").total == 0
    assert service.search_clients(session, people.owner, "_").total == 0


def test_it_keeps_search_within_the_caseload(session, people, roster):
    # when: Carl searches for a name that also belongs to Olivia's client
    page = service.search_clients(session, people.clinician, "nunez")
    # then
    assert names(page) == ["Maria Nunez"]


def test_it_pages_results_in_name_order_with_counts(session, people):
    # given: 23 more clients, 28 in all
    for i in range(23):
        add(session, people, f"Pat{i:02d}", f"Zed{i:02d}")
    # when
    first = service.search_clients(session, people.owner, per_page=10)
    third = service.search_clients(session, people.owner, page=3, per_page=10)
    beyond = service.search_clients(session, people.owner, page=99, per_page=10)
    # then
    assert (first.total, first.pages, first.page, len(first.rows)) == (28, 3, 1, 10)
    assert (third.page, len(third.rows)) == (3, 8)
    assert names(third)[-1] == "Pat22 Zed22"
    assert beyond.page == 3
    assert names(first)[:2] == ["Client3 OfAssociate", "Client4 OfAssociate2"]
    everyone = [
        n
        for p in (1, 2, 3)
        for n in names(service.search_clients(session, people.owner, page=p, per_page=10))
    ]
    assert len(set(everyone)) == 28


def test_it_finds_nothing_gracefully(session, people):
    page = service.search_clients(session, people.owner, "nobody-by-this-name")
    assert (page.total, page.pages, page.page, page.rows) == (0, 1, 1, [])
