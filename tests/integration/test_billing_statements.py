"""Statements as PDFs: GET /billing/payers/<payer>/statement.pdf through the app's own routes
(Starlette's TestClient), signed in as staff. The PDF's text is checked against the ledger
table itself: opening balance, every entry, the running balance after each, the closing one."""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import func
from sqlmodel import Session, col, select

from practicerunner.auth.service import complete_sign_in, start_sign_in
from practicerunner.billing.collect import ManualPayment, record_manual_payment
from practicerunner.billing.invoice_docs import (
    default_statement_period,
    months_before,
    statement_period,
)
from practicerunner.billing.models import LedgerEntry
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import ValidationFailed
from practicerunner.core.money import format_cents
from practicerunner.ui.routes import SESSION_COOKIE, payer_url
from tests.integration.billing_support import invoices_of, seen
from tests.personas import PASSWORD

NOW = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)  # Friday Dec 4, 3 pm in Los Angeles
CLINICAL = ("therapy", "Therapy", "90837", "Carl Chen", "Individual", "CPT")


@pytest.fixture
def client(engine):  # type: ignore[no-untyped-def]
    from practicerunner.practicerunner import api

    with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx works the same here
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    with TestClient(api) as c, clock.frozen_at(NOW):
        yield c


def signed_in(client, session: Session, email: str) -> None:  # type: ignore[no-untyped-def]
    handoff = start_sign_in(session, email, PASSWORD, ip="testclient")
    token = complete_sign_in(session, handoff.code)  # type: ignore[union-attr]
    session.commit()
    assert token
    client.cookies.set(SESSION_COOKIE, token)


def pdf_text(body: bytes) -> str:
    """The PDF's words with each run of whitespace as one space (cells come out line by line)."""
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    return " ".join(text.split())


def url(key: str, start: str | None = None, end: str | None = None) -> str:
    query = "&".join(f"{k}={v}" for k, v in (("from", start), ("to", end)) if v is not None)
    return f"{payer_url(key)}/statement.pdf" + (f"?{query}" if query else "")


@pytest.fixture
def billed(session: Session, people) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Carl's client: two November weeks billed and partly paid, then a December week billed."""
    with clock.frozen_at(NOW):
        save_policy(session, people.owner, "practice", None, PolicyForm(weekday="4"))
        case = people.cases["clinician"]
        for day in (date(2026, 11, 3), date(2026, 11, 10), date(2026, 12, 1), date(2026, 12, 2)):
            seen(session, people, case, day, 9)
        run_billing(session, date(2026, 11, 6))
        run_billing(session, date(2026, 11, 13))
        run_billing(session, date(2026, 12, 4))
        first = invoices_of(session, case)[0]
        record_manual_payment(
            session,
            people.biller,
            ManualPayment(int(first.id), "100.00", "check", "2026-11-20", "1021"),  # type: ignore[arg-type]
        )
        record_manual_payment(
            session,
            people.biller,
            ManualPayment(int(first.id), "25.00", "cash", "2026-12-03", ""),  # type: ignore[arg-type]
        )
        key = first.payer_key
        session.commit()
        yield key


def ledger_rows(session: Session, key: str, start: date, end: date) -> tuple[int, list]:  # type: ignore[type-arg]
    opening = session.exec(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.payer_key == key, col(LedgerEntry.entry_on) < start
        )
    ).one()
    rows = session.exec(
        select(LedgerEntry)
        .where(
            LedgerEntry.payer_key == key,
            col(LedgerEntry.entry_on) >= start,
            col(LedgerEntry.entry_on) <= end,
        )
        .order_by(col(LedgerEntry.entry_on), col(LedgerEntry.id))
    ).all()
    session.rollback()
    return int(opening), list(rows)


def test_the_statement_pdf_reads_like_the_ledger(client, session: Session, people, billed) -> None:  # type: ignore[no-untyped-def]
    signed_in(client, session, "bill@willow.test")
    reply = client.get(url(billed, "2026-11-21", "2026-12-04"))
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers["cache-control"] == "private, no-store"
    text = pdf_text(reply.content)

    opening, rows = ledger_rows(session, billed, date(2026, 11, 21), date(2026, 12, 4))
    # November's sessions less November's check were owed before the period.
    assert opening > 0 and len(rows) >= 3
    assert "Period Nov 21 – Dec 4, 2026" in text
    assert f"Nov 21, 2026 Opening balance {format_cents(opening)}" in text
    running = list(accumulate((r.amount_cents for r in rows), initial=opening))[1:]
    # Each entry in ledger order: its date, its words, its amount, then the balance after it.
    at = text.index("Opening balance")
    for row, after in zip(rows, running, strict=True):
        expected = (
            f"{row.entry_on:%b %-d, %Y} {row.description} "
            f"{format_cents(abs(row.amount_cents))} {format_cents(after)}"
        )
        found = text.find(expected, at)
        assert found > at, (expected, text)
        at = found + len(expected)
    closing = running[-1]
    total = session.exec(
        select(func.sum(LedgerEntry.amount_cents)).where(LedgerEntry.payer_key == billed)
    ).one()
    session.rollback()
    assert closing == total  # the period ends today: the closing balance is what is owed now
    assert f"Closing balance {format_cents(closing)}" in text
    payments = -sum(r.amount_cents for r in rows if r.amount_cents < 0)
    charges = sum(r.amount_cents for r in rows if r.amount_cents > 0)
    assert f"Charges {format_cents(charges)} Payments {format_cents(payments)}" in text
    assert "Check (1021)" not in text  # November's check falls before the period
    for word in CLINICAL:
        assert word not in text


