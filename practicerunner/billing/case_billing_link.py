# mypy: disable-error-code="index, operator, arg-type, attr-defined, union-attr, call-overload"
"""The "Billing" link on the case page, shown to staff who may see the case's billing."""

from __future__ import annotations

import reflex as rx

from practicerunner.core.permissions import Perm
from practicerunner.ui.components import link_button
from practicerunner.ui.session import SessionState


class BillingLinkState(SessionState):
    """Whether the signed-in actor holds billing.view (the case tab checks the case's scope)."""

    can_view_billing: bool = False

    @rx.event
    async def check(self):
        actor = await self.actor(touch=False)
        self.can_view_billing = actor is not None and actor.can(Perm.BILLING_VIEW)


def billing_tab_link(case_id: rx.Var) -> rx.Component:
    """A "Billing" link to /cases/<id>/billing for actors with billing.view."""
    href = "/cases/" + case_id.to_string() + "/billing"
    return rx.box(
        rx.cond(
            BillingLinkState.can_view_billing,
            link_button("Billing", href, "wallet", variant="soft", id="case-billing-link"),
        ),
        on_mount=BillingLinkState.check,
        display="contents",
    )
