"""The demo practice seeded by `make run` (idempotent).

Willow Creek Counseling in Portland: an owner who also sees clients, a supervisor, two
associates, a scheduler and a biller; 40 clients in individual, couple, family, group and
consultation cases. The rows are written straight through the models (one transaction) but
hold exactly what the services would store: lower-case emails, E.164 phones (555-01xx, the
numbers reserved for fiction), refreshed search keys, payer shares summing to 100%.
Nothing here is real clinical information.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

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
from practicerunner.core.db import session_scope
from practicerunner.core.permissions import Role
from practicerunner.core.validation import name_key
from practicerunner.practice.models import (
    Location,
    LocationKind,
    Practice,
    Service,
    ServiceKind,
    Staff,
    StaffRole,
)
from practicerunner.supervision.models import ProviderSupervisor

DEMO_ACCOUNTS: list[tuple[str, str]] = [
    ("olivia@willow.example", "Owner & clinician"),
    ("sam@willow.example", "Supervisor"),
    ("ana@willow.example", "Associate"),
    ("ben@willow.example", "Associate"),
    ("fran@willow.example", "Scheduler"),
    ("bill@willow.example", "Biller"),
]

DEMO_CONCERN = "Demo text only: sample case, no real clinical information."

# (key, email, name, credentials, license type, license number, NPI, roles)
_STAFF: list[tuple[str, str, str, str, str, str, str, list[Role]]] = [
    (
        "olivia",
        "olivia@willow.example",
        "Olivia Owens",
        "LMFT",
        "Licensed Marriage and Family Therapist",
        "T1234",
        "1987654328",
        [Role.OWNER, Role.CLINICIAN],
    ),
    (
        "sam",
        "sam@willow.example",
        "Sam Suarez",
        "LPC",
        "Licensed Professional Counselor",
        "C5678",
        "1543210987",
        [Role.CLINICIAN, Role.SUPERVISOR],
    ),
    (
        "ana",
        "ana@willow.example",
        "Ana Alvarez",
        "MFT Associate",
        "Registered MFT Associate",
        "R2201",
        "1765432103",
        [Role.ASSOCIATE],
    ),
    (
        "ben",
        "ben@willow.example",
        "Ben Brooks",
        "LPC Associate",
        "Registered LPC Associate",
        "R2202",
        "1654321094",
        [Role.ASSOCIATE],
    ),
    ("fran", "fran@willow.example", "Fran Field", "", "", "", "", [Role.SCHEDULER]),
    ("bill", "bill@willow.example", "Bill Baker", "", "", "", "", [Role.BILLER]),
]


@dataclass(frozen=True)
class _Person:
    """A demo client: names, birth date, whether they have an email and a phone."""

    first: str
    last: str
    dob: date
    email: bool = True
    preferred: str = ""
    pronouns: str = ""
    status: ClientStatus = ClientStatus.ACTIVE


_STREETS = [
    ("1420 NE Fremont St", "97212"),
    ("3318 SE Division St", "97202"),
    ("725 NW 23rd Ave", "97210"),
    ("5012 N Williams Ave", "97217"),
    ("2209 SE Hawthorne Blvd", "97214"),
    ("918 SW Jefferson St", "97201"),
    ("6635 NE Sandy Blvd", "97213"),
    ("4120 SE Woodstock Blvd", "97202"),
]


class _Seeder:
    """Writes the demo rows into one session; holds the running phone number and dates."""

    def __init__(self, session: Session, now: datetime, password_hash: str) -> None:
        self.s = session
        self.now = now
        self.password_hash = password_hash
        self._phone = 110  # 555-0100..0109 are the practice's and the staff's numbers
        self._street = 0
        self._domain = 0
        self.staff: dict[str, Staff] = {}

    def phone(self) -> str:
        number = f"+1503555{self._phone:04d}"
        self._phone += 1
        if self._phone > 199:
            raise RuntimeError("ran out of 555-01xx numbers")
        return number

    def email(self, first: str, last: str) -> str:
        domain = ("example.com", "example.org")[self._domain % 2]
        self._domain += 1
        local = f"{name_key(first)}.{name_key(last)}".replace(" ", "").replace("'", "")
        return f"{local}@{domain}"

    def address(self) -> dict[str, Any]:
        line1, postal = _STREETS[self._street % len(_STREETS)]
        self._street += 1
        return {
            "address_line1": line1,
            "city": "Portland",
            "state": "OR",
            "postal_code": postal,
        }

    def client(self, p: _Person, clinician: str | None, address: dict[str, Any]) -> Client:
        email = self.email(p.first, p.last) if p.email else ""
        client = Client(
            legal_first_name=p.first,
            legal_last_name=p.last,
            preferred_name=p.preferred,
            pronouns=p.pronouns,
            date_of_birth=p.dob,
            email=email,
            phone=self.phone() if p.email else "",
            status=p.status,
            clinician_id=self.staff[clinician].id if clinician else None,
            portal_access=bool(email) and p.status == ClientStatus.ACTIVE,
            first_name_key="",
            last_name_key="",
            search_text="",
            created_at=self.now,
            updated_at=self.now,
            **address,
        )
        client.refresh_keys()
        self.s.add(client)
        self.s.flush()
        return client

    def contact(
        self,
        client: Client,
        relationship: ContactRelationship,
        first: str,
        last: str,
        address: dict[str, Any],
        with_email: bool = True,
    ) -> Contact:
        email = self.email(first, last) if with_email else ""
        contact = Contact(
            client_id=client.id,  # type: ignore[arg-type]
            relationship=relationship,
            first_name=first,
            last_name=last,
            email=email,
            phone=self.phone(),
            portal_access=bool(email) and relationship != ContactRelationship.EMERGENCY,
            created_at=self.now,
            updated_at=self.now,
            **address,
        )
        self.s.add(contact)
        self.s.flush()
        return contact

    def case(
        self,
        kind: CaseKind,
        title: str,
        clinician: str,
        members: list[tuple[Client, ParticipantRole]],
        payers: list[tuple[Client | Contact, int]],
        opened_days_ago: int,
        closed: bool = False,
    ) -> Case:
        if sum(share for _, share in payers) != 10000:
            raise ValueError(f"payer shares of {title!r} do not sum to 100%")
        opened = (self.now - timedelta(days=opened_days_ago)).date()
        case = Case(
            kind=kind,
            title=title,
            status=CaseStatus.CLOSED if closed else CaseStatus.ACTIVE,
            primary_clinician_id=self.staff[clinician].id,  # type: ignore[arg-type]
            opened_on=opened,
            closed_on=(self.now - timedelta(days=opened_days_ago // 3)).date() if closed else None,
            presenting_concern=DEMO_CONCERN,
            created_at=self.now,
            updated_at=self.now,
        )
        self.s.add(case)
        self.s.flush()
        for client, role in members:
            self.s.add(CaseParticipant(case_id=case.id, client_id=client.id, role=role))  # type: ignore[arg-type]
        for party, share in payers:
            if isinstance(party, Contact):
                payer = CasePayer(case_id=case.id, contact_id=party.id, share_basis_points=share)  # type: ignore[arg-type]
            else:
                payer = CasePayer(case_id=case.id, client_id=party.id, share_basis_points=share)  # type: ignore[arg-type]
            self.s.add(payer)
        self.s.flush()
        return case


def _practice(seed: _Seeder) -> None:
    now = seed.now
    seed.s.add(
        Practice(
            name="Willow Creek Counseling",
            timezone="America/Los_Angeles",
            phone="+15035550100",
            email="office@willow.example",
            address_line1="2231 NE Alberta St",
            address_line2="Suite 200",
            city="Portland",
            state="OR",
            postal_code="97211",
            npi="1234567893",
            tax_id="93-1234567",
            updated_at=now,
        )
    )
    seed.s.add(
        Location(
            name="Main office",
            kind=LocationKind.OFFICE,
            place_of_service="11",
            address_line1="2231 NE Alberta St",
            address_line2="Suite 200",
            city="Portland",
            state="OR",
            postal_code="97211",
            created_at=now,
        )
    )
    seed.s.add(
        Location(
            name="Telehealth", kind=LocationKind.TELEHEALTH, place_of_service="10", created_at=now
        )
    )
    services = [
        ("Individual therapy, 53 min", ServiceKind.THERAPY, 53, 16000, "90837"),
        ("Individual therapy, 45 min", ServiceKind.THERAPY, 45, 14000, "90834"),
        ("Intake assessment", ServiceKind.THERAPY, 60, 18000, "90791"),
        ("Couples & family therapy, 50 min", ServiceKind.THERAPY, 50, 17000, "90847"),
        ("Group therapy", ServiceKind.THERAPY, 90, 6000, "90853"),
        ("Consultation", ServiceKind.CONSULTATION, 50, 12000, None),
    ]
    for name, kind, minutes, cents, cpt in services:
        seed.s.add(
            Service(
                name=name,
                kind=kind,
                duration_minutes=minutes,
                fee_cents=cents,
                cpt_code=cpt,
                created_at=now,
            )
        )


def _staff(seed: _Seeder) -> None:
    for i, (key, email, name, creds, lic_type, lic_no, npi, roles) in enumerate(_STAFF):
        staff = Staff(
            email=email,
            full_name=name,
            credentials=creds,
            license_type=lic_type,
            license_number=lic_no,
            npi=npi,
            phone=f"+15035550{101 + i:03d}",
            password_hash=seed.password_hash,
            created_at=seed.now,
        )
        seed.s.add(staff)
        seed.s.flush()
        for role in roles:
            seed.s.add(StaffRole(staff_id=staff.id, role=role.value))  # type: ignore[arg-type]
        seed.staff[key] = staff
    for associate in ("ana", "ben"):
        seed.s.add(
            ProviderSupervisor(
                associate_id=seed.staff[associate].id,  # type: ignore[arg-type]
                supervisor_id=seed.staff["sam"].id,  # type: ignore[arg-type]
                is_primary=True,
            )
        )
    seed.s.flush()


_INDIVIDUALS: list[tuple[_Person, str]] = [
    (_Person("Maya", "Patel", date(1991, 3, 14), pronouns="she/her"), "olivia"),
    (_Person("Jonathan", "Whitaker", date(1978, 11, 2), preferred="Jon"), "olivia"),
    (_Person("Lucía", "Fernández", date(1988, 6, 27), pronouns="she/her"), "olivia"),
    (_Person("Ethan", "Nakamura", date(1996, 1, 9), pronouns="he/him"), "sam"),
    (_Person("Rebecca", "O'Neill", date(1969, 8, 21), preferred="Becky"), "sam"),
    (_Person("Marcus", "Johnson", date(1984, 4, 30)), "sam"),
    (_Person("Hannah", "Schmidt", date(2001, 9, 12), pronouns="they/them"), "sam"),
    (_Person("Darnell", "Washington", date(1975, 12, 5)), "ana"),
    (_Person("Sofia", "Rossi", date(1993, 7, 18), pronouns="she/her"), "ana"),
    (_Person("Kevin", "Tran", date(1987, 2, 23)), "ana"),
    (_Person("Amara", "Eze", date(1999, 10, 3), pronouns="she/her"), "ana"),
    (_Person("William", "Hughes", date(1962, 5, 16), preferred="Bill"), "ben"),
    (_Person("Isabel", "Moreno", date(1990, 11, 28)), "ben"),
    (_Person("Tyler", "Brennan", date(1998, 3, 7), pronouns="he/him"), "ben"),
    (_Person("Fatima", "Haddad", date(1985, 8, 9)), "ben"),
    # Discharged: their case is closed.
    (_Person("Gregory", "Lawson", date(1972, 1, 19), status=ClientStatus.DISCHARGED), "olivia"),
    (_Person("Nina", "Kowalski", date(1994, 6, 2), status=ClientStatus.DISCHARGED), "ana"),
    # Prospective: booked an intake, no case yet.
    (_Person("Owen", "Fitzgerald", date(1989, 9, 25), status=ClientStatus.PROSPECTIVE), "sam"),
    (_Person("Priya", "Shah", date(1997, 12, 11), status=ClientStatus.PROSPECTIVE), "ben"),
]


def _individuals(seed: _Seeder) -> None:
    for i, (person, clinician) in enumerate(_INDIVIDUALS):
        client = seed.client(person, clinician, seed.address())
        if i % 4 == 0:
            seed.contact(
                client,
                ContactRelationship.EMERGENCY,
                "Alex" if i % 8 == 0 else "Jordan",
                person.last,
                {},
                with_email=False,
            )
        if person.status == ClientStatus.PROSPECTIVE:
            continue
        seed.case(
            CaseKind.INDIVIDUAL,
            client.legal_name,
            clinician,
            [(client, ParticipantRole.CLIENT)],
            [(client, 10000)],
            opened_days_ago=30 + 17 * i,
            closed=person.status == ClientStatus.DISCHARGED,
        )


def _couples(seed: _Seeder) -> None:
    # (partner a, partner b, clinician, payer shares a/b, third-party billing contact)
    couples: list[tuple[_Person, _Person, str, tuple[int, int], tuple[str, str] | None]] = [
        (
            _Person("Daniel", "Kim", date(1986, 2, 11)),
            _Person("Rachel", "Kim", date(1987, 7, 4)),
            "olivia",
            (5000, 5000),
            None,
        ),
        (
            _Person("Chris", "Morgan", date(1981, 10, 20), pronouns="he/him"),
            _Person("Jamie", "Alvarado", date(1983, 5, 1), pronouns="they/them"),
            "olivia",
            (10000, 0),
            None,
        ),
        (
            _Person("Taylor", "Reyes", date(1995, 4, 15)),
            _Person("Morgan", "Reyes", date(1994, 9, 30)),
            "ana",
            (0, 0),
            ("Patricia", "Reyes"),  # a parent pays for the young couple's sessions
        ),
        (
            _Person("Samuel", "Goldberg", date(1958, 12, 8)),
            _Person("Ruth", "Goldberg", date(1960, 3, 22)),
            "sam",
            (6000, 4000),
            None,
        ),
    ]
    for i, (pa, pb, clinician, (share_a, share_b), billing) in enumerate(couples):
        home = seed.address()
        a = seed.client(pa, clinician, home)
        b = seed.client(pb, clinician, home)
        payers: list[tuple[Client | Contact, int]] = []
        if billing is not None:
            contact = seed.contact(a, ContactRelationship.BILLING, billing[0], billing[1], {})
            payers.append((contact, 10000))
        else:
            payers += [(party, share) for party, share in ((a, share_a), (b, share_b)) if share]
        # The titles the case form proposes by default: "Kim (couple)".
        title = pa.last if pa.last == pb.last else f"{pa.last} & {pb.last}"
        title = f"{title} (couple)"
        seed.case(
            CaseKind.COUPLE,
            title,
            clinician,
            [(a, ParticipantRole.PARTNER), (b, ParticipantRole.PARTNER)],
            payers,
            opened_days_ago=45 + 40 * i,
        )


def _families(seed: _Seeder) -> None:
    # The Okafors: a mother and two children attend; the father, their guardian, pays.
    home = seed.address()
    grace = seed.client(_Person("Grace", "Okafor", date(1982, 6, 13)), "ben", home)
    daniel = seed.client(
        _Person("Daniel", "Okafor", date(2011, 9, 2), email=False, pronouns="he/him"),
        "ben",
        home,
    )
    ruth = seed.client(_Person("Ruth", "Okafor", date(2014, 1, 27), email=False), "ben", home)
    father = seed.contact(daniel, ContactRelationship.GUARDIAN, "Emmanuel", "Okafor", home)
    seed.case(
        CaseKind.FAMILY,
        "Okafor (family)",
        "ben",
        [
            (grace, ParticipantRole.PARENT),
            (daniel, ParticipantRole.CHILD),
            (ruth, ParticipantRole.CHILD),
        ],
        [(father, 10000)],
        opened_days_ago=60,
    )
    # The Lindqvist children live with their grandmother, their guardian, who pays.
    home = seed.address()
    emma = seed.client(_Person("Emma", "Lindqvist", date(2012, 4, 8), email=False), "ana", home)
    leo = seed.client(_Person("Leo", "Lindqvist", date(2016, 11, 19), email=False), "ana", home)
    grandmother = seed.contact(emma, ContactRelationship.GUARDIAN, "Karin", "Lindqvist", home)
    seed.case(
        CaseKind.FAMILY,
        "Lindqvist (family)",
        "ana",
        [(emma, ParticipantRole.CHILD), (leo, ParticipantRole.CHILD)],
        [(grandmother, 10000)],
        opened_days_ago=120,
    )


def _group(seed: _Seeder) -> None:
    members = [
        _Person("Aaron", "Castillo", date(1990, 2, 17)),
        _Person("Bethany", "Cole", date(1985, 11, 1)),
        _Person("Chen", "Wei", date(1993, 8, 14)),
        _Person("Deborah", "Ellis", date(1967, 4, 26)),
        _Person("Luis", "Ortega", date(1979, 7, 9)),
        _Person("Megan", "Walsh", date(2000, 1, 31)),
    ]
    clients = [seed.client(p, "sam", seed.address()) for p in members]
    # Each member pays an equal share; the odd basis points go to the first members.
    base, extra = divmod(10000, len(clients))
    shares = [base + (1 if i < extra else 0) for i in range(len(clients))]
    seed.case(
        CaseKind.GROUP,
        "Tuesday evening anxiety skills group",
        "sam",
        [(c, ParticipantRole.MEMBER) for c in clients],
        list(zip(clients, shares, strict=True)),
        opened_days_ago=90,
    )


def _consultations(seed: _Seeder) -> None:
    for i, person in enumerate(
        [
            _Person("Helen", "Brandt", date(1970, 5, 5)),
            _Person("Victor", "Osei", date(1983, 10, 10)),
        ]
    ):
        client = seed.client(person, "olivia", seed.address())
        seed.case(
            CaseKind.CONSULTATION,
            f"{client.legal_name} (consultation)",
            "olivia",
            [(client, ParticipantRole.CLIENT)],
            [(client, 10000)],
            opened_days_ago=10 + 5 * i,
        )


def seed_demo() -> bool:
    """Create the demo practice once; return whether anything was created."""
    from practicerunner.auth.service import hash_password
    from practicerunner.cli import DEMO_PASSWORD

    with session_scope() as session:
        if session.exec(select(Practice.id)).first() is not None:
            return False
        # argon2 is deliberately slow: hash once and share it between the demo accounts.
        seed = _Seeder(session, clock.now(), hash_password(DEMO_PASSWORD))
        _practice(seed)
        _staff(seed)
        _individuals(seed)
        _couples(seed)
        _families(seed)
        _group(seed)
        _consultations(seed)
        from practicerunner.scheduling.availability import seed_demo_availability
        from practicerunner.scheduling.demo_schedule import seed_demo_schedule

        # Hours and holidays first: sessions on a holiday are then cancelled by the practice.
        seed_demo_availability(session)
        sessions = seed_demo_schedule(session, seed.now)
        audit.record(
            session,
            None,
            "demo.seed",
            actor_name="PracticeRunner",
            record_type="practice",
            detail={"clients": 40, "sessions": sessions},
        )
        session.commit()
        seeded_at = seed.now
    from practicerunner.billing.demo_billing import seed_demo_billing

    # After the commit: the billing services and the simulated processor open their own sessions.
    seed_demo_billing(seeded_at)
    return True
