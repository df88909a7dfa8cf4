"""Adding a client and changing their details: every field checked at once, duplicates asked."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from practicerunner.clients.models import Client, ClientStatus
from practicerunner.clients.service.duplicates import (
    DuplicateMatch,
    PossibleDuplicate,
    find_duplicates,
)
from practicerunner.clients.service.fields import (
    CLIENT_FIELDS,
    clean_address,
    require_email_for_portal,
    truthy,
)
from practicerunner.clients.service.pickers import can_assign_any_clinician, is_clinician
from practicerunner.clients.service.scope import audit_event, client_for_change
from practicerunner.core import clock, validation
from practicerunner.core.permissions import Actor, Perm


def client_values(client: Client) -> dict[str, Any]:
    """The client's stored values, by field name."""
    return {name: getattr(client, name) for name in CLIENT_FIELDS}


def _clean_clinician(
    session: Session, actor: Actor, raw: Any, current: int | None, errors: validation.Errors
) -> int | None:
    text = str(raw if raw is not None else "").strip()
    if not text:
        if can_assign_any_clinician(actor):
            return None
        # A clinician's new client joins their own caseload.
        return current if current is not None else actor.staff_id
    try:
        staff_id = int(text)
    except ValueError:
        errors.add("clinician_id", "Choose a clinician from the list.")
        return current
    own_caseload_only = not can_assign_any_clinician(actor)
    if staff_id != current and own_caseload_only and staff_id != actor.staff_id:
        errors.add("clinician_id", "You can assign clients only to your own caseload.")
        return current
    if staff_id != current and not is_clinician(session, staff_id):
        errors.add("clinician_id", "Choose an active clinician from the list.")
        return current
    return staff_id


def _clean_client(
    session: Session, actor: Actor, data: dict[str, Any], current: Client | None
) -> dict[str, Any]:
    """Every field checked at once; ValidationFailed lists each message by field."""
    v, e = validation, validation.Errors()
    clean: dict[str, Any] = {
        "legal_first_name": e.check(
            "legal_first_name", v.required, data.get("legal_first_name"), "Legal first name", 100
        ),
        "legal_last_name": e.check(
            "legal_last_name", v.required, data.get("legal_last_name"), "Legal last name", 100
        ),
        "preferred_name": e.check(
            "preferred_name", v.optional, data.get("preferred_name"), "Preferred name", 100
        ),
        "pronouns": e.check("pronouns", v.optional, data.get("pronouns"), "Pronouns", 40),
        "date_of_birth": e.check("date_of_birth", v.past_date, data.get("date_of_birth")),
        "email": e.check("email", v.email, data.get("email")),
        "phone": e.check("phone", v.phone, data.get("phone")),
        "status": e.check("status", v.choice, data.get("status"), ClientStatus, "Status"),
        "portal_access": truthy(data.get("portal_access")),
        "reminders_opt_out": truthy(data.get("reminders_opt_out")),
        "clinician_id": _clean_clinician(
            session,
            actor,
            data.get("clinician_id"),
            current.clinician_id if current else None,
            e,
        ),
    }
    clean.update(clean_address(data, e))
    require_email_for_portal(clean, e)
    e.raise_if_any()
    clean["status"] = str(clean["status"].value)
    return clean


def _duplicates_of(
    session: Session, actor: Actor, clean: dict[str, Any], exclude_id: int | None = None
) -> list[DuplicateMatch]:
    """Clients on file who may be the person in CLEAN (other than EXCLUDE_ID)."""
    return find_duplicates(
        session,
        actor,
        clean["legal_first_name"],
        clean["legal_last_name"],
        clean["date_of_birth"],
        clean["email"],
        exclude_id=exclude_id,
    )


def create_client(
    session: Session, actor: Actor, data: dict[str, Any], *, confirm_duplicate: bool = False
) -> Client:
    """Add a client; PossibleDuplicate unless CONFIRM_DUPLICATE when one may already exist."""
    actor.require(Perm.CLIENT_CREATE)
    data = {"status": ClientStatus.ACTIVE.value, **data}
    clean = _clean_client(session, actor, data, None)
    matches = _duplicates_of(session, actor, clean)
    if matches and not confirm_duplicate:
        raise PossibleDuplicate(matches)
    now = clock.now()
    client = Client(
        **clean, first_name_key="", last_name_key="", search_text="", created_at=now, updated_at=now
    )
    client.refresh_keys()
    session.add(client)
    session.flush()
    audit_event(
        session,
        actor,
        "client.create",
        "client",
        client.id,
        client.id,
        {"duplicate_confirmed": bool(matches)},
    )
    session.commit()
    return client


def update_client(
    session: Session,
    actor: Actor,
    client_id: int,
    data: dict[str, Any],
    *,
    confirm_duplicate: bool = False,
) -> Client:
    """Change a client's details; fields missing from DATA keep their value."""
    client = client_for_change(session, actor, client_id, Perm.CLIENT_EDIT)
    before = client_values(client)
    merged = {**before, **{k: v for k, v in data.items() if k in CLIENT_FIELDS}}
    clean = _clean_client(session, actor, merged, client)
    changed = sorted(k for k, value in clean.items() if value != before[k])
    if not changed:
        return client
    identity = {"legal_first_name", "legal_last_name", "date_of_birth", "email"}
    # Only a change to who this is can create a new duplicate; an address edit should not nag.
    if identity & set(changed) and not confirm_duplicate:
        matches = _duplicates_of(session, actor, clean, exclude_id=client.id)
        if matches:
            raise PossibleDuplicate(matches)
    for name in changed:
        setattr(client, name, clean[name])
    client.refresh_keys()
    client.updated_at = clock.now()
    session.add(client)
    audit_event(
        session, actor, "client.update", "client", client.id, client.id, {"fields": changed}
    )
    session.commit()
    return client
