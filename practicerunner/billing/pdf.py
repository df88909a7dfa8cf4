"""Invoices and statements as PDF bytes (reportlab platypus, US Letter, Helvetica).

Layout: the practice top-left, the document's title and number/date block top-right, the
payer below, then the lines table (its header repeated on every page), the totals, notes and
the pay link. Every page has a footer with the practice's contact and "Page N of M"; M is
known only once the story has flowed, so the canvas keeps each page and draws the footers
when the document is saved.

`invariant=1` fixes reportlab's creation date and document id, so the same view model gives
byte-identical output: a download can be cached, compared or re-sent without drift.
Helvetica is built into every PDF reader and needs no font file; it covers Latin-1 and
Windows-1252 (accents, dashes, curly quotes), not other scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from practicerunner.billing.documents import (
    DocumentLine,
    InvoiceDocument,
    PartyAddress,
    PracticeHeader,
    StatementDocument,
    assert_no_clinical_text,
    period_label,
    short_date,
)
from practicerunner.core.money import format_cents

PAGE_WIDTH, PAGE_HEIGHT = LETTER
MARGIN = 0.75 * inch
FRAME_PADDING = 6  # reportlab's Frame default
FOOTER_GAP = 0.45 * inch  # the footer sits in the bottom margin, below the frame
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
AMOUNT_WIDTH = 1.25 * inch

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
BAND = colors.HexColor("#f0f4f8")
ACCENT = colors.HexColor("#243b53")

FONT = "Helvetica"
BOLD = "Helvetica-Bold"


def _style(name: str, **overrides: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": FONT, "fontSize": 9.5, "leading": 12.5, "textColor": INK}
    base.update(overrides)
    return ParagraphStyle(name, **base)


BODY = _style("body")
BODY_RIGHT = _style("body-right", alignment=TA_RIGHT)
SMALL_MUTED = _style("small-muted", fontSize=8, leading=10, textColor=MUTED)
LABEL = _style("label", fontName=BOLD, fontSize=7.5, leading=10, textColor=MUTED)
HEAD_CELL = _style("head-cell", fontName=BOLD, fontSize=8.5, leading=11, textColor=MUTED)
HEAD_CELL_RIGHT = _style(
    "head-cell-right", fontName=BOLD, fontSize=8.5, leading=11, textColor=MUTED, alignment=TA_RIGHT
)
PRACTICE_NAME = _style("practice-name", fontName=BOLD, fontSize=14, leading=18, textColor=ACCENT)
DOC_TITLE = _style(
    "doc-title", fontName=BOLD, fontSize=22, leading=26, textColor=ACCENT, alignment=TA_RIGHT
)
PARTY_NAME = _style("party-name", fontName=BOLD, fontSize=10.5, leading=14)
NOTE = _style("note", fontSize=9.5, leading=13, textColor=INK)
TOTAL = _style("total", alignment=TA_RIGHT)
TOTAL_STRONG = _style("total-strong", fontName=BOLD, fontSize=12, leading=15, alignment=TA_RIGHT)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain TEXT: Paragraph reads markup, so '&' and '<' are escaped."""
    return Paragraph(escape(text), style)


# --- page furniture ----------------------------------------------------------------------


