"""A Friday's billing worker killed part-way, restarted, and run twice at once.

The bench's practice (`bench.billing.generate_billing`) at a small scale: a few hundred payers,
cases billed in more than one chunk and cards charged in more than one batch.
`billing.worker.run_and_collect` runs in a forked process under the frozen clock, as the bench
runs it, and is SIGKILLed:

- while invoicing (as soon as the first chunk's invoices are visible, before the last);
- while charging (as soon as the planned payment attempts are visible);
- at the worst moment of all: the processor has taken the first batch of payments and the
  worker dies before it writes down what the processor said.

Then the worker is run again, and once more. Also two workers started together. Each time:
one invoice per case, payer and period; each invoice's ledger sums to what is still owed; each
attempt's key is at the processor once and nothing is at the processor that the practice does
not know of; no invoice is charged more than its total; the counts are those the bench
expects; and every invoice, line, attempt and ledger entry is what an uninterrupted run on the
same practice makes (a reference run on its own SQLite database).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from bench import billing
from practicerunner.billing.gateways.base import ChargeRequest, ChargeResult
from practicerunner.billing.gateways.simulated import SimulatedGateway
from practicerunner.billing.gateways.simulated_models import SimPayment
from practicerunner.billing.models import (
    BillingArrangement,
    BillingRun,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    PaymentAttempt,
)
from practicerunner.billing.runs import CHUNK
from practicerunner.core import clock
from practicerunner.core import db as core_db
from tests.conftest import _pg_admin

# 540 cases: three chunks of CHUNK (250) cases; about 230 charges: two batches of CHARGE_CHUNK.
SCALE = billing.Scale(payers=600, sessions=1500, clinicians=30, history_weeks=3)
FORK = multiprocessing.get_context("fork")
WAIT_SECONDS = 30.0


class PausingGateway(SimulatedGateway):
    """The simulated processor, which after its first batch of charges (taken and stored in its
    books) tells the test and waits to be killed — before the worker records the answers."""

    def __init__(self, told: Connection) -> None:
        super().__init__()
        self._told = told

    def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | Exception]:
        answers = super().charge_many(requests)
        self._told.send(("charged", len(requests)))
        time.sleep(WAIT_SECONDS)  # killed here
        return answers


def _worker(url: str, practice: billing.BillingPractice, told: Connection | None, go: Any) -> None:
    """`run_and_collect` for the bench's Friday, in a process of its own (as the bench runs it)."""
    from practicerunner.billing.worker import run_and_collect

    engine = core_db.make_engine(url)
    core_db.use_engine(engine)
    try:
        if go is not None:
            go.wait(WAIT_SECONDS)  # two workers start together
        with clock.frozen_at(practice.run_at):
            gateway = PausingGateway(told) if told is not None else SimulatedGateway()
            run_and_collect(practice.friday, gateway)
    finally:
        engine.dispose()


def _count(engine: Engine, table: str) -> int:
    """Rows in TABLE now. On SQLite through a plain connection: the application's begin with
    BEGIN IMMEDIATE, and a poller queueing for the write lock would only get it at the end;
    in WAL mode a plain reader sees each committed chunk without waiting."""
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(str(engine.url.database), timeout=15)) as raw:
            return int(raw.execute(f"select count(*) from {table}").fetchone()[0])
    with engine.connect() as conn:
        found = int(conn.execute(text(f"select count(*) from {table}")).scalar_one())
        conn.commit()
    return found


def _wait(condition: Callable[[], bool], what: str, child: Any) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if not child.is_alive():
            raise AssertionError(f"the worker ended (exit {child.exitcode}) before {what}")
        time.sleep(0.002)
    raise AssertionError(f"timed out waiting for {what}")


def _start(engine: Engine, practice: billing.BillingPractice, **kw: Any) -> Any:
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # the child opens its own connections
    child = FORK.Process(
        target=_worker, args=(url, practice, kw.get("told"), kw.get("go")), daemon=True
    )
    child.start()
    return child


def _kill(child: Any) -> None:
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(WAIT_SECONDS)
    assert child.exitcode == -signal.SIGKILL


def _run_again(engine: Engine, practice: billing.BillingPractice) -> dict[str, int]:
    """`run_and_collect` once more in a fresh process, to the end; the tables' counts after."""
    child = _start(engine, practice)
    child.join(WAIT_SECONDS)
    assert child.exitcode == 0, "the restarted worker failed"
    return billing.table_counts(engine)


