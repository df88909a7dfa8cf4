"""Measures recorded on a case: PHQ-9, GAD-7 and PCL-5 results, safety flags, chart data.

Staff enter a participant's answers (clients will fill them in the portal later); they are
scored by `measures.score` and stored with the total and the severity band as scored that
day. A PHQ-9 item 9 answered above 0 raises a safety flag: it stays on the case clinician's
list (and their supervisor's, for an associate's case) until someone who may edit the case's
clinical record acknowledges it. A consultation case takes no measures. Every read of results
is audited; audit details name the instrument, never answers, totals or flags.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Index, Text
from sqlmodel import Field, Session, SQLModel, col, select

from practicerunner.clients.access import get_case_for
from practicerunner.clients.models import Case, CaseParticipant, Client
from practicerunner.core import audit, clock
from practicerunner.core.db import UTCDateTime
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm, Scope
from practicerunner.documentation import measures
from practicerunner.practice.models import Practice, Staff


class MeasureResult(SQLModel, table=True):
    """One administration of a measure by one participant of a case, scored when entered."""

    __tablename__ = "measure_result"
    __table_args__ = (
        Index("ix_measure_result_case", "case_id", "instrument", "taken_on"),
        # Open flags are few among many results: this finds them without a scan.
        Index("ix_measure_result_flag", "safety_flag", "flag_acknowledged_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    client_id: int = Field(foreign_key="client.id", index=True)  # the participant who answered
    instrument: str = Field(max_length=16)  # measures.INSTRUMENTS key: phq9, gad7, pcl5
    taken_on: date  # the practice's local day the client answered
    answers_json: str = Field(sa_type=Text)  # the answers in item order, e.g. [0, 1, 3, …]
    difficulty: int | None = None  # PHQ-9/GAD-7 functional question, never scored
    total: int
    band: str = Field(max_length=40)  # the severity band's label as scored
    safety_flag: bool = Field(default=False)
    flag_text: str = Field(default="", max_length=300)
    entered_by_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    flag_acknowledged_by_id: int | None = Field(default=None, foreign_key="staff.id")
    flag_acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


CONSULTATION_REFUSAL = "Measures are not part of a consultation."


def _today(session: Session) -> date:
    """Today in the practice's timezone (a measure answered tonight is not "tomorrow")."""
    zone = session.exec(select(Practice.timezone)).first() or "America/Los_Angeles"
    return clock.now().astimezone(ZoneInfo(zone)).date()


def _taken_on(session: Session, text: object, errors: dict[str, str]) -> date | None:
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        errors["taken_on"] = "Enter the date the measure was taken."
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors["taken_on"] = "Enter a date as yyyy-mm-dd."
        return None
    if day > _today(session):
        errors["taken_on"] = "The date is in the future."
        return None
    return day


def _is_participant(session: Session, case_id: int, client_id: object) -> bool:
    if not isinstance(client_id, int) or isinstance(client_id, bool):
        return False
    found = session.exec(
        select(CaseParticipant.id).where(
            CaseParticipant.case_id == case_id, CaseParticipant.client_id == client_id
        )
    ).first()
    return found is not None


def record_measure(
    session: Session,
    actor: Actor,
    case_id: int,
    client_id: int,
    instrument: str,
    answers: Mapping[int, int] | Sequence[int],
    taken_on_text: str,
    difficulty: int | None = None,
) -> int:
    """Score and store a participant's answers to INSTRUMENT; the result's id.

    ANSWERS: a list in item order or {item number: answer}. TAKEN_ON_TEXT: yyyy-mm-dd, not in
    the future. Every problem is refused by field at once (item_3, taken_on, client_id, …) and
    nothing is written. Commits.
    """
    actor.require(Perm.CLINICAL_EDIT)
    case = get_case_for(session, actor, case_id, Perm.CLINICAL_EDIT)
    if case.kind == "consultation":
        session.rollback()
        raise ValidationFailed({"instrument": CONSULTATION_REFUSAL})
    errors: dict[str, str] = {}
    scored: measures.Score | None = None
    try:
        scored = measures.score(instrument, answers, difficulty=difficulty)
    except measures.MeasureInputError as exc:
        errors.update(exc.errors)
    day = _taken_on(session, taken_on_text, errors)
    if not _is_participant(session, case_id, client_id):
        errors["client_id"] = "Choose the participant of this case who answered."
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    assert scored is not None and day is not None
    row = MeasureResult(
        case_id=case_id,
        client_id=client_id,
        instrument=scored.instrument_id,
        taken_on=day,
        answers_json=json.dumps(list(scored.answers)),
        difficulty=scored.difficulty,
        total=scored.total,
        band=scored.severity,
        safety_flag=scored.safety_flag,
        flag_text=(scored.safety_message or "")[:300],
        entered_by_id=actor.staff_id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "measure.recorded",
        record_type="measure_result",
        record_id=row.id,
        client_id=client_id,
        detail={"case_id": case_id, "instrument": scored.instrument_id},
    )
    session.commit()
    return int(row.id)  # type: ignore[arg-type]


