"""What a billing email may say, and how it is worded and rendered.

A billing email names the practice, the invoice number, amounts, dates, the pay link, the
last four digits of a bank account or card, and how to reach the practice — nothing else:
never a service, a CPT code, the case, the clinician or anything clinical. `BillingFacts`
holds only those, already worded, so a template cannot print what it is never given. The
templates live beside the appointment ones (messaging/templates/email/billing_*.txt|html).
"""

from __future__ import annotations

from dataclasses import dataclass

from practicerunner.messaging.content import PracticeFacts, Rendered, template_environment

# kind -> outbox kind code
KINDS: dict[str, str] = {
    "invoice": "billing.invoice",
    "debit_notice": "billing.debit_notice",
    "payment_failed": "billing.payment_failed",
    "staff_payment_failed": "billing.staff_payment_failed",
}


@dataclass(frozen=True)
class BillingFacts:
    """Everything a billing email may say, already worded."""

    practice: PracticeFacts
    number: str  # 'INV-000123'
    amount: str  # '$160.00': what is due, or what the debit / failed payment was
    due_day: str = ""  # 'Fri, Dec 18, 2026'
    pay_url: str = ""
    method: str = ""  # 'your bank account ending 6789', 'your card ending 4242'
    debit_day: str = ""  # 'Mon, Dec 7' (the advance bank-debit notice)
    what_happened: str = ""  # 'was returned by your bank (insufficient funds)'
    returned: bool = False  # a bank transfer came back (vs a card that was declined)
    switched: bool = False  # automatic payment stopped: invoices come by email from now on
    payer_name: str = ""  # for staff: who the invoice is for (the payer, not the client)
    payer_emailed: bool = True  # for staff: whether the payer has an address we wrote to


def kind_code(kind: str) -> str:
    """The outbox `kind` of a billing email: 'invoice' -> 'billing.invoice'."""
    return KINDS[kind]


_SUBJECTS = {
    "invoice": "Invoice {number} from {practice}: {amount} due {due_day}",
    "debit_notice": "{practice} will debit {amount} on {debit_day}",
    "payment_failed": "Your payment for invoice {number} did not go through",
    "staff_payment_failed": "Payment failed for invoice {number} ({payer})",
}


def subject_for(kind: str, facts: BillingFacts) -> str:
    if kind == "invoice" and not facts.due_day:
        template = "Invoice {number} from {practice}: {amount}"
    elif kind == "payment_failed" and facts.switched:
        template = "Automatic payment is off: please pay invoice {number}"
    else:
        template = _SUBJECTS[kind]
    return template.format(
        number=facts.number,
        practice=facts.practice.name,
        amount=facts.amount,
        due_day=facts.due_day,
        debit_day=facts.debit_day,
        payer=facts.payer_name,
    )[:200]


def render_billing(kind: str, facts: BillingFacts, first_name: str) -> Rendered:
    """The subject, text and HTML of a KIND billing email to someone called FIRST_NAME."""
    if kind not in KINDS:
        raise ValueError(f"unknown billing message kind {kind!r}")
    env = template_environment()
    context = {"facts": facts, "practice": facts.practice, "first_name": first_name}
    return Rendered(
        subject=subject_for(kind, facts),
        text=env.get_template(f"email/billing_{kind}.txt").render(context),
        html=env.get_template(f"email/billing_{kind}.html").render(context),
    )