# --- what was made ----------------------------------------------------------------------


@dataclass
class Made:
    """This Friday's invoices and what hangs off them, keyed by (case, payer) (ids differ
    between databases; a killed run may leave gaps in the numbering)."""

    invoices: dict[tuple[int, str], tuple[str, str, int, int, str]]
    lines: dict[tuple[int, str], list[tuple[str, int, int]]]
    ledger: dict[tuple[int, str], list[tuple[str, int]]]
    attempts: dict[tuple[int, str], list[tuple[int, str, str, int]]]
    enrolled: int


def _made(engine: Engine, practice: billing.BillingPractice) -> Made:
    with Session(engine) as s:
        friday = s.exec(select(Invoice).where(Invoice.issued_on == practice.friday)).all()
        key = {i.id: (i.case_id, i.payer_key) for i in friday}
        invoices = {
            key[i.id]: (i.period_key, i.status, i.total_cents, i.paid_cents, i.collection)
            for i in friday
        }
        lines: dict[tuple[int, str], list[tuple[str, int, int]]] = {}
        for line in s.exec(select(InvoiceLine).where(col(InvoiceLine.invoice_id).in_(key))):
            lines.setdefault(key[line.invoice_id], []).append(
                (line.description, line.amount_cents, line.discount_cents)
            )
        ledger: dict[tuple[int, str], list[tuple[str, int]]] = {}
        for entry in s.exec(select(LedgerEntry).where(col(LedgerEntry.invoice_id).in_(key))):
            assert entry.invoice_id is not None
            ledger.setdefault(key[entry.invoice_id], []).append((entry.kind, entry.amount_cents))
        attempts: dict[tuple[int, str], list[tuple[int, str, str, int]]] = {}
        for a in s.exec(select(PaymentAttempt).where(col(PaymentAttempt.invoice_id).in_(key))):
            attempts.setdefault(key[a.invoice_id], []).append(
                (a.attempt_no, a.method, a.status, a.amount_cents)
            )
        enrolled = int(s.exec(select(func.count()).select_from(BillingArrangement)).one())
    for line_rows in lines.values():
        line_rows.sort()
    for entry_rows in ledger.values():
        entry_rows.sort()
    for attempt_rows in attempts.values():
        attempt_rows.sort()
    return Made(invoices, lines, ledger, attempts, enrolled)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on SQLite and on PostgreSQL (the generator makes the schema itself,
    so the shared fixture's ready-made schema would be in its way)."""
    if request.param == "sqlite":
        sqlite = core_db.make_engine(f"sqlite:///{tmp_path / 'billing-kill.db'}")
        yield sqlite
        sqlite.dispose()
        return
    admin = _pg_admin()
    if admin is None:
        pytest.skip("PostgreSQL half skipped: PR_TEST_POSTGRES_URL not set or unreachable")
    name = f"pr_bk_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(str(admin.url)).set(database=name)
    pg = core_db.make_engine(url.render_as_string(hide_password=False))
    try:
        yield pg
    finally:
        pg.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """The same practice, run once without interruption, on a database of its own."""
    path = tmp_path_factory.mktemp("reference") / "reference.db"
    engine = core_db.make_engine(f"sqlite:///{path}")
    try:
        practice = billing.generate_billing(engine, SCALE)
        child = _start(engine, practice)
        child.join(WAIT_SECONDS)
        assert child.exitcode == 0
        return _made(engine, practice)
    finally:
        engine.dispose()


def _assert_once_and_whole(
    engine: Engine, practice: billing.BillingPractice, reference: Made
) -> None:
    """What a user (and the processor's statement) would check after the Friday."""
    made = _made(engine, practice)
    with Session(engine) as s:
        per_period = Counter(
            (i.case_id, i.payer_key, i.period_key) for i in s.exec(select(Invoice)).all()
        )
        assert [k for k, n in per_period.items() if n > 1] == [], "an invoice made twice"
        for invoice in s.exec(select(Invoice)).all():
            owed = s.exec(
                select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
                    LedgerEntry.invoice_id == invoice.id
                )
            ).one()
            assert owed == invoice.total_cents - invoice.paid_cents, invoice.number

        attempts = s.exec(select(PaymentAttempt)).all()
        at_processor = s.exec(select(SimPayment)).all()
        keys = Counter(p.idempotency_key for p in at_processor)
        assert [k for k, n in keys.items() if n > 1] == []
        assert sorted(keys) == sorted(a.idempotency_key for a in attempts), (
            "every attempt is at the processor once, and nothing else is"
        )
        by_key = {p.idempotency_key: p for p in at_processor}
        totals = {i.id: i.total_cents for i in s.exec(select(Invoice)).all()}
        taken: Counter[int] = Counter()
        for a in attempts:
            assert by_key[a.idempotency_key].amount_cents == a.amount_cents
            if by_key[a.idempotency_key].status == "succeeded":
                taken[a.invoice_id] += a.amount_cents
        assert [i for i, cents in taken.items() if cents > totals[i]] == [], "charged twice"
        runs = s.exec(select(BillingRun)).all()
        assert len(runs) == 1 and runs[0].finished_at is not None

    assert len(made.invoices) == practice.expected_invoices
    assert sum(len(a) for a in made.attempts.values()) == practice.expected_attempts
    assert made.enrolled == practice.counts["billing_cases"]  # the new cases were enrolled
    assert made == reference, "the interrupted Friday differs from an uninterrupted one"


