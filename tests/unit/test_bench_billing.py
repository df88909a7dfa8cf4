"""The billing benchmark's code at a small scale: what it generates, and that its timings run.

`make bench` generates 5,000 payers and 20,000 sessions; here a few hundred, on SQLite (and
PostgreSQL when PR_TEST_POSTGRES_URL is set), so that a change that breaks the generator or
the timed run shows up in the test suite rather than in the next benchmark.
"""

from __future__ import annotations

import gc
import itertools
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from bench import billing
from bench import run as bench_run
from practicerunner.billing.gateways.simulated_models import SimCustomer, SimMethod
from practicerunner.billing.models import (
    BillingArrangement,
    GatewayCustomer,
    Invoice,
    LedgerEntry,
    PayerMethod,
)
from practicerunner.clients.models import Case, CasePayer
from practicerunner.core import db as core_db
from practicerunner.scheduling.models import Appointment
from tests.conftest import _pg_admin

SMALL = billing.Scale(payers=60, sessions=180, clinicians=6, history_weeks=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database (the generator makes the schema itself)."""
    if request.param == "sqlite":
        engine = core_db.make_engine(f"sqlite:///{tmp_path / 'billing-bench.db'}")
        yield engine
        engine.dispose()
        return
    admin = _pg_admin()
    if admin is None:
        pytest.skip("PostgreSQL half skipped: PR_TEST_POSTGRES_URL not set or unreachable")
    name = f"pr_bb_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(str(admin.url)).set(database=name)
    engine = core_db.make_engine(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_generated_practice_has_the_payer_mix_methods_and_history(empty: Engine) -> None:
    practice = billing.generate_billing(empty, SMALL)
    with Session(empty) as s:
        payers = s.exec(select(CasePayer)).all()
        assert len(payers) == SMALL.payers
        per_case = Counter(p.case_id for p in payers)
        split = [p for p in payers if per_case[p.case_id] == 2]
        third = [p for p in payers if p.contact_id is not None]
        assert {p.share_basis_points for p in split} == {5000}
        assert 0.17 <= len(split) / len(payers) <= 0.23
        assert 0.07 <= len(third) / len(payers) <= 0.13
        shares: Counter[int] = Counter()
        for p in payers:
            shares[p.case_id] += p.share_basis_points
        assert set(shares.values()) == {10000}

        # Sessions: all in the week, attended or no-show, never two at once for a clinician.
        week = s.exec(select(Appointment).where(col(Appointment.id) > SMALL.history_weeks)).all()
        assert len(week) == SMALL.sessions
        assert {a.status for a in week} == {"attended", "no_show"}
        by_clinician: dict[int, list[Appointment]] = {}
        for a in week:
            by_clinician.setdefault(a.clinician_id, []).append(a)
        for mine in by_clinician.values():
            mine.sort(key=lambda a: a.start_at)
            assert all(x.end_at <= y.start_at for x, y in itertools.pairwise(mine))

        # Auto-pay payers: the gateway's customer and method exist, as SimulatedGateway keeps them.
        methods = s.exec(select(PayerMethod)).all()
        assert 0.35 <= len(methods) / len(payers) <= 0.65
        sim_methods = {m.ref: m for m in s.exec(select(SimMethod)).all()}
        customers = {c.payer_key: c.customer_ref for c in s.exec(select(GatewayCustomer)).all()}
        sim_customers = {c.ref: c for c in s.exec(select(SimCustomer)).all()}
        for m in methods:
            sim = sim_methods[m.method_ref]
            assert sim.customer_ref == customers[m.payer_key]
            assert (sim.kind, sim.label) == (m.kind, m.label)
            customer = sim_customers[sim.customer_ref]
            assert customer.idempotency_key == f"pr-customer-simulated-{m.payer_key}"
        auto_cases = {a.case_id for a in s.exec(select(BillingArrangement)).all() if a.collection}
        paying = {p.case_id for p in payers if f"client:{p.client_id}" in customers}
        paying |= {p.case_id for p in payers if f"contact:{p.contact_id}" in customers}
        assert paying == auto_cases

        # The long-standing payer: two ledger entries a week, settled to zero.
        entries = s.exec(
            select(LedgerEntry).where(LedgerEntry.payer_key == practice.history_payer)
        ).all()
        assert len(entries) == 2 * SMALL.history_weeks == practice.history_entries
        assert sum(e.amount_cents for e in entries) == 0
        enrolled = s.exec(select(func.count()).select_from(BillingArrangement)).one()
        cases = s.exec(select(func.count()).select_from(Case)).one()
        assert cases - enrolled == practice.new_cases > 0


def test_weekly_run_is_timed_checked_and_repeated_without_writing(empty: Engine) -> None:
    practice = billing.generate_billing(empty, SMALL)
    results, top = billing.time_weekly_run(empty, practice, profile=None)
    run, repeat = results["billing_run"], results["billing_repeat"]
    assert top == ""
    assert run["as_expected"], run
    assert run["worker_result"]["invoices"] == practice.expected_invoices
    assert run["created"]["invoice"] == practice.expected_invoices
    assert run["created"]["billing_arrangement"] == practice.new_cases
    assert run["worker_result"]["attempts"] == practice.expected_attempts > 0
    assert repeat["created"] == {} and repeat["how"] == "created nothing"
    assert repeat["worker_result"]["invoices"] == 0
    with Session(empty) as s:
        issued = s.exec(select(func.count()).select_from(Invoice)).one()
    assert issued == SMALL.history_weeks + practice.expected_invoices


def test_bench_billing_section_reports_every_row_with_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench_run, "WORK", tmp_path)
    engine = core_db.make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        found = bench_run.bench_billing(engine, samples=12, profile=True, scale=SMALL)
    finally:
        engine.dispose()
        gc.unfreeze()
    results = found["results"]
    assert set(results) == {"billing_run", "billing_repeat", "payer_ledger"}
    assert results["billing_run"]["target_seconds"] == billing.TARGET_RUN_SECONDS
    assert results["billing_run"]["profiled"] is True
    assert (tmp_path / "billing-run-sqlite.prof").stat().st_size > 0
    ledger = results["payer_ledger"]
    assert ledger["samples"] == 12 and ledger["target_p95_ms"] == 30.0
    assert 0 < ledger["median_ms"] <= ledger["p95_ms"] <= ledger["max_ms"]
    bench_run.print_table([{"db": "sqlite", "results": results}])
    out = capsys.readouterr().out
    assert "cumulative" in out  # the profile's top functions were printed
    assert "Weekly billing run" in out and "Ledger, 500 entries" in out
    assert "created nothing" in out


def test_a_run_over_its_budget_is_stopped_projected_and_failed(empty: Engine) -> None:
    practice = billing.generate_billing(empty, SMALL)
    # A budget far below what even this small run needs (a forked process, its connections).
    results, _ = billing.time_weekly_run(empty, practice, budget=0.02)
    run, repeat = results["billing_run"], results["billing_repeat"]
    assert run["projected"] is True and run["pass"] is False
    assert run["measured_seconds"] == 0.02 and run["seconds"] >= 0.02
    assert "projected" in run["how"] and repeat == {
        "seconds": 0.02,
        "pass": False,
        "how": "not run",
        "target_seconds": billing.TARGET_REPEAT_SECONDS,
    }
    with Session(empty) as s:  # the stopped worker left whole invoices, never half of one
        for invoice in s.exec(select(Invoice)).all():
            entries = s.exec(
                select(func.sum(LedgerEntry.amount_cents)).where(
                    LedgerEntry.invoice_id == invoice.id
                )
            ).one()
            assert entries == invoice.total_cents - invoice.paid_cents


def test_too_many_sessions_for_the_clinicians_is_refused(tmp_path: Path) -> None:
    engine = core_db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with pytest.raises(ValueError, match="add clinicians"):
            billing.generate_billing(
                engine, billing.Scale(payers=50, sessions=600, clinicians=10, history_weeks=2)
            )
    finally:
        engine.dispose()