def test_the_download_is_audited(client, session: Session, people, billed) -> None:  # type: ignore[no-untyped-def]
    signed_in(client, session, "olivia@willow.test")
    assert client.get(url(billed, "2026-11-01", "2026-11-30")).status_code == 200
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "billing.statement_downloaded")
    ).all()
    assert len(events) == 1
    assert events[0].client_id == people.clients["clinician"].id
    detail = json.loads(events[0].detail) if isinstance(events[0].detail, str) else events[0].detail
    assert (detail["from"], detail["to"]) == ("2026-11-01", "2026-11-30")


def test_with_no_dates_it_covers_the_last_three_months(
    client, session: Session, people, billed
) -> None:  # type: ignore[no-untyped-def]
    signed_in(client, session, "bill@willow.test")
    reply = client.get(url(billed))
    assert reply.status_code == 200
    assert 'filename="statement-client-' in reply.headers["content-disposition"]
    assert "2026-09-05-to-2026-12-04.pdf" in reply.headers["content-disposition"]
    text = pdf_text(reply.content)
    assert "Opening balance $0.00" in text  # nothing was owed before September 5
    assert "Check (1021)" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-12-04&to=2026-11-01", "The end date is before the start date."),
        ("from=2026-13-01&to=2026-12-01", "The start date 2026-13-01 is not a real day."),
        ("from=yesterday", "Give the start date as YYYY-MM-DD."),
        ("to=04/12/2026", "Give the end date as YYYY-MM-DD."),
        ("from=20261101", "Give the start date as YYYY-MM-DD."),
    ],
)
def test_bad_or_reversed_dates_are_a_plain_400(  # type: ignore[no-untyped-def]
    client, session: Session, people, billed, query: str, message: str
) -> None:
    signed_in(client, session, "bill@willow.test")
    reply = client.get(f"{payer_url(billed)}/statement.pdf?{query}")
    assert reply.status_code == 400
    assert reply.headers["content-type"].startswith("text/plain")
    assert reply.text.strip() == message
    assert (
        session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "billing.statement_downloaded")
        ).one()
        == 0
    )


def test_a_payer_out_of_reach_is_not_found(client, session: Session, people, billed) -> None:  # type: ignore[no-untyped-def]
    # Sam supervises associates but does not see Carl's client.
    signed_in(client, session, "sam@willow.test")
    assert client.get(url(billed, "2026-11-01", "2026-12-04")).status_code == 404
    assert client.get(url(billed, "bad", "dates")).status_code == 404  # scope before dates
    signed_in(client, session, "carl@willow.test")  # his own client: yes
    assert client.get(url(billed, "2026-11-01", "2026-12-04")).status_code == 200
    assert client.get(url("client:999999")).status_code == 404
    assert client.get("/billing/payers/someone-1/statement.pdf").status_code == 404


def test_signed_out_is_sent_to_sign_in(client, billed) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(url(billed), follow_redirects=False)
    assert reply.status_code == 303 and "/sign-in" in reply.headers["location"]


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2999, 12, 31)))
def test_three_months_back_is_three_calendar_months(today: date) -> None:
    earlier = months_before(today, 3)
    assert (today.year * 12 + today.month) - (earlier.year * 12 + earlier.month) == 3
    assert earlier.day == today.day or (
        earlier.day < today.day and (earlier + timedelta(days=1)).day == 1
    )
    start, end = default_statement_period(today)
    assert end == today and 89 <= (end - start).days + 1 <= 92  # days in the period
    assert statement_period(None, "", today) == (start, end)
    assert statement_period(start.isoformat(), end.isoformat(), today) == (start, end)


def test_a_period_may_be_a_single_day_but_not_reversed() -> None:
    day = date(2026, 2, 28)
    assert statement_period("2026-02-28", "2026-02-28", day) == (day, day)
    with pytest.raises(ValidationFailed) as caught:
        statement_period("2026-03-01", "2026-02-28", day)
    assert caught.value.errors == {"to": "The end date is before the start date."}
    with pytest.raises(ValidationFailed):
        statement_period("2026-02-29", None, day)