# --- the tests --------------------------------------------------------------------------


def _generate(engine: Engine) -> billing.BillingPractice:
    practice = billing.generate_billing(engine, SCALE)
    assert practice.counts["cases_seen_this_week"] > 2 * CHUNK  # invoicing takes 3 chunks
    assert practice.new_cases > 0
    return practice


@pytest.mark.parametrize("moment", ["invoicing", "charging", "charged_not_recorded"])
def test_a_worker_killed_part_way_and_run_again_bills_and_charges_once(
    engine: Engine, reference: Made, moment: str
) -> None:
    practice = _generate(engine)
    before = _count(engine, "invoice")
    tried_before = _count(engine, "payment_attempt")
    told, tell = FORK.Pipe(duplex=False)
    child = _start(engine, practice, told=tell if moment == "charged_not_recorded" else None)
    try:
        if moment == "invoicing":
            _wait(lambda: _count(engine, "invoice") > before, "the first invoices", child)
        elif moment == "charging":
            _wait(
                lambda: _count(engine, "payment_attempt") > tried_before,
                "the planned attempts",
                child,
            )
        else:
            assert told.poll(WAIT_SECONDS), "the processor was never called"
            assert told.recv()[0] == "charged"
    finally:
        _kill(child)

    invoices = _count(engine, "invoice") - before
    tried = _count(engine, "payment_attempt") - tried_before
    recorded = _count(engine, "ledger_entry")
    if moment == "invoicing":
        assert 0 < invoices < practice.expected_invoices, "killed part-way through invoicing"
    else:
        assert invoices == practice.expected_invoices
        assert tried == practice.expected_attempts
    if moment == "charged_not_recorded":
        with Session(engine) as s:
            charged = set(s.exec(select(SimPayment.idempotency_key)).all())
            waiting = s.exec(
                select(PaymentAttempt).where(
                    PaymentAttempt.status == "pending",
                    col(PaymentAttempt.idempotency_key).in_(charged),
                )
            ).all()
        assert waiting, "the processor took payments the practice has not recorded"

    after = _run_again(engine, practice)
    assert after["ledger_entry"] > recorded
    _assert_once_and_whole(engine, practice, reference)
    assert _run_again(engine, practice) == after, "the third run wrote something"
    _assert_once_and_whole(engine, practice, reference)


def test_two_workers_started_together_bill_and_charge_once(engine: Engine, reference: Made) -> None:
    practice = _generate(engine)
    go = FORK.Event()
    children = [_start(engine, practice, go=go) for _ in range(2)]
    go.set()
    for child in children:
        child.join(WAIT_SECONDS)
    assert [c.exitcode for c in children] == [0, 0], "a worker failed"
    _assert_once_and_whole(engine, practice, reference)
    after = billing.table_counts(engine)
    assert _run_again(engine, practice) == after, "a run after both wrote something"


# --- the bank debits' settlement, with the worker killed holding the events -----------------

# The Friday's debits settle four bank days later (Thursday 11 June); ten days on, all have.
SETTLED_AT = billing.RUN_AT.replace(day=billing.RUN_AT.day + 10)


class DyingWithEvents(SimulatedGateway):
    """The simulated processor, which hands out its due settlement events, tells the test and
    waits to be killed — before the worker applies any of them."""

    def __init__(self, told: Connection) -> None:
        super().__init__()
        self._told = told

    def due_events(self, now: Any) -> list[Any]:
        events = super().due_events(now)
        self._told.send(("events", len(events)))
        time.sleep(WAIT_SECONDS)  # killed here
        return events


