"""Treatment plans: problems, measurable goals and objectives, interventions, a review date.

A case's plan is a series of numbered versions (`treatment_plan`, one row per version). A
version is written as a draft, then signed; revising a signed plan starts the next version as
a copy of the latest signed one, so every signed version stays as it was signed. At most one
draft per case exists at a time (a partial unique index says so too).

A signed version is immutable twice over: the service refuses to change it, and signing
copies it into `treatment_plan_signed`, which database triggers make append-only (see
`append_only_tables`, for core.audit.APPEND_ONLY_TABLES). Reads take a signed version's
content from that copy, so even a changed `treatment_plan` row cannot alter what was signed.

The content travels as JSON (`content_to_dict` / `content_from_dict`). Drafts may be
incomplete: saving refuses only content of the wrong shape; `signing_problems` lists what
stops signing. Both name each problem by path, like `problems[0].goals[1].target_on`.

A consultation case has no treatment plan. Permissions follow the clinical record:
`clinical.edit` to write and sign, `clinical.view` to read, within the actor's scope.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, Session, SQLModel, col, select

from practicerunner.clients.access import get_case_for
from practicerunner.clients.models import Case, CaseParticipant
from practicerunner.core import audit, clock
from practicerunner.core.db import UTCDateTime
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Practice, Staff

# --- tables ----------------------------------------------------------------------------------


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class TreatmentPlan(SQLModel, table=True):
    """One version of a case's treatment plan: a draft being written, or signed."""

    __tablename__ = "treatment_plan"
    __table_args__ = (
        UniqueConstraint("case_id", "version", name="uq_treatment_plan_version"),
        # One draft per case: two clinicians (or two tabs) cannot revise the plan in parallel.
        Index(
            "uq_treatment_plan_draft",
            "case_id",
            unique=True,
            postgresql_where=text("status = 'draft'"),
            sqlite_where=text("status = 'draft'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    version: int  # 1, 2, … per case
    status: str = Field(default=PlanStatus.DRAFT, max_length=12)  # PlanStatus
    content_json: str = Field(default="{}", sa_type=Text)  # content_to_dict
    review_on: date | None = None  # the content's review date, kept here for queries
    signed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    signed_name: str = Field(default="", max_length=200)
    signed_credentials: str = Field(default="", max_length=60)
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class TreatmentPlanSigned(SQLModel, table=True):
    """A signed version exactly as signed. Append-only (database triggers)."""

    __tablename__ = "treatment_plan_signed"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="treatment_plan.id", unique=True)
    version: int
    content_json: str = Field(sa_type=Text)
    review_on: date
    signed_by_id: int = Field(foreign_key="staff.id")
    signed_name: str = Field(max_length=200)
    signed_credentials: str = Field(default="", max_length=60)
    signed_at: datetime = Field(sa_type=UTCDateTime)


def append_only_tables() -> tuple[str, ...]:
    """The tables of this module whose rows must never change (for APPEND_ONLY_TABLES)."""
    return ("treatment_plan_signed",)


# --- content ---------------------------------------------------------------------------------

MAX_PROBLEMS = 10
MAX_GOALS = 10  # per problem
MAX_OBJECTIVES = 10  # per goal
MAX_INTERVENTIONS = 20
TEXT_LIMIT = 2000  # a problem, goal, objective or intervention
MEASURE_LIMIT = 500
LINE_LIMIT = 200  # one-line answers: an intervention's frequency, "other" session frequency
EARLIEST_YEAR = 1900

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Tab and newline are typing; other control characters (NUL above all, which PostgreSQL
# refuses in text) are not.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class SessionFrequency(StrEnum):
    WEEKLY = "weekly"
    EVERY_TWO_WEEKS = "every_two_weeks"
    MONTHLY = "monthly"
    OTHER = "other"


FREQUENCY_LABELS: dict[SessionFrequency, str] = {
    SessionFrequency.WEEKLY: "Weekly",
    SessionFrequency.EVERY_TWO_WEEKS: "Every two weeks",
    SessionFrequency.MONTHLY: "Monthly",
    SessionFrequency.OTHER: "Other",
}


@dataclass(frozen=True)
class Objective:
    """A step toward a goal, with its own target date."""

    text: str = ""
    target_on: date | None = None


@dataclass(frozen=True)
class Goal:
    """What the client works toward; MEASURE says how progress is judged (measurable)."""

    text: str = ""
    measure: str = ""
    target_on: date | None = None
    objectives: tuple[Objective, ...] = ()


@dataclass(frozen=True)
class Problem:
    text: str = ""
    goals: tuple[Goal, ...] = ()


@dataclass(frozen=True)
class Intervention:
    """What the clinician does, and how often ("weekly CBT session")."""

    text: str = ""
    frequency: str = ""


@dataclass(frozen=True)
class PlanContent:
    """A plan's content. Empty strings and None are unanswered (a draft may have them)."""

    start_on: date | None = None
    problems: tuple[Problem, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    session_frequency: SessionFrequency | None = None
    session_frequency_other: str = ""  # only when session_frequency is OTHER
    review_on: date | None = None


class PlanContentError(ValidationFailed):
    """Content of the wrong shape; `errors` maps a path like `problems[0].text` to a message."""


def _day_text(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def content_to_dict(content: PlanContent) -> dict[str, object]:
    """CONTENT as JSON-ready data; `content_from_dict` reads it back equal."""
    return {
        "start_on": _day_text(content.start_on),
        "problems": [
            {
                "text": problem.text,
                "goals": [
                    {
                        "text": goal.text,
                        "measure": goal.measure,
                        "target_on": _day_text(goal.target_on),
                        "objectives": [
                            {"text": o.text, "target_on": _day_text(o.target_on)}
                            for o in goal.objectives
                        ],
                    }
                    for goal in problem.goals
                ],
            }
            for problem in content.problems
        ],
        "interventions": [
            {"text": i.text, "frequency": i.frequency} for i in content.interventions
        ],
        "session_frequency": str(content.session_frequency or ""),
        "session_frequency_other": content.session_frequency_other,
        "review_on": _day_text(content.review_on),
    }


_PLAN_KEYS = frozenset(
    {
        "start_on",
        "problems",
        "interventions",
        "session_frequency",
        "session_frequency_other",
        "review_on",
    }
)
_PROBLEM_KEYS = frozenset({"text", "goals"})
_GOAL_KEYS = frozenset({"text", "measure", "target_on", "objectives"})
_OBJECTIVE_KEYS = frozenset({"text", "target_on"})
_INTERVENTION_KEYS = frozenset({"text", "frequency"})


class _Reader:
    """Reads untrusted data, noting each problem by path and carrying on, so one pass
    reports everything. Missing keys are unanswered, not errors: a draft may be partial."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def mapping(self, data: object, path: str, known: frozenset[str]) -> Mapping[str, object]:
        if not isinstance(data, Mapping):
            self.add(path, "Expected an object.")
            return {}
        prefix = f"{path}." if path != "plan" else ""
        for name in data:
            if name not in known:
                self.add(f"{prefix}{name}", "Unknown field.")
        return data

    def text(self, value: object, path: str, limit: int, *, one_line: bool = False) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.add(path, "Expected text.")
            return ""
        cleaned = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
        if one_line and "\n" in cleaned:
            self.add(path, "Use one line.")
        if len(cleaned) > limit:
            self.add(path, f"Use at most {limit:,} characters.")
        return cleaned

    def day(self, value: object, path: str) -> date | None:
        if value is None:
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            found = value
        elif isinstance(value, str):
            typed = value.strip()
            if not typed:
                return None
            # date.fromisoformat also takes 20260314 and week dates; forms send yyyy-mm-dd.
            if not _ISO_DATE.fullmatch(typed):
                self.add(path, "Enter a date as yyyy-mm-dd.")
                return None
            try:
                found = date.fromisoformat(typed)
            except ValueError:
                self.add(path, f"There is no {typed}; check the day and month.")
                return None
        else:
            self.add(path, "Enter a date as yyyy-mm-dd.")
            return None
        if found.year < EARLIEST_YEAR:
            self.add(path, "That date is too far in the past.")
            return None
        return found

    def items(self, value: object, path: str, limit: int, too_many: str) -> list[object]:
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            self.add(path, "Expected a list.")
            return []
        if len(value) > limit:
            self.add(path, too_many)
        return list(value[:limit])


def content_from_dict(data: object) -> PlanContent:
    """Plan content from JSON data (as `content_to_dict` writes it, or as a form sends it):
    text trimmed, dates from yyyy-mm-dd, missing parts unanswered.

    Raises PlanContentError naming every problem of shape by path.
    """
    reader = _Reader()
    top = reader.mapping(data, "plan", _PLAN_KEYS)
    content = PlanContent(
        start_on=reader.day(top.get("start_on"), "start_on"),
        problems=tuple(
            _read_problem(reader, raw, f"problems[{p}]")
            for p, raw in enumerate(
                reader.items(
                    top.get("problems"),
                    "problems",
                    MAX_PROBLEMS,
                    f"A plan has at most {MAX_PROBLEMS} problems.",
                )
            )
        ),
        interventions=tuple(
            _read_intervention(reader, raw, f"interventions[{i}]")
            for i, raw in enumerate(
                reader.items(
                    top.get("interventions"),
                    "interventions",
                    MAX_INTERVENTIONS,
                    f"A plan has at most {MAX_INTERVENTIONS} interventions.",
                )
            )
        ),
        session_frequency=_read_frequency(reader, top.get("session_frequency")),
        session_frequency_other=reader.text(
            top.get("session_frequency_other"),
            "session_frequency_other",
            LINE_LIMIT,
            one_line=True,
        ),
        review_on=reader.day(top.get("review_on"), "review_on"),
    )
    if reader.errors:
        raise PlanContentError(reader.errors)
    return content


def _read_problem(reader: _Reader, raw: object, at: str) -> Problem:
    data = reader.mapping(raw, at, _PROBLEM_KEYS)
    goals = reader.items(
        data.get("goals"), f"{at}.goals", MAX_GOALS, f"A problem has at most {MAX_GOALS} goals."
    )
    return Problem(
        text=reader.text(data.get("text"), f"{at}.text", TEXT_LIMIT),
        goals=tuple(_read_goal(reader, g, f"{at}.goals[{n}]") for n, g in enumerate(goals)),
    )


def _read_goal(reader: _Reader, raw: object, at: str) -> Goal:
    data = reader.mapping(raw, at, _GOAL_KEYS)
    objectives = reader.items(
        data.get("objectives"),
        f"{at}.objectives",
        MAX_OBJECTIVES,
        f"A goal has at most {MAX_OBJECTIVES} objectives.",
    )
    return Goal(
        text=reader.text(data.get("text"), f"{at}.text", TEXT_LIMIT),
        measure=reader.text(data.get("measure"), f"{at}.measure", MEASURE_LIMIT),
        target_on=reader.day(data.get("target_on"), f"{at}.target_on"),
        objectives=tuple(
            _read_objective(reader, o, f"{at}.objectives[{n}]") for n, o in enumerate(objectives)
        ),
    )


def _read_objective(reader: _Reader, raw: object, at: str) -> Objective:
    data = reader.mapping(raw, at, _OBJECTIVE_KEYS)
    return Objective(
        text=reader.text(data.get("text"), f"{at}.text", TEXT_LIMIT),
        target_on=reader.day(data.get("target_on"), f"{at}.target_on"),
    )


def _read_intervention(reader: _Reader, raw: object, at: str) -> Intervention:
    data = reader.mapping(raw, at, _INTERVENTION_KEYS)
    return Intervention(
        text=reader.text(data.get("text"), f"{at}.text", TEXT_LIMIT),
        frequency=reader.text(data.get("frequency"), f"{at}.frequency", LINE_LIMIT, one_line=True),
    )


def _read_frequency(reader: _Reader, value: object) -> SessionFrequency | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        wanted = value.strip().casefold()
        for choice, label in FREQUENCY_LABELS.items():
            if wanted in (choice.value, label.casefold()):
                return choice
    reader.add("session_frequency", "Choose weekly, every two weeks, monthly or other.")
    return None


def signing_problems(content: PlanContent, today: date) -> dict[str, str]:
    """What stops CONTENT being signed on TODAY, by path in reading order; empty when it can
    be signed. Target dates are checked against the plan's start, the review date against
    TODAY (it must be in the future)."""
    errors: dict[str, str] = {}
    start = content.start_on
    if start is None:
        errors["start_on"] = "Enter the date the plan starts."

    def check_target(day: date | None, path: str) -> None:
        if day is None:
            errors[path] = "Enter a target date."
        elif start is not None and day < start:
            errors[path] = "The target date is before the plan's start."

    if not content.problems:
        errors["problems"] = "Add at least one problem."
    for p, problem in enumerate(content.problems):
        at = f"problems[{p}]"
        if not problem.text:
            errors[f"{at}.text"] = "Describe the problem."
        if not problem.goals:
            errors[f"{at}.goals"] = "Add at least one goal for this problem."
        for g, goal in enumerate(problem.goals):
            goal_at = f"{at}.goals[{g}]"
            if not goal.text:
                errors[f"{goal_at}.text"] = "Describe the goal."
            if not goal.measure:
                errors[f"{goal_at}.measure"] = (
                    "Say how progress is measured, for example “PHQ-9 below 10”."
                )
            check_target(goal.target_on, f"{goal_at}.target_on")
            for o, objective in enumerate(goal.objectives):
                objective_at = f"{goal_at}.objectives[{o}]"
                if not objective.text:
                    errors[f"{objective_at}.text"] = "Describe the objective."
                check_target(objective.target_on, f"{objective_at}.target_on")
                if (
                    f"{objective_at}.target_on" not in errors
                    and goal.target_on is not None
                    and objective.target_on is not None
                    and objective.target_on > goal.target_on
                ):
                    errors[f"{objective_at}.target_on"] = (
                        "The objective's target date is after its goal's."
                    )
    if not content.interventions:
        errors["interventions"] = "Add at least one intervention."
    for i, intervention in enumerate(content.interventions):
        at = f"interventions[{i}]"
        if not intervention.text:
            errors[f"{at}.text"] = "Describe the intervention."
        if not intervention.frequency:
            errors[f"{at}.frequency"] = "Say how often, for example “weekly CBT session”."
    if content.session_frequency is None:
        errors["session_frequency"] = "Choose how often sessions are held."
    elif content.session_frequency is SessionFrequency.OTHER and not (
        content.session_frequency_other
    ):
        errors["session_frequency_other"] = "Say how often sessions are held."
    if content.review_on is None:
        errors["review_on"] = "Enter the date the plan will be reviewed."
    elif content.review_on <= today:
        errors["review_on"] = "The review date must be in the future."
    elif start is not None and content.review_on <= start:
        errors["review_on"] = "The review date must be after the plan's start."
    return errors


def _as_signed(content: PlanContent) -> PlanContent:
    """CONTENT as it is signed: "other" frequency text only when "other" is chosen (a draft
    keeps it, so switching the choice back and forth loses nothing)."""
    if content.session_frequency is SessionFrequency.OTHER:
        return content
    return replace(content, session_frequency_other="")


# --- service ---------------------------------------------------------------------------------

NO_PLAN = "A consultation case has no treatment plan."
SIGNED_LOCKED = (
    "This version is signed and can no longer be changed. Start a new version to revise the plan."
)


def _today(session: Session) -> date:
    zone = session.exec(select(Practice.timezone)).first() or "America/Los_Angeles"
    return clock.now().astimezone(ZoneInfo(zone)).date()


def _first_client(session: Session, case_id: int) -> int | None:
    found = session.exec(
        select(CaseParticipant.client_id)
        .where(CaseParticipant.case_id == case_id)
        .order_by(col(CaseParticipant.id))
    ).first()
    return int(found) if found is not None else None


def _plan_case(session: Session, actor: Actor, case_id: int, perm: Perm) -> Case:
    """The case, when PERM reaches it for ACTOR and it may have a plan."""
    case = get_case_for(session, actor, case_id, perm)
    if case.kind == "consultation":
        session.rollback()
        raise ValidationFailed({"plan": NO_PLAN})
    return case


def _draft_for(session: Session, actor: Actor, plan_id: int) -> TreatmentPlan:
    """The draft version PLAN_ID, locked, when ACTOR may write the case's plan."""
    actor.require(Perm.CLINICAL_EDIT)
    # The row lock makes a double-clicked "Sign" sign once; SQLite is serialised already.
    plan = session.exec(
        select(TreatmentPlan)
        .where(TreatmentPlan.id == plan_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()
    if plan is None:
        raise NotFound("treatment plan")
    try:
        _plan_case(session, actor, plan.case_id, Perm.CLINICAL_EDIT)
    except NotFound:
        raise NotFound("treatment plan") from None
    if plan.status != PlanStatus.DRAFT:
        session.rollback()
        raise ValidationFailed({"plan": SIGNED_LOCKED})
    return plan


def start_plan(session: Session, actor: Actor, case_id: int) -> int:
    """The case's draft plan, begun if there is none; its id.

    The first version starts empty; a revision starts as a copy of the latest signed version
    with the next number and today as its start. Commits.
    """
    actor.require(Perm.CLINICAL_EDIT)
    _plan_case(session, actor, case_id, Perm.CLINICAL_EDIT)
    # Serialise beginnings per case on PostgreSQL (a no-op on SQLite, already serialised);
    # NO KEY UPDATE so sessions and notes referencing the case are not held up.
    session.exec(select(Case.id).where(Case.id == case_id).with_for_update(key_share=True)).first()
    draft = session.exec(
        select(TreatmentPlan.id).where(
            TreatmentPlan.case_id == case_id, TreatmentPlan.status == PlanStatus.DRAFT
        )
    ).first()
    if draft is not None:
        session.rollback()
        return int(draft)
    latest = session.exec(
        select(TreatmentPlan.version, TreatmentPlanSigned.content_json)
        .join(TreatmentPlanSigned, col(TreatmentPlanSigned.plan_id) == col(TreatmentPlan.id))
        .where(TreatmentPlan.case_id == case_id)
        .order_by(col(TreatmentPlan.version).desc())
    ).first()
    today = _today(session)
    if latest is None:
        content = PlanContent(start_on=today)
    else:
        content = replace(content_from_dict(json.loads(latest[1])), start_on=today)
    last_version = session.exec(
        select(TreatmentPlan.version)
        .where(TreatmentPlan.case_id == case_id)
        .order_by(col(TreatmentPlan.version).desc())
    ).first()
    now = clock.now()
    plan = TreatmentPlan(
        case_id=case_id,
        version=(last_version or 0) + 1,
        content_json=json.dumps(content_to_dict(content)),
        review_on=content.review_on,
        created_by_id=actor.staff_id,
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor,
        "plan.started",
        record_type="treatment_plan",
        record_id=plan.id,
        client_id=_first_client(session, case_id),
        detail={"version": plan.version},
    )
    session.commit()
    return int(plan.id)  # type: ignore[arg-type]


def save_plan_draft(session: Session, actor: Actor, plan_id: int, raw: object) -> None:
    """Save RAW as the draft's content (see `content_from_dict`).

    Content of the wrong shape is refused by path and nothing is saved; an incomplete draft
    is fine. A save that changes nothing writes nothing. Commits.
    """
    plan = _draft_for(session, actor, plan_id)
    try:
        content = content_from_dict(raw) if raw is not None else PlanContent()
    except PlanContentError:
        session.rollback()  # let go of the row lock
        raise
    before = json.loads(plan.content_json)
    after = content_to_dict(content)
    changed = sorted(k for k in after if before.get(k) != after[k])
    if not changed:
        session.rollback()
        return
    plan.content_json = json.dumps(after)
    plan.review_on = content.review_on
    plan.updated_at = clock.now()
    session.add(plan)
    audit.record(
        session,
        actor,
        "plan.saved",
        record_type="treatment_plan",
        record_id=plan_id,
        client_id=_first_client(session, plan.case_id),
        # Which parts changed, never what they say: the log holds no clinical text.
        detail={"version": plan.version, "changed": changed},
    )
    session.commit()


def discard_plan_draft(session: Session, actor: Actor, plan_id: int) -> None:
    """Throw away the draft PLAN_ID (never a signed version): the plan in force, if any,
    stays as it was, and the next Start or Revise begins afresh. Audited; commits."""
    plan = _draft_for(session, actor, plan_id)  # locked; refused once signed
    case_id, version = plan.case_id, plan.version
    session.delete(plan)
    audit.record(
        session,
        actor,
        "plan.draft_discarded",
        record_type="treatment_plan",
        record_id=plan_id,
        client_id=_first_client(session, case_id),
        detail={"version": version},
    )
    session.commit()


def sign_plan(session: Session, actor: Actor, plan_id: int) -> None:
    """Sign the draft as last saved; from then on it never changes.

    Refused by path while it is incomplete (see `signing_problems`). Commits.
    """
    plan = _draft_for(session, actor, plan_id)
    content = _as_signed(content_from_dict(json.loads(plan.content_json)))
    problems = signing_problems(content, _today(session))
    if problems:
        session.rollback()
        raise ValidationFailed(problems)
    signer = session.get(Staff, actor.staff_id)
    if signer is None:
        session.rollback()
        raise NotFound("staff member")
    assert content.review_on is not None
    now = clock.now()
    stored = json.dumps(content_to_dict(content))
    session.add(
        TreatmentPlanSigned(
            plan_id=plan_id,
            version=plan.version,
            content_json=stored,
            review_on=content.review_on,
            signed_by_id=actor.staff_id,
            signed_name=signer.full_name,
            signed_credentials=signer.credentials,
            signed_at=now,
        )
    )
    plan.status = PlanStatus.SIGNED
    plan.content_json = stored
    plan.review_on = content.review_on
    plan.signed_by_id = actor.staff_id
    plan.signed_name = signer.full_name
    plan.signed_credentials = signer.credentials
    plan.signed_at = now
    plan.updated_at = now
    session.add(plan)
    audit.record(
        session,
        actor,
        "plan.signed",
        record_type="treatment_plan",
        record_id=plan_id,
        client_id=_first_client(session, plan.case_id),
        detail={"version": plan.version},
    )
    session.commit()


def draft_saved_at(session: Session, actor: Actor, plan_id: int) -> datetime:
    """When the draft PLAN_ID was last saved, so an editor can tell whether someone else saved
    it since they loaded it.

    The row stays locked until the caller's transaction ends, so a save or a signature that
    follows in the same transaction cannot be overtaken. Refused like a save: NotFound, or
    SIGNED_LOCKED once signed. Reads no content, so it is not audited.
    """
    return _draft_for(session, actor, plan_id).updated_at


@dataclass(frozen=True)
class PlanView:
    """One version of a plan as its readers see it; a signed one as it was signed."""

    id: int
    case_id: int
    version: int
    status: str  # PlanStatus
    content: PlanContent
    review_on: date | None
    created_by_name: str
    created_at: datetime
    updated_at: datetime
    signed_name: str = ""
    signed_credentials: str = ""
    signed_at: datetime | None = None

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT


def plans_of(session: Session, actor: Actor, case_id: int) -> list[PlanView]:
    """Every version of the case's plan, newest first, for those who may see the case's
    clinical record. Audited."""
    _plan_case(session, actor, case_id, Perm.CLINICAL_VIEW)
    rows = session.exec(
        select(TreatmentPlan, TreatmentPlanSigned, Staff.full_name)
        .outerjoin(TreatmentPlanSigned, col(TreatmentPlanSigned.plan_id) == col(TreatmentPlan.id))
        .join(Staff, col(Staff.id) == col(TreatmentPlan.created_by_id))
        .where(TreatmentPlan.case_id == case_id)
        .order_by(col(TreatmentPlan.version).desc())
    ).all()
    views = [_view(plan, signed, author) for plan, signed, author in rows]
    audit.record(
        session,
        actor,
        "plan.viewed",
        record_type="case",
        record_id=case_id,
        client_id=_first_client(session, case_id),
    )
    session.commit()
    return views


def _view(plan: TreatmentPlan, signed: TreatmentPlanSigned | None, author: str) -> PlanView:
    common: dict[str, object] = {
        "id": int(plan.id),  # type: ignore[arg-type]
        "case_id": plan.case_id,
        "version": plan.version,
        "created_by_name": author,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }
    if signed is None:
        return PlanView(
            status=plan.status,
            content=content_from_dict(json.loads(plan.content_json)),
            review_on=plan.review_on,
            **common,  # type: ignore[arg-type]
        )
    # The append-only copy is what was signed, whatever has happened to the plan row since.
    return PlanView(
        status=PlanStatus.SIGNED,
        content=content_from_dict(json.loads(signed.content_json)),
        review_on=signed.review_on,
        signed_name=signed.signed_name,
        signed_credentials=signed.signed_credentials,
        signed_at=signed.signed_at,
        **common,  # type: ignore[arg-type]
    )
