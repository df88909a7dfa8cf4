"""Other calendar items: supervision meetings, admin blocks, personal time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Staff
from practicerunner.scheduling.models import CalendarItem, CalendarItemKind
from practicerunner.scheduling.service.common import (
    MAX_SPAN,
    SchedulingConflict,
    local_to_utc,
    lock_resources,
    practice_timezone,
    reaches_clinician,
)
from practicerunner.scheduling.service.conflicts import Slot, conflict_info, hard_conflicts


def _span(start_local: str, end_local: str, tz: str, errors: dict[str, str]):  # type: ignore[no-untyped-def]
    start = end = None
    try:
        start = local_to_utc(start_local, tz)
    except ValueError:
        errors["start_time"] = "Enter the start, like 2026-03-03T12:00."
    try:
        end = local_to_utc(end_local, tz)
    except ValueError:
        errors["end_time"] = "Enter the end, like 2026-03-03T13:00."
    if start is not None and end is not None:
        if end <= start:
            errors["end_time"] = "The block must end after it starts."
        elif end - start > MAX_SPAN:
            errors["end_time"] = "A block cannot last longer than 24 hours."
    return start, end


def add_calendar_item(
    session: Session,
    actor: Actor,
    *,
    staff_id: int,
    kind: str,
    title: str,
    start_local: str,
    end_local: str,
    with_staff_id: int | None = None,
    override_reason: str = "",
) -> int:
    """Block time on STAFF_ID's calendar (and WITH_STAFF_ID's, for supervision)."""
    actor.require(Perm.SCHEDULE_EDIT)
    errors: dict[str, str] = {}
    if kind not in {k.value for k in CalendarItemKind}:
        errors["kind"] = "Choose supervision, admin or personal time."
    if not reaches_clinician(actor, Perm.SCHEDULE_EDIT, staff_id):
        errors["staff_id"] = "You can only block time on your own calendar."
    title = (title or "").strip()
    if len(title) > 120:
        errors["title"] = "Keep the title under 120 characters."
    other = None
    if with_staff_id is not None:
        other = session.get(Staff, with_staff_id)
        if other is None or not other.is_active or with_staff_id == staff_id:
            errors["with_staff_id"] = "Choose the colleague you meet with."
    tz = practice_timezone(session)
    start, end = _span(start_local, end_local, tz, errors)
    if errors:
        raise ValidationFailed(errors)
    assert start is not None and end is not None
    zone = ZoneInfo(tz)
    people = [staff_id] + ([with_staff_id] if with_staff_id else [])
    lock_resources(session, [("clinician", p) for p in people])
    messages = [m for p in people for m in hard_conflicts(session, Slot(p, start, end), zone)]
    if messages and not override_reason.strip():
        info = conflict_info(
            session, Slot(staff_id, start, end), zone, hard=messages, soft=[], can_override=True
        )
        session.rollback()
        raise SchedulingConflict(info)
    now = clock.now()
    item = CalendarItem(
        staff_id=staff_id,
        with_staff_id=with_staff_id,
        kind=kind,
        title=title,
        start_at=start,
        end_at=end,
        created_at=now,
        updated_at=now,
        created_by_id=actor.staff_id or None,
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor,
        "calendar_item.create",
        record_type="calendar_item",
        record_id=item.id,
        detail={"kind": kind, "start": start.isoformat(), "staff_id": staff_id},
    )
    session.commit()
    return int(item.id)  # type: ignore[arg-type]


def _item_for(session: Session, actor: Actor, item_id: int) -> CalendarItem:
    item = session.get(CalendarItem, item_id)
    if (
        item is None
        or item.is_cancelled
        or not reaches_clinician(actor, Perm.SCHEDULE_EDIT, item.staff_id)
    ):
        raise NotFound("calendar item")
    return item


def move_calendar_item(
    session: Session, actor: Actor, item_id: int, *, start_local: str, end_local: str
) -> None:
    """Move or resize a block; the same conflict rules as for sessions apply."""
    item = _item_for(session, actor, item_id)
    errors: dict[str, str] = {}
    tz = practice_timezone(session)
    start, end = _span(start_local, end_local, tz, errors)
    if errors:
        raise ValidationFailed(errors)
    assert start is not None and end is not None
    zone = ZoneInfo(tz)
    people = [item.staff_id] + ([item.with_staff_id] if item.with_staff_id else [])
    lock_resources(session, [("clinician", p) for p in people])
    messages = [
        m
        for p in people
        for m in hard_conflicts(
            session, Slot(p, start, end, ignore_items=frozenset({item_id})), zone
        )
    ]
    if messages:
        info = conflict_info(
            session,
            Slot(item.staff_id, start, end, ignore_items=frozenset({item_id})),
            zone,
            hard=messages,
            soft=[],
            can_override=False,
        )
        session.rollback()
        raise SchedulingConflict(info)
    item.start_at, item.end_at = start, end
    item.sequence += 1
    item.updated_at = clock.now()
    session.add(item)
    audit.record(
        session,
        actor,
        "calendar_item.move",
        record_type="calendar_item",
        record_id=item.id,
        detail={"start": start.isoformat(), "end": end.isoformat()},
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise


def cancel_calendar_item(session: Session, actor: Actor, item_id: int) -> None:
    """Remove a block from the calendar (kept, marked cancelled, for feeds and the audit)."""
    item = _item_for(session, actor, item_id)
    item.is_cancelled = True
    item.sequence += 1
    item.updated_at = clock.now()
    session.add(item)
    audit.record(
        session,
        actor,
        "calendar_item.cancel",
        record_type="calendar_item",
        record_id=item.id,
    )
    session.commit()
