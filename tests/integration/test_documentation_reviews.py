"""The supervisor's review queue (only the notes routed to them, oldest first, with their age
and nothing clinical); open reviews moving when routing changes, with both supervisors
emailed and the move audited, once; and the documentation dashboard's counts per role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from practicerunner.auth.service import actor_for
from practicerunner.core import clock
from practicerunner.core.errors import PermissionDenied
from practicerunner.core.models import AuditEvent
from practicerunner.core.permissions import Actor, Role
from practicerunner.documentation.models import ClinicalNote
from practicerunner.documentation.notes import (
    cosign_note,
    return_note,
    save_draft,
    sign_note,
    start_note,
)
from practicerunner.documentation.reviews import (
    Dashboard,
    documentation_dashboard,
    reroute_for_supervisor,
    reroute_open_reviews,
    review_queue,
    waiting_words,
)
from practicerunner.messaging.models import OutboxMessage
from practicerunner.practice.models import Staff
from practicerunner.scheduling.models import Appointment
from practicerunner.supervision.models import ProviderSupervisor
from tests.integration.billing_support import seen
from tests.personas import Personas, add_staff

DAY = date(2026, 12, 1)
AFTER = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # the same afternoon in Los Angeles
DAP: dict[str, object] = {
    "data": "Reported better sleep.",
    "assessment": "Improving.",
    "plan": "Continue weekly.",
}


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(AFTER) as move:
        yield move


def _supervisor(session: Session, email: str, name: str) -> tuple[Staff, Actor]:
    staff = add_staff(session, email, name, [Role.CLINICIAN, Role.SUPERVISOR])
    session.commit()
    actor = actor_for(session, staff)
    session.commit()
    return staff, actor


def _signed(
    session: Session, people: Personas, who: str, hour: int, day: date = DAY
) -> tuple[int, Appointment]:
    """An attended session of WHO's case, its note written and signed: (note id, session)."""
    appointment = seen(session, people, people.cases[who], day, hour)
    author = people.all()[who]
    note_id = start_note(session, author, int(appointment.id), "dap")  # type: ignore[arg-type]
    sign_note(session, author, note_id, save_draft(session, author, note_id, DAP, 0))
    return note_id, appointment


def _outbox(session: Session) -> list[OutboxMessage]:
    rows = list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())
    session.rollback()
    return rows


def _moves(session: Session) -> list[AuditEvent]:
    rows = list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "note.review_moved")
            .order_by(col(AuditEvent.id))
        ).all()
    )
    session.rollback()
    return rows


def _reviewer(session: Session, note_id: int) -> int | None:
    note = session.get(ClinicalNote, note_id)
    reviewer = note.reviewer_id if note else None
    session.rollback()
    return reviewer


def _no_client_or_clinical_words(text: str, people: Personas) -> None:
    client = people.clients["associate"]
    for word in (
        client.legal_first_name,
        client.legal_last_name,
        client.email,
        "sleep",
        "Improving",
        "weekly",
    ):
        assert word.lower() not in text.lower(), word


def test_waiting_in_words() -> None:
    assert waiting_words(timedelta(minutes=59)) == "less than an hour"
    assert waiting_words(timedelta(hours=1)) == "1 hour"
    assert waiting_words(timedelta(hours=23, minutes=59)) == "23 hours"
    assert waiting_words(timedelta(days=1, hours=5)) == "1 day"
    assert waiting_words(timedelta(days=12)) == "12 days"


