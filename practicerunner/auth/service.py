"""Sign-in, sessions and lockout.

Passwords are hashed with argon2id. A session's token lives only in the browser's HttpOnly
cookie; the database keeps its SHA-256. Sessions end after an idle period (default 30 min)
and an absolute lifetime (default 12 h), on sign-out, and when the staff member is
deactivated. Five failed attempts within 15 minutes lock the account for 15 minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from practicerunner.auth.models import SignInAttempt, UserSession
from practicerunner.core import audit, clock
from practicerunner.core.errors import DomainError
from practicerunner.core.permissions import Actor, Role
from practicerunner.core.settings import get_settings
from practicerunner.practice.models import Staff, StaffRole
from practicerunner.supervision.models import ProviderSupervisor

LOCK_AFTER_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
HANDOFF_LIFETIME = timedelta(seconds=60)
TOUCH_EVERY = timedelta(seconds=30)

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


class SignInFailed(DomainError):
    def __init__(self) -> None:
        super().__init__("sign_in_failed", "Email or password is incorrect.", "password")


class AccountLocked(DomainError):
    def __init__(self, until: datetime) -> None:
        self.until = until
        minutes = max(1, int((until - clock.now()).total_seconds() // 60) + 1)
        super().__init__(
            "account_locked",
            "Too many failed sign-in attempts. This account is locked for "
            f"{minutes} more minute{'s' if minutes != 1 else ''}; "
            "try again later or ask the practice owner.",
            "email",
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def actor_for(
    session: Session, staff: Staff, *, ip: str = "", session_id: int | None = None
) -> Actor:
    """The Actor for STAFF: their roles and the associates they supervise."""
    assert staff.id is not None
    roles = session.exec(select(StaffRole.role).where(StaffRole.staff_id == staff.id)).all()
    supervisees = session.exec(
        select(ProviderSupervisor.associate_id).where(ProviderSupervisor.supervisor_id == staff.id)
    ).all()
    return Actor(
        staff_id=staff.id,
        name=staff.full_name,
        roles=frozenset(Role(r) for r in roles),
        supervisee_ids=frozenset(supervisees),
        ip=ip,
        session_id=session_id,
    )


def _record_attempt(
    session: Session, email: str, staff: Staff | None, succeeded: bool, ip: str
) -> None:
    session.add(
        SignInAttempt(
            email=email,
            staff_id=staff.id if staff else None,
            succeeded=succeeded,
            at=clock.now(),
            ip=ip[:64],
        )
    )


def _recent_failures(session: Session, staff: Staff, now: datetime) -> int:
    since = now - FAILURE_WINDOW
    if staff.locked_until is not None and staff.locked_until > since:
        since = staff.locked_until
    last_success = session.exec(
        select(func.max(SignInAttempt.at)).where(
            SignInAttempt.staff_id == staff.id, col(SignInAttempt.succeeded).is_(True)
        )
    ).one()
    if last_success is not None and last_success > since:
        since = last_success
    return session.exec(
        select(func.count())
        .select_from(SignInAttempt)
        .where(
            SignInAttempt.staff_id == staff.id,
            col(SignInAttempt.succeeded).is_(False),
            SignInAttempt.at > since,
        )
    ).one()


def _record_failure(
    session: Session, email: str, staff: Staff | None, ip: str, reason: str
) -> None:
    """A refused attempt: counted for lockout and written to the audit log."""
    _record_attempt(session, email, staff, False, ip)
    known = staff is not None and staff.is_active
    audit.record(
        session,
        None,
        "auth.sign_in_failed",
        actor_name=staff.full_name if known and staff else (email[:200] or "anonymous"),
        ip=ip,
        record_type="staff" if known else "",
        record_id=staff.id if known and staff else None,
        detail={"reason": reason},
    )


@dataclass(frozen=True)
class Handoff:
    """A started session, waiting for the browser to collect its cookie."""

    session_id: int
    code: str


def start_sign_in(
    session: Session, email: str, password: str, *, ip: str = "", user_agent: str = ""
) -> Handoff:
    """Check the credentials and open a session; return its one-time hand-off code.

    Every outcome is recorded and committed, including failures, before any error is raised.
    """
    email_norm = (email or "").strip().lower()
    now = clock.now()
    staff = session.exec(select(Staff).where(Staff.email == email_norm)).first()
    if staff is None or not staff.is_active:
        _password_matches(_DUMMY_HASH, password or "")
        _record_failure(session, email_norm, staff, ip, "unknown or inactive account")
        session.commit()
        raise SignInFailed()
    if staff.locked_until is not None and staff.locked_until > now:
        _record_failure(session, email_norm, staff, ip, "locked")
        session.commit()
        raise AccountLocked(staff.locked_until)
    if not _password_matches(staff.password_hash, password or ""):
        _record_failure(session, email_norm, staff, ip, "wrong password")
        session.flush()
        if _recent_failures(session, staff, now) >= LOCK_AFTER_FAILURES:
            staff.locked_until = now + LOCK_DURATION
            session.add(staff)
            audit.record(
                session,
                None,
                "auth.account_locked",
                actor_name=staff.full_name,
                ip=ip,
                record_type="staff",
                record_id=staff.id,
            )
            session.commit()
            raise AccountLocked(staff.locked_until)
        session.commit()
        raise SignInFailed()

    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    staff.locked_until = None
    session.add(staff)
    settings = get_settings()
    code = secrets.token_urlsafe(32)
    user_session = UserSession(
        staff_id=staff.id,  # type: ignore[arg-type]
        handoff_hash=_digest(code),
        handoff_expires_at=now + HANDOFF_LIFETIME,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_max_hours),
        ip=ip[:64],
        user_agent=user_agent[:300],
    )
    session.add(user_session)
    _record_attempt(session, email_norm, staff, True, ip)
    session.flush()
    actor = actor_for(session, staff, ip=ip, session_id=user_session.id)
    audit.record(session, actor, "auth.sign_in", record_type="staff", record_id=staff.id)
    session.commit()
    assert user_session.id is not None
    return Handoff(session_id=user_session.id, code=code)


def complete_sign_in(session: Session, code: str) -> str | None:
    """Trade a hand-off code for the session token (once, within a minute); None if invalid."""
    if not code:
        return None
    now = clock.now()
    user_session = session.exec(
        select(UserSession).where(UserSession.handoff_hash == _digest(code))
    ).first()
    if (
        user_session is None
        or user_session.revoked_at is not None
        or user_session.handoff_expires_at is None
        or user_session.handoff_expires_at < now
    ):
        return None
    token = secrets.token_urlsafe(32)
    user_session.token_hash = _digest(token)
    user_session.handoff_hash = None
    user_session.handoff_expires_at = None
    user_session.last_seen_at = now
    session.add(user_session)
    session.commit()
    return token


@dataclass(frozen=True)
class Resolved:
    """The outcome of looking up a session cookie."""

    actor: Actor | None
    ended_reason: str = ""  # "idle", "expired", "revoked", "deactivated", "" when none


def resolve_session(
    session: Session, token: str | None, *, ip: str = "", touch: bool = True
) -> Resolved:
    """The actor behind a session cookie, or why there is none.

    A session found idle or past its lifetime is ended here (and audited) so it cannot come back.
    """
    if not token:
        return Resolved(None)
    user_session = session.exec(
        select(UserSession).where(UserSession.token_hash == _digest(token))
    ).first()
    if user_session is None:
        return Resolved(None)
    if user_session.revoked_at is not None:
        return Resolved(None, user_session.revoked_reason or "revoked")
    staff = session.get(Staff, user_session.staff_id)
    now = clock.now()
    settings = get_settings()
    reason = ""
    if staff is None or not staff.is_active:
        reason = "deactivated"
    elif now >= user_session.expires_at:
        reason = "expired"
    elif now - user_session.last_seen_at >= timedelta(minutes=settings.session_idle_minutes):
        reason = "idle"
    if reason:
        _revoke(session, user_session, reason, staff, ip)
        session.commit()
        return Resolved(None, reason)
    assert staff is not None
    if touch and now - user_session.last_seen_at >= TOUCH_EVERY:
        user_session.last_seen_at = now
        session.add(user_session)
        session.commit()
    return Resolved(actor_for(session, staff, ip=ip, session_id=user_session.id))


def _revoke(
    session: Session, user_session: UserSession, reason: str, staff: Staff | None, ip: str
) -> None:
    user_session.revoked_at = clock.now()
    user_session.revoked_reason = reason
    session.add(user_session)
    audit.record(
        session,
        None,
        "auth.sign_out",
        actor_name=staff.full_name if staff else "unknown",
        ip=ip,
        record_type="staff",
        record_id=user_session.staff_id,
        detail={"reason": reason},
    )


def sign_out(session: Session, token: str | None, *, ip: str = "") -> None:
    """End the session behind TOKEN (a no-op when there is none)."""
    if not token:
        return
    user_session = session.exec(
        select(UserSession).where(UserSession.token_hash == _digest(token))
    ).first()
    if user_session is None or user_session.revoked_at is not None:
        return
    _revoke(session, user_session, "signed out", session.get(Staff, user_session.staff_id), ip)
    session.commit()


def end_sessions_for(session: Session, staff_id: int, reason: str) -> int:
    """Revoke every live session of a staff member (in the caller's transaction)."""
    live = session.exec(
        select(UserSession).where(
            UserSession.staff_id == staff_id, col(UserSession.revoked_at).is_(None)
        )
    ).all()
    for user_session in live:
        user_session.revoked_at = clock.now()
        user_session.revoked_reason = reason
        session.add(user_session)
    return len(live)
