"""The signed pay link: a token naming one invoice until a day, and the URL that carries it.

A token is `<payload>.<mac>`, both unpadded base64url: the payload is the invoice id and the
expiry (Unix seconds) as two big-endian 64-bit numbers; the MAC is HMAC-SHA256 over a
versioned label and the payload, with a key derived from the installation's secret key. The
database keeps nothing: the link is its own proof, and changing the secret key retires every
link at once. No library for this is installed (itsdangerous would be the usual choice), so it
is written out here with the two traps handled: the MAC is compared in constant time, and
only the canonical base64 spelling is accepted (base64 decoders skip stray characters and
ignore spare low bits, which would let an altered token decode to the same bytes).

Every way a token can be wrong — altered, signed with another key, expired, malformed, or
naming an invoice that no longer exists — is one error, `PayLinkInvalid`, and one calm
sentence for the payer, so the page tells a guesser nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from datetime import datetime, timedelta

from practicerunner.core import clock
from practicerunner.core.settings import get_settings

LINK_DAYS = 30  # a pay link works for thirty days from when it is made
_LABEL = b"practicerunner.billing.paylink.v1"
_PAYLOAD = struct.Struct(">QQ")  # invoice id, expiry in Unix seconds


class PayLinkInvalid(Exception):
    """A pay link that is altered, expired, malformed or names no invoice."""


def _key(secret: str | None = None) -> bytes:
    # A key of its own, derived from the secret: a MAC made for anything else that uses the
    # secret can never pass as a pay link.
    raw = (secret if secret is not None else get_settings().secret_key).encode()
    return hmac.new(raw, _LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Decode unpadded base64url, accepting only the one spelling `_b64` would write."""
    try:
        raw = text.encode("ascii")
        data = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise PayLinkInvalid("malformed") from exc
    if _b64(data) != text:
        raise PayLinkInvalid("malformed")
    return data


def _mac(payload: bytes, secret: str | None) -> bytes:
    return hmac.new(_key(secret), payload, hashlib.sha256).digest()


def make_token(invoice_id: int, expires_at: datetime, *, secret: str | None = None) -> str:
    """A token for INVOICE_ID that works until EXPIRES_AT (aware), signed with the secret key."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    if invoice_id <= 0:
        raise ValueError("invoice_id must be positive")
    payload = _PAYLOAD.pack(invoice_id, int(expires_at.timestamp()))
    return f"{_b64(payload)}.{_b64(_mac(payload, secret))}"


def read_token(token: str, now: datetime | None = None, *, secret: str | None = None) -> int:
    """The invoice id TOKEN names; PayLinkInvalid if altered, expired or malformed."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 200:
        raise PayLinkInvalid("malformed")
    head, tail = token.split(".")
    payload, mac = _unb64(head), _unb64(tail)
    if len(payload) != _PAYLOAD.size:
        raise PayLinkInvalid("malformed")
    if not hmac.compare_digest(mac, _mac(payload, secret)):
        raise PayLinkInvalid("signature")
    invoice_id, expires = _PAYLOAD.unpack(payload)
    moment = now if now is not None else clock.now()
    if moment.timestamp() >= expires:
        raise PayLinkInvalid("expired")
    if invoice_id <= 0:
        raise PayLinkInvalid("malformed")
    return int(invoice_id)


def link_expiry(now: datetime | None = None) -> datetime:
    """When a link made NOW stops working."""
    return (now or clock.now()) + timedelta(days=LINK_DAYS)


def pay_path(invoice_id: int, expires_at: datetime | None = None) -> str:
    """'/pay/<token>' for INVOICE_ID (thirty days by default)."""
    return f"/pay/{make_token(invoice_id, expires_at or link_expiry())}"


def pay_url(invoice_id: int, expires_at: datetime | None = None) -> str:
    """The full pay link for INVOICE_ID: f'{public_url}/pay/{token}'."""
    return f"{get_settings().public_url}{pay_path(invoice_id, expires_at)}"


def invalid_message(practice_name: str) -> str:
    """The one sentence every bad link gets."""
    who = practice_name.strip() or "the practice"
    return f"This payment link is no longer valid. Please contact {who} for a new one."