# --- safety flags ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyFlag:
    """An unacknowledged safety flag, as listed for the clinician (and their supervisor)."""

    result_id: int
    case_id: int
    client_id: int
    client_name: str
    instrument: str  # "phq9"
    instrument_title: str  # "PHQ-9"
    taken_on: date
    flag_text: str
    clinician_id: int  # the case's primary clinician: a supervisor sees whose case it is
    clinician_name: str
    can_acknowledge: bool  # the actor may edit the case's clinical record


def _flag_clinicians(actor: Actor) -> set[int]:
    """Whose cases' flags are the actor's to see: their own, and their supervisees'.

    Deliberately not every case an ALL scope reaches: this is a worklist for the clinicians
    responsible, so an owner sees flags on their own and supervisees' cases only.
    """
    mine = {actor.staff_id}
    if actor.scope(Perm.CLINICAL_VIEW) >= Scope.SUPERVISED:
        mine |= set(actor.supervisee_ids)
    return mine


def _can_edit(actor: Actor, primary_clinician_id: int) -> bool:
    reach = actor.clinician_ids(actor.scope(Perm.CLINICAL_EDIT))
    return reach is None or primary_clinician_id in reach


def open_safety_flags(session: Session, actor: Actor) -> list[SafetyFlag]:
    """Unacknowledged safety flags on the actor's cases and their supervisees', oldest first.

    Staff without clinical access get an empty list. Audited when anything is listed (the
    list names clients and carries clinical text).
    """
    if not actor.can(Perm.CLINICAL_VIEW):
        return []
    rows = session.exec(
        select(MeasureResult, Client, Case.primary_clinician_id, Staff.full_name)
        .join(Case, col(Case.id) == col(MeasureResult.case_id))
        .join(Client, col(Client.id) == col(MeasureResult.client_id))
        .join(Staff, col(Staff.id) == col(Case.primary_clinician_id))
        .where(
            col(MeasureResult.safety_flag).is_(True),
            col(MeasureResult.flag_acknowledged_at).is_(None),
            col(Case.primary_clinician_id).in_(sorted(_flag_clinicians(actor))),
        )
        .order_by(col(MeasureResult.taken_on), col(MeasureResult.id))
    ).all()
    flags = [
        SafetyFlag(
            result_id=int(result.id),  # type: ignore[arg-type]
            case_id=result.case_id,
            client_id=result.client_id,
            client_name=client.display_name,
            instrument=result.instrument,
            instrument_title=measures.INSTRUMENTS[result.instrument].title,
            taken_on=result.taken_on,
            flag_text=result.flag_text,
            clinician_id=int(clinician_id),
            clinician_name=clinician_name,
            can_acknowledge=_can_edit(actor, int(clinician_id)),
        )
        for result, client, clinician_id, clinician_name in rows
    ]
    if not flags:
        session.rollback()
        return flags
    audit.record(
        session,
        actor,
        "measure.flags_viewed",
        record_type="measure_result",
        detail={"result_ids": [flag.result_id for flag in flags]},
    )
    session.commit()
    return flags