def _numbered_canvas(footer_text: str, title: str) -> type[Canvas]:
    """A canvas class that holds its pages until save, then draws 'Page N of M' footers.

    The footer repeats the document's TITLE, so a loose page still says which invoice it is.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab calls it by this name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            y = MARGIN - FOOTER_GAP + 12
            self.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)
            self.setFillColor(MUTED)
            self.setFont(FONT, 8)
            self.drawString(MARGIN, y - 11, footer_text)
            self.drawRightString(
                PAGE_WIDTH - MARGIN, y - 11, f"{title}  ·  Page {number} of {total}"
            )
            self.restoreState()

    return NumberedCanvas


def _footer_text(practice: PracticeHeader) -> str:
    return "  ·  ".join(part for part in (practice.name, practice.phone, practice.email) if part)


def _build(
    story: Sequence[Flowable],
    *,
    title: str,
    subject: str,
    practice: PracticeHeader,
) -> bytes:
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        # SimpleDocTemplate's frame pads its content by 6 pt; margins net of it put the
        # text exactly MARGIN from the edge, where the footer is drawn.
        leftMargin=MARGIN - FRAME_PADDING,
        rightMargin=MARGIN - FRAME_PADDING,
        topMargin=MARGIN - FRAME_PADDING,
        bottomMargin=MARGIN - FRAME_PADDING,
        title=title,
        author=practice.name,
        subject=subject,
        creator="PracticeRunner",
        invariant=1,
    )
    canvasmaker: Callable[..., Canvas] = _numbered_canvas(_footer_text(practice), title)
    template.build(list(story), canvasmaker=canvasmaker)
    return buffer.getvalue()


# --- blocks shared by both documents -----------------------------------------------------


def _practice_block(practice: PracticeHeader) -> list[Flowable]:
    block: list[Flowable] = [_p(practice.name, PRACTICE_NAME)]
    details = [*practice.address_lines, practice.phone, practice.email]
    if practice.tax_id:
        details.append(f"Tax ID {practice.tax_id}")
    block.extend(_p(line) for line in details if line)
    return block


def _facts_table(title: str, facts: Sequence[tuple[str, str]]) -> list[Flowable]:
    """The top-right block: a big title over label/value pairs."""
    rows = [[_p(label, SMALL_MUTED), _p(value, BODY_RIGHT)] for label, value in facts]
    # Exactly the masthead's right column: a narrower nested table would sit at its left.
    table = Table(rows, colWidths=[1.3 * inch, 1.7 * inch])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BASELINE"),
                ("ALIGN", (0, 0), (0, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return [_p(title, DOC_TITLE), Spacer(1, 6), table]


def _masthead(practice: PracticeHeader, right: list[Flowable]) -> Table:
    table = Table(
        [[_practice_block(practice), right]],
        colWidths=[CONTENT_WIDTH - 3.0 * inch, 3.0 * inch],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _bill_to(party: PartyAddress, extra: str = "") -> list[Flowable]:
    block: list[Flowable] = [_p("BILL TO", LABEL), Spacer(1, 2), _p(party.name, PARTY_NAME)]
    block.extend(_p(line) for line in (*party.lines, party.email) if line)
    if extra:
        block.extend([Spacer(1, 6), _p(extra, SMALL_MUTED)])
    return block


def _ledger_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Flowable]],
    widths: Sequence[float],
    amounts_from: int,
) -> Table:
    """A calm table: muted header on a band, hairlines between rows, amounts right-aligned.

    Columns from AMOUNTS_FROM on hold money. The header row repeats at the top of every
    page the table flows onto.
    """
    head = [
        _p(text, HEAD_CELL_RIGHT if column >= amounts_from else HEAD_CELL)
        for column, text in enumerate(header)
    ]
    table = Table([head, *rows], colWidths=list(widths), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), BAND),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, RULE),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _totals_table(rows: Sequence[tuple[str, str]], strong_last: bool = True) -> Table:
    """Right-hand label/amount pairs; the last one (what is owed) set larger with a rule."""
    cells = []
    for i, (label, amount) in enumerate(rows):
        strong = strong_last and i == len(rows) - 1
        style = TOTAL_STRONG if strong else TOTAL
        cells.append([_p(label, style), _p(amount, style)])
    table = Table(cells, colWidths=[1.8 * inch, AMOUNT_WIDTH], hAlign="RIGHT")
    commands: list[tuple[Any, ...]] = [
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if strong_last:
        commands += [
            ("LINEABOVE", (0, -1), (-1, -1), 1, ACCENT),
            ("TOPPADDING", (0, -1), (-1, -1), 6),
        ]
    table.setStyle(TableStyle(commands))
    return table


def _notes(notes: Sequence[str], pay_url: str = "") -> list[Flowable]:
    block: list[Flowable] = [_p(note, NOTE) for note in notes if note]
    if pay_url:
        url = escape(pay_url, {'"': "&quot;"})
        block.append(
            Paragraph(
                f'Pay online: <link href="{url}" color="#243b53"><u>{url}</u></link>',
                NOTE,
            )
        )
    if not block:
        return []
    box = Table([[block]], colWidths=[CONTENT_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), BAND),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [Spacer(1, 14), box]


# --- invoices ----------------------------------------------------------------------------


def line_text(line: DocumentLine, show_attendees: bool) -> str:
    """A line's description, with 'Jamie R., Alex R.' appended when attendees are shown."""
    if show_attendees and line.attendees:
        names = ", ".join(attendee.label for attendee in line.attendees)
        return f"{line.description} — {names}"
    return line.description


def invoice_title(doc: InvoiceDocument) -> str:
    """'Invoice INV-2026-0042': the PDF's title and a sensible download name's stem."""
    return f"Invoice {doc.number}"


