"""Invoice and statement PDFs, read back with pypdf as a payer's PDF reader would."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from practicerunner.billing.documents import (
    BANK_TRANSFER_DISCOUNT,
    Attendee,
    ClinicalTextRefused,
    DocumentLine,
    InvoiceDocument,
    PartyAddress,
    PracticeHeader,
    StatementDocument,
    StatementEntry,
    assert_no_clinical_text,
    cancelled_credit_description,
    payment_description,
    session_description,
)
from practicerunner.billing.pdf import render_invoice, render_statement
from practicerunner.core.money import format_cents, parse_dollars

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

PRACTICE = PracticeHeader(
    name="Willow Creek Counseling",
    address_lines=("1200 Elm Street, Suite 4", "Austin, TX 78701"),
    phone="(512) 555-0134",
    email="billing@willowcreek.example",
    tax_id="12-3456789",
)
PAYER = PartyAddress(
    name="Morgan Whitaker",
    lines=("44 Oak Lane", "Austin, TX 78704"),
    email="morgan@example.com",
)
DEC_1 = date(2026, 12, 1)
FAMILY = (Attendee("Jamie", "Okafor"), Attendee("Alex", "Okafor"))


def invoice(**changes: object) -> InvoiceDocument:
    """Two sessions with bank-transfer discounts, a credit and one card payment."""
    dec_8 = DEC_1 + timedelta(days=7)
    values: dict[str, object] = {
        "practice": PRACTICE,
        "bill_to": PAYER,
        "number": "INV-2026-0042",
        "issued_on": date(2026, 12, 31),
        "due_on": date(2027, 1, 14),
        "lines": (
            DocumentLine(DEC_1, session_description(DEC_1), 15_000, FAMILY),
            DocumentLine(DEC_1, BANK_TRANSFER_DISCOUNT, -1_000),
            DocumentLine(dec_8, session_description(dec_8), 15_000, FAMILY),
            DocumentLine(dec_8, BANK_TRANSFER_DISCOUNT, -1_000),
            DocumentLine(
                date(2026, 11, 24), cancelled_credit_description(date(2026, 11, 24)), -7_550
            ),
        ),
        "payments": (
            DocumentLine(date(2027, 1, 2), payment_description(date(2027, 1, 2), "card"), 10_025),
        ),
        "status_note": "Bank transfer processing until Wed, Dec 2, 2026",
        "pay_url": "https://pay.willowcreek.example/i/abc123",
        "share_note": "Your share: 50% of each session fee",
    }
    values.update(changes)
    return InvoiceDocument(**values)  # type: ignore[arg-type]


def statement(**changes: object) -> StatementDocument:
    """November: four weekly sessions, each paid by card two days later but the last."""
    entries: list[StatementEntry] = []
    for week in range(4):
        on = date(2026, 11, 3) + timedelta(days=7 * week)
        entries.append(StatementEntry(on, session_description(on), 15_000, 0))
        if week < 3:
            paid_on = on + timedelta(days=2)
            entries.append(StatementEntry(paid_on, payment_description(paid_on, "card"), 0, 15_000))
    values: dict[str, object] = {
        "practice": PRACTICE,
        "bill_to": PAYER,
        "period_start": date(2026, 11, 1),
        "period_end": date(2026, 11, 30),
        "opening_balance_cents": 4_500,
        "entries": tuple(entries),
    }
    values.update(changes)
    return StatementDocument(**values)  # type: ignore[arg-type]


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace made single spaces (cells split lines)."""
    reader = PdfReader(BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def amount_after(label: str, text: str) -> str:
    """The amount printed right after LABEL ('Balance due $285.00' -> '$285.00')."""
    match = re.search(re.escape(label) + r" (-?\$[\d,]+\.\d\d)", text)
    assert match is not None, f"no {label!r} amount in {text!r}"
    return match[1]


# --- invoices ----------------------------------------------------------------------------


def test_it_shows_who_what_when_and_how_much() -> None:
    doc = invoice()

    (text,) = pages_text(render_invoice(doc))

    for expected in (
        "Invoice",
        "INV-2026-0042",
        "Willow Creek Counseling",
        "(512) 555-0134",
        "billing@willowcreek.example",
        "Tax ID 12-3456789",
        "Morgan Whitaker",
        "44 Oak Lane",
        "Dec 31, 2026",  # issued
        "Jan 14, 2027",  # due
        "Session on Tue, Dec 1, 2026 $150.00",
        "Bank transfer discount -$10.00",
        "Credit from cancelled session on Tue, Nov 24, 2026 -$75.50",
        "Payment by card on Sat, Jan 2, 2027 $100.25",
        "Your share: 50% of each session fee",
        "Bank transfer processing until Wed, Dec 2, 2026",
        "Pay online: https://pay.willowcreek.example/i/abc123",
        "Page 1 of 1",
    ):
        assert expected in text
    subtotal = parse_dollars(amount_after("Subtotal", text))
    paid = parse_dollars(amount_after("Paid", text))
    balance = parse_dollars(amount_after("Balance due", text))
    # 2 x 150.00 - 2 x 10.00 - 75.50 = 204.50; paid 100.25
    assert (subtotal, paid) == (20_450, 10_025)
    assert balance == subtotal - paid == doc.balance_cents


def test_it_sets_title_and_author_metadata() -> None:
    reader = PdfReader(BytesIO(render_invoice(invoice())))

    assert reader.metadata is not None
    assert reader.metadata.title == "Invoice INV-2026-0042"
    assert reader.metadata.author == "Willow Creek Counseling"
    assert reader.pages[0].mediabox.width == 612  # US Letter, 8.5 x 11 in
    assert reader.pages[0].mediabox.height == 792


def test_it_names_attendees_by_first_name_and_initial_only_when_asked() -> None:
    hidden = pages_text(render_invoice(invoice(show_attendees=False)))[0]
    shown = pages_text(render_invoice(invoice(show_attendees=True)))[0]

    assert "Jamie" not in hidden
    assert "Session on Tue, Dec 1, 2026 — Jamie O., Alex O. $150.00" in shown
    assert "Okafor" not in shown


def test_it_leaves_out_absent_optional_parts() -> None:
    doc = invoice(payments=(), status_note="", pay_url="", share_note="", due_on=None)

    (text,) = pages_text(render_invoice(doc))

    assert "Pay online" not in text
    assert "Due date" not in text
    assert "Payments" not in text
    assert amount_after("Paid", text) == "$0.00"
    assert amount_after("Balance due", text) == format_cents(doc.subtotal_cents)


def test_an_overpaid_invoice_shows_a_credit_balance() -> None:
    doc = invoice(payments=(DocumentLine(DEC_1, "Payment by card", 25_000),))

    (text,) = pages_text(render_invoice(doc))

    assert "Balance due" not in text
    assert amount_after("Credit balance", text) == "$45.50"  # 250.00 - 204.50


def test_text_that_looks_like_markup_is_printed_as_typed() -> None:
    payer = PartyAddress("Smith & Jones <Billing>", ("1 A&B Road",), "ap@smith-jones.example")

    (text,) = pages_text(render_invoice(invoice(bill_to=payer)))

    assert "Smith & Jones <Billing>" in text
    assert "1 A&B Road" in text


def test_a_long_invoice_flows_over_pages_with_the_header_repeated() -> None:
    lines = tuple(
        DocumentLine(
            DEC_1 + timedelta(days=i), session_description(DEC_1 + timedelta(days=i)), 10_000 + i
        )
        for i in range(120)
    )
    doc = invoice(lines=lines, payments=())

    pages = pages_text(render_invoice(doc))

    total = len(pages)
    assert total > 1
    for number, text in enumerate(pages, start=1):
        assert text.startswith("Description Amount") or number == 1
        assert "Description Amount" in text
        assert f"Invoice INV-2026-0042 · Page {number} of {total}" in text
    everything = " ".join(pages)
    for line in lines:
        assert f"{line.description} {format_cents(line.amount_cents)}" in everything
    # Totals come once, after the last line.
    assert everything.count("Balance due") == 1
    assert "Balance due" in pages[-1]
    assert amount_after("Balance due", pages[-1]) == format_cents(sum(range(10_000, 10_120)))


def test_the_same_invoice_gives_the_same_bytes() -> None:
    first = render_invoice(invoice())
    again = render_invoice(invoice())
    other = render_invoice(invoice(number="INV-2026-0043"))

    assert first == again
    assert first != other


def test_the_same_invoice_gives_the_same_bytes_in_another_process() -> None:
    # Another worker (fresh interpreter, other object ids, other clock) must agree too.
    script = (
        "import hashlib, sys\n"
        "from tests.unit.test_billing_pdf import invoice\n"
        "from practicerunner.billing.pdf import render_invoice\n"
        "sys.stdout.write(hashlib.sha256(render_invoice(invoice())).hexdigest())\n"
    )
    elsewhere = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout

    assert elsewhere == hashlib.sha256(render_invoice(invoice())).hexdigest()


amounts = st.integers(min_value=-50_000, max_value=2_000_000)


@settings(max_examples=40, deadline=None)
@given(
    line_amounts=st.lists(amounts, min_size=1, max_size=12),
    payment_amounts=st.lists(st.integers(min_value=1, max_value=2_000_000), max_size=4),
)
def test_the_printed_totals_are_the_arithmetic_of_the_lines(
    line_amounts: list[int], payment_amounts: list[int]
) -> None:
    doc = invoice(
        lines=tuple(DocumentLine(DEC_1, "Session on Tue, Dec 1, 2026", a) for a in line_amounts),
        payments=tuple(DocumentLine(DEC_1, "Payment by card", a) for a in payment_amounts),
    )

    # Twelve lines, payments and the notes may take a second page: read them all.
    text = " ".join(pages_text(render_invoice(doc)))

    balance = sum(line_amounts) - sum(payment_amounts)
    assert amount_after("Subtotal", text) == format_cents(sum(line_amounts))
    assert amount_after("Paid", text) == format_cents(sum(payment_amounts))
    if balance >= 0:
        assert amount_after("Balance due", text) == format_cents(balance)
    else:
        assert amount_after("Credit balance", text) == format_cents(-balance)


# --- the clinical-text guard -------------------------------------------------------------

CLINICAL = [
    "Psychotherapy 53 min (90837)",
    "Individual therapy",
    "90834",
    "CPT 90791 intake",
    "ICD-10 F41.1",
    "Diagnosis: generalized anxiety",
    "Session notes",
    "Note: see chart",
    "Initial assessment",
    "Session with Dana Whitfield, LCSW",
]
BILLING = [
    "Session on Tue, Dec 1, 2026",
    "Bank transfer discount",
    "Credit from cancelled session on Tue, Dec 1, 2026",
    "Payment by card on Wed, Dec 2, 2026",
    "Session at the Nottingham office",
    "Late cancellation fee",
    "Suite 9083",
]


@pytest.mark.parametrize("text", CLINICAL)
def test_the_guard_refuses_clinical_line_text(text: str) -> None:
    doc = invoice(lines=(DocumentLine(DEC_1, text, 15_000),))

    with pytest.raises(ValueError) as refused:
        render_invoice(doc)

    assert isinstance(refused.value, ClinicalTextRefused)
    # The refusal may be logged: it names the place, not the clinical text.
    assert text not in str(refused.value)
    assert "lines[0]" in str(refused.value)


@pytest.mark.parametrize("text", BILLING)
def test_the_guard_accepts_billing_text(text: str) -> None:
    doc = invoice(lines=(DocumentLine(DEC_1, text, 15_000),))

    assert_no_clinical_text(doc)
    assert text in pages_text(render_invoice(doc))[0]


def test_the_guard_reads_notes_payments_and_statement_entries_too() -> None:
    with pytest.raises(ClinicalTextRefused, match="status_note"):
        render_invoice(invoice(status_note="Waiting on the treatment assessment"))
    with pytest.raises(ClinicalTextRefused, match="payments"):
        render_invoice(invoice(payments=(DocumentLine(DEC_1, "Paid for therapy", 100),)))
    entry = StatementEntry(date(2026, 11, 3), "Psychotherapy 53 min (90837)", 15_000, 0)
    with pytest.raises(ClinicalTextRefused, match="entries"):
        render_statement(statement(entries=(entry,)))


# --- statements --------------------------------------------------------------------------


def test_a_statement_shows_each_entry_with_its_running_balance() -> None:
    doc = statement()

    (text,) = pages_text(render_statement(doc))

    for expected in (
        "Statement",
        "Nov 1 – Nov 30, 2026",
        "Willow Creek Counseling",
        "Morgan Whitaker",
        "Nov 1, 2026 Opening balance $45.00",
        "Nov 3, 2026 Session on Tue, Nov 3, 2026 $150.00 $195.00",
        "Nov 5, 2026 Payment by card on Thu, Nov 5, 2026 $150.00 $45.00",
        "Nov 24, 2026 Session on Tue, Nov 24, 2026 $150.00 $195.00",
        "Page 1 of 1",
    ):
        assert expected in text
    # 45.00 + 4 x 150.00 - 3 x 150.00
    assert amount_after("Charges", text) == "$600.00"
    assert amount_after("Payments", text) == "$450.00"
    assert amount_after("Closing balance", text) == "$195.00"
    assert doc.closing_balance_cents == 19_500
    reader = PdfReader(BytesIO(render_statement(doc)))
    assert reader.metadata is not None
    assert reader.metadata.title == "Statement Nov 1 – Nov 30, 2026"
    assert reader.metadata.author == "Willow Creek Counseling"


def test_the_same_statement_gives_the_same_bytes() -> None:
    assert render_statement(statement()) == render_statement(statement())


@settings(max_examples=25, deadline=None)
@given(
    opening=st.integers(min_value=-100_000, max_value=100_000),
    moves=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=29),
            st.integers(min_value=0, max_value=500_000),
            st.integers(min_value=0, max_value=500_000),
        ),
        max_size=10,
    ),
)
def test_a_statements_balances_follow_its_entries(
    opening: int, moves: list[tuple[int, int, int]]
) -> None:
    entries = tuple(
        StatementEntry(date(2026, 11, 1) + timedelta(days=d), "Session", charge, payment)
        for d, charge, payment in sorted(moves)
    )
    doc = statement(opening_balance_cents=opening, entries=entries)

    (text,) = pages_text(render_statement(doc))

    expected = opening
    for entry, balance in zip(entries, doc.running_balances_cents, strict=True):
        expected += entry.charge_cents - entry.payment_cents
        assert balance == expected
    assert doc.closing_balance_cents == expected
    assert amount_after("Closing balance", text) == format_cents(expected)


