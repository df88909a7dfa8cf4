"""A small practice to test against, written straight into the tables.

Olivia owns the practice and sees clients; Carl is a clinician; Sam supervises the
associates Ana and Ben; Fran is the front desk; Bill does billing. Each clinician has a
client with an individual case. Tests that need more make it through the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from practicerunner.auth.service import actor_for, hash_password
from practicerunner.clients.models import Case, CaseParticipant, CasePayer, Client
from practicerunner.core import clock
from practicerunner.core.permissions import Actor, Role
from practicerunner.core.validation import name_key
from practicerunner.practice.models import Location, Practice, Service, Staff, StaffRole
from practicerunner.supervision.models import ProviderSupervisor

PASSWORD = "correct horse battery staple"
_HASH: list[str] = []


def _password_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


@dataclass
class Personas:
    owner: Actor
    clinician: Actor
    supervisor: Actor
    associate: Actor
    associate2: Actor
    scheduler: Actor
    biller: Actor
    staff: dict[str, Staff] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)  # keyed by persona name
    cases: dict[str, Case] = field(default_factory=dict)
    location: Location | None = None
    service: Service | None = None

    def all(self) -> dict[str, Actor]:
        return {
            "owner": self.owner,
            "clinician": self.clinician,
            "supervisor": self.supervisor,
            "associate": self.associate,
            "associate2": self.associate2,
            "scheduler": self.scheduler,
            "biller": self.biller,
        }


def add_staff(session: Session, email: str, name: str, roles: list[Role]) -> Staff:
    now = clock.now()
    staff = Staff(email=email, full_name=name, password_hash=_password_hash(), created_at=now)
    session.add(staff)
    session.flush()
    for role in roles:
        session.add(StaffRole(staff_id=staff.id, role=role.value))  # type: ignore[arg-type]
    session.flush()
    return staff


def add_client(
    session: Session, first: str, last: str, dob: date, clinician: Staff, email: str = ""
) -> Client:
    now = clock.now()
    client = Client(
        legal_first_name=first,
        legal_last_name=last,
        date_of_birth=dob,
        email=email,
        clinician_id=clinician.id,
        first_name_key=name_key(first),
        last_name_key=name_key(last),
        search_text=f"{first} {last} {email}".lower(),
        created_at=now,
        updated_at=now,
    )
    session.add(client)
    session.flush()
    return client


def add_individual_case(session: Session, client: Client, clinician: Staff) -> Case:
    now = clock.now()
    case = Case(
        kind="individual",
        title=client.legal_name,
        primary_clinician_id=clinician.id,  # type: ignore[arg-type]
        opened_on=now.date(),
        presenting_concern="Low mood after job loss",
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    session.add(CaseParticipant(case_id=case.id, client_id=client.id, role="client"))  # type: ignore[arg-type]
    session.add(CasePayer(case_id=case.id, client_id=client.id, share_basis_points=10000))  # type: ignore[arg-type]
    session.flush()
    return case


def build_practice(session: Session) -> Personas:
    now = clock.now()
    session.add(
        Practice(name="Willow Creek Counseling", timezone="America/Los_Angeles", updated_at=now)
    )
    location = Location(name="Main office", kind="office", place_of_service="11", created_at=now)
    service = Service(
        name="Individual therapy, 53 min",
        kind="therapy",
        duration_minutes=53,
        fee_cents=16000,
        cpt_code="90837",
        created_at=now,
    )
    session.add(location)
    session.add(service)
    s = {
        "owner": add_staff(
            session, "olivia@willow.test", "Olivia Owens", [Role.OWNER, Role.CLINICIAN]
        ),
        "clinician": add_staff(session, "carl@willow.test", "Carl Chen", [Role.CLINICIAN]),
        "supervisor": add_staff(
            session, "sam@willow.test", "Sam Suarez", [Role.CLINICIAN, Role.SUPERVISOR]
        ),
        "associate": add_staff(session, "ana@willow.test", "Ana Alvarez", [Role.ASSOCIATE]),
        "associate2": add_staff(session, "ben@willow.test", "Ben Brooks", [Role.ASSOCIATE]),
        "scheduler": add_staff(session, "fran@willow.test", "Fran Field", [Role.SCHEDULER]),
        "biller": add_staff(session, "bill@willow.test", "Bill Baker", [Role.BILLER]),
    }
    for associate in ("associate", "associate2"):
        session.add(
            ProviderSupervisor(associate_id=s[associate].id, supervisor_id=s["supervisor"].id)  # type: ignore[arg-type]
        )
    clients: dict[str, Client] = {}
    cases: dict[str, Case] = {}
    for i, key in enumerate(["owner", "clinician", "supervisor", "associate", "associate2"]):
        client = add_client(
            session,
            f"Client{i}",
            f"Of{key.capitalize()}",
            date(1980 + i, 1, 15),
            s[key],
            email=f"client{i}@example.com",
        )
        clients[key] = client
        cases[key] = add_individual_case(session, client, s[key])
    session.commit()
    actors = {k: actor_for(session, v) for k, v in s.items()}
    return Personas(
        **actors, staff=s, clients=clients, cases=cases, location=location, service=service
    )
