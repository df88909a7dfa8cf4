"""How a message leaves: SMTP for email, Twilio for SMS, or kept for the owner to read.

A transport answers each message with an `Outcome`: sent (the server accepted it), kept
(no transport configured), retry later (a transient failure: connection refused or dropped,
a 4xx reply, a timeout) or failed (a permanent refusal: a 5xx reply, an invalid number).
A connection-level failure also says `channel_down`, so the run stops trying that channel
instead of waiting out a timeout per message.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Protocol

from practicerunner.core.settings import Settings
from practicerunner.messaging.models import Channel, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: str  # OutboxStatus.SENT / KEPT / FAILED, or "retry"
    error: str = ""
    channel_down: bool = False


RETRY = "retry"
SENT = Outcome(OutboxStatus.SENT.value)
KEPT = Outcome(OutboxStatus.KEPT.value)


def retry(error: str, *, channel_down: bool = False) -> Outcome:
    return Outcome(RETRY, error[:500], channel_down)


def failed(error: str) -> Outcome:
    return Outcome(OutboxStatus.FAILED.value, error[:500])


@dataclass(frozen=True)
class Sender:
    """Who the practice's messages come from."""

    practice_name: str
    practice_email: str


class Transport(Protocol):
    def send(self, message: OutboxMessage, sender: Sender, now: datetime) -> Outcome: ...

    def close(self) -> None: ...


class KeepTransport:
    """No transport configured: the message is kept for the Outgoing mail screen."""

    def send(self, message: OutboxMessage, sender: Sender, now: datetime) -> Outcome:
        return KEPT

    def close(self) -> None:
        return None


def message_id(message: OutboxMessage, domain: str) -> str:
    """A Message-ID derived from the dedupe key: a re-send after a crash carries the same id,
    so mail systems that drop duplicate ids show the message once."""
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:32]
    return f"<{digest}.pr@{domain}>"


def build_email(
    message: OutboxMessage, sender: Sender, from_address: str, now: datetime
) -> EmailMessage:
    """The MIME message: text and HTML alternatives, From the practice, Reply-To its email."""
    email = EmailMessage()
    email["From"] = formataddr((sender.practice_name, from_address))
    email["To"] = formataddr((message.to_name, message.to_address))
    if sender.practice_email and sender.practice_email.lower() != from_address.lower():
        email["Reply-To"] = formataddr((sender.practice_name, sender.practice_email))
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id(message, from_address.rpartition("@")[2] or "localhost")
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


class SmtpTransport:
    """Email over SMTP, one connection reused for a delivery run."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host and settings.smtp_from
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_username
        self.password = settings.smtp_password or ""
        self.from_address = settings.smtp_from
        self.starttls = settings.smtp_starttls
        self.timeout = settings.smtp_timeout_seconds
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        conn: smtplib.SMTP
        if self.port == 465:
            conn = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            conn.ehlo()
            if self.starttls:
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
        if self.username:
            conn.login(self.username, self.password)
        return conn

    def send(self, message: OutboxMessage, sender: Sender, now: datetime) -> Outcome:
        email = build_email(message, sender, self.from_address, now)
        for attempt in (1, 2):
            reused = self._conn is not None
            if self._conn is None:
                try:
                    self._conn = self._connect()
                except smtplib.SMTPAuthenticationError as exc:
                    return retry(f"SMTP sign-in refused ({exc.smtp_code})", channel_down=True)
                except (OSError, smtplib.SMTPException) as exc:
                    return retry(f"SMTP server unreachable: {exc}", channel_down=True)
            try:
                refused = self._conn.send_message(email)
            except smtplib.SMTPRecipientsRefused as exc:
                code = next(iter(exc.recipients.values()))[0] if exc.recipients else 550
                return _by_code(code, "recipient refused")
            except smtplib.SMTPResponseException as exc:  # sender refused, data refused, …
                if exc.smtp_code == 421:  # the server is closing the connection
                    self._drop()
                    return retry(f"SMTP 421: {_reply_text(exc.smtp_error)}", channel_down=True)
                return _by_code(exc.smtp_code, _reply_text(exc.smtp_error))
            except (OSError, smtplib.SMTPException) as exc:  # disconnected, reset, timed out
                self._drop()
                if reused and attempt == 1 and isinstance(exc, smtplib.SMTPServerDisconnected):
                    continue  # the server closed an idle connection: once more, fresh
                return retry(f"SMTP connection lost: {exc}", channel_down=True)
            if refused:
                code = next(iter(refused.values()))[0]
                return _by_code(code, "recipient refused")
            return SENT
        return retry("SMTP connection lost", channel_down=True)

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # closing a broken socket: nothing more to do
                log.debug("SMTP close failed", exc_info=True)
        self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except Exception:  # the server went away first: the socket is closed below
                log.debug("SMTP quit failed", exc_info=True)
            self._drop()


def _reply_text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _by_code(code: int, text: str) -> Outcome:
    """4xx: try again later; 5xx: the server will never take it."""
    if 400 <= code < 500:
        return retry(f"SMTP {code}: {text}")
    return failed(f"SMTP {code}: {text}")


class TwilioTransport:
    """SMS through Twilio's library (only built when all TWILIO_* settings are present)."""

    def __init__(self, settings: Settings) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.from_number = settings.twilio_from
        self.client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=TwilioHttpClient(timeout=settings.smtp_timeout_seconds),
        )

    def send(self, message: OutboxMessage, sender: Sender, now: datetime) -> Outcome:
        from twilio.base.exceptions import TwilioRestException

        try:
            self.client.messages.create(
                to=message.to_address, from_=self.from_number, body=message.body_text
            )
        except TwilioRestException as exc:
            text = f"Twilio {exc.status}: {exc.msg}"
            if exc.status == 429 or exc.status >= 500:
                return retry(text)
            return failed(text)
        except Exception as exc:  # the HTTP client's network errors
            return retry(f"Twilio unreachable: {type(exc).__name__}", channel_down=True)
        return SENT

    def close(self) -> None:
        return None


def configured_transports(settings: Settings) -> dict[str, Transport]:
    """The transport for each channel: the real one when configured, else kept."""
    email: Transport = SmtpTransport(settings) if settings.smtp_host else KeepTransport()
    sms: Transport = TwilioTransport(settings) if settings.sms_enabled else KeepTransport()
    return {Channel.EMAIL.value: email, Channel.SMS.value: sms}