# --- view-model rules --------------------------------------------------------------------


def test_money_must_be_integer_cents() -> None:
    with pytest.raises(TypeError):
        DocumentLine(DEC_1, "Session", 150.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        StatementEntry(DEC_1, "Session", 15_000, True)  # type: ignore[arg-type]


def test_dates_must_make_sense() -> None:
    with pytest.raises(ValueError, match="due before"):
        invoice(due_on=date(2026, 12, 30))
    outside = StatementEntry(date(2026, 12, 1), "Session", 15_000, 0)
    with pytest.raises(ValueError, match="inside the statement period"):
        statement(entries=(outside,))
    first, second = statement().entries[:2]
    with pytest.raises(ValueError, match="date order"):
        statement(entries=(second, first))


def test_an_attendee_is_first_name_and_last_initial() -> None:
    assert Attendee("Jamie", "okafor").label == "Jamie O."
    assert Attendee("Jamie", "").label == "Jamie"
    assert replace(invoice(), show_attendees=True).lines[0].attendees[0].label == "Jamie O."


# --- a look at the pages -----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_it_renders_first_pages_to_png_for_a_look() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, pdf in (
        ("invoice", render_invoice(invoice(show_attendees=True))),
        ("statement", render_statement(statement())),
    ):
        source = SCREENSHOTS / f"{name}.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "100", "-singlefile", str(source), str(SCREENSHOTS / name)],
            check=True,
        )
        png = (SCREENSHOTS / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG")
        assert len(png) > 10_000  # a blank page compresses to a few hundred bytes