def test_the_queue_lists_only_my_routed_notes_oldest_first_with_their_age(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    sam = people.supervisor
    uma, uma_actor = _supervisor(session, "uma@willow.test", "Uma Ueda")
    _tess, tess_actor = _supervisor(session, "tess@willow.test", "Tess Tran")
    ana_note, _ = _signed(session, people, "associate", 10)
    travel(timedelta(days=1))
    ben_note, _ = _signed(session, people, "associate2", 11)
    # A session Uma covers goes to her queue, not Sam's.
    covered = seen(session, people, people.cases["associate"], DAY, 14)
    covered.supervisor_override_id = uma.id
    session.add(covered)
    session.commit()
    ana = people.associate
    covered_note = start_note(session, ana, int(covered.id), "dap")  # type: ignore[arg-type]
    sign_note(session, ana, covered_note, save_draft(session, ana, covered_note, DAP, 0))
    _signed(session, people, "clinician", 9)  # complete at once: nobody reviews it
    travel(timedelta(days=2))

    queue = review_queue(session, sam)
    assert [(i.note_id, i.associate_name, i.round) for i in queue] == [
        (ana_note, "Ana Alvarez", 1),
        (ben_note, "Ben Brooks", 1),
    ]
    assert [(i.waiting, i.overdue, i.session_day) for i in queue] == [
        ("3 days", False, DAY),
        ("2 days", False, DAY),
    ]
    for item in queue:
        _no_client_or_clinical_words(json.dumps(asdict(item), default=str), people)
    assert [i.note_id for i in review_queue(session, uma_actor)] == [covered_note]
    assert review_queue(session, tess_actor) == []  # another supervisor: nothing routed
    assert review_queue(session, people.owner) == []
    with pytest.raises(PermissionDenied):
        review_queue(session, people.scheduler)

    # Overdue after seven days: Ana's note waited eight, Ben's exactly seven.
    late = review_queue(session, sam, now=clock.now() + timedelta(days=5))
    assert [(i.waiting, i.overdue) for i in late] == [("8 days", True), ("7 days", False)]

    # Returned, it leaves the queue; signed again, it comes back as round 2, waiting afresh.
    return_note(session, sam, ana_note, "Name the intervention used.")
    assert [i.note_id for i in review_queue(session, sam)] == [ben_note]
    travel(timedelta(hours=5))
    revision = save_draft(session, ana, ana_note, DAP, 1)
    sign_note(session, ana, ana_note, revision)
    travel(timedelta(hours=2))
    queue = review_queue(session, sam)
    assert [(i.note_id, i.round, i.waiting) for i in queue] == [
        (ben_note, 1, "2 days"),
        (ana_note, 2, "2 hours"),
    ]
    cosign_note(session, sam, ben_note)
    assert [i.note_id for i in review_queue(session, sam)] == [ana_note]


def test_a_deactivated_supervisors_reviews_move_to_the_associates_other_supervisor(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    sam = people.staff["supervisor"]
    tess, _ = _supervisor(session, "tess@willow.test", "Tess Tran")
    session.add(
        ProviderSupervisor(
            associate_id=int(people.staff["associate"].id),
            supervisor_id=int(tess.id),  # type: ignore[arg-type]
            is_primary=False,
        )
    )
    session.commit()
    tess_actor = actor_for(session, tess)
    session.commit()
    note_id, _ = _signed(session, people, "associate", 10)
    assert _reviewer(session, note_id) == sam.id
    travel(timedelta(days=2))

    # The staff page would first ask for Ana's and Ben's supervisors to be changed; routing
    # sees only that Sam is no longer active.
    sam.is_active = False
    session.add(sam)
    assert reroute_for_supervisor(session, int(sam.id), actor=people.owner) == 1  # type: ignore[arg-type]
    session.commit()

    note = session.get(ClinicalNote, note_id)
    assert note is not None and note.reviewer_id == tess.id
    assert note.reviewer_why.startswith("Tess Tran supervises Ana Alvarez")
    assert "Sam Suarez, default supervisor, is no longer active" in note.reviewer_why
    session.rollback()
    [item] = review_queue(session, tess_actor)
    assert (item.note_id, item.waiting) == (note_id, "2 days")  # the associate's wait goes on
    assert review_queue(session, people.supervisor) == []

    emails = _outbox(session)
    assert [(m.to_address, m.subject) for m in emails] == [
        ("tess@willow.test", "A note review was moved to you"),
        ("sam@willow.test", "A note review was moved to Tess Tran"),
    ]
    for message in emails:
        assert message.kind == "documentation.review_moved" and message.client_id is None
        assert message.appointment_id is None and message.status == "pending"
        assert "/reviews" in message.body_text and '/reviews"' in message.body_html
        _no_client_or_clinical_words(
            message.subject + message.body_text + message.body_html, people
        )
    [moved] = _moves(session)
    assert moved.actor_name == "Olivia Owens" and moved.record_id == note_id
    assert moved.client_id == people.clients["associate"].id
    assert json.loads(moved.detail) == {
        "from": sam.id,
        "to": tess.id,
        "reason": "supervisor_unavailable",
    }

    # Nothing changed since: no second move, email or audit entry.
    assert reroute_open_reviews(session, reason="nightly_check") == 0
    assert reroute_for_supervisor(session, int(sam.id)) == 0  # type: ignore[arg-type]
    session.commit()
    assert len(_outbox(session)) == 2 and len(_moves(session)) == 1


def test_an_override_set_before_review_moves_the_review_and_back_again(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    sam = people.staff["supervisor"]
    uma, _ = _supervisor(session, "uma@willow.test", "Uma Ueda")
    note_id, appointment = _signed(session, people, "associate", 10)
    assert reroute_open_reviews(session, reason="override_changed") == 0  # nothing changed
    session.commit()
    assert _outbox(session) == [] and _moves(session) == []

    appointment.supervisor_override_id = uma.id
    session.add(appointment)
    assert reroute_open_reviews(session, reason="override_changed") == 1
    session.commit()
    assert _reviewer(session, note_id) == uma.id
    assert reroute_open_reviews(session, reason="override_changed") == 0
    session.commit()
    assert len(_outbox(session)) == 2

    appointment.supervisor_override_id = None  # coverage cancelled: back to Sam
    session.add(appointment)
    assert reroute_open_reviews(session, reason="override_changed") == 1
    session.commit()
    assert _reviewer(session, note_id) == sam.id
    assert [(m.to_address, m.subject) for m in _outbox(session)] == [
        ("uma@willow.test", "A note review was moved to you"),
        ("sam@willow.test", "A note review was moved to Uma Ueda"),
        ("sam@willow.test", "A note review was moved to you"),
        ("uma@willow.test", "A note review was moved to Sam Suarez"),
    ]
    assert [json.loads(m.detail)["to"] for m in _moves(session)] == [uma.id, sam.id]


def test_a_review_nobody_can_take_stays_where_it_is(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    sam = people.staff["supervisor"]
    note_id, _ = _signed(session, people, "associate", 10)
    sam.is_active = False  # Ana has no other supervisor
    session.add(sam)
    assert reroute_for_supervisor(session, int(sam.id)) == 0  # type: ignore[arg-type]
    assert reroute_open_reviews(session, reason="nightly_check") == 0
    session.commit()
    assert _reviewer(session, note_id) == sam.id
    assert _outbox(session) == [] and _moves(session) == []


def test_dashboard_counts_for_each_role(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    ana, sam = people.associate, people.supervisor
    seen(session, people, people.cases["associate"], DAY, 8)  # not begun
    drafted = seen(session, people, people.cases["associate"], DAY, 9)
    start_note(session, ana, int(drafted.id), "dap")  # type: ignore[arg-type]
    _signed(session, people, "associate", 10)  # waiting for Sam
    returned, _ = _signed(session, people, "associate", 11)
    return_note(session, sam, returned, "Name the intervention used.")
    seen(session, people, people.cases["supervisor"], DAY, 9)  # Sam's own session
    seen(session, people, people.cases["clinician"], DAY, 9)  # Carl's
    _signed(session, people, "clinician", 10)  # Carl's signed note: nothing left to do

    assert documentation_dashboard(session, ana) == Dashboard(
        writes_notes=True,
        reviews_notes=False,
        to_write=3,  # not begun, the draft and the returned note
        drafts=1,
        returned=1,
        reviews_waiting=0,
        overdue=0,
    )
    assert documentation_dashboard(session, sam) == Dashboard(
        writes_notes=True,
        reviews_notes=True,
        to_write=1,
        drafts=0,
        returned=0,
        reviews_waiting=1,
        overdue=0,
    )
    carl = documentation_dashboard(session, people.clinician)
    assert (carl.to_write, carl.drafts, carl.reviews_waiting, carl.reviews_notes) == (
        1,
        0,
        0,
        False,
    )

    # Four days on, unwritten notes are overdue (72 hours); eight days on, the review too.
    four = AFTER + timedelta(days=4)
    assert documentation_dashboard(session, ana, now=four).overdue == 3
    assert documentation_dashboard(session, sam, now=four).overdue == 1
    assert documentation_dashboard(session, people.clinician, now=four).overdue == 1
    assert documentation_dashboard(session, sam, now=AFTER + timedelta(days=8)).overdue == 2

    zeros = Dashboard(False, False, 0, 0, 0, 0, 0)
    assert documentation_dashboard(session, people.biller) == zeros
    assert documentation_dashboard(session, people.scheduler) == zeros


def test_an_associates_draft_says_who_will_review_it_and_why(
    session: Session, people: Personas, travel
) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.documentation.note_state import open_note

    appointment = seen(session, people, people.cases["associate"], DAY, 9)
    draft = start_note(session, people.associate, int(appointment.id), "dap")  # type: ignore[arg-type]
    screen = open_note(session, people.associate, draft)
    supervisor = session.get(Staff, people.supervisor.staff_id)
    assert supervisor is not None
    assert screen.goes_to == supervisor.full_name
    assert supervisor.full_name in screen.goes_why
    session.rollback()

    # Signed: the line names the reviewer the note went to, not a forecast.
    sign_note(
        session, people.associate, draft, save_draft(session, people.associate, draft, DAP, 0)
    )
    assert open_note(session, people.associate, draft).goes_to == ""
    session.rollback()

    # A licensed clinician's draft goes to nobody.
    mine = seen(session, people, people.cases["clinician"], DAY, 11)
    own = start_note(session, people.clinician, int(mine.id), "dap")  # type: ignore[arg-type]
    assert open_note(session, people.clinician, own).goes_to == ""
    session.rollback()