def _collector(url: str, told: Connection | None) -> None:
    """`collect_due` at SETTLED_AT, in a process of its own."""
    from practicerunner.billing.collect import collect_due

    engine = core_db.make_engine(url)
    core_db.use_engine(engine)
    try:
        with clock.frozen_at(SETTLED_AT), core_db.session_scope() as session:
            collect_due(session, DyingWithEvents(told) if told is not None else SimulatedGateway())
    finally:
        engine.dispose()


def _collect(engine: Engine, told: Connection | None = None) -> Any:
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # the child opens its own connections
    child = FORK.Process(target=_collector, args=(url, told), daemon=True)
    child.start()
    return child


def _settlement(engine: Engine, refs: set[str]) -> tuple[Counter[str], Counter[str], int]:
    """The payments REFS at the processor by status (and how many acknowledged), the
    practice's attempts for them by status, and the simulated event ids it has stored."""
    from practicerunner.billing.models import WebhookEvent

    with Session(engine) as s:
        payments = s.exec(select(SimPayment).where(col(SimPayment.ref).in_(refs))).all()
        processor = Counter(p.status for p in payments)
        processor["acknowledged"] = sum(p.event_emitted for p in payments)
        attempts = Counter(
            s.exec(
                select(PaymentAttempt.status).where(col(PaymentAttempt.gateway_ref).in_(refs))
            ).all()
        )
        events = s.exec(
            select(func.count())
            .select_from(WebhookEvent)
            .where(WebhookEvent.gateway == "simulated")
        ).one()
    return processor, attempts, int(events)


def test_settlement_events_handed_to_a_killed_worker_are_applied_by_the_next(
    engine: Engine,
) -> None:
    # given the Friday billed and charged; its bank debits are processing
    practice = _generate(engine)
    _run_again(engine, practice)
    with Session(engine) as s:
        refs = set(
            s.exec(
                select(SimPayment.ref).where(
                    SimPayment.kind == "bank", SimPayment.status == "processing"
                )
            ).all()
        )
    debits = len(refs)
    processor, attempts, events = _settlement(engine, refs)
    assert debits > 0 and attempts == Counter(processing=debits) and events == 0

    # when ten days later the worker takes the settlement events and is killed holding them
    told, tell = FORK.Pipe(duplex=False)
    child = _collect(engine, tell)
    try:
        assert told.poll(WAIT_SECONDS), "the processor was never asked for events"
        assert told.recv() == ("events", debits)
    finally:
        _kill(child)
    processor, attempts, events = _settlement(engine, refs)
    assert processor["processing"] == 0, "resolved at the processor"
    assert attempts == Counter(processing=debits) and events == 0, "not applied by the practice"

    # then the next worker gets the same events and applies each once; the one after that
    # finds them acknowledged, and the processor stops handing them out
    for _ in range(2):
        child = _collect(engine)
        child.join(WAIT_SECONDS)
        assert child.exitcode == 0, "the collecting worker failed"
    processor, attempts, events = _settlement(engine, refs)
    assert events == debits == processor["acknowledged"]
    assert attempts["processing"] == 0
    assert (attempts["succeeded"], attempts["failed"]) == (
        processor["succeeded"],
        processor["failed"],
    )
    with Session(engine) as s:
        run = s.exec(select(BillingRun)).one()
        still = s.exec(
            select(func.count())
            .select_from(PaymentAttempt)
            .join(Invoice, col(Invoice.id) == PaymentAttempt.invoice_id)
            .where(Invoice.run_id == run.id, PaymentAttempt.status == "processing")
        ).one()
        assert run.processing == still, "the run counts each settled debit once"
        by_ref = {
            a.gateway_ref: a.status
            for a in s.exec(select(PaymentAttempt).where(col(PaymentAttempt.gateway_ref).in_(refs)))
        }
        for p in s.exec(select(SimPayment).where(col(SimPayment.ref).in_(refs))).all():
            assert by_ref[p.ref] == p.status, "the practice's attempt is the processor's payment"
        for invoice in s.exec(select(Invoice)).all():
            owed = s.exec(
                select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
                    LedgerEntry.invoice_id == invoice.id
                )
            ).one()
            assert owed == invoice.total_cents - invoice.paid_cents, invoice.number
