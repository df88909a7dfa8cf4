"""The rules a case's people must meet: who may take part, who may pay, who may treat."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session

from practicerunner.clients.access import get_client_for
from practicerunner.clients.cases.choices import clinician_choices, contacts_by_client
from practicerunner.clients.cases.inputs import ParticipantInput, PayerInput, parse_id
from practicerunner.clients.cases.kinds import KIND_ROLES
from practicerunner.clients.cases.shares import FULL_SHARE, format_share, parse_share
from practicerunner.clients.models import CaseKind, Client, ClientStatus
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm
from practicerunner.core.validation import Errors


def reaches(actor: Actor, perm: Perm, clinician_id: int) -> bool:
    """Whether PERM reaches a case of CLINICIAN_ID for ACTOR (the same rule as case_filter)."""
    if not actor.can(perm):
        return False
    allowed = actor.clinician_ids(actor.scope(perm))
    return allowed is None or clinician_id in allowed


def check_participants(
    session: Session,
    actor: Actor,
    kind: str,
    rows: Sequence[ParticipantInput],
    errs: Errors,
    already: Iterable[int] = (),
) -> list[tuple[Client, str, bool]]:
    """Each row names a reachable client once, with a role the case KIND allows."""
    keep_ids = set(already)  # current participants stay valid even if now out of reach
    chosen: list[tuple[Client, str, bool]] = []
    seen: set[int] = set()
    roles = KIND_ROLES.get(kind, ())
    for i, row in enumerate(rows):
        client_id = parse_id(row.client_id)
        if client_id is None:
            errs.add(f"participant_client_{i}", "Choose a client.")
            continue
        if client_id in seen:
            errs.add(f"participant_client_{i}", "This client is already in the case.")
            continue
        seen.add(client_id)
        try:
            if client_id in keep_ids:
                client = session.get(Client, client_id)
                if client is None:
                    raise NotFound("client")
            else:
                client = get_client_for(session, actor, client_id)
        except NotFound:
            errs.add(f"participant_client_{i}", "That client was not found.")
            continue
        if client.status == ClientStatus.DISCHARGED and client_id not in keep_ids:
            errs.add(f"participant_client_{i}", f"{client.display_name} has been discharged.")
            continue
        role = (row.role or "").strip()
        if roles and role not in roles:
            allowed = " or ".join(roles)
            errs.add(f"participant_role_{i}", f"In a {kind} case the role is {allowed}.")
            continue
        chosen.append((client, role, bool(row.attends)))
    count = len(rows)
    if kind in (CaseKind.INDIVIDUAL, CaseKind.CONSULTATION) and count != 1:
        article = "An" if kind == CaseKind.INDIVIDUAL else "A"
        errs.add("participants", f"{article} {kind} case has exactly one client.")
    elif kind == CaseKind.COUPLE and count != 2:
        errs.add("participants", "A couple case has exactly two partners.")
    elif kind in (CaseKind.FAMILY, CaseKind.GROUP) and count < 2:
        who = "family members" if kind == CaseKind.FAMILY else "members"
        errs.add("participants", f"A {kind} case has at least two {who}.")
    return chosen


def check_payers(
    session: Session,
    rows: Sequence[PayerInput],
    participant_ids: Sequence[int],
    errs: Errors,
) -> list[tuple[int | None, int | None, int]]:
    """Payers are participants or their billing contacts / guardians; shares sum to 100%."""
    contacts = {k.id: k for ks in contacts_by_client(session, participant_ids).values() for k in ks}
    result: list[tuple[int | None, int | None, int]] = []
    seen: set[str] = set()
    total = 0
    shares_ok = True
    for i, row in enumerate(rows):
        party = (row.party or "").strip()
        kind_, _, raw_id = party.partition(":")
        party_id = parse_id(raw_id)
        share = errs.check(f"payer_share_{i}", parse_share, row.share)
        if share is None:
            shares_ok = False
        else:
            total += share
        if kind_ not in ("client", "contact") or party_id is None:
            errs.add(f"payer_party_{i}", "Choose who pays.")
            continue
        if party in seen:
            errs.add(f"payer_party_{i}", "This payer is listed twice.")
            continue
        seen.add(party)
        if kind_ == "client" and party_id not in participant_ids:
            errs.add(f"payer_party_{i}", "A paying client must take part in this case.")
            continue
        if kind_ == "contact" and party_id not in contacts:
            errs.add(
                f"payer_party_{i}",
                "A paying contact must be an active billing contact or guardian of a participant.",
            )
            continue
        if share is not None:
            if kind_ == "client":
                result.append((party_id, None, share))
            else:
                result.append((None, party_id, share))
    if not rows:
        errs.add("payers", "Add at least one payer.")
    elif shares_ok and total != FULL_SHARE:
        errs.add("payers", f"The shares add up to {format_share(total)}; they must add up to 100%.")
    return result


def check_clinician(
    session: Session, actor: Actor, value: int | str | None, perm: Perm, errs: Errors
) -> int | None:
    """An active staff member with a clinical role, within ACTOR's reach for PERM."""
    staff_id = parse_id(value)
    if staff_id is None:
        errs.add("primary_clinician_id", "Choose the primary clinician.")
        return None
    if not any(c.value == str(staff_id) for c in clinician_choices(session, actor, perm)):
        errs.add("primary_clinician_id", "Choose an active clinician from the list.")
        return None
    return staff_id
