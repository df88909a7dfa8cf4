"""The client list: every word of the search must match, within the actor's scope."""

from __future__ import annotations

import math
import re

from sqlalchemy import func
from sqlmodel import Session, col, select

from practicerunner.clients.access import client_filter
from practicerunner.clients.models import Client
from practicerunner.clients.people import long_date
from practicerunner.clients.service.views import STATUS_LABELS, ClientPage, ClientRow
from practicerunner.core import validation
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Staff

MAX_PER_PAGE = 100


def _like_term(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_terms(query: str) -> list[str]:
    """LIKE patterns that must all match Client.search_text."""
    query = (query or "").strip()
    if not query:
        return []
    if not any(c.isalpha() for c in query) and any(c.isdigit() for c in query):
        # A phone number in any punctuation: match its national digits.
        digits = re.sub(r"\D", "", query)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        return [_like_term(digits)]
    return [_like_term(validation.name_key(word)) for word in query.split() if word.strip()]


def search_clients(
    session: Session,
    actor: Actor,
    query: str = "",
    status: str | None = None,
    clinician_id: int | None = None,
    page: int = 1,
    per_page: int = 25,
) -> ClientPage:
    """Clients in ACTOR's scope matching every word of QUERY, by last then first name."""
    actor.require(Perm.CLIENT_VIEW)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    conditions = [client_filter(actor, Perm.CLIENT_VIEW)]
    conditions += [col(Client.search_text).like(t, escape="\\") for t in _search_terms(query)]
    if status:
        conditions.append(col(Client.status) == status)
    if clinician_id is not None:
        conditions.append(col(Client.clinician_id) == clinician_id)
    query_rows = (
        select(  # type: ignore[call-overload]  # sqlmodel types only 4 columns
            col(Client.id),
            Client.legal_first_name,
            Client.legal_last_name,
            Client.preferred_name,
            Client.date_of_birth,
            Client.email,
            Client.phone,
            Client.status,
            Staff.full_name,
            # The total rides along with the page: one scan of the scope filter, not two.
            func.count().over().label("total"),
        )
        .outerjoin(Staff, col(Staff.id) == Client.clinician_id)
        .where(*conditions)
        .order_by(Client.last_name_key, Client.first_name_key, Client.id)
        .limit(per_page)
    )
    page = max(1, page)
    rows = session.exec(query_rows.offset((page - 1) * per_page)).all()
    if rows:
        total = int(rows[0][-1])
    else:
        total = session.exec(select(func.count()).select_from(Client).where(*conditions)).one()
    pages = max(1, math.ceil(total / per_page))
    if not rows and page > pages:
        # Past the end (say the list shrank since the link was made): show the last page.
        page = pages
        rows = session.exec(query_rows.offset((page - 1) * per_page)).all()
    return ClientPage(
        rows=[
            ClientRow(
                id=int(cid),  # type: ignore[arg-type]
                display_name=f"{preferred or first} {last}",
                legal_name=f"{first} {last}",
                date_of_birth=dob.isoformat(),
                born=long_date(dob),
                email=email,
                phone=validation.format_phone(phone),
                status=status_,
                status_label=STATUS_LABELS.get(status_, status_),
                clinician_name=clinician or "",
            )
            for cid, first, last, preferred, dob, email, phone, status_, clinician, _total in rows
        ],
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
    )
