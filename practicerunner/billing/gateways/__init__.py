"""Payment gateways: the interface billing calls, Stripe, and the built-in simulated processor.

The implementations live in their own modules so that importing the interface does not load
the stripe library: `stripe_gateway.StripeGateway`, `simulated.SimulatedGateway`.
"""

from practicerunner.billing.gateways.base import (
    CLINICAL_DENY_LIST,
    EVENT_IGNORED,
    EVENT_PAYMENT_FAILED,
    EVENT_PAYMENT_PROCESSING,
    EVENT_PAYMENT_SUCCEEDED,
    EVENT_REFUND_SUCCEEDED,
    EVENT_SETUP_SUCCEEDED,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    ClinicalTextRefused,
    GatewayError,
    GatewayEvent,
    GatewayRequestRefused,
    MethodKind,
    PaymentGateway,
    RefundResult,
    SavedMethod,
    SetupStart,
    WebhookSignatureError,
    bank_date,
    ensure_no_clinical_words,
)

__all__ = [
    "CLINICAL_DENY_LIST",
    "EVENT_IGNORED",
    "EVENT_PAYMENT_FAILED",
    "EVENT_PAYMENT_PROCESSING",
    "EVENT_PAYMENT_SUCCEEDED",
    "EVENT_REFUND_SUCCEEDED",
    "EVENT_SETUP_SUCCEEDED",
    "ChargeRequest",
    "ChargeResult",
    "ChargeStatus",
    "ClinicalTextRefused",
    "GatewayError",
    "GatewayEvent",
    "GatewayRequestRefused",
    "MethodKind",
    "PaymentGateway",
    "RefundResult",
    "SavedMethod",
    "SetupStart",
    "WebhookSignatureError",
    "bank_date",
    "ensure_no_clinical_words",
]
