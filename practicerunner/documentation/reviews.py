"""The supervisor's review queue, moving open reviews when routing changes, and the counts on
each clinician's documentation dashboard.

- `review_queue`: the notes awaiting the actor's review, oldest first, with how long each has
  waited. It lists only what is needed to pick a task (associate, session day, round, age):
  no answers and no client names, so reading it is not a read of the clinical record (opening
  a note is, and `notes.read_note` audits that). Approving and returning are
  `notes.cosign_note` and `notes.return_note`.
- `reroute_open_reviews` / `reroute_for_supervisor` / `reroute_for_appointment`: every note
  still awaiting review is routed again (`supervision.routing.resolve_for_appointment`); where
  the responsible supervisor changed, the task moves, the move is audited
  (`note.review_moved`) and both supervisors are emailed through the outbox. A note nobody
  can take now (no active supervisor) stays where it is, and nothing is recorded.
- `documentation_dashboard`: notes to write, drafts, returned notes, reviews waiting and
  overdue items for the actor; zeros for those who write and review no notes.

Hooks, to be called by the code that changes routing (not wired in from here), inside that
code's transaction and before it commits, so the change and the move land together:

- `practice.service.staff_access.deactivate_staff`, after `staff.is_active = False`:
  `reroute_for_supervisor(session, staff_id, actor=actor)`; likewise the staff edit when it
  takes the supervisor role away. (Deactivation is refused while someone has default
  supervisees, so the staff edit that gives an associate other supervisors comes first: it
  should call `reroute_open_reviews(session, reason="supervisors_changed", actor=actor)`.)
- the appointment edit that changes `supervisor_override_id`:
  `reroute_for_appointment(session, appointment_id, actor=actor)`;
- `supervision.routing.set_case_supervisor`:
  `reroute_open_reviews(session, reason="case_supervisor_changed", actor=actor)`.

The rerouting functions write in the caller's transaction and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from practicerunner.clients.models import CaseParticipant
from practicerunner.core import audit, clock
from practicerunner.core.permissions import SYSTEM_ACTOR, Actor, Perm, Role
from practicerunner.core.settings import get_settings
from practicerunner.documentation.models import (
    ClinicalNote,
    NoteStatus,
    NoteVersion,
    SignatureRole,
)
from practicerunner.documentation.notes import ToWrite, notes_to_write
from practicerunner.messaging.content import practice_facts
from practicerunner.messaging.models import Channel, OutboxStatus
from practicerunner.messaging.queueing import dedupe_key, insert_new
from practicerunner.practice.local import practice_tz
from practicerunner.practice.models import Staff
from practicerunner.scheduling.models import Appointment
from practicerunner.supervision.routing import resolve_for_appointment

# A review waiting longer than this is overdue. The practice may later set its own delay;
# until there is a setting for it, this is the default the issue names.
REVIEW_OVERDUE_AFTER = timedelta(days=7)
REVIEW_QUEUE_PATH = "/reviews"
MOVED_KIND = "documentation.review_moved"  # the outbox `kind` of both emails


def waiting_words(waited: timedelta) -> str:
    """'less than an hour', '5 hours', '1 day', '12 days'."""
    hours = max(0, int(waited.total_seconds())) // 3600
    if hours < 1:
        return "less than an hour"
    if hours < 24:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} day{'s' if days != 1 else ''}"


@dataclass(frozen=True)
class ReviewItem:
    """One note waiting for the actor's review: enough to pick it, nothing clinical."""

    note_id: int
    associate_name: str
    session_day: date | None  # in the practice's timezone; None for a note without a session
    round: int  # 2 and up: re-signed after being returned
    waiting_since: datetime  # when the associate signed this round
    waiting: str  # "2 days"
    overdue: bool


