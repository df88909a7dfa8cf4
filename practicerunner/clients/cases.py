"""Case services: open a case, read it, change it — participants, payers and shares included.

Plain functions `(session, actor, ...)`; no Reflex here. Every rule is checked on the server
(a Reflex event can be sent by any browser), every error is collected for the form at once,
and every write is one transaction with its audit event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from practicerunner.clients.access import client_filter, get_case_for, get_client_for
from practicerunner.clients.models import (
    Case,
    CaseKind,
    CaseParticipant,
    CasePayer,
    CaseStatus,
    Client,
    ClientStatus,
    Contact,
    ContactRelationship,
    ParticipantRole,
)
from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, PermissionDenied
from practicerunner.core.permissions import CLINICAL_ROLES, Actor, Perm
from practicerunner.core.validation import Errors, FieldError, name_key, optional
from practicerunner.practice.models import Practice, Staff, StaffRole

FULL_SHARE = 10_000  # basis points: 100.00%
PAYING_CONTACTS = (ContactRelationship.BILLING, ContactRelationship.GUARDIAN)
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
PORTAL_OK = "Can reach the portal"
PORTAL_NO_EMAIL = "No email on file"
PORTAL_OFF = "No portal access"


# --- input shapes (what a form sends) ---------------------------------------------------


@dataclass
class ParticipantInput:
    """One participant row: a client id (as typed or chosen), a role, whether they attend."""

    client_id: int | str
    role: str
    attends: bool = True


@dataclass
class PayerInput:
    """One payer row: party "client:ID" or "contact:ID" and a share in percent, like "33.33"."""

    party: str
    share: str


@dataclass
class CaseInput:
    """Everything needed to open a case."""

    kind: str
    primary_clinician_id: int | str | None
    opened_on: str | date
    participants: Sequence[ParticipantInput | tuple[Any, ...]]
    payers: Sequence[PayerInput | tuple[Any, ...]]
    title: str = ""
    presenting_concern: str = ""


@dataclass
class CaseChanges:
    """A change to an existing case; None leaves that part as it is."""

    title: str | None = None
    primary_clinician_id: int | str | None = None
    status: str | None = None
    closed_on: str | date | None = None
    presenting_concern: str | None = None
    participants: Sequence[ParticipantInput | tuple[Any, ...]] | None = None
    payers: Sequence[PayerInput | tuple[Any, ...]] | None = None


# --- view models (what a page shows; plain strings, never ORM rows) ---------------------


@dataclass
class PersonRow:
    """A participant or payer as the case page shows them."""

    name: str
    href: str  # the client page, or "" for a contact
    role: str  # participant role, or the payer's relationship
    attends: str  # "Yes" / "No" for participants, "" for payers
    age: str
    share: str  # "50%" for payers, "" for participants
    email: str  # "Email on file" / "No email"
    portal: str


@dataclass
class CaseView:
    """The case page's data; `presenting_concern` is None unless the actor may see it."""

    id: int
    kind: str
    kind_label: str
    title: str
    status: str
    clinician: str
    opened_on: str
    closed_on: str
    participants: list[PersonRow]
    payers: list[PersonRow]
    presenting_concern: str | None
    can_edit: bool
    can_edit_payers: bool
    can_edit_clinical: bool


@dataclass
class Choice:
    """A value and its label for a select; `contacts` are a client's possible payers."""

    value: str
    label: str
    contacts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CaseForm:
    """Options and current values for the new-case and edit-case forms."""

    clinicians: list[Choice]
    clients: list[Choice]
    can_clinical: bool
    can_edit: bool = True
    can_edit_payers: bool = True
    case_id: int | None = None
    kind: str = CaseKind.INDIVIDUAL
    title: str = ""
    status: str = CaseStatus.ACTIVE
    primary_clinician_id: str = ""
    opened_on: str = ""
    closed_on: str = ""
    presenting_concern: str = ""
    participants: list[ParticipantInput] = field(default_factory=list)
    payers: list[PayerInput] = field(default_factory=list)


# --- small pure helpers -----------------------------------------------------------------


