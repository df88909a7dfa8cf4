"""The billing half of `make bench`: a Friday's weekly run for 5,000 payers, and a long ledger.

`generate_billing` writes its own practice into an empty database (fast, bulk inserts with
ids assigned here, not through the services): 400 clinicians — 20,000 sessions in five days
cannot be held by 50 without double-booking (that would be 80 sessions a day each), so each
clinician keeps 50 of 55 hourly places (8 am to 6 pm local, Monday to Friday) — and cases
whose payers number 5,000: about 70% individual clients, 20% couples splitting 50/50 (two
payers per case), 10% a third party (a couple's billing contact or a child's guardian). One
practice policy: per session, auto-invoice every Friday, 5% off bank transfers. About half
the payers are on auto-pay with a saved simulated card or bank account, written as the
SimulatedGateway writes them (its `sim_` customers and methods) with the matching
GatewayCustomer and PayerMethod rows; their cases' arrangements say auto-pay. A few cards
decline or need authentication, a few bank accounts come back R01, and half the bank payers
asked to be told before debits above $2,000 (so theirs are charged on the day), the others
before every varying debit (charged three days later). Sessions: 20,000 attended or no-show
in the week, the database's double-booking rule in place throughout.

Enrolment: 98% of the cases were enrolled by earlier Fridays (arrangements written here);
the newest 2% are enrolled by the timed run itself, as a real Friday enrols new clients.

One long-standing payer has 250 weeks of history — a weekly session, its charge, invoice,
line, card payment and ledger entries (500) — and no session this week, for the ledger read.

Then `time_weekly_run` times `billing.worker.run_and_collect` for that Friday end to end (the
clock frozen at 7 pm in the practice, each step in its own sessions), checks what it made,
repeats it and checks that the repeat made nothing; and `ledger_calls` gives bench.run the
`ledger.payer_ledger` reads to time like the other pages.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, text
from sqlmodel import Session, SQLModel, select

from bench.generate import FIRST_NAMES, LAST_NAMES, _phone, _reset_sequences, _row, _table
from practicerunner.billing.collect import attempt_key
from practicerunner.billing.gateways.simulated import TEST_BANK_ACCOUNTS, TEST_CARDS
from practicerunner.billing.gateways.simulated_models import (
    SimCustomer,
    SimMethod,
    SimPayment,
)
from practicerunner.billing.models import (
    BillingArrangement,
    BillingPolicy,
    BillingRun,
    Charge,
    GatewayCustomer,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    PayerMethod,
    PaymentAttempt,
    WebhookEvent,
)
from practicerunner.billing.schedule import BillingSchedule, Frequency, period_key
from practicerunner.clients.models import Case, CaseParticipant, CasePayer, Client, Contact
from practicerunner.core import audit, clock
from practicerunner.core import db as core_db
from practicerunner.core.audit import AuditEvent
from practicerunner.core.permissions import Actor, Role
from practicerunner.core.schema import create_schema
from practicerunner.practice.models import Location, Practice, Service, Staff, StaffRole
from practicerunner.scheduling.models import Appointment, AppointmentAttendee
from practicerunner.scheduling.recurrence import to_utc

TIMEZONE = "America/Los_Angeles"
MONDAY = date(2026, 6, 1)  # the bench week, Monday to Friday (local)
FRIDAY = MONDAY + timedelta(days=4)
# Friday 7 pm in Los Angeles: the day's sessions are over when the run is timed.
RUN_AT = datetime(2026, 6, 6, 2, 0, tzinfo=UTC)
HOURS = tuple(range(8, 19))  # local start hours: 55 hourly places a week per clinician
SESSION_MINUTES = 50
FEE_CENTS = 16000
COUPLE_FEE_CENTS = 17000
SLIDING_FEE_CENTS = 9000
BANK_NOTICE_ABOVE_CENTS = 200_000  # above any week's bill here: charged on the day
NEW_CASE_SHARE = 0.02  # enrolled by the timed run itself
AUTO_PAY_SHARE = 0.5
BANK_SHARE = 0.25  # of auto-pay payers; the rest pay by card
CARD_NUMBERS = (("4242424242424242", 96), ("4000000000000002", 3), ("4000002500003155", 1))
BANK_NUMBERS = (("000123456789", 95), ("000111111116", 5))
GATEWAY = "simulated"
BATCH = 2_000

TARGET_RUN_SECONDS = 10.0
TARGET_REPEAT_SECONDS = 2.0
# A phase (the run, or its repeat) taking longer is stopped and reported as over: `make bench`
# still ends in reasonable time while the run is far from its 10 s.
RUN_BUDGET_SECONDS = 120.0
TARGETS_P95_MS = {"payer_ledger": 30.0}
TARGETS_SECONDS = {"billing_run": TARGET_RUN_SECONDS, "billing_repeat": TARGET_REPEAT_SECONDS}
LABELS = {
    "billing_run": "Weekly billing run",
    "billing_repeat": "Billing run repeated",
    "payer_ledger": "Ledger, 500 entries",
}
# What a run writes; the repeat must leave every count as it was.
COUNTED: tuple[type[SQLModel], ...] = (
    BillingArrangement,
    BillingRun,
    Charge,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    PaymentAttempt,
    SimPayment,
    WebhookEvent,
    AuditEvent,
)


@dataclass(frozen=True)
class Scale:
    """How big a practice to generate (the issue's numbers by default)."""

    payers: int = 5_000
    sessions: int = 20_000
    clinicians: int = 400
    history_weeks: int = 250


FULL = Scale()


@dataclass
class BillingPractice:
    """What generate_billing wrote, and what the Friday run is expected to do with it."""

    counts: dict[str, int]
    friday: date
    run_at: datetime
    biller_id: int
    history_payer: str  # the payer key with two ledger entries a history week entries
    history_entries: int
    expected_invoices: int  # one per payer of every case seen this week
    expected_attempts: int  # auto-pay invoices due today (cards, and banks that waived notice)
    new_cases: int  # cases the run enrols
    payer_keys: list[str] = field(default_factory=list)


def _insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(_table(model)), rows[start : start + BATCH])


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(80):020x}"  # as SimulatedGateway's refs: 20 hex digits


