"""Kinds of case: their labels, the roles their participants take, their default title."""

from __future__ import annotations

from collections.abc import Sequence

from practicerunner.clients.models import CaseKind, Client, ParticipantRole

KIND_LABELS: dict[str, str] = {
    CaseKind.INDIVIDUAL: "Individual",
    CaseKind.COUPLE: "Couple",
    CaseKind.FAMILY: "Family",
    CaseKind.GROUP: "Group",
    CaseKind.CONSULTATION: "Consultation",
}
# The roles a participant may hold in each kind of case.
KIND_ROLES: dict[str, tuple[str, ...]] = {
    CaseKind.INDIVIDUAL: (ParticipantRole.CLIENT,),
    CaseKind.COUPLE: (ParticipantRole.PARTNER,),
    CaseKind.FAMILY: (ParticipantRole.PARENT, ParticipantRole.CHILD),
    CaseKind.GROUP: (ParticipantRole.MEMBER,),
    CaseKind.CONSULTATION: (ParticipantRole.CLIENT,),
}


def default_title(kind: str, clients: Sequence[Client]) -> str:
    """'Maria Garcia' for one person; 'Garcia & Lee (couple)' for several."""
    if not clients:
        return KIND_LABELS.get(kind, "Case")
    if kind == CaseKind.INDIVIDUAL:
        return clients[0].legal_name
    if kind == CaseKind.CONSULTATION:
        return f"{clients[0].legal_name} (consultation)"
    names: list[str] = []
    for c in clients:
        if c.legal_last_name not in names:
            names.append(c.legal_last_name)
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " & " + names[-1]
    return f"{joined} ({kind})"[:200]