def review_queue(session: Session, actor: Actor, now: datetime | None = None) -> list[ReviewItem]:
    """Notes awaiting ACTOR's review (routed to them), oldest first.

    Needs clinical.view (front desk and billers have no queue). Writes nothing; ends the read
    transaction.
    """
    actor.require(Perm.CLINICAL_VIEW)
    moment = now or clock.now()
    zone = practice_tz(session)
    rows = session.execute(  # six columns: more than sqlmodel's typed select takes
        sa_select(
            col(ClinicalNote.id),
            col(ClinicalNote.round),
            col(ClinicalNote.updated_at),
            col(Staff.full_name),
            col(Appointment.start_at),
            col(NoteVersion.signed_at),
        )
        .join(Staff, col(Staff.id) == col(ClinicalNote.author_id))
        .outerjoin(Appointment, col(Appointment.id) == col(ClinicalNote.appointment_id))
        .outerjoin(  # the associate's signature of the round under review: its age
            NoteVersion,
            (col(NoteVersion.note_id) == col(ClinicalNote.id))
            & (col(NoteVersion.round) == col(ClinicalNote.round))
            & (col(NoteVersion.role) == SignatureRole.AUTHOR.value),
        )
        .where(
            col(ClinicalNote.status) == NoteStatus.AWAITING_REVIEW.value,
            col(ClinicalNote.reviewer_id) == actor.staff_id,
        )
    ).all()
    session.rollback()
    items = []
    for note_id, round_, updated_at, author_name, start_at, signed_at in rows:
        since = signed_at or updated_at  # the round's signature; the row's time if missing
        waited = moment - since
        items.append(
            ReviewItem(
                note_id=int(note_id),  # type: ignore[arg-type]
                associate_name=author_name,
                session_day=start_at.astimezone(zone).date() if start_at else None,
                round=int(round_),
                waiting_since=since,
                waiting=waiting_words(waited),
                overdue=waited > REVIEW_OVERDUE_AFTER,
            )
        )
    items.sort(key=lambda item: (item.waiting_since, item.note_id))
    return items


# --- Moving open reviews -------------------------------------------------------------------