def render_invoice(doc: InvoiceDocument) -> bytes:
    """The invoice as PDF bytes; the same document always gives the same bytes.

    Raises ClinicalTextRefused (a ValueError) before drawing anything if a text looks clinical.
    """
    assert_no_clinical_text(doc)
    facts = [("Invoice number", doc.number), ("Date issued", short_date(doc.issued_on))]
    if doc.due_on is not None:
        facts.append(("Due date", short_date(doc.due_on)))

    description_width = CONTENT_WIDTH - AMOUNT_WIDTH
    line_rows = [
        [_p(line_text(line, doc.show_attendees)), _p(format_cents(line.amount_cents), BODY_RIGHT)]
        for line in doc.lines
    ]
    story: list[Flowable] = [
        _masthead(doc.practice, _facts_table("Invoice", facts)),
        Spacer(1, 22),
        *_bill_to(doc.bill_to, doc.share_note),
        Spacer(1, 18),
        _ledger_table(["Description", "Amount"], line_rows, [description_width, AMOUNT_WIDTH], 1),
    ]
    if doc.payments:
        payment_rows = [
            [_p(payment.description), _p(format_cents(payment.amount_cents), BODY_RIGHT)]
            for payment in doc.payments
        ]
        story += [
            Spacer(1, 14),
            _ledger_table(
                ["Payments", "Amount"], payment_rows, [description_width, AMOUNT_WIDTH], 1
            ),
        ]
    balance = doc.balance_cents
    last = (
        ("Balance due", format_cents(balance))
        if balance >= 0
        else ("Credit balance", format_cents(-balance))
    )
    totals = _totals_table(
        [
            ("Subtotal", format_cents(doc.subtotal_cents)),
            ("Paid", format_cents(doc.paid_cents)),
            last,
        ]
    )
    story += [Spacer(1, 12), KeepTogether([totals, *_notes([doc.status_note], doc.pay_url)])]
    return _build(story, title=invoice_title(doc), subject="Invoice", practice=doc.practice)


# --- statements --------------------------------------------------------------------------


def statement_title(doc: StatementDocument) -> str:
    """'Statement Nov 1 – Nov 30, 2026'."""
    return f"Statement {period_label(doc.period_start, doc.period_end)}"


def render_statement(doc: StatementDocument) -> bytes:
    """The account statement as PDF bytes; the same document always gives the same bytes.

    Raises ClinicalTextRefused (a ValueError) before drawing anything if a text looks clinical.
    """
    assert_no_clinical_text(doc)
    facts = [
        ("Period", period_label(doc.period_start, doc.period_end)),
        ("Closing balance", format_cents(doc.closing_balance_cents)),
    ]
    date_width = 1.0 * inch
    money_width = 1.05 * inch
    widths = [date_width, CONTENT_WIDTH - date_width - 3 * money_width, *[money_width] * 3]

    def money(cents: int) -> Paragraph:
        # An empty cell reads better than "$0.00" in the column an entry does not use.
        return _p(format_cents(cents) if cents else "", BODY_RIGHT)

    rows: list[list[Flowable]] = [
        [
            _p(short_date(doc.period_start)),
            _p("Opening balance"),
            money(0),
            money(0),
            _p(format_cents(doc.opening_balance_cents), BODY_RIGHT),
        ]
    ]
    for entry, balance in zip(doc.entries, doc.running_balances_cents, strict=True):
        rows.append(
            [
                _p(short_date(entry.on)),
                _p(entry.description),
                money(entry.charge_cents),
                money(entry.payment_cents),
                _p(format_cents(balance), BODY_RIGHT),
            ]
        )
    totals = _totals_table(
        [
            ("Opening balance", format_cents(doc.opening_balance_cents)),
            ("Charges", format_cents(doc.charges_cents)),
            ("Payments", format_cents(doc.payments_cents)),
            ("Closing balance", format_cents(doc.closing_balance_cents)),
        ]
    )
    story: list[Flowable] = [
        _masthead(doc.practice, _facts_table("Statement", facts)),
        Spacer(1, 22),
        *_bill_to(doc.bill_to),
        Spacer(1, 18),
        _ledger_table(["Date", "Description", "Charges", "Payments", "Balance"], rows, widths, 2),
        Spacer(1, 12),
        KeepTogether([totals]),
    ]
    return _build(story, title=statement_title(doc), subject="Statement", practice=doc.practice)