def _local(day: date, hour: int) -> datetime:
    return to_utc(datetime.combine(day, clock_time(hour)), TIMEZONE)


@dataclass
class _Book:
    """The rows being built, and the next id of each table."""

    rng: random.Random
    now: datetime
    clients: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    payers: list[dict[str, Any]] = field(default_factory=list)
    payers_of: dict[int, list[str]] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # payer key -> name, email

    def client(self, clinician: int) -> int:
        cid = len(self.clients) + 1
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        email = f"{first}.{last}{cid}@example.com".lower()
        row = Client(
            id=cid,
            legal_first_name=first,
            legal_last_name=last,
            preferred_name="",
            date_of_birth=date(1950 + cid % 50, 1 + cid % 12, 1 + cid % 28),
            email=email,
            phone=_phone(self.rng),
            address_line1=f"{self.rng.randint(100, 9999)} SE {self.rng.choice(LAST_NAMES)} St",
            city="Portland",
            state="OR",
            postal_code="97214",
            status="active",
            clinician_id=clinician,
            portal_access=True,
            first_name_key="",
            last_name_key="",
            search_text="",
            created_at=self.now,
            updated_at=self.now,
        )
        row.refresh_keys()
        self.clients.append(_row(row))
        self.names[f"client:{cid}"] = (f"{first} {last}", email)
        return cid

    def contact(self, client_id: int, relationship: str) -> int:
        contact_id = len(self.contacts) + 1
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        email = f"payer{contact_id}@example.org"
        self.contacts.append(
            {
                "id": contact_id,
                "client_id": client_id,
                "relationship": relationship,
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": _phone(self.rng),
                "address_line1": "",
                "address_line2": "",
                "city": "Portland",
                "state": "OR",
                "postal_code": "97214",
                "portal_access": True,
                "is_active": True,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        self.names[f"contact:{contact_id}"] = (f"{first} {last}", email)
        return contact_id

    def case(
        self,
        kind: str,
        clinician: int,
        members: list[tuple[int, str]],
        payers: list[tuple[str, int]],
        opened: date,
    ) -> int:
        case_id = len(self.cases) + 1
        self.cases.append(
            {
                "id": case_id,
                "kind": kind,
                "title": f"Case {case_id} ({kind})",
                "status": "active",
                "primary_clinician_id": clinician,
                "opened_on": opened,
                "closed_on": None,
                "presenting_concern": "Benchmark text only: no real clinical information.",
                "notify_guardians": False,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        for client_id, role in members:
            self.members.append(
                {"case_id": case_id, "client_id": client_id, "role": role, "attends": True}
            )
        for key, share in payers:
            kind_, _, raw = key.partition(":")
            self.payers.append(
                {
                    "case_id": case_id,
                    "client_id": int(raw) if kind_ == "client" else None,
                    "contact_id": int(raw) if kind_ == "contact" else None,
                    "share_basis_points": share,
                }
            )
        self.payers_of[case_id] = [key for key, _ in payers]
        return case_id


def _staff(clinicians: int, now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    staff: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    rng = random.Random(5)
    for i in range(1, clinicians + 1):
        staff.append(
            _row(
                Staff(
                    id=i,
                    email=f"clinician{i}@bench.example",
                    full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    credentials="LPC",
                    password_hash="not-a-password",
                    created_at=now,
                )
            )
        )
        kinds = [Role.OWNER, Role.CLINICIAN] if i == 1 else [Role.CLINICIAN]
        roles += [{"staff_id": i, "role": r.value} for r in kinds]
    biller = clinicians + 1
    staff.append(
        _row(
            Staff(
                id=biller,
                email="billing@bench.example",
                full_name="Biller",
                password_hash="not-a-password",
                created_at=now,
            )
        )
    )
    roles.append({"staff_id": biller, "role": Role.BILLER.value})
    return staff, roles


def _people(book: _Book, scale: Scale) -> tuple[int, list[int]]:
    """Cases and payers: the history payer's case first, then the 70/20/10 mix by payer."""
    clinicians = scale.clinicians
    opened = MONDAY - timedelta(days=90)
    history_client = book.client(1)
    history_case = book.case(
        "individual",
        1,
        [(history_client, "client")],
        [(f"client:{history_client}", 10000)],
        MONDAY - timedelta(weeks=scale.history_weeks + 1),
    )
    left = scale.payers - 1
    couples = round(left * 0.20 / 2)
    third_party = round(left * 0.10)
    individuals = left - 2 * couples - third_party
    kinds = ["individual"] * individuals + ["couple"] * couples + ["third"] * third_party
    book.rng.shuffle(kinds)
    seen: list[int] = []
    for n, kind in enumerate(kinds):
        clinician = 1 + n % clinicians
        if kind == "individual":
            cid = book.client(clinician)
            case_id = book.case(
                "individual", clinician, [(cid, "client")], [(f"client:{cid}", 10000)], opened
            )
        elif kind == "couple":
            a, b = book.client(clinician), book.client(clinician)
            case_id = book.case(
                "couple",
                clinician,
                [(a, "partner"), (b, "partner")],
                [(f"client:{a}", 5000), (f"client:{b}", 5000)],
                opened,
            )
        elif n % 2:  # a young couple whose billing contact pays
            a, b = book.client(clinician), book.client(clinician)
            contact = book.contact(a, "billing")
            case_id = book.case(
                "couple",
                clinician,
                [(a, "partner"), (b, "partner")],
                [(f"contact:{contact}", 10000)],
                opened,
            )
        else:  # a parent and child; the guardian pays
            a, b = book.client(clinician), book.client(clinician)
            contact = book.contact(b, "guardian")
            case_id = book.case(
                "family",
                clinician,
                [(a, "parent"), (b, "child")],
                [(f"contact:{contact}", 10000)],
                opened,
            )
        seen.append(case_id)
    return history_case, seen


def _sessions(
    book: _Book, scale: Scale, seen: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """SESSIONS in the week, each clinician's in distinct hourly places, over their cases."""
    places = [(d, h) for d in range(5) for h in HOURS]
    base, extra = divmod(scale.sessions, scale.clinicians)
    if base + (1 if extra else 0) > len(places):
        raise ValueError(
            f"{scale.sessions} sessions need more than {len(places)} places a clinician: "
            "add clinicians"
        )
    cases_of: dict[int, list[int]] = {}
    for case_id in seen:
        cases_of.setdefault(book.cases[case_id - 1]["primary_clinician_id"], []).append(case_id)
    attendees_of: dict[int, list[int]] = {}
    for m in book.members:
        attendees_of.setdefault(m["case_id"], []).append(m["client_id"])
    appointments: list[dict[str, Any]] = []
    attendees: list[dict[str, Any]] = []
    next_id = scale.history_weeks + 1
    for clinician in range(1, scale.clinicians + 1):
        mine = cases_of.get(clinician, [])
        count = base + (1 if clinician <= extra else 0)
        if not mine or not count:
            continue
        for j, (day, hour) in enumerate(sorted(book.rng.sample(places, count))):
            case_id = mine[j % len(mine)]
            start = _local(MONDAY + timedelta(days=day), hour)
            end = start + timedelta(minutes=SESSION_MINUTES)
            status = "no_show" if book.rng.random() < 0.04 else "attended"
            couple = book.cases[case_id - 1]["kind"] != "individual"
            appointments.append(
                {
                    "id": next_id,
                    "case_id": case_id,
                    "clinician_id": clinician,
                    "service_id": 2 if couple else 1,
                    "location_id": 1,
                    "start_at": start,
                    "end_at": end,
                    "status": status,
                    "status_at": end,
                    "status_by_id": clinician,
                    "created_at": start - timedelta(days=7),
                    "updated_at": end,
                    "created_by_id": clinician,
                }
            )
            attendees += [
                {"appointment_id": next_id, "client_id": c} for c in attendees_of[case_id]
            ]
            next_id += 1
    return appointments, attendees, len({a["case_id"] for a in appointments})


@dataclass
class _Money:
    customers: list[dict[str, Any]] = field(default_factory=list)
    methods: list[dict[str, Any]] = field(default_factory=list)
    gateway_customers: list[dict[str, Any]] = field(default_factory=list)
    payer_methods: list[dict[str, Any]] = field(default_factory=list)
    method_ref: dict[str, str] = field(default_factory=dict)
    customer_ref: dict[str, str] = field(default_factory=dict)
    due_today: set[str] = field(default_factory=set)  # payers auto-pay charges on the day


def _save_method(book: _Book, money: _Money, key: str, kind: str, number: str) -> None:
    """A customer and saved method as SimulatedGateway stores them, and our rows for them."""
    rng = book.rng
    name, email = book.names[key]
    customer = f"cus_sim_{_hex(rng)}"
    ref = f"pm_sim_{_hex(rng)}"
    if kind == "card":
        outcome = TEST_CARDS.get(number, "succeed")
        label = f"Visa •••• {number[-4:]}"
    else:
        outcome = TEST_BANK_ACCOUNTS.get(number, "settle")
        label = f"Bank •••• {number[-4:]}"
    money.customers.append(
        {
            "ref": customer,
            "name": name,
            "email": email,
            "idempotency_key": f"pr-customer-{GATEWAY}-{key}",
            "created_at": book.now,
        }
    )
    money.methods.append(
        {
            "ref": ref,
            "customer_ref": customer,
            "kind": kind,
            "last4": number[-4:],
            "label": label,
            "outcome": outcome,
            "created_at": book.now,
        }
    )
    money.gateway_customers.append(
        {"gateway": GATEWAY, "payer_key": key, "customer_ref": customer, "created_at": book.now}
    )
    notice = BANK_NOTICE_ABOVE_CENTS if kind == "bank" and rng.random() < 0.5 else None
    money.payer_methods.append(
        {
            "payer_key": key,
            "gateway": GATEWAY,
            "method_ref": ref,
            "kind": kind,
            "label": label,
            "is_default": True,
            "auto_pay": True,
            "disabled_reason": "",
            "notice_above_cents": notice,
            "created_at": book.now,
        }
    )
    money.method_ref[key] = ref
    money.customer_ref[key] = customer
    if kind == "card" or notice is not None:
        money.due_today.add(key)


def _arrangements(
    book: _Book, money: _Money, history_case: int, seen: list[int]
) -> tuple[list[dict[str, Any]], int]:
    """Enrolled cases (all but the newest), half on auto-pay with a method for each payer."""
    rng = book.rng
    enrolled_at = book.now - timedelta(days=60)
    new = set(seen[-max(1, round(len(seen) * NEW_CASE_SHARE)) :])
    rows: list[dict[str, Any]] = []
    for case_id in [history_case, *seen]:
        if case_id in new:
            continue  # enrolled by the run, under the practice policy (auto-invoice)
        auto = case_id == history_case or rng.random() < AUTO_PAY_SHARE
        if auto:
            for key in book.payers_of[case_id]:
                kind = "bank" if rng.random() < BANK_SHARE else "card"
                numbers = BANK_NUMBERS if kind == "bank" else CARD_NUMBERS
                number = rng.choices([n for n, _ in numbers], [w for _, w in numbers])[0]
                if case_id == history_case:
                    kind, number = "card", "4242424242424242"
                _save_method(book, money, key, kind, number)
        rows.append(
            {
                "case_id": case_id,
                "policy_id": 1,
                "model": None,
                "collection": "auto_pay" if auto else None,
                "allowed_methods": None,
                "bank_only_exception": False,
                # A few clients on a sliding scale.
                "fee_cents": SLIDING_FEE_CENTS if rng.random() < 0.05 else None,
                "note": "",
                "enrolled_at": (
                    book.now - timedelta(weeks=260) if case_id == history_case else enrolled_at
                ),
                "updated_at": enrolled_at,
            }
        )
    return rows, len(new)


def _history(
    book: _Book, money: _Money, history_case: int, weeks: int
) -> dict[type[SQLModel], list[dict[str, Any]]]:
    """WEEKS Fridays of a weekly session, invoiced and paid by card: 2 ledger entries a week."""
    key = book.payers_of[history_case][0]
    client_id = int(key.split(":")[1])
    schedule = BillingSchedule(Frequency.WEEKLY, 4, None)
    out: dict[type[SQLModel], list[dict[str, Any]]] = {
        m: []
        for m in (
            Appointment,
            AppointmentAttendee,
            Charge,
            Invoice,
            InvoiceLine,
            PaymentAttempt,
            SimPayment,
            LedgerEntry,
        )
    }
    for n in range(1, weeks + 1):
        tuesday = MONDAY - timedelta(weeks=weeks - n + 1) + timedelta(days=1)
        friday = tuesday + timedelta(days=3)
        start = _local(tuesday, 7)  # before the first hour of this week's places
        end = start + timedelta(minutes=SESSION_MINUTES)
        paid_at = to_utc(datetime.combine(friday, clock_time(20)), TIMEZONE)
        number = f"INV-{n:06d}"
        pay_ref = f"pay_sim_{_hex(book.rng)}"
        idem = attempt_key(n, 1)
        out[Appointment].append(
            {
                "id": n,
                "case_id": history_case,
                "clinician_id": 1,
                "service_id": 1,
                "location_id": 1,
                "start_at": start,
                "end_at": end,
                "status": "attended",
                "status_at": end,
                "status_by_id": 1,
                "created_at": start - timedelta(days=7),
                "updated_at": end,
                "created_by_id": 1,
            }
        )
        out[AppointmentAttendee].append({"appointment_id": n, "client_id": client_id})
        out[Charge].append(
            {
                "id": n,
                "case_id": history_case,
                "appointment_id": n,
                "kind": "session",
                "source_key": f"appt:{n}",
                "service_date": tuesday,
                "fee_cents": FEE_CENTS,
                "invoiced": True,
                "created_at": paid_at,
            }
        )
        out[Invoice].append(
            {
                "id": n,
                "number": number,
                "case_id": history_case,
                "client_id": client_id,
                "contact_id": None,
                "payer_key": key,
                "period_key": period_key(schedule, friday),
                "run_id": None,
                "issued_on": friday,
                "due_on": friday + timedelta(days=14),
                "status": "paid",
                "collection": "auto_pay",
                "total_cents": FEE_CENTS,
                "paid_cents": FEE_CENTS,
                "processing_until": None,
                "collect_on": friday,
                "created_at": paid_at,
            }
        )
        out[InvoiceLine].append(
            {
                "id": n,
                "invoice_id": n,
                "charge_id": n,
                "service_date": tuesday,
                "description": "Session",
                "amount_cents": FEE_CENTS,
                "discount_cents": 0,
                "discount_label": "",
            }
        )
        out[PaymentAttempt].append(
            {
                "id": n,
                "invoice_id": n,
                "attempt_no": 1,
                "idempotency_key": idem,
                "gateway": GATEWAY,
                "method": "card",
                "method_ref": money.method_ref[key],
                "amount_cents": FEE_CENTS,
                "status": "succeeded",
                "gateway_ref": pay_ref,
                "failure_code": "",
                "settles_on": None,
                "created_at": paid_at,
                "updated_at": paid_at,
            }
        )
        out[SimPayment].append(
            {
                "ref": pay_ref,
                "customer_ref": money.customer_ref[key],
                "method_ref": money.method_ref[key],
                "kind": "card",
                "amount_cents": FEE_CENTS,
                "currency": "usd",
                "description": f"Invoice {number}",
                "idempotency_key": idem,
                "initial_status": "succeeded",
                "status": "succeeded",
                "outcome": "",
                "failure_message": "",
                "settles_on": None,
                "event_emitted": True,
                "created_at": paid_at,
                "resolved_at": paid_at,
            }
        )
        out[LedgerEntry] += [
            {
                "payer_key": key,
                "case_id": history_case,
                "invoice_id": n,
                "kind": "charge",
                "amount_cents": FEE_CENTS,
                "entry_on": friday,
                "description": f"Session on {tuesday:%b %-d, %Y}",
                "source_key": f"line:{n}",
                "created_at": paid_at,
            },
            {
                "payer_key": key,
                "case_id": history_case,
                "invoice_id": n,
                "kind": "payment",
                "amount_cents": -FEE_CENTS,
                "entry_on": friday,
                "description": f"Card payment for {number}",
                "source_key": f"attempt:{n}:paid",
                "created_at": paid_at,
            },
        ]
    return out


def generate_billing(engine: Engine, scale: Scale = FULL, seed: int = 20260605) -> BillingPractice:
    """Create the schema and the billing practice in ENGINE's (empty) database."""
    now = datetime(2026, 5, 25, 16, 0, tzinfo=UTC)  # the Monday before: people and methods
    create_schema(engine)
    book = _Book(random.Random(seed), now)
    staff, roles = _staff(scale.clinicians, now)
    history_case, seen = _people(book, scale)
    appointments, attendees, cases_seen = _sessions(book, scale, seen)
    money = _Money()
    arrangements, new_cases = _arrangements(book, money, history_case, seen)
    history = _history(book, money, history_case, scale.history_weeks)
    policy = BillingPolicy(
        id=1,
        scope_kind="practice",
        weekday=4,
        bank_discount_kind="percent",
        bank_discount_value=500,
        created_at=now - timedelta(weeks=300),
    )
    with Session(engine) as session:
        session.add(Practice(name="Bench Billing Practice", timezone=TIMEZONE, updated_at=now))
        session.add(
            Location(id=1, name="Main office", kind="office", place_of_service="11", created_at=now)
        )
        for sid, name, minutes, fee in (
            (1, "Individual therapy, 50 min", SESSION_MINUTES, FEE_CENTS),
            (2, "Couples & family therapy, 50 min", SESSION_MINUTES, COUPLE_FEE_CENTS),
        ):
            session.add(
                Service(
                    id=sid,
                    name=name,
                    kind="therapy",
                    duration_minutes=minutes,
                    fee_cents=fee,
                    cpt_code="90837" if sid == 1 else "90847",
                    created_at=now,
                )
            )
        session.flush()
        _insert(session, Staff, staff)
        _insert(session, StaffRole, roles)
        _insert(session, Client, book.clients)
        _insert(session, Contact, book.contacts)
        _insert(session, Case, book.cases)
        _insert(session, CaseParticipant, book.members)
        _insert(session, CasePayer, book.payers)
        session.add(policy)
        session.flush()
        _insert(session, BillingArrangement, arrangements)
        _insert(session, SimCustomer, money.customers)
        _insert(session, SimMethod, money.methods)
        _insert(session, GatewayCustomer, money.gateway_customers)
        _insert(session, PayerMethod, money.payer_methods)
        for model, rows in history.items():
            _insert(session, model, rows)
        _insert(session, Appointment, appointments)  # the double-booking rule checks each
        _insert(session, AppointmentAttendee, attendees)
        audit.record(session, None, "bench.generate_billing", actor_name="PracticeRunner bench")
        if engine.dialect.name == "postgresql":
            _reset_sequences(
                session,
                (
                    "location",
                    "service",
                    "staff",
                    "client",
                    "contact",
                    "case",
                    "billing_policy",
                    "appointment",
                    "charge",
                    "invoice",
                    "invoice_line",
                    "payment_attempt",
                ),
            )
        session.commit()
    vacuum = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(vacuum))
    billed = [k for c in sorted({a["case_id"] for a in appointments}) for k in book.payers_of[c]]
    return BillingPractice(
        counts={
            "clinicians": scale.clinicians,
            "billing_payers": sum(len(p) for p in book.payers_of.values()),
            "billing_cases": len(book.cases),
            "cases_seen_this_week": cases_seen,
            "week_sessions": len(appointments),
            "auto_pay_payers": len(money.payer_methods),
            "bank_payers": sum(1 for m in money.payer_methods if m["kind"] == "bank"),
            "history_ledger_entries": len(history[LedgerEntry]),
        },
        friday=FRIDAY,
        run_at=RUN_AT,
        biller_id=scale.clinicians + 1,
        history_payer=book.payers_of[history_case][0],
        history_entries=len(history[LedgerEntry]),
        expected_invoices=len(billed),
        expected_attempts=sum(1 for k in billed if k in money.due_today),
        new_cases=new_cases,
        payer_keys=[k for keys in book.payers_of.values() for k in keys],
    )


# --- timings ----------------------------------------------------------------------------


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table a billing run writes."""
    with Session(engine) as session:
        return {
            _table(m).name: int(session.exec(select(func.count()).select_from(m)).one())
            for m in COUNTED
        }


def _profile_top(profiler: cProfile.Profile, path: Path | None, top: int = 25) -> str:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(path))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def _phases(
    engine: Engine, practice: BillingPractice, profile: Path | None, report: Callable[..., None]
) -> None:
    """The Friday's run and its repeat on ENGINE; REPORT(phase, data) after each."""
    from practicerunner.billing.gateways.simulated import SimulatedGateway
    from practicerunner.billing.worker import run_and_collect

    profiler = cProfile.Profile() if profile is not None else None
    core_db.use_engine(engine)
    try:
        with clock.frozen_at(practice.run_at):
            gateway = SimulatedGateway()
            started = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            first = run_and_collect(practice.friday, gateway)
            if profiler is not None:
                profiler.disable()
            seconds = time.perf_counter() - started
            top = _profile_top(profiler, profile) if profiler is not None else ""
            counts = table_counts(engine)
            report("run", {"seconds": seconds, "result": first, "profile": top, "counts": counts})
            started = time.perf_counter()
            again = run_and_collect(practice.friday, gateway)
            seconds = time.perf_counter() - started
            report("repeat", {"seconds": seconds, "result": again, "counts": table_counts(engine)})
    finally:
        core_db.use_engine(None)


def _child(url: str, practice: BillingPractice, profile: Path | None, out: Any) -> None:
    """The timed phases in a process of their own, which the bench may stop at its budget."""
    engine = core_db.make_engine(url)
    try:
        _phases(engine, practice, profile, lambda phase, data: out.send((phase, data)))
    finally:
        engine.dispose()


def time_weekly_run(
    engine: Engine,
    practice: BillingPractice,
    *,
    profile: Path | None = None,
    budget: float | None = None,
) -> tuple[dict[str, Any], str]:
    """Time the Friday's `run_and_collect` on ENGINE, then its repeat; results and profile.

    The clock is frozen at Friday 7 pm in the practice (the simulated processor and the
    collection plan read it). With PROFILE, the first run is profiled (and so slower) and the
    statistics are written there; the top 25 by cumulative time are returned as text.

    With a BUDGET (seconds), the phases run in a child process that is stopped when a phase
    takes longer (the run is built to survive a worker killed half-way). A first run stopped
    early is projected from the share of invoices it made (a lower bound: collection comes
    after invoicing); a stopped repeat is reported at the budget. Either way it fails.
    """
    before = table_counts(engine)
    phases: dict[str, dict[str, Any]] = {}
    stopped = ""
    if budget is None:
        _phases(engine, practice, profile, lambda phase, data: phases.__setitem__(phase, data))
    else:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()  # the child opens its own connections
        child = context.Process(target=_child, args=(url, practice, profile, send), daemon=True)
        child.start()
        for phase in ("run", "repeat"):
            if not receive.poll(budget):
                stopped = phase
                break
            name, data = receive.recv()
            phases[name] = data
        if child.is_alive():
            child.kill()
        child.join()
    rows = _results(practice, before, table_counts(engine), phases, stopped, budget)
    return rows, phases.get("run", {}).get("profile", "")


def _results(
    practice: BillingPractice,
    before: dict[str, int],
    now: dict[str, int],
    phases: dict[str, dict[str, Any]],
    stopped: str,
    budget: float | None,
) -> dict[str, Any]:
    """The two result rows, from what each phase reported and the tables' counts."""
    run, repeat = phases.get("run"), phases.get("repeat")
    if run is None:  # stopped during the first run: project from the invoices it made
        invoices = now["invoice"] - before["invoice"]
        share = invoices / practice.expected_invoices if practice.expected_invoices else 0.0
        seconds = float(budget or 0) / share if share else float("inf")
        first_row: dict[str, Any] = {
            "seconds": round(seconds, 2),
            "measured_seconds": budget,
            "projected": True,
            "how": f"stopped at {budget:g} s after {invoices} of "
            f"{practice.expected_invoices} invoices; projected (a lower bound)",
            "as_expected": False,
        }
    else:
        first, made = run["result"], run["counts"]
        created = {k: made[k] - before[k] for k in made if made[k] != before[k]}
        right = (
            first["invoices"] == practice.expected_invoices
            and first["attempts"] == practice.expected_attempts
            and created.get("billing_arrangement", 0) == practice.new_cases
        )
        how = f"{first['invoices']} invoices, {first['attempts']} charges"
        if not right:
            how += (
                f"; EXPECTED {practice.expected_invoices} invoices, "
                f"{practice.expected_attempts} charges, {practice.new_cases} enrolled"
            )
        seconds = float(run["seconds"])
        first_row = {
            "seconds": round(seconds, 2),
            "projected": False,
            "how": how + ("; profiled" if run.get("profile") else ""),
            "profiled": bool(run.get("profile")),
            "worker_result": first,
            "created": created,
            "as_expected": right,
        }
    first_row["target_seconds"] = TARGET_RUN_SECONDS
    first_row["pass"] = seconds < TARGET_RUN_SECONDS and first_row["as_expected"]
    if repeat is None or run is None:
        repeat_row: dict[str, Any] = {
            "seconds": float(budget or 0),
            "pass": False,
            "how": f"stopped at {budget:g} s" if stopped == "repeat" else "not run",
        }
    else:
        made, after = run["counts"], repeat["counts"]
        wrote = {k: after[k] - made[k] for k in after if after[k] != made[k]}
        seconds = float(repeat["seconds"])
        repeat_row = {
            "seconds": round(seconds, 2),
            "pass": seconds < TARGET_REPEAT_SECONDS and not wrote,
            "how": "created nothing" if not wrote else f"CREATED {sorted(wrote.items())}",
            "worker_result": repeat["result"],
            "created": wrote,
        }
    repeat_row["target_seconds"] = TARGET_REPEAT_SECONDS
    return {"billing_run": first_row, "billing_repeat": repeat_row}


def biller(engine: Engine, practice: BillingPractice) -> Actor:
    """The practice's biller, as the billing pages see them."""
    from practicerunner.auth.service import actor_for

    with Session(engine) as session:
        staff = session.get(Staff, practice.biller_id)
        assert staff is not None
        return actor_for(session, staff, ip="127.0.0.1")


def ledger_calls(
    engine: Engine, practice: BillingPractice, samples: int
) -> dict[str, list[Callable[[Session], Any]]]:
    """SAMPLES reads of the long-standing payer's ledger (each audited, as the page's are)."""
    from practicerunner.billing.ledger import payer_ledger

    actor = biller(engine, practice)
    key = practice.history_payer

    def call(s: Session) -> Any:
        view = payer_ledger(s, actor, key)
        if len(view.rows) < practice.history_entries:
            raise AssertionError(f"ledger of {key} has {len(view.rows)} rows")
        return view

    return {"payer_ledger": [call] * samples}
