"""Which client a change may touch, and the audit event every read and write appends."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from practicerunner.clients.access import client_filter, get_client_for
from practicerunner.clients.models import Client
from practicerunner.core import audit
from practicerunner.core.errors import NotFound, PermissionDenied
from practicerunner.core.permissions import Actor, Perm


def audit_event(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: int | None,
    client_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append the audit event in the operation's own transaction."""
    audit.record(
        session,
        actor,
        action,
        record_type=record_type,
        record_id=record_id,
        client_id=client_id,
        detail=detail,
    )


def reachable(session: Session, actor: Actor, client_id: int, perm: Perm) -> bool:
    """Whether PERM reaches the client for ACTOR."""
    if not actor.can(perm):
        return False
    found = session.exec(
        select(Client.id).where(Client.id == client_id, client_filter(actor, perm))
    ).first()
    return found is not None


def client_for_change(session: Session, actor: Actor, client_id: int, perm: Perm) -> Client:
    """The client for a change: NotFound out of view, PermissionDenied when view-only."""
    try:
        return get_client_for(session, actor, client_id, perm)
    except NotFound:
        if reachable(session, actor, client_id, Perm.CLIENT_VIEW):
            raise PermissionDenied(
                "You can view this client but not change their details."
            ) from None
        raise