def acknowledge_flag(session: Session, actor: Actor, result_id: int) -> None:
    """The clinician (or anyone who may edit the case's clinical record) has seen the flag.

    Acknowledging twice keeps the first acknowledgement. Commits.
    """
    actor.require(Perm.CLINICAL_EDIT)
    row = session.exec(
        select(MeasureResult).where(MeasureResult.id == result_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound("measure result")
    get_case_for(session, actor, row.case_id, Perm.CLINICAL_EDIT)
    if not row.safety_flag:
        session.rollback()
        raise ValidationFailed({"result": "This result raised no safety flag."})
    if row.flag_acknowledged_at is not None:
        session.rollback()
        return
    row.flag_acknowledged_by_id = actor.staff_id
    row.flag_acknowledged_at = clock.now()
    session.add(row)
    audit.record(
        session,
        actor,
        "measure.flag_acknowledged",
        record_type="measure_result",
        record_id=result_id,
        client_id=row.client_id,
        detail={"case_id": row.case_id, "instrument": row.instrument},
    )
    session.commit()


# --- the chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One result on the case's chart of scores over time."""

    taken_on: date
    instrument: str
    total: int
    band: str
    safety_flag: bool
    result_id: int
    client_id: int  # a couple's or family's chart has a line per participant
    client_name: str
    flag_acknowledged: bool = False  # a safety flag someone has already acknowledged
    flag_text: str = ""  # what the flag says, e.g. "Item 9 answered 'Several days': …"
    # What the total alone does not say: the PCL-5 clusters, or the PHQ-9/GAD-7 difficulty.
    detail: str = ""


@dataclass(frozen=True)
class ChartScale:
    """How to draw one instrument's axis: 0 to MAX_TOTAL, shaded by its severity bands."""

    instrument: str
    title: str
    max_total: int
    bands: tuple[measures.Band, ...]


def chart_scales(instrument: str | None = None) -> list[ChartScale]:
    """The axis and band boundaries of INSTRUMENT (or of every instrument), for shading.

    Pure: the bands come from `measures`, so the chart shades what the scoring uses.
    """
    chosen = (
        [measures.get_instrument(instrument)]
        if instrument is not None
        else list(measures.INSTRUMENTS.values())
    )
    return [ChartScale(i.id, i.title, i.max_total, i.bands) for i in chosen]


def result_detail(result: MeasureResult) -> str:
    """RESULT rescored from its stored answers, in the words a clinician reads beside the
    total: the PCL-5 cluster subtotals and the DSM-5 cluster rule, or the answer to the
    PHQ-9/GAD-7 difficulty question ('' when there is nothing more to say)."""
    try:
        scored = measures.score(
            result.instrument, json.loads(result.answers_json), difficulty=result.difficulty
        )
    except (measures.MeasureInputError, ValueError, TypeError):
        return ""  # stored before a rule changed: the total and band still stand
    if scored.clusters:
        parts = " · ".join(f"{c.letter} {c.subtotal}" for c in scored.clusters)
        rule = "met" if scored.provisional_dsm5_diagnosis else "not met"
        return f"Clusters {parts}; DSM-5 cluster rule {rule}"
    if scored.difficulty_label:
        return f"Difficulty: {scored.difficulty_label}"
    return ""


def measure_history(
    session: Session, actor: Actor, case_id: int, instrument: str | None = None
) -> list[Point]:
    """The case's results (of INSTRUMENT only, when given) oldest first, for the chart.

    For anyone who may see the case's clinical record; others get NotFound. Audited. The
    band boundaries to shade the chart with are `chart_scales(instrument)`.
    """
    get_case_for(session, actor, case_id, Perm.CLINICAL_VIEW)
    if instrument is not None:
        try:
            measures.get_instrument(instrument)
        except measures.MeasureInputError:
            session.rollback()
            raise
    query = (
        select(MeasureResult, Client)
        .join(Client, col(Client.id) == col(MeasureResult.client_id))
        .where(MeasureResult.case_id == case_id)
        .order_by(col(MeasureResult.taken_on), col(MeasureResult.id))
    )
    if instrument is not None:
        query = query.where(MeasureResult.instrument == instrument)
    points = [
        Point(
            taken_on=result.taken_on,
            instrument=result.instrument,
            total=result.total,
            band=result.band,
            safety_flag=result.safety_flag,
            result_id=int(result.id),  # type: ignore[arg-type]
            client_id=result.client_id,
            client_name=client.display_name,
            flag_acknowledged=result.flag_acknowledged_at is not None,
            flag_text=result.flag_text,
            detail=result_detail(result),
        )
        for result, client in session.exec(query).all()
    ]
    audit.record(
        session,
        actor,
        "measure.viewed",
        record_type="case",
        record_id=case_id,
        client_id=_sole_participant(session, case_id),
        detail={"instrument": instrument or "all"},
    )
    session.commit()
    return points


def _sole_participant(session: Session, case_id: int) -> int | None:
    """The case's client when it has one (an individual case); a couple's read names neither."""
    ids = session.exec(
        select(CaseParticipant.client_id).where(CaseParticipant.case_id == case_id).limit(2)
    ).all()
    return int(ids[0]) if len(ids) == 1 else None