def _staff_recipient(session: Session, staff_id: int) -> tuple[str, str, str] | None:
    """(address, full name, first name) of a staff member, as `billing.notices` addresses
    staff; None without an address."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.email.strip():
        return None
    return staff.email.strip().lower(), staff.full_name, staff.full_name.split(" ")[0]


def _moved_email(
    to: tuple[str, str, str], sentence: str, practice_name: str, key: str
) -> dict[str, Any]:
    """An outbox row saying SENTENCE with a link to the review queue. Staff names only: no
    client, no clinical words, whatever the note is about."""
    address, name, first = to
    link = f"{get_settings().public_url}{REVIEW_QUEUE_PATH}"
    text = f"Hello {first},\n\n{sentence}.\n\nYour review queue: {link}\n\n— {practice_name}\n"
    html = (
        f'<p style="margin:0 0 14px;">Hello {escape(first)},</p>'
        f'<p style="margin:0 0 14px;">{escape(sentence)}.</p>'
        f'<p style="margin:0 0 14px;"><a href="{escape(link)}">Open your review queue</a></p>'
        f'<p style="margin:0;">— {escape(practice_name)}</p>'
    )
    now = clock.now()
    return {
        "dedupe_key": dedupe_key(key, Channel.EMAIL.value, address),
        "channel": Channel.EMAIL.value,
        "kind": MOVED_KIND,
        "to_address": address,
        "to_name": name[:200],
        "subject": sentence[:200],
        "body_text": text[:8000],
        "body_html": html[:20000],
        "client_id": None,
        "appointment_id": None,
        "about_start_at": None,
        "status": OutboxStatus.PENDING.value,
        "due_at": now,
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "sent_at": None,
    }


def _client_of(session: Session, case_id: int) -> int | None:
    found = session.exec(
        select(CaseParticipant.client_id)
        .where(CaseParticipant.case_id == case_id)
        .order_by(col(CaseParticipant.id))
    ).first()
    return int(found) if found is not None else None


def _reroute(session: Session, reason: str, actor: Actor | None, *conditions: Any) -> int:
    """Route again every note awaiting review that matches CONDITIONS; how many moved.

    Only notes of an appointment route (the others never wait for review: see sign_note)."""
    notes = session.exec(
        select(ClinicalNote)
        .where(
            ClinicalNote.status == NoteStatus.AWAITING_REVIEW.value,
            col(ClinicalNote.appointment_id).is_not(None),
            *conditions,
        )
        .order_by(col(ClinicalNote.id))
        # Two reroutes at once: the second waits for the first's rows and reads them afresh
        # (populate_existing: not the copies this session may already hold), so a review
        # moves, and its emails go, once.
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if not notes:
        return 0
    who = actor or SYSTEM_ACTOR
    practice_name = practice_facts(session).name
    moved = 0
    for note in notes:
        appointment = session.get(Appointment, note.appointment_id)
        if appointment is None:
            continue
        resolution = resolve_for_appointment(session, appointment)
        # Nobody to take it now (or the author no longer needs supervision): it stays where
        # it is, unrecorded, and a later reroute moves it once someone resolves.
        new_id = resolution.supervisor_id
        if new_id is None or new_id == note.reviewer_id:
            continue
        old_id = note.reviewer_id
        note.reviewer_id = new_id
        note.reviewer_why = resolution.why[:300]
        note.updated_at = clock.now()
        session.add(note)
        event = audit.record(
            session,
            who,
            "note.review_moved",
            record_type="clinical_note",
            record_id=note.id,
            client_id=_client_of(session, note.case_id),
            detail={"from": old_id, "to": new_id, "reason": reason[:60]},
        )
        key = f"review_moved:{note.id}:{event.id}"  # one move, one pair of emails
        rows = []
        to_new = _staff_recipient(session, new_id)
        if to_new is not None:
            sentence = "A note review was moved to you"
            rows.append(_moved_email(to_new, sentence, practice_name, f"{key}:to"))
        to_old = _staff_recipient(session, old_id) if old_id is not None else None
        if to_old is not None:
            sentence = f"A note review was moved to {resolution.supervisor_name}"
            rows.append(_moved_email(to_old, sentence, practice_name, f"{key}:from"))
        insert_new(session, rows)
        moved += 1
    return moved


def reroute_open_reviews(session: Session, *, reason: str, actor: Actor | None = None) -> int:
    """Move every note awaiting review whose supervisor resolves differently now; how many
    moved. REASON is a short code for the audit log ("override_changed"), never clinical text;
    ACTOR is who caused it (the system when None). Does not commit."""
    return _reroute(session, reason, actor)


def reroute_for_supervisor(
    session: Session,
    staff_id: int,
    *,
    reason: str = "supervisor_unavailable",
    actor: Actor | None = None,
) -> int:
    """`reroute_open_reviews` for the notes routed to STAFF_ID (deactivated, or no longer a
    supervisor); how many moved. Does not commit."""
    return _reroute(session, reason, actor, ClinicalNote.reviewer_id == staff_id)


def reroute_for_appointment(
    session: Session,
    appointment_id: int,
    *,
    reason: str = "override_changed",
    actor: Actor | None = None,
) -> int:
    """`reroute_open_reviews` for the notes of APPOINTMENT_ID (its supervisor override
    changed); how many moved. Does not commit."""
    return _reroute(session, reason, actor, ClinicalNote.appointment_id == appointment_id)


# --- Dashboard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """The actor's documentation counts. The tiles overlap: a draft of an attended session's
    note is also a note to write."""

    writes_notes: bool  # holds clinical.edit: show the writing tiles
    reviews_notes: bool  # a supervisor, or has reviews routed to them: show the review tiles
    to_write: int  # attended sessions without a signed note
    drafts: int
    returned: int  # returned to the actor with comments
    reviews_waiting: int
    overdue: int  # notes to write past 72 hours + reviews past REVIEW_OVERDUE_AFTER


def documentation_dashboard(
    session: Session, actor: Actor, now: datetime | None = None
) -> Dashboard:
    """ACTOR's counts at NOW. Front desk and billers write and review no notes: all zeros.
    Writes nothing; ends the read transaction."""
    moment = now or clock.now()
    writes = actor.can(Perm.CLINICAL_EDIT)
    to_write: list[ToWrite] = notes_to_write(session, actor, moment) if writes else []
    by_status: dict[str, int] = {}
    if writes:
        by_status = {
            str(status): int(count)
            for status, count in session.exec(
                select(ClinicalNote.status, func.count())
                .where(
                    ClinicalNote.author_id == actor.staff_id,
                    col(ClinicalNote.status).in_(
                        [NoteStatus.DRAFT.value, NoteStatus.RETURNED.value]
                    ),
                )
                .group_by(col(ClinicalNote.status))
            ).all()
        }
        session.rollback()
    queue = review_queue(session, actor, moment) if actor.can(Perm.CLINICAL_VIEW) else []
    return Dashboard(
        writes_notes=writes,
        reviews_notes=Role.SUPERVISOR in actor.roles or bool(queue),
        to_write=len(to_write),
        drafts=by_status.get(NoteStatus.DRAFT.value, 0),
        returned=by_status.get(NoteStatus.RETURNED.value, 0),
        reviews_waiting=len(queue),
        overdue=sum(1 for w in to_write if w.overdue) + sum(1 for r in queue if r.overdue),
    )