def format_share(basis_points: int) -> str:
    """5000 -> '50%', 3333 -> '33.33%', 1250 -> '12.5%'."""
    text = f"{Decimal(basis_points) / 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def parse_share(text: str) -> int:
    """'33.33' or '33.33%' -> 3333 basis points; more than two decimals is refused."""
    raw = (text or "").strip().removesuffix("%").strip()
    if not raw:
        raise FieldError("Enter a share, like 50.")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise FieldError("Enter the share as a number, like 50 or 33.33.") from exc
    if not value.is_finite():
        raise FieldError("Enter the share as a number, like 50 or 33.33.")
    if value != value.quantize(Decimal("0.01")):
        raise FieldError("Use at most two decimals, like 33.33.")
    if value <= 0:
        raise FieldError("A share must be more than 0%.")
    if value > 100:
        raise FieldError("A share cannot be more than 100%.")
    return int(value * 100)


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


def age_on(born: date, today: date) -> int:
    """Whole years from BORN to TODAY."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def portal_status(portal_access: bool, email: str) -> str:
    """Whether this person can reach the portal, or what stands in the way."""
    if not portal_access:
        return PORTAL_OFF
    return PORTAL_OK if email else PORTAL_NO_EMAIL


def _practice_today(session: Session) -> date:
    # "Today" is the practice's date, not the server's: a 9 pm opening is still today.
    tz = session.exec(select(Practice.timezone)).first() or "UTC"
    return clock.now().astimezone(ZoneInfo(tz)).date()


def _reaches(actor: Actor, perm: Perm, clinician_id: int) -> bool:
    """Whether PERM reaches a case of CLINICIAN_ID for ACTOR (the same rule as case_filter)."""
    if not actor.can(perm):
        return False
    allowed = actor.clinician_ids(actor.scope(perm))
    return allowed is None or clinician_id in allowed


def _as_participant(row: ParticipantInput | tuple[Any, ...]) -> ParticipantInput:
    return row if isinstance(row, ParticipantInput) else ParticipantInput(*row)


def _as_payer(row: PayerInput | tuple[Any, ...]) -> PayerInput:
    return row if isinstance(row, PayerInput) else PayerInput(*row)


def _parse_id(value: int | str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _parse_date(value: str | date | None, label: str, errs: Errors, name: str) -> date | None:
    if isinstance(value, date):
        return value
    raw = (value or "").strip()
    if not raw:
        errs.add(name, f"{label} is required.")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errs.add(name, f"Enter {label.lower()} as a date, like 2026-03-02.")
        return None


# --- choices for the forms --------------------------------------------------------------


def _staff_label(staff: Staff) -> str:
    return f"{staff.full_name}, {staff.credentials}" if staff.credentials else staff.full_name


def clinician_choices(
    session: Session, actor: Actor, perm: Perm = Perm.CASE_CREATE
) -> list[Choice]:
    """Active staff with a clinical role whom ACTOR may make a case's primary clinician."""
    allowed = actor.clinician_ids(actor.scope(perm))
    query = (
        select(Staff)
        .join(StaffRole, col(StaffRole.staff_id) == Staff.id)
        .where(
            col(Staff.is_active).is_(True),
            col(StaffRole.role).in_([r.value for r in CLINICAL_ROLES]),
        )
        .distinct()
        .order_by(Staff.full_name)
    )
    if allowed is not None:
        query = query.where(col(Staff.id).in_(sorted(allowed)))
    return [Choice(str(s.id), _staff_label(s)) for s in session.exec(query).all()]


