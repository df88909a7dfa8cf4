"""The case page's "Supervision" section: who supervises an associate's case and why, and the
supervisors a staff manager may choose from for the case level (`routing.set_case_supervisor`
is the writer).

Readable by whoever the case view reaches (Perm.CASE_VIEW). Not audited on its own: it says
nothing about the client, only which staff member reviews the case's notes, and it is read
with the case page, whose `get_case_view` records the `case.view` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from practicerunner.clients.access import get_case_for
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Staff
from practicerunner.supervision.models import CaseSupervisor
from practicerunner.supervision.routing import LEVEL_LABELS, resolve
from practicerunner.supervision.service import supervisor_choices

FIELD = "supervisor_id"  # set_case_supervisor's name for the choice, and the form's


@dataclass(frozen=True)
class CaseSupervision:
    """What the section shows. NEEDS_SUPERVISION false (a licensed clinician's case): no
    section at all. CHOICES is empty unless the actor may change the case level."""

    needs_supervision: bool
    supervisor_name: str = ""  # "" when nobody resolves (WHY says what to do)
    why: str = ""
    level_label: str = ""  # "Default supervisor", "Supervisor for this case", or ""
    case_supervisor_id: int | None = None  # the case-level choice, if one is set
    can_change: bool = False
    choices: list[tuple[int, str]] = field(default_factory=list)


def can_set_case_supervisor(actor: Actor) -> bool:
    """Whether ACTOR may choose a case's supervisor: those who manage staff and supervision
    assignments (the owner), as `set_case_supervisor` requires."""
    return actor.can(Perm.STAFF_MANAGE)


def case_supervision(session: Session, actor: Actor, case_id: int) -> CaseSupervision:
    """Who supervises CASE_ID (its primary clinician's sessions, no appointment override) and
    why; with the supervisors to choose from when ACTOR may change it. NotFound when the case
    view does not reach the case."""
    case = get_case_for(session, actor, case_id)
    resolution = resolve(session, clinician_id=case.primary_clinician_id, case_id=case.id)
    if not resolution.needs_supervision:
        return CaseSupervision(needs_supervision=False)
    current = session.exec(
        select(CaseSupervisor.supervisor_id).where(CaseSupervisor.case_id == case.id)
    ).first()
    can_change = can_set_case_supervisor(actor)
    # The case's own clinician cannot supervise it (the service refuses them too).
    choices = (
        [(i, name) for i, name in supervisor_choices(session) if i != case.primary_clinician_id]
        if can_change
        else []
    )
    if can_change and current is not None and all(i != current for i, _ in choices):
        # Still the case's choice though no longer able to supervise: shown as it is, so a
        # Save without looking cannot clear it quietly (saving it is refused, by field).
        staff = session.get(Staff, current)
        name = staff.full_name if staff else "A former supervisor"
        choices.append((current, f"{name} (no longer able to supervise)"))
    return CaseSupervision(
        needs_supervision=True,
        supervisor_name=resolution.supervisor_name,
        why=resolution.why,
        level_label=LEVEL_LABELS[resolution.level] if resolution.level else "",
        case_supervisor_id=current,
        can_change=can_change,
        choices=choices,
    )
