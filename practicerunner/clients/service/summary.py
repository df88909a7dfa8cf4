"""The start page's numbers: the clients and cases within reach, and recently opened clients."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from practicerunner.clients.access import case_filter, client_filter
from practicerunner.clients.models import Case, CaseStatus, Client, ClientStatus
from practicerunner.core.audit import AuditEvent
from practicerunner.core.permissions import Actor, Perm, Scope

RECENT = 6
SCOPE_LABELS = {
    Scope.ALL: "In the practice",
    Scope.SUPERVISED: "In your caseload and your supervisees'",
    Scope.CASELOAD: "In your caseload",
}


@dataclass(frozen=True)
class Summary:
    """What the home page shows; `scope_label` says whose clients the counts cover."""

    scope_label: str
    active_clients: int
    prospective_clients: int
    open_cases: int
    recent: list[tuple[int, str]]


def home_summary(session: Session, actor: Actor) -> Summary | None:
    """Counts over the actor's reach, and the clients they opened most recently (None if none)."""
    if not actor.can(Perm.CLIENT_VIEW):
        return None
    in_reach = client_filter(actor, Perm.CLIENT_VIEW)
    by_status = dict(
        session.exec(
            select(Client.status, func.count()).where(in_reach).group_by(col(Client.status))
        ).all()
    )
    open_cases = session.exec(
        select(func.count())
        .select_from(Case)
        .where(case_filter(actor, Perm.CASE_VIEW), col(Case.status) == CaseStatus.ACTIVE)
    ).one()
    # The actor's own recent reads, from the audit log (the only record of them).
    viewed = session.exec(
        select(AuditEvent.client_id)
        .where(
            AuditEvent.actor_id == actor.staff_id,
            AuditEvent.action == "client.view",
            col(AuditEvent.client_id).is_not(None),
        )
        .order_by(col(AuditEvent.seq).desc())
        .limit(50)
    ).all()
    recent_ids = list(dict.fromkeys(i for i in viewed if i is not None))[:RECENT]
    names = {
        c.id: c.display_name
        for c in session.exec(select(Client).where(col(Client.id).in_(recent_ids), in_reach)).all()
    }
    return Summary(
        scope_label=SCOPE_LABELS[actor.scope(Perm.CLIENT_VIEW)],
        active_clients=by_status.get(ClientStatus.ACTIVE.value, 0),
        prospective_clients=by_status.get(ClientStatus.PROSPECTIVE.value, 0),
        open_cases=open_cases,
        recent=[(i, names[i]) for i in recent_ids if i in names],
    )
