"""An invoice as a document for staff to download: scope-checked and audited.

The document itself is the one the payer sees (`invoice_docs.invoice_document`): lines say
"Session on Tue, Dec 1, 2026", never the service, and the renderer's clinical-text guard runs
before anything is drawn.
"""

from __future__ import annotations

from sqlmodel import Session

from practicerunner.billing.documents import InvoiceDocument
from practicerunner.billing.invoice_docs import invoice_document as payer_document
from practicerunner.billing.models import Invoice
from practicerunner.billing.views import reachable_payer
from practicerunner.clients.access import get_case_for
from practicerunner.core import audit
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm


def invoice_document(session: Session, actor: Actor, invoice_id: int) -> InvoiceDocument:
    """The invoice INVOICE_ID as its payer sees it; NotFound outside the actor's scope. Audited."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("invoice")
    get_case_for(session, actor, invoice.case_id, Perm.BILLING_VIEW)
    who = reachable_payer(session, actor, invoice.payer_key)
    doc = payer_document(session, invoice)
    audit.record(
        session,
        actor,
        "billing.invoice_downloaded",
        record_type="invoice",
        record_id=invoice.id,
        client_id=who.client_id,
    )
    session.commit()
    return doc
