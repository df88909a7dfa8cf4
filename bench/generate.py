"""Generate a large practice fast: 50 clinicians, 5,000 clients, 20,000 cases.

Rows go in with SQLAlchemy Core multi-row inserts in batches, with ids assigned here so
foreign keys need no round trips. Clients are built as model objects first so that
Client.refresh_keys() writes the same search keys the services would.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, insert, text
from sqlmodel import Session, SQLModel

from practicerunner.clients.models import (
    Case,
    CaseParticipant,
    CasePayer,
    Client,
    Contact,
)
from practicerunner.core import audit
from practicerunner.core.permissions import Role
from practicerunner.core.schema import create_schema
from practicerunner.practice.models import Location, Practice, Service, Staff, StaffRole
from practicerunner.supervision.models import ProviderSupervisor

CLINICIANS = 50
CLIENTS = 5_000
CASES = 20_000
BATCH = 2_000
NOW = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)


def _words(text: str) -> list[str]:
    """A block of names, one per word."""
    return text.split()


FIRST_NAMES = _words(
    "Aaliyah Aaron Abigail Adam Adrian Aisha Alejandro Alex Alice Amara Amelia Ana Andre Andrew "
    "Angela Anna Anthony Ari Arjun Ava Benjamin Beatriz Bethany Brandon Brian Camila Carlos "
    "Caroline Charles Charlotte Chen Chloe Christopher Claire Daniel David Deborah Diana Diego "
    "Dmitri Elena Elijah Elizabeth Ella Emily Emma Eric Esther Ethan Eva Fatima Felix Fiona "
    "Gabriel Grace Hannah Harper Hassan Helen Henry Hiroshi Isaac Isabel Isabella Jack Jacob "
    "James Jamie Jasmine Javier Jennifer Jessica Joan John Jonathan Jordan Jose Joseph Joshua "
    "Julia Julian Kai Karen Katherine Kevin Kim Laura Layla Leah Leo Liam Lily Lucas Lucia Luis "
    "Madison Malik Maria Mark Mateo Maya Megan Mei Mia Michael Miguel Mohammed Naomi Natalie "
    "Nathan Nia Noah Nora Olivia Omar Oscar Owen Paul Priya Rachel Rafael Rebecca Riley Robert "
    "Rosa Ruth Ryan Samuel Sara Sean Sofia Sophia Stephen Susan Taylor Thomas Tyler Valentina "
    "Victoria William Xavier Yara Yusuf Zoe"
)
LAST_NAMES = _words(
    "Abbott Adams Alvarez Anderson Bailey Baker Banerjee Bennett Brooks Brown Bui Campbell "
    "Carter Castillo Chavez Chen Clark Collins Cook Cooper Cruz Davis Diaz Edwards Evans Fischer "
    "Flores Foster Garcia Gomez Gonzalez Gray Green Gupta Hall Harris Hernandez Hill Hoang "
    "Howard Hughes Ito Jackson James Jenkins Johnson Jones Kaur Kelly Khan Kim King Kowalski Le "
    "Lee Lewis Lindqvist Lopez Martin Martinez Mendoza Miller Mitchell Moore Morales Morgan "
    "Murphy Nakamura Nelson Nguyen Novak Okafor Ortiz Osei Parker Patel Perez Peterson Phillips "
    "Price Ramirez Reed Reyes Richardson Rivera Roberts Robinson Rodriguez Rogers Ross Russell "
    "Sanchez Sanders Schmidt Scott Shah Silva Singh Smith Stewart Sullivan Tanaka Taylor Thomas "
    "Thompson Torres Tran Turner Walker Wang Ward Watson White Williams Wilson Wood Wright Wu "
    "Yamamoto Young Zhang"
)
CITIES = ("Portland", "Beaverton", "Gresham", "Hillsboro", "Lake Oswego", "Tigard", "Salem")
CONCERN = "Benchmark text only: no real clinical information."


@dataclass
class Generated:
    """What was written, for the benchmark to pick its samples from."""

    counts: dict[str, int]
    owner_id: int
    clinician_ids: list[int]
    client_ids: list[int]
    case_ids: list[int]
    caseload: dict[int, list[int]] = field(default_factory=dict)  # clinician -> client ids
    cases_by_clinician: dict[int, list[int]] = field(default_factory=dict)
    sample_queries: list[str] = field(default_factory=list)


def _batches(rows: list[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    for chunk in _batches(rows):
        session.execute(insert(_table(model)), chunk)


def _row(obj: SQLModel) -> dict[str, Any]:
    """The column values of an unsaved model object (what an ORM flush would write)."""
    return {c.name: getattr(obj, c.name) for c in _table(type(obj)).columns}


def _phone(rng: random.Random) -> str:
    # Valid-looking Oregon numbers (exchange 2xx-9xx); generated data, never dialled.
    return f"+1503{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def _staff_rows(
    password_hash: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    staff: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    supervision: list[dict[str, Any]] = []
    rng = random.Random(7)
    for i in range(1, CLINICIANS + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        staff.append(
            _row(
                Staff(
                    id=i,
                    email=f"clinician{i}@bench.example",
                    full_name=f"{first} {last}",
                    credentials="LPC" if i % 3 else "LMFT",
                    password_hash=password_hash,
                    created_at=NOW,
                )
            )
        )
        if i == 1:
            kinds = [Role.OWNER, Role.CLINICIAN]
        elif i <= 6:
            kinds = [Role.CLINICIAN, Role.SUPERVISOR]
        elif i <= 16:
            kinds = [Role.ASSOCIATE]
            supervision.append(
                {"associate_id": i, "supervisor_id": 2 + (i % 5), "is_primary": True}
            )
        else:
            kinds = [Role.CLINICIAN]
        roles += [{"staff_id": i, "role": r.value} for r in kinds]
    for offset, (email, role) in enumerate(
        (("frontdesk@bench.example", Role.SCHEDULER), ("billing@bench.example", Role.BILLER)),
        start=CLINICIANS + 1,
    ):
        staff.append(
            _row(
                Staff(
                    id=offset,
                    email=email,
                    full_name=role.value.capitalize(),
                    password_hash=password_hash,
                    created_at=NOW,
                )
            )
        )
        roles.append({"staff_id": offset, "role": role.value})
    return staff, roles, supervision


def _client_rows(rng: random.Random) -> tuple[list[dict[str, Any]], dict[int, int]]:
    rows: list[dict[str, Any]] = []
    clinician_of: dict[int, int] = {}
    for cid in range(1, CLIENTS + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        child = rng.random() < 0.12
        born = (
            date(2008 + rng.randint(0, 10), rng.randint(1, 12), rng.randint(1, 28))
            if child
            else (date(1945 + rng.randint(0, 60), rng.randint(1, 12), rng.randint(1, 28)))
        )
        email = (
            ""
            if child
            else f"{first}.{last}{cid}@{rng.choice(('example.com', 'example.org'))}".lower()
        )
        clinician = 1 + (cid - 1) % CLINICIANS
        status = rng.choices(("active", "discharged", "prospective"), weights=(85, 12, 3))[0]
        client = Client(
            id=cid,
            legal_first_name=first,
            legal_last_name=last,
            preferred_name="",
            date_of_birth=born,
            email=email,
            phone="" if child else _phone(rng),
            address_line1=f"{rng.randint(100, 9999)} SE {rng.choice(LAST_NAMES)} St",
            city=rng.choice(CITIES),
            state="OR",
            postal_code=f"97{rng.randint(200, 299)}",
            status=status,
            clinician_id=clinician,
            portal_access=bool(email),
            first_name_key="",
            last_name_key="",
            search_text="",
            created_at=NOW,
            updated_at=NOW,
        )
        client.refresh_keys()
        rows.append(_row(client))
        clinician_of[cid] = clinician
    return rows, clinician_of


def _case_rows(
    rng: random.Random, clinician_of: dict[int, int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Cases with their participants, payers and the contacts who pay (4 per client on average)."""
    cases: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    payers: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    by_clinician: dict[int, list[int]] = {}
    for cid, clinician in clinician_of.items():
        by_clinician.setdefault(clinician, []).append(cid)
    kinds = ("individual", "couple", "family", "group", "consultation")
    for case_id in range(1, CASES + 1):
        kind = rng.choices(kinds, weights=(80, 10, 5, 2, 3))[0]
        first = 1 + (case_id - 1) % CLIENTS
        clinician = clinician_of[first]
        pool = by_clinician[clinician]
        size = {"couple": 2, "family": 3, "group": 6}.get(kind, 1)
        chosen = [first, *rng.sample([c for c in pool if c != first], size - 1)]
        opened = (NOW - timedelta(days=rng.randint(1, 2000))).date()
        closed = rng.random() < 0.5
        cases.append(
            {
                "id": case_id,
                "kind": kind,
                "title": f"Case {case_id} ({kind})",
                "status": "closed" if closed else "active",
                "primary_clinician_id": clinician,
                "opened_on": opened,
                "closed_on": opened + timedelta(days=90) if closed else None,
                "presenting_concern": CONCERN,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        role = {"couple": "partner", "group": "member"}.get(kind, "client")
        for n, client_id in enumerate(chosen):
            part_role = ("parent" if n == 0 else "child") if kind == "family" else role
            members.append(
                {"case_id": case_id, "client_id": client_id, "role": part_role, "attends": True}
            )
        if kind == "family" or (kind == "couple" and case_id % 4 == 0):
            contact_id = len(contacts) + 1
            contacts.append(
                {
                    "id": contact_id,
                    "client_id": chosen[-1],
                    "relationship": "guardian" if kind == "family" else "billing",
                    "first_name": rng.choice(FIRST_NAMES),
                    "last_name": rng.choice(LAST_NAMES),
                    "email": f"payer{contact_id}@example.org",
                    "phone": _phone(rng),
                    "address_line1": "",
                    "address_line2": "",
                    "city": "Portland",
                    "state": "OR",
                    "postal_code": "97214",
                    "portal_access": True,
                    "is_active": True,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            payers.append(
                {
                    "case_id": case_id,
                    "client_id": None,
                    "contact_id": contact_id,
                    "share_basis_points": 10000,
                }
            )
        else:
            base, extra = divmod(10000, len(chosen))
            for n, client_id in enumerate(chosen):
                payers.append(
                    {
                        "case_id": case_id,
                        "client_id": client_id,
                        "contact_id": None,
                        "share_basis_points": base + (1 if n < extra else 0),
                    }
                )
    return cases, members, payers, contacts


def _reset_sequences(session: Session, tables: Iterable[str]) -> None:
    # Explicit ids leave PostgreSQL's serial sequences at 1: move them past the data.
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )
        )


def generate(engine: Engine, password_hash: str, seed: int = 20260601) -> Generated:
    """Create the schema and the whole practice in ENGINE's (empty) database."""
    create_schema(engine)
    rng = random.Random(seed)
    staff, roles, supervision = _staff_rows(password_hash)
    clients, clinician_of = _client_rows(rng)
    cases, members, payers, contacts = _case_rows(rng, clinician_of)
    with Session(engine) as session:
        session.add(Practice(name="Bench Practice", timezone="America/Los_Angeles", updated_at=NOW))
        session.add(
            Location(name="Main office", kind="office", place_of_service="11", created_at=NOW)
        )
        session.add(
            Service(
                name="Individual therapy, 53 min",
                kind="therapy",
                duration_minutes=53,
                fee_cents=16000,
                cpt_code="90837",
                created_at=NOW,
            )
        )
        _insert(session, Staff, staff)
        _insert(session, StaffRole, roles)
        _insert(session, ProviderSupervisor, supervision)
        _insert(session, Client, clients)
        _insert(session, Contact, contacts)
        _insert(session, Case, cases)
        _insert(session, CaseParticipant, members)
        _insert(session, CasePayer, payers)
        audit.record(session, None, "bench.generate", actor_name="PracticeRunner bench")
        if engine.dialect.name == "postgresql":
            _reset_sequences(
                session, ("staff", "client", "contact", "case", "case_participant", "case_payer")
            )
        session.commit()
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    caseload: dict[int, list[int]] = {}
    for cid, clinician in clinician_of.items():
        caseload.setdefault(clinician, []).append(cid)
    cases_by_clinician: dict[int, list[int]] = {}
    for row in cases:
        cases_by_clinician.setdefault(row["primary_clinician_id"], []).append(row["id"])
    samples = [clients[i] for i in rng.sample(range(len(clients)), 40)]
    queries = [c["last_name_key"][:3] for c in samples[:10]]  # last-name prefixes
    queries += [f"{c['first_name_key']} {c['last_name_key'][:4]}" for c in samples[10:20]]
    queries += [c["email"] for c in samples[20:30] if c["email"]]
    queries += [
        f"({c['phone'][2:5]}) {c['phone'][5:8]}-{c['phone'][8:]}"
        for c in samples[30:40]
        if c["phone"]
    ]
    queries += [c["phone"][-4:] for c in samples[30:35] if c["phone"]]
    return Generated(
        counts={
            "clinicians": CLINICIANS,
            "staff": len(staff),
            "clients": len(clients),
            "cases": len(cases),
            "participants": len(members),
            "payers": len(payers),
            "contacts": len(contacts),
        },
        owner_id=1,
        clinician_ids=list(range(1, CLINICIANS + 1)),
        client_ids=list(clinician_of),
        case_ids=[row["id"] for row in cases],
        caseload=caseload,
        cases_by_clinician=cases_by_clinician,
        sample_queries=queries,
    )