def _contacts_by_client(session: Session, client_ids: Iterable[int]) -> dict[int, list[Contact]]:
    ids = sorted(set(client_ids))
    found: dict[int, list[Contact]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.exec(
        select(Contact)
        .where(
            col(Contact.client_id).in_(ids),
            col(Contact.is_active).is_(True),
            col(Contact.relationship).in_([r.value for r in PAYING_CONTACTS]),
        )
        .order_by(Contact.last_name, Contact.first_name)
    ).all()
    for contact in rows:
        found[contact.client_id].append(contact)
    return found


def _relationship_label(contact: Contact) -> str:
    return "guardian" if contact.relationship == ContactRelationship.GUARDIAN else "billing contact"


def client_choices(
    session: Session,
    actor: Actor,
    query: str = "",
    include: Iterable[int] = (),
    limit: int = 50,
) -> list[Choice]:
    """Reachable, not discharged clients matching QUERY (plus INCLUDE), with their contacts."""
    if not actor.can(Perm.CLIENT_VIEW):
        return []
    base = select(Client).where(
        client_filter(actor, Perm.CLIENT_VIEW), col(Client.status) != ClientStatus.DISCHARGED
    )
    found: dict[int, Client] = {}
    wanted = sorted({i for i in include if i})
    if wanted:
        for c in session.exec(base.where(col(Client.id).in_(wanted))).all():
            found[c.id] = c  # type: ignore[index]
    searched = base
    for word in name_key(query).split():
        searched = searched.where(col(Client.search_text).contains(word, autoescape=True))
    order = (col(Client.last_name_key), col(Client.first_name_key), col(Client.id))
    for c in session.exec(searched.order_by(*order).limit(limit)).all():
        found.setdefault(c.id, c)  # type: ignore[arg-type]
    contacts = _contacts_by_client(session, found)
    ordered = sorted(found.values(), key=lambda c: (c.last_name_key, c.first_name_key, c.id))
    return [_client_choice(c, contacts[c.id]) for c in ordered]  # type: ignore[index]


def _client_choice(client: Client, contacts: list[Contact]) -> Choice:
    """A client for the participant picker, with the contacts who could pay for them."""
    return Choice(
        str(client.id),
        f"{client.display_name} (born {client.date_of_birth.isoformat()})",
        [
            (f"contact:{k.id}", f"{k.full_name}, {_relationship_label(k)} of {client.display_name}")
            for k in contacts
        ],
    )


def new_case_form(session: Session, actor: Actor, client_id: int | None = None) -> CaseForm:
    """Options for the new-case form; CLIENT_ID (if reachable) becomes the first participant."""
    actor.require(Perm.CASE_CREATE)
    first: list[ParticipantInput] = []
    payers: list[PayerInput] = []
    if client_id is not None:
        try:
            client = get_client_for(session, actor, client_id)
        except NotFound:
            client = None
        if client is not None:
            first = [ParticipantInput(str(client.id), ParticipantRole.CLIENT, True)]
            payers = [PayerInput(f"client:{client.id}", "100")]
    clinicians = clinician_choices(session, actor)
    default = str(actor.staff_id) if any(c.value == str(actor.staff_id) for c in clinicians) else ""
    return CaseForm(
        clinicians=clinicians,
        clients=client_choices(session, actor, include=[int(p.client_id) for p in first]),
        can_clinical=actor.can(Perm.CLINICAL_EDIT),
        primary_clinician_id=default,
        opened_on=_practice_today(session).isoformat(),
        participants=first,
        payers=payers,
    )


# --- validation shared by create and edit -----------------------------------------------


def _check_participants(
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
        client_id = _parse_id(row.client_id)
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


def _check_payers(
    session: Session,
    rows: Sequence[PayerInput],
    participant_ids: Sequence[int],
    errs: Errors,
) -> list[tuple[int | None, int | None, int]]:
    """Payers are participants or their billing contacts / guardians; shares sum to 100%."""
    contacts = {
        k.id: k for ks in _contacts_by_client(session, participant_ids).values() for k in ks
    }
    result: list[tuple[int | None, int | None, int]] = []
    seen: set[str] = set()
    total = 0
    shares_ok = True
    for i, row in enumerate(rows):
        party = (row.party or "").strip()
        kind_, _, raw_id = party.partition(":")
        party_id = _parse_id(raw_id)
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


def _check_clinician(
    session: Session, actor: Actor, value: int | str | None, perm: Perm, errs: Errors
) -> int | None:
    """An active staff member with a clinical role, within ACTOR's reach for PERM."""
    staff_id = _parse_id(value)
    if staff_id is None:
        errs.add("primary_clinician_id", "Choose the primary clinician.")
        return None
    if not any(c.value == str(staff_id) for c in clinician_choices(session, actor, perm)):
        errs.add("primary_clinician_id", "Choose an active clinician from the list.")
        return None
    return staff_id


def _write_payers(
    session: Session, case_id: int, payers: list[tuple[int | None, int | None, int]]
) -> None:
    for old in session.exec(select(CasePayer).where(CasePayer.case_id == case_id)).all():
        session.delete(old)
    session.flush()  # the unique keys on (case, party) must be free before re-adding
    for client_id, contact_id, share in payers:
        session.add(
            CasePayer(
                case_id=case_id,
                client_id=client_id,
                contact_id=contact_id,
                share_basis_points=share,
            )
        )


# --- create ---------------------------------------------------------------------------


def create_case(session: Session, actor: Actor, data: CaseInput) -> Case:
    """Open a case with its participants and payers, in one transaction, audited."""
    actor.require(Perm.CASE_CREATE)
    errs = Errors()
    kind = (data.kind or "").strip()
    if kind not in KIND_LABELS:
        errs.add("kind", "Choose the kind of case.")
    title = errs.check("title", optional, data.title, "Title", 200) or ""
    clinician_id = _check_clinician(
        session, actor, data.primary_clinician_id, Perm.CASE_CREATE, errs
    )
    opened_on = _parse_date(data.opened_on, "Opened on", errs, "opened_on")
    if opened_on is not None and opened_on > _practice_today(session):
        errs.add("opened_on", "A case cannot be opened in the future.")
    concern = errs.check(
        "presenting_concern", optional, data.presenting_concern, "Presenting concern", 4000
    )
    if concern and (clinician_id is None or not _reaches(actor, Perm.CLINICAL_EDIT, clinician_id)):
        errs.add("presenting_concern", "Only the treating clinician can record this.")
    rows = [_as_participant(p) for p in data.participants]
    chosen = _check_participants(session, actor, kind, rows, errs) if kind in KIND_LABELS else []
    chosen_ids: list[int] = [c.id for c, _, _ in chosen]  # type: ignore[misc]
    payers = _check_payers(session, [_as_payer(p) for p in data.payers], chosen_ids, errs)
    errs.raise_if_any()
    assert clinician_id is not None and opened_on is not None
    now = clock.now()
    case = Case(
        kind=kind,
        title=title or default_title(kind, [c for c, _, _ in chosen]),
        primary_clinician_id=clinician_id,
        opened_on=opened_on,
        presenting_concern=concern or "",
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    for client, role, attends in chosen:
        session.add(
            CaseParticipant(case_id=case.id, client_id=client.id, role=role, attends=attends)  # type: ignore[arg-type]
        )
    _write_payers(session, case.id, payers)
    fields = ["kind", "title", "primary_clinician_id", "opened_on", "participants", "payers"]
    if concern:
        fields.append("presenting_concern")
    audit.record(
        session,
        actor,
        "case.create",
        record_type="case",
        record_id=case.id,
        client_id=chosen[0][0].id,
        detail={"fields": fields, "participants": len(chosen), "payers": len(payers)},
    )
    session.commit()
    return case


# --- read -----------------------------------------------------------------------------


def _participants(session: Session, case_id: int) -> list[tuple[CaseParticipant, Client]]:
    return list(
        session.exec(
            select(CaseParticipant, Client)
            .join(Client, col(Client.id) == CaseParticipant.client_id)
            .where(CaseParticipant.case_id == case_id)
            .order_by(col(CaseParticipant.id))
        ).all()
    )


def _payers(session: Session, case_id: int) -> list[CasePayer]:
    return list(
        session.exec(
            select(CasePayer)
            .where(CasePayer.case_id == case_id)
            .order_by(col(CasePayer.share_basis_points).desc(), col(CasePayer.id))
        ).all()
    )


def _email_label(email: str) -> str:
    return "Email on file" if email else "No email"


def get_case_view(session: Session, actor: Actor, case_id: int) -> CaseView:
    """The case page for ACTOR (clinical text only where it reaches), audited as case.view."""
    case = get_case_for(session, actor, case_id)
    assert case.id is not None
    today = _practice_today(session)
    people = _participants(session, case.id)
    by_client = {client.id: client for _, client in people}
    participants = [
        PersonRow(
            name=client.display_name,
            href=f"/clients/{client.id}",
            role=p.role.capitalize(),
            attends="Yes" if p.attends else "No",
            age=str(age_on(client.date_of_birth, today)),
            share="",
            email=_email_label(client.email),
            portal=portal_status(client.portal_access, client.email),
        )
        for p, client in people
    ]
    payers: list[PersonRow] = []
    for payer in _payers(session, case.id):
        if payer.client_id is not None:
            client = by_client.get(payer.client_id) or session.get(Client, payer.client_id)
            assert client is not None
            payers.append(
                PersonRow(
                    name=client.display_name,
                    href=f"/clients/{client.id}",
                    role="Participant",
                    attends="",
                    age="",
                    share=format_share(payer.share_basis_points),
                    email=_email_label(client.email),
                    portal=portal_status(client.portal_access, client.email),
                )
            )
        else:
            contact = session.get(Contact, payer.contact_id)
            assert contact is not None
            of = by_client.get(contact.client_id)
            role = _relationship_label(contact).capitalize()
            payers.append(
                PersonRow(
                    name=contact.full_name,
                    href="",
                    role=f"{role} of {of.display_name}" if of else role,
                    attends="",
                    age="",
                    share=format_share(payer.share_basis_points),
                    email=_email_label(contact.email),
                    portal=portal_status(contact.portal_access, contact.email),
                )
            )
    clinician = session.get(Staff, case.primary_clinician_id)
    # Clinical text leaves the server only for those CLINICAL_VIEW reaches.
    concern = (
        case.presenting_concern
        if _reaches(actor, Perm.CLINICAL_VIEW, case.primary_clinician_id)
        else None
    )
    view = CaseView(
        id=case.id,
        kind=case.kind,
        kind_label=KIND_LABELS.get(case.kind, case.kind),
        title=case.title,
        status=case.status,
        clinician=_staff_label(clinician) if clinician else "",
        opened_on=case.opened_on.isoformat(),
        closed_on=case.closed_on.isoformat() if case.closed_on else "",
        participants=participants,
        payers=payers,
        presenting_concern=concern,
        can_edit=_reaches(actor, Perm.CASE_EDIT, case.primary_clinician_id),
        can_edit_payers=_reaches(actor, Perm.BILLING_EDIT, case.primary_clinician_id),
        can_edit_clinical=_reaches(actor, Perm.CLINICAL_EDIT, case.primary_clinician_id),
    )
    audit.record(
        session,
        actor,
        "case.view",
        record_type="case",
        record_id=case.id,
        client_id=people[0][1].id if people else None,
    )
    session.commit()
    return view


def edit_case_form(session: Session, actor: Actor, case_id: int) -> CaseForm:
    """Current values and options for the edit form; audited as a view of the case."""
    case = get_case_for(session, actor, case_id)
    assert case.id is not None
    can_edit = _reaches(actor, Perm.CASE_EDIT, case.primary_clinician_id)
    can_payers = _reaches(actor, Perm.BILLING_EDIT, case.primary_clinician_id)
    if not (can_edit or can_payers):
        raise PermissionDenied("You can view this case but not change it.")
    can_clinical = _reaches(actor, Perm.CLINICAL_EDIT, case.primary_clinician_id)
    people = _participants(session, case.id)
    clinicians = clinician_choices(session, actor, Perm.CASE_EDIT)
    if not any(c.value == str(case.primary_clinician_id) for c in clinicians):
        current = session.get(Staff, case.primary_clinician_id)
        if current is not None:
            clinicians.insert(0, Choice(str(current.id), _staff_label(current)))
    # Current participants are always offered, even if the actor could not pick them anew.
    clients = client_choices(session, actor, include=[c.id for _, c in people])  # type: ignore[misc]
    offered = {c.value for c in clients}
    contacts = _contacts_by_client(session, [c.id for _, c in people])  # type: ignore[misc]
    for _, c in people:
        if str(c.id) not in offered:
            clients.append(_client_choice(c, contacts[c.id]))  # type: ignore[index]
    form = CaseForm(
        clinicians=clinicians,
        clients=clients,
        can_clinical=can_clinical,
        can_edit=can_edit,
        can_edit_payers=can_payers,
        case_id=case.id,
        kind=case.kind,
        title=case.title,
        status=case.status,
        primary_clinician_id=str(case.primary_clinician_id),
        opened_on=case.opened_on.isoformat(),
        closed_on=case.closed_on.isoformat() if case.closed_on else "",
        presenting_concern=case.presenting_concern if can_clinical else "",
        participants=[ParticipantInput(str(c.id), p.role, p.attends) for p, c in people],
        payers=[
            PayerInput(
                f"client:{p.client_id}" if p.client_id is not None else f"contact:{p.contact_id}",
                format_share(p.share_basis_points).removesuffix("%"),
            )
            for p in _payers(session, case.id)
        ],
    )
    audit.record(
        session,
        actor,
        "case.view",
        record_type="case",
        record_id=case.id,
        client_id=people[0][1].id if people else None,
        detail={"page": "edit"},
    )
    session.commit()
    return form


# --- change ---------------------------------------------------------------------------


def edit_case(session: Session, actor: Actor, case_id: int, changes: CaseChanges) -> Case:
    """Apply CHANGES to a case: each part checked against its permission, all or nothing."""
    case = get_case_for(session, actor, case_id)
    assert case.id is not None
    details = (changes.title, changes.primary_clinician_id, changes.status, changes.closed_on)
    wants_case = any(v is not None for v in details) or changes.participants is not None
    if wants_case and not _reaches(actor, Perm.CASE_EDIT, case.primary_clinician_id):
        raise PermissionDenied("You can view this case but not change it.")
    if changes.payers is not None and not _reaches(
        actor, Perm.BILLING_EDIT, case.primary_clinician_id
    ):
        raise PermissionDenied("You cannot change who pays for this case.")
    if changes.presenting_concern is not None and not _reaches(
        actor, Perm.CLINICAL_EDIT, case.primary_clinician_id
    ):
        raise PermissionDenied("Only the treating clinician can change clinical information.")

    errs = Errors()
    changed: list[str] = []
    title = None
    if changes.title is not None:
        title = errs.check("title", optional, changes.title, "Title", 200)
    clinician_id = None
    if changes.primary_clinician_id is not None and str(changes.primary_clinician_id) != str(
        case.primary_clinician_id
    ):
        clinician_id = _check_clinician(
            session, actor, changes.primary_clinician_id, Perm.CASE_EDIT, errs
        )
    status = case.status
    closed_on = case.closed_on
    if changes.status is not None:
        status = (changes.status or "").strip()
        if status not in (CaseStatus.ACTIVE, CaseStatus.CLOSED):
            errs.add("status", "Choose active or closed.")
    if status == CaseStatus.CLOSED:
        if changes.closed_on not in (None, ""):
            closed_on = _parse_date(changes.closed_on, "Closed on", errs, "closed_on")
        elif closed_on is None:
            closed_on = _practice_today(session)
        if closed_on is not None and closed_on < case.opened_on:
            errs.add("closed_on", "A case cannot close before it opened.")
        if closed_on is not None and closed_on > _practice_today(session):
            errs.add("closed_on", "A case cannot be closed in the future.")
    else:
        closed_on = None
    concern = None
    if changes.presenting_concern is not None:
        concern = errs.check(
            "presenting_concern",
            optional,
            changes.presenting_concern,
            "Presenting concern",
            4000,
        )

    current = _participants(session, case.id)
    participant_ids = [c.id for _, c in current]
    chosen: list[tuple[Client, str, bool]] | None = None
    if changes.participants is not None:
        rows = [_as_participant(p) for p in changes.participants]
        chosen = _check_participants(session, actor, case.kind, rows, errs, participant_ids)  # type: ignore[arg-type]
        participant_ids = [c.id for c, _, _ in chosen]
    payers = None
    if changes.payers is not None:
        payers = _check_payers(
            session,
            [_as_payer(p) for p in changes.payers],
            participant_ids,  # type: ignore[arg-type]
            errs,
        )
    elif chosen is not None:
        # Removing a participant who pays would leave shares pointing outside the case.
        gone = {c.id for _, c in current} - set(participant_ids)
        paying_gone = [p for p in _payers(session, case.id) if p.client_id in gone]
        contacts_gone = [
            p
            for p in _payers(session, case.id)
            if p.contact_id is not None
            and (k := session.get(Contact, p.contact_id)) is not None
            and k.client_id in gone
        ]
        if paying_gone or contacts_gone:
            errs.add("payers", "Someone removed from the case still pays for it; change who pays.")
    errs.raise_if_any()

    if title is not None and title != case.title:
        case.title = title or default_title(case.kind, [c for _, c in current])
        changed.append("title")
    if clinician_id is not None:
        case.primary_clinician_id = clinician_id
        changed.append("primary_clinician_id")
    if status != case.status:
        changed.append("status")
    if closed_on != case.closed_on:
        changed.append("closed_on")
    case.status, case.closed_on = status, closed_on
    if concern is not None and concern != case.presenting_concern:
        case.presenting_concern = concern
        changed.append("presenting_concern")
    if chosen is not None:
        _replace_participants(session, case.id, current, chosen)
        changed.append("participants")
    if payers is not None:
        _write_payers(session, case.id, payers)
        changed.append("payers")
    case.updated_at = clock.now()
    session.add(case)
    first = chosen[0][0].id if chosen else (current[0][1].id if current else None)
    audit.record(
        session,
        actor,
        "case.update",
        record_type="case",
        record_id=case.id,
        client_id=first,
        detail={"fields": changed},
    )
    session.commit()
    return case


def _replace_participants(
    session: Session,
    case_id: int,
    current: list[tuple[CaseParticipant, Client]],
    chosen: list[tuple[Client, str, bool]],
) -> None:
    # Update rows in place where the client stays: later records (appointments) point at them.
    existing = {client.id: row for row, client in current}
    keep = {client.id for client, _, _ in chosen}
    for client_id, row in existing.items():
        if client_id not in keep:
            session.delete(row)
    session.flush()
    for client, role, attends in chosen:
        row = existing.get(client.id) or CaseParticipant(
            case_id=case_id,
            client_id=client.id,  # type: ignore[arg-type]
            role=role,
        )
        row.role, row.attends = role, attends
        session.add(row)


def update_case(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    title: str | None = None,
    primary_clinician_id: int | str | None = None,
    status: str | None = None,
    closed_on: str | date | None = None,
    presenting_concern: str | None = None,
) -> Case:
    """Change a case's title, clinician, status or presenting concern."""
    return edit_case(
        session,
        actor,
        case_id,
        CaseChanges(
            title=title,
            primary_clinician_id=primary_clinician_id,
            status=status,
            closed_on=closed_on,
            presenting_concern=presenting_concern,
        ),
    )


def set_participants(
    session: Session,
    actor: Actor,
    case_id: int,
    participants: Sequence[ParticipantInput | tuple[Any, ...]],
) -> Case:
    """Replace who takes part in the case (the kind's rules apply)."""
    return edit_case(session, actor, case_id, CaseChanges(participants=participants))


def set_payers(
    session: Session, actor: Actor, case_id: int, payers: Sequence[PayerInput | tuple[Any, ...]]
) -> Case:
    """Replace who pays for the case and their shares (summing to 100%)."""
    return edit_case(session, actor, case_id, CaseChanges(payers=payers))


def close_case(
    session: Session, actor: Actor, case_id: int, closed_on: str | date | None = None
) -> Case:
    """Close the case (today in the practice's timezone unless CLOSED_ON is given)."""
    return edit_case(
        session, actor, case_id, CaseChanges(status=CaseStatus.CLOSED, closed_on=closed_on)
    )
