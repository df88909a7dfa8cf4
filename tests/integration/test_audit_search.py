"""Searching the audit log: owner only, by person, client and dates, newest first, paged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from practicerunner.audit import service
from practicerunner.core import audit, clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import PermissionDenied, ValidationFailed

# 2025 in Portland: PST is UTC-8, PDT is UTC-7.
NEW_YEAR_2025_PT = datetime(2025, 1, 1, 8, 30, tzinfo=UTC)  # Jan 1 2025, 00:30 PST
MIDSUMMER_2025 = datetime(2025, 7, 1, 18, 0, tzinfo=UTC)
NEW_YEARS_EVE_2025_PT = datetime(2026, 1, 1, 7, 30, tzinfo=UTC)  # Dec 31 2025, 23:30 PST
JUST_BEFORE_2025_PT = datetime(2025, 1, 1, 7, 59, tzinfo=UTC)  # Dec 31 2024, 23:59 PST
JUST_AFTER_2025_PT = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)  # Jan 1 2026, 00:00 PST


def _write(session, actor, action, at, **kwargs):
    with clock.frozen_at(at):
        event = audit.record(session, actor, action, **kwargs)
    session.commit()
    return event


def _view_client(session, people, who, client_key, at):
    client = people.clients[client_key]
    return _write(
        session,
        getattr(people, who),
        "client.view",
        at,
        record_type="client",
        record_id=client.id,
        client_id=client.id,
    )


def test_it_finds_a_persons_trail_including_their_failed_sign_ins(session, people):
    # given
    carl = people.staff["clinician"]
    t = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
    _view_client(session, people, "clinician", "clinician", t)
    _view_client(session, people, "associate", "associate", t)
    _write(
        session,
        None,
        "auth.sign_in_failed",
        t,
        actor_name=carl.full_name,
        record_type="staff",
        record_id=carl.id,
        ip="10.1.2.3",
    )
    # when
    result = service.search_audit(session, people.owner, staff_id=carl.id)
    # then
    assert [r.action_label for r in result.rows] == ["Failed sign-in", "Viewed client"]
    assert {r.actor_name for r in result.rows} == {"Carl Chen"}
    assert result.rows[0].ip == "10.1.2.3"
    assert result.total == 2


def test_it_finds_every_entry_about_a_client_with_the_clients_name(session, people):
    t = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
    _view_client(session, people, "clinician", "clinician", t)
    _view_client(session, people, "owner", "clinician", t + timedelta(minutes=5))
    _view_client(session, people, "associate", "associate", t)
    client = people.clients["clinician"]
    result = service.search_audit(session, people.owner, client_id=client.id)
    assert result.total == 2
    assert [r.actor_name for r in result.rows] == ["Olivia Owens", "Carl Chen"]
    row = result.rows[0]
    assert row.client_name == client.legal_name
    assert row.record == f"Client #{client.id}"
    assert row.when == "Mar 3, 2025, 9:05:00 AM PST"


def test_a_date_range_of_a_whole_year_covers_whole_days_in_the_practice_timezone(session, people):
    for at in (
        JUST_BEFORE_2025_PT,
        NEW_YEAR_2025_PT,
        MIDSUMMER_2025,
        NEW_YEARS_EVE_2025_PT,
        JUST_AFTER_2025_PT,
    ):
        _view_client(session, people, "clinician", "clinician", at)
    result = service.search_audit(
        session, people.owner, date_from="2025-01-01", date_to="2025-12-31", action_prefix="client."
    )
    assert result.total == 3
    assert [r.when for r in result.rows] == [
        "Dec 31, 2025, 11:30:00 PM PST",
        "Jul 1, 2025, 11:00:00 AM PDT",
        "Jan 1, 2025, 12:30:00 AM PST",
    ]


def test_there_is_no_limit_on_the_range(session, people):
    _view_client(session, people, "clinician", "clinician", datetime(2015, 5, 1, tzinfo=UTC))
    _view_client(session, people, "clinician", "clinician", datetime(2025, 5, 1, tzinfo=UTC))
    wide = service.search_audit(
        session, people.owner, date_from="2000-01-01", date_to="2030-12-31", action_prefix="client."
    )
    open_start = service.search_audit(
        session, people.owner, date_to="2020-01-01", action_prefix="client."
    )
    assert wide.total == 2 and open_start.total == 1


def test_results_are_paged_newest_first_without_overlap(session, people):
    t = datetime(2025, 2, 1, 17, 0, tzinfo=UTC)
    for i in range(120):
        _view_client(session, people, "clinician", "clinician", t + timedelta(minutes=i))
    pages = [
        service.search_audit(session, people.owner, action_prefix="client.view", page=n)
        for n in (1, 2, 3)
    ]
    assert [p.total for p in pages] == [120, 120, 120]
    assert [p.pages for p in pages] == [3, 3, 3]
    assert [len(p.rows) for p in pages] == [50, 50, 20]
    seqs = [r.seq for p in pages for r in p.rows]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 120
    # A page past the end shows the last page rather than nothing.
    assert service.search_audit(session, people.owner, action_prefix="client.", page=99).page == 3


def test_the_action_filter_matches_a_prefix_literally(session, people):
    t = datetime(2025, 2, 1, 17, 0, tzinfo=UTC)
    _write(session, None, "auth.sign_in_failed", t, actor_name="x@y.z")
    _write(session, people.clinician, "auth.sign_in", t)
    failed = service.search_audit(session, people.owner, action_prefix="auth.sign_in_failed")
    assert [r.action for r in failed.rows] == ["auth.sign_in_failed"]
    # "_" is not a wildcard: "auth.sign%in" must match nothing.
    assert service.search_audit(session, people.owner, action_prefix="auth.sign%in").total == 0


@pytest.mark.parametrize(
    ("date_from", "date_to", "field", "message"),
    [
        ("2025-13-01", "", "date_from", "Enter the start date as a date, like 2026-01-31."),
        ("", "yesterday", "date_to", "Enter the end date as a date, like 2026-01-31."),
        ("2025-06-02", "2025-06-01", "date_to", "The end date is before the start date."),
    ],
)
def test_bad_dates_are_refused_with_a_message_beside_the_field(
    session, people, date_from, date_to, field, message
):
    with pytest.raises(ValidationFailed) as refused:
        service.search_audit(session, people.owner, date_from=date_from, date_to=date_to)
    assert refused.value.errors == {field: message}


def test_a_single_day_is_a_valid_range(session, people):
    _view_client(session, people, "clinician", "clinician", datetime(2025, 6, 2, 6, 59, tzinfo=UTC))
    _view_client(session, people, "clinician", "clinician", datetime(2025, 6, 2, 7, 0, tzinfo=UTC))
    day = service.search_audit(
        session, people.owner, date_from="2025-06-02", date_to="2025-06-02", action_prefix="client."
    )
    assert day.total == 1  # 07:00 UTC is midnight PDT; 06:59 UTC was still June 1st


@pytest.mark.parametrize(
    "who", ["clinician", "supervisor", "associate", "associate2", "scheduler", "biller"]
)
def test_only_the_owner_may_search_or_verify(session, people, who):
    actor = getattr(people, who)
    with pytest.raises(PermissionDenied):
        service.search_audit(session, actor)
    with pytest.raises(PermissionDenied):
        service.staff_choices(session, actor)
    with pytest.raises(PermissionDenied):
        service.client_choices(session, actor, "client")
    with pytest.raises(PermissionDenied):
        service.verify_audit_chain(session, actor)
    assert (
        session.exec(select(AuditEvent).where(AuditEvent.action.startswith("audit."))).all() == []
    )


def test_a_search_is_itself_recorded(session, people):
    client = people.clients["associate"]
    service.search_audit(
        session,
        people.owner,
        client_id=client.id,
        date_from="2025-01-01",
        action_prefix="case.",
    )
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.search")).one()
    assert event.actor_id == people.owner.staff_id
    assert event.client_id == client.id
    assert json.loads(event.detail) == {
        "action": "case.",
        "client_id": client.id,
        "from": "2025-01-01",
        "page": 1,
    }


def test_the_pickers_list_inactive_staff_and_find_clients_by_name(session, people):
    carl = people.staff["clinician"]
    carl.is_active = False
    session.add(carl)
    session.commit()
    staff = dict(service.staff_choices(session, people.owner))
    assert staff[carl.id] == "Carl Chen (inactive)"
    assert len(staff) == 7
    matches = service.client_choices(session, people.owner, "client3 ofassoc")
    assert [label.split(" (")[0] for _, label in matches] == ["Client3 OfAssociate"]
    assert service.client_choices(session, people.owner, "%") == []


def test_verifying_reports_an_intact_chain_and_is_recorded(session, people):
    _view_client(session, people, "clinician", "clinician", datetime(2025, 2, 1, tzinfo=UTC))
    report = service.verify_audit_chain(session, people.owner)
    assert report.intact and report.entries == 1
    assert session.exec(select(AuditEvent.action).order_by(AuditEvent.seq.desc())).first() == (
        "audit.verify"
    )


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("client.view", "Viewed client"),
        ("case.update", "Updated case"),
        ("contact.deactivate", "Deactivated contact"),
        ("practice.update", "Updated practice settings"),
        ("auth.sign_in", "Signed in"),
        ("auth.sign_in_failed", "Failed sign-in"),
        ("something.odd", "Something: odd"),
    ],
)
def test_actions_are_worded_plainly(code, label):
    assert service.action_label(code) == label
